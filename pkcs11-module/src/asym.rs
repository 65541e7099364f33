//! Asymmetric keys and certificates as PKCS#11 sees them: the attributes
//! computed from the stored key (PKCS#11 3.0 Current Mechanisms §2.1.2–2.1.3
//! RSA, §2.3.3–2.3.4 EC, §2.3.5–2.3.8 Edwards and Montgomery; base §4.6
//! certificates), and keys built from a C_CreateObject template.
//!
//! The store keeps a public key as SubjectPublicKeyInfo DER and a private key
//! as PKCS#8 DER; every component attribute is derived from those on read.

use crate::attrs::{bbool, ulong, AttrOut, Obj, Template};
use crate::error::{fail, Error, Result};
use cryptoki_sys::*;
use keystore::crypto::generate::{Curve, KeyPairSpec};
use keystore::crypto::keys::{self, RawKeyKind, RsaPrivateComponents};
use keystore::{Algorithm, Attributes, ObjectType, SecretBytes};

/// The kind of an asymmetric key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Rsa,
    Ec(Curve),
    Raw(RawKeyKind),
}

impl Kind {
    /// The store's algorithm, length (bits) and curve of this kind.
    pub fn store_fields(self, rsa_bits: u32) -> (Algorithm, u32, Option<Curve>) {
        match self {
            Kind::Rsa => (Algorithm::Rsa, rsa_bits, None),
            Kind::Ec(c) => (Algorithm::Ec, c.bits(), Some(c)),
            Kind::Raw(RawKeyKind::Ed25519) => (Algorithm::Ed25519, 255, None),
            Kind::Raw(RawKeyKind::Ed448) => (Algorithm::Ed448, 448, None),
            Kind::Raw(RawKeyKind::X25519) => (Algorithm::X25519, 255, None),
            Kind::Raw(RawKeyKind::X448) => (Algorithm::X448, 448, None),
        }
    }

    /// The CKK_ of this kind.
    pub fn key_type(self) -> CK_KEY_TYPE {
        match self {
            Kind::Rsa => CKK_RSA,
            Kind::Ec(_) => CKK_EC,
            Kind::Raw(RawKeyKind::Ed25519 | RawKeyKind::Ed448) => CKK_EC_EDWARDS,
            Kind::Raw(RawKeyKind::X25519 | RawKeyKind::X448) => CKK_EC_MONTGOMERY,
        }
    }

    /// The generation spec of a non-RSA kind.
    pub fn spec(self) -> Option<KeyPairSpec> {
        Some(match self {
            Kind::Rsa => return None,
            Kind::Ec(c) => KeyPairSpec::Ec(c),
            Kind::Raw(RawKeyKind::Ed25519) => KeyPairSpec::Ed25519,
            Kind::Raw(RawKeyKind::Ed448) => KeyPairSpec::Ed448,
            Kind::Raw(RawKeyKind::X25519) => KeyPairSpec::X25519,
            Kind::Raw(RawKeyKind::X448) => KeyPairSpec::X448,
        })
    }
}

/// The kind of a stored public or private key; None for anything else,
/// including keys the KMIP server stored without a usable algorithm.
pub fn kind_of(a: &Attributes) -> Option<Kind> {
    if !matches!(
        a.object_type,
        ObjectType::PublicKey | ObjectType::PrivateKey
    ) {
        return None;
    }
    Some(match a.algorithm? {
        Algorithm::Rsa => Kind::Rsa,
        Algorithm::Ec => Kind::Ec(a.curve?),
        Algorithm::Ed25519 => Kind::Raw(RawKeyKind::Ed25519),
        Algorithm::Ed448 => Kind::Raw(RawKeyKind::Ed448),
        Algorithm::X25519 => Kind::Raw(RawKeyKind::X25519),
        Algorithm::X448 => Kind::Raw(RawKeyKind::X448),
        _ => return None,
    })
}

/// Whether an object is a public or private key this module cannot use
/// (a KMIP-side object without algorithm): searches skip it.
pub fn is_unusable_key(a: &Attributes) -> bool {
    matches!(
        a.object_type,
        ObjectType::PublicKey | ObjectType::PrivateKey
    ) && kind_of(a).is_none()
}

const OID_X25519: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x6e];
const OID_X448: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x6f];
const OID_ED25519: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
const OID_ED448: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x71];
/// OpenSC 0.23's `EC:edwards25519` (the GnuPG arc 1.3.6.1.4.1.11591.15.1).
const OID_ED25519_GNU: &[u8] = &[
    0x06, 0x09, 0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x0f, 0x01,
];
/// OpenSC 0.23's `EC:curve25519` (1.3.6.1.4.1.3029.1.5.1).
const OID_X25519_GNU: &[u8] = &[
    0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x97, 0x55, 0x01, 0x05, 0x01,
];

/// CKA_EC_PARAMS of a kind: the curve's OBJECT IDENTIFIER (DER).
pub fn ec_params(kind: Kind) -> Option<Vec<u8>> {
    Some(match kind {
        Kind::Rsa => return None,
        Kind::Ec(c) => c.oid_der().to_vec(),
        Kind::Raw(RawKeyKind::Ed25519) => OID_ED25519.to_vec(),
        Kind::Raw(RawKeyKind::Ed448) => OID_ED448.to_vec(),
        Kind::Raw(RawKeyKind::X25519) => OID_X25519.to_vec(),
        Kind::Raw(RawKeyKind::X448) => OID_X448.to_vec(),
    })
}

/// The kind named by CKA_EC_PARAMS: an OBJECT IDENTIFIER, or a
/// PrintableString curve name (the form SoftHSM and the cryptoki suite use
/// for "edwards25519", "curve25519", ...).
pub fn parse_ec_params(der: &[u8]) -> Result<Kind> {
    if let Some(c) = Curve::from_oid_der(der) {
        return Ok(Kind::Ec(c));
    }
    let raw = match der {
        OID_ED25519 | OID_ED25519_GNU => Some(RawKeyKind::Ed25519),
        OID_X25519_GNU => Some(RawKeyKind::X25519),
        OID_ED448 => Some(RawKeyKind::Ed448),
        OID_X25519 => Some(RawKeyKind::X25519),
        OID_X448 => Some(RawKeyKind::X448),
        [0x13, n, name @ ..] if *n as usize == name.len() => match name {
            b"edwards25519" => Some(RawKeyKind::Ed25519),
            b"edwards448" => Some(RawKeyKind::Ed448),
            b"curve25519" => Some(RawKeyKind::X25519),
            b"curve448" => Some(RawKeyKind::X448),
            b"prime256v1" | b"secp256r1" => return Ok(Kind::Ec(Curve::P256)),
            b"secp384r1" => return Ok(Kind::Ec(Curve::P384)),
            b"secp521r1" => return Ok(Kind::Ec(Curve::P521)),
            _ => None,
        },
        _ => None,
    };
    match raw {
        Some(r) => Ok(Kind::Raw(r)),
        None => fail(
            CKR_CURVE_NOT_SUPPORTED,
            "CKA_EC_PARAMS names no curve keybridge offers (P-256/384/521, Ed25519/448, X25519/448)",
        ),
    }
}

/// DER OCTET STRING of `b` (CKA_EC_POINT).
pub fn octet_string(b: &[u8]) -> Vec<u8> {
    let mut out = vec![0x04];
    let n = b.len();
    if n < 0x80 {
        out.push(n as u8);
    } else if n < 0x100 {
        out.extend_from_slice(&[0x81, n as u8]);
    } else {
        out.extend_from_slice(&[0x82, (n >> 8) as u8, n as u8]);
    }
    out.extend_from_slice(b);
    out
}

/// The content of a DER OCTET STRING, or `b` itself when its length is
/// already that of a raw value (`raw_len`): PKCS#11 says CKA_EC_POINT and
/// ECDH public data are DER, but many callers pass the raw point.
pub fn unwrap_octet_string(b: &[u8], raw_len: impl Fn(usize) -> bool) -> Vec<u8> {
    if raw_len(b.len()) {
        return b.to_vec();
    }
    let content = match b {
        [0x04, n, rest @ ..] if (*n as usize) < 0x80 && *n as usize == rest.len() => rest,
        [0x04, 0x81, n, rest @ ..] if *n as usize == rest.len() => rest,
        _ => return b.to_vec(),
    };
    content.to_vec()
}

/// A raw public point length for `kind`: 32/56/57 bytes for the raw kinds,
/// 1 + 2·field (uncompressed) or 1 + field (compressed) for prime curves.
fn is_raw_point_len(kind: Kind, n: usize) -> bool {
    match kind {
        Kind::Rsa => false,
        Kind::Ec(c) => n == 1 + 2 * c.field_len() || n == 1 + c.field_len(),
        Kind::Raw(r) => n == r.key_len(),
    }
}

/// The peer's public key from ECDH public data or CKA_EC_POINT bytes.
pub fn public_from_point(kind: Kind, point: &[u8]) -> Result<Vec<u8>> {
    let p = unwrap_octet_string(point, |n| is_raw_point_len(kind, n));
    match kind {
        Kind::Rsa => fail(CKR_KEY_TYPE_INCONSISTENT, "not an EC key"),
        Kind::Ec(c) => Ok(keys::ec_public_from_point(c, &p)?),
        Kind::Raw(r) => Ok(keys::public_from_raw(r, &p)?),
    }
}

/// The SubjectPublicKeyInfo of a key object (of the public half for a private key).
pub fn spki(o: &Obj) -> Result<Vec<u8>> {
    let v = o
        .value
        .as_ref()
        .ok_or_else(|| Error::rv(CKR_KEY_HANDLE_INVALID, "the key has no value"))?;
    match o.attrs.object_type {
        ObjectType::PublicKey => Ok(v.expose().to_vec()),
        ObjectType::PrivateKey => Ok(keys::public_from_private(v.expose())?),
        ObjectType::Certificate => cert::spki(v.expose()),
        _ => fail(CKR_KEY_TYPE_INCONSISTENT, "not an asymmetric key"),
    }
}

fn sensitive(a: &Attributes) -> bool {
    a.flags.sensitive || !a.flags.extractable
}

/// The RSA-specific attributes (Current Mechanisms §2.1.2–2.1.3).
fn rsa_attr(o: &Obj, ty: CK_ATTRIBUTE_TYPE) -> Option<AttrOut> {
    let private = o.attrs.object_type == ObjectType::PrivateKey;
    let public =
        || -> Option<(Vec<u8>, Vec<u8>)> { keys::rsa_public_components(&spki(o).ok()?).ok() };
    let secret = |f: fn(&RsaPrivateComponents) -> Vec<u8>| -> AttrOut {
        if sensitive(&o.attrs) {
            return AttrOut::Sensitive;
        }
        match o
            .value
            .as_ref()
            .and_then(|v| keys::rsa_private_components(v.expose()).ok())
        {
            Some(c) => AttrOut::Value(f(&c)),
            None => AttrOut::Sensitive,
        }
    };
    Some(match ty {
        CKA_MODULUS => AttrOut::Value(public()?.0),
        CKA_PUBLIC_EXPONENT => AttrOut::Value(public()?.1),
        CKA_MODULUS_BITS => {
            let n = public()?.0;
            let lead = n.first().map_or(0, |b| 8 - b.leading_zeros() as usize);
            let bits = n.len().saturating_sub(1) * 8 + lead;
            AttrOut::Value(ulong(bits as CK_ULONG))
        }
        CKA_PRIVATE_EXPONENT if private => secret(|c| c.private_exponent.expose().to_vec()),
        CKA_PRIME_1 if private => secret(|c| c.prime1.expose().to_vec()),
        CKA_PRIME_2 if private => secret(|c| c.prime2.expose().to_vec()),
        CKA_EXPONENT_1 if private => secret(|c| c.exponent1.expose().to_vec()),
        CKA_EXPONENT_2 if private => secret(|c| c.exponent2.expose().to_vec()),
        CKA_COEFFICIENT if private => secret(|c| c.coefficient.expose().to_vec()),
        CKA_VALUE => AttrOut::Invalid,
        _ => return None,
    })
}

/// The EC, Edwards and Montgomery attributes (Current Mechanisms §2.3).
fn ec_attr(o: &Obj, kind: Kind, ty: CK_ATTRIBUTE_TYPE) -> Option<AttrOut> {
    let private = o.attrs.object_type == ObjectType::PrivateKey;
    Some(match ty {
        CKA_EC_PARAMS => AttrOut::Value(ec_params(kind)?),
        CKA_EC_POINT => {
            let spki = spki(o).ok()?;
            let point = match kind {
                Kind::Ec(_) => keys::ec_public_point(&spki).ok()?,
                _ => keys::raw_public(&spki).ok()?,
            };
            AttrOut::Value(octet_string(&point))
        }
        CKA_VALUE if private => {
            if sensitive(&o.attrs) {
                return Some(AttrOut::Sensitive);
            }
            let v = o.value.as_ref()?;
            let r = match kind {
                Kind::Ec(_) => keys::ec_private_scalar(v.expose()),
                _ => keys::raw_private(v.expose()),
            };
            match r {
                Ok(s) => AttrOut::Value(s.expose().to_vec()),
                Err(_) => AttrOut::Sensitive,
            }
        }
        CKA_VALUE => AttrOut::Invalid,
        _ => return None,
    })
}

/// An attribute of an asymmetric key computed from its value; None if `ty`
/// is not one of them (the generic rules of [`crate::attrs::get`] apply).
pub fn get(o: &Obj, ty: CK_ATTRIBUTE_TYPE) -> Option<AttrOut> {
    if o.attrs.object_type == ObjectType::Certificate {
        return cert::get(o, ty);
    }
    let kind = kind_of(&o.attrs)?;
    let common = match ty {
        CKA_PUBLIC_KEY_INFO => Some(match spki(o) {
            Ok(v) => AttrOut::Value(v),
            Err(_) => AttrOut::Value(Vec::new()),
        }),
        CKA_SUBJECT => Some(AttrOut::Value(Vec::new())),
        CKA_SIGN_RECOVER if o.attrs.object_type == ObjectType::PrivateKey => {
            Some(AttrOut::Value(bbool(false)))
        }
        CKA_VERIFY_RECOVER if o.attrs.object_type == ObjectType::PublicKey => {
            Some(AttrOut::Value(bbool(false)))
        }
        _ => None,
    };
    if common.is_some() {
        return common;
    }
    match kind {
        Kind::Rsa => rsa_attr(o, ty),
        _ => ec_attr(o, kind, ty),
    }
}

/// Attributes holding key material or derived from it: given only when a
/// key is created from a template, never changed afterwards.
pub fn is_component(ty: CK_ATTRIBUTE_TYPE) -> bool {
    matches!(
        ty,
        CKA_MODULUS
            | CKA_MODULUS_BITS
            | CKA_PUBLIC_EXPONENT
            | CKA_PRIVATE_EXPONENT
            | CKA_PRIME_1
            | CKA_PRIME_2
            | CKA_EXPONENT_1
            | CKA_EXPONENT_2
            | CKA_COEFFICIENT
            | CKA_EC_PARAMS
            | CKA_EC_POINT
            | CKA_PUBLIC_KEY_INFO
            | CKA_CERTIFICATE_TYPE
    )
}

fn required<'a>(t: &'a Template, ty: CK_ATTRIBUTE_TYPE, what: &str) -> Result<&'a [u8]> {
    t.get(ty)
        .ok_or_else(|| Error::rv(CKR_TEMPLATE_INCOMPLETE, format!("{what} is required")))
}

fn bad_value(e: keystore::Error) -> Error {
    match e {
        keystore::Error::InvalidArgument(m) | keystore::Error::Unsupported(m) => {
            Error::rv(CKR_ATTRIBUTE_VALUE_INVALID, m)
        }
        e => e.into(),
    }
}

/// Builds the stored value of a public or private key from a
/// C_CreateObject template, and fills in algorithm, length and curve.
pub fn import(a: &mut Attributes, t: &Template) -> Result<SecretBytes> {
    let kt = t
        .ulong(CKA_KEY_TYPE)?
        .ok_or_else(|| Error::rv(CKR_TEMPLATE_INCOMPLETE, "CKA_KEY_TYPE is required"))?;
    let private = a.object_type == ObjectType::PrivateKey;
    let (kind, value) = match kt {
        CKK_RSA => {
            let n = required(t, CKA_MODULUS, "CKA_MODULUS")?;
            let e = required(t, CKA_PUBLIC_EXPONENT, "CKA_PUBLIC_EXPONENT")?;
            let v = if private {
                let s = |ty| SecretBytes::from_slice(t.get(ty).unwrap_or_default());
                let c = RsaPrivateComponents {
                    modulus: n.to_vec(),
                    public_exponent: e.to_vec(),
                    private_exponent: s(CKA_PRIVATE_EXPONENT),
                    prime1: s(CKA_PRIME_1),
                    prime2: s(CKA_PRIME_2),
                    exponent1: s(CKA_EXPONENT_1),
                    exponent2: s(CKA_EXPONENT_2),
                    coefficient: s(CKA_COEFFICIENT),
                };
                keys::rsa_private_from_components(&c).map_err(bad_value)?
            } else {
                SecretBytes::new(keys::rsa_public_from_components(n, e).map_err(bad_value)?)
            };
            (Kind::Rsa, v)
        }
        CKK_EC | CKK_EC_EDWARDS | CKK_EC_MONTGOMERY => {
            let kind = parse_ec_params(required(t, CKA_EC_PARAMS, "CKA_EC_PARAMS")?)?;
            if kind.key_type() != kt {
                return fail(
                    CKR_TEMPLATE_INCONSISTENT,
                    "CKA_EC_PARAMS does not fit CKA_KEY_TYPE",
                );
            }
            let v = if private {
                let d = required(t, CKA_VALUE, "CKA_VALUE")?;
                match kind {
                    Kind::Ec(c) => keys::ec_private_from_scalar(c, d),
                    Kind::Raw(r) => keys::private_from_raw(r, d),
                    Kind::Rsa => return fail(CKR_GENERAL_ERROR, "unreachable"),
                }
                .map_err(bad_value)?
            } else {
                let p = required(t, CKA_EC_POINT, "CKA_EC_POINT")?;
                SecretBytes::new(public_from_point(kind, p).map_err(|e| match e {
                    Error::Store(e) => bad_value(e),
                    e => e,
                })?)
            };
            (kind, v)
        }
        _ => {
            return fail(
                CKR_ATTRIBUTE_VALUE_INVALID,
                format!("key type {kt:#x} is not supported"),
            )
        }
    };
    let bits = match kind {
        Kind::Rsa => {
            let spki = if private {
                keys::public_from_private(value.expose())?
            } else {
                value.expose().to_vec()
            };
            let n = keys::rsa_public_components(&spki)?.0;
            let lead = n.first().map_or(0, |b| 8 - b.leading_zeros() as usize);
            (n.len().saturating_sub(1) * 8 + lead) as u32
        }
        _ => 0,
    };
    let (alg, len, curve) = kind.store_fields(bits);
    a.algorithm = Some(alg);
    a.length = Some(len);
    a.curve = curve;
    Ok(value)
}

/// X.509 certificates (PKCS#11 3.0 §4.6.3): the DER is the value; subject,
/// issuer and serial number are read from it.
pub mod cert {
    use super::*;
    use openssl::x509::X509;

    fn parse(der: &[u8]) -> Result<X509> {
        X509::from_der(der)
            .map_err(|_| Error::rv(CKR_ATTRIBUTE_VALUE_INVALID, "not an X.509 certificate"))
    }

    /// The certificate's public key as SubjectPublicKeyInfo DER.
    pub fn spki(der: &[u8]) -> Result<Vec<u8>> {
        parse(der)?
            .public_key()
            .and_then(|k| k.public_key_to_der())
            .map_err(|_| Error::rv(CKR_ATTRIBUTE_VALUE_INVALID, "certificate public key"))
    }

    /// DER INTEGER of big-endian magnitude `b`.
    fn der_integer(b: &[u8]) -> Vec<u8> {
        let start = b.iter().position(|&x| x != 0).unwrap_or(b.len());
        let mut content = b[start..].to_vec();
        if content.first().is_none_or(|&x| x & 0x80 != 0) {
            content.insert(0, 0);
        }
        let mut out = vec![0x02];
        let n = content.len();
        if n < 0x80 {
            out.push(n as u8);
        } else {
            out.extend_from_slice(&[0x81, n as u8]);
        }
        out.extend_from_slice(&content);
        out
    }

    /// (CKA_SUBJECT, CKA_ISSUER, CKA_SERIAL_NUMBER) of a certificate.
    pub fn names(der: &[u8]) -> Result<(Vec<u8>, Vec<u8>, Vec<u8>)> {
        let c = parse(der)?;
        let bad = |_| Error::rv(CKR_ATTRIBUTE_VALUE_INVALID, "certificate fields");
        let subject = c.subject_name().to_der().map_err(bad)?;
        let issuer = c.issuer_name().to_der().map_err(bad)?;
        let serial = c.serial_number().to_bn().map_err(bad)?.to_vec();
        Ok((subject, issuer, der_integer(&serial)))
    }

    /// Attributes of a certificate object not kept in `pkcs11_extra`.
    pub fn get(o: &Obj, ty: CK_ATTRIBUTE_TYPE) -> Option<AttrOut> {
        let der = o.value.as_ref().map(|v| v.expose()).unwrap_or_default();
        Some(match ty {
            CKA_CERTIFICATE_TYPE => AttrOut::Value(ulong(CKC_X_509)),
            CKA_CERTIFICATE_CATEGORY => AttrOut::Value(ulong(0)),
            CKA_TRUSTED => AttrOut::Value(bbool(o.attrs.flags.trusted)),
            CKA_ID => AttrOut::Value(o.attrs.key_id.clone().unwrap_or_default()),
            CKA_SUBJECT | CKA_ISSUER | CKA_SERIAL_NUMBER => {
                let (s, i, n) = names(der).ok()?;
                AttrOut::Value(match ty {
                    CKA_SUBJECT => s,
                    CKA_ISSUER => i,
                    _ => n,
                })
            }
            CKA_PUBLIC_KEY_INFO => AttrOut::Value(spki(der).unwrap_or_default()),
            CKA_START_DATE
            | CKA_END_DATE
            | CKA_URL
            | CKA_HASH_OF_SUBJECT_PUBLIC_KEY
            | CKA_HASH_OF_ISSUER_PUBLIC_KEY => AttrOut::Value(Vec::new()),
            CKA_JAVA_MIDP_SECURITY_DOMAIN => AttrOut::Value(ulong(0)),
            CKA_NAME_HASH_ALGORITHM => AttrOut::Value(ulong(CKM_SHA_1)),
            CKA_CHECK_VALUE => {
                let h = keystore::crypto::digest::digest(
                    keystore::crypto::digest::DigestAlgorithm::Sha1,
                    der,
                )
                .ok()?;
                AttrOut::Value(h[..3].to_vec())
            }
            _ => return None,
        })
    }

    /// Checks a C_CreateObject certificate template and returns the DER.
    pub fn import(t: &Template) -> Result<SecretBytes> {
        if let Some(ct) = t.ulong(CKA_CERTIFICATE_TYPE)? {
            if ct != CKC_X_509 {
                return fail(
                    CKR_ATTRIBUTE_VALUE_INVALID,
                    "only X.509 certificates (CKC_X_509)",
                );
            }
        }
        let der = super::required(t, CKA_VALUE, "CKA_VALUE")?;
        parse(der)?;
        Ok(SecretBytes::from_slice(der))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ec_params_by_oid_and_by_name() {
        for k in [
            Kind::Ec(Curve::P256),
            Kind::Ec(Curve::P521),
            Kind::Raw(RawKeyKind::Ed448),
            Kind::Raw(RawKeyKind::X25519),
        ] {
            assert_eq!(parse_ec_params(&ec_params(k).unwrap()).unwrap(), k);
        }
        let named = |s: &str| {
            let mut v = vec![0x13, s.len() as u8];
            v.extend_from_slice(s.as_bytes());
            parse_ec_params(&v).unwrap()
        };
        assert_eq!(named("edwards25519"), Kind::Raw(RawKeyKind::Ed25519));
        assert_eq!(named("curve448"), Kind::Raw(RawKeyKind::X448));
        assert_eq!(named("prime256v1"), Kind::Ec(Curve::P256));
        assert_eq!(
            parse_ec_params(OID_ED25519_GNU).unwrap(),
            Kind::Raw(RawKeyKind::Ed25519)
        );
        // secp256k1 is not offered.
        let k1 = [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a];
        assert_eq!(
            parse_ec_params(&k1).unwrap_err().code(),
            CKR_CURVE_NOT_SUPPORTED
        );
    }

    #[test]
    fn points_are_der_octet_strings_but_raw_is_accepted() {
        let raw = vec![0x04; 65];
        let der = octet_string(&raw);
        assert_eq!(&der[..2], &[0x04, 65]);
        let len65 = |n: usize| n == 65;
        assert_eq!(unwrap_octet_string(&der, len65), raw);
        assert_eq!(unwrap_octet_string(&raw, len65), raw);
        let big = vec![1u8; 133];
        assert_eq!(&octet_string(&big)[..3], &[0x04, 0x81, 133]);
        assert_eq!(unwrap_octet_string(&octet_string(&big), |_| false), big);
    }
}
