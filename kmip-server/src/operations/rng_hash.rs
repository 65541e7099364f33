//! RNG Retrieve (KMIP 2.1 §6.1.42) and Hash (§6.1.21).
//!
//! RNG Seed (§6.1.43) is not offered: mixing client bytes into OpenSSL's
//! DRBG needs `RAND_add`, which the `openssl` crate does not wrap, and this
//! crate has no `unsafe`.

use super::crypto_common::{data, digest_algorithm, CryptoParams};
use crate::dispatch::Ctx;
use crate::error::{Error, Result};
use kmip::enums::result_reason as rr;
use kmip::{Tag, Ttlv};

/// Most random bytes one RNG Retrieve hands out.
pub const MAX_RNG_RETRIEVE: i32 = 64 * 1024;

/// RNG Retrieve: Data Length random bytes from OpenSSL's DRBG.
pub fn rng_retrieve(_ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let n = payload.child_integer(Tag::DataLength)?;
    if !(1..=MAX_RNG_RETRIEVE).contains(&n) {
        return Err(Error::invalid(format!(
            "Data Length must be 1 to {MAX_RNG_RETRIEVE} bytes"
        )));
    }
    let bytes = keystore::crypto::random_bytes(n as usize)?;
    Ok(vec![Ttlv::bytes(Tag::Data, bytes)])
}

/// Hash: the digest of Data with the Hashing Algorithm of the Cryptographic
/// Parameters (single-shot only).
pub fn hash(_ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    if payload.find(Tag::InitIndicator).is_some() || payload.find(Tag::CorrelationValue).is_some() {
        return Err(Error::not_supported("multi-part Hash is not supported"));
    }
    let params = CryptoParams::for_request(payload, None)?;
    let alg = params.hashing_algorithm.ok_or_else(|| {
        Error::kmip(
            rr::MissingData,
            "Hash needs Cryptographic Parameters with a Hashing Algorithm",
        )
    })?;
    let out = keystore::crypto::digest(digest_algorithm(alg)?, data(payload)?)?;
    Ok(vec![Ttlv::bytes(Tag::Data, out)])
}
