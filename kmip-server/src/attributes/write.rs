//! Writing KMIP attributes into the keystore's attributes.

use super::convert::{link_type_from, link_uid, std_name};
use super::*;
use crate::error::{Error, Result};
use keystore::object::{AttributeValue, CustomAttribute, Link};
use keystore::Attributes;
use kmip::enums::result_reason as rr;
use kmip::{Tag, Ttlv};

/// Replaces every value of a custom attribute.
pub fn put_vendor(a: &mut Attributes, vendor: Option<&str>, name: &str, values: Vec<Ttlv>) {
    a.custom
        .retain(|c| !(c.name == name && c.vendor.as_deref() == vendor));
    for v in values {
        a.custom.push(CustomAttribute {
            vendor: vendor.map(str::to_string),
            name: name.to_string(),
            value: value_to_store(&v.value),
        });
    }
}

/// Replaces every value of the standard attribute `tag` with `values`.
/// Read-only attributes are refused unless `creating`.
pub fn put_values(a: &mut Attributes, tag: Tag, values: Vec<Ttlv>, creating: bool) -> Result<()> {
    if is_read_only(tag) {
        if creating {
            // Server-maintained; a template that names one is ignored there.
            return Ok(());
        }
        return Err(Error::kmip(
            rr::AttributeReadOnly,
            format!("{tag} is set by the server"),
        ));
    }
    if values.len() > 1 && !is_multi_valued(tag) {
        return Err(Error::kmip(
            rr::AttributeSingleValued,
            format!("{tag} has a single value"),
        ));
    }
    let first = values.first();
    let date = |t: Option<&Ttlv>| -> Result<Option<i64>> {
        t.map(|t| t.as_date_time().map_err(Error::from)).transpose()
    };
    let lc = &mut a.lifecycle;
    match tag {
        Tag::CryptographicAlgorithm => {
            let v = first.map(|t| t.as_enumeration()).transpose()?;
            match v.and_then(algorithm_from_kmip) {
                Some(alg) => {
                    a.algorithm = Some(alg);
                    set_meta(a, "algorithm", v.map(AttributeValue::Enumeration));
                    put_std(a, tag, Vec::new());
                }
                None => {
                    a.algorithm = None;
                    set_meta(a, "algorithm", None);
                    put_std(a, tag, values);
                }
            }
        }
        Tag::CryptographicLength => {
            a.length = match first.map(|t| t.as_integer()).transpose()? {
                Some(l) if l < 0 => return Err(Error::invalid("negative Cryptographic Length")),
                l => l.map(|l| l as u32),
            }
        }
        Tag::CryptographicUsageMask => {
            a.usage.0 = first.map(|t| t.as_integer()).transpose()?.unwrap_or(0) as u32
        }
        Tag::Name => {
            let mut names = Vec::new();
            for n in &values {
                names.push(n.child_text(Tag::NameValue)?.to_string());
            }
            a.names = names;
        }
        Tag::ActivationDate => {
            lc.activation_date = date(first)?;
            lc.refresh(keystore::lifecycle::now());
        }
        Tag::DeactivationDate => {
            lc.deactivation_date = date(first)?;
            lc.refresh(keystore::lifecycle::now());
        }
        Tag::ProcessStartDate => lc.process_start_date = date(first)?,
        Tag::ProtectStopDate => lc.protect_stop_date = date(first)?,
        Tag::ObjectGroup => {
            let mut g = Vec::new();
            for v in &values {
                g.push(v.as_text()?.to_string());
            }
            a.object_groups = g;
        }
        Tag::Link => {
            let mut links = Vec::new();
            for l in &values {
                let lt = l.child_enumeration(Tag::LinkType)?;
                let link_type = link_type_from(lt)
                    .ok_or_else(|| Error::invalid(format!("unknown Link Type {lt:#x}")))?;
                links.push(Link {
                    link_type,
                    target: link_uid(l)?,
                });
            }
            a.links = links;
        }
        Tag::Sensitive => {
            a.flags.sensitive = first.map(|t| t.as_boolean()).transpose()?.unwrap_or(false);
            if creating {
                a.flags.always_sensitive = a.flags.sensitive;
            }
        }
        Tag::Extractable => {
            a.flags.extractable = first.map(|t| t.as_boolean()).transpose()?.unwrap_or(true);
            if creating {
                a.flags.never_extractable = !a.flags.extractable;
            }
        }
        Tag::RecommendedCurve => {
            let v = first.map(|t| t.as_enumeration()).transpose()?;
            a.curve = v.and_then(crate::objects::curve_from_kmip);
            if a.curve.is_none() {
                put_std(a, tag, values);
            }
        }
        _ => put_std(a, tag, values),
    }
    Ok(())
}

fn put_std(a: &mut Attributes, tag: Tag, values: Vec<Ttlv>) {
    let name = std_name(tag);
    a.custom
        .retain(|c| !(c.vendor.as_deref() == Some(STD_VENDOR) && c.name == name));
    for v in values {
        a.custom.push(CustomAttribute {
            vendor: Some(STD_VENDOR.into()),
            name: name.clone(),
            value: value_to_store(&v.value),
        });
    }
}

/// Applies a creation template (Create, Register, Create Key Pair): values
/// of the same attribute accumulate.
pub fn apply_template(a: &mut Attributes, attrs: &[Attr]) -> Result<()> {
    let mut tags: Vec<Tag> = Vec::new();
    for at in attrs {
        match at {
            Attr::Std(t) => {
                if !tags.contains(&t.tag) {
                    tags.push(t.tag);
                }
            }
            Attr::Vendor {
                vendor,
                name,
                value,
            } => {
                a.custom.push(CustomAttribute {
                    vendor: vendor.clone(),
                    name: name.clone(),
                    value: value_to_store(&value.value),
                });
            }
        }
    }
    for tag in tags {
        let vals: Vec<Ttlv> = attrs
            .iter()
            .filter_map(|at| match at {
                Attr::Std(t) if t.tag == tag => Some(t.clone()),
                _ => None,
            })
            .collect();
        put_values(a, tag, vals, true)?;
    }
    Ok(())
}
