//! PKCS#11 attribute templates (type + value bytes, as the FFI layer copies
//! them out of a CK_ATTRIBUTE array) through the module's safe layer: the
//! nested-template codec, the template rules of every phase for every
//! object class, attribute reads and matching, and C_CreateObject /
//! C_GenerateKey / C_GenerateKeyPair / C_CopyObject / C_SetAttributeValue /
//! C_FindObjects on a real token. Nothing may panic; anything created is
//! destroyed again so the store stays small.
//!
//! Input: the records of `attrs::encode_nested` (type u64 LE, length u64
//! LE, value), so a nested template value is the same format again.
#![no_main]

#[path = "common/pkcs11.rs"]
mod common;

use cryptoki_sys::*;
use keybridge_pkcs11::attrs::{self, Obj, Template};
use keybridge_pkcs11::mechanism::{Mechanism, Param};
use keybridge_pkcs11::template::{self, Phase};
use keybridge_pkcs11::{objects, ops};
use keystore::ObjectType;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static MODULE: OnceLock<common::Module> = OnceLock::new();

const TYPES: &[ObjectType] = &[
    ObjectType::SymmetricKey,
    ObjectType::SecretData,
    ObjectType::PrivateKey,
    ObjectType::PublicKey,
    ObjectType::Certificate,
    ObjectType::OpaqueObject,
];
const PHASES: &[Phase] = &[
    Phase::Create,
    Phase::Generate,
    Phase::Unwrap,
    Phase::Copy,
    Phase::Set,
];

fn pure(t: &Template) {
    // The codec: what decodes encodes back to a prefix of the input.
    for a in &t.0 {
        if attrs::is_nested(a.ty) {
            let inner = attrs::decode_nested(&a.value);
            let again = attrs::encode_nested(&inner);
            assert!(
                a.value.starts_with(&again),
                "nested template re-encodes to a prefix"
            );
        }
        let _ = attrs::parse_date(&a.value);
        let _ = attrs::usage_bits(a.ty);
    }
    let _ = template::object_type_of(t, None);
    let _ = template::object_type_of(t, Some(CKO_SECRET_KEY));
    for &ot in TYPES {
        for &phase in PHASES {
            for so in [false, true] {
                let mut a = template::new_attributes(ot);
                if template::apply(&mut a, t, phase, so).is_ok() {
                    let o = Obj {
                        uid: String::new(),
                        attrs: a,
                        value: None,
                        token: false,
                    };
                    for at in &t.0 {
                        let _ = attrs::get(&o, at.ty);
                    }
                    let _ = attrs::matches(&o, t);
                    let _ = template::satisfies(&o, t);
                }
            }
        }
    }
    let _ = template::merge(t, t);
}

fn destroy(h: CK_SESSION_HANDLE, r: Result<CK_OBJECT_HANDLE, keybridge_pkcs11::error::Error>) {
    if let Ok(o) = r {
        let _ = objects::destroy_object(h, o);
    }
}

fuzz_target!(|data: &[u8]| {
    let t = attrs::decode_nested(data);
    assert!(
        data.starts_with(&attrs::encode_nested(&t)),
        "template re-encodes to a prefix"
    );
    pure(&t);
    let m = MODULE.get_or_init(common::module);
    let h = m.session();
    let created = objects::create_object(h, &t);
    if let Ok(o) = created {
        let types: Vec<CK_ATTRIBUTE_TYPE> = t.0.iter().map(|a| a.ty).collect();
        let _ = objects::attribute_values(h, o, &types);
        let _ = objects::object_size(h, o);
    }
    destroy(h, created);
    let gen = |ty| Mechanism {
        ty,
        param: Param::None,
    };
    destroy(h, ops::keymgmt::generate_key(h, &gen(CKM_AES_KEY_GEN), &t));
    destroy(
        h,
        ops::keymgmt::generate_key(h, &gen(CKM_GENERIC_SECRET_KEY_GEN), &t),
    );
    if let Ok((a, b)) = ops::keypair::generate_key_pair(h, &gen(CKM_EC_KEY_PAIR_GEN), &t, &t) {
        destroy(h, Ok(a));
        destroy(h, Ok(b));
    }
    let copy = objects::copy_object(h, m.keys.aes, &t);
    if let Ok(c) = copy {
        let _ = objects::set_attribute_values(h, c, &t);
    }
    destroy(h, copy);
    if objects::find_init(h, &t).is_ok() {
        let _ = objects::find_next(h, 16);
        let _ = objects::find_final(h);
    }
    m.close(h);
});
