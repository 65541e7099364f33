//! Percona's two KMIP clients against the real server. Both are built on
//! libkmip (Percona-Lab/libkmip, `libkmip/src/kmip_bio.c`): each
//! `kmip_bio_*` call picks its own protocol version — Register and the
//! Get Attributes of "Name" send 1.4 headers, Locate, Get, Activate, Revoke
//! and Destroy send 1.0 — and every header carries Maximum Response Size and
//! a Time Stamp. Locate asks for at most 16 items and pages with Offset
//! Items (sent only when non-zero), reading Located Items when the server
//! gives it and otherwise asking again until a page comes back empty.
//!
//! libkmip decodes responses strictly in sequence, so each response is
//! also checked for the field order it expects (`wire::libkmip_ok`).
//!
//! - Percona pg_tde (percona/pg_tde `src/keyring/keyring_kmip.c`,
//!   `keyring_kmip_impl.c`): opens a new TLS connection for every call;
//!   registers a principal key as a Raw AES Symmetric Key with algorithm,
//!   length, usage Encrypt|Decrypt and a Name; finds it again by Locate on
//!   Object Type and Name (exactly one hit expected) and Gets it.
//! - Percona MySQL keyring (kmippp, `kmippp/kmippp.cpp` in Percona-Lab/libkmip):
//!   one connection for everything; registers keys and secrets with a Name
//!   and an Object Group, lists them by paged Locate on Object Type and
//!   Object Group, Gets them, reads their Name with Get Attributes, and
//!   removes a key with Activate, Revoke, Destroy.

mod common;

use common::wire::{self, attr, enumeration, int, name_attr, template, text, uid, uid_of, Header};
use common::Server;
use kmip::enums::{operation as op, state};
use kmip::{ProtocolVersion, Tag, Ttlv};

const V1_0: ProtocolVersion = ProtocolVersion::V1_0;
const V1_4: ProtocolVersion = ProtocolVersion::V1_4;

/// libkmip's Register of a Raw AES key (`kmip_bio_register_symmetric_key`).
fn register_key(c: &mut wire::Conn, name: &str, group: Option<&str>, key: &[u8]) -> String {
    let mut attrs = vec![
        attr("Cryptographic Algorithm", enumeration(3)),
        attr("Cryptographic Length", int(key.len() as i32 * 8)),
        attr("Cryptographic Usage Mask", int(4 | 8)),
        name_attr(name),
    ];
    if let Some(g) = group {
        attrs.push(attr("Object Group", text(g)));
    }
    let p = wire::libkmip_ok(
        c,
        V1_4,
        &Header::libkmip(),
        op::Register,
        vec![
            Ttlv::enumeration(Tag::ObjectType, 2),
            template(attrs),
            Ttlv::structure(Tag::SymmetricKey, vec![wire::key_block(1, key, None)]),
        ],
    );
    uid_of(&p)
}

/// libkmip's Locate (`kmip_bio_locate`): 1.0 header, Maximum Items 16, Offset
/// Items only when non-zero, then the 1.x Attributes.
fn locate_page(c: &mut wire::Conn, offset: i32, filters: &[Ttlv]) -> (Option<i32>, Vec<String>) {
    let mut p = vec![Ttlv::integer(Tag::MaximumItems, 16)];
    if offset != 0 {
        p.push(Ttlv::integer(Tag::OffsetItems, offset));
    }
    p.extend(filters.iter().cloned());
    let r = wire::libkmip_ok(c, V1_0, &Header::libkmip(), op::Locate, p);
    (
        r.opt_child_integer(Tag::LocatedItems).unwrap(),
        wire::uids_of(&r),
    )
}

/// kmippp's paging loop over [`locate_page`].
fn locate_all(c: &mut wire::Conn, filters: &[Ttlv]) -> Vec<String> {
    let (mut upto, mut all) = (0, 1);
    let mut out = Vec::new();
    while upto < all {
        let (located, ids) = locate_page(c, upto, filters);
        assert!(ids.len() <= 16, "Maximum Items is honoured");
        match located {
            Some(n) if n != 0 => all = n,
            _ => {
                all += ids.len() as i32;
                if ids.is_empty() {
                    all -= 1;
                }
            }
        }
        upto += ids.len() as i32;
        out.extend(ids);
    }
    out
}

fn get_material(c: &mut wire::Conn, id: &str, object: Tag) -> Vec<u8> {
    let p = wire::libkmip_ok(c, V1_0, &Header::libkmip(), op::Get, vec![uid(id)]);
    assert_eq!(uid_of(&p), id);
    wire::key_material(&p, object).1
}

fn type_and_name(object_type: u32, name: &str) -> Vec<Ttlv> {
    vec![
        attr("Object Type", enumeration(object_type)),
        name_attr(name),
    ]
}

fn type_and_group(object_type: u32, group: &str) -> Vec<Ttlv> {
    vec![
        attr("Object Type", enumeration(object_type)),
        attr("Object Group", text(group)),
    ]
}

#[test]
fn pg_tde_register_locate_get_one_connection_per_call() {
    let s = Server::start();
    let conn = || s.client_as("pg_tde", V1_0);
    let k128: Vec<u8> = (1..=16).collect();
    let k256: Vec<u8> = (100..132).collect();
    let id128 = register_key(&mut conn(), "pg_tde-principal-128", None, &k128);
    let id256 = register_key(&mut conn(), "pg_tde-principal-256", None, &k256);
    assert_ne!(id128, id256);
    for (name, id, key) in [
        ("pg_tde-principal-128", &id128, &k128),
        ("pg_tde-principal-256", &id256, &k256),
    ] {
        let (_, ids) = locate_page(&mut conn(), 0, &type_and_name(2, name));
        assert_eq!(ids, vec![id.clone()], "exactly one key of that name");
        let (format, got) = {
            let p = wire::libkmip_ok(
                &mut conn(),
                V1_0,
                &Header::libkmip(),
                op::Get,
                vec![uid(id)],
            );
            assert_eq!(p.child_enumeration(Tag::ObjectType).unwrap(), 2);
            wire::key_material(&p, Tag::SymmetricKey)
        };
        assert_eq!(format, 1, "Raw, as registered");
        assert_eq!(&got, key);
    }
    // A name never registered: no hit, not an error (pg_tde then reports
    // the key missing).
    let (_, ids) = locate_page(&mut conn(), 0, &type_and_name(2, "pg_tde-unknown"));
    assert!(ids.is_empty());
    // The Object Type filter is honoured.
    let (_, ids) = locate_page(&mut conn(), 0, &type_and_name(7, "pg_tde-principal-128"));
    assert!(ids.is_empty());
}

#[test]
fn mysql_keyring_keys_and_secrets_with_groups_paged_locate_and_removal() {
    let s = Server::start();
    let mut c = s.client_as("mysql-keyring", V1_0);
    let group = "mysql-keyring-group";
    let mut keys = Vec::new();
    for i in 0..20u8 {
        let material = vec![i; 32];
        let id = register_key(&mut c, &format!("mysql-key-{i}"), Some(group), &material);
        keys.push((id, material));
    }
    // Same attributes in another group: never listed with the first.
    register_key(&mut c, "other-group-key", Some("another-group"), &[9; 32]);
    // A secret (kmippp op_register_secret): Secret Data, usage Derive Key |
    // Export, Name and Object Group, 1.4 header.
    let secret = b"a MySQL keyring secret".to_vec();
    let p = wire::libkmip_ok(
        &mut c,
        V1_4,
        &Header::libkmip(),
        op::Register,
        vec![
            Ttlv::enumeration(Tag::ObjectType, 7),
            template(vec![
                attr("Cryptographic Usage Mask", int(0x200 | 0x40)),
                name_attr("mysql-secret-0"),
                attr("Object Group", text(group)),
            ]),
            Ttlv::structure(
                Tag::SecretData,
                vec![
                    Ttlv::enumeration(Tag::SecretDataType, 1),
                    wire::key_block(2, &secret, None),
                ],
            ),
        ],
    );
    let secret_id = uid_of(&p);

    // 20 keys: two pages of at most 16, each key once.
    let (located, first) = locate_page(&mut c, 0, &type_and_group(2, group));
    assert_eq!(first.len(), 16);
    assert_eq!(located, None, "Located Items does not exist in KMIP 1.0");
    let mut listed = locate_all(&mut c, &type_and_group(2, group));
    assert_eq!(listed.len(), 20, "{listed:?}");
    listed.sort();
    listed.dedup();
    assert_eq!(listed.len(), 20, "no key listed twice across pages");
    for (id, _) in &keys {
        assert!(listed.contains(id));
    }
    let secrets = locate_all(&mut c, &type_and_group(7, group));
    assert_eq!(secrets, vec![secret_id.clone()]);
    assert_eq!(get_material(&mut c, &secret_id, Tag::SecretData), secret);

    // Get and the Name read back (kmip_bio_get_name_attribute, 1.4).
    let (id, material) = &keys[7];
    assert_eq!(&get_material(&mut c, id, Tag::SymmetricKey), material);
    let p = wire::libkmip_ok(
        &mut c,
        V1_4,
        &Header::libkmip(),
        op::GetAttributes,
        vec![uid(id), Ttlv::text(Tag::AttributeName, "Name")],
    );
    let name = wire::attribute_value(&p, "Name").expect("Name");
    assert_eq!(name.child_text(Tag::NameValue).unwrap(), "mysql-key-7");

    // Removal: Activate, Revoke (with a message), Destroy — 1.0 headers.
    wire::libkmip_ok(
        &mut c,
        V1_0,
        &Header::libkmip(),
        op::Activate,
        vec![uid(id)],
    );
    wire::libkmip_ok(
        &mut c,
        V1_0,
        &Header::libkmip(),
        op::Revoke,
        vec![
            uid(id),
            Ttlv::structure(
                Tag::RevocationReason,
                vec![
                    Ttlv::enumeration(Tag::RevocationReasonCode, 1),
                    Ttlv::text(Tag::RevocationMessage, "keyring key removed"),
                ],
            ),
        ],
    );
    let p = wire::libkmip_ok(
        &mut c,
        V1_4,
        &Header::libkmip(),
        op::GetAttributes,
        vec![uid(id), Ttlv::text(Tag::AttributeName, "State")],
    );
    assert_eq!(
        wire::attribute_value(&p, "State")
            .unwrap()
            .as_enumeration()
            .unwrap(),
        state::Deactivated
    );
    let p = wire::libkmip_ok(&mut c, V1_0, &Header::libkmip(), op::Destroy, vec![uid(id)]);
    assert_eq!(uid_of(&p), *id);
    // The destroyed key is gone from the keyring's listing (KMIP 1.x has no
    // Destroyed Storage bit: keybridge leaves destroyed objects out of a 1.x
    // Locate that does not ask for a State).
    let listed = locate_all(&mut c, &type_and_group(2, group));
    assert_eq!(listed.len(), 19);
    assert!(!listed.contains(id));
    let r = wire::one(&mut c, V1_0, &Header::libkmip(), op::Get, vec![uid(id)]);
    assert_ne!(r.result_status, kmip::enums::result_status::Success);
    // Asking for the State finds it, for an operator who wants it.
    let destroyed = locate_all(
        &mut c,
        &[
            attr("Object Group", text(group)),
            attr("State", enumeration(state::Destroyed)),
        ],
    );
    assert_eq!(destroyed, vec![id.clone()]);
}
