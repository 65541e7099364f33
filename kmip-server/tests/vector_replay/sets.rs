//! Answers the standard leaves unordered, compared as sets: Get Attribute
//! List, Get Attributes without names, Query.

use kmip::template::{Template, TemplateValue};
use kmip::{Tag, Ttlv, Value};

/// KMIP 1.4's key-protection flags: the OASIS 1.4 test cases list them in
/// one Get Attribute List answer (TL-M-3) and leave them out of others
/// (SKFF-M-9) and of every Get Attributes answer, so in a 1.x answer their
/// presence is not judged.
pub(crate) const UNJUDGED_1X: &[&str] = &[
    "Sensitive",
    "Always Sensitive",
    "Extractable",
    "Never Extractable",
];

/// Whether `t` is a 1.x `Attribute Name` (or `Attribute` structure) of
/// [`UNJUDGED_1X`].
pub(crate) fn unjudged(t: &Ttlv) -> bool {
    let name = match t.tag {
        Tag::AttributeName => t.as_text().ok(),
        Tag::Attribute => t.find(Tag::AttributeName).and_then(|n| n.as_text().ok()),
        _ => None,
    };
    name.is_some_and(|n| UNJUDGED_1X.contains(&n))
}

pub(crate) fn unjudged_expected(t: &Template) -> bool {
    let text = |t: &Template| match &t.value {
        TemplateValue::Value(Value::TextString(n)) => Some(n.clone()),
        _ => None,
    };
    let name = match (&t.value, t.tag) {
        (_, Tag::AttributeName) => text(t),
        (TemplateValue::Structure(c), Tag::Attribute) => c
            .iter()
            .find(|x| x.tag == Tag::AttributeName)
            .and_then(text),
        _ => None,
    };
    name.is_some_and(|n| UNJUDGED_1X.contains(&n.as_str()))
}

/// The name an attribute goes by in a Get Attributes answer: its tag, and
/// for a 1.x `Attribute` or a 2.x vendor attribute its Attribute Name.
pub(crate) fn attribute_key(tag: Tag, name: Option<&str>) -> String {
    format!("{tag}/{}", name.unwrap_or(""))
}

/// `actual` in the order of `expected`, attribute by attribute (values of
/// one attribute keep their order); what the vector does not have goes last.
pub(crate) fn reorder_like(expected: &[Template], actual: &[Ttlv]) -> Vec<Ttlv> {
    let expected_name = |t: &Template| -> Option<String> {
        match &t.value {
            TemplateValue::Structure(c) => c.iter().find_map(|x| match &x.value {
                TemplateValue::Value(Value::TextString(n)) if x.tag == Tag::AttributeName => {
                    Some(n.clone())
                }
                _ => None,
            }),
            _ => None,
        }
    };
    let actual_name = |t: &Ttlv| -> Option<String> {
        t.find(Tag::AttributeName)
            .and_then(|n| n.as_text().ok())
            .map(str::to_string)
    };
    let mut rest: Vec<Option<&Ttlv>> = actual.iter().map(Some).collect();
    let mut out = Vec::with_capacity(actual.len());
    for e in expected {
        let key = attribute_key(e.tag, expected_name(e).as_deref());
        let hit = rest.iter_mut().find(|slot| {
            slot.is_some_and(|a| attribute_key(a.tag, actual_name(a).as_deref()) == key)
        });
        if let Some(slot) = hit {
            if let Some(a) = slot.take() {
                out.push(a.clone());
            }
        }
    }
    out.extend(rest.into_iter().flatten().cloned());
    out
}

/// A Get Attribute List answer (KMIP 2.1 §6.1.22) is a set: the same
/// Unique Identifier and the same attribute names or references, in any order.
pub(crate) fn compare_attribute_list(expected: &[Template], actual: &[Ttlv]) -> Result<(), String> {
    let expected: Vec<Template> = expected
        .iter()
        .filter(|e| !unjudged_expected(e))
        .cloned()
        .collect();
    let expected = expected.as_slice();
    let actual: Vec<&Ttlv> = actual.iter().filter(|a| !unjudged(a)).collect();
    let key = |tag: Tag, v: String| format!("{tag}={v}");
    let mut want: Vec<String> = Vec::new();
    for e in expected {
        match &e.value {
            TemplateValue::Value(v) => want.push(key(e.tag, format!("{v:?}"))),
            // The Unique Identifier placeholder: any text is accepted here,
            // the identifier was checked by the operations before.
            TemplateValue::Placeholder(_) => want.push(key(e.tag, "*".into())),
            TemplateValue::Structure(c) => want.push(key(e.tag, format!("{c:?}"))),
        }
    }
    let mut have: Vec<String> = Vec::new();
    for a in actual {
        let templated = expected
            .iter()
            .any(|e| e.tag == a.tag && matches!(e.value, TemplateValue::Placeholder(_)));
        have.push(match &a.value {
            _ if templated => key(a.tag, "*".into()),
            Value::Structure(c) => key(
                a.tag,
                format!("{:?}", c.iter().map(Template::from).collect::<Vec<_>>()),
            ),
            v => key(a.tag, format!("{:?}", v)),
        });
    }
    want.sort();
    have.sort();
    if want == have {
        return Ok(());
    }
    let missing: Vec<&String> = want.iter().filter(|w| !have.contains(w)).collect();
    let extra: Vec<&String> = have.iter().filter(|h| !want.contains(h)).collect();
    Err(format!(
        "attribute list lacks {missing:?}, has extra {extra:?}"
    ))
}

/// A Query answer describes the server that gives it (KMIP 2.1 §6.1.37): the
/// profile's list of Operations and Object Types is what a conformant server
/// must support at least, so each expected one must be listed and more are
/// allowed; Vendor Identification and Server Information must be present
/// with any content; every other expected item is compared in order.
pub(crate) fn compare_query(expected: &[Template], actual: &[Ttlv]) -> Result<(), String> {
    let listed = |tag: Tag| -> Vec<u32> {
        actual
            .iter()
            .filter(|a| a.tag == tag)
            .filter_map(|a| a.as_enumeration().ok())
            .collect()
    };
    let mut missing = Vec::new();
    for e in expected {
        match (e.tag, &e.value) {
            (Tag::Operation | Tag::ObjectType, TemplateValue::Value(Value::Enumeration(v))) => {
                if !listed(e.tag).contains(v) {
                    let table = if e.tag == Tag::Operation {
                        &kmip::enums::operation::TABLE
                    } else {
                        &kmip::enums::object_type::TABLE
                    };
                    missing.push(table.name_of(*v).unwrap_or("?").to_string());
                }
            }
            (Tag::VendorIdentification | Tag::ServerInformation, _) => {
                if !actual.iter().any(|a| a.tag == e.tag) {
                    missing.push(e.tag.to_string());
                }
            }
            _ => {
                let found = actual.iter().filter(|a| a.tag == e.tag).count();
                let wanted = expected.iter().filter(|x| x.tag == e.tag).count();
                if found != wanted {
                    missing.push(format!("{} ({found} of {wanted})", e.tag));
                }
            }
        }
    }
    let known = |t: Tag| {
        expected.iter().any(|e| e.tag == t) || matches!(t, Tag::Operation | Tag::ObjectType)
    };
    if let Some(extra) = actual.iter().find(|a| !known(a.tag)) {
        return Err(format!(
            "Query answer has {} that was not asked for",
            extra.tag
        ));
    }
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("Query answer lacks {}", missing.join(", ")))
    }
}
