//! CKM_PKCS5_PBKD2 (PKCS#11 3.0 Current Mechanisms §2.37.5, RFC 8018
//! §5.2): C_GenerateKey of a secret key from a password with PBKDF2 over
//! HMAC-SHA-1 or SHA-2, parameters in CK_PKCS5_PBKD2_PARAMS2.

use super::keymgmt::arriving_key;
use crate::attrs::Template;
use crate::error::{fail, Error, Result};
use crate::mechanism::{Mechanism, Param};
use crate::session::Session;
use crate::state::Module;
use cryptoki_sys::*;
use keystore::crypto::derive::pbkdf2;
use keystore::crypto::DigestAlgorithm;
use zeroize::Zeroizing;

/// The largest iteration count accepted: 2^24, enough for RFC 6070's
/// longest vector, bounded so one call cannot occupy the module for long.
const MAX_ITERATIONS: CK_ULONG = 1 << 24;

/// The hash of a CKP_PKCS5_PBKD2_HMAC_* PRF; GOST R 34.11 and the
/// truncated SHA-512 variants are not offered.
fn prf_hash(prf: CK_ULONG) -> Result<DigestAlgorithm> {
    Ok(match prf {
        CKP_PKCS5_PBKD2_HMAC_SHA1 => DigestAlgorithm::Sha1,
        CKP_PKCS5_PBKD2_HMAC_SHA224 => DigestAlgorithm::Sha224,
        CKP_PKCS5_PBKD2_HMAC_SHA256 => DigestAlgorithm::Sha256,
        CKP_PKCS5_PBKD2_HMAC_SHA384 => DigestAlgorithm::Sha384,
        CKP_PKCS5_PBKD2_HMAC_SHA512 => DigestAlgorithm::Sha512,
        _ => return fail(CKR_MECHANISM_PARAM_INVALID, "PBKDF2 PRF"),
    })
}

/// C_GenerateKey with CKM_PKCS5_PBKD2. The key's length is CKA_VALUE_LEN
/// (required; 1–512 bytes). The key is not CKA_LOCAL: its value follows
/// from the caller's password.
pub fn generate(md: &Module, s: &Session, m: &Mechanism, t: &Template) -> Result<CK_OBJECT_HANDLE> {
    let Param::Pbkdf2 {
        salt,
        iterations,
        prf,
        password,
    } = &m.param
    else {
        return fail(CKR_MECHANISM_PARAM_INVALID, "CK_PKCS5_PBKD2_PARAMS2 needed");
    };
    let hash = prf_hash(*prf)?;
    if *iterations == 0 || *iterations > MAX_ITERATIONS {
        return fail(CKR_MECHANISM_PARAM_INVALID, "PBKDF2 iteration count");
    }
    let len = t
        .ulong(CKA_VALUE_LEN)?
        .ok_or_else(|| Error::rv(CKR_TEMPLATE_INCOMPLETE, "CKA_VALUE_LEN is required"))?
        as usize;
    if len == 0 || len > 512 {
        return fail(CKR_KEY_SIZE_RANGE, "CKA_VALUE_LEN out of range");
    }
    let password = Zeroizing::new(password.clone());
    let dk = pbkdf2(hash, &password, salt, *iterations as u32, len)?;
    let (token, mut a, value) = arriving_key(md, s, t, CKK_GENERIC_SECRET, dk.expose().to_vec())?;
    a.pkcs11_extra
        .insert(CKA_KEY_GEN_MECHANISM as u64, crate::attrs::ulong(m.ty));
    a.flags.always_sensitive = a.flags.sensitive;
    a.flags.never_extractable = !a.flags.extractable;
    md.store_new(s, token, a, Some(value))
}
