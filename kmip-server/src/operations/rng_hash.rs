//! RNG Retrieve (KMIP 2.1 §6.1.42), RNG Seed (§6.1.43) and Hash (§6.1.21,
//! single-shot and multi-part).

use super::crypto_common::{data, digest_algorithm, CryptoParams, Stream};
use crate::dispatch::Ctx;
use crate::error::{Error, Result};
use crate::streams::StreamState;
use keystore::crypto::digest::Digest;
use kmip::enums::{operation as op, result_reason as rr};
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

/// RNG Seed: the Data is mixed into the seed pool of the server's random
/// output (`keystore::crypto::random`: hashed into a pool whose keystream
/// is XORed onto OpenSSL's DRBG output, so a seed adds entropy and can
/// never take any away); answers the Data Length accepted (all of it, or
/// an error for more than the limit).
pub fn rng_seed(_ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let seed = payload.child_bytes(Tag::Data)?;
    if seed.is_empty() {
        return Err(Error::invalid("RNG Seed needs at least one byte of Data"));
    }
    keystore::crypto::random::add_seed(seed)?;
    let accepted =
        i32::try_from(seed.len()).map_err(|_| Error::invalid("RNG Seed Data is too long"))?;
    Ok(vec![Ttlv::integer(Tag::DataLength, accepted)])
}

/// Hash (§6.1.21): the digest of Data with the Hashing Algorithm of the
/// Cryptographic Parameters, in one request or in several: Init Indicator
/// starts a stream (answered with a Correlation Value), each request with
/// that Correlation Value feeds its Data, and the one with Final Indicator
/// gets the digest. A stream belongs to the identity that started it
/// ([`crate::streams`]).
pub fn hash(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let Stream {
        init,
        last,
        correlation,
    } = Stream::of(payload)?;
    if correlation.is_none() && !init {
        let alg = hashing_algorithm(payload)?;
        let out = keystore::crypto::digest(alg, data(payload)?)?;
        return Ok(vec![Ttlv::bytes(Tag::Data, out)]);
    }
    if init && correlation.is_some() {
        return Err(Error::invalid(
            "Init Indicator starts a new Hash: it takes no Correlation Value",
        ));
    }
    let mut digest = match correlation {
        Some(cv) => match ctx.streams.take(cv, ctx.identity, "", op::Hash)? {
            StreamState::Hash(d) => d,
            // take() matched the operation, so no other state is kept here.
            _ => {
                return Err(Error::kmip(
                    rr::InvalidCorrelationValue,
                    "Correlation Value names another kind of operation",
                ))
            }
        },
        None => Digest::new(hashing_algorithm(payload)?)?,
    };
    // Data may be left out of the request that only starts or ends.
    if let Some(d) = payload.opt_child_bytes(Tag::Data)? {
        digest.update(d)?;
    }
    if last {
        return Ok(vec![Ttlv::bytes(Tag::Data, digest.finish()?)]);
    }
    let cv = ctx.streams.put(
        correlation.map(<[u8]>::to_vec),
        ctx.identity,
        "",
        op::Hash,
        StreamState::Hash(digest),
    )?;
    Ok(vec![Ttlv::bytes(Tag::CorrelationValue, cv)])
}

fn hashing_algorithm(payload: &Ttlv) -> Result<keystore::crypto::digest::DigestAlgorithm> {
    let params = CryptoParams::for_request(payload, None)?;
    let alg = params.hashing_algorithm.ok_or_else(|| {
        Error::kmip(
            rr::MissingData,
            "Hash needs Cryptographic Parameters with a Hashing Algorithm",
        )
    })?;
    digest_algorithm(alg)
}
