//! Byte strings as hex in the JSON the store keeps (salts, sealed device
//! state), for `#[serde(with = "...")]`.

use crate::secret::SecretBytes;
use serde::{Deserialize, Deserializer, Serializer};

/// `Vec<u8>` as a hex string.
pub mod bytes {
    use super::*;

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        hex::decode(s).map_err(serde::de::Error::custom)
    }
}

/// [`SecretBytes`] as a hex string; the decoded text is wiped after use.
pub mod secret {
    use super::*;

    pub fn serialize<S: Serializer>(v: &SecretBytes, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&zeroize::Zeroizing::new(hex::encode(v.expose())))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SecretBytes, D::Error> {
        let s = zeroize::Zeroizing::new(String::deserialize(d)?);
        hex::decode(s.as_str())
            .map(SecretBytes::new)
            .map_err(serde::de::Error::custom)
    }
}
