//! KMIP attributes ↔ the keystore's [`Attributes`] (KMIP 2.1 §4, KMIP 1.4 §3).
//!
//! Inside the server an attribute is held in its KMIP 2.x form: an item whose
//! tag is the attribute ([`Attr::Std`]), or a vendor / custom attribute
//! ([`Attr::Vendor`]). 1.x `Attribute` name/value pairs are converted on the
//! way in and out ([`parse_list`], [`encode`]), so every operation is written
//! once for both protocol families.
//!
//! Attributes with a keystore field (name, algorithm, usage, dates, flags,
//! links, groups, ...) are stored there and so seen by PKCS#11 too; other
//! standard attributes (Description, Comment, Fresh, ...) and custom ones are
//! kept verbatim in [`Attributes::custom`].

use crate::error::{Error, Result};
use kmip::{attribute_names, ProtocolVersion, Tag, Ttlv};

mod convert;
mod read;
mod write;

pub use convert::{algorithm_from_kmip, meta, set_meta, value_from_store, value_to_store};
pub use read::{all_for, std_values, values, vendor_values};
pub use write::{apply_template, put_values, put_vendor};

/// Vendor identification under which standard attributes without a keystore
/// field are stored (name = the tag's XML name).
pub const STD_VENDOR: &str = "keybridge:std";
/// Vendor identification of the server's own bookkeeping (never returned).
pub const META_VENDOR: &str = "keybridge:meta";

/// One attribute, in the KMIP 2.x shape.
#[derive(Clone, Debug, PartialEq)]
pub enum Attr {
    /// A standard attribute: the item's tag names it.
    Std(Ttlv),
    /// A KMIP 2.x Vendor Attribute, or a 1.x custom (`x-`, `y-`) attribute
    /// (vendor `None`). `value` is tagged AttributeValue.
    Vendor {
        vendor: Option<String>,
        name: String,
        value: Ttlv,
    },
}

/// A 1.x custom attribute name `x-Name` / `y-Name` (KMIP 1.4 §3.47) is
/// vendor "x" / "y" and name `Name` in 2.x; other names have no vendor.
pub fn split_1x_name(name: &str) -> (Option<String>, String) {
    match name.split_once('-') {
        Some((v @ ("x" | "y"), n)) => (Some(v.to_string()), n.to_string()),
        _ => (None, name.to_string()),
    }
}

/// The 1.x name of a custom attribute: the inverse of [`split_1x_name`].
pub fn join_1x_name(vendor: Option<&str>, name: &str) -> String {
    match vendor {
        Some(v @ ("x" | "y")) => format!("{v}-{name}"),
        _ => name.to_string(),
    }
}

/// Reads one 1.x `Attribute` structure.
pub fn from_1x(a: &Ttlv) -> Result<Attr> {
    let name = a.child_text(Tag::AttributeName)?;
    let value = a.child(Tag::AttributeValue)?;
    Ok(match attribute_names::tag_of(name) {
        Some(tag) => Attr::Std(Ttlv::new(tag, value.value.clone())),
        None => {
            let (vendor, name) = split_1x_name(name);
            Attr::Vendor {
                vendor,
                name,
                value: value.clone(),
            }
        }
    })
}

/// Reads one attribute of a 2.x `Attributes` structure (or a NewAttribute's child).
pub fn from_2x(a: &Ttlv) -> Result<Attr> {
    // KMIP 2.x vendor attributes are `Attribute` structures with a Vendor
    // Identification (KMIP 2.1 §4.57).
    if a.tag == Tag::Attribute {
        let vendor = a.child_text(Tag::VendorIdentification)?;
        return Ok(Attr::Vendor {
            vendor: if vendor.is_empty() {
                None
            } else {
                Some(vendor.to_string())
            },
            name: a.child_text(Tag::AttributeName)?.to_string(),
            value: a.child(Tag::AttributeValue)?.clone(),
        });
    }
    Ok(Attr::Std(a.clone()))
}

/// The attributes of a request payload in either form: 2.x `Attributes`
/// (tag `attributes_tag`), or 1.x `TemplateAttribute`-like structures
/// (tag `template_tag`) holding `Attribute` items.
pub fn parse_list(payload: &Ttlv, attributes_tag: Tag, template_tag: Tag) -> Result<Vec<Attr>> {
    parse_list_with(payload, attributes_tag, template_tag, &mut |_| {
        Err(Error::not_supported(
            "this operation takes no Template by name",
        ))
    })
}

/// [`parse_list`] where a 1.x `TemplateAttribute`-like structure may name
/// Templates (its `Name` items, KMIP 1.4 §2.1.8): `named` gives each named
/// Template's attributes, which come first, so the request's own
/// attributes override them.
pub fn parse_list_with(
    payload: &Ttlv,
    attributes_tag: Tag,
    template_tag: Tag,
    named: &mut dyn FnMut(&str) -> Result<Vec<Attr>>,
) -> Result<Vec<Attr>> {
    let mut out = Vec::new();
    if let Some(s) = payload.opt_child_structure(attributes_tag)? {
        for a in s.children()? {
            out.push(from_2x(a)?);
        }
    }
    if let Some(s) = payload.opt_child_structure(template_tag)? {
        let mut from_templates = Vec::new();
        for n in s.find_all(Tag::Name) {
            from_templates.extend(named(n.child_text(Tag::NameValue)?)?);
        }
        let own = s
            .find_all(Tag::Attribute)
            .map(from_1x)
            .collect::<Result<Vec<_>>>()?;
        // An attribute the request gives replaces the templates' values.
        from_templates.retain(|t| !own.iter().any(|o| same_attribute(o, t)));
        out.extend(from_templates);
        out.extend(own);
    }
    Ok(out)
}

/// Whether two attributes are the same attribute (whatever their values).
fn same_attribute(a: &Attr, b: &Attr) -> bool {
    match (a, b) {
        (Attr::Std(x), Attr::Std(y)) => x.tag == y.tag,
        (
            Attr::Vendor {
                vendor: v1,
                name: n1,
                ..
            },
            Attr::Vendor {
                vendor: v2,
                name: n2,
                ..
            },
        ) => v1 == v2 && n1 == n2,
        _ => false,
    }
}

/// The attributes a Template object (1.x) holds: its `Attribute` items,
/// of which it must have at least one.
pub fn template_attributes(template: &Ttlv) -> Result<Vec<Attr>> {
    let out = template
        .find_all(Tag::Attribute)
        .map(from_1x)
        .collect::<Result<Vec<_>>>()?;
    if out.is_empty() {
        return Err(Error::invalid("a Template holds at least one Attribute"));
    }
    Ok(out)
}

/// Encodes attributes for a response in the client's version: 1.x
/// `Attribute` items, or 2.x items (callers wrap them in `Attributes`).
pub fn encode(attrs: &[Attr], version: ProtocolVersion) -> Vec<Ttlv> {
    let mut out = Vec::new();
    for a in attrs {
        match (a, version.is_2x()) {
            (Attr::Std(t), true) => out.push(t.clone()),
            (Attr::Std(t), false) => {
                if let Some(name) = attribute_names::name_of(t.tag) {
                    out.push(Ttlv::structure(
                        Tag::Attribute,
                        vec![
                            Ttlv::text(Tag::AttributeName, name),
                            Ttlv::new(Tag::AttributeValue, t.value.clone()),
                        ],
                    ));
                }
            }
            (
                Attr::Vendor {
                    vendor,
                    name,
                    value,
                },
                true,
            ) => out.push(Ttlv::structure(
                Tag::Attribute,
                vec![
                    Ttlv::text(
                        Tag::VendorIdentification,
                        vendor.clone().unwrap_or_default(),
                    ),
                    Ttlv::text(Tag::AttributeName, name.clone()),
                    value.clone(),
                ],
            )),
            (
                Attr::Vendor {
                    vendor,
                    name,
                    value,
                },
                false,
            ) => out.push(Ttlv::structure(
                Tag::Attribute,
                vec![
                    Ttlv::text(Tag::AttributeName, join_1x_name(vendor.as_deref(), name)),
                    value.clone(),
                ],
            )),
        }
    }
    out
}

/// Attributes only the server sets (KMIP 2.1 §4, "Modifiable by client: No").
pub fn is_read_only(tag: Tag) -> bool {
    [
        Tag::UniqueIdentifier,
        Tag::ObjectType,
        Tag::State,
        Tag::InitialDate,
        Tag::LastChangeDate,
        Tag::DestroyDate,
        Tag::CompromiseDate,
        Tag::CompromiseOccurrenceDate,
        Tag::RevocationReason,
        Tag::ArchiveDate,
        Tag::Digest,
        Tag::AlwaysSensitive,
        Tag::NeverExtractable,
        Tag::OriginalCreationDate,
        Tag::RandomNumberGenerator,
        Tag::CertificateType,
        Tag::CertificateLength,
        Tag::CertificateSubjectCN,
        Tag::CertificateIssuerCN,
        Tag::X_509CertificateSubject,
        Tag::X_509CertificateIssuer,
        Tag::KeyValuePresent,
        Tag::KeyFormatType,
        Tag::LeaseTime,
    ]
    .contains(&tag)
}

/// Attributes that may have several instances.
pub fn is_multi_valued(tag: Tag) -> bool {
    [
        Tag::Name,
        Tag::ObjectGroup,
        Tag::Link,
        Tag::AlternativeName,
        Tag::ApplicationSpecificInformation,
        Tag::KeyValueLocation,
    ]
    .contains(&tag)
}
