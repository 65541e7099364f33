//! Sign (KMIP 2.1 §6.1.51), Signature Verify (§6.1.53), MAC (§6.1.30) and
//! MAC Verify (§6.1.31): RSA PKCS#1 v1.5 and PSS, ECDSA (DER `Ecdsa-Sig-Value`
//! signatures, RFC 5480 §2.2.3), EdDSA, HMAC-SHA-1/2/3 and AES-CMAC; over Data
//! or (Sign, Signature Verify) Digested Data; single-shot or multi-part.

use super::crypto_common::{
    consume_usage, digest_algorithm, key_bytes, usable_key, CryptoParams, Stream,
};
use super::encrypt::key_algorithm;
use crate::dispatch::Ctx;
use crate::error::{Error, Result};
use crate::streams::StreamState;
use keystore::crypto::{
    DigestAlgorithm, EcdsaEncoding, SignContext, SignatureScheme, SigningKey, VerifyContext,
    VerifyingKey,
};
use keystore::lifecycle::Usage;
use keystore::object::{ObjectType, UsageMask};
use keystore::ManagedObject;
use kmip::enums::{
    block_cipher_mode as bcm, cryptographic_algorithm as ca, digital_signature_algorithm as dsa,
    operation as op, padding_method as pm, result_reason as rr, validity_indicator,
};
use kmip::{Tag, Ttlv};

/// Which of the four operations runs.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Sign,
    Verify,
    Mac,
    MacVerify,
}

impl Kind {
    fn operation(self) -> u32 {
        match self {
            Kind::Sign => op::Sign,
            Kind::Verify => op::SignatureVerify,
            Kind::Mac => op::MAC,
            Kind::MacVerify => op::MACVerify,
        }
    }
    fn name(self) -> &'static str {
        match self {
            Kind::Sign => "Sign",
            Kind::Verify => "Signature Verify",
            Kind::Mac => "MAC",
            Kind::MacVerify => "MAC Verify",
        }
    }
    fn usage(self) -> (Usage, u32) {
        match self {
            Kind::Sign => (Usage::Protect, UsageMask::SIGN),
            Kind::Verify => (Usage::Process, UsageMask::VERIFY),
            Kind::Mac => (Usage::Protect, UsageMask::MAC_GENERATE),
            Kind::MacVerify => (Usage::Process, UsageMask::MAC_VERIFY),
        }
    }
    fn verifies(self) -> bool {
        matches!(self, Kind::Verify | Kind::MacVerify)
    }
    /// Where the signature or MAC travels.
    fn output_tag(self) -> Tag {
        match self {
            Kind::Sign | Kind::Verify => Tag::SignatureData,
            Kind::Mac | Kind::MacVerify => Tag::MACData,
        }
    }
}

pub fn sign(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    run(ctx, payload, Kind::Sign)
}

pub fn signature_verify(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    run(ctx, payload, Kind::Verify)
}

pub fn mac(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    run(ctx, payload, Kind::Mac)
}

pub fn mac_verify(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    run(ctx, payload, Kind::MacVerify)
}

/// A signature that does not verify is a Validity Indicator of Invalid,
/// not an error (§6.1.53).
fn validity(r: keystore::Result<()>) -> Result<u32> {
    match r {
        Ok(()) => Ok(validity_indicator::Valid),
        Err(keystore::Error::VerificationFailed) => Ok(validity_indicator::Invalid),
        Err(e) => Err(Error::Store(e)),
    }
}

fn invalid_argument(e: keystore::Error) -> Error {
    match e {
        keystore::Error::InvalidArgument(m) => Error::kmip(rr::CryptographicFailure, m),
        other => Error::Store(other),
    }
}

fn run(ctx: &mut Ctx<'_>, payload: &Ttlv, kind: Kind) -> Result<Vec<Ttlv>> {
    let uid = ctx.uid(payload)?;
    let (usage, mask) = kind.usage();
    let obj = usable_key(ctx, &uid, usage, mask, kind.name())?;
    let Stream {
        init,
        last,
        correlation,
    } = Stream::of(payload)?;
    let digested = payload.opt_child_bytes(Tag::DigestedData)?;
    let data = match (payload.opt_child_bytes(Tag::Data)?, digested) {
        (Some(d), _) => d,
        (None, Some(d)) if correlation.is_none() && !init => d,
        _ => {
            return Err(Error::kmip(
                rr::MissingData,
                format!("{} needs Data or Digested Data", kind.name()),
            ))
        }
    };
    let given = payload.opt_child_bytes(kind.output_tag())?;
    if kind.verifies() && given.is_none() && (last || (!init && correlation.is_none())) {
        return Err(Error::kmip(
            rr::MissingData,
            format!("{} needs {}", kind.name(), kind.output_tag()),
        ));
    }
    consume_usage(ctx, &obj, data.len())?;
    let mut out = vec![Ttlv::text(Tag::UniqueIdentifier, uid.clone())];
    let key = key_bytes(&obj)?;

    if correlation.is_some() || init {
        let mut state = match correlation {
            Some(cv) => ctx.streams.take(cv, ctx.identity, &uid, kind.operation())?,
            None => {
                let params = CryptoParams::for_request(payload, Some(&obj))?;
                let scheme = scheme(&obj, &params, kind, false)?;
                start(&obj, key, &scheme, kind)?
            }
        };
        match &mut state {
            StreamState::Sign(s) => s.update(data).map_err(invalid_argument)?,
            StreamState::Verify(v) => v.update(data).map_err(invalid_argument)?,
            StreamState::Cipher { .. } | StreamState::Hash(_) | StreamState::Pkcs11 => {
                return Err(Error::kmip(
                    rr::InvalidCorrelationValue,
                    "Correlation Value names another kind of operation",
                ))
            }
        }
        if last {
            match state {
                StreamState::Sign(s) => {
                    let sig = s.finish().map_err(invalid_argument)?;
                    out.push(Ttlv::bytes(kind.output_tag(), sig));
                }
                StreamState::Verify(v) => {
                    let sig = given.unwrap_or_default();
                    let vi = validity(v.finish(sig))?;
                    out.push(Ttlv::enumeration(Tag::ValidityIndicator, vi));
                }
                StreamState::Cipher { .. } | StreamState::Hash(_) | StreamState::Pkcs11 => {}
            }
        } else {
            let cv = ctx.streams.put(
                correlation.map(<[u8]>::to_vec),
                ctx.identity,
                &uid,
                kind.operation(),
                state,
            )?;
            out.push(Ttlv::bytes(Tag::CorrelationValue, cv));
        }
        return Ok(out);
    }

    let params = CryptoParams::for_request(payload, Some(&obj))?;
    let prehashed = payload.find(Tag::Data).is_none();
    let scheme = scheme(&obj, &params, kind, prehashed)?;
    if kind.verifies() {
        let sig = given.unwrap_or_default();
        let vk = verifying_key(&obj, key)?;
        let check = |scheme: &SignatureScheme| {
            validity(keystore::crypto::verify(
                vk,
                scheme,
                data,
                sig,
                EcdsaEncoding::Der,
            ))
        };
        let mut vi = check(&scheme)?;
        // Without a Salt Length, a PSS signature made with the other usual
        // salt (the largest the key allows) is valid too (RFC 8017 §9.1).
        if let (validity_indicator::Invalid, None, Some(max)) =
            (vi, params.salt_length, max_pss_salt(&scheme, key))
        {
            if let SignatureScheme::RsaPss {
                hash,
                mgf1,
                prehashed,
                ..
            } = scheme
            {
                vi = check(&SignatureScheme::RsaPss {
                    hash,
                    mgf1,
                    salt_len: max,
                    prehashed,
                })?;
            }
        }
        out.push(Ttlv::enumeration(Tag::ValidityIndicator, vi));
    } else {
        let sk = signing_key(&obj, key)?;
        let sig = keystore::crypto::sign(sk, &scheme, data, EcdsaEncoding::Der)
            .map_err(invalid_argument)?;
        out.push(Ttlv::bytes(kind.output_tag(), sig));
    }
    Ok(out)
}

/// The largest PSS salt for this public key and hash (RFC 8017 §9.1.1).
fn max_pss_salt(scheme: &SignatureScheme, spki: &[u8]) -> Option<usize> {
    let SignatureScheme::RsaPss { hash, .. } = scheme else {
        return None;
    };
    match keystore::crypto::keys::describe_public(spki).ok()? {
        keystore::crypto::AsymmetricKind::Rsa { bits } => {
            let em_len = (bits as usize).checked_sub(1)?.div_ceil(8);
            em_len.checked_sub(hash.output_len() + 2)
        }
        _ => None,
    }
}

/// The MAC (with a MAC key) or signature (with a private key) of `data`,
/// with `params` as MAC or Sign would take them: the MAC/Signature of
/// MAC/sign key wrapping (KMIP 2.1 §2.1.5).
pub(super) fn mac_or_signature(
    obj: &ManagedObject,
    params: &CryptoParams,
    data: &[u8],
) -> Result<Vec<u8>> {
    let kind = if obj.attributes.object_type == ObjectType::PrivateKey {
        Kind::Sign
    } else {
        Kind::Mac
    };
    let key = key_bytes(obj)?;
    let scheme = scheme(obj, params, kind, false)?;
    match start(obj, key, &scheme, kind)? {
        StreamState::Sign(mut s) => {
            s.update(data).map_err(invalid_argument)?;
            s.finish().map_err(invalid_argument)
        }
        // start() gives a signing state for Sign and MAC.
        _ => Err(Error::kmip(
            rr::CryptographicFailure,
            "no signing state for MAC/sign key wrapping",
        )),
    }
}

fn start(
    obj: &ManagedObject,
    key: &[u8],
    scheme: &SignatureScheme,
    kind: Kind,
) -> Result<StreamState> {
    Ok(if kind.verifies() {
        StreamState::Verify(
            VerifyContext::new(verifying_key(obj, key)?, scheme, EcdsaEncoding::Der)
                .map_err(invalid_argument)?,
        )
    } else {
        StreamState::Sign(
            SignContext::new(signing_key(obj, key)?, scheme, EcdsaEncoding::Der)
                .map_err(invalid_argument)?,
        )
    })
}

fn signing_key<'k>(obj: &ManagedObject, key: &'k [u8]) -> Result<SigningKey<'k>> {
    match obj.attributes.object_type {
        ObjectType::PrivateKey => Ok(SigningKey::Private(key)),
        ObjectType::SymmetricKey | ObjectType::SecretData => Ok(SigningKey::Secret(key)),
        t => Err(Error::kmip(
            rr::InvalidObjectType,
            format!("cannot sign with a {t}"),
        )),
    }
}

fn verifying_key<'k>(obj: &ManagedObject, key: &'k [u8]) -> Result<VerifyingKey<'k>> {
    match obj.attributes.object_type {
        ObjectType::PublicKey => Ok(VerifyingKey::Public(key)),
        ObjectType::SymmetricKey | ObjectType::SecretData => Ok(VerifyingKey::Secret(key)),
        t => Err(Error::kmip(
            rr::InvalidObjectType,
            format!("cannot verify with a {t}"),
        )),
    }
}

fn hmac_hash(alg: u32) -> Option<DigestAlgorithm> {
    Some(match alg {
        ca::HMAC_SHA1 => DigestAlgorithm::Sha1,
        ca::HMAC_SHA224 => DigestAlgorithm::Sha224,
        ca::HMAC_SHA256 => DigestAlgorithm::Sha256,
        ca::HMAC_SHA384 => DigestAlgorithm::Sha384,
        ca::HMAC_SHA512 => DigestAlgorithm::Sha512,
        ca::HMAC_SHA3_224 => DigestAlgorithm::Sha3_224,
        ca::HMAC_SHA3_256 => DigestAlgorithm::Sha3_256,
        ca::HMAC_SHA3_384 => DigestAlgorithm::Sha3_384,
        ca::HMAC_SHA3_512 => DigestAlgorithm::Sha3_512,
        _ => return None,
    })
}

/// The Digital Signature Algorithm as (algorithm family, padding, hash).
fn from_dsa(v: u32) -> Result<(u32, u32, Option<DigestAlgorithm>)> {
    use DigestAlgorithm as D;
    Ok(match v {
        dsa::SHA_1WithRSAEncryption => (ca::RSA, pm::PKCS1v1_5, Some(D::Sha1)),
        dsa::SHA_224WithRSAEncryption => (ca::RSA, pm::PKCS1v1_5, Some(D::Sha224)),
        dsa::SHA_256WithRSAEncryption => (ca::RSA, pm::PKCS1v1_5, Some(D::Sha256)),
        dsa::SHA_384WithRSAEncryption => (ca::RSA, pm::PKCS1v1_5, Some(D::Sha384)),
        dsa::SHA_512WithRSAEncryption => (ca::RSA, pm::PKCS1v1_5, Some(D::Sha512)),
        dsa::SHA3_256WithRSAEncryption => (ca::RSA, pm::PKCS1v1_5, Some(D::Sha3_256)),
        dsa::SHA3_384WithRSAEncryption => (ca::RSA, pm::PKCS1v1_5, Some(D::Sha3_384)),
        dsa::SHA3_512WithRSAEncryption => (ca::RSA, pm::PKCS1v1_5, Some(D::Sha3_512)),
        dsa::RSASSA_PSS => (ca::RSA, pm::PSS, None),
        dsa::ECDSAWithSHA_1 => (ca::ECDSA, pm::None, Some(D::Sha1)),
        dsa::ECDSAWithSHA224 => (ca::ECDSA, pm::None, Some(D::Sha224)),
        dsa::ECDSAWithSHA256 => (ca::ECDSA, pm::None, Some(D::Sha256)),
        dsa::ECDSAWithSHA384 => (ca::ECDSA, pm::None, Some(D::Sha384)),
        dsa::ECDSAWithSHA512 => (ca::ECDSA, pm::None, Some(D::Sha512)),
        other => {
            return Err(Error::kmip(
                rr::CryptographicFailure,
                format!(
                    "Digital Signature Algorithm {} is not supported",
                    dsa::TABLE.name_of(other).unwrap_or("(unknown)")
                ),
            ))
        }
    })
}

/// The signature or MAC scheme from the key and the Cryptographic
/// Parameters. `prehashed`: the client sent Digested Data.
fn scheme(
    obj: &ManagedObject,
    p: &CryptoParams,
    kind: Kind,
    prehashed: bool,
) -> Result<SignatureScheme> {
    let key_alg = key_algorithm(obj);
    if matches!(kind, Kind::Mac | Kind::MacVerify) {
        let alg = p.cryptographic_algorithm.or(key_alg);
        if let Some(h) = alg.and_then(hmac_hash) {
            return Ok(SignatureScheme::Hmac(h));
        }
        if alg == Some(ca::AES) || p.block_cipher_mode == Some(bcm::CMAC) {
            return Ok(SignatureScheme::CmacAes);
        }
        if let Some(h) = p.hashing_algorithm {
            return Ok(SignatureScheme::Hmac(digest_algorithm(h)?));
        }
        return Err(Error::kmip(
            rr::CryptographicFailure,
            "no MAC algorithm: the key is neither an HMAC nor an AES key",
        ));
    }
    let (family, padding, dsa_hash) = match p.digital_signature_algorithm {
        Some(v) => from_dsa(v)?,
        None => (
            match key_alg {
                Some(ca::EC | ca::ECDH) => ca::ECDSA,
                Some(a) => a,
                None => p.cryptographic_algorithm.unwrap_or(ca::RSA),
            },
            p.padding_method.unwrap_or(pm::PKCS1v1_5),
            None,
        ),
    };
    let hash = match dsa_hash {
        Some(h) => Some(h),
        None => p.hashing_algorithm.map(digest_algorithm).transpose()?,
    };
    let need_hash = || {
        hash.ok_or_else(|| {
            Error::kmip(
                rr::CryptographicFailure,
                "no Hashing Algorithm for the signature",
            )
        })
    };
    Ok(match family {
        ca::RSA => match padding {
            pm::PSS => {
                let h = need_hash()?;
                let mgf1 = p
                    .mask_generator_hashing_algorithm
                    .map(digest_algorithm)
                    .transpose()?
                    .unwrap_or(h);
                let salt = match p.salt_length {
                    Some(s) => usize::try_from(s)
                        .map_err(|_| Error::invalid("Salt Length must not be negative"))?,
                    None => h.output_len(),
                };
                SignatureScheme::RsaPss {
                    hash: h,
                    mgf1,
                    salt_len: salt,
                    prehashed,
                }
            }
            pm::PKCS1v1_5 if prehashed => {
                SignatureScheme::RsaPkcs1v15Prehashed { hash: need_hash()? }
            }
            pm::PKCS1v1_5 => SignatureScheme::RsaPkcs1v15 {
                hash: Some(need_hash()?),
            },
            other => {
                return Err(Error::kmip(
                    rr::CryptographicFailure,
                    format!(
                        "Padding Method {} is not supported for RSA signatures",
                        pm::TABLE.name_of(other).unwrap_or("(unknown)")
                    ),
                ))
            }
        },
        ca::ECDSA | ca::EC => SignatureScheme::Ecdsa {
            hash: if prehashed { None } else { Some(need_hash()?) },
        },
        ca::Ed25519 | ca::Ed448 => SignatureScheme::EdDsa {
            prehash: false,
            context: None,
        },
        other => {
            return Err(Error::kmip(
                rr::CryptographicFailure,
                format!(
                    "Cryptographic Algorithm {} cannot sign",
                    ca::TABLE.name_of(other).unwrap_or("(unknown)")
                ),
            ))
        }
    })
}
