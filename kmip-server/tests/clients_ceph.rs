//! Ceph RADOS Gateway's KMIP client (ceph/ceph `src/rgw/rgw_kmip_client_impl.cc`,
//! built on libkmip) against the real server. Every request is KMIP 1.0;
//! the header carries Maximum Response Size, a Time Stamp and, when
//! `rgw_crypt_kmip_username` is set, an Authentication with a Username and
//! Password Credential. For SSE-KMS the gateway turns the object's key id
//! into a name (`rgw_crypt_kmip_kms_key_template`), Locates by that Name
//! alone, then Gets the one Unique Identifier found and accepts only a
//! Symmetric Key in Raw format. Its Create (used to make such a key) sends
//! AES / 256 / Encrypt|Decrypt and the Name. Connections are pooled: Locate
//! and Get go over the same one. It checks that the response's Operation is
//! the request's. Its libkmip decoder reads responses strictly in sequence:
//! `wire::libkmip_ok` checks that order too.

mod common;

use common::wire::{self, attr, enumeration, int, name_attr, template, uid, uid_of, Header};
use common::Server;
use kmip::enums::{operation as op, result_reason as rr, result_status as rs};
use kmip::message::{authentication, password_credential};
use kmip::{ProtocolVersion, Tag, Ttlv};

const V: ProtocolVersion = ProtocolVersion::V1_0;
const CN: &str = "ceph-rgw";
const PASSWORD: &str = "rgw-kmip-password";

fn header(password: Option<&str>) -> Header {
    Header {
        authentication: password.map(|p| authentication(vec![password_credential(CN, Some(p))])),
        ..Header::libkmip()
    }
}

fn create(c: &mut wire::Conn, name: &str) -> String {
    let p = wire::libkmip_ok(
        c,
        V,
        &header(Some(PASSWORD)),
        op::Create,
        vec![
            Ttlv::enumeration(Tag::ObjectType, 2),
            template(vec![
                attr("Cryptographic Algorithm", enumeration(3)),
                attr("Cryptographic Length", int(256)),
                attr("Cryptographic Usage Mask", int(4 | 8)),
                name_attr(name),
            ]),
        ],
    );
    uid_of(&p)
}

fn locate(c: &mut wire::Conn, h: &Header, name: &str) -> kmip::message::ResponseItem {
    wire::one(c, V, h, op::Locate, vec![name_attr(name)])
}

#[test]
fn ceph_rgw_sse_kms_locate_by_name_and_get_with_password_credential() {
    let s = Server::start();
    s.admin(
        &["identity", "add", CN, "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    let mut c = s.client_as(CN, V);
    // Two bucket keys, by the default template "pykmip-$keyid".
    let id1 = create(&mut c, "pykmip-bucket-key-1");
    let id2 = create(&mut c, "pykmip-bucket-key-2");
    assert_ne!(id1, id2);

    // The pooled connection: Locate then Get.
    let h = header(Some(PASSWORD));
    let r = locate(&mut c, &h, "pykmip-bucket-key-2");
    assert_eq!(r.result_status, rs::Success, "{:?}", r.result_message);
    assert_eq!(r.operation, Some(op::Locate));
    assert_eq!(wire::uids_of(&r.payload.unwrap()), vec![id2.clone()]);
    let p = wire::libkmip_ok(&mut c, V, &h, op::Get, vec![uid(&id2)]);
    assert_eq!(uid_of(&p), id2);
    assert_eq!(
        p.child_enumeration(Tag::ObjectType).unwrap(),
        2,
        "Symmetric Key"
    );
    let (format, key) = wire::key_material(&p, Tag::SymmetricKey);
    assert_eq!(format, 1, "RGW accepts only the Raw format");
    assert_eq!(key.len(), 32);
    // The same key again from another gateway connection.
    let mut other = s.client_as(CN, V);
    let p = wire::libkmip_ok(&mut other, V, &h, op::Get, vec![uid(&id2)]);
    assert_eq!(wire::key_material(&p, Tag::SymmetricKey).1, key);

    // An unknown key id: no identifier, and RGW reports the key missing.
    let r = locate(&mut c, &h, "pykmip-no-such-key");
    assert_eq!(r.result_status, rs::Success);
    assert!(wire::uids_of(&r.payload.unwrap()).is_empty());

    // A wrong rgw_crypt_kmip_password, or none configured, is refused.
    let r = locate(&mut c, &header(Some("wrong")), "pykmip-bucket-key-2");
    assert_eq!(r.result_reason, Some(rr::AuthenticationNotSuccessful));
    let r = locate(&mut other, &header(None), "pykmip-bucket-key-2");
    assert_eq!(r.result_reason, Some(rr::AuthenticationNotSuccessful));
    // The credential names the certificate's identity, not another one.
    let mallory = Header {
        authentication: Some(authentication(vec![password_credential(
            "mallory",
            Some(PASSWORD),
        )])),
        ..Header::libkmip()
    };
    let r = locate(&mut c, &mallory, "pykmip-bucket-key-2");
    assert_eq!(r.result_reason, Some(rr::AuthenticationNotSuccessful));
    // The server keeps serving the connection after the refusals.
    let r = locate(&mut c, &h, "pykmip-bucket-key-1");
    assert_eq!(wire::uids_of(&r.payload.unwrap()), vec![id1]);
}
