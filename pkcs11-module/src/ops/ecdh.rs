//! CKM_ECDH1_DERIVE and CKM_ECDH1_COFACTOR_DERIVE (PKCS#11 3.0 Current
//! Mechanisms §2.3.15–2.3.16) on P-256/384/521, X25519 and X448 keys, with
//! the null KDF, the ANSI X9.63 KDFs (CKD_SHA*_KDF) and the SP 800-56C
//! one-step KDFs (CKD_SHA*_KDF_SP800). The prime curves keybridge offers
//! have cofactor 1, so the cofactor variant computes the same secret.

use super::keymgmt::arriving_key;
use crate::asym::{self, Kind};
use crate::attrs::{decode_nested, Obj, Template};
use crate::error::{fail, Error, Result};
use crate::mechanism::{self, Mechanism, Param};
use crate::session::Session;
use crate::state::Module;
use crate::template;
use cryptoki_sys::*;
use keystore::crypto::derive;
use keystore::crypto::digest::{Digest, DigestAlgorithm};
use keystore::object::UsageMask;
use keystore::ObjectType;
use zeroize::Zeroizing;

/// Whether `ty` is an ECDH derivation.
pub fn is_ecdh(ty: CK_MECHANISM_TYPE) -> bool {
    matches!(ty, CKM_ECDH1_DERIVE | CKM_ECDH1_COFACTOR_DERIVE)
}

/// The KDF of a CKD_ value: (hash, SP 800-56C layout?); None for CKD_NULL.
fn kdf_of(kdf: CK_ULONG) -> Result<Option<(DigestAlgorithm, bool)>> {
    use DigestAlgorithm as D;
    Ok(Some(match kdf {
        CKD_NULL => return Ok(None),
        CKD_SHA1_KDF => (D::Sha1, false),
        CKD_SHA224_KDF => (D::Sha224, false),
        CKD_SHA256_KDF => (D::Sha256, false),
        CKD_SHA384_KDF => (D::Sha384, false),
        CKD_SHA512_KDF => (D::Sha512, false),
        CKD_SHA1_KDF_SP800 => (D::Sha1, true),
        CKD_SHA224_KDF_SP800 => (D::Sha224, true),
        CKD_SHA256_KDF_SP800 => (D::Sha256, true),
        CKD_SHA384_KDF_SP800 => (D::Sha384, true),
        CKD_SHA512_KDF_SP800 => (D::Sha512, true),
        _ => return fail(CKR_MECHANISM_PARAM_INVALID, format!("KDF {kdf:#x}")),
    }))
}

/// `len` bytes of Hash(Z ‖ counter ‖ SharedInfo) (X9.63 §5.6.3) or
/// Hash(counter ‖ Z ‖ OtherInfo) (SP 800-56C r2 §4.1), counter from 1.
fn kdf(hash: DigestAlgorithm, sp800: bool, z: &[u8], info: &[u8], len: usize) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(len + hash.output_len());
    let mut counter: u32 = 1;
    while out.len() < len {
        let mut d = Digest::new(hash)?;
        let c = counter.to_be_bytes();
        if sp800 {
            d.update(&c)?;
            d.update(z)?;
        } else {
            d.update(z)?;
            d.update(&c)?;
        }
        d.update(info)?;
        out.extend_from_slice(&d.finish()?);
        counter = counter.wrapping_add(1);
    }
    out.truncate(len);
    Ok(out)
}

/// C_DeriveKey with an ECDH mechanism on private key `k`.
pub fn derive(
    md: &Module,
    s: &Session,
    m: &Mechanism,
    k: &Obj,
    t: &Template,
) -> Result<CK_OBJECT_HANDLE> {
    let kind = asym::kind_of(&k.attrs)
        .filter(|_| k.attrs.object_type == ObjectType::PrivateKey)
        .ok_or_else(|| Error::rv(CKR_KEY_TYPE_INCONSISTENT, "an EC private key is needed"))?;
    if matches!(kind, Kind::Rsa)
        || matches!(
            kind,
            Kind::Raw(keystore::crypto::keys::RawKeyKind::Ed25519)
                | Kind::Raw(keystore::crypto::keys::RawKeyKind::Ed448)
        )
    {
        return fail(
            CKR_KEY_TYPE_INCONSISTENT,
            "ECDH needs an EC, X25519 or X448 key",
        );
    }
    if !k.attrs.usage.contains(UsageMask::DERIVE_KEY) {
        return fail(CKR_KEY_FUNCTION_NOT_PERMITTED, "CKA_DERIVE is false");
    }
    mechanism::allowed(&k.attrs, m.ty)?;
    let Param::Ecdh {
        kdf: kdf_type,
        shared,
        public,
    } = &m.param
    else {
        return fail(CKR_MECHANISM_PARAM_INVALID, "CK_ECDH1_DERIVE_PARAMS needed");
    };
    let kdf_spec = kdf_of(*kdf_type)?;
    if kdf_spec.is_none() && !shared.is_empty() {
        return fail(CKR_MECHANISM_PARAM_INVALID, "CKD_NULL takes no shared data");
    }
    let peer = asym::public_from_point(kind, public).map_err(|e| match e {
        Error::Store(e) => Error::rv(CKR_MECHANISM_PARAM_INVALID, e.to_string()),
        e => e,
    })?;
    let kv = k.value.clone().unwrap_or_default();
    let z = derive::ecdh(kv.expose(), &peer)
        .map_err(|e| Error::rv(CKR_MECHANISM_PARAM_INVALID, e.to_string()))?;
    let t = match k.attrs.pkcs11_extra.get(&(CKA_DERIVE_TEMPLATE as u64)) {
        Some(dt) => template::merge(t, &decode_nested(dt))?,
        None => t.clone(),
    };
    let material = match kdf_spec {
        None => Zeroizing::new(z.expose().to_vec()),
        Some((hash, sp800)) => {
            let len = t
                .ulong(CKA_VALUE_LEN)?
                .map_or(hash.output_len(), |n| n as usize);
            if len == 0 || len > 1024 {
                return fail(CKR_TEMPLATE_INCONSISTENT, "CKA_VALUE_LEN");
            }
            Zeroizing::new(kdf(hash, sp800, z.expose(), shared, len)?)
        }
    };
    let (token, mut a, value) = arriving_key(md, s, &t, CKK_GENERIC_SECRET, material.to_vec())?;
    a.flags.always_sensitive = k.attrs.flags.always_sensitive && a.flags.sensitive;
    a.flags.never_extractable = k.attrs.flags.never_extractable && !a.flags.extractable;
    md.store_new(s, token, a, Some(value))
}
