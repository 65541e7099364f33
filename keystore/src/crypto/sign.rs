//! Signatures and MACs behind one interface: RSA PKCS#1 v1.5 and PSS
//! (RFC 8017 §8), raw RSA, ECDSA (FIPS 186-5 §6), EdDSA (RFC 8032), HMAC and
//! AES-CMAC.
//!
//! PKCS#11 3.0 §5.13–5.14 (`C_Sign*`, `C_Verify*`); KMIP 2.1 §6.1.53 (Sign)
//! and §6.1.55 (Signature Verify). Verification failure is always
//! [`Error::VerificationFailed`]; malformed keys or parameters are
//! [`Error::InvalidArgument`].

use openssl::ecdsa::EcdsaSig;
use openssl::md_ctx::MdCtx;
use openssl::pkey::{HasPublic, Id, PKey, PKeyRef, Private, Public};
use openssl::pkey_ctx::{PkeyCtx, PkeyCtxRef};
use openssl::rsa::Padding;
use openssl::sign::RsaPssSaltlen;
use serde::{Deserialize, Serialize};

use super::digest::DigestAlgorithm;
pub use super::eddsa::MAX_CONTEXT as MAX_EDDSA_CONTEXT;
use super::keys::{load_private, load_public};
use super::mac::MacAlgorithm;
pub use super::sign_stream::{SignContext, VerifyContext};
use crate::error::{Error, Result};
use crate::secret::ct_eq;

/// A signature or MAC scheme.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SignatureScheme {
    /// RSASSA-PKCS1-v1_5 (RFC 8017 §8.2). With a hash, the message is hashed
    /// and wrapped in a DigestInfo (`CKM_SHA256_RSA_PKCS`, ...); with `None`,
    /// the data is an already-encoded DigestInfo or other short string and is
    /// only padded (`CKM_RSA_PKCS`).
    RsaPkcs1v15 { hash: Option<DigestAlgorithm> },
    /// RSASSA-PKCS1-v1_5 over a digest computed by the caller: the data is
    /// the raw digest, and the DigestInfo for `hash` is added here.
    RsaPkcs1v15Prehashed { hash: DigestAlgorithm },
    /// RSASSA-PSS (RFC 8017 §8.1) with an explicit salt length. If
    /// `prehashed`, the data is the digest (`CKM_RSA_PKCS_PSS`); otherwise it
    /// is the message (`CKM_SHA256_RSA_PKCS_PSS`, ...).
    RsaPss {
        hash: DigestAlgorithm,
        mgf1: DigestAlgorithm,
        salt_len: usize,
        prehashed: bool,
    },
    /// Raw RSA (`CKM_RSA_X_509`): s = m^d mod n, m left-padded to the modulus.
    RsaRaw,
    /// ECDSA. With a hash the message is hashed (`CKM_ECDSA_SHA256`, ...);
    /// with `None` the data is the digest (`CKM_ECDSA`), truncated to the
    /// order's bit length as FIPS 186-5 §6.4.1 says.
    Ecdsa { hash: Option<DigestAlgorithm> },
    /// EdDSA (RFC 8032 §5.1 Ed25519, §5.2 Ed448), `CKM_EDDSA`. `prehash`
    /// selects HashEdDSA (Ed25519ph, Ed448ph); `context` is the context
    /// string C (at most 255 bytes). For Ed25519, `context: None` without
    /// prehash is pure Ed25519 and `Some(c)` is Ed25519ctx (even when `c` is
    /// empty); for Ed448, whose context is always present, `None` and
    /// `Some(vec![])` are the same. PureEdDSA goes through OpenSSL, the
    /// other variants through [`super::eddsa`] (OpenSSL 3.0 has no API
    /// for them).
    EdDsa {
        prehash: bool,
        context: Option<Vec<u8>>,
    },
    /// HMAC with the given hash; the key is a secret key.
    Hmac(DigestAlgorithm),
    /// AES-CMAC; the key is an AES key.
    CmacAes,
}

/// How ECDSA signatures are encoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EcdsaEncoding {
    /// r || s, each left-padded to the length of the group order (PKCS#11
    /// 3.0 Current Mechanisms §2.3.1).
    Raw,
    /// DER `Ecdsa-Sig-Value` SEQUENCE { r, s } (RFC 5480 §2.2.3, used by KMIP and X.509).
    Der,
}

/// The key a signature is made with.
#[derive(Clone, Copy, Debug)]
pub enum SigningKey<'a> {
    /// A private key as PKCS#8 DER, for the RSA, ECDSA and EdDSA schemes.
    Private(&'a [u8]),
    /// A secret key as raw bytes, for HMAC and CMAC.
    Secret(&'a [u8]),
}

/// The key a signature is checked with.
#[derive(Clone, Copy, Debug)]
pub enum VerifyingKey<'a> {
    /// A public key as SubjectPublicKeyInfo DER.
    Public(&'a [u8]),
    /// A secret key as raw bytes, for HMAC and CMAC.
    Secret(&'a [u8]),
}

impl SignatureScheme {
    pub(super) fn mac_algorithm(&self) -> Option<MacAlgorithm> {
        match self {
            SignatureScheme::Hmac(h) => Some(MacAlgorithm::Hmac(*h)),
            SignatureScheme::CmacAes => Some(MacAlgorithm::CmacAes),
            _ => None,
        }
    }

    /// The hash applied to the message inside a streaming context, for the
    /// schemes that hash the message themselves.
    pub(super) fn message_hash(&self) -> Option<DigestAlgorithm> {
        match self {
            SignatureScheme::RsaPkcs1v15 { hash: Some(h) }
            | SignatureScheme::Ecdsa { hash: Some(h) } => Some(*h),
            SignatureScheme::RsaPss {
                hash,
                prehashed: false,
                ..
            } => Some(*hash),
            _ => None,
        }
    }

    /// The key type the scheme needs.
    fn key_id(&self) -> Option<&'static [Id]> {
        match self {
            SignatureScheme::RsaPkcs1v15 { .. }
            | SignatureScheme::RsaPkcs1v15Prehashed { .. }
            | SignatureScheme::RsaPss { .. }
            | SignatureScheme::RsaRaw => Some(&[Id::RSA]),
            SignatureScheme::Ecdsa { .. } => Some(&[Id::EC]),
            SignatureScheme::EdDsa { .. } => Some(&[Id::ED25519, Id::ED448]),
            SignatureScheme::Hmac(_) | SignatureScheme::CmacAes => None,
        }
    }
}

pub(super) fn check_key_type<T>(key: &PKeyRef<T>, scheme: &SignatureScheme) -> Result<()> {
    match scheme.key_id() {
        Some(ids) if ids.contains(&key.id()) => Ok(()),
        _ => Err(Error::InvalidArgument(format!(
            "key type does not match signature scheme {scheme:?}"
        ))),
    }
}

/// The context of an EdDSA scheme that is not PureEdDSA (Ed25519ph,
/// Ed25519ctx, Ed448ph, Ed448 with a non-empty context), or None for the
/// PureEdDSA that OpenSSL computes.
fn eddsa_variant<'a, T>(
    key: &PKeyRef<T>,
    prehash: bool,
    context: &'a Option<Vec<u8>>,
) -> Option<&'a [u8]> {
    let ed448 = key.id() == Id::ED448;
    match context {
        _ if prehash => Some(context.as_deref().unwrap_or_default()),
        None => None,
        Some(c) if c.is_empty() && ed448 => None,
        Some(c) => Some(c),
    }
}

/// RSA: the digest length a prehashed scheme expects, and the PSS salt
/// bound (RFC 8017 §9.1.1: emLen ≥ hLen + sLen + 2).
pub(super) fn check_rsa_params<T: HasPublic>(
    key: &PKeyRef<T>,
    scheme: &SignatureScheme,
    data: Option<&[u8]>,
) -> Result<()> {
    let prehashed_hash = match scheme {
        SignatureScheme::RsaPkcs1v15Prehashed { hash } => Some(*hash),
        SignatureScheme::RsaPss {
            hash,
            prehashed: true,
            ..
        } => Some(*hash),
        _ => None,
    };
    if let (Some(hash), Some(data)) = (prehashed_hash, data) {
        if data.len() != hash.output_len() {
            return Err(Error::InvalidArgument(format!(
                "{} digest must be {} bytes, got {}",
                hash.name(),
                hash.output_len(),
                data.len()
            )));
        }
    }
    if let SignatureScheme::RsaPss { hash, salt_len, .. } = scheme {
        let em_len = (key.bits() as usize - 1).div_ceil(8);
        if hash.output_len() + salt_len + 2 > em_len {
            return Err(Error::InvalidArgument(format!(
                "PSS salt of {salt_len} bytes is too long for this key and {}",
                hash.name()
            )));
        }
    }
    Ok(())
}

/// Sets padding, signature hash, MGF1 hash and salt length on a context.
pub(super) fn configure_rsa<T>(
    pctx: &mut PkeyCtxRef<T>,
    scheme: &SignatureScheme,
    set_md: bool,
) -> Result<()> {
    match scheme {
        SignatureScheme::RsaPkcs1v15 { .. } => pctx.set_rsa_padding(Padding::PKCS1)?,
        SignatureScheme::RsaPkcs1v15Prehashed { hash } => {
            pctx.set_rsa_padding(Padding::PKCS1)?;
            if set_md {
                pctx.set_signature_md(hash.md_ref())?;
            }
        }
        SignatureScheme::RsaPss {
            hash,
            mgf1,
            salt_len,
            ..
        } => {
            pctx.set_rsa_padding(Padding::PKCS1_PSS)?;
            if set_md {
                pctx.set_signature_md(hash.md_ref())?;
            }
            pctx.set_rsa_mgf1_md(mgf1.md_ref())?;
            let salt = u32::try_from(*salt_len)
                .ok()
                .and_then(|s| i32::try_from(s).ok())
                .ok_or_else(|| Error::InvalidArgument("PSS salt length too large".into()))?;
            pctx.set_rsa_pss_saltlen(RsaPssSaltlen::custom(salt))?;
        }
        SignatureScheme::RsaRaw => pctx.set_rsa_padding(Padding::NONE)?,
        _ => {}
    }
    Ok(())
}

/// Byte length of the group order, the width of r and s in raw encoding.
fn ecdsa_width<T: HasPublic>(key: &PKeyRef<T>) -> Result<usize> {
    let ec = key.ec_key()?;
    Ok((ec.group().order_bits() as usize).div_ceil(8))
}

fn der_to_raw(der: &[u8], width: usize) -> Result<Vec<u8>> {
    let sig = EcdsaSig::from_der(der)?;
    let w = i32::try_from(width).map_err(|_| Error::Crypto("group order too large".into()))?;
    let mut out = sig.r().to_vec_padded(w)?;
    out.extend(sig.s().to_vec_padded(w)?);
    Ok(out)
}

fn raw_to_der(raw: &[u8], width: usize) -> Result<Vec<u8>> {
    if raw.len() != 2 * width {
        return Err(Error::VerificationFailed);
    }
    let r = openssl::bn::BigNum::from_slice(&raw[..width])?;
    let s = openssl::bn::BigNum::from_slice(&raw[width..])?;
    Ok(EcdsaSig::from_private_components(r, s)?.to_der()?)
}

/// Left-pads raw RSA input to the modulus length.
fn rsa_raw_input(k: usize, data: &[u8]) -> Result<Vec<u8>> {
    if data.len() > k {
        return Err(Error::InvalidArgument(format!(
            "raw RSA input of {} bytes is longer than the {k}-byte modulus",
            data.len()
        )));
    }
    let mut padded = vec![0u8; k - data.len()];
    padded.extend_from_slice(data);
    Ok(padded)
}

/// Signs with the schemes that take the data as it is (no streaming hash).
fn sign_direct(key: &PKey<Private>, scheme: &SignatureScheme, data: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    match scheme {
        SignatureScheme::EdDsa { .. } => {
            let mut ctx = MdCtx::new()?;
            ctx.digest_sign_init(None, key)?;
            ctx.digest_sign_to_vec(data, &mut out)?;
        }
        _ => {
            let input = match scheme {
                SignatureScheme::RsaRaw => rsa_raw_input(key.size(), data)?,
                _ => data.to_vec(),
            };
            let mut ctx = PkeyCtx::new(key)?;
            ctx.sign_init()?;
            configure_rsa(&mut ctx, scheme, true)?;
            ctx.sign_to_vec(&input, &mut out)
                .map_err(|e| match scheme {
                    SignatureScheme::RsaRaw => {
                        Error::InvalidArgument("raw RSA input is not below the modulus".into())
                    }
                    SignatureScheme::RsaPkcs1v15 { hash: None } => Error::InvalidArgument(
                        "data is too long for PKCS#1 v1.5 padding with this key".into(),
                    ),
                    _ => e.into(),
                })?;
        }
    }
    Ok(out)
}

fn verify_direct(
    key: &PKey<Public>,
    scheme: &SignatureScheme,
    data: &[u8],
    sig: &[u8],
) -> Result<()> {
    let ok = match scheme {
        SignatureScheme::EdDsa { .. } => {
            let mut ctx = MdCtx::new()?;
            ctx.digest_verify_init(None, key)?;
            ctx.digest_verify(data, sig).unwrap_or(false)
        }
        SignatureScheme::RsaRaw => {
            let k = key.size();
            let expected = rsa_raw_input(k, data)?;
            if sig.len() != k {
                return Err(Error::VerificationFailed);
            }
            let mut ctx = PkeyCtx::new(key)?;
            ctx.encrypt_init()?;
            ctx.set_rsa_padding(Padding::NONE)?;
            let mut recovered = Vec::new();
            ctx.encrypt_to_vec(sig, &mut recovered).is_ok() && ct_eq(&recovered, &expected)
        }
        _ => {
            let mut ctx = PkeyCtx::new(key)?;
            ctx.verify_init()?;
            configure_rsa(&mut ctx, scheme, true)?;
            ctx.verify(data, sig).unwrap_or(false)
        }
    };
    if ok {
        Ok(())
    } else {
        Err(Error::VerificationFailed)
    }
}

/// Signs `data` (PKCS#11 `C_Sign`, KMIP Sign / MAC).
///
/// `ecdsa_encoding` is used by ECDSA only.
pub fn sign(
    key: SigningKey<'_>,
    scheme: &SignatureScheme,
    data: &[u8],
    ecdsa_encoding: EcdsaEncoding,
) -> Result<Vec<u8>> {
    if scheme.mac_algorithm().is_some() {
        let mut ctx = SignContext::new(key, scheme, ecdsa_encoding)?;
        ctx.update(data)?;
        return ctx.finish();
    }
    sign_with_private_key(&private_key(key)?, scheme, data, ecdsa_encoding)
}

/// [`sign`] with a private key already decoded, for callers that keep a key
/// open across operations (no PKCS#8 decoding per signature). Not for the
/// MAC schemes, which take a secret key.
pub fn sign_with_private_key(
    pkey: &PKey<Private>,
    scheme: &SignatureScheme,
    data: &[u8],
    ecdsa_encoding: EcdsaEncoding,
) -> Result<Vec<u8>> {
    if scheme.message_hash().is_some() || scheme.mac_algorithm().is_some() {
        let mut ctx = SignContext::with_private_key(pkey, scheme, ecdsa_encoding)?;
        ctx.update(data)?;
        return ctx.finish();
    }
    check_key_type(pkey, scheme)?;
    match scheme {
        SignatureScheme::EdDsa { prehash, context } => {
            if let Some(c) = eddsa_variant(pkey, *prehash, context) {
                return super::eddsa::sign(pkey, *prehash, c, data);
            }
        }
        SignatureScheme::Ecdsa { .. } => {}
        _ => check_rsa_params(pkey, scheme, Some(data))?,
    }
    let sig = sign_direct(pkey, scheme, data)?;
    match scheme {
        SignatureScheme::Ecdsa { .. } => encode_ecdsa(pkey, sig, ecdsa_encoding),
        _ => Ok(sig),
    }
}

/// Checks `signature` over `data` (PKCS#11 `C_Verify`, KMIP Signature Verify
/// / MAC Verify). `Ok(())` if valid, `Err(VerificationFailed)` if not.
pub fn verify(
    key: VerifyingKey<'_>,
    scheme: &SignatureScheme,
    data: &[u8],
    signature: &[u8],
    ecdsa_encoding: EcdsaEncoding,
) -> Result<()> {
    if scheme.mac_algorithm().is_some() {
        let mut ctx = VerifyContext::new(key, scheme, ecdsa_encoding)?;
        ctx.update(data)?;
        return ctx.finish(signature);
    }
    verify_with_public_key(&public_key(key)?, scheme, data, signature, ecdsa_encoding)
}

/// [`verify`] with a public key already decoded. Not for the MAC schemes.
pub fn verify_with_public_key(
    pkey: &PKey<Public>,
    scheme: &SignatureScheme,
    data: &[u8],
    signature: &[u8],
    ecdsa_encoding: EcdsaEncoding,
) -> Result<()> {
    if scheme.message_hash().is_some() || scheme.mac_algorithm().is_some() {
        let mut ctx = VerifyContext::with_public_key(pkey, scheme, ecdsa_encoding)?;
        ctx.update(data)?;
        return ctx.finish(signature);
    }
    check_key_type(pkey, scheme)?;
    match scheme {
        SignatureScheme::EdDsa { prehash, context } => {
            if let Some(c) = eddsa_variant(pkey, *prehash, context) {
                return super::eddsa::verify(pkey, *prehash, c, data, signature);
            }
        }
        SignatureScheme::Ecdsa { .. } => {}
        _ => check_rsa_params(pkey, scheme, Some(data))?,
    }
    let sig = match scheme {
        SignatureScheme::Ecdsa { .. } => decode_ecdsa(pkey, signature, ecdsa_encoding)?,
        _ => signature.to_vec(),
    };
    verify_direct(pkey, scheme, data, &sig)
}

pub(super) fn private_key(key: SigningKey<'_>) -> Result<PKey<Private>> {
    match key {
        SigningKey::Private(pkcs8) => load_private(pkcs8),
        SigningKey::Secret(_) => Err(Error::InvalidArgument(
            "this signature scheme needs a private key, not a secret key".into(),
        )),
    }
}

pub(super) fn public_key(key: VerifyingKey<'_>) -> Result<PKey<Public>> {
    match key {
        VerifyingKey::Public(spki) => load_public(spki),
        VerifyingKey::Secret(_) => Err(Error::InvalidArgument(
            "this signature scheme needs a public key, not a secret key".into(),
        )),
    }
}

pub(super) fn encode_ecdsa<T: HasPublic>(
    key: &PKeyRef<T>,
    der: Vec<u8>,
    enc: EcdsaEncoding,
) -> Result<Vec<u8>> {
    match enc {
        EcdsaEncoding::Der => Ok(der),
        EcdsaEncoding::Raw => der_to_raw(&der, ecdsa_width(key)?),
    }
}

pub(super) fn decode_ecdsa<T: HasPublic>(
    key: &PKeyRef<T>,
    sig: &[u8],
    enc: EcdsaEncoding,
) -> Result<Vec<u8>> {
    match enc {
        EcdsaEncoding::Der => Ok(sig.to_vec()),
        EcdsaEncoding::Raw => raw_to_der(sig, ecdsa_width(key)?),
    }
}

#[cfg(test)]
#[path = "sign_tests.rs"]
mod tests;
