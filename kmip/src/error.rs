//! The crate's one error type.
//!
//! Decoding errors carry the byte offset at which the input went wrong, so a
//! server can log a precise reason and answer with Result Reason
//! `Invalid Message` (KMIP 2.1 §11) instead of dropping the connection
//! blindly. [`Error::result_reason`] is the single place that maps an error to
//! a KMIP Result Reason.

use crate::tag::{ItemType, Tag};

/// Everything that can go wrong in the `kmip` crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // ---- binary TTLV (KMIP 2.1 §9.1) ---------------------------------------
    /// The message (or its declared length) is larger than the configured maximum.
    #[error("message of {len} bytes exceeds the limit of {max} bytes")]
    MessageTooLarge { len: u64, max: usize },
    /// The input ends before the item that starts or continues at `offset` is complete.
    #[error("truncated input at offset {offset}: {needed} bytes needed, {available} available")]
    Truncated {
        offset: usize,
        needed: u64,
        available: usize,
    },
    /// The Item Length does not fit the Item Type (KMIP 2.1 §9.1.1.3, Table 'Allowed Item Length Values').
    #[error("item {tag} at offset {offset}: length {len} is invalid for type {item_type}")]
    InvalidLength {
        offset: usize,
        tag: Tag,
        item_type: ItemType,
        len: u32,
    },
    /// A child item extends past the end of its enclosing Structure.
    #[error("item {tag} at offset {offset} overruns its enclosing structure")]
    StructureOverrun { offset: usize, tag: Tag },
    /// Padding bytes that the spec requires to be zero are not (KMIP 2.1 §9.1.1.3).
    #[error("item {tag} at offset {offset}: non-zero padding")]
    NonZeroPadding { offset: usize, tag: Tag },
    /// A Text String is not valid UTF-8 (KMIP 2.1 §9.1.1.4).
    #[error("item {tag} at offset {offset}: text string is not valid UTF-8")]
    InvalidUtf8 { offset: usize, tag: Tag },
    /// A Boolean is neither 0 nor 1 (KMIP 2.1 §9.1.1.4).
    #[error("item {tag} at offset {offset}: invalid boolean value {value:#x}")]
    InvalidBoolean { offset: usize, tag: Tag, value: u64 },
    /// The Item Type byte is not one the spec defines (KMIP 2.1 §9.1.1.2).
    #[error("unknown item type {byte:#04x} at offset {offset}")]
    UnknownItemType { offset: usize, byte: u8 },
    /// Structures are nested deeper than the configured maximum.
    #[error("structures nested deeper than {max} levels at offset {offset}")]
    TooDeep { offset: usize, max: usize },
    /// The message holds more items than the configured maximum.
    #[error("message holds more than {max} items")]
    TooManyItems { max: usize },
    /// Bytes follow the end of a complete message.
    #[error("{count} trailing bytes after the message at offset {offset}")]
    TrailingBytes { offset: usize, count: usize },
    /// The first item of a message is not a Structure (KMIP 2.1 §8: messages are structures).
    #[error("a message must start with a Structure, found {found}")]
    NotAStructureMessage { found: ItemType },
    /// A value is too long to be encoded with a 32-bit Item Length.
    #[error("item {tag}: value of {len} bytes is too long to encode")]
    ValueTooLong { tag: Tag, len: usize },
    /// A tag number does not fit in three bytes.
    #[error("tag {0:#x} does not fit in three bytes")]
    InvalidTag(u64),

    // ---- tree accessors -----------------------------------------------------
    /// A required field is absent.
    #[error("{parent} has no {tag}")]
    MissingField { parent: Tag, tag: Tag },
    /// An item has another type than the one asked for.
    #[error("{tag} has type {found}, expected {expected}")]
    UnexpectedType {
        tag: Tag,
        expected: ItemType,
        found: ItemType,
    },

    /// A message that decodes but breaks the message layer's rules (KMIP 2.1 §8).
    #[error("invalid message: {0}")]
    InvalidMessage(String),

    // ---- XML encoding (KMIP Profiles 2.1 §5.4 / 1.4 §5.4.1) ------------------
    /// The XML is not well-formed.
    #[error("XML syntax error at byte {position}: {message}")]
    XmlSyntax { position: u64, message: String },
    /// An element name is neither a known tag name nor carries a `tag=` attribute.
    #[error("unknown tag name {0:?}")]
    UnknownTagName(String),
    /// The `type=` attribute names no TTLV item type.
    #[error("element {tag}: unknown type {item_type:?}")]
    UnknownTypeName { tag: String, item_type: String },
    /// A `value=` attribute cannot be read as the item's type.
    #[error("element {tag} ({item_type}): invalid value {value:?}: {reason}")]
    InvalidXmlValue {
        tag: String,
        item_type: ItemType,
        value: String,
        reason: String,
    },
    /// The XML document does not have the shape this parser expects.
    #[error("unexpected XML content: {0}")]
    UnexpectedXml(String),
    /// A JSON-encoded message is malformed or does not have the KMIP shape.
    #[error("JSON encoding: {0}")]
    InvalidJson(String),
    /// A placeholder (`$NOW`, `$UNIQUE_IDENTIFIER_0`, ...) where a concrete value is required.
    #[error("element {tag}: placeholder {name} has no value")]
    UnresolvedPlaceholder { tag: Tag, name: String },

    // ---- test-vector files ----------------------------------------------------
    /// A file could not be read.
    #[error("reading {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    /// An error inside a named file.
    #[error("{path}: {source}")]
    InFile { path: String, source: Box<Error> },
}

impl Error {
    /// The KMIP Result Reason (KMIP 2.1 §11) a server reports for this error,
    /// as the enumeration's value. Codec errors are `Invalid Message`, a missing
    /// field is `Missing Data`, a wrongly typed field is `Invalid Field`.
    pub fn result_reason(&self) -> u32 {
        use crate::enums::result_reason as rr;
        match self {
            Error::MissingField { .. } => rr::MissingData,
            Error::UnexpectedType { .. } => rr::InvalidField,
            Error::UnresolvedPlaceholder { .. } | Error::Io { .. } | Error::InFile { .. } => {
                rr::GeneralFailure
            }
            _ => rr::InvalidMessage,
        }
    }
}

/// The crate's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
