//! The managed object: one record that KMIP and PKCS#11 both read.
//!
//! The mapping of ARCHITECTURE.md's table: KMIP Object Type ↔ CKO_*,
//! Cryptographic Algorithm/Length/curve ↔ CKK_*/CKA_VALUE_LEN/CKA_EC_PARAMS,
//! Cryptographic Usage Mask ↔ CKA_ENCRYPT/…, Name ↔ CKA_LABEL, a shared key id
//! ↔ CKA_ID. Attributes that only one protocol knows are kept verbatim in
//! [`Attributes::custom`] (KMIP custom / vendor attributes) and
//! [`Attributes::pkcs11_extra`] (PKCS#11 attributes without a KMIP twin).

use crate::lifecycle::{Lifecycle, Timestamp};
use crate::secret::SecretBytes;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;

/// KMIP Object Type (KMIP 2.1 §11.42); discriminants are the KMIP values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u32)]
pub enum ObjectType {
    /// X.509 certificate, DER (CKO_CERTIFICATE).
    Certificate = 1,
    /// Raw symmetric key bytes (CKO_SECRET_KEY).
    SymmetricKey = 2,
    /// SubjectPublicKeyInfo DER (CKO_PUBLIC_KEY).
    PublicKey = 3,
    /// PKCS#8 PrivateKeyInfo DER (CKO_PRIVATE_KEY).
    PrivateKey = 4,
    /// Passwords, seeds and other secrets that are not keys (CKO_SECRET_KEY of
    /// type CKK_GENERIC_SECRET when seen through PKCS#11).
    SecretData = 7,
    /// A KMIP 1.x Template: a named set of attributes that Create, Create
    /// Key Pair and Register apply when a request names it. Its value is
    /// the TTLV encoding of the Template structure. Not a PKCS#11 object.
    Template = 6,
    /// Bytes the store does not interpret (CKO_DATA).
    OpaqueObject = 8,
}

impl ObjectType {
    pub fn to_kmip(self) -> u32 {
        self as u32
    }

    pub fn from_kmip(v: u32) -> Option<ObjectType> {
        Some(match v {
            1 => ObjectType::Certificate,
            2 => ObjectType::SymmetricKey,
            3 => ObjectType::PublicKey,
            4 => ObjectType::PrivateKey,
            6 => ObjectType::Template,
            7 => ObjectType::SecretData,
            8 => ObjectType::OpaqueObject,
            _ => return None,
        })
    }

    /// Classes whose value is secret whatever the flags say.
    pub fn is_secret(self) -> bool {
        matches!(
            self,
            ObjectType::SymmetricKey | ObjectType::PrivateKey | ObjectType::SecretData
        )
    }

    pub fn as_i64(self) -> i64 {
        self as u32 as i64
    }
}

impl fmt::Display for ObjectType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ObjectType::Certificate => "Certificate",
            ObjectType::SymmetricKey => "Symmetric Key",
            ObjectType::PublicKey => "Public Key",
            ObjectType::PrivateKey => "Private Key",
            ObjectType::SecretData => "Secret Data",
            ObjectType::Template => "Template",
            ObjectType::OpaqueObject => "Opaque Object",
        })
    }
}

/// The key's algorithm, in the words both protocols share. The KMIP
/// Cryptographic Algorithm and the PKCS#11 key type are mapped from this by
/// the protocol crates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Algorithm {
    Aes,
    TripleDes,
    ChaCha20,
    /// Generic secret (CKK_GENERIC_SECRET); usable as an HMAC key with any hash.
    GenericSecret,
    /// HMAC key bound to one hash (KMIP HMAC-SHA256 etc.).
    Hmac(crate::crypto::digest::DigestAlgorithm),
    Rsa,
    /// Weierstrass curve key; the curve is in [`Attributes::curve`].
    Ec,
    Ed25519,
    Ed448,
    X25519,
    X448,
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Algorithm::Aes => f.write_str("AES"),
            Algorithm::TripleDes => f.write_str("3DES"),
            Algorithm::ChaCha20 => f.write_str("ChaCha20"),
            Algorithm::GenericSecret => f.write_str("generic"),
            Algorithm::Hmac(d) => write!(f, "HMAC-{}", d.name()),
            Algorithm::Rsa => f.write_str("RSA"),
            Algorithm::Ec => f.write_str("EC"),
            Algorithm::Ed25519 => f.write_str("Ed25519"),
            Algorithm::Ed448 => f.write_str("Ed448"),
            Algorithm::X25519 => f.write_str("X25519"),
            Algorithm::X448 => f.write_str("X448"),
        }
    }
}

/// Named curves (KMIP Recommended Curve, PKCS#11 CKA_EC_PARAMS).
pub use crate::crypto::generate::Curve;

/// KMIP Cryptographic Usage Mask (KMIP 2.1 §11.17); bit values are KMIP's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UsageMask(pub u32);

impl UsageMask {
    pub const SIGN: u32 = 0x0000_0001;
    pub const VERIFY: u32 = 0x0000_0002;
    pub const ENCRYPT: u32 = 0x0000_0004;
    pub const DECRYPT: u32 = 0x0000_0008;
    pub const WRAP_KEY: u32 = 0x0000_0010;
    pub const UNWRAP_KEY: u32 = 0x0000_0020;
    pub const EXPORT: u32 = 0x0000_0040;
    pub const MAC_GENERATE: u32 = 0x0000_0080;
    pub const MAC_VERIFY: u32 = 0x0000_0100;
    pub const DERIVE_KEY: u32 = 0x0000_0200;
    pub const CONTENT_COMMITMENT: u32 = 0x0000_0400;
    pub const KEY_AGREEMENT: u32 = 0x0000_0800;
    pub const CERTIFICATE_SIGN: u32 = 0x0000_1000;
    pub const CRL_SIGN: u32 = 0x0000_2000;

    pub fn contains(self, bits: u32) -> bool {
        self.0 & bits == bits
    }

    pub fn with(self, bits: u32, on: bool) -> UsageMask {
        if on {
            UsageMask(self.0 | bits)
        } else {
            UsageMask(self.0 & !bits)
        }
    }
}

/// KMIP Link Type (KMIP 2.1 §11.30); discriminants are the KMIP values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u32)]
pub enum LinkType {
    Certificate = 0x101,
    PublicKey = 0x102,
    PrivateKey = 0x103,
    DerivationBaseObject = 0x104,
    DerivedKey = 0x105,
    ReplacementObject = 0x106,
    ReplacedObject = 0x107,
    Parent = 0x108,
    Child = 0x109,
    Previous = 0x10A,
    Next = 0x10B,
    Pkcs12Certificate = 0x10C,
    Pkcs12Password = 0x10D,
    WrappingKey = 0x10E,
}

/// A link from this object to another (KMIP Link attribute).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Link {
    pub link_type: LinkType,
    pub target: String,
}

/// A value of an attribute the store does not interpret, kept with its KMIP
/// type so it is returned exactly as it was given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum AttributeValue {
    Integer(i32),
    LongInteger(i64),
    /// Two's complement, big-endian, as on the KMIP wire.
    BigInteger(Vec<u8>),
    Enumeration(u32),
    Boolean(bool),
    TextString(String),
    ByteString(Vec<u8>),
    DateTime(i64),
    Interval(u32),
    DateTimeExtended(i64),
    /// A structure: its fields with their KMIP tags, in order.
    Structure(Vec<(u32, AttributeValue)>),
}

/// A custom or vendor attribute (KMIP 1.x `x-`/`y-` Custom Attribute, KMIP 2.x
/// Vendor Attribute with its vendor identification).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomAttribute {
    /// KMIP 2.x Vendor Identification; None for a 1.x Custom Attribute.
    pub vendor: Option<String>,
    pub name: String,
    pub value: AttributeValue,
}

/// The boolean properties PKCS#11 tracks and KMIP 2.x partly shares
/// (Sensitive, Extractable, Always Sensitive, Never Extractable).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flags {
    /// The value may not be revealed in the clear (CKA_SENSITIVE).
    pub sensitive: bool,
    /// The value may be exported, wrapped (CKA_EXTRACTABLE).
    pub extractable: bool,
    /// Sensitive since creation (CKA_ALWAYS_SENSITIVE), maintained by the store.
    pub always_sensitive: bool,
    /// Never extractable since creation (CKA_NEVER_EXTRACTABLE), maintained by the store.
    pub never_extractable: bool,
    /// Invisible without login (CKA_PRIVATE).
    pub private: bool,
    pub modifiable: bool,
    pub copyable: bool,
    pub destroyable: bool,
    /// Generated inside keybridge, never imported (CKA_LOCAL).
    pub local: bool,
    pub trusted: bool,
    pub wrap_with_trusted: bool,
    /// Each use needs a fresh authentication (CKA_ALWAYS_AUTHENTICATE): the
    /// PKCS#11 context-specific login, the OTP over KMIP.
    pub always_authenticate: bool,
}

impl Flags {
    /// Defaults for a new object of `object_type`, as PKCS#11 3.0 §4 and KMIP
    /// defaults would give: secret classes private and sensitive, public ones not.
    pub fn defaults_for(object_type: ObjectType) -> Flags {
        let secret = object_type.is_secret();
        Flags {
            sensitive: secret,
            extractable: true,
            always_sensitive: secret,
            never_extractable: false,
            private: secret,
            modifiable: true,
            copyable: true,
            destroyable: true,
            local: false,
            trusted: false,
            wrap_with_trusted: false,
            always_authenticate: false,
        }
    }
}

/// Every attribute of a managed object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attributes {
    pub object_type: ObjectType,
    pub algorithm: Option<Algorithm>,
    /// Cryptographic Length in bits (key size; modulus bits for RSA).
    pub length: Option<u32>,
    pub curve: Option<Curve>,
    /// KMIP Names in order; the first is the PKCS#11 CKA_LABEL.
    pub names: Vec<String>,
    /// The id shared by a key pair and its certificate (CKA_ID).
    pub key_id: Option<Vec<u8>>,
    pub usage: UsageMask,
    pub lifecycle: Lifecycle,
    pub flags: Flags,
    pub links: Vec<Link>,
    pub object_groups: Vec<String>,
    /// The identity that created the object and may grant its use.
    pub owner: Option<String>,
    /// PKCS#11 CKA_ALLOWED_MECHANISMS; None = any mechanism the key type allows.
    pub allowed_mechanisms: Option<Vec<u64>>,
    /// KMIP custom and vendor attributes, verbatim.
    pub custom: Vec<CustomAttribute>,
    /// PKCS#11 attributes without a KMIP counterpart (vendor CKA_ included),
    /// by attribute type, value bytes verbatim.
    pub pkcs11_extra: BTreeMap<u64, Vec<u8>>,
}

impl Attributes {
    /// A fresh attribute set for a new object created at `now`.
    pub fn new(object_type: ObjectType, now: Timestamp) -> Attributes {
        Attributes {
            object_type,
            algorithm: None,
            length: None,
            curve: None,
            names: Vec::new(),
            key_id: None,
            usage: UsageMask::default(),
            lifecycle: Lifecycle::new(now, None),
            flags: Flags::defaults_for(object_type),
            links: Vec::new(),
            object_groups: Vec::new(),
            owner: None,
            allowed_mechanisms: None,
            custom: Vec::new(),
            pkcs11_extra: BTreeMap::new(),
        }
    }

    /// The PKCS#11 label: the first Name, if any.
    pub fn label(&self) -> Option<&str> {
        self.names.first().map(String::as_str)
    }

    /// Whether the value must be stored wrapped: secret classes always, other
    /// classes when marked private.
    pub fn value_is_protected(&self) -> bool {
        self.object_type.is_secret() || self.flags.private
    }

    /// The first link of `link_type`.
    pub fn link(&self, link_type: LinkType) -> Option<&str> {
        self.links
            .iter()
            .find(|l| l.link_type == link_type)
            .map(|l| l.target.as_str())
    }

    /// Updates the store-maintained flags after a change of `sensitive` or
    /// `extractable` (PKCS#11 3.0 §4.9: once false, ALWAYS_SENSITIVE and
    /// NEVER_EXTRACTABLE stay false).
    pub fn track_sensitivity(&mut self) {
        if !self.flags.sensitive {
            self.flags.always_sensitive = false;
        }
        if self.flags.extractable {
            self.flags.never_extractable = false;
        }
    }
}

/// The value of a managed object, in the format its type implies: raw key
/// bytes, PKCS#8 DER, SubjectPublicKeyInfo DER, X.509 DER, or opaque bytes.
/// Held as [`SecretBytes`] whatever the class, so nothing is left in memory.
pub type ObjectValue = SecretBytes;

/// A managed object as callers see it: identity, attributes, value (None once
/// destroyed or when the caller may see only attributes).
#[derive(Debug, Clone)]
pub struct ManagedObject {
    pub uid: String,
    pub partition: String,
    pub attributes: Attributes,
    pub value: Option<ObjectValue>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_class() {
        let k = Flags::defaults_for(ObjectType::SymmetricKey);
        assert!(k.sensitive && k.private && k.always_sensitive);
        let p = Flags::defaults_for(ObjectType::PublicKey);
        assert!(!p.sensitive && !p.private);
    }

    #[test]
    fn protection_rule() {
        let mut a = Attributes::new(ObjectType::PublicKey, 0);
        assert!(!a.value_is_protected());
        a.flags.private = true;
        assert!(a.value_is_protected());
        let mut s = Attributes::new(ObjectType::SecretData, 0);
        s.flags.private = false;
        assert!(s.value_is_protected(), "secret classes are always wrapped");
    }

    #[test]
    fn sensitivity_tracking_is_one_way() {
        let mut a = Attributes::new(ObjectType::SymmetricKey, 0);
        a.flags.extractable = false;
        a.flags.never_extractable = true;
        a.flags.sensitive = false;
        a.track_sensitivity();
        assert!(!a.flags.always_sensitive);
        a.flags.sensitive = true;
        a.track_sensitivity();
        assert!(
            !a.flags.always_sensitive,
            "cannot become always-sensitive again"
        );
        a.flags.extractable = true;
        a.track_sensitivity();
        assert!(!a.flags.never_extractable);
    }

    #[test]
    fn attributes_round_trip_through_json_with_custom_values() {
        let mut a = Attributes::new(ObjectType::SymmetricKey, 5);
        a.custom.push(CustomAttribute {
            vendor: None,
            name: "x-Product".into(),
            value: AttributeValue::Structure(vec![
                (0x540000, AttributeValue::TextString("db".into())),
                (0x540001, AttributeValue::BigInteger(vec![0xff, 0x01])),
            ]),
        });
        a.pkcs11_extra.insert(0x8000_0001, vec![1, 2, 3]);
        let json = serde_json::to_string(&a).unwrap();
        let back: Attributes = serde_json::from_str(&json).unwrap();
        assert_eq!(a, back);
    }
}
