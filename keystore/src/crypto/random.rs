//! Random bytes from OpenSSL's DRBG (`RAND_bytes`, seeded from the OS).

use crate::error::{Error, Result};
use crate::secret::SecretBytes;

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
    Ok(out)
}

/// `n` random bytes for use as key material, zeroized when dropped.
pub fn random_secret(n: usize) -> Result<SecretBytes> {
    check_len(n)?;
    let mut out = SecretBytes::zeroed(n);
    openssl::rand::rand_bytes(out.expose_mut())?;
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

    #[test]
    fn oversized_request_is_refused() {
        assert!(matches!(
            random_bytes(MAX_RANDOM_LEN + 1),
            Err(Error::InvalidArgument(_))
        ));
    }
}
