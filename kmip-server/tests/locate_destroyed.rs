//! Locate (KMIP 2.1 §6.1.28) and destroyed objects: a Locate of on-line
//! objects leaves destroyed ones out without reading them from the store;
//! the Storage Status Mask still finds them when asked for, and an archived
//! destroyed object counts as archived.

mod common;

use kmip::enums::{operation as op, result_status as rs, storage_status_mask as ssm};
use kmip::{ProtocolVersion, Tag, Ttlv};

type C = kmip::client::Client<openssl::ssl::SslStream<std::net::TcpStream>>;

fn ok(c: &mut C, operation: u32, children: Vec<Ttlv>) -> Ttlv {
    let r = c
        .call(operation, Ttlv::structure(Tag::RequestPayload, children))
        .unwrap();
    assert_eq!(r.result_status, rs::Success, "{:?}", r.result_message);
    r.payload.unwrap()
}

fn name(n: &str) -> Ttlv {
    Ttlv::structure(
        Tag::Name,
        vec![
            Ttlv::text(Tag::NameValue, n),
            Ttlv::enumeration(Tag::NameType, 1),
        ],
    )
}

fn uid(u: &str) -> Ttlv {
    Ttlv::text(Tag::UniqueIdentifier, u)
}

/// An AES key named `n`, Pre-Active (destroyable without a Revoke).
fn create(c: &mut C, n: &str) -> String {
    let p = ok(
        c,
        op::Create,
        vec![
            Ttlv::enumeration(Tag::ObjectType, 2),
            Ttlv::structure(
                Tag::Attributes,
                vec![
                    Ttlv::enumeration(Tag::CryptographicAlgorithm, 3),
                    Ttlv::integer(Tag::CryptographicLength, 128),
                    Ttlv::integer(Tag::CryptographicUsageMask, 12),
                    name(n),
                ],
            ),
        ],
    );
    p.child_text(Tag::UniqueIdentifier).unwrap().to_string()
}

fn locate(c: &mut C, n: Option<&str>, mask: Option<u32>) -> Vec<String> {
    let mut children = vec![Ttlv::structure(
        Tag::Attributes,
        n.map(name).into_iter().collect(),
    )];
    if let Some(m) = mask {
        children.push(Ttlv::integer(Tag::StorageStatusMask, m as i32));
    }
    ok(c, op::Locate, children)
        .find_all(Tag::UniqueIdentifier)
        .map(|u| u.as_text().unwrap().to_string())
        .collect()
}

#[test]
fn locate_leaves_destroyed_objects_out_unless_the_mask_asks_for_them() {
    let server = common::Server::start();
    let mut c = server.client(ProtocolVersion::V2_1);
    let live = create(&mut c, "loc-live");
    let destroyed = create(&mut c, "loc-destroyed");
    ok(&mut c, op::Destroy, vec![uid(&destroyed)]);
    let archived = create(&mut c, "loc-archived");
    ok(&mut c, op::Destroy, vec![uid(&archived)]);
    ok(&mut c, op::Archive, vec![uid(&archived)]);
    let later = create(&mut c, "loc-later");

    assert_eq!(locate(&mut c, None, None), [live.clone(), later.clone()]);
    assert_eq!(locate(&mut c, Some("loc-live"), None), [live.as_str()]);
    assert!(locate(&mut c, Some("loc-destroyed"), None).is_empty());
    assert!(locate(&mut c, Some("loc-archived"), None).is_empty());
    let destroyed_mask = Some(ssm::DestroyedStorage);
    assert_eq!(
        locate(&mut c, Some("loc-destroyed"), destroyed_mask),
        [destroyed.as_str()]
    );
    assert_eq!(
        locate(
            &mut c,
            None,
            Some(ssm::OnLineStorage | ssm::DestroyedStorage)
        ),
        [live.clone(), destroyed, later]
    );
    assert_eq!(
        locate(&mut c, Some("loc-archived"), Some(ssm::ArchivalStorage)),
        [archived]
    );
    assert!(locate(&mut c, Some("loc-live"), destroyed_mask).is_empty());
}
