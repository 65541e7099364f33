//! Key agreement and key derivation: ECDH / X25519 / X448, HKDF (RFC 5869),
//! PBKDF2 (RFC 8018 §5.2) and the NIST SP 800-108r1 KDFs.
//!
//! PKCS#11 3.0 §5.18 (`C_DeriveKey`) with `CKM_ECDH1_DERIVE`, `CKM_HKDF_DERIVE`,
//! `CKM_PKCS5_PBKD2`, `CKM_SP800_108_*_KDF`; KMIP 2.1 §6.1.12 (Derive Key).

use openssl::pkey::Id;
use openssl::pkey_ctx::PkeyCtx;

use super::digest::DigestAlgorithm;
use super::keys::{kind_of, load_private, load_public, AsymmetricKind};
use super::mac::{Mac, MacAlgorithm};
use crate::error::{Error, Result};
use crate::secret::SecretBytes;

/// The pseudorandom function of an SP 800-108 KDF (SP 800-108r1 §4:
/// HMAC or CMAC).
pub type Prf = MacAlgorithm;

/// Largest derived output, in bytes, of the KDFs here (1 MiB: far above any
/// key, far below anything that could exhaust memory).
const MAX_DERIVED_LEN: usize = 1 << 20;

fn check_out_len(what: &str, len: usize, max: usize) -> Result<()> {
    if len == 0 || len > max {
        return Err(Error::InvalidArgument(format!(
            "{what} output length must be 1 to {max} bytes, got {len}"
        )));
    }
    Ok(())
}

/// Diffie–Hellman on a private key (PKCS#8) and a peer public key (SPKI) of
/// the same type: ECDH on P-256/384/521 (SP 800-56A §5.7.1.2, the
/// x-coordinate of the shared point, left-padded) or X25519 / X448
/// (RFC 7748 §6). OpenSSL validates the peer key; an X25519/X448 result of
/// all zeros (a small-order peer point) is refused.
pub fn ecdh(private_pkcs8: &[u8], peer_public_spki: &[u8]) -> Result<SecretBytes> {
    let private = load_private(private_pkcs8)?;
    let peer = load_public(peer_public_spki)?;
    let ours = kind_of(&private)?;
    let theirs = kind_of(&peer)?;
    match ours {
        AsymmetricKind::Ec(_) | AsymmetricKind::X25519 | AsymmetricKind::X448 => {}
        _ => {
            return Err(Error::InvalidArgument(
                "key agreement needs an EC, X25519 or X448 private key".into(),
            ))
        }
    }
    if ours != theirs {
        return Err(Error::InvalidArgument(
            "peer public key is not of the same type or curve as the private key".into(),
        ));
    }
    let mut ctx = PkeyCtx::new(&private)?;
    ctx.derive_init()?;
    ctx.derive_set_peer(&peer).map_err(|_| {
        Error::InvalidArgument("peer public key is not valid for key agreement".into())
    })?;
    let len = ctx.derive(None)?;
    let mut shared = SecretBytes::zeroed(len);
    let n = ctx.derive(Some(shared.expose_mut())).map_err(|_| {
        Error::InvalidArgument("key agreement failed (invalid peer public key)".into())
    })?;
    let shared = if n == len {
        shared
    } else {
        SecretBytes::from_slice(&shared.expose()[..n])
    };
    if matches!(private.id(), Id::X25519 | Id::X448) && shared.expose().iter().all(|&b| b == 0) {
        return Err(Error::InvalidArgument(
            "peer public key is a small-order point".into(),
        ));
    }
    Ok(shared)
}

/// HKDF-Extract (RFC 5869 §2.2): PRK = HMAC-Hash(salt, IKM). An empty salt
/// means HashLen zero bytes, as the RFC says.
pub fn hkdf_extract(hash: DigestAlgorithm, ikm: &[u8], salt: &[u8]) -> Result<SecretBytes> {
    let zeros = vec![0u8; hash.output_len()];
    let key = if salt.is_empty() { &zeros[..] } else { salt };
    let mut m = Mac::new(MacAlgorithm::Hmac(hash), key)?;
    m.update(ikm)?;
    Ok(SecretBytes::new(m.finish()?))
}

/// HKDF-Expand (RFC 5869 §2.3): `len` bytes (at most 255·HashLen) from a PRK.
pub fn hkdf_expand(
    hash: DigestAlgorithm,
    prk: &[u8],
    info: &[u8],
    len: usize,
) -> Result<SecretBytes> {
    check_out_len("HKDF", len, 255 * hash.output_len())?;
    if prk.is_empty() {
        return Err(Error::InvalidArgument(
            "HKDF pseudorandom key is empty".into(),
        ));
    }
    let mut okm = SecretBytes::zeroed(len);
    let mut previous = SecretBytes::default();
    let mut filled = 0;
    let mut i: u8 = 1;
    while filled < len {
        let mut m = Mac::new(MacAlgorithm::Hmac(hash), prk)?;
        m.update(previous.expose())?;
        m.update(info)?;
        m.update(&[i])?;
        previous = SecretBytes::new(m.finish()?);
        let take = (len - filled).min(previous.len());
        okm.expose_mut()[filled..filled + take].copy_from_slice(&previous.expose()[..take]);
        filled += take;
        i = i.wrapping_add(1);
    }
    Ok(okm)
}

/// HKDF (RFC 5869 §2): Extract then Expand.
pub fn hkdf(
    hash: DigestAlgorithm,
    ikm: &[u8],
    salt: &[u8],
    info: &[u8],
    len: usize,
) -> Result<SecretBytes> {
    check_out_len("HKDF", len, 255 * hash.output_len())?;
    let prk = hkdf_extract(hash, ikm, salt)?;
    hkdf_expand(hash, prk.expose(), info, len)
}

/// PBKDF2 with HMAC (RFC 8018 §5.2, SP 800-132). Iteration count at least 1;
/// choosing a count high enough is the caller's policy.
pub fn pbkdf2(
    hash: DigestAlgorithm,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    len: usize,
) -> Result<SecretBytes> {
    check_out_len("PBKDF2", len, MAX_DERIVED_LEN)?;
    if iterations == 0 {
        return Err(Error::InvalidArgument(
            "PBKDF2 iteration count must be at least 1".into(),
        ));
    }
    if password.len() > MAX_DERIVED_LEN || salt.len() > MAX_DERIVED_LEN {
        return Err(Error::InvalidArgument(
            "PBKDF2 password or salt too long".into(),
        ));
    }
    let mut out = SecretBytes::zeroed(len);
    openssl::pkcs5::pbkdf2_hmac(
        password,
        salt,
        iterations as usize,
        hash.md(),
        out.expose_mut(),
    )?;
    Ok(out)
}

/// The counter [i]_r of SP 800-108r1 §4: `r` bits, big-endian.
fn counter_bytes(i: u32, r: u32) -> Vec<u8> {
    i.to_be_bytes()[(4 - (r / 8) as usize)..].to_vec()
}

/// Number of PRF blocks for `len` bytes, checked against the counter width.
fn block_count(prf: Prf, key: &[u8], len: usize, counter_bits: Option<u32>) -> Result<u32> {
    check_out_len("SP 800-108 KDF", len, MAX_DERIVED_LEN)?;
    if key.is_empty() {
        return Err(Error::InvalidArgument(
            "SP 800-108 key-derivation key is empty".into(),
        ));
    }
    let n = len.div_ceil(prf.output_len());
    if let Some(r) = counter_bits {
        if !matches!(r, 8 | 16 | 24 | 32) {
            return Err(Error::InvalidArgument(format!(
                "SP 800-108 counter length must be 8, 16, 24 or 32 bits, got {r}"
            )));
        }
        if (n as u64) > (1u64 << r) - 1 {
            return Err(Error::InvalidArgument(format!(
                "{len} bytes need {n} PRF blocks, more than a {r}-bit counter allows"
            )));
        }
    }
    // n <= MAX_DERIVED_LEN, so it fits.
    u32::try_from(n).map_err(|_| Error::InvalidArgument("SP 800-108 output too long".into()))
}

/// Runs the PRF over the concatenation of `parts`.
fn prf_block(prf: Prf, key: &[u8], parts: &[&[u8]]) -> Result<SecretBytes> {
    let mut m = Mac::new(prf, key)?;
    for p in parts {
        m.update(p)?;
    }
    Ok(SecretBytes::new(m.finish()?))
}

/// KDF in Counter Mode (SP 800-108r1 §4.1), counter before the fixed input:
///
/// K(i) = PRF(K_IN, [i]_r || fixed_input), i = 1..n; output = first `len`
/// bytes of K(1) || ... || K(n).
///
/// `fixed_input` is opaque here: for SP 800-108r1 it is usually
/// Label || 0x00 || Context || [L]_2, built by the caller.
pub fn sp800_108_counter(
    prf: Prf,
    key: &[u8],
    fixed_input: &[u8],
    counter_bits: u32,
    len: usize,
) -> Result<SecretBytes> {
    let n = block_count(prf, key, len, Some(counter_bits))?;
    let mut out = SecretBytes::zeroed(len);
    let mut filled = 0;
    for i in 1..=n {
        let k = prf_block(prf, key, &[&counter_bytes(i, counter_bits), fixed_input])?;
        let take = (len - filled).min(k.len());
        out.expose_mut()[filled..filled + take].copy_from_slice(&k.expose()[..take]);
        filled += take;
    }
    Ok(out)
}

/// KDF in Feedback Mode (SP 800-108r1 §4.2):
///
/// K(0) = iv; K(i) = PRF(K_IN, K(i-1) || [i]_r || fixed_input), with the
/// counter omitted when `counter_bits` is `None`.
pub fn sp800_108_feedback(
    prf: Prf,
    key: &[u8],
    iv: &[u8],
    fixed_input: &[u8],
    counter_bits: Option<u32>,
    len: usize,
) -> Result<SecretBytes> {
    let n = block_count(prf, key, len, counter_bits)?;
    let mut out = SecretBytes::zeroed(len);
    let mut previous = SecretBytes::from_slice(iv);
    let mut filled = 0;
    for i in 1..=n {
        let counter = counter_bits
            .map(|r| counter_bytes(i, r))
            .unwrap_or_default();
        let k = prf_block(prf, key, &[previous.expose(), &counter, fixed_input])?;
        let take = (len - filled).min(k.len());
        out.expose_mut()[filled..filled + take].copy_from_slice(&k.expose()[..take]);
        filled += take;
        previous = k;
    }
    Ok(out)
}

/// KDF in Double-Pipeline Iteration Mode (SP 800-108r1 §4.3):
///
/// A(0) = fixed_input; A(i) = PRF(K_IN, A(i-1));
/// K(i) = PRF(K_IN, A(i) || [i]_r || fixed_input), counter omitted when
/// `counter_bits` is `None`.
pub fn sp800_108_double_pipeline(
    prf: Prf,
    key: &[u8],
    fixed_input: &[u8],
    counter_bits: Option<u32>,
    len: usize,
) -> Result<SecretBytes> {
    let n = block_count(prf, key, len, counter_bits)?;
    let mut out = SecretBytes::zeroed(len);
    let mut a = SecretBytes::from_slice(fixed_input);
    let mut filled = 0;
    for i in 1..=n {
        a = prf_block(prf, key, &[a.expose()])?;
        let counter = counter_bits
            .map(|r| counter_bytes(i, r))
            .unwrap_or_default();
        let k = prf_block(prf, key, &[a.expose(), &counter, fixed_input])?;
        let take = (len - filled).min(k.len());
        out.expose_mut()[filled..filled + take].copy_from_slice(&k.expose()[..take]);
        filled += take;
    }
    Ok(out)
}

#[cfg(test)]
#[path = "derive_tests.rs"]
mod tests;
