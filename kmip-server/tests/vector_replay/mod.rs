//! The OASIS vector replay's comparison of a response with the expected
//! one, and the values it captures on the way (see `tests/vectors.rs`).

pub(crate) mod http;
mod sets;

use kmip::template::{Placeholder, PlaceholderKind, Template, TemplateValue};
use kmip::{Tag, Ttlv, Value};
use sets::{compare_attribute_list, compare_query, reorder_like, unjudged, unjudged_expected};
use std::collections::HashMap;

pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[derive(Default)]
pub(crate) struct Captures {
    pub(crate) uids: Vec<String>,
    pub(crate) named: HashMap<String, Value>,
    /// Whether the vector's generated-key digests may differ: set once a
    /// Create / Create Key Pair was sent.
    pub(crate) generated: bool,
    /// Unique identifiers of public keys the file registered.
    pub(crate) public_keys: Vec<String>,
    /// Per response batch item of the current exchange: whether random
    /// output is compared by length only.
    pub(crate) loose: Vec<bool>,
    /// The batch item being compared (1-based; 0 before the first).
    pub(crate) item: usize,
    /// Whether that batch item answers a Query.
    pub(crate) query: bool,
    /// The Unique Identifier in that batch item's response payload.
    pub(crate) current_uid: Option<String>,
    /// Objects the server generated (Create, Create Key Pair, Re-key,
    /// Derive Key) in this file or an earlier one: their key material is
    /// random, and later files (TL-M-3 after TL-M-2) Get them.
    pub(crate) generated_uids: std::collections::HashSet<String>,
    /// Whether that batch item answers a Get Attribute List.
    pub(crate) attribute_list: bool,
    /// Whether that batch item answers a Get Attributes.
    pub(crate) get_attributes: bool,
    /// Whether the attributes being compared were put in the vector's order.
    pub(crate) reordered: bool,
    /// Values of literal outputs, for a later request's placeholder of that
    /// kind when no placeholder captured one.
    pub(crate) soft: HashMap<String, Value>,
    /// How many `$DATA_n` were filled from literal outputs.
    pub(crate) soft_data: usize,
    /// Vector values replaced by the server's: sent back in later requests.
    pub(crate) substitutes: Vec<(Vec<u8>, Vec<u8>)>,
}

/// Tags of random output and the placeholder a later request names them by.
pub(crate) const OUTPUT_PLACEHOLDERS: &[(Tag, &str)] = &[
    (Tag::SignatureData, "$SIGNATURE_DATA"),
    (Tag::MACData, "$MAC_DATA"),
    (Tag::IVCounterNonce, "$IV_COUNTER_NONCE"),
    (
        Tag::AuthenticatedEncryptionTag,
        "$AUTHENTICATED_ENCRYPTION_TAG",
    ),
    (Tag::CorrelationValue, "$CORRELATION_VALUE"),
];

/// Replaces, in a request about to be sent, each vector value that the
/// server answered differently with the server's value.
pub(crate) fn substitute(t: &mut Ttlv, subs: &[(Vec<u8>, Vec<u8>)]) {
    match &mut t.value {
        Value::ByteString(b) => {
            if let Some((_, ours)) = subs.iter().find(|(theirs, _)| theirs == b) {
                *b = ours.clone();
            }
        }
        Value::Structure(children) => {
            for c in children {
                substitute(c, subs);
            }
        }
        _ => {}
    }
}

impl Captures {
    /// Whether the object of the batch item being compared may have key
    /// material of the server's choosing.
    pub(crate) fn random_material(&self) -> bool {
        self.generated
            || self
                .current_uid
                .as_ref()
                .is_some_and(|u| self.generated_uids.contains(u))
    }

    pub(crate) fn fill(&self, _tag: Tag, p: &Placeholder) -> Result<Value, String> {
        match p.kind() {
            PlaceholderKind::UniqueIdentifier(n) => self
                .uids
                .get(n)
                .map(|u| Value::TextString(u.clone()))
                .ok_or_else(|| format!("{} not handed out yet", p.text)),
            PlaceholderKind::Now { offset_seconds } => Ok(Value::DateTime(now() + offset_seconds)),
            _ => self
                .named
                .get(&p.text)
                .or_else(|| self.soft.get(&p.text))
                .cloned()
                .ok_or_else(|| format!("{} has no captured value", p.text)),
        }
    }

    pub(crate) fn accept(&mut self, p: &Placeholder, v: &Value) -> bool {
        match p.kind() {
            PlaceholderKind::UniqueIdentifier(n) => {
                let Value::TextString(s) = v else {
                    return false;
                };
                match self.uids.get(n) {
                    Some(known) => known == s,
                    None if n == self.uids.len() => {
                        self.uids.push(s.clone());
                        true
                    }
                    None => false,
                }
            }
            PlaceholderKind::Now { .. } => matches!(v, Value::DateTime(_)),
            _ => match self.named.get(&p.text) {
                Some(known) => known == v,
                None => {
                    self.named.insert(p.text.clone(), v.clone());
                    true
                }
            },
        }
    }
}

/// Compares `actual` with `expected`, returning the path of the first difference.
pub(crate) fn compare(
    e: &Template,
    a: &Ttlv,
    caps: &mut Captures,
    path: &str,
) -> Result<(), String> {
    let here = format!("{path}/{}", e.tag);
    if e.tag != a.tag {
        return Err(format!("{here}: found tag {}", a.tag));
    }
    match (&e.value, &a.value) {
        (TemplateValue::Structure(ec), Value::Structure(ac))
            if e.tag == Tag::ResponsePayload && caps.attribute_list =>
        {
            compare_attribute_list(ec, ac).map_err(|m| format!("{here}: {m}"))
        }
        (TemplateValue::Structure(ec), Value::Structure(ac))
            if e.tag == Tag::ResponsePayload && caps.query =>
        {
            compare_query(ec, ac).map_err(|m| format!("{here}: {m}"))
        }
        (TemplateValue::Structure(_), Value::Structure(_))
            if e.tag == Tag::RandomNumberGenerator =>
        {
            Ok(())
        }
        // KMIP 1.x form of the same attribute.
        (TemplateValue::Structure(_), Value::Structure(_))
            if e.tag == Tag::Attribute
                && a.find(Tag::AttributeName).and_then(|n| n.as_text().ok())
                    == Some("Random Number Generator") =>
        {
            Ok(())
        }
        (TemplateValue::Structure(ec), Value::Structure(ac))
            if caps.get_attributes
                && (e.tag == Tag::Attributes
                    || (e.tag == Tag::ResponsePayload
                        && ec.iter().any(|c| c.tag == Tag::Attribute)))
                && !caps.reordered =>
        {
            // Get Attributes answers a set of attributes: their order is the
            // server's, so ours are put in the vector's order first.
            let ec: Vec<Template> = ec
                .iter()
                .filter(|c| !unjudged_expected(c))
                .cloned()
                .collect();
            let ac: Vec<Ttlv> = ac.iter().filter(|c| !unjudged(c)).cloned().collect();
            let e = &Template {
                tag: e.tag,
                value: TemplateValue::Structure(ec.clone()),
            };
            let ordered = Ttlv::structure(a.tag, reorder_like(&ec, &ac));
            caps.reordered = true;
            let r = compare(e, &ordered, caps, path);
            caps.reordered = false;
            r
        }
        (TemplateValue::Structure(ec), Value::Structure(ac)) => {
            if e.tag == Tag::BatchItem {
                caps.item += 1;
                caps.current_uid = a
                    .path(&[Tag::ResponsePayload, Tag::UniqueIdentifier])
                    .and_then(|u| u.as_text().ok())
                    .map(str::to_string);
                let answers = |op: u32| {
                    ec.iter().any(|c| {
                        c.tag == Tag::Operation
                            && c.value == TemplateValue::Value(Value::Enumeration(op))
                    })
                };
                caps.query = answers(kmip::enums::operation::Query);
                caps.attribute_list = answers(kmip::enums::operation::GetAttributeList);
                caps.get_attributes = answers(kmip::enums::operation::GetAttributes);
            }
            let skip = |t: Tag| {
                matches!(t, Tag::TimeStamp | Tag::ServerCorrelationValue)
                    && e.tag == Tag::ResponseHeader
            };
            let ec: Vec<&Template> = ec.iter().filter(|c| !skip(c.tag)).collect();
            let ac: Vec<&Ttlv> = ac.iter().filter(|c| !skip(c.tag)).collect();
            if ec.len() != ac.len() {
                let names = |v: Vec<String>| v.join(",");
                return Err(format!(
                    "{here}: expected [{}], found [{}]",
                    names(ec.iter().map(|c| c.tag.to_string()).collect()),
                    names(ac.iter().map(|c| c.tag.to_string()).collect())
                ));
            }
            for (i, (ei, ai)) in ec.iter().zip(ac).enumerate() {
                compare(ei, ai, caps, &format!("{here}[{i}]"))?;
            }
            Ok(())
        }
        (TemplateValue::Placeholder(p), v) if p.item_type == v.item_type() => {
            if caps.accept(p, v) {
                Ok(())
            } else {
                Err(format!("{here}: {v:?} does not match {}", p.text))
            }
        }
        (TemplateValue::Value(Value::TextString(_)), Value::TextString(_))
            if e.tag == Tag::ResultMessage =>
        {
            Ok(())
        }
        (TemplateValue::Value(Value::ByteString(_)), Value::ByteString(_))
            if e.tag == Tag::DigestValue && caps.random_material() =>
        {
            Ok(())
        }
        (TemplateValue::Value(Value::ByteString(ev)), Value::ByteString(av))
            if e.tag == Tag::PKCS_11OutputParameters && ev != av =>
        {
            same_ck_info_layout(ev, av).map_err(|m| format!("{here}: {m}"))
        }
        (TemplateValue::Value(Value::ByteString(ev)), Value::ByteString(av))
            if e.tag == Tag::KeyMaterial && ev != av && caps.random_material() =>
        {
            generated_key_material(ev, av, caps).map_err(|m| format!("{here}: {m}"))
        }
        (TemplateValue::Value(Value::ByteString(ev)), Value::ByteString(av))
            if ev != av
                && ev.len() == av.len()
                && matches!(
                    e.tag,
                    Tag::Data | Tag::IVCounterNonce | Tag::AuthenticatedEncryptionTag
                )
                && caps.loose.get(caps.item.wrapping_sub(1)) == Some(&true) =>
        {
            caps.substitutes.push((ev.clone(), av.clone()));
            if let Some((_, name)) = OUTPUT_PLACEHOLDERS.iter().find(|(t, _)| *t == e.tag) {
                caps.soft
                    .insert(name.to_string(), Value::ByteString(av.clone()));
            }
            if e.tag == Tag::Data {
                // A later request may name this output `$DATA_n`.
                let n = caps.soft_data;
                caps.soft_data += 1;
                caps.soft
                    .insert(format!("$DATA_{n}"), Value::ByteString(av.clone()));
            }
            Ok(())
        }
        (TemplateValue::Value(ev), av) if ev == av => {
            if let Some((_, name)) = OUTPUT_PLACEHOLDERS.iter().find(|(t, _)| *t == e.tag) {
                caps.soft.insert(name.to_string(), av.clone());
            }
            Ok(())
        }
        (ev, av) => Err(format!("{here}: expected {ev:?}, found {av:?}")),
    }
}

/// The key material of a key the server generated is random: the server's
/// bytes stand in for the vector's from then on (same length required), and
/// a later Get of the same key must return the same bytes again.
pub(crate) fn generated_key_material(
    ev: &[u8],
    av: &[u8],
    caps: &mut Captures,
) -> Result<(), String> {
    if let Some((_, ours)) = caps.substitutes.iter().find(|(theirs, _)| theirs == ev) {
        return if ours == av {
            Ok(())
        } else {
            Err("a second Get of a generated key returned other key material".into())
        };
    }
    if ev.len() != av.len() {
        return Err(format!(
            "generated key material of {} bytes, expected {}",
            av.len(),
            ev.len()
        ));
    }
    caps.substitutes.push((ev.to_vec(), av.to_vec()));
    Ok(())
}

/// C_GetInfo's output names the server (manufacturer, description, library
/// version), so a `CK_INFO` is compared by layout: the same length (76:
/// version, 32-byte manufacturer, 8-byte flags, 32-byte description,
/// version), the same PKCS#11 version and flags, and blank-padded
/// printable text fields.
fn same_ck_info_layout(expected: &[u8], actual: &[u8]) -> Result<(), String> {
    let text_ok = |f: &[u8]| f.iter().all(|b| (0x20..0x7f).contains(b));
    if expected.len() != 76 || actual.len() != 76 {
        return Err(format!(
            "CK_INFO of {} bytes, expected {}",
            actual.len(),
            expected.len()
        ));
    }
    if expected[..2] != actual[..2] || expected[34..42] != actual[34..42] {
        return Err("CK_INFO version or flags differ".into());
    }
    if !text_ok(&actual[2..34]) || !text_ok(&actual[42..74]) {
        return Err("CK_INFO text fields are not blank-padded printable text".into());
    }
    Ok(())
}
