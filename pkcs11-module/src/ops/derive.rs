//! The simple key derivations of PKCS#11 3.0 Current Mechanisms §2.43:
//! concatenation of two keys or of a key and data, XOR with data, and
//! extraction of bits. Sensitivity only ever spreads: if a source key is
//! sensitive or unextractable, so is the derived key (§2.43.1–2.43.5).

use super::keymgmt::arriving_key;
use crate::attrs::Obj;
use crate::error::{fail, Error, Result};
use crate::key_use::KeyCall;
use crate::mechanism::{self, Mechanism, Param};
use crate::session::Session;
use crate::state::Module;
use crate::template::merge;
use cryptoki_sys::*;
use keystore::access::Operation;
use keystore::lifecycle::Usage;
use keystore::object::UsageMask;
use keystore::ObjectType;
use zeroize::Zeroizing;

/// Whether `ty` is one of this module's mechanisms.
pub fn is_simple(ty: CK_MECHANISM_TYPE) -> bool {
    matches!(
        ty,
        CKM_CONCATENATE_BASE_AND_KEY
            | CKM_CONCATENATE_BASE_AND_DATA
            | CKM_CONCATENATE_DATA_AND_BASE
            | CKM_XOR_BASE_AND_DATA
            | CKM_EXTRACT_KEY_FROM_KEY
    )
}

pub(crate) fn secret_value(k: &Obj, what: CK_RV) -> Result<Zeroizing<Vec<u8>>> {
    if !matches!(
        k.attrs.object_type,
        ObjectType::SymmetricKey | ObjectType::SecretData
    ) {
        return fail(what, "a secret key is needed");
    }
    match &k.value {
        Some(v) => Ok(Zeroizing::new(v.expose().to_vec())),
        None => fail(what, "the key has no value"),
    }
}

/// `len` bytes of `base` starting at bit `index`, wrapping around (§2.43.5).
fn extract(base: &[u8], index: usize, len: usize) -> Vec<u8> {
    let bits = base.len() * 8;
    (0..len)
        .map(|byte| {
            (0..8).fold(0u8, |acc, bit| {
                let i = (index + byte * 8 + bit) % bits;
                let b = (base[i / 8] >> (7 - i % 8)) & 1;
                acc | (b << (7 - bit))
            })
        })
        .collect()
}

/// C_DeriveKey with a simple derivation mechanism; `base` is loaded and
/// usable.
pub fn simple(
    md: &Module,
    s: &Session,
    call: &mut KeyCall,
    m: &Mechanism,
    base: &Obj,
    t: &crate::attrs::Template,
) -> Result<CK_OBJECT_HANDLE> {
    if !base.attrs.usage.contains(UsageMask::DERIVE_KEY) {
        return fail(CKR_KEY_FUNCTION_NOT_PERMITTED, "CKA_DERIVE is false");
    }
    mechanism::allowed(&base.attrs, m.ty)?;
    let bv = secret_value(base, CKR_KEY_TYPE_INCONSISTENT)?;
    let mut sources = vec![base.clone()];
    let material: Vec<u8> = match (m.ty, &m.param) {
        (CKM_CONCATENATE_BASE_AND_KEY, Param::Handle(other)) => {
            let o = md
                .load_key(s, *other, Usage::Protect)
                .map_err(|_| Error::rv(CKR_MECHANISM_PARAM_INVALID, "no such second key"))?;
            call.uses(md, s.slot, &[(&o, Operation::Derive, Some("second key"))])?;
            let ov = secret_value(&o, CKR_KEY_TYPE_INCONSISTENT)?;
            sources.push(Obj::clone(&o));
            [bv.as_slice(), ov.as_slice()].concat()
        }
        (CKM_CONCATENATE_BASE_AND_DATA, Param::DeriveData(d)) => [bv.as_slice(), d].concat(),
        (CKM_CONCATENATE_DATA_AND_BASE, Param::DeriveData(d)) => [d, bv.as_slice()].concat(),
        (CKM_XOR_BASE_AND_DATA, Param::DeriveData(d)) => {
            bv.iter().zip(d.iter()).map(|(a, b)| a ^ b).collect()
        }
        (CKM_EXTRACT_KEY_FROM_KEY, Param::Ulong(index)) => {
            let len = t
                .ulong(CKA_VALUE_LEN)?
                .ok_or_else(|| Error::rv(CKR_TEMPLATE_INCOMPLETE, "CKA_VALUE_LEN is required"))?
                as usize;
            if len == 0 || len > bv.len() || bv.is_empty() {
                return fail(
                    CKR_TEMPLATE_INCONSISTENT,
                    "CKA_VALUE_LEN exceeds the base key",
                );
            }
            extract(&bv, *index as usize % (bv.len() * 8), len)
        }
        _ => return fail(CKR_MECHANISM_PARAM_INVALID, "derivation parameter"),
    };
    if material.is_empty() {
        return fail(CKR_MECHANISM_PARAM_INVALID, "nothing to derive from");
    }
    store_derived(md, s, t, &sources, material, CKK_GENERIC_SECRET, false)
}

/// Stores a derived secret key built from `material`: [`prepare_derived`],
/// then the store.
pub(crate) fn store_derived(
    md: &Module,
    s: &Session,
    t: &crate::attrs::Template,
    sources: &[Obj],
    material: Vec<u8>,
    default_type: CK_KEY_TYPE,
    least_privilege: bool,
) -> Result<CK_OBJECT_HANDLE> {
    let (token, a, value) =
        prepare_derived(md, s, t, sources, material, default_type, least_privilege)?;
    md.store_new(s, token, a, Some(value))
}

/// Stores `value` as a new CKO_DATA object (CKM_HKDF_DATA, Current
/// Mechanisms §2.43.4) under template `t`. CKA_CLASS, if given, must be
/// CKO_DATA; CKA_VALUE_LEN, if given, truncates the value (an extraction's
/// PRK) and may not exceed it; key attributes are refused. The object is
/// private when the template says so or, when it is silent, when any of
/// `sources` is.
pub(crate) fn store_derived_data(
    md: &Module,
    s: &Session,
    t: &crate::attrs::Template,
    sources: &[Obj],
    mut value: Zeroizing<Vec<u8>>,
) -> Result<CK_OBJECT_HANDLE> {
    if t.ulong(CKA_CLASS)?.is_some_and(|c| c != CKO_DATA) {
        return fail(
            CKR_TEMPLATE_INCONSISTENT,
            "CKM_HKDF_DATA makes a CKO_DATA object",
        );
    }
    if t.has(CKA_KEY_TYPE) {
        return fail(
            CKR_TEMPLATE_INCONSISTENT,
            "a data object has no CKA_KEY_TYPE",
        );
    }
    if let Some(n) = t.ulong(CKA_VALUE_LEN)? {
        let n = n as usize;
        if n == 0 || n > value.len() {
            return fail(CKR_TEMPLATE_INCONSISTENT, "CKA_VALUE_LEN out of range");
        }
        value.truncate(n);
    }
    // CKA_VALUE_LEN has done its work; a data object does not keep it.
    let t = crate::attrs::Template(
        t.0.iter()
            .filter(|a| a.ty != CKA_VALUE_LEN)
            .cloned()
            .collect(),
    );
    let mut a = crate::template::new_attributes(ObjectType::OpaqueObject);
    a.flags.private = sources.iter().any(|k| k.attrs.flags.private);
    let so = md.login_user(s.slot) == Some(CKU_SO);
    crate::template::apply(&mut a, &t, crate::template::Phase::Unwrap, so)?;
    let token = t.bool(CKA_TOKEN)?.unwrap_or(false);
    md.store_new(
        s,
        token,
        a,
        Some(keystore::SecretBytes::new(value.to_vec())),
    )
}

/// The attributes and value of a derived secret key built from `material`
/// under template `t` merged with the base key's CKA_DERIVE_TEMPLATE.
/// Sensitivity only spreads: if any of `sources` is sensitive or
/// unextractable, so is the new key (§2.43.1–2.43.5). `sources[0]` is the
/// base key.
///
/// With `least_privilege`, a usage attribute (CKA_ENCRYPT … CKA_DERIVE) the
/// template does not name is false rather than keybridge's usual default;
/// the defaults are token-specific (PKCS#11 3.0 §4.10), and the KDF
/// mechanisms use this so a derived key can do only what was asked for
/// (the cryptoki suite's kbkdf tests expect exactly that).
pub(crate) fn prepare_derived(
    md: &Module,
    s: &Session,
    t: &crate::attrs::Template,
    sources: &[Obj],
    material: Vec<u8>,
    default_type: CK_KEY_TYPE,
    least_privilege: bool,
) -> Result<(bool, keystore::Attributes, keystore::SecretBytes)> {
    let base = sources
        .first()
        .ok_or_else(|| Error::general("derivation without a base key"))?;
    let t = match base.attrs.pkcs11_extra.get(&(CKA_DERIVE_TEMPLATE as u64)) {
        Some(dt) => merge(t, &crate::attrs::decode_nested(dt))?,
        None => t.clone(),
    };
    let material = Zeroizing::new(material);
    let (token, mut a, value) = arriving_key(md, s, &t, default_type, material.to_vec())?;
    if least_privilege {
        for ty in [
            CKA_ENCRYPT,
            CKA_DECRYPT,
            CKA_SIGN,
            CKA_VERIFY,
            CKA_WRAP,
            CKA_UNWRAP,
            CKA_DERIVE,
        ] {
            if let (false, Some(bits)) = (t.has(ty), crate::attrs::usage_bits(ty)) {
                a.usage.0 &= !bits;
            }
        }
    }
    let any_sensitive = sources.iter().any(|k| k.attrs.flags.sensitive);
    let any_unextractable = sources.iter().any(|k| !k.attrs.flags.extractable);
    if any_sensitive {
        a.flags.sensitive = true;
    }
    if any_unextractable {
        a.flags.extractable = false;
    }
    a.flags.always_sensitive =
        a.flags.sensitive && sources.iter().all(|k| k.attrs.flags.always_sensitive);
    a.flags.never_extractable =
        !a.flags.extractable && sources.iter().all(|k| k.attrs.flags.never_extractable);
    Ok((token, a, value))
}

#[cfg(test)]
mod tests {
    use super::extract;

    #[test]
    fn extraction_follows_the_standard_example() {
        // PKCS#11 Current Mechanisms §2.43.5: 0x329F84A9, bit 21, 16 bits → 0x9526.
        assert_eq!(extract(&[0x32, 0x9f, 0x84, 0xa9], 21, 2), vec![0x95, 0x26]);
        assert_eq!(extract(&[0x12, 0x34, 0x56, 0x78], 3, 2), vec![0x91, 0xa2]);
    }
}
