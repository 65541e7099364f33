//! Asymmetric signatures for C_Sign* / C_Verify* (PKCS#11 3.0 Current
//! Mechanisms §2.1.7–2.1.15 RSA, §2.3.6 ECDSA, §2.3.14 EdDSA with
//! CK_EDDSA_PARAMS: Ed25519, Ed25519ctx, Ed25519ph, Ed448, Ed448ph) over
//! `keystore::crypto::sign`. ECDSA signatures are r‖s (EcdsaEncoding::Raw),
//! as §2.3.1 says.
//!
//! The hashing mechanisms (SHA*_RSA_PKCS, SHA*_RSA_PKCS_PSS, ECDSA_SHA*)
//! stream through OpenSSL; the others are single-part in the standard, and
//! their C_SignUpdate data is collected (up to [`MAX_BUFFERED`]) and signed
//! at C_SignFinal, which some clients rely on.

use crate::asym::{self, Kind};
use crate::error::{fail, Error, Result};
use crate::key_cache::Loaded;
use crate::mechanism::{digest_of, Mechanism, Param};
use cryptoki_sys::*;
use keystore::crypto::digest::DigestAlgorithm;
use keystore::crypto::keys::RawKeyKind;
use keystore::crypto::sign::{self, EcdsaEncoding, SignContext, SignatureScheme, VerifyContext};
use keystore::ObjectType;
use std::sync::Arc;

/// Largest input collected for a single-part mechanism used multi-part.
pub const MAX_BUFFERED: usize = 1 << 20;

enum Stream {
    Sign(SignContext),
    Verify(VerifyContext),
    /// A single-part mechanism's data, collected.
    Buffer(Vec<u8>),
}

/// An asymmetric signature or verification under way.
pub struct AsymOp {
    scheme: SignatureScheme,
    /// The key object, opened once with its OpenSSL key decoded once
    /// ([`crate::key_cache`]): signing uses its private key, verification
    /// its public key (also for a private key object).
    key: Arc<Loaded>,
    sign: bool,
    /// The signature length (modulus, 2·order, 64 or 114 bytes).
    pub out_len: usize,
    stream: Option<Stream>,
}

/// The MGF1 hash of a CKG_MGF1_* value.
pub fn mgf1_of(mgf: CK_ULONG) -> Result<DigestAlgorithm> {
    use DigestAlgorithm as D;
    Ok(match mgf {
        CKG_MGF1_SHA1 => D::Sha1,
        CKG_MGF1_SHA224 => D::Sha224,
        CKG_MGF1_SHA256 => D::Sha256,
        CKG_MGF1_SHA384 => D::Sha384,
        CKG_MGF1_SHA512 => D::Sha512,
        _ => return fail(CKR_MECHANISM_PARAM_INVALID, format!("MGF {mgf:#x}")),
    })
}

/// The hash mechanism of a CKM_SHA*_RSA_PKCS(_PSS) / CKM_ECDSA_SHA*.
fn hash_of(ty: CK_MECHANISM_TYPE) -> Option<DigestAlgorithm> {
    use DigestAlgorithm as D;
    Some(match ty {
        CKM_SHA1_RSA_PKCS | CKM_SHA1_RSA_PKCS_PSS | CKM_ECDSA_SHA1 => D::Sha1,
        CKM_SHA224_RSA_PKCS | CKM_SHA224_RSA_PKCS_PSS | CKM_ECDSA_SHA224 => D::Sha224,
        CKM_SHA256_RSA_PKCS | CKM_SHA256_RSA_PKCS_PSS | CKM_ECDSA_SHA256 => D::Sha256,
        CKM_SHA384_RSA_PKCS | CKM_SHA384_RSA_PKCS_PSS | CKM_ECDSA_SHA384 => D::Sha384,
        CKM_SHA512_RSA_PKCS | CKM_SHA512_RSA_PKCS_PSS | CKM_ECDSA_SHA512 => D::Sha512,
        _ => return None,
    })
}

/// Whether `ty` is an asymmetric signature mechanism.
pub fn is_asym(ty: CK_MECHANISM_TYPE) -> bool {
    hash_of(ty).is_some()
        || matches!(
            ty,
            CKM_RSA_PKCS | CKM_RSA_X_509 | CKM_RSA_PKCS_PSS | CKM_ECDSA | CKM_EDDSA
        )
}

fn no_param(m: &Mechanism) -> Result<()> {
    if matches!(m.param, Param::None) || m.param == Param::Bytes(Vec::new()) {
        Ok(())
    } else {
        fail(CKR_MECHANISM_PARAM_INVALID, "no parameter expected")
    }
}

/// The signature scheme of mechanism `m` on a key of `kind`.
fn scheme_of(m: &Mechanism, kind: Kind) -> Result<SignatureScheme> {
    let wrong_key = || {
        Error::rv(
            CKR_KEY_TYPE_INCONSISTENT,
            "the key does not fit the mechanism",
        )
    };
    let rsa = kind == Kind::Rsa;
    let ec = matches!(kind, Kind::Ec(_));
    let ed = matches!(
        kind,
        Kind::Raw(RawKeyKind::Ed25519) | Kind::Raw(RawKeyKind::Ed448)
    );
    Ok(match m.ty {
        CKM_RSA_PKCS | CKM_RSA_X_509 if rsa => {
            no_param(m)?;
            if m.ty == CKM_RSA_PKCS {
                SignatureScheme::RsaPkcs1v15 { hash: None }
            } else {
                SignatureScheme::RsaRaw
            }
        }
        CKM_RSA_PKCS_PSS
        | CKM_SHA1_RSA_PKCS_PSS
        | CKM_SHA224_RSA_PKCS_PSS
        | CKM_SHA256_RSA_PKCS_PSS
        | CKM_SHA384_RSA_PKCS_PSS
        | CKM_SHA512_RSA_PKCS_PSS
            if rsa =>
        {
            let Param::Pss {
                hash,
                mgf,
                salt_len,
            } = &m.param
            else {
                return fail(CKR_MECHANISM_PARAM_INVALID, "CK_RSA_PKCS_PSS_PARAMS needed");
            };
            let h = digest_of(*hash)
                .ok_or_else(|| Error::rv(CKR_MECHANISM_PARAM_INVALID, "PSS hash"))?;
            let prehashed = m.ty == CKM_RSA_PKCS_PSS;
            if !prehashed && hash_of(m.ty) != Some(h) {
                return fail(
                    CKR_MECHANISM_PARAM_INVALID,
                    "PSS hashAlg differs from the mechanism's hash",
                );
            }
            SignatureScheme::RsaPss {
                hash: h,
                mgf1: mgf1_of(*mgf)?,
                salt_len: *salt_len,
                prehashed,
            }
        }
        CKM_SHA1_RSA_PKCS | CKM_SHA224_RSA_PKCS | CKM_SHA256_RSA_PKCS | CKM_SHA384_RSA_PKCS
        | CKM_SHA512_RSA_PKCS
            if rsa =>
        {
            no_param(m)?;
            SignatureScheme::RsaPkcs1v15 {
                hash: hash_of(m.ty),
            }
        }
        CKM_ECDSA | CKM_ECDSA_SHA1 | CKM_ECDSA_SHA224 | CKM_ECDSA_SHA256 | CKM_ECDSA_SHA384
        | CKM_ECDSA_SHA512
            if ec =>
        {
            no_param(m)?;
            SignatureScheme::Ecdsa {
                hash: hash_of(m.ty),
            }
        }
        CKM_EDDSA if ed => {
            // §2.3.14: no parameter is PureEdDSA (Ed25519, Ed448 with an
            // empty context); CK_EDDSA_PARAMS selects Ed25519ph / Ed448ph
            // (phFlag) and the context. A non-prehash Ed25519 with an empty
            // context is plain Ed25519, as without the parameter.
            let (prehash, context) = match &m.param {
                Param::None => (false, None),
                Param::Bytes(b) if b.is_empty() => (false, None),
                Param::Eddsa { prehash, context } => {
                    if context.len() > keystore::crypto::sign::MAX_EDDSA_CONTEXT {
                        return fail(
                            CKR_MECHANISM_PARAM_INVALID,
                            "EdDSA context longer than 255 bytes",
                        );
                    }
                    let context = (!context.is_empty()).then(|| context.clone());
                    (*prehash, context)
                }
                _ => return fail(CKR_MECHANISM_PARAM_INVALID, "CK_EDDSA_PARAMS expected"),
            };
            SignatureScheme::EdDsa { prehash, context }
        }
        _ if is_asym(m.ty) => return Err(wrong_key()),
        _ => return fail(CKR_MECHANISM_INVALID, format!("mechanism {:#x}", m.ty)),
    })
}

fn signature_len(kind: Kind, k: &Loaded, sign: bool) -> Result<usize> {
    Ok(match kind {
        // The modulus length in bytes.
        Kind::Rsa if sign => k.private_key()?.size(),
        Kind::Rsa => k.public_key()?.size(),
        Kind::Ec(c) => 2 * c.field_len(),
        Kind::Raw(RawKeyKind::Ed25519) => 64,
        Kind::Raw(RawKeyKind::Ed448) => 114,
        Kind::Raw(_) => return fail(CKR_KEY_TYPE_INCONSISTENT, "X25519/X448 keys do not sign"),
    })
}

/// Starts a signature (`sign`) or verification with key `k`.
pub fn setup(m: &Mechanism, k: &Arc<Loaded>, sign: bool) -> Result<AsymOp> {
    let kind = asym::kind_of(&k.attrs)
        .ok_or_else(|| Error::rv(CKR_KEY_TYPE_INCONSISTENT, "not an asymmetric key"))?;
    if sign && k.attrs.object_type != ObjectType::PrivateKey {
        return fail(CKR_KEY_TYPE_INCONSISTENT, "signing needs a private key");
    }
    let scheme = scheme_of(m, kind)?;
    // Decodes the key now (once per key object): a bad key fails the Init.
    if sign {
        k.private_key()?;
    } else {
        k.public_key()?;
    }
    let out_len = signature_len(kind, k, sign)?;
    Ok(AsymOp {
        scheme,
        key: k.clone(),
        sign,
        out_len,
        stream: None,
    })
}

/// A key store error met while signing, as the caller should see it.
fn sign_err(e: keystore::Error) -> Error {
    match e {
        keystore::Error::InvalidArgument(m) => Error::rv(CKR_DATA_LEN_RANGE, m),
        keystore::Error::Unsupported(m) => Error::rv(CKR_MECHANISM_PARAM_INVALID, m),
        e => e.into(),
    }
}

impl AsymOp {
    fn streams(&self) -> bool {
        matches!(
            self.scheme,
            SignatureScheme::RsaPkcs1v15 { hash: Some(_) }
                | SignatureScheme::Ecdsa { hash: Some(_) }
                | SignatureScheme::RsaPss {
                    prehashed: false,
                    ..
                }
        )
    }

    /// Whether C_SignUpdate / C_VerifyUpdate has been called.
    pub fn multi_part(&self) -> bool {
        self.stream.is_some()
    }

    /// C_Sign's whole signature.
    pub fn sign_once(&self, data: &[u8]) -> Result<Vec<u8>> {
        let pkey = self.key.private_key()?;
        sign::sign_with_private_key(&pkey, &self.scheme, data, EcdsaEncoding::Raw).map_err(sign_err)
    }

    /// C_Verify's check.
    pub fn verify_once(&self, data: &[u8], sig: &[u8]) -> Result<()> {
        if sig.len() != self.out_len {
            return fail(CKR_SIGNATURE_LEN_RANGE, "wrong signature length");
        }
        let pkey = self.key.public_key()?;
        sign::verify_with_public_key(&pkey, &self.scheme, data, sig, EcdsaEncoding::Raw).map_err(
            |e| match e {
                keystore::Error::VerificationFailed => {
                    Error::rv(CKR_SIGNATURE_INVALID, "bad signature")
                }
                keystore::Error::InvalidArgument(m) => Error::rv(CKR_DATA_LEN_RANGE, m),
                e => e.into(),
            },
        )
    }

    /// C_SignUpdate / C_VerifyUpdate.
    pub fn update(&mut self, data: &[u8]) -> Result<()> {
        if self.stream.is_none() {
            self.stream = Some(if !self.streams() {
                Stream::Buffer(Vec::new())
            } else if self.sign {
                Stream::Sign(
                    SignContext::with_private_key(
                        &self.key.private_key()?,
                        &self.scheme,
                        EcdsaEncoding::Raw,
                    )
                    .map_err(sign_err)?,
                )
            } else {
                Stream::Verify(
                    VerifyContext::with_public_key(
                        &self.key.public_key()?,
                        &self.scheme,
                        EcdsaEncoding::Raw,
                    )
                    .map_err(sign_err)?,
                )
            });
        }
        match self.stream.as_mut() {
            Some(Stream::Sign(c)) => c.update(data).map_err(sign_err),
            Some(Stream::Verify(c)) => c.update(data).map_err(sign_err),
            Some(Stream::Buffer(b)) => {
                if b.len() + data.len() > MAX_BUFFERED {
                    return fail(
                        CKR_DATA_LEN_RANGE,
                        "too much data for a single-part mechanism",
                    );
                }
                b.extend_from_slice(data);
                Ok(())
            }
            None => Err(Error::general("no stream")),
        }
    }

    /// C_SignFinal.
    pub fn sign_final(self) -> Result<Vec<u8>> {
        match self.stream {
            Some(Stream::Sign(c)) => c.finish().map_err(sign_err),
            Some(Stream::Buffer(ref b)) => self.sign_once(b),
            None => self.sign_once(&[]),
            Some(Stream::Verify(_)) => Err(Error::general("verification context in a signature")),
        }
    }

    /// C_VerifyFinal.
    pub fn verify_final(self, sig: &[u8]) -> Result<()> {
        if sig.len() != self.out_len {
            return fail(CKR_SIGNATURE_LEN_RANGE, "wrong signature length");
        }
        match self.stream {
            Some(Stream::Verify(c)) => c.finish(sig).map_err(|e| match e {
                keystore::Error::VerificationFailed => {
                    Error::rv(CKR_SIGNATURE_INVALID, "bad signature")
                }
                e => e.into(),
            }),
            Some(Stream::Buffer(ref b)) => self.verify_once(b, sig),
            None => self.verify_once(&[], sig),
            Some(Stream::Sign(_)) => Err(Error::general("signature context in a verification")),
        }
    }
}
