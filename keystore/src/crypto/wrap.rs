//! AES Key Wrap (RFC 3394, SP 800-38F KW) and AES Key Wrap with Padding
//! (RFC 5649, SP 800-38F KWP).
//!
//! PKCS#11 3.0 Current Mechanisms §2.14.4 (`CKM_AES_KEY_WRAP`,
//! `CKM_AES_KEY_WRAP_KWP`), KMIP 2.1 §11.2 (Key Wrapping Specification with
//! the NIST Key Wrap block cipher mode). Implemented by the `aes-kw` crate,
//! whose integrity check is constant-time.

use aes_kw::{KekAes128, KekAes192, KekAes256};

use crate::error::{Error, Result};
use crate::secret::SecretBytes;

/// The three AES key sizes, each with its own KEK type in `aes-kw`.
enum Kek {
    Aes128(KekAes128),
    Aes192(KekAes192),
    Aes256(KekAes256),
}

impl Kek {
    fn new(kek: &[u8]) -> Result<Kek> {
        let bad = || {
            Error::InvalidArgument(format!(
                "key-encryption key must be 16, 24 or 32 bytes, got {}",
                kek.len()
            ))
        };
        Ok(match kek.len() {
            16 => Kek::Aes128(KekAes128::try_from(kek).map_err(|_| bad())?),
            24 => Kek::Aes192(KekAes192::try_from(kek).map_err(|_| bad())?),
            32 => Kek::Aes256(KekAes256::try_from(kek).map_err(|_| bad())?),
            _ => return Err(bad()),
        })
    }
}

fn integrity_failed() -> Error {
    Error::DecryptionFailed("key unwrap integrity check failed".into())
}

/// Largest input accepted, to keep the 32-bit length field of RFC 5649 and
/// the 64-bit block counter of RFC 3394 far from overflow.
const MAX_WRAP_INPUT: usize = 1 << 28;

/// Wraps `data` (a multiple of 8 bytes, at least 16) under `kek` with
/// RFC 3394 §2.2.1. The output is 8 bytes longer than the input.
pub fn aes_key_wrap(kek: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    let kek = Kek::new(kek)?;
    if data.len() < 16 || !data.len().is_multiple_of(8) || data.len() > MAX_WRAP_INPUT {
        return Err(Error::InvalidArgument(format!(
            "RFC 3394 key wrap input must be a multiple of 8 bytes and at least 16, got {}",
            data.len()
        )));
    }
    let out = match kek {
        Kek::Aes128(k) => k.wrap_vec(data),
        Kek::Aes192(k) => k.wrap_vec(data),
        Kek::Aes256(k) => k.wrap_vec(data),
    };
    out.map_err(|e| Error::Crypto(format!("AES key wrap: {e}")))
}

/// Unwraps an RFC 3394 key (RFC 3394 §2.2.2) and checks its integrity value.
pub fn aes_key_unwrap(kek: &[u8], wrapped: &[u8]) -> Result<SecretBytes> {
    let kek = Kek::new(kek)?;
    if wrapped.len() < 24 || !wrapped.len().is_multiple_of(8) || wrapped.len() > MAX_WRAP_INPUT + 8
    {
        return Err(Error::InvalidArgument(format!(
            "RFC 3394 wrapped key must be a multiple of 8 bytes and at least 24, got {}",
            wrapped.len()
        )));
    }
    let out = match kek {
        Kek::Aes128(k) => k.unwrap_vec(wrapped),
        Kek::Aes192(k) => k.unwrap_vec(wrapped),
        Kek::Aes256(k) => k.unwrap_vec(wrapped),
    };
    out.map(SecretBytes::new).map_err(|_| integrity_failed())
}

/// Wraps `data` (1 byte or more, any length) under `kek` with RFC 5649 §4.1.
pub fn aes_key_wrap_pad(kek: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    let kek = Kek::new(kek)?;
    if data.is_empty() || data.len() > MAX_WRAP_INPUT {
        return Err(Error::InvalidArgument(format!(
            "RFC 5649 key wrap input must be 1 to {MAX_WRAP_INPUT} bytes, got {}",
            data.len()
        )));
    }
    let out = match kek {
        Kek::Aes128(k) => k.wrap_with_padding_vec(data),
        Kek::Aes192(k) => k.wrap_with_padding_vec(data),
        Kek::Aes256(k) => k.wrap_with_padding_vec(data),
    };
    out.map_err(|e| Error::Crypto(format!("AES key wrap with padding: {e}")))
}

/// Unwraps an RFC 5649 key (RFC 5649 §4.2), checking the integrity value,
/// the message length indicator and the zero padding.
pub fn aes_key_unwrap_pad(kek: &[u8], wrapped: &[u8]) -> Result<SecretBytes> {
    let kek = Kek::new(kek)?;
    if wrapped.len() < 16 || !wrapped.len().is_multiple_of(8) || wrapped.len() > MAX_WRAP_INPUT + 16
    {
        return Err(Error::InvalidArgument(format!(
            "RFC 5649 wrapped key must be a multiple of 8 bytes and at least 16, got {}",
            wrapped.len()
        )));
    }
    let out = match kek {
        Kek::Aes128(k) => k.unwrap_with_padding_vec(wrapped),
        Kek::Aes192(k) => k.unwrap_with_padding_vec(wrapped),
        Kek::Aes256(k) => k.unwrap_with_padding_vec(wrapped),
    };
    out.map(SecretBytes::new).map_err(|_| integrity_failed())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    const KEK256: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    /// RFC 3394 §4.1–4.6: every KEK size with 128-, 192- and 256-bit key data.
    #[test]
    fn rfc3394_section4() {
        let cases = [
            (
                "000102030405060708090a0b0c0d0e0f",
                "00112233445566778899aabbccddeeff",
                "1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5",
            ),
            (
                "000102030405060708090a0b0c0d0e0f1011121314151617",
                "00112233445566778899aabbccddeeff",
                "96778b25ae6ca435f92b5b97c050aed2468ab8a17ad84e5d",
            ),
            (
                KEK256,
                "00112233445566778899aabbccddeeff",
                "64e8c3f9ce0f5ba263e9777905818a2a93c8191e7d6e8ae7",
            ),
            (
                "000102030405060708090a0b0c0d0e0f1011121314151617",
                "00112233445566778899aabbccddeeff0001020304050607",
                "031d33264e15d33268f24ec260743edce1c6c7ddee725a936ba814915c6762d2",
            ),
            (
                KEK256,
                "00112233445566778899aabbccddeeff0001020304050607",
                "a8f9bc1612c68b3ff6e6f4fbe30e71e4769c8b80a32cb8958cd5d17d6b254da1",
            ),
            (
                KEK256,
                "00112233445566778899aabbccddeeff000102030405060708090a0b0c0d0e0f",
                "28c9f404c4b810f4cbccb35cfb87f8263f5786e2d80ed326cbc7f0e71a99f43bfb988b9b7a02dd21",
            ),
        ];
        for (kek, key, wrapped) in cases {
            assert_eq!(aes_key_wrap(&h(kek), &h(key)).unwrap(), h(wrapped));
            assert_eq!(
                aes_key_unwrap(&h(kek), &h(wrapped)).unwrap().expose(),
                &h(key)[..]
            );
        }
    }

    /// RFC 5649 §6: 20-octet and 7-octet keys under a 192-bit KEK.
    #[test]
    fn rfc5649_section6() {
        let kek = h("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8");
        let cases = [
            (
                "c37b7e6492584340bed12207808941155068f738",
                "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a",
            ),
            ("466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f"),
        ];
        for (key, wrapped) in cases {
            assert_eq!(aes_key_wrap_pad(&kek, &h(key)).unwrap(), h(wrapped));
            assert_eq!(
                aes_key_unwrap_pad(&kek, &h(wrapped)).unwrap().expose(),
                &h(key)[..]
            );
        }
    }

    #[test]
    fn wrong_kek_or_tampering_fails_integrity() {
        let kek = h(KEK256);
        let mut other = kek.clone();
        other[0] ^= 1;
        let wrapped = aes_key_wrap(&kek, &[0x5a; 32]).unwrap();
        let padded = aes_key_wrap_pad(&kek, &[0x5a; 33]).unwrap();
        for r in [
            aes_key_unwrap(&other, &wrapped),
            aes_key_unwrap_pad(&other, &padded),
        ] {
            match r {
                Err(Error::DecryptionFailed(m)) => {
                    assert_eq!(m, "key unwrap integrity check failed")
                }
                other => panic!("{other:?}"),
            }
        }
        let mut bad = wrapped.clone();
        bad[12] ^= 0x10;
        assert!(matches!(
            aes_key_unwrap(&kek, &bad),
            Err(Error::DecryptionFailed(_))
        ));
        // KW output is not KWP output: cross-unwrapping fails.
        assert!(matches!(
            aes_key_unwrap_pad(&kek, &wrapped),
            Err(Error::DecryptionFailed(_))
        ));
        assert!(matches!(
            aes_key_unwrap(&kek, &padded[..40]),
            Err(Error::DecryptionFailed(_))
        ));
    }

    #[test]
    fn lengths_are_checked() {
        let kek = h(KEK256);
        assert!(matches!(
            aes_key_wrap(&kek[..20], &[0; 16]),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            aes_key_wrap(&kek, &[0; 8]),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            aes_key_wrap(&kek, &[0; 17]),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            aes_key_unwrap(&kek, &[0; 16]),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            aes_key_unwrap(&kek, &[0; 25]),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            aes_key_wrap_pad(&kek, &[]),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            aes_key_unwrap_pad(&kek, &[0; 8]),
            Err(Error::InvalidArgument(_))
        ));
        for len in 1..=40 {
            let data = vec![len as u8; len];
            let w = aes_key_wrap_pad(&kek, &data).unwrap();
            assert_eq!(w.len(), len.div_ceil(8) * 8 + 8);
            assert_eq!(aes_key_unwrap_pad(&kek, &w).unwrap().expose(), &data[..]);
        }
    }
}
