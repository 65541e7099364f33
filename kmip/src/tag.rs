//! TTLV Tags and Item Types (KMIP 2.1 §9.1.1.1 and §9.1.1.2).

use std::fmt;

use crate::error::{Error, Result};

/// A TTLV Tag: a three-byte number (KMIP 2.1 §9.1.1.1).
///
/// Tags `0x42xxxx` are defined by the specification (their names live in
/// [`crate::tables`], and each is an associated constant such as
/// `Tag::UniqueIdentifier`); tags `0x54xxxx` are vendor extensions.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(pub(crate) u32);

impl Tag {
    /// The largest value a three-byte tag can hold.
    pub const MAX: u32 = 0x00FF_FFFF;

    /// A tag from its number; `None` if it does not fit in three bytes.
    pub const fn new(value: u32) -> Option<Tag> {
        if value <= Self::MAX {
            Some(Tag(value))
        } else {
            None
        }
    }

    /// The tag's number.
    pub const fn value(self) -> u32 {
        self.0
    }

    /// The three bytes of the tag as sent on the wire.
    pub const fn to_bytes(self) -> [u8; 3] {
        let b = self.0.to_be_bytes();
        [b[1], b[2], b[3]]
    }

    /// The tag read from its three wire bytes.
    pub const fn from_bytes(b: [u8; 3]) -> Tag {
        Tag(u32::from_be_bytes([0, b[0], b[1], b[2]]))
    }

    /// Whether the tag is in the extension range `0x54xxxx` (KMIP 2.1 §9.1.1.1).
    pub const fn is_extension(self) -> bool {
        self.0 >> 16 == 0x54
    }

    /// The tag's name in the KMIP XML encoding (`"UniqueIdentifier"`), if known.
    pub fn name(self) -> Option<&'static str> {
        crate::tables::tag_name(self)
    }

    /// The tag with this XML name (`"UniqueIdentifier"`), if known.
    pub fn from_name(name: &str) -> Option<Tag> {
        crate::tables::tag_by_name(name)
    }
}

impl TryFrom<u32> for Tag {
    type Error = Error;
    fn try_from(value: u32) -> Result<Tag> {
        Tag::new(value).ok_or(Error::InvalidTag(u64::from(value)))
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "0x{:06x}", self.0),
        }
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "Tag({name} 0x{:06x})", self.0),
            None => write!(f, "Tag(0x{:06x})", self.0),
        }
    }
}

/// A TTLV Item Type (KMIP 2.1 §9.1.1.2, Table 'Item Types').
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum ItemType {
    Structure = 0x01,
    Integer = 0x02,
    LongInteger = 0x03,
    BigInteger = 0x04,
    Enumeration = 0x05,
    Boolean = 0x06,
    TextString = 0x07,
    ByteString = 0x08,
    DateTime = 0x09,
    Interval = 0x0A,
    /// Added in KMIP 2.0.
    DateTimeExtended = 0x0B,
}

/// Every item type with its XML `type=` name (KMIP Profiles 2.1 §5.4.1.x).
const ITEM_TYPES: [(ItemType, &str); 11] = [
    (ItemType::Structure, "Structure"),
    (ItemType::Integer, "Integer"),
    (ItemType::LongInteger, "LongInteger"),
    (ItemType::BigInteger, "BigInteger"),
    (ItemType::Enumeration, "Enumeration"),
    (ItemType::Boolean, "Boolean"),
    (ItemType::TextString, "TextString"),
    (ItemType::ByteString, "ByteString"),
    (ItemType::DateTime, "DateTime"),
    (ItemType::Interval, "Interval"),
    (ItemType::DateTimeExtended, "DateTimeExtended"),
];

impl ItemType {
    /// The type for a wire type byte, `None` if the byte is not defined.
    pub fn from_byte(byte: u8) -> Option<ItemType> {
        ITEM_TYPES
            .iter()
            .map(|(t, _)| *t)
            .find(|t| *t as u8 == byte)
    }

    /// The wire type byte.
    pub const fn to_byte(self) -> u8 {
        self as u8
    }

    /// The name used in the XML `type=` attribute.
    pub fn name(self) -> &'static str {
        ITEM_TYPES
            .iter()
            .find(|(t, _)| *t == self)
            .map_or("?", |(_, n)| n)
    }

    /// The type for an XML `type=` name.
    pub fn from_name(name: &str) -> Option<ItemType> {
        ITEM_TYPES.iter().find(|(_, n)| *n == name).map(|(t, _)| *t)
    }
}

impl fmt::Display for ItemType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}
