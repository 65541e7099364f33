//! Streaming signatures and MACs (PKCS#11 3.0 §5.13–5.14: `C_SignUpdate` /
//! `C_SignFinal`, `C_VerifyUpdate` / `C_VerifyFinal`).
//!
//! Only the schemes that hash the message themselves can stream; the raw,
//! prehashed and EdDSA schemes are single-part in PKCS#11 too.

use openssl::md::MdRef;
use openssl::md_ctx::MdCtx;
use openssl::pkey::{HasPublic, PKey, PKeyRef, Private, Public};
use openssl::pkey_ctx::PkeyCtxRef;

use super::mac::Mac;
use super::sign::{
    check_key_type, check_rsa_params, configure_rsa, decode_ecdsa, encode_ecdsa, private_key,
    public_key, EcdsaEncoding, SignatureScheme, SigningKey, VerifyingKey,
};
use crate::error::{Error, Result};

/// What a streaming context runs on.
enum Engine<K> {
    /// A hashing signature scheme: OpenSSL's `EVP_DigestSign*`/`Verify*`.
    Digest { ctx: MdCtx, key: PKey<K> },
    /// HMAC or CMAC.
    Mac(Mac),
}

fn streaming_only(scheme: &SignatureScheme) -> Error {
    Error::Unsupported(format!(
        "{scheme:?} is single-part only (PKCS#11 allows no C_SignUpdate for it)"
    ))
}

/// A signature or MAC over data supplied in pieces (`C_SignUpdate` /
/// `C_SignFinal`). Available for the schemes that hash the message
/// themselves (RSA and ECDSA with a hash, PSS not prehashed) and for HMAC and
/// CMAC. The raw, prehashed and EdDSA schemes are single-part and return
/// [`Error::Unsupported`] here.
pub struct SignContext {
    engine: Engine<Private>,
    scheme: SignatureScheme,
    encoding: EcdsaEncoding,
}

/// The OpenSSL digest-sign or digest-verify engine of a hashing scheme over
/// an already decoded key; `init` is `digest_sign_init` or
/// `digest_verify_init`.
fn digest_engine<K: HasPublic>(
    pkey: &PKey<K>,
    scheme: &SignatureScheme,
    init: impl for<'a> FnOnce(
        &'a mut MdCtx,
        Option<&MdRef>,
        &PKeyRef<K>,
    )
        -> std::result::Result<&'a mut PkeyCtxRef<K>, openssl::error::ErrorStack>,
) -> Result<Engine<K>> {
    let hash = scheme
        .message_hash()
        .ok_or_else(|| streaming_only(scheme))?;
    check_key_type(pkey, scheme)?;
    check_rsa_params(pkey, scheme, None)?;
    let mut ctx = MdCtx::new()?;
    let pctx = init(&mut ctx, Some(hash.md_ref()), pkey)?;
    configure_rsa(pctx, scheme, false)?;
    Ok(Engine::Digest {
        ctx,
        key: pkey.clone(),
    })
}

impl std::fmt::Debug for SignContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignContext")
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

impl SignContext {
    /// Starts a signature.
    pub fn new(
        key: SigningKey<'_>,
        scheme: &SignatureScheme,
        encoding: EcdsaEncoding,
    ) -> Result<Self> {
        let engine = match (scheme.mac_algorithm(), key) {
            (Some(alg), SigningKey::Secret(secret)) => Engine::Mac(Mac::new(alg, secret)?),
            (Some(_), SigningKey::Private(_)) => {
                return Err(Error::InvalidArgument(
                    "HMAC and CMAC need a secret key".into(),
                ))
            }
            (None, key) => return Self::with_private_key(&private_key(key)?, scheme, encoding),
        };
        Ok(SignContext {
            engine,
            scheme: scheme.clone(),
            encoding,
        })
    }

    /// Starts a signature with a private key already decoded (kept open
    /// across operations by the caller). Not for the MAC schemes.
    pub fn with_private_key(
        pkey: &PKey<Private>,
        scheme: &SignatureScheme,
        encoding: EcdsaEncoding,
    ) -> Result<Self> {
        let engine = digest_engine(pkey, scheme, |ctx, md, key| ctx.digest_sign_init(md, key))?;
        Ok(SignContext {
            engine,
            scheme: scheme.clone(),
            encoding,
        })
    }

    /// Feeds more of the message.
    pub fn update(&mut self, data: &[u8]) -> Result<()> {
        match &mut self.engine {
            Engine::Digest { ctx, .. } => ctx.digest_sign_update(data)?,
            Engine::Mac(m) => m.update(data)?,
        }
        Ok(())
    }

    /// Produces the signature or MAC.
    pub fn finish(self) -> Result<Vec<u8>> {
        match self.engine {
            Engine::Mac(m) => m.finish(),
            Engine::Digest { mut ctx, key } => {
                let mut sig = Vec::new();
                ctx.digest_sign_final_to_vec(&mut sig)?;
                match self.scheme {
                    SignatureScheme::Ecdsa { .. } => encode_ecdsa(&key, sig, self.encoding),
                    _ => Ok(sig),
                }
            }
        }
    }
}

/// Verification over data supplied in pieces (`C_VerifyUpdate` /
/// `C_VerifyFinal`); the same schemes as [`SignContext`].
pub struct VerifyContext {
    engine: Engine<Public>,
    scheme: SignatureScheme,
    encoding: EcdsaEncoding,
}

impl std::fmt::Debug for VerifyContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyContext")
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

impl VerifyContext {
    /// Starts a verification.
    pub fn new(
        key: VerifyingKey<'_>,
        scheme: &SignatureScheme,
        encoding: EcdsaEncoding,
    ) -> Result<Self> {
        let engine = match (scheme.mac_algorithm(), key) {
            (Some(alg), VerifyingKey::Secret(secret)) => Engine::Mac(Mac::new(alg, secret)?),
            (Some(_), VerifyingKey::Public(_)) => {
                return Err(Error::InvalidArgument(
                    "HMAC and CMAC need a secret key".into(),
                ))
            }
            (None, key) => return Self::with_public_key(&public_key(key)?, scheme, encoding),
        };
        Ok(VerifyContext {
            engine,
            scheme: scheme.clone(),
            encoding,
        })
    }

    /// Starts a verification with a public key already decoded. Not for
    /// the MAC schemes.
    pub fn with_public_key(
        pkey: &PKey<Public>,
        scheme: &SignatureScheme,
        encoding: EcdsaEncoding,
    ) -> Result<Self> {
        let engine = digest_engine(pkey, scheme, |ctx, md, key| ctx.digest_verify_init(md, key))?;
        Ok(VerifyContext {
            engine,
            scheme: scheme.clone(),
            encoding,
        })
    }

    /// Feeds more of the message.
    pub fn update(&mut self, data: &[u8]) -> Result<()> {
        match &mut self.engine {
            Engine::Digest { ctx, .. } => ctx.digest_verify_update(data)?,
            Engine::Mac(m) => m.update(data)?,
        }
        Ok(())
    }

    /// Checks `signature` against everything fed.
    pub fn finish(self, signature: &[u8]) -> Result<()> {
        match self.engine {
            Engine::Mac(m) => m.verify(signature),
            Engine::Digest { mut ctx, key } => {
                let sig = match self.scheme {
                    SignatureScheme::Ecdsa { .. } => decode_ecdsa(&key, signature, self.encoding)?,
                    _ => signature.to_vec(),
                };
                if ctx.digest_verify_final(&sig).unwrap_or(false) {
                    Ok(())
                } else {
                    Err(Error::VerificationFailed)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::digest::DigestAlgorithm;
    use crate::crypto::generate::{generate_key_pair, Curve, KeyPairSpec};
    use crate::crypto::sign::verify;

    const DER: EcdsaEncoding = EcdsaEncoding::Der;
    const RAW: EcdsaEncoding = EcdsaEncoding::Raw;

    fn rsa2048() -> crate::crypto::generate::KeyPair {
        generate_key_pair(KeyPairSpec::Rsa {
            bits: 2048,
            public_exponent: None,
        })
        .unwrap()
    }

    #[test]
    fn streaming_matches_one_shot() {
        let data: Vec<u8> = (0..5000u32).map(|i| (i % 251) as u8).collect();
        let rsa = rsa2048();
        let ec = generate_key_pair(KeyPairSpec::Ec(Curve::P384)).unwrap();
        let cases: Vec<(SignatureScheme, SigningKey<'_>, VerifyingKey<'_>)> = vec![
            (
                SignatureScheme::RsaPkcs1v15 {
                    hash: Some(DigestAlgorithm::Sha384),
                },
                SigningKey::Private(rsa.private_pkcs8.expose()),
                VerifyingKey::Public(&rsa.public_spki),
            ),
            (
                SignatureScheme::RsaPss {
                    hash: DigestAlgorithm::Sha256,
                    mgf1: DigestAlgorithm::Sha256,
                    salt_len: 32,
                    prehashed: false,
                },
                SigningKey::Private(rsa.private_pkcs8.expose()),
                VerifyingKey::Public(&rsa.public_spki),
            ),
            (
                SignatureScheme::Ecdsa {
                    hash: Some(DigestAlgorithm::Sha384),
                },
                SigningKey::Private(ec.private_pkcs8.expose()),
                VerifyingKey::Public(&ec.public_spki),
            ),
            (
                SignatureScheme::Hmac(DigestAlgorithm::Sha512),
                SigningKey::Secret(b"hmac key"),
                VerifyingKey::Secret(b"hmac key"),
            ),
            (
                SignatureScheme::CmacAes,
                SigningKey::Secret(&[9u8; 32]),
                VerifyingKey::Secret(&[9u8; 32]),
            ),
        ];
        for (scheme, sk, vk) in cases {
            for enc in [RAW, DER] {
                let mut s = SignContext::new(sk, &scheme, enc).unwrap();
                for piece in data.chunks(333) {
                    s.update(piece).unwrap();
                }
                let sig = s.finish().unwrap();
                verify(vk, &scheme, &data, &sig, enc).unwrap();
                let mut v = VerifyContext::new(vk, &scheme, enc).unwrap();
                for piece in data.chunks(1000) {
                    v.update(piece).unwrap();
                }
                v.finish(&sig).unwrap();
                let mut v = VerifyContext::new(vk, &scheme, enc).unwrap();
                v.update(&data[1..]).unwrap();
                assert!(
                    matches!(v.finish(&sig), Err(Error::VerificationFailed)),
                    "{scheme:?}"
                );
            }
        }
        for scheme in [
            SignatureScheme::RsaRaw,
            SignatureScheme::RsaPkcs1v15 { hash: None },
            SignatureScheme::RsaPkcs1v15Prehashed {
                hash: DigestAlgorithm::Sha256,
            },
            SignatureScheme::RsaPss {
                hash: DigestAlgorithm::Sha256,
                mgf1: DigestAlgorithm::Sha256,
                salt_len: 32,
                prehashed: true,
            },
        ] {
            assert!(matches!(
                SignContext::new(
                    SigningKey::Private(rsa.private_pkcs8.expose()),
                    &scheme,
                    DER
                ),
                Err(Error::Unsupported(_))
            ));
        }
    }
}
