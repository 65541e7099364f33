//! Writing trees in the KMIP XML encoding (KMIP Profiles 2.1 §5.4).

use std::fmt::Write as _;

use quick_xml::escape::escape;

use super::{attribute_name_of, naming_tag, values};
use crate::error::Result;
use crate::tables;
use crate::template::{Template, TemplateValue};
use crate::ttlv::{Ttlv, Value};

/// Indentation per nesting level.
const INDENT: &str = "  ";

/// Deepest tree the (recursive) writer accepts, as for the binary encoder.
use crate::binary::MAX_ENCODE_DEPTH;

/// The XML encoding of a concrete tree, indented, one element per line.
pub fn to_string(item: &Ttlv) -> Result<String> {
    template_to_string(&Template::from(item))
}

/// The XML encoding of a template; placeholders are written as their text.
pub fn template_to_string(item: &Template) -> Result<String> {
    let mut out = String::new();
    write_item(item, &[], 0, &mut out)?;
    Ok(out)
}

fn write_item(
    item: &Template,
    siblings: &[Template],
    depth: usize,
    out: &mut String,
) -> Result<()> {
    if depth >= MAX_ENCODE_DEPTH {
        return Err(crate::Error::TooDeep {
            offset: out.len(),
            max: MAX_ENCODE_DEPTH,
        });
    }
    for _ in 0..depth {
        out.push_str(INDENT);
    }
    let (element, tag_attr) = match item.tag.name() {
        Some(name) => (name, String::new()),
        None => ("TTLV", format!(" tag=\"0x{:06x}\"", item.tag.value())),
    };
    // `write!` into a String cannot fail; results are ignored on purpose.
    let _ = write!(out, "<{element}{tag_attr}");
    match &item.value {
        TemplateValue::Structure(children) if children.is_empty() => out.push_str("/>\n"),
        TemplateValue::Structure(children) => {
            out.push_str(">\n");
            for child in children {
                write_item(child, children, depth + 1, out)?;
            }
            for _ in 0..depth {
                out.push_str(INDENT);
            }
            let _ = writeln!(out, "</{element}>");
        }
        TemplateValue::Value(v) => {
            let text = format_value(item, v, siblings);
            let _ = writeln!(
                out,
                " type=\"{}\" value=\"{}\"/>",
                v.item_type(),
                escape(text.as_str())
            );
        }
        TemplateValue::Placeholder(p) => {
            let _ = writeln!(
                out,
                " type=\"{}\" value=\"{}\"/>",
                p.item_type,
                escape(p.text.as_str())
            );
        }
    }
    Ok(())
}

fn format_value(item: &Template, v: &Value, siblings: &[Template]) -> String {
    let naming = || naming_tag(item.tag, siblings.iter().map(attribute_name_of));
    match v {
        Value::Integer(i) => match tables::mask_for(naming()) {
            Some(mask) => values::format_mask(*i, mask),
            None => i.to_string(),
        },
        Value::Enumeration(e) => values::format_enum(*e, tables::enumeration_for(naming())),
        Value::LongInteger(i) => i.to_string(),
        Value::BigInteger(b) | Value::ByteString(b) => values::format_hex(b),
        Value::Boolean(b) => b.to_string(),
        Value::TextString(s) => s.clone(),
        Value::DateTime(t) => values::format_date_time(*t),
        Value::Interval(i) => i.to_string(),
        Value::DateTimeExtended(t) => values::format_date_time_extended(*t),
        Value::Structure(_) => String::new(),
    }
}
