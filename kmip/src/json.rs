//! The KMIP JSON encoding (KMIP Profiles 2.1 §5.5; 1.4 §5.5): every item is
//! an object `{"tag": ..., "type": ..., "value": ...}`. The tag is its name
//! (`"UniqueIdentifier"`) or `"0x42xxxx"`; `type` may be left out for a
//! Structure, whose value is the array of its children. Values: Integer and
//! Interval as numbers (or `"0x..."`), masks also as names joined by `|`;
//! Long Integer as a number or `"0x..."`; Big Integer `"0x..."`; Enumeration
//! by name or `"0x..."`; Boolean `true`/`false`; Text String as is; Byte
//! String as hex digits; Date-Time as ISO 8601 (or `"0x..."`).
//!
//! The same value names as the XML encoding ([`crate::xml`]): an
//! `AttributeValue` of a 1.x `Attribute` takes the names of the attribute
//! its sibling `AttributeName` names. Reading is bounded like the binary
//! decoder ([`DecodeLimits`]: size, depth, item count).

use serde_json::{Map, Number, Value as Json};

use crate::binary::{DecodeLimits, MAX_ENCODE_DEPTH};
use crate::error::{Error, Result};
use crate::tables;
use crate::tag::{ItemType, Tag};
use crate::template::Template;
use crate::ttlv::{Ttlv, Value};
use crate::xml::{attribute_name_of, naming_tag, parse_tag_attr, parse_value, values};

/// Largest magnitude a JSON number carries exactly (2^53).
const EXACT: i64 = 1 << 53;

fn bad(message: impl Into<String>) -> Error {
    Error::InvalidJson(message.into())
}

/// Parses one JSON-encoded item (a whole message, usually).
pub fn from_str(text: &str, limits: &DecodeLimits) -> Result<Ttlv> {
    if text.len() > limits.max_message_len {
        return Err(Error::MessageTooLarge {
            len: text.len() as u64,
            max: limits.max_message_len,
        });
    }
    // serde_json refuses nesting beyond 128 levels on its own.
    let json: Json = serde_json::from_str(text).map_err(|e| bad(e.to_string()))?;
    let mut items = 0usize;
    item(&json, &[], 1, limits, &mut items)
}

fn tag_of(object: &Map<String, Json>) -> Result<Tag> {
    let text = object
        .get("tag")
        .and_then(Json::as_str)
        .ok_or_else(|| bad("an item has no \"tag\" string"))?;
    if text.starts_with("0x") || text.starts_with("0X") {
        return parse_tag_attr(text);
    }
    Tag::from_name(text).ok_or_else(|| Error::UnknownTagName(text.to_string()))
}

fn item(
    json: &Json,
    siblings: &[Ttlv],
    depth: usize,
    limits: &DecodeLimits,
    items: &mut usize,
) -> Result<Ttlv> {
    *items += 1;
    if *items > limits.max_items {
        return Err(Error::TooManyItems {
            max: limits.max_items,
        });
    }
    let object = json
        .as_object()
        .ok_or_else(|| bad("an item must be a JSON object"))?;
    let tag = tag_of(object)?;
    let item_type = match object.get("type") {
        None => ItemType::Structure,
        Some(t) => {
            let name = t.as_str().ok_or_else(|| bad("\"type\" must be a string"))?;
            ItemType::from_name(name).ok_or_else(|| Error::UnknownTypeName {
                tag: tag.to_string(),
                item_type: name.to_string(),
            })?
        }
    };
    let value = object
        .get("value")
        .ok_or_else(|| bad(format!("{tag} has no \"value\"")))?;
    if item_type == ItemType::Structure {
        if depth >= limits.max_depth {
            return Err(Error::TooDeep {
                offset: 0,
                max: limits.max_depth,
            });
        }
        let list = value
            .as_array()
            .ok_or_else(|| bad(format!("the value of Structure {tag} must be an array")))?;
        let mut children: Vec<Ttlv> = Vec::with_capacity(list.len().min(1024));
        for child in list {
            let c = item(child, &children, depth + 1, limits, items)?;
            children.push(c);
        }
        return Ok(Ttlv::structure(tag, children));
    }
    let text = match value {
        Json::String(s) => s.clone(),
        Json::Number(n) => n.to_string(),
        Json::Bool(b) => b.to_string(),
        _ => {
            return Err(bad(format!(
                "{tag}: a {item_type} value must be a string, number or boolean"
            )))
        }
    };
    let text = if item_type == ItemType::BigInteger {
        text.trim_start_matches("0x").to_string()
    } else {
        text
    };
    let named: Vec<Template> = siblings.iter().map(Template::from).collect();
    let v =
        parse_value(tag, item_type, &text, &named).map_err(|reason| Error::InvalidXmlValue {
            tag: tag.to_string(),
            item_type,
            value: text.clone(),
            reason,
        })?;
    Ok(Ttlv::new(tag, v))
}

/// The JSON encoding of a tree.
pub fn to_string(item: &Ttlv) -> Result<String> {
    let json = to_json(item, &[], 0)?;
    serde_json::to_string(&json).map_err(|e| bad(e.to_string()))
}

fn to_json(item: &Ttlv, siblings: &[Ttlv], depth: usize) -> Result<Json> {
    if depth >= MAX_ENCODE_DEPTH {
        return Err(Error::TooDeep {
            offset: 0,
            max: MAX_ENCODE_DEPTH,
        });
    }
    let mut object = Map::new();
    let tag = match item.tag.name() {
        Some(name) => name.to_string(),
        None => format!("0x{:06x}", item.tag.value()),
    };
    object.insert("tag".into(), Json::String(tag));
    let naming = || {
        let named: Vec<Template> = siblings.iter().map(Template::from).collect();
        naming_tag(item.tag, named.iter().map(attribute_name_of))
    };
    let value = match &item.value {
        Value::Structure(children) => {
            let mut list = Vec::with_capacity(children.len());
            for c in children {
                list.push(to_json(c, children, depth + 1)?);
            }
            Json::Array(list)
        }
        Value::Integer(i) => match tables::mask_for(naming()) {
            Some(mask) => Json::String(values::format_mask(*i, mask).replace(' ', "|")),
            None => Json::Number(Number::from(*i)),
        },
        Value::LongInteger(i) if (-EXACT..=EXACT).contains(i) => Json::Number(Number::from(*i)),
        Value::LongInteger(i) => Json::String(format!("0x{:016x}", *i as u64)),
        Value::BigInteger(b) => Json::String(format!("0x{}", values::format_hex(b))),
        Value::Enumeration(e) => {
            Json::String(values::format_enum(*e, tables::enumeration_for(naming())))
        }
        Value::Boolean(b) => Json::Bool(*b),
        Value::TextString(s) => Json::String(s.clone()),
        Value::ByteString(b) => Json::String(values::format_hex(b)),
        Value::DateTime(t) => Json::String(values::format_date_time(*t)),
        Value::Interval(i) => Json::Number(Number::from(*i)),
        Value::DateTimeExtended(t) => Json::String(values::format_date_time_extended(*t)),
    };
    if !matches!(item.value, Value::Structure(_)) {
        object.insert(
            "type".into(),
            Json::String(item.value.item_type().name().into()),
        );
    }
    object.insert("value".into(), value);
    Ok(Json::Object(object))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> DecodeLimits {
        DecodeLimits::default()
    }

    #[test]
    fn every_vector_request_round_trips_through_json() {
        let root =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/kmip-vectors");
        let mut n = 0;
        for version in ["v1.4", "v2.1"] {
            let dir = root.join(version);
            if !dir.is_dir() {
                continue;
            }
            for file in crate::vectors::load_dir(&dir).unwrap() {
                for ex in &file.exchanges {
                    // Requests without placeholders are concrete trees.
                    let Ok(t) = ex.request.to_ttlv() else {
                        continue;
                    };
                    let text = to_string(&t).unwrap();
                    let back = from_str(&text, &limits()).unwrap();
                    assert_eq!(back, t, "{}", file.name);
                    n += 1;
                }
            }
        }
        assert!(n > 100, "only {n} requests were checked");
    }

    #[test]
    fn reads_the_profile_forms() {
        let text = r#"{"tag":"RequestPayload","value":[
            {"tag":"UniqueIdentifier","type":"TextString","value":"k1"},
            {"tag":"CryptographicUsageMask","type":"Integer","value":"Encrypt|Decrypt"},
            {"tag":"CryptographicLength","type":"Integer","value":"0x00000100"},
            {"tag":"CryptographicAlgorithm","type":"Enumeration","value":"AES"},
            {"tag":"0x420094","type":"TextString","value":"tagged by number"},
            {"tag":"Data","type":"ByteString","value":"0102ff"},
            {"tag":"ActivationDate","type":"DateTime","value":"2020-01-01T00:00:00+00:00"},
            {"tag":"LeaseTime","type":"Interval","value":3600},
            {"tag":"Sensitive","type":"Boolean","value":true}
        ]}"#;
        let t = from_str(text, &limits()).unwrap();
        assert_eq!(t.child_text(Tag::UniqueIdentifier).unwrap(), "k1");
        assert_eq!(t.child_integer(Tag::CryptographicUsageMask).unwrap(), 0x0c);
        assert_eq!(t.child_integer(Tag::CryptographicLength).unwrap(), 256);
        assert_eq!(t.child_enumeration(Tag::CryptographicAlgorithm).unwrap(), 3);
        assert_eq!(t.child_bytes(Tag::Data).unwrap(), &[1, 2, 255]);
        assert_eq!(
            t.child_date_time(Tag::ActivationDate).unwrap(),
            1_577_836_800
        );
        assert_eq!(t.child_interval(Tag::LeaseTime).unwrap(), 3600);
        assert!(t.child_boolean(Tag::Sensitive).unwrap());
    }

    #[test]
    fn refuses_malformed_input() {
        for text in [
            "",
            "[]",
            r#"{"value":[]}"#,
            r#"{"tag":"NoSuchTag","value":[]}"#,
            r#"{"tag":"RequestPayload","value":{}}"#,
            r#"{"tag":"Data","type":"ByteString","value":"abc"}"#,
            r#"{"tag":"Data","type":"Nonsense","value":"ab"}"#,
            r#"{"tag":"CryptographicLength","type":"Integer","value":[1]}"#,
            r#"{"tag":"CryptographicLength","type":"Integer","value":4294967296}"#,
        ] {
            assert!(from_str(text, &limits()).is_err(), "{text:?} was accepted");
        }
        let deep = "{\"tag\":\"RequestPayload\",\"value\":[".repeat(100) + &"]}".repeat(100);
        assert!(from_str(&deep, &limits()).is_err());
        let small = DecodeLimits {
            max_message_len: 10,
            ..limits()
        };
        assert!(matches!(
            from_str(r#"{"tag":"Data","type":"ByteString","value":"00"}"#, &small),
            Err(Error::MessageTooLarge { .. })
        ));
    }
}
