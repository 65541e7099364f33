//! Inspection and conversion of asymmetric keys.
//!
//! keybridge stores private keys as PKCS#8 DER and public keys as
//! SubjectPublicKeyInfo DER; PKCS#11 (`CKA_MODULUS`, `CKA_EC_POINT`,
//! `CKA_VALUE`, ... — PKCS#11 3.0 §2.1–2.3) and KMIP Transparent key formats
//! (KMIP 2.1 §2.1.7) want the components. This module converts both ways.
//! Every imported key is checked for consistency by OpenSSL before it is
//! re-encoded.

use openssl::bn::{BigNum, BigNumContext, BigNumRef};
use openssl::ec::{EcKey, EcPoint, PointConversionForm};
use openssl::pkey::{HasPublic, Id, PKey, PKeyRef, Private, Public};
use openssl::rsa::{Rsa, RsaPrivateKeyBuilder};
use serde::{Deserialize, Serialize};

use super::generate::{rsa_exponent, Curve};
use crate::error::{Error, Result};
use crate::secret::SecretBytes;

/// What an asymmetric key is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AsymmetricKind {
    /// RSA with a modulus of `bits` bits.
    Rsa {
        bits: u32,
    },
    /// EC key on a NIST prime curve.
    Ec(Curve),
    Ed25519,
    Ed448,
    X25519,
    X448,
}

/// The key types whose keys are plain byte strings (RFC 8032, RFC 7748).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RawKeyKind {
    Ed25519,
    Ed448,
    X25519,
    X448,
}

impl RawKeyKind {
    /// Length of the public key in bytes (and of the private key: the same,
    /// since both are encodings of a field element or a seed).
    pub fn key_len(self) -> usize {
        match self {
            RawKeyKind::Ed25519 | RawKeyKind::X25519 => 32,
            RawKeyKind::Ed448 => 57,
            RawKeyKind::X448 => 56,
        }
    }

    fn id(self) -> Id {
        match self {
            RawKeyKind::Ed25519 => Id::ED25519,
            RawKeyKind::Ed448 => Id::ED448,
            RawKeyKind::X25519 => Id::X25519,
            RawKeyKind::X448 => Id::X448,
        }
    }
}

impl From<RawKeyKind> for AsymmetricKind {
    fn from(k: RawKeyKind) -> Self {
        match k {
            RawKeyKind::Ed25519 => AsymmetricKind::Ed25519,
            RawKeyKind::Ed448 => AsymmetricKind::Ed448,
            RawKeyKind::X25519 => AsymmetricKind::X25519,
            RawKeyKind::X448 => AsymmetricKind::X448,
        }
    }
}

impl AsymmetricKind {
    /// The raw-key kind, for Edwards and Montgomery keys.
    pub fn raw_kind(self) -> Option<RawKeyKind> {
        match self {
            AsymmetricKind::Ed25519 => Some(RawKeyKind::Ed25519),
            AsymmetricKind::Ed448 => Some(RawKeyKind::Ed448),
            AsymmetricKind::X25519 => Some(RawKeyKind::X25519),
            AsymmetricKind::X448 => Some(RawKeyKind::X448),
            AsymmetricKind::Rsa { .. } | AsymmetricKind::Ec(_) => None,
        }
    }
}

/// The components of an RSA private key, big-endian without leading zeros,
/// named as in RFC 8017 §A.1.2 (PKCS#11 `CKA_PRIME_1`, `CKA_EXPONENT_1`, ...).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RsaPrivateComponents {
    pub modulus: Vec<u8>,
    pub public_exponent: Vec<u8>,
    pub private_exponent: SecretBytes,
    pub prime1: SecretBytes,
    pub prime2: SecretBytes,
    /// d mod (p-1). May be left empty on import: it is then computed.
    pub exponent1: SecretBytes,
    /// d mod (q-1). May be left empty on import: it is then computed.
    pub exponent2: SecretBytes,
    /// q^-1 mod p. May be left empty on import: it is then computed.
    pub coefficient: SecretBytes,
}

/// Sizes of RSA moduli accepted on import. Smaller than the generation
/// range so that legacy 1024-bit public keys can still verify old signatures.
const RSA_IMPORT_MIN_BITS: i32 = 1024;
const RSA_IMPORT_MAX_BITS: i32 = 16384;

/// Decodes a PKCS#8 private key.
pub(crate) fn load_private(pkcs8: &[u8]) -> Result<PKey<Private>> {
    PKey::private_key_from_pkcs8(pkcs8)
        .map_err(|_| Error::InvalidArgument("private key is not valid PKCS#8 DER".into()))
}

/// Decodes a SubjectPublicKeyInfo public key.
pub(crate) fn load_public(spki: &[u8]) -> Result<PKey<Public>> {
    PKey::public_key_from_der(spki).map_err(|_| {
        Error::InvalidArgument("public key is not valid SubjectPublicKeyInfo DER".into())
    })
}

/// Classifies a decoded key.
pub(crate) fn kind_of<T: HasPublic>(pkey: &PKeyRef<T>) -> Result<AsymmetricKind> {
    match pkey.id() {
        Id::RSA => Ok(AsymmetricKind::Rsa { bits: pkey.bits() }),
        Id::EC => {
            let ec = pkey.ec_key()?;
            ec.group()
                .curve_name()
                .and_then(Curve::from_nid)
                .map(AsymmetricKind::Ec)
                .ok_or_else(|| {
                    Error::Unsupported("EC key on a curve other than P-256/384/521".into())
                })
        }
        Id::ED25519 => Ok(AsymmetricKind::Ed25519),
        Id::ED448 => Ok(AsymmetricKind::Ed448),
        Id::X25519 => Ok(AsymmetricKind::X25519),
        Id::X448 => Ok(AsymmetricKind::X448),
        other => Err(Error::Unsupported(format!(
            "asymmetric key type with OpenSSL id {}",
            other.as_raw()
        ))),
    }
}

/// A secret integer in a BIGNUM whose memory OpenSSL wipes when freed.
pub(crate) fn secret_bn(bytes: &[u8]) -> Result<BigNum> {
    let mut bn = BigNum::new_secure()?;
    bn.copy_from_slice(bytes)?;
    Ok(bn)
}

fn secret_vec(bn: &BigNumRef) -> SecretBytes {
    SecretBytes::new(bn.to_vec())
}

fn pkcs8_of(pkey: &PKeyRef<Private>) -> Result<SecretBytes> {
    Ok(SecretBytes::new(pkey.private_key_to_pkcs8()?))
}

/// The SubjectPublicKeyInfo of the public half of a PKCS#8 private key.
pub fn public_from_private(pkcs8: &[u8]) -> Result<Vec<u8>> {
    let key = load_private(pkcs8)?;
    kind_of(&key)?;
    Ok(key.public_key_to_der()?)
}

/// What a SubjectPublicKeyInfo holds.
pub fn describe_public(spki: &[u8]) -> Result<AsymmetricKind> {
    let key = load_public(spki)?;
    kind_of(&key)
}

/// What a PKCS#8 private key holds.
pub fn describe_private(pkcs8: &[u8]) -> Result<AsymmetricKind> {
    let key = load_private(pkcs8)?;
    kind_of(&key)
}

fn rsa_public(spki: &[u8]) -> Result<Rsa<Public>> {
    let key = load_public(spki)?;
    if key.id() != Id::RSA {
        return Err(Error::InvalidArgument("not an RSA public key".into()));
    }
    Ok(key.rsa()?)
}

fn rsa_private(pkcs8: &[u8]) -> Result<Rsa<Private>> {
    let key = load_private(pkcs8)?;
    if key.id() != Id::RSA {
        return Err(Error::InvalidArgument("not an RSA private key".into()));
    }
    Ok(key.rsa()?)
}

/// Modulus and public exponent of an RSA public key, big-endian
/// (`CKA_MODULUS`, `CKA_PUBLIC_EXPONENT`).
pub fn rsa_public_components(spki: &[u8]) -> Result<(Vec<u8>, Vec<u8>)> {
    let rsa = rsa_public(spki)?;
    Ok((rsa.n().to_vec(), rsa.e().to_vec()))
}

/// All components of an RSA private key.
pub fn rsa_private_components(pkcs8: &[u8]) -> Result<RsaPrivateComponents> {
    let rsa = rsa_private(pkcs8)?;
    let missing = || Error::Unsupported("RSA private key without CRT components".into());
    Ok(RsaPrivateComponents {
        modulus: rsa.n().to_vec(),
        public_exponent: rsa.e().to_vec(),
        private_exponent: secret_vec(rsa.d()),
        prime1: secret_vec(rsa.p().ok_or_else(missing)?),
        prime2: secret_vec(rsa.q().ok_or_else(missing)?),
        exponent1: secret_vec(rsa.dmp1().ok_or_else(missing)?),
        exponent2: secret_vec(rsa.dmq1().ok_or_else(missing)?),
        coefficient: secret_vec(rsa.iqmp().ok_or_else(missing)?),
    })
}

fn check_modulus(n: &BigNum) -> Result<()> {
    let bits = n.num_bits();
    if !(RSA_IMPORT_MIN_BITS..=RSA_IMPORT_MAX_BITS).contains(&bits) || !n.is_odd() {
        return Err(Error::InvalidArgument(format!(
            "RSA modulus must be odd and of {RSA_IMPORT_MIN_BITS} to {RSA_IMPORT_MAX_BITS} bits"
        )));
    }
    Ok(())
}

/// Builds an RSA public key (SubjectPublicKeyInfo) from modulus and exponent.
pub fn rsa_public_from_components(modulus: &[u8], public_exponent: &[u8]) -> Result<Vec<u8>> {
    let n = BigNum::from_slice(modulus)?;
    check_modulus(&n)?;
    let e = rsa_exponent(public_exponent)?;
    if e.ucmp(&n) != std::cmp::Ordering::Less {
        return Err(Error::InvalidArgument(
            "RSA public exponent must be below the modulus".into(),
        ));
    }
    let key = PKey::from_rsa(Rsa::from_public_components(n, e)?)?;
    Ok(key.public_key_to_der()?)
}

/// Builds an RSA private key (PKCS#8) from its components. The primes are
/// required; the CRT values, if left empty, are computed from d, p and q.
/// The result is checked with `RSA_check_key` (p·q = n, d·e ≡ 1, ...).
pub fn rsa_private_from_components(c: &RsaPrivateComponents) -> Result<SecretBytes> {
    let n = BigNum::from_slice(&c.modulus)?;
    check_modulus(&n)?;
    let e = rsa_exponent(&c.public_exponent)?;
    if c.prime1.is_empty() || c.prime2.is_empty() || c.private_exponent.is_empty() {
        return Err(Error::Unsupported(
            "RSA private key import needs the private exponent and both primes".into(),
        ));
    }
    let d = secret_bn(c.private_exponent.expose())?;
    let p = secret_bn(c.prime1.expose())?;
    let q = secret_bn(c.prime2.expose())?;
    let (dp, dq, qinv) =
        if c.exponent1.is_empty() || c.exponent2.is_empty() || c.coefficient.is_empty() {
            let mut ctx = BigNumContext::new_secure()?;
            let one = BigNum::from_u32(1)?;
            let mut p1 = BigNum::new_secure()?;
            p1.checked_sub(&p, &one)?;
            let mut q1 = BigNum::new_secure()?;
            q1.checked_sub(&q, &one)?;
            let mut dp = BigNum::new_secure()?;
            dp.nnmod(&d, &p1, &mut ctx)?;
            let mut dq = BigNum::new_secure()?;
            dq.nnmod(&d, &q1, &mut ctx)?;
            let mut qinv = BigNum::new_secure()?;
            qinv.mod_inverse(&q, &p, &mut ctx).map_err(|_| {
                Error::InvalidArgument("RSA private key components are inconsistent".into())
            })?;
            (dp, dq, qinv)
        } else {
            (
                secret_bn(c.exponent1.expose())?,
                secret_bn(c.exponent2.expose())?,
                secret_bn(c.coefficient.expose())?,
            )
        };
    let rsa = RsaPrivateKeyBuilder::new(n, e, d)?
        .set_factors(p, q)?
        .set_crt_params(dp, dq, qinv)?
        .build();
    if !rsa.check_key().unwrap_or(false) {
        return Err(Error::InvalidArgument(
            "RSA private key components are inconsistent".into(),
        ));
    }
    let key = PKey::from_rsa(rsa)?;
    pkcs8_of(&key)
}

fn ec_curve<T: HasPublic>(key: &PKeyRef<T>) -> Result<(Curve, EcKey<T>)> {
    if key.id() != Id::EC {
        return Err(Error::InvalidArgument("not an EC key".into()));
    }
    match kind_of(key)? {
        AsymmetricKind::Ec(curve) => Ok((curve, key.ec_key()?)),
        _ => Err(Error::InvalidArgument("not an EC key".into())),
    }
}

/// The public point of an EC key in uncompressed form 04||X||Y
/// (SEC 1 §2.3.3; the content of the `CKA_EC_POINT` OCTET STRING).
pub fn ec_public_point(spki: &[u8]) -> Result<Vec<u8>> {
    let key = load_public(spki)?;
    let (_, ec) = ec_curve(&key)?;
    let mut ctx = BigNumContext::new()?;
    Ok(ec
        .public_key()
        .to_bytes(ec.group(), PointConversionForm::UNCOMPRESSED, &mut ctx)?)
}

/// Builds an EC public key from a point encoding (uncompressed or compressed,
/// SEC 1 §2.3.4). The point must be on the curve and not the identity.
pub fn ec_public_from_point(curve: Curve, point: &[u8]) -> Result<Vec<u8>> {
    let group = curve.group()?;
    let mut ctx = BigNumContext::new()?;
    let invalid = || Error::InvalidArgument(format!("not a valid point on {}", curve.name()));
    let pt = EcPoint::from_bytes(&group, point, &mut ctx).map_err(|_| invalid())?;
    let ec = EcKey::from_public_key(&group, &pt)?;
    ec.check_key().map_err(|_| invalid())?;
    Ok(PKey::from_ec_key(ec)?.public_key_to_der()?)
}

/// The private scalar of an EC key, big-endian, left-padded to the field
/// length (`CKA_VALUE` of a `CKK_EC` private key).
pub fn ec_private_scalar(pkcs8: &[u8]) -> Result<SecretBytes> {
    let key = load_private(pkcs8)?;
    let (curve, ec) = ec_curve(&key)?;
    // field_len is at most 66, so the cast cannot truncate.
    Ok(SecretBytes::new(
        ec.private_key().to_vec_padded(curve.field_len() as i32)?,
    ))
}

/// Builds an EC private key (PKCS#8, public point included) from its scalar.
/// The scalar must lie in [1, n-1].
pub fn ec_private_from_scalar(curve: Curve, scalar: &[u8]) -> Result<SecretBytes> {
    let group = curve.group()?;
    let mut ctx = BigNumContext::new_secure()?;
    let out_of_range =
        || Error::InvalidArgument(format!("private scalar out of range for {}", curve.name()));
    if scalar.len() > curve.field_len() {
        return Err(out_of_range());
    }
    let d = secret_bn(scalar)?;
    let mut order = BigNum::new()?;
    group.order(&mut order, &mut ctx)?;
    if d.num_bits() == 0 || d.ucmp(&order) != std::cmp::Ordering::Less {
        return Err(out_of_range());
    }
    let mut public = EcPoint::new(&group)?;
    public.mul_generator2(&group, &d, &mut ctx)?;
    let ec = EcKey::from_private_components(&group, &d, &public)?;
    ec.check_key().map_err(|_| out_of_range())?;
    let key = PKey::from_ec_key(ec)?;
    pkcs8_of(&key)
}

fn raw_kind_of<T: HasPublic>(key: &PKeyRef<T>) -> Result<RawKeyKind> {
    kind_of(key)?
        .raw_kind()
        .ok_or_else(|| Error::InvalidArgument("not an Ed25519/Ed448/X25519/X448 key".into()))
}

fn check_raw_len(kind: RawKeyKind, bytes: &[u8]) -> Result<()> {
    if bytes.len() != kind.key_len() {
        return Err(Error::InvalidArgument(format!(
            "{kind:?} key must be {} bytes, got {}",
            kind.key_len(),
            bytes.len()
        )));
    }
    Ok(())
}

/// The raw public key of an Ed25519/Ed448/X25519/X448 key (RFC 8032 §5.1.5,
/// RFC 7748 §5): the `CKA_EC_POINT` content for `CKK_EC_EDWARDS` /
/// `CKK_EC_MONTGOMERY`.
pub fn raw_public(spki: &[u8]) -> Result<Vec<u8>> {
    let key = load_public(spki)?;
    raw_kind_of(&key)?;
    Ok(key.raw_public_key()?)
}

/// Builds a SubjectPublicKeyInfo from a raw Ed/X public key.
pub fn public_from_raw(kind: RawKeyKind, bytes: &[u8]) -> Result<Vec<u8>> {
    check_raw_len(kind, bytes)?;
    let key = PKey::public_key_from_raw_bytes(bytes, kind.id())
        .map_err(|_| Error::InvalidArgument(format!("not a valid {kind:?} public key")))?;
    Ok(key.public_key_to_der()?)
}

/// The raw private key (the seed, RFC 8032 §5.1.5 / the scalar, RFC 7748 §5)
/// of an Ed25519/Ed448/X25519/X448 key.
pub fn raw_private(pkcs8: &[u8]) -> Result<SecretBytes> {
    let key = load_private(pkcs8)?;
    raw_kind_of(&key)?;
    Ok(SecretBytes::new(key.raw_private_key()?))
}

/// Builds a PKCS#8 private key from a raw Ed/X private key.
pub fn private_from_raw(kind: RawKeyKind, bytes: &[u8]) -> Result<SecretBytes> {
    check_raw_len(kind, bytes)?;
    let key = PKey::private_key_from_raw_bytes(bytes, kind.id())
        .map_err(|_| Error::InvalidArgument(format!("not a valid {kind:?} private key")))?;
    pkcs8_of(&key)
}

#[cfg(test)]
#[path = "keys_tests.rs"]
mod tests;
