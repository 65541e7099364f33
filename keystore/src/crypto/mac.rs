//! Message authentication codes: HMAC (RFC 2104, FIPS 198-1) and AES-CMAC
//! (RFC 4493, SP 800-38B).
//!
//! PKCS#11 3.0 Current Mechanisms §2.10.8 (`CKM_AES_CMAC`), §2.26–2.34
//! (`CKM_SHA*_HMAC`); KMIP 2.1 §6.1.26 (MAC) and §6.1.27 (MAC Verify).
//! Verification compares in constant time.

use hmac::{KeyInit, Mac as _};
use openssl::md_ctx::MdCtx;
use openssl::pkey::{PKey, Private};
use openssl::symm::Cipher;
use serde::{Deserialize, Serialize};

use super::digest::DigestAlgorithm;
use crate::error::{Error, Result};
use crate::secret::ct_eq;

/// A MAC function.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MacAlgorithm {
    /// HMAC with the given hash; any key length (RFC 2104 §2).
    Hmac(DigestAlgorithm),
    /// AES-CMAC with a 16, 24 or 32-byte AES key.
    CmacAes,
}

impl MacAlgorithm {
    /// Length of the (untruncated) MAC in bytes.
    pub fn output_len(self) -> usize {
        match self {
            MacAlgorithm::Hmac(h) => h.output_len(),
            MacAlgorithm::CmacAes => 16,
        }
    }
}

/// Largest HMAC key accepted (longer keys are hashed anyway, RFC 2104 §3).
const MAX_HMAC_KEY: usize = 1 << 16;

/// A MAC computed over data supplied in pieces (`C_SignUpdate` with an HMAC
/// or CMAC mechanism).
pub struct Mac {
    alg: MacAlgorithm,
    engine: Engine,
}

/// HMAC with SHA-1 and SHA-2 runs in Rust: OpenSSL 3 looks the algorithm
/// up in its provider tables on every `EVP_PKEY` and `EVP_DigestSignInit`
/// call, which costs more than the MAC of a short message (the record MAC
/// of every stored object, a 1 KiB `C_Sign`). The keyed states are
/// zeroized on drop (their hash cores wipe themselves). SHA-3 HMAC and CMAC stay with OpenSSL.
enum Engine {
    Sha1(Box<hmac::Hmac<sha1::Sha1>>),
    Sha224(Box<hmac::Hmac<sha2::Sha224>>),
    Sha256(Box<hmac::Hmac<sha2::Sha256>>),
    Sha384(Box<hmac::Hmac<sha2::Sha384>>),
    Sha512(Box<hmac::Hmac<sha2::Sha512>>),
    OpenSsl {
        ctx: MdCtx,
        // Kept alive beside the context that references it.
        _key: PKey<Private>,
    },
}

impl std::fmt::Debug for Mac {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mac")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

fn keyed<M: KeyInit>(key: &[u8]) -> Result<Box<M>> {
    // HMAC takes keys of any length (longer ones are hashed first).
    M::new_from_slice(key)
        .map(Box::new)
        .map_err(|_| Error::InvalidArgument("HMAC key refused".into()))
}

impl Mac {
    /// Starts a MAC computation with `key` (raw bytes).
    pub fn new(alg: MacAlgorithm, key: &[u8]) -> Result<Mac> {
        let engine = match alg {
            MacAlgorithm::Hmac(h) => {
                if key.len() > MAX_HMAC_KEY {
                    return Err(Error::InvalidArgument(format!(
                        "HMAC key longer than {MAX_HMAC_KEY} bytes"
                    )));
                }
                match h {
                    DigestAlgorithm::Sha1 => Engine::Sha1(keyed(key)?),
                    DigestAlgorithm::Sha224 => Engine::Sha224(keyed(key)?),
                    DigestAlgorithm::Sha256 => Engine::Sha256(keyed(key)?),
                    DigestAlgorithm::Sha384 => Engine::Sha384(keyed(key)?),
                    DigestAlgorithm::Sha512 => Engine::Sha512(keyed(key)?),
                    DigestAlgorithm::Sha3_224
                    | DigestAlgorithm::Sha3_256
                    | DigestAlgorithm::Sha3_384
                    | DigestAlgorithm::Sha3_512 => {
                        let mut ctx = MdCtx::new()?;
                        let pkey = PKey::hmac(key)?;
                        ctx.digest_sign_init(Some(h.md_ref()), &pkey)?;
                        Engine::OpenSsl { ctx, _key: pkey }
                    }
                }
            }
            MacAlgorithm::CmacAes => {
                let cipher = match key.len() {
                    16 => Cipher::aes_128_cbc(),
                    24 => Cipher::aes_192_cbc(),
                    32 => Cipher::aes_256_cbc(),
                    n => {
                        return Err(Error::InvalidArgument(format!(
                            "AES-CMAC key must be 16, 24 or 32 bytes, got {n}"
                        )))
                    }
                };
                let mut ctx = MdCtx::new()?;
                let pkey = PKey::cmac(&cipher, key)?;
                ctx.digest_sign_init(None, &pkey)?;
                Engine::OpenSsl { ctx, _key: pkey }
            }
        };
        Ok(Mac { alg, engine })
    }

    /// The algorithm this context computes.
    pub fn algorithm(&self) -> MacAlgorithm {
        self.alg
    }

    /// Feeds more data.
    pub fn update(&mut self, data: &[u8]) -> Result<()> {
        match &mut self.engine {
            Engine::Sha1(m) => m.update(data),
            Engine::Sha224(m) => m.update(data),
            Engine::Sha256(m) => m.update(data),
            Engine::Sha384(m) => m.update(data),
            Engine::Sha512(m) => m.update(data),
            Engine::OpenSsl { ctx, .. } => ctx.digest_sign_update(data)?,
        }
        Ok(())
    }

    /// The MAC of everything fed so far.
    pub fn finish(self) -> Result<Vec<u8>> {
        Ok(match self.engine {
            Engine::Sha1(m) => m.finalize().into_bytes().to_vec(),
            Engine::Sha224(m) => m.finalize().into_bytes().to_vec(),
            Engine::Sha256(m) => m.finalize().into_bytes().to_vec(),
            Engine::Sha384(m) => m.finalize().into_bytes().to_vec(),
            Engine::Sha512(m) => m.finalize().into_bytes().to_vec(),
            Engine::OpenSsl { mut ctx, .. } => {
                let mut out = Vec::with_capacity(self.alg.output_len());
                ctx.digest_sign_final_to_vec(&mut out)?;
                out
            }
        })
    }

    /// Checks `tag` (full length) against the MAC of everything fed so far.
    pub fn verify(self, tag: &[u8]) -> Result<()> {
        let mac = self.finish()?;
        if ct_eq(&mac, tag) {
            Ok(())
        } else {
            Err(Error::VerificationFailed)
        }
    }
}

/// One-shot MAC of `data` under `key`.
pub fn mac(alg: MacAlgorithm, key: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    let mut m = Mac::new(alg, key)?;
    m.update(data)?;
    m.finish()
}

/// One-shot check of a full-length MAC; `Err(VerificationFailed)` on mismatch.
pub fn mac_verify(alg: MacAlgorithm, key: &[u8], data: &[u8], tag: &[u8]) -> Result<()> {
    let mut m = Mac::new(alg, key)?;
    m.update(data)?;
    m.verify(tag)
}

/// HMAC (RFC 2104) of `data` under `key`.
pub fn hmac(hash: DigestAlgorithm, key: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    mac(MacAlgorithm::Hmac(hash), key, data)
}

/// AES-CMAC (RFC 4493) of `data` under `key`.
pub fn cmac_aes(key: &[u8], data: &[u8]) -> Result<Vec<u8>> {
    mac(MacAlgorithm::CmacAes, key, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    /// RFC 4231 §4.2, §4.3, §4.7 (test cases 1, 2 and 6: long key), all four SHA-2 sizes.
    #[test]
    fn rfc4231() {
        let cases: [(Vec<u8>, &[u8], [&str; 4]); 3] = [
            (
                vec![0x0b; 20],
                b"Hi There",
                [
                    "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22",
                    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
                    "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6",
                    "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
                ],
            ),
            (
                b"Jefe".to_vec(),
                b"what do ya want for nothing?",
                [
                    "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44",
                    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
                    "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649",
                    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
                ],
            ),
            (
                vec![0xaa; 131],
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                [
                    "95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e",
                    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
                    "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952",
                    "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
                ],
            ),
        ];
        let hashes = [
            DigestAlgorithm::Sha224,
            DigestAlgorithm::Sha256,
            DigestAlgorithm::Sha384,
            DigestAlgorithm::Sha512,
        ];
        for (key, data, outs) in &cases {
            for (hash, out) in hashes.iter().zip(outs) {
                assert_eq!(
                    hex::encode(hmac(*hash, key, data).unwrap()),
                    *out,
                    "{}",
                    hash.name()
                );
                mac_verify(MacAlgorithm::Hmac(*hash), key, data, &h(out)).unwrap();
            }
        }
    }

    /// RFC 2202 §3 test cases 1 and 6 (HMAC-SHA-1), fed whole and in pieces;
    /// and the keyed states this module holds wipe themselves when dropped.
    #[test]
    fn rfc2202_sha1_and_zeroize() {
        // An HMAC state is two hash states keyed with K^ipad and K^opad;
        // those hash cores are the ones that must wipe themselves.
        fn wipes_on_drop<T: zeroize::ZeroizeOnDrop>() {}
        use hmac::digest::block_api::CoreProxy;
        wipes_on_drop::<<sha1::Sha1 as CoreProxy>::Core>();
        wipes_on_drop::<<sha2::Sha224 as CoreProxy>::Core>();
        wipes_on_drop::<<sha2::Sha256 as CoreProxy>::Core>();
        wipes_on_drop::<<sha2::Sha384 as CoreProxy>::Core>();
        wipes_on_drop::<<sha2::Sha512 as CoreProxy>::Core>();
        for (key, data, out) in [
            (
                vec![0x0b; 20],
                &b"Hi There"[..],
                "b617318655057264e28bc0b6fb378c8ef146be00",
            ),
            (
                vec![0xaa; 80],
                b"Test Using Larger Than Block-Size Key - Hash Key First",
                "aa4ae5e15272d00e95705637ce8a3b55ed402112",
            ),
        ] {
            let alg = MacAlgorithm::Hmac(DigestAlgorithm::Sha1);
            assert_eq!(hex::encode(mac(alg, &key, data).unwrap()), out);
            let mut m = Mac::new(alg, &key).unwrap();
            for piece in data.chunks(7) {
                m.update(piece).unwrap();
            }
            m.verify(&h(out)).unwrap();
        }
    }

    /// HMAC-SHA3-256 still goes through OpenSSL: checked against the
    /// two-pass definition (H((K^opad) || H((K^ipad) || m))) built from the
    /// digest module.
    #[test]
    fn sha3_hmac_matches_definition() {
        let key = [0x42u8; 20];
        let msg = b"keybridge";
        let mut k0 = key.to_vec();
        k0.resize(136, 0); // SHA3-256 block size
        let ipad: Vec<u8> = k0.iter().map(|b| b ^ 0x36).collect();
        let opad: Vec<u8> = k0.iter().map(|b| b ^ 0x5c).collect();
        let inner = crate::crypto::digest::digest(
            DigestAlgorithm::Sha3_256,
            &[ipad, msg.to_vec()].concat(),
        )
        .unwrap();
        let outer =
            crate::crypto::digest::digest(DigestAlgorithm::Sha3_256, &[opad, inner].concat())
                .unwrap();
        assert_eq!(
            hmac(DigestAlgorithm::Sha3_256, &key, msg).unwrap(),
            outer.to_vec()
        );
    }

    /// RFC 4493 §4: AES-128 CMAC examples 1–4.
    #[test]
    fn rfc4493() {
        let key = h("2b7e151628aed2a6abf7158809cf4f3c");
        let msg = h(
            "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51\
                     30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710",
        );
        for (len, tag) in [
            (0, "bb1d6929e95937287fa37d129b756746"),
            (16, "070a16b46b4d4144f79bdd9dd04a287c"),
            (40, "dfa66747de9ae63030ca32611497c827"),
            (64, "51f0bebf7e3b9d92fc49741779363cfe"),
        ] {
            assert_eq!(
                hex::encode(cmac_aes(&key, &msg[..len]).unwrap()),
                tag,
                "len {len}"
            );
            // The same in pieces.
            let mut m = Mac::new(MacAlgorithm::CmacAes, &key).unwrap();
            for piece in msg[..len].chunks(5) {
                m.update(piece).unwrap();
            }
            m.verify(&h(tag)).unwrap();
        }
    }

    #[test]
    fn mismatches_and_bad_keys() {
        let key = [1u8; 32];
        let tag = hmac(DigestAlgorithm::Sha256, &key, b"data").unwrap();
        let mut bad = tag.clone();
        bad[31] ^= 1;
        for (t, d) in [
            (&bad[..], &b"data"[..]),
            (&tag[..], b"Data"),
            (&tag[..16], b"data"),
        ] {
            assert!(matches!(
                mac_verify(MacAlgorithm::Hmac(DigestAlgorithm::Sha256), &key, d, t),
                Err(Error::VerificationFailed)
            ));
        }
        let ctag = cmac_aes(&key, b"data").unwrap();
        assert!(matches!(
            mac_verify(MacAlgorithm::CmacAes, &[2u8; 32], b"data", &ctag),
            Err(Error::VerificationFailed)
        ));
        for n in [0, 8, 17, 64] {
            assert!(matches!(
                cmac_aes(&vec![0u8; n], b"x"),
                Err(Error::InvalidArgument(_))
            ));
        }
        assert_eq!(
            hmac(DigestAlgorithm::Sha3_256, b"k", b"").unwrap().len(),
            32
        );
    }
}
