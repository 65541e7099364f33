//! The EdDSA variants OpenSSL 3.0 cannot compute: Ed25519ctx and Ed25519ph
//! (RFC 8032 §5.1), Ed448 with a context and Ed448ph (RFC 8032 §5.2).
//! PureEdDSA (Ed25519, Ed448 with an empty context) stays with OpenSSL in
//! [`super::sign`]; this module is reached only for a prehash flag or a
//! context.
//!
//! Ed25519ph, Ed448 and Ed448ph come from `ed25519-dalek` and
//! `ed448-goldilocks`. Ed25519ctx, which `ed25519-dalek` does not offer, is
//! written here from the group operations of `curve25519-dalek`, following
//! RFC 8032 §5.1.6 (sign) and §5.1.7 (verify) with dom2(0, C). The key bytes
//! taken out of OpenSSL live in [`Zeroizing`] buffers, and the crates' key
//! types wipe themselves on drop (`ed25519-dalek` and `curve25519-dalek`
//! through their `zeroize` features, `ed448-goldilocks` always).

use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use ed25519_dalek::hazmat::ExpandedSecretKey;
use openssl::hash::{Hasher, MessageDigest};
use openssl::pkey::{Id, PKeyRef, Private, Public};
use sha2::{Digest, Sha512};
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// RFC 8032 §2: the longest context, in bytes.
pub const MAX_CONTEXT: usize = 255;

/// The prefix of dom2 (RFC 8032 §2).
const DOM2_PREFIX: &[u8] = b"SigEd25519 no Ed25519 collisions";

/// Which curve a key is on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Curve {
    Ed25519,
    Ed448,
}

fn curve_of<T>(key: &PKeyRef<T>) -> Result<Curve> {
    match key.id() {
        Id::ED25519 => Ok(Curve::Ed25519),
        Id::ED448 => Ok(Curve::Ed448),
        _ => Err(Error::InvalidArgument("not an EdDSA key".into())),
    }
}

fn check_context(context: &[u8]) -> Result<()> {
    if context.len() > MAX_CONTEXT {
        return Err(Error::InvalidArgument(format!(
            "EdDSA context of {} bytes exceeds {MAX_CONTEXT}",
            context.len()
        )));
    }
    Ok(())
}

/// PH(M) of Ed448ph: SHAKE256(M, 64) (RFC 8032 §5.2).
fn shake256_64(data: &[u8]) -> Result<[u8; 64]> {
    let mut h = Hasher::new(MessageDigest::shake_256())?;
    h.update(data)?;
    let mut out = [0u8; 64];
    h.finish_xof(&mut out)?;
    Ok(out)
}

/// A finished 64-byte prehash handed to `ed448-goldilocks`.
struct Prehashed([u8; 64]);

impl ed448_goldilocks::PreHash for Prehashed {
    fn fill_bytes(&mut self, out: &mut [u8]) {
        let n = out.len().min(self.0.len());
        out[..n].copy_from_slice(&self.0[..n]);
    }
}

/// Any failure to parse or check a signature is a failed verification.
fn bad<E>(_: E) -> Error {
    Error::VerificationFailed
}

/// The raw private key (RFC 8032 seed) of `key`, in a wiped buffer.
fn seed(key: &PKeyRef<Private>, len: usize) -> Result<Zeroizing<Vec<u8>>> {
    let s = Zeroizing::new(key.raw_private_key()?);
    if s.len() != len {
        return Err(Error::InvalidArgument("EdDSA private key length".into()));
    }
    Ok(s)
}

/// Signs `data` with `key` as Ed25519ph / Ed448ph (`prehash`) or as
/// Ed25519ctx / Ed448 with `context`.
pub(super) fn sign(
    key: &PKeyRef<Private>,
    prehash: bool,
    context: &[u8],
    data: &[u8],
) -> Result<Vec<u8>> {
    check_context(context)?;
    let failed = |_| Error::Crypto("EdDSA signing failed".into());
    match curve_of(key)? {
        Curve::Ed25519 => {
            let seed = seed(key, 32)?;
            let bytes: &[u8; 32] = seed
                .as_slice()
                .try_into()
                .map_err(|_| Error::InvalidArgument("Ed25519 key length".into()))?;
            if prehash {
                let sk = ed25519_dalek::SigningKey::from_bytes(bytes);
                let sig = sk
                    .sign_prehashed(Sha512::new().chain_update(data), Some(context))
                    .map_err(failed)?;
                Ok(sig.to_bytes().to_vec())
            } else {
                Ok(ed25519ctx_sign(bytes, context, data).to_vec())
            }
        }
        Curve::Ed448 => {
            let seed = seed(key, ed448_goldilocks::SECRET_KEY_LENGTH)?;
            let sk = ed448_goldilocks::SigningKey::try_from(seed.as_slice())
                .map_err(|e| Error::InvalidArgument(e.into()))?;
            let sig = if prehash {
                sk.sign_prehashed(Some(context), Prehashed(shake256_64(data)?))
            } else {
                sk.sign_ctx(context, data)
            }
            .map_err(|_| Error::Crypto("EdDSA signing failed".into()))?;
            Ok(sig.to_bytes().to_vec())
        }
    }
}

/// Checks an Ed25519ph / Ed448ph (`prehash`) or Ed25519ctx / Ed448 with
/// `context` signature. Any mismatch is [`Error::VerificationFailed`].
pub(super) fn verify(
    key: &PKeyRef<Public>,
    prehash: bool,
    context: &[u8],
    data: &[u8],
    sig: &[u8],
) -> Result<()> {
    check_context(context)?;
    let public = key.raw_public_key()?;
    match curve_of(key)? {
        Curve::Ed25519 => {
            let a: &[u8; 32] = public
                .as_slice()
                .try_into()
                .map_err(|_| Error::InvalidArgument("Ed25519 public key length".into()))?;
            let sig: &[u8; 64] = sig.try_into().map_err(bad)?;
            if prehash {
                let vk = ed25519_dalek::VerifyingKey::from_bytes(a).map_err(bad)?;
                let sig = ed25519_dalek::Signature::from_bytes(sig);
                vk.verify_prehashed(Sha512::new().chain_update(data), Some(context), &sig)
                    .map_err(bad)
            } else {
                ed25519ctx_verify(a, context, data, sig)
            }
        }
        Curve::Ed448 => {
            let a = <[u8; ed448_goldilocks::PUBLIC_KEY_LENGTH]>::try_from(public.as_slice())
                .map_err(|_| Error::InvalidArgument("Ed448 public key length".into()))?;
            let vk = ed448_goldilocks::VerifyingKey::from_bytes(&a).map_err(bad)?;
            let sig = ed448_goldilocks::Signature::from_slice(sig).map_err(bad)?;
            if prehash {
                vk.verify_prehashed(&sig, Some(context), Prehashed(shake256_64(data)?))
            } else {
                vk.verify_ctx(&sig, context, data)
            }
            .map_err(bad)
        }
    }
}

/// SHA-512(dom2(0, C) || parts...) reduced mod L (RFC 8032 §5.1.6 steps 2
/// and 4; dom2 with phflag 0 makes Ed25519ctx).
fn h_dom2(context: &[u8], parts: &[&[u8]]) -> Scalar {
    let mut h = Sha512::new()
        .chain_update(DOM2_PREFIX)
        .chain_update([0u8, context.len() as u8])
        .chain_update(context);
    for p in parts {
        h.update(p);
    }
    let wide = Zeroizing::new(<[u8; 64]>::from(h.finalize()));
    Scalar::from_bytes_mod_order_wide(&wide)
}

/// Ed25519ctx signature (RFC 8032 §5.1.6 with dom2(0, C)); `context` is at
/// most 255 bytes.
fn ed25519ctx_sign(seed: &[u8; 32], context: &[u8], m: &[u8]) -> [u8; 64] {
    // §5.1.5: s is the clamped low half of SHA-512(seed), prefix the high half.
    let esk = ExpandedSecretKey::from(seed);
    let a = EdwardsPoint::mul_base(&esk.scalar).compress();
    let r = Zeroizing::new(h_dom2(context, &[&esk.hash_prefix, m]));
    let big_r = EdwardsPoint::mul_base(&r).compress();
    let k = h_dom2(context, &[big_r.as_bytes(), a.as_bytes(), m]);
    let s = k * esk.scalar + *r;
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(big_r.as_bytes());
    out[32..].copy_from_slice(s.as_bytes());
    out
}

/// Ed25519ctx verification (RFC 8032 §5.1.7 with dom2(0, C)): S must be
/// below L, A must decode, and [S]B - [k]A must encode to R.
fn ed25519ctx_verify(a: &[u8; 32], context: &[u8], m: &[u8], sig: &[u8; 64]) -> Result<()> {
    let (r_bytes, s_bytes) = sig.split_at(32);
    let s_arr: [u8; 32] = s_bytes.try_into().map_err(|_| Error::VerificationFailed)?;
    let s = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_arr))
        .ok_or(Error::VerificationFailed)?;
    let point = CompressedEdwardsY(*a)
        .decompress()
        .ok_or(Error::VerificationFailed)?;
    let k = h_dom2(context, &[r_bytes, a, m]);
    let r_check = EdwardsPoint::vartime_double_scalar_mul_basepoint(&k, &-point, &s).compress();
    if r_check.as_bytes().as_slice() == r_bytes {
        Ok(())
    } else {
        Err(Error::VerificationFailed)
    }
}

#[cfg(test)]
#[path = "eddsa_tests.rs"]
mod tests;
