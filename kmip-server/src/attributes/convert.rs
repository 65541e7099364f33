//! Conversions: keystore algorithm ↔ KMIP Cryptographic Algorithm, stored
//! custom values ↔ TTLV values, and the server's bookkeeping entries.

use super::*;
use crate::error::{Error, Result};
use keystore::object::{AttributeValue, CustomAttribute, LinkType};
use keystore::{Algorithm, Attributes};
use kmip::enums::{cryptographic_algorithm as ca, result_reason as rr};
use kmip::{Tag, Ttlv, Value};

pub(super) fn algorithm_to_kmip(a: Algorithm) -> u32 {
    use keystore::crypto::DigestAlgorithm as D;
    match a {
        Algorithm::Aes => ca::AES,
        Algorithm::TripleDes => ca::DES3,
        Algorithm::ChaCha20 => ca::ChaCha20,
        Algorithm::GenericSecret => ca::HMAC_SHA256,
        Algorithm::Hmac(d) => match d {
            D::Sha1 => ca::HMAC_SHA1,
            D::Sha224 => ca::HMAC_SHA224,
            D::Sha256 => ca::HMAC_SHA256,
            D::Sha384 => ca::HMAC_SHA384,
            D::Sha512 => ca::HMAC_SHA512,
            D::Sha3_224 => ca::HMAC_SHA3_224,
            D::Sha3_256 => ca::HMAC_SHA3_256,
            D::Sha3_384 => ca::HMAC_SHA3_384,
            D::Sha3_512 => ca::HMAC_SHA3_512,
        },
        Algorithm::Rsa => ca::RSA,
        Algorithm::Ec => ca::EC,
        Algorithm::Ed25519 => ca::Ed25519,
        Algorithm::Ed448 => ca::Ed448,
        Algorithm::X25519 => ca::EC,
        Algorithm::X448 => ca::EC,
    }
}

/// The keystore algorithm for a KMIP one, if keybridge has it.
pub fn algorithm_from_kmip(v: u32) -> Option<Algorithm> {
    use keystore::crypto::DigestAlgorithm as D;
    Some(match v {
        ca::AES => Algorithm::Aes,
        ca::DES3 => Algorithm::TripleDes,
        ca::ChaCha20 => Algorithm::ChaCha20,
        ca::HMAC_SHA1 => Algorithm::Hmac(D::Sha1),
        ca::HMAC_SHA224 => Algorithm::Hmac(D::Sha224),
        ca::HMAC_SHA256 => Algorithm::Hmac(D::Sha256),
        ca::HMAC_SHA384 => Algorithm::Hmac(D::Sha384),
        ca::HMAC_SHA512 => Algorithm::Hmac(D::Sha512),
        ca::HMAC_SHA3_224 => Algorithm::Hmac(D::Sha3_224),
        ca::HMAC_SHA3_256 => Algorithm::Hmac(D::Sha3_256),
        ca::HMAC_SHA3_384 => Algorithm::Hmac(D::Sha3_384),
        ca::HMAC_SHA3_512 => Algorithm::Hmac(D::Sha3_512),
        ca::RSA => Algorithm::Rsa,
        ca::ECDSA | ca::ECDH | ca::EC => Algorithm::Ec,
        ca::Ed25519 => Algorithm::Ed25519,
        ca::Ed448 => Algorithm::Ed448,
        _ => return None,
    })
}

// ---- keystore custom values ↔ TTLV ---------------------------------------------

pub fn value_to_store(v: &Value) -> AttributeValue {
    match v {
        Value::Structure(c) => AttributeValue::Structure(
            c.iter()
                .map(|t| (t.tag.value(), value_to_store(&t.value)))
                .collect(),
        ),
        Value::Integer(i) => AttributeValue::Integer(*i),
        Value::LongInteger(i) => AttributeValue::LongInteger(*i),
        Value::BigInteger(b) => AttributeValue::BigInteger(b.clone()),
        Value::Enumeration(e) => AttributeValue::Enumeration(*e),
        Value::Boolean(b) => AttributeValue::Boolean(*b),
        Value::TextString(s) => AttributeValue::TextString(s.clone()),
        Value::ByteString(b) => AttributeValue::ByteString(b.clone()),
        Value::DateTime(d) => AttributeValue::DateTime(*d),
        Value::Interval(i) => AttributeValue::Interval(*i),
        Value::DateTimeExtended(d) => AttributeValue::DateTimeExtended(*d),
    }
}

pub fn value_from_store(v: &AttributeValue) -> Value {
    match v {
        AttributeValue::Structure(c) => Value::Structure(
            c.iter()
                .filter_map(|(tag, v)| Tag::new(*tag).map(|t| Ttlv::new(t, value_from_store(v))))
                .collect(),
        ),
        AttributeValue::Integer(i) => Value::Integer(*i),
        AttributeValue::LongInteger(i) => Value::LongInteger(*i),
        AttributeValue::BigInteger(b) => Value::BigInteger(b.clone()),
        AttributeValue::Enumeration(e) => Value::Enumeration(*e),
        AttributeValue::Boolean(b) => Value::Boolean(*b),
        AttributeValue::TextString(s) => Value::TextString(s.clone()),
        AttributeValue::ByteString(b) => Value::ByteString(b.clone()),
        AttributeValue::DateTime(d) => Value::DateTime(*d),
        AttributeValue::Interval(i) => Value::Interval(*i),
        AttributeValue::DateTimeExtended(d) => Value::DateTimeExtended(*d),
    }
}

/// The server's bookkeeping value `name`, if set.
pub fn meta(a: &Attributes, name: &str) -> Option<AttributeValue> {
    a.custom
        .iter()
        .find(|c| c.vendor.as_deref() == Some(META_VENDOR) && c.name == name)
        .map(|c| c.value.clone())
}

/// Sets (or with `None` removes) a bookkeeping value.
pub fn set_meta(a: &mut Attributes, name: &str, value: Option<AttributeValue>) {
    a.custom
        .retain(|c| !(c.vendor.as_deref() == Some(META_VENDOR) && c.name == name));
    if let Some(value) = value {
        a.custom.push(CustomAttribute {
            vendor: Some(META_VENDOR.into()),
            name: name.into(),
            value,
        });
    }
}

pub(super) fn std_name(tag: Tag) -> String {
    tag.name()
        .map_or_else(|| format!("0x{:06x}", tag.value()), str::to_string)
}

pub(super) fn link_type_from(v: u32) -> Option<LinkType> {
    use LinkType as L;
    Some(match v {
        0x101 => L::Certificate,
        0x102 => L::PublicKey,
        0x103 => L::PrivateKey,
        0x104 => L::DerivationBaseObject,
        0x105 => L::DerivedKey,
        0x106 => L::ReplacementObject,
        0x107 => L::ReplacedObject,
        0x108 => L::Parent,
        0x109 => L::Child,
        0x10A => L::Previous,
        0x10B => L::Next,
        0x10C => L::Pkcs12Certificate,
        0x10D => L::Pkcs12Password,
        0x10E => L::WrappingKey,
        _ => return None,
    })
}

pub(super) fn link_uid(t: &Ttlv) -> Result<String> {
    match t.find(Tag::LinkedObjectIdentifier).map(|v| &v.value) {
        Some(Value::TextString(s)) => Ok(s.clone()),
        _ => Err(Error::kmip(
            rr::InvalidField,
            "Link needs a text Linked Object Identifier",
        )),
    }
}
