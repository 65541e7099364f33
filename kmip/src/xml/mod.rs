//! The KMIP XML encoding (KMIP Profiles 2.1 §5.4 "XML Encoding"; 1.4 §5.4.1).
//!
//! An item is an element named after its tag (`<UniqueIdentifier ...>`), or
//! `<TTLV tag="0x540001" ...>` for a tag without a name; `type=` gives the
//! item type (absent means Structure) and `value=` the value: decimal
//! integers, hex byte strings and big integers, ISO 8601 date-times,
//! enumerations by name (hex `0x...` when unnamed) and masks such as
//! Cryptographic Usage Mask as space-separated bit names.
//!
//! Inside a KMIP 1.x `Attribute`, the type of `AttributeValue` depends on the
//! sibling `AttributeName` (`"Cryptographic Algorithm"` → enumeration names of
//! Cryptographic Algorithm); both the reader and the writer look it up.
//!
//! Reading yields a [`Template`] (placeholders such as `$NOW` are kept, see
//! [`crate::template`]); [`from_str`] is for documents without placeholders.
//! The reader is iterative and bounded by [`DecodeLimits`] (document size,
//! depth, element count), like the binary decoder.

pub(crate) mod values;
mod writer;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::binary::DecodeLimits;
use crate::error::{Error, Result};
use crate::tables::{self, EnumNames};
use crate::tag::{ItemType, Tag};
use crate::template::{Placeholder, Template, TemplateValue};
use crate::ttlv::{Ttlv, Value};

pub use writer::{template_to_string, to_string};

/// The element name of the document wrapper used by the test-vector files.
pub const VECTOR_ROOT: &str = "KMIP";

/// Parses one XML element into a concrete tree; placeholders are an error.
pub fn from_str(xml: &str) -> Result<Ttlv> {
    template_from_str(xml)?.to_ttlv()
}

/// Parses one XML element into a template (placeholders kept).
pub fn template_from_str(xml: &str) -> Result<Template> {
    let mut items = parse_items(xml, &DecodeLimits::default())?;
    match (items.pop(), items.is_empty()) {
        (Some(root), true) => Ok(root),
        (None, _) => Err(Error::UnexpectedXml("no element".into())),
        (Some(_), false) => Err(Error::UnexpectedXml("more than one root element".into())),
    }
}

/// Parses a document into its top-level items. A `<KMIP>` root element (as in
/// the test-vector files) is a transparent wrapper: its children are returned.
pub fn parse_items(xml: &str, limits: &DecodeLimits) -> Result<Vec<Template>> {
    if xml.len() > limits.max_message_len {
        return Err(Error::MessageTooLarge {
            len: xml.len() as u64,
            max: limits.max_message_len,
        });
    }
    let mut reader = Reader::from_str(xml);
    let mut parser = Parser {
        limits,
        stack: Vec::new(),
        top: Vec::new(),
        wrapper: WrapperState::NotSeen,
        items: 0,
    };
    loop {
        let position = reader.buffer_position();
        let event = reader.read_event().map_err(|e| Error::XmlSyntax {
            position: reader.error_position(),
            message: e.to_string(),
        })?;
        match event {
            Event::Start(e) => parser.open(&e, false, position)?,
            Event::Empty(e) => parser.open(&e, true, position)?,
            Event::End(_) => parser.close()?,
            Event::Text(t) => {
                if !t.iter().all(u8::is_ascii_whitespace) {
                    return Err(Error::UnexpectedXml(format!(
                        "text content at byte {position}"
                    )));
                }
            }
            Event::CData(_) | Event::GeneralRef(_) => {
                return Err(Error::UnexpectedXml(format!(
                    "text content at byte {position}"
                )))
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            Event::Eof => break,
        }
    }
    if !parser.stack.is_empty() || parser.wrapper == WrapperState::Open {
        return Err(Error::UnexpectedXml(
            "unclosed element at end of document".into(),
        ));
    }
    Ok(parser.top)
}

#[derive(PartialEq, Eq)]
enum WrapperState {
    NotSeen,
    Open,
    Closed,
}

/// An element being read: a Structure collecting children, or a primitive
/// written as `<X ...></X>` (which must stay empty).
struct Frame {
    tag: Tag,
    children: Vec<Template>,
    leaf: Option<TemplateValue>,
}

struct Parser<'l> {
    limits: &'l DecodeLimits,
    stack: Vec<Frame>,
    top: Vec<Template>,
    wrapper: WrapperState,
    items: usize,
}

impl Parser<'_> {
    fn open(&mut self, e: &BytesStart<'_>, empty: bool, position: u64) -> Result<()> {
        let name = std::str::from_utf8(e.name().as_ref())
            .map_err(|_| {
                Error::UnexpectedXml(format!("non UTF-8 element name at byte {position}"))
            })?
            .to_owned();
        let mut tag_attr = None;
        let mut type_attr = None;
        let mut value_attr = None;
        for attr in e.attributes() {
            let attr = attr.map_err(|err| Error::XmlSyntax {
                position,
                message: err.to_string(),
            })?;
            // XML 1.0 attribute-value normalization (entities, whitespace).
            let value = attr
                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map_err(|err| Error::XmlSyntax {
                    position,
                    message: err.to_string(),
                })?
                .into_owned();
            match attr.key.as_ref() {
                b"tag" => tag_attr = Some(value),
                b"type" => type_attr = Some(value),
                b"value" => value_attr = Some(value),
                other => {
                    return Err(Error::UnexpectedXml(format!(
                        "attribute {:?} on {name}",
                        String::from_utf8_lossy(other)
                    )))
                }
            }
        }
        if self.stack.is_empty()
            && name == VECTOR_ROOT
            && self.wrapper == WrapperState::NotSeen
            && tag_attr.is_none()
            && type_attr.is_none()
        {
            self.wrapper = if empty {
                WrapperState::Closed
            } else {
                WrapperState::Open
            };
            return Ok(());
        }
        self.items += 1;
        if self.items > self.limits.max_items {
            return Err(Error::TooManyItems {
                max: self.limits.max_items,
            });
        }
        if self.stack.len() >= self.limits.max_depth {
            return Err(Error::TooDeep {
                offset: usize::try_from(position).unwrap_or(usize::MAX),
                max: self.limits.max_depth,
            });
        }
        let tag = match &tag_attr {
            Some(t) => parse_tag_attr(t)?,
            None => Tag::from_name(&name).ok_or_else(|| Error::UnknownTagName(name.clone()))?,
        };
        let item_type = match &type_attr {
            None => ItemType::Structure,
            Some(t) => ItemType::from_name(t).ok_or_else(|| Error::UnknownTypeName {
                tag: name.clone(),
                item_type: t.clone(),
            })?,
        };
        let leaf = if item_type == ItemType::Structure {
            if value_attr.is_some() {
                return Err(Error::UnexpectedXml(format!(
                    "structure {name} has a value"
                )));
            }
            None
        } else {
            let text = value_attr.ok_or_else(|| Error::InvalidXmlValue {
                tag: name.clone(),
                item_type,
                value: String::new(),
                reason: "missing value attribute".into(),
            })?;
            let siblings = self.stack.last().map_or(&[][..], |f| f.children.as_slice());
            Some(match Placeholder::parse(item_type, &text) {
                Some(p) => TemplateValue::Placeholder(p),
                None => {
                    TemplateValue::Value(parse_value(tag, item_type, &text, siblings).map_err(
                        |reason| Error::InvalidXmlValue {
                            tag: name.clone(),
                            item_type,
                            value: text.clone(),
                            reason,
                        },
                    )?)
                }
            })
        };
        self.stack.push(Frame {
            tag,
            children: Vec::new(),
            leaf,
        });
        if empty {
            self.close()?;
        }
        Ok(())
    }

    fn close(&mut self) -> Result<()> {
        let Some(frame) = self.stack.pop() else {
            return match self.wrapper {
                WrapperState::Open => {
                    self.wrapper = WrapperState::Closed;
                    Ok(())
                }
                _ => Err(Error::UnexpectedXml("unbalanced end tag".into())),
            };
        };
        let value = match frame.leaf {
            Some(leaf) if frame.children.is_empty() => leaf,
            Some(_) => {
                return Err(Error::UnexpectedXml(format!(
                    "{} has a type and a value but also child elements",
                    frame.tag
                )))
            }
            None => TemplateValue::Structure(frame.children),
        };
        let item = Template {
            tag: frame.tag,
            value,
        };
        match self.stack.last_mut() {
            Some(parent) => parent.children.push(item),
            None => self.top.push(item),
        }
        Ok(())
    }
}

/// `tag="0x540001"` (hex, optional `0x`).
pub(crate) fn parse_tag_attr(s: &str) -> Result<Tag> {
    let h = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .unwrap_or(s);
    u32::from_str_radix(h, 16)
        .ok()
        .and_then(Tag::new)
        .ok_or_else(|| Error::UnexpectedXml(format!("invalid tag attribute {s:?}")))
}

/// The tag whose tables name the value of `tag`: itself, or for an
/// `AttributeValue` the attribute named by the sibling `AttributeName`.
pub(crate) fn naming_tag<I: IntoIterator<Item = (Tag, Option<String>)>>(
    tag: Tag,
    siblings: I,
) -> Tag {
    if tag != Tag::AttributeValue {
        return tag;
    }
    siblings
        .into_iter()
        .find(|(t, _)| *t == Tag::AttributeName)
        .and_then(|(_, name)| name)
        .and_then(|n| tables::tag_for_attribute_name(&n))
        .unwrap_or(tag)
}

pub(crate) fn attribute_name_of(t: &Template) -> (Tag, Option<String>) {
    let name = match &t.value {
        TemplateValue::Value(Value::TextString(s)) => Some(s.clone()),
        _ => None,
    };
    (t.tag, name)
}

pub(crate) fn parse_value(
    tag: Tag,
    item_type: ItemType,
    text: &str,
    siblings: &[Template],
) -> Result<Value, String> {
    let naming = || naming_tag(tag, siblings.iter().map(attribute_name_of));
    Ok(match item_type {
        ItemType::Integer => match tables::mask_for(naming()) {
            Some(mask) => Value::Integer(values::parse_mask(text, mask)?),
            None => Value::Integer(values::parse_i32(text)?),
        },
        ItemType::LongInteger => Value::LongInteger(values::parse_i64(text)?),
        ItemType::BigInteger => Value::BigInteger(values::parse_hex_bytes(text)?),
        ItemType::Enumeration => {
            let names: Option<EnumNames> = tables::enumeration_for(naming());
            Value::Enumeration(values::parse_enum(text, names)?)
        }
        ItemType::Boolean => Value::Boolean(values::parse_bool(text)?),
        ItemType::TextString => Value::TextString(text.to_owned()),
        ItemType::ByteString => Value::ByteString(values::parse_hex_bytes(text)?),
        ItemType::DateTime => Value::DateTime(values::parse_date_time(text)?),
        ItemType::Interval => Value::Interval(values::parse_u32(text)?),
        ItemType::DateTimeExtended => {
            Value::DateTimeExtended(values::parse_date_time_extended(text)?)
        }
        ItemType::Structure => Value::Structure(Vec::new()),
    })
}

#[cfg(test)]
mod tests;
