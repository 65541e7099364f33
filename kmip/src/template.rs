//! TTLV trees that may hold placeholders, as read from the OASIS test vectors.
//!
//! The KMIP test vectors write values that only exist at run time as
//! placeholders: `$UNIQUE_IDENTIFIER_0`, `$NOW-3600`, `$IV_COUNTER_NONCE`, ...
//! (see `shared/kmip-vectors/README.md`). Rather than smuggle them into
//! [`Value`] (which is what goes on the wire and must stay exact), the XML
//! codec reads into a [`Template`]: the same tree shape, where a leaf is either
//! a concrete [`Value`] or a [`Placeholder`] remembering its item type and its
//! text. A replay harness turns a request template into a [`Ttlv`] with
//! [`Template::resolve`], and checks a server response against an expected
//! template with [`Template::compare_with`], capturing what the placeholders
//! stand for.

use crate::error::{Error, Result};
use crate::tag::{ItemType, Tag};
use crate::ttlv::{Ttlv, Value};

/// A TTLV item whose leaves may be placeholders.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    pub tag: Tag,
    pub value: TemplateValue,
}

/// The value of a [`Template`] item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TemplateValue {
    /// Ordered children.
    Structure(Vec<Template>),
    /// A concrete primitive value (never `Value::Structure`).
    Value(Value),
    /// A value to be filled in or captured at run time.
    Placeholder(Placeholder),
}

/// A placeholder leaf: its declared item type and its text, e.g. `$NOW-3600`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Placeholder {
    pub item_type: ItemType,
    /// The text exactly as in the vector file, `$` included.
    pub text: String,
}

/// What a placeholder stands for, parsed from its text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlaceholderKind<'a> {
    /// `$UNIQUE_IDENTIFIER_n`: the n-th unique identifier the server handed out.
    UniqueIdentifier(usize),
    /// `$NOW`, `$NOW-3600`, `$NOW+3600`: the current time plus an offset in seconds.
    Now { offset_seconds: i64 },
    /// `$NAME_n` (e.g. `$DATA_0`, `$KEY_MATERIAL_1`): a server-produced value, numbered.
    Indexed { name: &'a str, index: usize },
    /// `$NAME` (e.g. `$IV_COUNTER_NONCE`): a server-produced value.
    Named(&'a str),
}

impl Placeholder {
    /// A placeholder if `text` is one: `$` followed by an upper-case letter.
    /// (No real value in the vectors has this shape.)
    pub fn parse(item_type: ItemType, text: &str) -> Option<Placeholder> {
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some('$'), Some(c)) if c.is_ascii_uppercase() => Some(Placeholder {
                item_type,
                text: text.to_owned(),
            }),
            _ => None,
        }
    }

    /// What the placeholder stands for.
    pub fn kind(&self) -> PlaceholderKind<'_> {
        let body = self.text.trim_start_matches('$');
        if let Some(rest) = body.strip_prefix("NOW") {
            let offset = match rest.split_at_checked(1) {
                Some(("+", n)) => n.parse::<i64>().ok(),
                Some(("-", n)) => n.parse::<i64>().ok().map(|v| -v),
                _ if rest.is_empty() => Some(0),
                _ => None,
            };
            if let Some(offset_seconds) = offset {
                return PlaceholderKind::Now { offset_seconds };
            }
        }
        if let Some((name, n)) = body.rsplit_once('_') {
            if let Ok(index) = n.parse::<usize>() {
                if name == "UNIQUE_IDENTIFIER" {
                    return PlaceholderKind::UniqueIdentifier(index);
                }
                return PlaceholderKind::Indexed { name, index };
            }
        }
        PlaceholderKind::Named(body)
    }
}

impl From<&Ttlv> for Template {
    fn from(t: &Ttlv) -> Template {
        let value = match &t.value {
            Value::Structure(children) => {
                TemplateValue::Structure(children.iter().map(Template::from).collect())
            }
            other => TemplateValue::Value(other.clone()),
        };
        Template { tag: t.tag, value }
    }
}

impl Template {
    /// The item type of this node (a placeholder's declared type).
    pub fn item_type(&self) -> ItemType {
        match &self.value {
            TemplateValue::Structure(_) => ItemType::Structure,
            TemplateValue::Value(v) => v.item_type(),
            TemplateValue::Placeholder(p) => p.item_type,
        }
    }

    /// Direct children (empty for a leaf).
    pub fn children(&self) -> &[Template] {
        match &self.value {
            TemplateValue::Structure(c) => c,
            _ => &[],
        }
    }

    /// The first direct child with this tag.
    pub fn find(&self, tag: Tag) -> Option<&Template> {
        self.children().iter().find(|c| c.tag == tag)
    }

    /// Follows a path of tags (first match at each level).
    pub fn path(&self, tags: &[Tag]) -> Option<&Template> {
        tags.iter().try_fold(self, |node, tag| node.find(*tag))
    }

    /// Every placeholder in document order, with its tag.
    pub fn placeholders(&self) -> Vec<(Tag, &Placeholder)> {
        let mut out = Vec::new();
        self.collect_placeholders(&mut out);
        out
    }

    fn collect_placeholders<'a>(&'a self, out: &mut Vec<(Tag, &'a Placeholder)>) {
        match &self.value {
            TemplateValue::Structure(c) => c.iter().for_each(|c| c.collect_placeholders(out)),
            TemplateValue::Value(_) => {}
            TemplateValue::Placeholder(p) => out.push((self.tag, p)),
        }
    }

    /// A concrete tree, asking `fill` for the value of each placeholder.
    /// `fill` should return a value of the placeholder's `item_type`.
    pub fn resolve<E>(
        &self,
        fill: &mut impl FnMut(Tag, &Placeholder) -> Result<Value, E>,
    ) -> Result<Ttlv, E> {
        let value = match &self.value {
            TemplateValue::Structure(c) => Value::Structure(
                c.iter()
                    .map(|c| c.resolve(fill))
                    .collect::<Result<Vec<_>, E>>()?,
            ),
            TemplateValue::Value(v) => v.clone(),
            TemplateValue::Placeholder(p) => fill(self.tag, p)?,
        };
        Ok(Ttlv::new(self.tag, value))
    }

    /// The concrete tree; [`Error::UnresolvedPlaceholder`] if any placeholder remains.
    pub fn to_ttlv(&self) -> Result<Ttlv> {
        self.resolve(&mut |tag, p| {
            Err(Error::UnresolvedPlaceholder {
                tag,
                name: p.text.clone(),
            })
        })
    }

    /// Compares `actual` with this template. Concrete values must be equal;
    /// at a placeholder, `on_placeholder` decides (e.g. capture the value the
    /// first time, compare it later). On mismatch, returns the path of the
    /// first difference, e.g. `ResponseMessage/BatchItem[0]/ResultStatus: ...`.
    pub fn compare_with(
        &self,
        actual: &Ttlv,
        on_placeholder: &mut impl FnMut(&Placeholder, &Value) -> bool,
    ) -> Result<(), String> {
        let here = || self.tag.to_string();
        if self.tag != actual.tag {
            return Err(format!("{}: tag differs, found {}", here(), actual.tag));
        }
        match (&self.value, &actual.value) {
            (TemplateValue::Structure(expected), Value::Structure(found)) => {
                if expected.len() != found.len() {
                    return Err(format!(
                        "{}: {} children expected, {} found",
                        here(),
                        expected.len(),
                        found.len()
                    ));
                }
                for (i, (e, f)) in expected.iter().zip(found).enumerate() {
                    e.compare_with(f, on_placeholder)
                        .map_err(|m| format!("{}[{i}]/{m}", here()))?;
                }
                Ok(())
            }
            (TemplateValue::Value(e), f) if e == f => Ok(()),
            (TemplateValue::Placeholder(p), f) if p.item_type == f.item_type() => {
                if on_placeholder(p, f) {
                    Ok(())
                } else {
                    Err(format!(
                        "{}: {f:?} rejected for placeholder {}",
                        here(),
                        p.text
                    ))
                }
            }
            (e, f) => Err(format!("{}: expected {e:?}, found {f:?}", here())),
        }
    }

    /// Whether `actual` matches, any value of the right type matching a placeholder.
    pub fn matches(&self, actual: &Ttlv) -> bool {
        self.compare_with(actual, &mut |_, _| true).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholder_kinds() {
        let p = |s: &str| Placeholder::parse(ItemType::TextString, s).unwrap();
        assert_eq!(
            p("$UNIQUE_IDENTIFIER_3").kind(),
            PlaceholderKind::UniqueIdentifier(3)
        );
        assert_eq!(p("$NOW").kind(), PlaceholderKind::Now { offset_seconds: 0 });
        assert_eq!(
            p("$NOW-3600").kind(),
            PlaceholderKind::Now {
                offset_seconds: -3600
            }
        );
        assert_eq!(
            p("$NOW+3600").kind(),
            PlaceholderKind::Now {
                offset_seconds: 3600
            }
        );
        assert_eq!(
            p("$DATA_25").kind(),
            PlaceholderKind::Indexed {
                name: "DATA",
                index: 25
            }
        );
        assert_eq!(
            p("$IV_COUNTER_NONCE").kind(),
            PlaceholderKind::Named("IV_COUNTER_NONCE")
        );
        assert!(Placeholder::parse(ItemType::TextString, "$5").is_none());
        assert!(Placeholder::parse(ItemType::TextString, "plain").is_none());
    }

    #[test]
    fn resolve_and_compare() {
        let t = Template {
            tag: Tag::ResponsePayload,
            value: TemplateValue::Structure(vec![Template {
                tag: Tag::UniqueIdentifier,
                value: TemplateValue::Placeholder(Placeholder {
                    item_type: ItemType::TextString,
                    text: "$UNIQUE_IDENTIFIER_0".into(),
                }),
            }]),
        };
        assert!(matches!(
            t.to_ttlv(),
            Err(Error::UnresolvedPlaceholder { .. })
        ));
        let concrete = t
            .resolve(&mut |_, _| Ok::<_, ()>(Value::TextString("uid-1".into())))
            .unwrap();
        assert_eq!(concrete.child_text(Tag::UniqueIdentifier).unwrap(), "uid-1");
        assert!(t.matches(&concrete));
        let mut seen = None;
        t.compare_with(&concrete, &mut |p, v| {
            seen = Some((p.text.clone(), v.clone()));
            true
        })
        .unwrap();
        assert_eq!(seen.unwrap().1, Value::TextString("uid-1".into()));
        let wrong = Ttlv::structure(
            Tag::ResponsePayload,
            vec![Ttlv::integer(Tag::UniqueIdentifier, 1)],
        );
        let err = t.compare_with(&wrong, &mut |_, _| true).unwrap_err();
        assert!(
            err.starts_with("ResponsePayload[0]/UniqueIdentifier"),
            "{err}"
        );
    }
}
