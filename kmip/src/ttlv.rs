//! The generic TTLV value tree (KMIP 2.1 §9.1).
//!
//! Every KMIP message is a tree of tagged items. The server's operation
//! handlers read requests and build responses with this tree rather than with
//! one Rust struct per payload: the accessors below give a typed view with an
//! error that names the missing or mistyped tag, which maps to a KMIP Result
//! Reason through [`Error::result_reason`](crate::Error::result_reason).

use crate::error::{Error, Result};
use crate::tag::{ItemType, Tag};

/// One TTLV item: a tag and a typed value.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ttlv {
    pub tag: Tag,
    pub value: Value,
}

/// The value of a TTLV item, one variant per Item Type (KMIP 2.1 §9.1.1.4).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    /// Ordered child items.
    Structure(Vec<Ttlv>),
    /// 32-bit signed integer (also the bit masks, e.g. Cryptographic Usage Mask).
    Integer(i32),
    /// 64-bit signed integer.
    LongInteger(i64),
    /// Two's complement, big-endian bytes exactly as on the wire. The encoder
    /// sign-extends to a multiple of 8 bytes as §9.1.1.4 requires.
    BigInteger(Vec<u8>),
    /// 32-bit unsigned enumeration value.
    Enumeration(u32),
    Boolean(bool),
    TextString(String),
    ByteString(Vec<u8>),
    /// POSIX time in seconds.
    DateTime(i64),
    /// Length of time in seconds.
    Interval(u32),
    /// POSIX time in microseconds (KMIP 2.0+).
    DateTimeExtended(i64),
}

impl Value {
    /// The Item Type of this value.
    pub fn item_type(&self) -> ItemType {
        match self {
            Value::Structure(_) => ItemType::Structure,
            Value::Integer(_) => ItemType::Integer,
            Value::LongInteger(_) => ItemType::LongInteger,
            Value::BigInteger(_) => ItemType::BigInteger,
            Value::Enumeration(_) => ItemType::Enumeration,
            Value::Boolean(_) => ItemType::Boolean,
            Value::TextString(_) => ItemType::TextString,
            Value::ByteString(_) => ItemType::ByteString,
            Value::DateTime(_) => ItemType::DateTime,
            Value::Interval(_) => ItemType::Interval,
            Value::DateTimeExtended(_) => ItemType::DateTimeExtended,
        }
    }
}

/// Generates `Ttlv::as_x()` (this item's value), `Ttlv::child_x(tag)`
/// (a required child's value) and `Ttlv::opt_child_x(tag)` (an optional child's
/// value; present with another type is still an error).
macro_rules! typed_accessors {
    ($($variant:ident => $as_fn:ident, $child_fn:ident, $opt_fn:ident, $ret:ty, |$v:ident| $conv:expr;)*) => {
        impl Ttlv {
            $(
                #[doc = concat!("This item's value as ", stringify!($variant), ", or [`Error::UnexpectedType`].")]
                pub fn $as_fn(&self) -> Result<$ret> {
                    match &self.value {
                        Value::$variant($v) => Ok($conv),
                        other => Err(self.type_error(ItemType::$variant, other)),
                    }
                }

                #[doc = concat!("The required child `tag` as ", stringify!($variant), ".")]
                pub fn $child_fn(&self, tag: Tag) -> Result<$ret> {
                    self.child(tag)?.$as_fn()
                }

                #[doc = concat!("The optional child `tag` as ", stringify!($variant), ".")]
                pub fn $opt_fn(&self, tag: Tag) -> Result<Option<$ret>> {
                    self.find(tag).map(|c| c.$as_fn()).transpose()
                }
            )*
        }
    };
}

typed_accessors! {
    Integer => as_integer, child_integer, opt_child_integer, i32, |v| *v;
    LongInteger => as_long_integer, child_long_integer, opt_child_long_integer, i64, |v| *v;
    BigInteger => as_big_integer, child_big_integer, opt_child_big_integer, &[u8], |v| v.as_slice();
    Enumeration => as_enumeration, child_enumeration, opt_child_enumeration, u32, |v| *v;
    Boolean => as_boolean, child_boolean, opt_child_boolean, bool, |v| *v;
    TextString => as_text, child_text, opt_child_text, &str, |v| v.as_str();
    ByteString => as_bytes, child_bytes, opt_child_bytes, &[u8], |v| v.as_slice();
    DateTime => as_date_time, child_date_time, opt_child_date_time, i64, |v| *v;
    Interval => as_interval, child_interval, opt_child_interval, u32, |v| *v;
    DateTimeExtended => as_date_time_extended, child_date_time_extended, opt_child_date_time_extended, i64, |v| *v;
}

impl Ttlv {
    /// An item from a tag and a value.
    pub fn new(tag: Tag, value: Value) -> Ttlv {
        Ttlv { tag, value }
    }

    /// A Structure item.
    pub fn structure(tag: Tag, children: Vec<Ttlv>) -> Ttlv {
        Ttlv::new(tag, Value::Structure(children))
    }
    /// An Integer item.
    pub fn integer(tag: Tag, v: i32) -> Ttlv {
        Ttlv::new(tag, Value::Integer(v))
    }
    /// A Long Integer item.
    pub fn long_integer(tag: Tag, v: i64) -> Ttlv {
        Ttlv::new(tag, Value::LongInteger(v))
    }
    /// A Big Integer item from two's complement big-endian bytes.
    pub fn big_integer(tag: Tag, v: Vec<u8>) -> Ttlv {
        Ttlv::new(tag, Value::BigInteger(v))
    }
    /// An Enumeration item.
    pub fn enumeration(tag: Tag, v: u32) -> Ttlv {
        Ttlv::new(tag, Value::Enumeration(v))
    }
    /// A Boolean item.
    pub fn boolean(tag: Tag, v: bool) -> Ttlv {
        Ttlv::new(tag, Value::Boolean(v))
    }
    /// A Text String item.
    pub fn text(tag: Tag, v: impl Into<String>) -> Ttlv {
        Ttlv::new(tag, Value::TextString(v.into()))
    }
    /// A Byte String item.
    pub fn bytes(tag: Tag, v: impl Into<Vec<u8>>) -> Ttlv {
        Ttlv::new(tag, Value::ByteString(v.into()))
    }
    /// A Date-Time item (POSIX seconds).
    pub fn date_time(tag: Tag, v: i64) -> Ttlv {
        Ttlv::new(tag, Value::DateTime(v))
    }
    /// An Interval item (seconds).
    pub fn interval(tag: Tag, v: u32) -> Ttlv {
        Ttlv::new(tag, Value::Interval(v))
    }
    /// A Date-Time Extended item (POSIX microseconds).
    pub fn date_time_extended(tag: Tag, v: i64) -> Ttlv {
        Ttlv::new(tag, Value::DateTimeExtended(v))
    }

    /// The item's type.
    pub fn item_type(&self) -> ItemType {
        self.value.item_type()
    }

    fn type_error(&self, expected: ItemType, found: &Value) -> Error {
        Error::UnexpectedType {
            tag: self.tag,
            expected,
            found: found.item_type(),
        }
    }

    /// The children of a Structure, or [`Error::UnexpectedType`].
    pub fn children(&self) -> Result<&[Ttlv]> {
        match &self.value {
            Value::Structure(c) => Ok(c),
            other => Err(self.type_error(ItemType::Structure, other)),
        }
    }

    /// The children of a Structure, mutably.
    pub fn children_mut(&mut self) -> Result<&mut Vec<Ttlv>> {
        match &mut self.value {
            Value::Structure(c) => Ok(c),
            other => Err(Error::UnexpectedType {
                tag: self.tag,
                expected: ItemType::Structure,
                found: other.item_type(),
            }),
        }
    }

    /// Appends a child to a Structure.
    pub fn push(&mut self, child: Ttlv) -> Result<()> {
        self.children_mut()?.push(child);
        Ok(())
    }

    /// The direct children (empty for a primitive item).
    fn child_slice(&self) -> &[Ttlv] {
        match &self.value {
            Value::Structure(c) => c,
            _ => &[],
        }
    }

    /// The first direct child with this tag.
    pub fn find(&self, tag: Tag) -> Option<&Ttlv> {
        self.child_slice().iter().find(|c| c.tag == tag)
    }

    /// The first direct child with this tag, mutably.
    pub fn find_mut(&mut self, tag: Tag) -> Option<&mut Ttlv> {
        match &mut self.value {
            Value::Structure(c) => c.iter_mut().find(|c| c.tag == tag),
            _ => None,
        }
    }

    /// Every direct child with this tag, in order (multi-instance fields such
    /// as Batch Item, Name, Link).
    pub fn find_all(&self, tag: Tag) -> impl Iterator<Item = &Ttlv> + '_ {
        self.child_slice().iter().filter(move |c| c.tag == tag)
    }

    /// The first direct child with this tag, or [`Error::MissingField`].
    pub fn child(&self, tag: Tag) -> Result<&Ttlv> {
        self.find(tag).ok_or(Error::MissingField {
            parent: self.tag,
            tag,
        })
    }

    /// The required child `tag`, which must be a Structure.
    pub fn child_structure(&self, tag: Tag) -> Result<&Ttlv> {
        let c = self.child(tag)?;
        c.children()?;
        Ok(c)
    }

    /// The optional child `tag`, which must be a Structure if present.
    pub fn opt_child_structure(&self, tag: Tag) -> Result<Option<&Ttlv>> {
        match self.find(tag) {
            Some(c) => {
                c.children()?;
                Ok(Some(c))
            }
            None => Ok(None),
        }
    }

    /// Follows a path of tags (first match at each level), e.g.
    /// `[RequestHeader, ProtocolVersion, ProtocolVersionMajor]`.
    pub fn path(&self, tags: &[Tag]) -> Option<&Ttlv> {
        tags.iter().try_fold(self, |node, tag| node.find(*tag))
    }

    /// Like [`Ttlv::path`] but names the first missing tag in the error.
    pub fn require_path(&self, tags: &[Tag]) -> Result<&Ttlv> {
        tags.iter().try_fold(self, |node, tag| node.child(*tag))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Ttlv {
        Ttlv::structure(
            Tag::RequestPayload,
            vec![
                Ttlv::text(Tag::UniqueIdentifier, "abc"),
                Ttlv::integer(Tag::CryptographicLength, 256),
                Ttlv::structure(Tag::Name, vec![Ttlv::text(Tag::NameValue, "n1")]),
                Ttlv::structure(Tag::Name, vec![Ttlv::text(Tag::NameValue, "n2")]),
            ],
        )
    }

    #[test]
    fn typed_children() {
        let t = sample();
        assert_eq!(t.child_text(Tag::UniqueIdentifier).unwrap(), "abc");
        assert_eq!(t.child_integer(Tag::CryptographicLength).unwrap(), 256);
        assert_eq!(
            t.opt_child_integer(Tag::CryptographicAlgorithm).unwrap(),
            None
        );
        assert_eq!(t.find_all(Tag::Name).count(), 2);
        let names: Vec<_> = t
            .find_all(Tag::Name)
            .map(|n| n.child_text(Tag::NameValue).unwrap())
            .collect();
        assert_eq!(names, ["n1", "n2"]);
        assert_eq!(
            t.path(&[Tag::Name, Tag::NameValue])
                .unwrap()
                .as_text()
                .unwrap(),
            "n1"
        );
    }

    #[test]
    fn errors_name_the_tag() {
        let t = sample();
        let e = t.child_text(Tag::ObjectType).unwrap_err();
        assert!(matches!(
            e,
            Error::MissingField {
                tag: Tag::ObjectType,
                ..
            }
        ));
        assert_eq!(e.to_string(), "RequestPayload has no ObjectType");
        let e = t.child_text(Tag::CryptographicLength).unwrap_err();
        assert_eq!(
            e.to_string(),
            "CryptographicLength has type Integer, expected TextString"
        );
        let e = t.opt_child_enumeration(Tag::UniqueIdentifier).unwrap_err();
        assert!(matches!(
            e,
            Error::UnexpectedType {
                expected: ItemType::Enumeration,
                ..
            }
        ));
        let e = t.require_path(&[Tag::Name, Tag::NameType]).unwrap_err();
        assert!(matches!(
            e,
            Error::MissingField {
                parent: Tag::Name,
                tag: Tag::NameType
            }
        ));
        assert_eq!(e.result_reason(), crate::enums::result_reason::MissingData);
    }

    #[test]
    fn push_only_into_structures() {
        let mut t = sample();
        t.push(Ttlv::boolean(Tag::Sensitive, true)).unwrap();
        assert!(t.child_boolean(Tag::Sensitive).unwrap());
        let mut leaf = Ttlv::integer(Tag::BatchCount, 1);
        assert!(leaf.push(Ttlv::integer(Tag::BatchCount, 1)).is_err());
        assert!(leaf.children().is_err());
        assert!(leaf.find(Tag::BatchCount).is_none());
    }
}
