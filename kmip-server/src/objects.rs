//! Managed object values ↔ KMIP Key Blocks and object structures
//! (KMIP 2.1 §2.1.3 Key Block, §2.1.7 Transparent Key Structures, §2.2).
//!
//! The store keeps one canonical form per class (raw bytes for secret keys
//! and secret data, PKCS#8 for private keys, SubjectPublicKeyInfo for public
//! keys, DER for certificates), which the PKCS#11 module reads too. Register
//! converts whatever format a client sends into that form and remembers the
//! format, so Get without a Key Format Type answers in the client's format.
//! Keys of algorithms keybridge cannot use (DSA, DH, ...) are kept as the
//! client's Key Material verbatim and returned only in their own format.

use crate::attributes::{meta, set_meta};
use crate::error::{Error, Result};
use keystore::crypto::keys::{self, RsaPrivateComponents};
use keystore::crypto::Curve;
use keystore::object::{AttributeValue, ObjectType};
use keystore::{Algorithm, Attributes, ManagedObject, SecretBytes};
use kmip::enums::{key_format_type as kft, recommended_curve as rc, result_reason as rr};
use kmip::{Tag, Ttlv, Value};
use openssl::pkey::PKey;
use openssl::rsa::Rsa;

/// Bookkeeping name: the Key Format Type the client registered.
const FORMAT: &str = "key-format";
/// Bookkeeping name: the value is the client's Key Material, encoded TTLV.
const VERBATIM: &str = "verbatim-key-material";

pub fn curve_to_kmip(c: Curve) -> u32 {
    match c {
        Curve::P256 => rc::P_256,
        Curve::P384 => rc::P_384,
        Curve::P521 => rc::P_521,
    }
}

pub fn curve_from_kmip(v: u32) -> Option<Curve> {
    match v {
        rc::P_256 => Some(Curve::P256),
        rc::P_384 => Some(Curve::P384),
        rc::P_521 => Some(Curve::P521),
        _ => None,
    }
}

/// Whether the value is the client's Key Material kept verbatim (an
/// algorithm or format keybridge cannot use for cryptography).
pub fn is_verbatim(a: &Attributes) -> bool {
    meta(a, VERBATIM).is_some()
}

fn is_rsa(a: &Attributes) -> bool {
    a.algorithm == Some(Algorithm::Rsa)
}

/// The format Get answers in when the client names none.
pub fn default_format(obj: &ManagedObject) -> Option<u32> {
    let a = &obj.attributes;
    if let Some(AttributeValue::Enumeration(f)) = meta(a, FORMAT) {
        return Some(f);
    }
    Some(match a.object_type {
        ObjectType::SymmetricKey | ObjectType::SecretData => kft::Raw,
        ObjectType::PrivateKey if is_rsa(a) => kft::PKCS_1,
        ObjectType::PrivateKey => kft::PKCS_8,
        ObjectType::PublicKey if is_rsa(a) => kft::PKCS_1,
        ObjectType::PublicKey => kft::X_509,
        ObjectType::Certificate | ObjectType::OpaqueObject | ObjectType::Template => return None,
    })
}

fn crypto(e: keystore::Error) -> Error {
    Error::Store(e)
}

fn rsa_pub_pkcs1_to_spki(der: &[u8]) -> Result<Vec<u8>> {
    let rsa = Rsa::public_key_from_der_pkcs1(der)
        .map_err(|_| Error::invalid("public key is not a PKCS#1 RSAPublicKey"))?;
    Ok(PKey::from_rsa(rsa)?.public_key_to_der()?)
}

fn rsa_priv_pkcs1_to_pkcs8(der: &[u8]) -> Result<SecretBytes> {
    let rsa = Rsa::private_key_from_der(der)
        .map_err(|_| Error::invalid("private key is not a PKCS#1 RSAPrivateKey"))?;
    let pkey = PKey::from_rsa(rsa)?;
    Ok(SecretBytes::new(pkey.private_key_to_pkcs8()?))
}

fn unsigned(b: &[u8]) -> Vec<u8> {
    let start = b.iter().position(|x| *x != 0).unwrap_or(b.len());
    b[start..].to_vec()
}

fn big(t: &Ttlv, tag: Tag) -> Result<Vec<u8>> {
    Ok(unsigned(t.child_big_integer(tag)?))
}

fn opt_big(t: &Ttlv, tag: Tag) -> Result<SecretBytes> {
    Ok(SecretBytes::new(
        t.opt_child_big_integer(tag)?
            .map(unsigned)
            .unwrap_or_default(),
    ))
}

/// BigInteger bytes with a leading zero when the top bit is set (positive).
fn positive(b: &[u8]) -> Vec<u8> {
    let mut v = unsigned(b);
    if v.first().is_some_and(|x| x & 0x80 != 0) || v.is_empty() {
        v.insert(0, 0);
    }
    v
}

/// Reads the value of a Register request's object into the store's form,
/// filling algorithm / length from the key block where the template has none.
pub fn value_from_request(
    object_type: ObjectType,
    payload: &Ttlv,
    a: &mut Attributes,
) -> Result<SecretBytes> {
    let obj_tag = match object_type {
        ObjectType::Certificate => Tag::Certificate,
        ObjectType::SymmetricKey => Tag::SymmetricKey,
        ObjectType::PublicKey => Tag::PublicKey,
        ObjectType::PrivateKey => Tag::PrivateKey,
        ObjectType::SecretData => Tag::SecretData,
        ObjectType::OpaqueObject => Tag::OpaqueObject,
        ObjectType::Template => Tag::Template,
    };
    let obj = payload.child_structure(obj_tag)?;
    match object_type {
        ObjectType::Template => {
            // Kept as sent: its Attributes, applied when a request names it.
            crate::attributes::template_attributes(obj)?;
            return Ok(SecretBytes::new(kmip::encode(obj)?));
        }
        ObjectType::Certificate => {
            let der = obj.child_bytes(Tag::CertificateValue)?;
            openssl::x509::X509::from_der(der)
                .map_err(|_| Error::invalid("Certificate Value is not DER X.509"))?;
            return Ok(SecretBytes::new(der.to_vec()));
        }
        ObjectType::OpaqueObject => {
            let t = obj.child_enumeration(Tag::OpaqueDataType)?;
            set_meta(a, "opaque-data-type", Some(AttributeValue::Enumeration(t)));
            return Ok(SecretBytes::new(
                obj.child_bytes(Tag::OpaqueDataValue)?.to_vec(),
            ));
        }
        ObjectType::SecretData => {
            let t = obj.child_enumeration(Tag::SecretDataType)?;
            set_meta(a, "secret-data-type", Some(AttributeValue::Enumeration(t)));
        }
        _ => {}
    }
    let block = obj.child_structure(Tag::KeyBlock)?;
    if block.find(Tag::KeyWrappingData).is_some() {
        return Err(Error::not_supported("wrapped key blocks are not supported"));
    }
    let format = block.child_enumeration(Tag::KeyFormatType)?;
    if a.algorithm.is_none() {
        if let Some(alg) = block.opt_child_enumeration(Tag::CryptographicAlgorithm)? {
            crate::attributes::put_values(
                a,
                Tag::CryptographicAlgorithm,
                vec![Ttlv::enumeration(Tag::CryptographicAlgorithm, alg)],
                true,
            )?;
        }
    }
    if a.length.is_none() {
        a.length = block
            .opt_child_integer(Tag::CryptographicLength)?
            .and_then(|l| u32::try_from(l).ok());
    }
    let material = block
        .child_structure(Tag::KeyValue)?
        .child(Tag::KeyMaterial)?;
    set_meta(a, FORMAT, Some(AttributeValue::Enumeration(format)));
    let bytes = || material.as_bytes().map(<[u8]>::to_vec).map_err(Error::from);
    let value = match (object_type, format) {
        (ObjectType::SymmetricKey | ObjectType::SecretData, kft::Raw | kft::Opaque) => {
            SecretBytes::new(bytes()?)
        }
        (ObjectType::SymmetricKey, kft::TransparentSymmetricKey) => {
            SecretBytes::new(material.child_bytes(Tag::Key)?.to_vec())
        }
        (ObjectType::PublicKey, kft::X_509) => {
            keys::describe_public(&bytes()?).map_err(crypto)?;
            SecretBytes::new(bytes()?)
        }
        (ObjectType::PublicKey, kft::PKCS_1) => SecretBytes::new(rsa_pub_pkcs1_to_spki(&bytes()?)?),
        (ObjectType::PublicKey, kft::TransparentRSAPublicKey) => SecretBytes::new(
            keys::rsa_public_from_components(
                &big(material, Tag::Modulus)?,
                &big(material, Tag::PublicExponent)?,
            )
            .map_err(crypto)?,
        ),
        (ObjectType::PrivateKey, kft::PKCS_8) => {
            keys::describe_private(&bytes()?).map_err(crypto)?;
            SecretBytes::new(bytes()?)
        }
        (ObjectType::PrivateKey, kft::PKCS_1) => rsa_priv_pkcs1_to_pkcs8(&bytes()?)?,
        (ObjectType::PrivateKey, kft::TransparentRSAPrivateKey) => {
            keys::rsa_private_from_components(&RsaPrivateComponents {
                modulus: big(material, Tag::Modulus)?,
                public_exponent: big(material, Tag::PublicExponent)?,
                private_exponent: opt_big(material, Tag::PrivateExponent)?,
                prime1: opt_big(material, Tag::P)?,
                prime2: opt_big(material, Tag::Q)?,
                exponent1: opt_big(material, Tag::PrimeExponentP)?,
                exponent2: opt_big(material, Tag::PrimeExponentQ)?,
                coefficient: opt_big(material, Tag::CRTCoefficient)?,
            })
            .map_err(crypto)?
        }
        (ObjectType::PublicKey | ObjectType::PrivateKey, _) => {
            // An algorithm or format keybridge does not use: kept verbatim.
            set_meta(a, VERBATIM, Some(AttributeValue::Boolean(true)));
            SecretBytes::new(kmip::encode(material)?)
        }
        _ => {
            return Err(Error::kmip(
                rr::KeyFormatTypeNotSupported,
                format!("key format {format:#x} for a {}", object_type),
            ))
        }
    };
    if matches!(object_type, ObjectType::PublicKey | ObjectType::PrivateKey)
        && meta(a, VERBATIM).is_none()
    {
        describe_asymmetric(object_type, value.expose(), a)?;
    }
    Ok(value)
}

/// Sets algorithm, length and curve from an asymmetric key's own encoding.
fn describe_asymmetric(t: ObjectType, der: &[u8], a: &mut Attributes) -> Result<()> {
    use keystore::crypto::AsymmetricKind as K;
    let kind = if t == ObjectType::PrivateKey {
        keys::describe_private(der)
    } else {
        keys::describe_public(der)
    }
    .map_err(crypto)?;
    let (alg, len, curve) = match kind {
        K::Rsa { bits } => (Algorithm::Rsa, bits, None),
        K::Ec(c) => (Algorithm::Ec, c.bits(), Some(c)),
        K::Ed25519 => (Algorithm::Ed25519, 255, None),
        K::Ed448 => (Algorithm::Ed448, 448, None),
        K::X25519 => (Algorithm::X25519, 255, None),
        K::X448 => (Algorithm::X448, 448, None),
    };
    if a.algorithm != Some(alg) {
        a.algorithm = Some(alg);
        set_meta(a, "algorithm", None);
    }
    a.length = Some(len);
    a.curve = curve;
    Ok(())
}

/// The Key Material of `obj` in `format`.
fn key_material(obj: &ManagedObject, value: &[u8], format: u32) -> Result<Value> {
    let a = &obj.attributes;
    let unsupported = || {
        Error::kmip(
            rr::KeyFormatTypeNotSupported,
            format!(
                "a {} is not available in key format {format:#x}",
                a.object_type
            ),
        )
    };
    let bytes = |b: Vec<u8>| Ok(Value::ByteString(b));
    match (a.object_type, format) {
        (ObjectType::SymmetricKey | ObjectType::SecretData, kft::Raw | kft::Opaque) => {
            bytes(value.to_vec())
        }
        (ObjectType::SymmetricKey, kft::TransparentSymmetricKey) => {
            Ok(Value::Structure(vec![Ttlv::bytes(
                Tag::Key,
                value.to_vec(),
            )]))
        }
        (ObjectType::PublicKey, kft::X_509) => bytes(value.to_vec()),
        (ObjectType::PublicKey, kft::PKCS_1) if is_rsa(a) => {
            let rsa = PKey::public_key_from_der(value)?.rsa()?;
            bytes(rsa.public_key_to_der_pkcs1()?)
        }
        (ObjectType::PublicKey, kft::TransparentRSAPublicKey) if is_rsa(a) => {
            let (n, e) = keys::rsa_public_components(value).map_err(crypto)?;
            Ok(Value::Structure(vec![
                Ttlv::big_integer(Tag::Modulus, positive(&n)),
                Ttlv::big_integer(Tag::PublicExponent, positive(&e)),
            ]))
        }
        (ObjectType::PublicKey, kft::TransparentECPublicKey) if a.curve.is_some() => {
            let c = a.curve.ok_or_else(unsupported)?;
            Ok(Value::Structure(vec![
                Ttlv::enumeration(Tag::RecommendedCurve, curve_to_kmip(c)),
                Ttlv::bytes(Tag::QString, keys::ec_public_point(value).map_err(crypto)?),
            ]))
        }
        (ObjectType::PrivateKey, kft::PKCS_8) => bytes(value.to_vec()),
        (ObjectType::PrivateKey, kft::PKCS_1) if is_rsa(a) => {
            let rsa = PKey::private_key_from_pkcs8(value)?.rsa()?;
            bytes(rsa.private_key_to_der()?)
        }
        (ObjectType::PrivateKey, kft::ECPrivateKey) if a.curve.is_some() => {
            let ec = PKey::private_key_from_pkcs8(value)?.ec_key()?;
            bytes(ec.private_key_to_der()?)
        }
        (ObjectType::PrivateKey, kft::TransparentRSAPrivateKey) if is_rsa(a) => {
            let c = keys::rsa_private_components(value).map_err(crypto)?;
            Ok(Value::Structure(vec![
                Ttlv::big_integer(Tag::Modulus, positive(&c.modulus)),
                Ttlv::big_integer(Tag::PrivateExponent, positive(c.private_exponent.expose())),
                Ttlv::big_integer(Tag::PublicExponent, positive(&c.public_exponent)),
                Ttlv::big_integer(Tag::P, positive(c.prime1.expose())),
                Ttlv::big_integer(Tag::Q, positive(c.prime2.expose())),
                Ttlv::big_integer(Tag::PrimeExponentP, positive(c.exponent1.expose())),
                Ttlv::big_integer(Tag::PrimeExponentQ, positive(c.exponent2.expose())),
                Ttlv::big_integer(Tag::CRTCoefficient, positive(c.coefficient.expose())),
            ]))
        }
        (ObjectType::PrivateKey, kft::TransparentECPrivateKey) if a.curve.is_some() => {
            let c = a.curve.ok_or_else(unsupported)?;
            let d = keys::ec_private_scalar(value).map_err(crypto)?;
            Ok(Value::Structure(vec![
                Ttlv::enumeration(Tag::RecommendedCurve, curve_to_kmip(c)),
                Ttlv::big_integer(Tag::D, positive(d.expose())),
            ]))
        }
        _ => Err(unsupported()),
    }
}

/// The object structure Get returns (Symmetric Key, Private Key, ...), in
/// `format` or the default format.
pub fn object_structure(obj: &ManagedObject, format: Option<u32>) -> Result<Ttlv> {
    let a = &obj.attributes;
    let value = obj.value.as_ref().ok_or_else(|| {
        Error::kmip(
            rr::ObjectDestroyed,
            format!("object {} has no value", obj.uid),
        )
    })?;
    let value = value.expose();
    match a.object_type {
        ObjectType::Template => return Ok(kmip::decode(value)?),
        ObjectType::Certificate => {
            return Ok(Ttlv::structure(
                Tag::Certificate,
                vec![
                    Ttlv::enumeration(Tag::CertificateType, 1),
                    Ttlv::bytes(Tag::CertificateValue, value.to_vec()),
                ],
            ))
        }
        ObjectType::OpaqueObject => {
            let t = match meta(a, "opaque-data-type") {
                Some(AttributeValue::Enumeration(t)) => t,
                _ => 0x8000_0000,
            };
            return Ok(Ttlv::structure(
                Tag::OpaqueObject,
                vec![
                    Ttlv::enumeration(Tag::OpaqueDataType, t),
                    Ttlv::bytes(Tag::OpaqueDataValue, value.to_vec()),
                ],
            ));
        }
        _ => {}
    }
    let registered = default_format(obj).unwrap_or(kft::Raw);
    let format = format.unwrap_or(registered);
    let material = if meta(a, VERBATIM).is_some() {
        if format != registered {
            return Err(Error::kmip(
                rr::KeyFormatTypeNotSupported,
                "this key is available only in the format it was registered in",
            ));
        }
        kmip::decode(value)?.value
    } else {
        key_material(obj, value, format)?
    };
    let mut block = vec![
        Ttlv::enumeration(Tag::KeyFormatType, format),
        Ttlv::structure(Tag::KeyValue, vec![Ttlv::new(Tag::KeyMaterial, material)]),
    ];
    if a.object_type != ObjectType::SecretData {
        let alg = crate::attributes::values(obj, Tag::CryptographicAlgorithm);
        block.extend(alg);
        block.extend(
            crate::attributes::values(obj, Tag::CryptographicLength)
                .into_iter()
                .take(1),
        );
    }
    let key_block = Ttlv::structure(Tag::KeyBlock, block);
    Ok(match a.object_type {
        ObjectType::SymmetricKey => Ttlv::structure(Tag::SymmetricKey, vec![key_block]),
        ObjectType::PublicKey => Ttlv::structure(Tag::PublicKey, vec![key_block]),
        ObjectType::PrivateKey => Ttlv::structure(Tag::PrivateKey, vec![key_block]),
        _ => {
            let t = match meta(a, "secret-data-type") {
                Some(AttributeValue::Enumeration(t)) => t,
                _ => kmip::enums::secret_data_type::Seed,
            };
            Ttlv::structure(
                Tag::SecretData,
                vec![Ttlv::enumeration(Tag::SecretDataType, t), key_block],
            )
        }
    })
}

/// The Digest attribute: SHA-256 of the value in the default format.
pub fn digest(obj: &ManagedObject) -> Option<Ttlv> {
    let value = obj.value.as_ref()?.expose();
    let format = default_format(obj);
    let data = match (format, meta(&obj.attributes, VERBATIM)) {
        (Some(f), None) => match key_material(obj, value, f).ok()? {
            Value::ByteString(b) => b,
            other => kmip::encode(&Ttlv::new(Tag::KeyMaterial, other)).ok()?,
        },
        _ => value.to_vec(),
    };
    let d = openssl::sha::sha256(&data);
    let mut c = vec![
        Ttlv::enumeration(
            Tag::HashingAlgorithm,
            kmip::enums::hashing_algorithm::SHA_256,
        ),
        Ttlv::bytes(Tag::DigestValue, d.to_vec()),
    ];
    if let Some(f) = format {
        c.push(Ttlv::enumeration(Tag::KeyFormatType, f));
    }
    Some(Ttlv::structure(Tag::Digest, c))
}

/// Attributes derived from a certificate's DER.
pub fn certificate_attribute(obj: &ManagedObject, tag: Tag) -> Option<Ttlv> {
    if obj.attributes.object_type != ObjectType::Certificate {
        return None;
    }
    let der = obj.value.as_ref()?.expose();
    let cert = openssl::x509::X509::from_der(der).ok()?;
    let cn = |n: &openssl::x509::X509NameRef| {
        n.entries_by_nid(openssl::nid::Nid::COMMONNAME)
            .next()
            .and_then(|e| std::str::from_utf8(e.data().as_slice()).ok())
            .map(|s| s.to_string())
    };
    match tag {
        Tag::CertificateType => Some(Ttlv::enumeration(tag, 1)),
        Tag::CertificateLength => Some(Ttlv::integer(tag, der.len() as i32)),
        Tag::CertificateSubjectCN => cn(cert.subject_name()).map(|s| Ttlv::text(tag, s)),
        Tag::CertificateIssuerCN => cn(cert.issuer_name()).map(|s| Ttlv::text(tag, s)),
        _ => None,
    }
}
