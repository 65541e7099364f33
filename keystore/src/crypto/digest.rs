//! Message digests: SHA-1, SHA-2 (FIPS 180-4) and SHA-3 (FIPS 202).
//!
//! PKCS#11 3.0 §5.12 (`C_Digest*`), KMIP 2.1 §6.1.18 (Hash).

use openssl::hash::{Hasher, MessageDigest};
use openssl::md::{Md, MdRef};
use serde::{Deserialize, Serialize};

use crate::error::Result;

/// A hash function offered by keybridge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DigestAlgorithm {
    /// SHA-1 (FIPS 180-4). Only for legacy verification and HMAC/PBKDF2 interop.
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
    Sha3_224,
    Sha3_256,
    Sha3_384,
    Sha3_512,
}

impl DigestAlgorithm {
    /// Length of the digest in bytes.
    pub fn output_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha1 => 20,
            DigestAlgorithm::Sha224 | DigestAlgorithm::Sha3_224 => 28,
            DigestAlgorithm::Sha256 | DigestAlgorithm::Sha3_256 => 32,
            DigestAlgorithm::Sha384 | DigestAlgorithm::Sha3_384 => 48,
            DigestAlgorithm::Sha512 | DigestAlgorithm::Sha3_512 => 64,
        }
    }

    /// Internal block length in bytes (the HMAC block size `B` of RFC 2104).
    pub fn block_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha1 | DigestAlgorithm::Sha224 | DigestAlgorithm::Sha256 => 64,
            DigestAlgorithm::Sha384 | DigestAlgorithm::Sha512 => 128,
            DigestAlgorithm::Sha3_224 => 144,
            DigestAlgorithm::Sha3_256 => 136,
            DigestAlgorithm::Sha3_384 => 104,
            DigestAlgorithm::Sha3_512 => 72,
        }
    }

    /// The standard's name for the function ("SHA-256", "SHA3-256", ...).
    pub fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha1 => "SHA-1",
            DigestAlgorithm::Sha224 => "SHA-224",
            DigestAlgorithm::Sha256 => "SHA-256",
            DigestAlgorithm::Sha384 => "SHA-384",
            DigestAlgorithm::Sha512 => "SHA-512",
            DigestAlgorithm::Sha3_224 => "SHA3-224",
            DigestAlgorithm::Sha3_256 => "SHA3-256",
            DigestAlgorithm::Sha3_384 => "SHA3-384",
            DigestAlgorithm::Sha3_512 => "SHA3-512",
        }
    }

    /// The OpenSSL `EVP_MD` for this function, as the `md` module wants it.
    pub(crate) fn md_ref(self) -> &'static MdRef {
        match self {
            DigestAlgorithm::Sha1 => Md::sha1(),
            DigestAlgorithm::Sha224 => Md::sha224(),
            DigestAlgorithm::Sha256 => Md::sha256(),
            DigestAlgorithm::Sha384 => Md::sha384(),
            DigestAlgorithm::Sha512 => Md::sha512(),
            DigestAlgorithm::Sha3_224 => Md::sha3_224(),
            DigestAlgorithm::Sha3_256 => Md::sha3_256(),
            DigestAlgorithm::Sha3_384 => Md::sha3_384(),
            DigestAlgorithm::Sha3_512 => Md::sha3_512(),
        }
    }

    /// The OpenSSL handle for this function, as the `hash` module wants it.
    pub(crate) fn md(self) -> MessageDigest {
        match self {
            DigestAlgorithm::Sha1 => MessageDigest::sha1(),
            DigestAlgorithm::Sha224 => MessageDigest::sha224(),
            DigestAlgorithm::Sha256 => MessageDigest::sha256(),
            DigestAlgorithm::Sha384 => MessageDigest::sha384(),
            DigestAlgorithm::Sha512 => MessageDigest::sha512(),
            DigestAlgorithm::Sha3_224 => MessageDigest::sha3_224(),
            DigestAlgorithm::Sha3_256 => MessageDigest::sha3_256(),
            DigestAlgorithm::Sha3_384 => MessageDigest::sha3_384(),
            DigestAlgorithm::Sha3_512 => MessageDigest::sha3_512(),
        }
    }
}

/// One-shot digest of `data`.
pub fn digest(alg: DigestAlgorithm, data: &[u8]) -> Result<Vec<u8>> {
    Ok(openssl::hash::hash(alg.md(), data)?.to_vec())
}

/// A digest computed over data supplied in pieces (`C_DigestUpdate`).
pub struct Digest {
    alg: DigestAlgorithm,
    hasher: Hasher,
}

impl Digest {
    /// Starts a digest computation.
    pub fn new(alg: DigestAlgorithm) -> Result<Self> {
        Ok(Digest {
            alg,
            hasher: Hasher::new(alg.md())?,
        })
    }

    /// The algorithm this context computes.
    pub fn algorithm(&self) -> DigestAlgorithm {
        self.alg
    }

    /// Feeds more data.
    pub fn update(&mut self, data: &[u8]) -> Result<()> {
        self.hasher.update(data)?;
        Ok(())
    }

    /// Returns the digest of everything fed so far, consuming the context.
    pub fn finish(mut self) -> Result<Vec<u8>> {
        Ok(self.hasher.finish()?.to_vec())
    }
}

impl std::fmt::Debug for Digest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Digest").field("alg", &self.alg).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: [DigestAlgorithm; 9] = [
        DigestAlgorithm::Sha1,
        DigestAlgorithm::Sha224,
        DigestAlgorithm::Sha256,
        DigestAlgorithm::Sha384,
        DigestAlgorithm::Sha512,
        DigestAlgorithm::Sha3_224,
        DigestAlgorithm::Sha3_256,
        DigestAlgorithm::Sha3_384,
        DigestAlgorithm::Sha3_512,
    ];

    /// FIPS 180-4 / FIPS 202 example "abc" (NIST CSRC example values).
    #[test]
    fn abc_vectors() {
        let cases: [(DigestAlgorithm, &str); 9] = [
            (DigestAlgorithm::Sha1, "a9993e364706816aba3e25717850c26c9cd0d89d"),
            (DigestAlgorithm::Sha224, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"),
            (DigestAlgorithm::Sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (DigestAlgorithm::Sha384, "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"),
            (DigestAlgorithm::Sha512, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
            (DigestAlgorithm::Sha3_224, "e642824c3f8cf24ad09234ee7d3c766fc9a3a5168d0c94ad73b46fdf"),
            (DigestAlgorithm::Sha3_256, "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532"),
            (DigestAlgorithm::Sha3_384, "ec01498288516fc926459f58e2c6ad8df9b473cb0fc08c2596da7cf0e49be4b298d88cea927ac7f539f1edf228376d25"),
            (DigestAlgorithm::Sha3_512, "b751850b1a57168a5693cd924b6b096e08f621827444f70d884f5d0240d2712e10e116e9192af3c91a7ec57647e3934057340b4cf408d5a56592f8274eec53f0"),
        ];
        for (alg, hex_out) in cases {
            let got = digest(alg, b"abc").unwrap();
            assert_eq!(hex::encode(&got), hex_out, "{}", alg.name());
            assert_eq!(got.len(), alg.output_len(), "{}", alg.name());
        }
    }

    #[test]
    fn streaming_equals_one_shot() {
        let data: Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        for alg in ALL {
            let mut d = Digest::new(alg).unwrap();
            for chunk in data.chunks(37) {
                d.update(chunk).unwrap();
            }
            assert_eq!(
                d.finish().unwrap(),
                digest(alg, &data).unwrap(),
                "{}",
                alg.name()
            );
        }
    }

    #[test]
    fn serde_round_trip() {
        let s = serde_json::to_string(&DigestAlgorithm::Sha3_384).unwrap();
        let back: DigestAlgorithm = serde_json::from_str(&s).unwrap();
        assert_eq!(back, DigestAlgorithm::Sha3_384);
    }
}
