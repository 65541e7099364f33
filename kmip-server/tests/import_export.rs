//! Export (KMIP 2.1 §6.1.17) and Import (§6.1.24) over the real server:
//! a key exported with its attributes comes back under its own Unique
//! Identifier with the same key material; Import does not overwrite an
//! object without Replace Existing, nor another identity's object.

mod common;

use common::access_ops::*;
use common::Server;
use kmip::enums::{
    cryptographic_algorithm as ca, cryptographic_usage_mask as um, operation as op,
    result_status as rs, state,
};
use kmip::{Tag, Ttlv};

fn key_material(p: &Ttlv) -> Vec<u8> {
    p.require_path(&[
        Tag::SymmetricKey,
        Tag::KeyBlock,
        Tag::KeyValue,
        Tag::KeyMaterial,
    ])
    .unwrap()
    .as_bytes()
    .unwrap()
    .to_vec()
}

fn import(
    c: &mut C,
    uid_text: &str,
    replace: bool,
    exported: &Ttlv,
) -> kmip::message::ResponseItem {
    let mut p = vec![
        uid(uid_text),
        Ttlv::enumeration(Tag::ObjectType, kmip::enums::object_type::SymmetricKey),
    ];
    if replace {
        p.push(Ttlv::boolean(Tag::ReplaceExisting, true));
    }
    p.push(exported.child(Tag::Attributes).unwrap().clone());
    p.push(exported.child(Tag::SymmetricKey).unwrap().clone());
    call(c, op::Import, p)
}

#[test]
fn export_then_import_keeps_identifier_attributes_and_key() {
    let s = Server::start();
    let mut c = s.client(V);
    let key = create(
        &mut c,
        ca::AES,
        256,
        um::Encrypt | um::Decrypt,
        "export-me",
        false,
    );
    let exported = ok(&mut c, op::Export, vec![uid(&key)]);
    assert_eq!(uid_of(&exported), key);
    let attributes = exported.child(Tag::Attributes).unwrap();
    assert_eq!(
        attributes
            .child_enumeration(Tag::CryptographicAlgorithm)
            .unwrap(),
        ca::AES
    );
    assert_eq!(
        attributes.child_integer(Tag::CryptographicLength).unwrap(),
        256
    );
    assert_eq!(
        attributes.child_enumeration(Tag::State).unwrap(),
        state::Active
    );
    let material = key_material(&exported);
    assert_eq!(material.len(), 32);

    // Into a new identifier, then over it only with Replace Existing.
    let copy = "imported-key-1";
    let r = import(&mut c, copy, false, &exported);
    assert_eq!(r.result_status, rs::Success, "{:?}", r.result_message);
    assert_eq!(uid_of(&r.payload.unwrap()), copy);
    let got = ok(&mut c, op::Get, vec![uid(copy)]);
    assert_eq!(key_material(&got), material);
    let attrs = ok(&mut c, op::GetAttributes, vec![uid(copy)]);
    let attrs = attrs.child(Tag::Attributes).unwrap();
    assert_eq!(attrs.child_enumeration(Tag::State).unwrap(), state::Active);
    assert_eq!(
        attrs
            .path(&[Tag::Name, Tag::NameValue])
            .unwrap()
            .as_text()
            .unwrap(),
        "export-me"
    );

    let again = import(&mut c, copy, false, &exported);
    assert_eq!(again.result_status, rs::OperationFailed);
    let replaced = import(&mut c, copy, true, &exported);
    assert_eq!(
        replaced.result_status,
        rs::Success,
        "{:?}",
        replaced.result_message
    );
    assert_eq!(
        key_material(&ok(&mut c, op::Get, vec![uid(copy)])),
        material
    );

    // Another identity cannot import over the first one's object.
    let mut other = s.client_as("import-intruder", V);
    let r = import(&mut other, &key, true, &exported);
    assert_eq!(r.result_status, rs::OperationFailed);
    assert_eq!(
        key_material(&ok(&mut c, op::Get, vec![uid(&key)])),
        material
    );
}

#[test]
fn export_keeps_the_rules_of_get() {
    let s = Server::start();
    let mut c = s.client(V);
    let key = create(&mut c, ca::AES, 128, um::Encrypt, "sensitive-one", false);
    ok(
        &mut c,
        op::SetAttribute,
        vec![
            uid(&key),
            Ttlv::structure(Tag::NewAttribute, vec![Ttlv::boolean(Tag::Sensitive, true)]),
        ],
    );
    let r = call(&mut c, op::Export, vec![uid(&key)]);
    assert_eq!(r.result_status, rs::OperationFailed);
    assert_eq!(r.result_reason, Some(kmip::enums::result_reason::Sensitive));
}
