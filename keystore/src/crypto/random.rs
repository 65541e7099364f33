//! Random bytes from OpenSSL's DRBG (`RAND_bytes`, seeded from the OS),
//! with the seed material clients gave (KMIP RNG Seed) mixed in.
//!
//! **Client seeds.** [`add_seed`] hashes a client's bytes, with the pool
//! before it and 32 fresh bytes from the DRBG, into a 256-bit pool; from
//! then on every output of [`random_bytes`] and [`random_secret`] is the
//! DRBG's output XORed with an AES-256-CTR keystream keyed by the pool. The
//! DRBG's output is independent of the client's bytes, so the XOR is as
//! random as the DRBG alone whatever a client sends: a seed can add
//! entropy, never remove it. Key pairs that OpenSSL generates itself (RSA,
//! EC, EdDSA) draw on its DRBG directly and do not see the pool.

use crate::error::{Error, Result};
use crate::secret::SecretBytes;
use openssl::symm::{Cipher, Crypter, Mode};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use zeroize::Zeroizing;

/// The seed pool and how many keystream blocks it has given.
struct Pool {
    key: Zeroizing<[u8; 32]>,
    blocks: u128,
}

static POOL: Mutex<Option<Pool>> = Mutex::new(None);
/// A seed was given (the pool is in use): saves the lock before.
static SEEDED: AtomicBool = AtomicBool::new(false);

/// Largest seed taken in one call.
pub const MAX_SEED_LEN: usize = 1 << 20;

/// Mixes `seed` into the pool (see the module comment).
pub fn add_seed(seed: &[u8]) -> Result<()> {
    if seed.len() > MAX_SEED_LEN {
        return Err(Error::InvalidArgument(format!(
            "seed of {} bytes exceeds the maximum of {MAX_SEED_LEN} bytes",
            seed.len()
        )));
    }
    let mut fresh = Zeroizing::new([0u8; 32]);
    openssl::rand::rand_bytes(&mut fresh[..])?;
    let mut pool = POOL.lock();
    let mut h = openssl::sha::Sha256::new();
    h.update(b"keybridge random seed pool v1");
    if let Some(p) = pool.as_ref() {
        h.update(&p.key[..]);
    }
    h.update(&fresh[..]);
    h.update(seed);
    *pool = Some(Pool {
        key: Zeroizing::new(h.finish()),
        blocks: 0,
    });
    SEEDED.store(true, Ordering::Release);
    Ok(())
}

/// XORs `out` with the pool's next keystream bytes, once a seed was given.
fn mix(out: &mut [u8]) -> Result<()> {
    if out.is_empty() || !SEEDED.load(Ordering::Acquire) {
        return Ok(());
    }
    let mut pool = POOL.lock();
    let Some(p) = pool.as_mut() else {
        return Ok(());
    };
    let iv = p.blocks.to_be_bytes();
    p.blocks = p.blocks.wrapping_add(out.len().div_ceil(16) as u128);
    let mut ctr = Crypter::new(Cipher::aes_256_ctr(), Mode::Encrypt, &p.key[..], Some(&iv))?;
    drop(pool);
    let input = Zeroizing::new(out.to_vec());
    let mut mixed = Zeroizing::new(vec![0u8; out.len() + 16]);
    let n = ctr.update(&input, &mut mixed)?;
    if n != out.len() {
        return Err(Error::Crypto(
            "mixing the random seed pool: short keystream".into(),
        ));
    }
    out.copy_from_slice(&mixed[..n]);
    Ok(())
}

/// Largest request served in one call; larger ones are refused rather than
/// truncated (`RAND_bytes` takes an `int`).
const MAX_RANDOM_LEN: usize = 1 << 30;

fn check_len(n: usize) -> Result<()> {
    if n > MAX_RANDOM_LEN {
        return Err(Error::InvalidArgument(format!(
            "random length {n} exceeds the maximum of {MAX_RANDOM_LEN} bytes"
        )));
    }
    Ok(())
}

/// `n` random bytes for public use (IVs, nonces, salts, identifiers).
///
/// PKCS#11 3.0 §5.15 (`C_GenerateRandom`), KMIP 2.1 §6.1.38 (RNG Retrieve).
pub fn random_bytes(n: usize) -> Result<Vec<u8>> {
    check_len(n)?;
    let mut out = vec![0u8; n];
    openssl::rand::rand_bytes(&mut out)?;
    mix(&mut out)?;
    Ok(out)
}

/// `n` random bytes for use as key material, zeroized when dropped.
pub fn random_secret(n: usize) -> Result<SecretBytes> {
    check_len(n)?;
    let mut out = SecretBytes::zeroed(n);
    openssl::rand::rand_bytes(out.expose_mut())?;
    mix(out.expose_mut())?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_distinctness() {
        assert_eq!(random_bytes(0).unwrap().len(), 0);
        let a = random_bytes(32).unwrap();
        let b = random_bytes(32).unwrap();
        assert_eq!(a.len(), 32);
        assert_ne!(a, b, "two 256-bit draws must differ");
        let s = random_secret(48).unwrap();
        assert_eq!(s.len(), 48);
        assert!(s.expose().iter().any(|&x| x != 0));
    }

    /// After a seed, outputs still differ, and the keystream moves on (two
    /// draws never reuse it); oversized seeds are refused. (Other tests in
    /// this process may seed too: the pool is process-wide.)
    #[test]
    fn seeds_are_mixed_in_and_never_replace_the_drbg() {
        add_seed(b"client entropy").unwrap();
        let a = random_bytes(64).unwrap();
        let b = random_bytes(64).unwrap();
        assert_ne!(a, b);
        add_seed(b"client entropy").unwrap();
        let c = random_bytes(64).unwrap();
        assert_ne!(a, c, "the same seed twice gives a new pool");
        assert_eq!(random_secret(33).unwrap().len(), 33);
        assert!(matches!(
            add_seed(&vec![0u8; MAX_SEED_LEN + 1]),
            Err(Error::InvalidArgument(_))
        ));
        // The keystream is AES-256-CTR under the pool: with a known pool
        // and counter, mixing zeros gives that keystream.
        let key = [7u8; 32];
        *POOL.lock() = Some(Pool {
            key: Zeroizing::new(key),
            blocks: 5,
        });
        let mut zeros = [0u8; 20];
        mix(&mut zeros).unwrap();
        let expected = openssl::symm::encrypt(
            Cipher::aes_256_ctr(),
            &key,
            Some(&5u128.to_be_bytes()),
            &[0; 20],
        )
        .unwrap();
        assert_eq!(zeros.to_vec(), expected);
        let mut next = [0u8; 16];
        mix(&mut next).unwrap();
        let expected = openssl::symm::encrypt(
            Cipher::aes_256_ctr(),
            &key,
            Some(&7u128.to_be_bytes()),
            &[0; 16],
        )
        .unwrap();
        assert_eq!(next.to_vec(), expected, "the counter advanced by 2 blocks");
        // Leave the process a pool no test knows.
        add_seed(b"end of test").unwrap();
    }

    #[test]
    fn oversized_request_is_refused() {
        assert!(matches!(
            random_bytes(MAX_RANDOM_LEN + 1),
            Err(Error::InvalidArgument(_))
        ));
    }
}
