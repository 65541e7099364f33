//! PKCS#11 attributes ↔ the key store's [`Attributes`] (ARCHITECTURE.md's
//! table): reading values for C_GetAttributeValue, matching templates for
//! C_FindObjects, and the templates callers pass in.
//!
//! Values are the bytes of the C types in native layout: CK_ULONG as 8
//! bytes, CK_BBOOL as 1, CK_DATE as 8 ASCII digits.

use crate::error::{fail, Result};
use cryptoki_sys::*;
use keystore::crypto::digest::DigestAlgorithm;
use keystore::object::UsageMask;
use keystore::{Algorithm, Attributes, ObjectType, SecretBytes};

/// One attribute of a caller's template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Attr {
    pub ty: CK_ATTRIBUTE_TYPE,
    pub value: Vec<u8>,
}

/// A caller's template. Nested templates (CKA_WRAP_TEMPLATE, ...) arrive
/// serialized by [`encode_nested`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Template(pub Vec<Attr>);

impl Template {
    pub fn get(&self, ty: CK_ATTRIBUTE_TYPE) -> Option<&[u8]> {
        self.0
            .iter()
            .rev()
            .find(|a| a.ty == ty)
            .map(|a| a.value.as_slice())
    }

    pub fn has(&self, ty: CK_ATTRIBUTE_TYPE) -> bool {
        self.get(ty).is_some()
    }

    pub fn bool(&self, ty: CK_ATTRIBUTE_TYPE) -> Result<Option<bool>> {
        match self.get(ty) {
            None => Ok(None),
            Some(v) => Ok(Some(decode_bool(v)?)),
        }
    }

    pub fn ulong(&self, ty: CK_ATTRIBUTE_TYPE) -> Result<Option<CK_ULONG>> {
        match self.get(ty) {
            None => Ok(None),
            Some(v) => Ok(Some(decode_ulong(v)?)),
        }
    }

    pub fn push(&mut self, ty: CK_ATTRIBUTE_TYPE, value: Vec<u8>) {
        self.0.push(Attr { ty, value });
    }
}

pub fn decode_bool(v: &[u8]) -> Result<bool> {
    match v {
        [b] => Ok(*b != 0),
        _ => fail(CKR_ATTRIBUTE_VALUE_INVALID, "CK_BBOOL must be 1 byte"),
    }
}

pub fn decode_ulong(v: &[u8]) -> Result<CK_ULONG> {
    let a: [u8; std::mem::size_of::<CK_ULONG>()] = v
        .try_into()
        .map_err(|_| crate::error::Error::rv(CKR_ATTRIBUTE_VALUE_INVALID, "CK_ULONG size"))?;
    Ok(CK_ULONG::from_ne_bytes(a))
}

pub fn ulong(v: CK_ULONG) -> Vec<u8> {
    v.to_ne_bytes().to_vec()
}

pub fn bbool(b: bool) -> Vec<u8> {
    vec![b as u8]
}

/// Serializes a nested template as (type, length, bytes) records so it can
/// be kept verbatim in `pkcs11_extra`.
pub fn encode_nested(t: &Template) -> Vec<u8> {
    let mut out = Vec::new();
    for a in &t.0 {
        out.extend_from_slice(&(a.ty as u64).to_le_bytes());
        out.extend_from_slice(&(a.value.len() as u64).to_le_bytes());
        out.extend_from_slice(&a.value);
    }
    out
}

/// The inverse of [`encode_nested`]; malformed bytes give what parsed.
pub fn decode_nested(mut b: &[u8]) -> Template {
    let mut t = Template::default();
    while b.len() >= 16 {
        let ty = u64::from_le_bytes(b[..8].try_into().unwrap_or([0; 8]));
        let len = u64::from_le_bytes(b[8..16].try_into().unwrap_or([0; 8])) as usize;
        b = &b[16..];
        if len > b.len() {
            break;
        }
        t.push(ty as CK_ATTRIBUTE_TYPE, b[..len].to_vec());
        b = &b[len..];
    }
    t
}

/// Whether `ty` holds a nested template (an array of CK_ATTRIBUTE).
pub fn is_nested(ty: CK_ATTRIBUTE_TYPE) -> bool {
    matches!(
        ty,
        CKA_WRAP_TEMPLATE | CKA_UNWRAP_TEMPLATE | CKA_DERIVE_TEMPLATE
    )
}

/// An object as the module sees it, token or session.
#[derive(Clone)]
pub struct Obj {
    pub uid: String,
    pub attrs: Attributes,
    pub value: Option<SecretBytes>,
    pub token: bool,
}

pub fn class_of(a: &Attributes) -> CK_OBJECT_CLASS {
    match a.object_type {
        ObjectType::SymmetricKey | ObjectType::SecretData => CKO_SECRET_KEY,
        ObjectType::PublicKey => CKO_PUBLIC_KEY,
        ObjectType::PrivateKey => CKO_PRIVATE_KEY,
        ObjectType::Certificate => CKO_CERTIFICATE,
        ObjectType::OpaqueObject => CKO_DATA,
        // Never found through the module (see `objects::find_init`).
        ObjectType::Template => CKO_VENDOR_DEFINED,
    }
}

pub fn key_type_of(a: &Attributes) -> Option<CK_KEY_TYPE> {
    if a.object_type == ObjectType::SecretData {
        return Some(CKK_GENERIC_SECRET);
    }
    Some(match a.algorithm? {
        Algorithm::Aes => CKK_AES,
        Algorithm::TripleDes => CKK_DES3,
        Algorithm::ChaCha20 => CKK_CHACHA20,
        Algorithm::GenericSecret => CKK_GENERIC_SECRET,
        Algorithm::Hmac(d) => match d {
            DigestAlgorithm::Sha1 => CKK_SHA_1_HMAC,
            DigestAlgorithm::Sha224 => CKK_SHA224_HMAC,
            DigestAlgorithm::Sha256 => CKK_SHA256_HMAC,
            DigestAlgorithm::Sha384 => CKK_SHA384_HMAC,
            DigestAlgorithm::Sha512 => CKK_SHA512_HMAC,
            DigestAlgorithm::Sha3_224 => CKK_SHA3_224_HMAC,
            DigestAlgorithm::Sha3_256 => CKK_SHA3_256_HMAC,
            DigestAlgorithm::Sha3_384 => CKK_SHA3_384_HMAC,
            DigestAlgorithm::Sha3_512 => CKK_SHA3_512_HMAC,
        },
        Algorithm::Rsa => CKK_RSA,
        Algorithm::Ec => CKK_EC,
        Algorithm::Ed25519 | Algorithm::Ed448 => CKK_EC_EDWARDS,
        Algorithm::X25519 | Algorithm::X448 => CKK_EC_MONTGOMERY,
    })
}

/// The store's algorithm of a secret key type.
pub fn secret_algorithm(kt: CK_KEY_TYPE) -> Result<Algorithm> {
    use DigestAlgorithm as D;
    Ok(match kt {
        CKK_AES => Algorithm::Aes,
        CKK_GENERIC_SECRET => Algorithm::GenericSecret,
        CKK_DES3 => Algorithm::TripleDes,
        CKK_CHACHA20 => Algorithm::ChaCha20,
        CKK_SHA_1_HMAC => Algorithm::Hmac(D::Sha1),
        CKK_SHA224_HMAC => Algorithm::Hmac(D::Sha224),
        CKK_SHA256_HMAC => Algorithm::Hmac(D::Sha256),
        CKK_SHA384_HMAC => Algorithm::Hmac(D::Sha384),
        CKK_SHA512_HMAC => Algorithm::Hmac(D::Sha512),
        CKK_SHA3_224_HMAC => Algorithm::Hmac(D::Sha3_224),
        CKK_SHA3_256_HMAC => Algorithm::Hmac(D::Sha3_256),
        CKK_SHA3_384_HMAC => Algorithm::Hmac(D::Sha3_384),
        CKK_SHA3_512_HMAC => Algorithm::Hmac(D::Sha3_512),
        _ => {
            return fail(
                CKR_ATTRIBUTE_VALUE_INVALID,
                format!("secret key type {kt:#x} is not supported"),
            )
        }
    })
}

/// Checks a secret key's length (bytes) for its type.
pub fn check_secret_len(alg: Algorithm, len: usize, rv: CK_RV) -> Result<()> {
    let ok = match alg {
        Algorithm::Aes => matches!(len, 16 | 24 | 32),
        Algorithm::TripleDes => len == 24,
        Algorithm::ChaCha20 => len == 32,
        _ => (1..=512).contains(&len),
    };
    if ok {
        Ok(())
    } else {
        fail(rv, format!("{len}-byte key is not valid for {alg:?}"))
    }
}

/// CK_DATE (YYYYMMDD) of a timestamp, UTC.
pub fn date_of(ts: i64) -> Vec<u8> {
    let days = ts.div_euclid(86400);
    // Civil from days (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}{m:02}{d:02}").into_bytes()
}

/// The timestamp (midnight UTC) of a CK_DATE; None for the empty date.
pub fn parse_date(v: &[u8]) -> Result<Option<i64>> {
    if v.is_empty() || v.iter().all(|&b| b == 0 || b == b' ') {
        return Ok(None);
    }
    let bad = || crate::error::Error::rv(CKR_ATTRIBUTE_VALUE_INVALID, "CK_DATE is YYYYMMDD");
    if v.len() != 8 || !v.iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    let s = std::str::from_utf8(v).map_err(|_| bad())?;
    let y: i64 = s[0..4].parse().map_err(|_| bad())?;
    let m: i64 = s[4..6].parse().map_err(|_| bad())?;
    let d: i64 = s[6..8].parse().map_err(|_| bad())?;
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return Err(bad());
    }
    let y2 = if m <= 2 { y - 1 } else { y };
    let era = y2.div_euclid(400);
    let yoe = y2 - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Ok(Some((era * 146_097 + doe - 719_468) * 86400))
}

/// The usage bits behind a CKA_ boolean (MAC bits go with SIGN/VERIFY for
/// secret keys, so a KMIP MAC request works with a PKCS#11 signing key).
pub fn usage_bits(ty: CK_ATTRIBUTE_TYPE) -> Option<u32> {
    Some(match ty {
        CKA_ENCRYPT => UsageMask::ENCRYPT,
        CKA_DECRYPT => UsageMask::DECRYPT,
        CKA_SIGN => UsageMask::SIGN | UsageMask::MAC_GENERATE,
        CKA_VERIFY => UsageMask::VERIFY | UsageMask::MAC_VERIFY,
        CKA_WRAP => UsageMask::WRAP_KEY,
        CKA_UNWRAP => UsageMask::UNWRAP_KEY,
        CKA_DERIVE => UsageMask::DERIVE_KEY,
        _ => return None,
    })
}

fn usage_on(a: &Attributes, ty: CK_ATTRIBUTE_TYPE) -> bool {
    match ty {
        CKA_SIGN => a.usage.0 & (UsageMask::SIGN | UsageMask::MAC_GENERATE) != 0,
        CKA_VERIFY => a.usage.0 & (UsageMask::VERIFY | UsageMask::MAC_VERIFY) != 0,
        _ => usage_bits(ty).is_some_and(|b| a.usage.contains(b)),
    }
}

/// What C_GetAttributeValue returns for one attribute.
#[derive(Debug, PartialEq, Eq)]
pub enum AttrOut {
    Value(Vec<u8>),
    /// Exists but may not be revealed (CKR_ATTRIBUTE_SENSITIVE).
    Sensitive,
    /// Not an attribute of this object (CKR_ATTRIBUTE_TYPE_INVALID).
    Invalid,
}

fn is_key(a: &Attributes) -> bool {
    matches!(
        a.object_type,
        ObjectType::SymmetricKey
            | ObjectType::SecretData
            | ObjectType::PublicKey
            | ObjectType::PrivateKey
    )
}

fn is_secret_or_private(a: &Attributes) -> bool {
    matches!(
        a.object_type,
        ObjectType::SymmetricKey | ObjectType::SecretData | ObjectType::PrivateKey
    )
}

/// The value of attribute `ty` of `o` (PKCS#11 3.0 §4, §5.7.5).
pub fn get(o: &Obj, ty: CK_ATTRIBUTE_TYPE) -> AttrOut {
    use AttrOut::*;
    let a = &o.attrs;
    let f = &a.flags;
    let key = is_key(a);
    let secret = is_secret_or_private(a);
    if let Some(v) = a.pkcs11_extra.get(&(ty as u64)) {
        return Value(v.clone());
    }
    if let Some(out) = crate::asym::get(o, ty) {
        return out;
    }
    match ty {
        CKA_CLASS => Value(ulong(class_of(a))),
        CKA_TOKEN => Value(bbool(o.token)),
        CKA_PRIVATE => Value(bbool(f.private)),
        CKA_MODIFIABLE => Value(bbool(f.modifiable)),
        CKA_COPYABLE => Value(bbool(f.copyable)),
        CKA_DESTROYABLE => Value(bbool(f.destroyable)),
        CKA_LABEL => Value(a.label().unwrap_or("").as_bytes().to_vec()),
        CKA_UNIQUE_ID => Value(o.uid.as_bytes().to_vec()),
        CKA_APPLICATION | CKA_OBJECT_ID if a.object_type == ObjectType::OpaqueObject => {
            Value(Vec::new())
        }
        CKA_VALUE if !secret => match &o.value {
            Some(v) => Value(v.expose().to_vec()),
            None => Value(Vec::new()),
        },
        _ if !key => Invalid,
        CKA_KEY_TYPE => match key_type_of(a) {
            Some(k) => Value(ulong(k)),
            None => Invalid,
        },
        CKA_ID => Value(a.key_id.clone().unwrap_or_default()),
        CKA_START_DATE => match a.lifecycle.activation_date {
            Some(d) if d != a.lifecycle.initial_date => Value(date_of(d)),
            _ => Value(Vec::new()),
        },
        CKA_END_DATE => match a.lifecycle.deactivation_date {
            Some(d) => Value(date_of(d)),
            None => Value(Vec::new()),
        },
        CKA_DERIVE => Value(bbool(usage_on(a, ty))),
        CKA_LOCAL => Value(bbool(f.local)),
        CKA_KEY_GEN_MECHANISM => Value(ulong(CK_UNAVAILABLE_INFORMATION)),
        // Not set means every mechanism of the key type: the attribute is
        // then absent, as the cryptoki suite's import_export test expects.
        CKA_ALLOWED_MECHANISMS => match &a.allowed_mechanisms {
            Some(list) => Value(
                list.iter()
                    .flat_map(|m| (*m as CK_ULONG).to_ne_bytes())
                    .collect(),
            ),
            None => Invalid,
        },
        CKA_ENCRYPT | CKA_VERIFY | CKA_WRAP if a.object_type != ObjectType::PrivateKey => {
            Value(bbool(usage_on(a, ty)))
        }
        CKA_DECRYPT | CKA_SIGN | CKA_UNWRAP if a.object_type != ObjectType::PublicKey => {
            Value(bbool(usage_on(a, ty)))
        }
        CKA_TRUSTED if a.object_type != ObjectType::PrivateKey => Value(bbool(f.trusted)),
        CKA_WRAP_TEMPLATE if a.object_type != ObjectType::PrivateKey => Value(Vec::new()),
        CKA_UNWRAP_TEMPLATE if a.object_type != ObjectType::PublicKey => Value(Vec::new()),
        CKA_DERIVE_TEMPLATE => Value(Vec::new()),
        _ if !secret => Invalid,
        CKA_SENSITIVE => Value(bbool(f.sensitive)),
        CKA_EXTRACTABLE => Value(bbool(f.extractable)),
        CKA_ALWAYS_SENSITIVE => Value(bbool(f.always_sensitive)),
        CKA_NEVER_EXTRACTABLE => Value(bbool(f.never_extractable)),
        CKA_WRAP_WITH_TRUSTED => Value(bbool(f.wrap_with_trusted)),
        CKA_ALWAYS_AUTHENTICATE if a.object_type == ObjectType::PrivateKey => {
            Value(bbool(f.always_authenticate))
        }
        CKA_VALUE => {
            if f.sensitive || !f.extractable {
                Sensitive
            } else {
                match &o.value {
                    Some(v) => Value(v.expose().to_vec()),
                    None => Sensitive,
                }
            }
        }
        CKA_VALUE_LEN if a.object_type != ObjectType::PrivateKey => match (&o.value, a.length) {
            (Some(v), _) => Value(ulong(v.len() as CK_ULONG)),
            (None, Some(bits)) => Value(ulong(CK_ULONG::from(bits / 8))),
            (None, None) => Invalid,
        },
        CKA_CHECK_VALUE if a.object_type != ObjectType::PrivateKey => {
            Value(check_value(a, o.value.as_ref()))
        }
        _ => Invalid,
    }
}

/// CKA_CHECK_VALUE: for AES the first 3 bytes of the encryption of a zero
/// block (PKCS#11 3.0 Current Mechanisms §2.10.2); for other secrets the
/// first 3 bytes of SHA-1 of the value (§2.3.3 generic secret).
fn check_value(a: &Attributes, value: Option<&SecretBytes>) -> Vec<u8> {
    use keystore::crypto::cipher::{encrypt, CipherMode};
    let Some(v) = value else {
        return Vec::new();
    };
    let full = match a.algorithm {
        Some(Algorithm::Aes) => encrypt(v.expose(), &CipherMode::AesEcb, &[0u8; 16]),
        _ => keystore::crypto::digest::digest(DigestAlgorithm::Sha1, v.expose()),
    };
    full.map(|b| b[..3.min(b.len())].to_vec())
        .unwrap_or_default()
}

/// Whether `o` matches every attribute of `t` (C_FindObjects). Sensitive
/// values never match, so a search cannot probe a secret.
pub fn matches(o: &Obj, t: &Template) -> bool {
    t.0.iter().all(|want| match get(o, want.ty) {
        AttrOut::Value(v) => {
            if want.ty == CKA_LABEL || want.ty == CKA_ID {
                v == want.value
            } else if want.value.len() == 1 && v.len() == 1 {
                (v[0] != 0) == (want.value[0] != 0)
            } else {
                v == want.value
            }
        }
        _ => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        let ts = parse_date(b"20240229").unwrap().unwrap();
        assert_eq!(date_of(ts), b"20240229");
        assert_eq!(date_of(0), b"19700101");
        assert!(parse_date(b"2024022").is_err());
        assert!(parse_date(b"20241301").is_err());
        assert_eq!(parse_date(b"").unwrap(), None);
    }

    #[test]
    fn nested_templates_round_trip() {
        let mut t = Template::default();
        t.push(CKA_CLASS, ulong(CKO_SECRET_KEY));
        t.push(CKA_LABEL, b"x".to_vec());
        assert_eq!(decode_nested(&encode_nested(&t)), t);
    }
}
