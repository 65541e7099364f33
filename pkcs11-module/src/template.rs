//! The standard's rules for templates: which attributes a caller may give
//! when an object is made (C_CreateObject, C_GenerateKey, C_UnwrapKey,
//! C_DeriveKey, C_CopyObject) or changed (C_SetAttributeValue), and their
//! defaults (PKCS#11 3.0 §4.1–4.10, §5.7).

use crate::attrs::{self, decode_bool, decode_ulong, parse_date, usage_bits, Template};
use crate::error::{fail, Result};
use cryptoki_sys::*;
use keystore::lifecycle::{self, Lifecycle};
use keystore::object::UsageMask;
use keystore::{Attributes, ObjectType};

/// How an object comes to be; decides which attributes are read-only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// C_CreateObject: the caller supplies the value.
    Create,
    /// C_GenerateKey: the token makes the value.
    Generate,
    /// C_UnwrapKey / C_DeriveKey: the value comes from an operation.
    Unwrap,
    /// C_CopyObject: changes to a copy.
    Copy,
    /// C_SetAttributeValue.
    Set,
}

/// Attributes nobody may set at any time.
fn always_read_only(ty: CK_ATTRIBUTE_TYPE) -> bool {
    matches!(
        ty,
        CKA_LOCAL | CKA_ALWAYS_SENSITIVE | CKA_NEVER_EXTRACTABLE | CKA_KEY_GEN_MECHANISM
    )
}

/// A fresh attribute set for a new object of `object_type`, with the
/// module's defaults: secret keys private, sensitive, extractable and usable
/// for every symmetric operation but derivation; created Active.
pub fn new_attributes(object_type: ObjectType) -> Attributes {
    let now = lifecycle::now();
    let mut a = Attributes::new(object_type, now);
    a.lifecycle = Lifecycle::new(now, Some(now));
    if matches!(
        object_type,
        ObjectType::SymmetricKey | ObjectType::SecretData
    ) {
        a.usage = UsageMask(
            UsageMask::ENCRYPT
                | UsageMask::DECRYPT
                | UsageMask::SIGN
                | UsageMask::VERIFY
                | UsageMask::MAC_GENERATE
                | UsageMask::MAC_VERIFY
                | UsageMask::WRAP_KEY
                | UsageMask::UNWRAP_KEY,
        );
    }
    if object_type == ObjectType::OpaqueObject {
        a.flags.private = false;
    }
    a
}

/// Applies `t` to `a` under the rules of `phase`. `so` says whether the
/// security officer is logged in (only the SO may set CKA_TRUSTED).
/// CKA_CLASS, CKA_KEY_TYPE, CKA_TOKEN, CKA_VALUE and CKA_VALUE_LEN are the
/// caller's business before this is called; here they are only checked
/// for consistency.
pub fn apply(a: &mut Attributes, t: &Template, phase: Phase, so: bool) -> Result<()> {
    let is_key =
        a.object_type != ObjectType::OpaqueObject && a.object_type != ObjectType::Certificate;
    let secret = matches!(
        a.object_type,
        ObjectType::SymmetricKey | ObjectType::SecretData | ObjectType::PrivateKey
    );
    let creating = phase != Phase::Set && phase != Phase::Copy;
    for at in &t.0 {
        let ty = at.ty;
        let v = at.value.as_slice();
        if always_read_only(ty) {
            return fail(
                CKR_ATTRIBUTE_READ_ONLY,
                format!("attribute {ty:#x} is read-only"),
            );
        }
        match ty {
            CKA_UNIQUE_ID => {
                return fail(
                    if creating {
                        CKR_ATTRIBUTE_TYPE_INVALID
                    } else {
                        CKR_ATTRIBUTE_READ_ONLY
                    },
                    "CKA_UNIQUE_ID is assigned by the token",
                )
            }
            CKA_CLASS | CKA_KEY_TYPE => {
                if !creating {
                    let cur = attrs::get(&probe(a), ty);
                    if cur != attrs::AttrOut::Value(v.to_vec()) {
                        return fail(CKR_ATTRIBUTE_READ_ONLY, "class and key type are fixed");
                    }
                }
            }
            CKA_TOKEN | CKA_VALUE_LEN => {
                if phase == Phase::Set {
                    return fail(CKR_ATTRIBUTE_READ_ONLY, "fixed at creation");
                }
                if ty == CKA_VALUE_LEN && phase == Phase::Create {
                    return fail(
                        CKR_TEMPLATE_INCONSISTENT,
                        "CKA_VALUE_LEN is not given to C_CreateObject",
                    );
                }
                if ty == CKA_TOKEN {
                    decode_bool(v)?;
                } else {
                    decode_ulong(v)?;
                }
            }
            CKA_VALUE => {
                if phase != Phase::Create {
                    return fail(
                        if phase == Phase::Set || phase == Phase::Copy {
                            CKR_ATTRIBUTE_READ_ONLY
                        } else {
                            CKR_TEMPLATE_INCONSISTENT
                        },
                        "CKA_VALUE is not settable here",
                    );
                }
            }
            CKA_PRIVATE => {
                let b = decode_bool(v)?;
                if phase == Phase::Set && b != a.flags.private {
                    return fail(CKR_ATTRIBUTE_READ_ONLY, "CKA_PRIVATE is fixed");
                }
                a.flags.private = b;
            }
            CKA_MODIFIABLE => {
                let b = decode_bool(v)?;
                if phase == Phase::Set {
                    return fail(CKR_ATTRIBUTE_READ_ONLY, "CKA_MODIFIABLE is fixed");
                }
                if phase == Phase::Copy && b && !a.flags.modifiable {
                    return fail(CKR_ATTRIBUTE_READ_ONLY, "a copy cannot become modifiable");
                }
                a.flags.modifiable = b;
            }
            CKA_COPYABLE => {
                let b = decode_bool(v)?;
                if !creating && b && !a.flags.copyable {
                    return fail(CKR_ATTRIBUTE_READ_ONLY, "CKA_COPYABLE cannot become true");
                }
                a.flags.copyable = b;
            }
            CKA_DESTROYABLE => {
                let b = decode_bool(v)?;
                if !creating && b && !a.flags.destroyable {
                    return fail(
                        CKR_ATTRIBUTE_READ_ONLY,
                        "CKA_DESTROYABLE cannot become true",
                    );
                }
                a.flags.destroyable = b;
            }
            CKA_LABEL => {
                let s = String::from_utf8(v.to_vec()).map_err(|_| {
                    crate::error::Error::rv(CKR_ATTRIBUTE_VALUE_INVALID, "label is UTF-8")
                })?;
                if a.names.is_empty() {
                    a.names.push(s);
                } else {
                    a.names[0] = s;
                }
            }
            _ if crate::asym::is_component(ty) => {
                if !creating {
                    return fail(
                        CKR_ATTRIBUTE_READ_ONLY,
                        format!("attribute {ty:#x} is fixed with the key"),
                    );
                }
            }
            CKA_ID if a.object_type == ObjectType::Certificate => a.key_id = Some(v.to_vec()),
            CKA_TRUSTED if a.object_type == ObjectType::Certificate => {
                let b = decode_bool(v)?;
                if b && !so {
                    return fail(CKR_ATTRIBUTE_READ_ONLY, "only the SO may set CKA_TRUSTED");
                }
                a.flags.trusted = b;
            }
            CKA_SUBJECT
            | CKA_ISSUER
            | CKA_SERIAL_NUMBER
            | CKA_URL
            | CKA_HASH_OF_SUBJECT_PUBLIC_KEY
            | CKA_HASH_OF_ISSUER_PUBLIC_KEY
            | CKA_CERTIFICATE_CATEGORY
            | CKA_JAVA_MIDP_SECURITY_DOMAIN
            | CKA_NAME_HASH_ALGORITHM
            | CKA_START_DATE
            | CKA_END_DATE
                if a.object_type == ObjectType::Certificate =>
            {
                a.pkcs11_extra.insert(ty as u64, v.to_vec());
            }
            CKA_SUBJECT | CKA_SIGN_RECOVER | CKA_VERIFY_RECOVER
                if matches!(
                    a.object_type,
                    ObjectType::PublicKey | ObjectType::PrivateKey
                ) =>
            {
                if ty != CKA_SUBJECT && decode_bool(v)? {
                    return fail(
                        CKR_ATTRIBUTE_VALUE_INVALID,
                        "signatures with message recovery are not offered",
                    );
                }
                a.pkcs11_extra.insert(ty as u64, v.to_vec());
            }
            CKA_APPLICATION | CKA_OBJECT_ID if !is_key => {
                a.pkcs11_extra.insert(ty as u64, v.to_vec());
            }
            _ if !is_key && ty < CKA_VENDOR_DEFINED => {
                return fail(CKR_ATTRIBUTE_TYPE_INVALID, format!("attribute {ty:#x}"));
            }
            CKA_ID => a.key_id = Some(v.to_vec()),
            CKA_START_DATE => {
                let d = parse_date(v)?;
                a.lifecycle.activation_date = Some(d.unwrap_or(a.lifecycle.initial_date));
                if creating && d.is_some_and(|d| d > lifecycle::now()) {
                    a.lifecycle = Lifecycle::new(a.lifecycle.initial_date, d);
                }
            }
            CKA_END_DATE => a.lifecycle.deactivation_date = parse_date(v)?,
            CKA_ENCRYPT | CKA_DECRYPT | CKA_SIGN | CKA_VERIFY | CKA_WRAP | CKA_UNWRAP
            | CKA_DERIVE => {
                let b = decode_bool(v)?;
                let bits = usage_bits(ty).unwrap_or(0);
                a.usage = a.usage.with(bits, b);
            }
            CKA_ALLOWED_MECHANISMS => {
                if v.len() % std::mem::size_of::<CK_ULONG>() != 0 {
                    return fail(CKR_ATTRIBUTE_VALUE_INVALID, "CKA_ALLOWED_MECHANISMS size");
                }
                let list = v
                    .chunks(std::mem::size_of::<CK_ULONG>())
                    .map(|c| decode_ulong(c).map(|m| m as u64))
                    .collect::<Result<Vec<_>>>()?;
                a.allowed_mechanisms = Some(list);
            }
            CKA_TRUSTED => {
                let b = decode_bool(v)?;
                if b && !so {
                    return fail(CKR_ATTRIBUTE_READ_ONLY, "only the SO may set CKA_TRUSTED");
                }
                a.flags.trusted = b;
            }
            CKA_WRAP_TEMPLATE | CKA_UNWRAP_TEMPLATE | CKA_DERIVE_TEMPLATE => {
                if phase == Phase::Set {
                    return fail(CKR_ATTRIBUTE_READ_ONLY, "templates are fixed at creation");
                }
                a.pkcs11_extra.insert(ty as u64, v.to_vec());
            }
            CKA_CHECK_VALUE => {
                if phase == Phase::Set {
                    return fail(CKR_ATTRIBUTE_READ_ONLY, "CKA_CHECK_VALUE is computed");
                }
            }
            _ if !secret && ty < CKA_VENDOR_DEFINED => {
                return fail(CKR_ATTRIBUTE_TYPE_INVALID, format!("attribute {ty:#x}"));
            }
            CKA_SENSITIVE => {
                let b = decode_bool(v)?;
                if !creating && !b && a.flags.sensitive {
                    return fail(CKR_ATTRIBUTE_READ_ONLY, "a sensitive key stays sensitive");
                }
                a.flags.sensitive = b;
            }
            CKA_EXTRACTABLE => {
                let b = decode_bool(v)?;
                if !creating && b && !a.flags.extractable {
                    return fail(CKR_ATTRIBUTE_READ_ONLY, "an unextractable key stays so");
                }
                a.flags.extractable = b;
            }
            CKA_WRAP_WITH_TRUSTED => {
                let b = decode_bool(v)?;
                if !creating && !b && a.flags.wrap_with_trusted {
                    return fail(CKR_ATTRIBUTE_READ_ONLY, "CKA_WRAP_WITH_TRUSTED stays true");
                }
                a.flags.wrap_with_trusted = b;
            }
            CKA_ALWAYS_AUTHENTICATE if a.object_type == ObjectType::PrivateKey => {
                a.flags.always_authenticate = decode_bool(v)?;
            }
            _ if ty >= CKA_VENDOR_DEFINED => {
                a.pkcs11_extra.insert(ty as u64, v.to_vec());
            }
            _ => return fail(CKR_ATTRIBUTE_TYPE_INVALID, format!("attribute {ty:#x}")),
        }
    }
    Ok(())
}

/// An object wrapper for reading attributes of a bare attribute set.
fn probe(a: &Attributes) -> attrs::Obj {
    attrs::Obj {
        uid: String::new(),
        attrs: a.clone(),
        value: None,
        token: false,
    }
}

/// Whether the object's attributes satisfy a stored template (the
/// CKA_WRAP_TEMPLATE / CKA_UNWRAP_TEMPLATE rules of §4.9).
pub fn satisfies(o: &attrs::Obj, t: &Template) -> bool {
    attrs::matches(o, t)
}

/// Merges a stored CKA_UNWRAP_TEMPLATE / CKA_DERIVE_TEMPLATE into the
/// caller's template: a conflicting value is CKR_TEMPLATE_INCONSISTENT.
pub fn merge(caller: &Template, required: &Template) -> Result<Template> {
    let mut out = caller.clone();
    for r in &required.0 {
        match caller.get(r.ty) {
            Some(v) if v != r.value.as_slice() => {
                let same_bool =
                    v.len() == 1 && r.value.len() == 1 && (v[0] != 0) == (r.value[0] != 0);
                if !same_bool {
                    return fail(
                        CKR_TEMPLATE_INCONSISTENT,
                        format!("attribute {:#x} conflicts with the key's template", r.ty),
                    );
                }
            }
            Some(_) => {}
            None => out.push(r.ty, r.value.clone()),
        }
    }
    Ok(out)
}

/// The class and object type named by a template's CKA_CLASS (and key type).
pub fn object_type_of(t: &Template, default: Option<CK_OBJECT_CLASS>) -> Result<ObjectType> {
    let class = match t.ulong(CKA_CLASS)? {
        Some(c) => c,
        None => match default {
            Some(c) => c,
            None => return fail(CKR_TEMPLATE_INCOMPLETE, "CKA_CLASS is required"),
        },
    };
    Ok(match class {
        CKO_SECRET_KEY => ObjectType::SymmetricKey,
        CKO_DATA => ObjectType::OpaqueObject,
        CKO_PUBLIC_KEY => ObjectType::PublicKey,
        CKO_PRIVATE_KEY => ObjectType::PrivateKey,
        CKO_CERTIFICATE => ObjectType::Certificate,
        _ => return fail(CKR_ATTRIBUTE_VALUE_INVALID, format!("class {class:#x}")),
    })
}
