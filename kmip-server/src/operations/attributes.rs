//! Get Attributes (KMIP 2.1 §6.1.21), Get Attribute List (§6.1.22), Add
//! (§6.1.2), Modify (§6.1.32), Delete (§6.1.14) and Set Attribute (§6.1.51).

use crate::attributes::{self as attrs, Attr};
use crate::dispatch::Ctx;
use crate::error::{Error, Result};
use keystore::lifecycle::State;
use keystore::ManagedObject;
use kmip::enums::result_reason as rr;
use kmip::{attribute_names, Tag, Ttlv, Value};

/// What a request names: a standard attribute or a vendor one.
pub(super) enum Reference {
    Std(Tag),
    Vendor(Option<String>, String),
}

pub(super) fn references(ctx: &Ctx<'_>, payload: &Ttlv) -> Result<Vec<Reference>> {
    let mut out = Vec::new();
    for n in payload.find_all(Tag::AttributeName) {
        let name = n.as_text()?;
        out.push(match attribute_names::tag_of(name) {
            Some(t) => Reference::Std(t),
            // A 1.x `x-` name is stored as vendor "x" (see `from_1x`); VMware
            // vCenter reads its `x-Vendor`, `x-Name`, ... back this way.
            None => {
                let (vendor, name) = attrs::split_1x_name(name);
                Reference::Vendor(vendor, name)
            }
        });
    }
    for r in payload.find_all(Tag::AttributeReference) {
        out.push(match &r.value {
            Value::Enumeration(v) => Reference::Std(
                Tag::new(*v).ok_or_else(|| Error::invalid("Attribute Reference tag"))?,
            ),
            Value::Structure(_) => Reference::Vendor(
                Some(r.child_text(Tag::VendorIdentification)?.to_string())
                    .filter(|v| !v.is_empty()),
                r.child_text(Tag::AttributeName)?.to_string(),
            ),
            _ => return Err(Error::invalid("Attribute Reference")),
        });
    }
    let _ = ctx;
    Ok(out)
}

fn read(obj: &ManagedObject, r: &Reference) -> Vec<Attr> {
    match r {
        Reference::Std(tag) => attrs::values(obj, *tag)
            .into_iter()
            .map(Attr::Std)
            .collect(),
        Reference::Vendor(v, name) => attrs::vendor_values(obj, v.as_deref(), name),
    }
}

fn respond(ctx: &Ctx<'_>, uid: &str, found: &[Attr]) -> Vec<Ttlv> {
    let mut out = super::uid_only(uid);
    let encoded = attrs::encode(found, ctx.version);
    if ctx.version.is_2x() {
        out.push(Ttlv::structure(Tag::Attributes, encoded));
    } else {
        out.extend(encoded);
    }
    out
}

pub fn get_attributes(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let uid = ctx.uid(payload)?;
    let obj = ctx.partition.get(&uid)?;
    let refs = references(ctx, payload)?;
    let found: Vec<Attr> = if refs.is_empty() {
        attrs::all_for(&obj, ctx.version)
    } else {
        refs.iter().flat_map(|r| read(&obj, r)).collect()
    };
    Ok(respond(ctx, &uid, &found))
}

pub fn get_attribute_list(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let uid = ctx.uid(payload)?;
    let obj = ctx.partition.get(&uid)?;
    let mut out = super::uid_only(&uid);
    let mut seen: Vec<Tag> = Vec::new();
    let mut vendors: Vec<(Option<String>, String)> = Vec::new();
    for a in attrs::all_for(&obj, ctx.version) {
        match a {
            Attr::Std(t) if !seen.contains(&t.tag) => seen.push(t.tag),
            Attr::Vendor { vendor, name, .. }
                if !vendors.contains(&(vendor.clone(), name.clone())) =>
            {
                vendors.push((vendor, name))
            }
            _ => {}
        }
    }
    for t in seen {
        if ctx.version.is_2x() {
            out.push(Ttlv::enumeration(Tag::AttributeReference, t.value()));
        } else if let Some(n) = attribute_names::name_of(t) {
            out.push(Ttlv::text(Tag::AttributeName, n));
        }
    }
    for (v, n) in vendors {
        if ctx.version.is_2x() {
            out.push(Ttlv::structure(
                Tag::AttributeReference,
                vec![
                    Ttlv::text(Tag::VendorIdentification, v.unwrap_or_default()),
                    Ttlv::text(Tag::AttributeName, n),
                ],
            ));
        } else {
            out.push(Ttlv::text(
                Tag::AttributeName,
                attrs::join_1x_name(v.as_deref(), &n),
            ));
        }
    }
    Ok(out)
}

/// The attribute a 1.x (`Attribute`) or 2.x (`tag` wrapper) request carries.
fn carried(payload: &Ttlv, tag: Tag) -> Result<Option<(Attr, Option<i32>)>> {
    if let Some(a) = payload.opt_child_structure(Tag::Attribute)? {
        let index = a.opt_child_integer(Tag::AttributeIndex)?;
        return Ok(Some((attrs::from_1x(a)?, index)));
    }
    match payload.opt_child_structure(tag)? {
        Some(w) => match w.children()?.first() {
            Some(a) => Ok(Some((attrs::from_2x(a)?, None))),
            None => Err(Error::kmip(rr::MissingData, format!("{tag} is empty"))),
        },
        None => Ok(None),
    }
}

fn required(payload: &Ttlv, tag: Tag) -> Result<(Attr, Option<i32>)> {
    carried(payload, tag)?
        .ok_or_else(|| Error::kmip(rr::MissingData, format!("the request has no {tag}")))
}

/// Names are unique within an identity's objects (KMIP 2.1 §4.38).
fn check_name_unique(ctx: &Ctx<'_>, attr: &Attr) -> Result<()> {
    if let Attr::Std(t) = attr {
        if t.tag == Tag::Name {
            let name = t.child_text(Tag::NameValue)?;
            let taken = ctx
                .partition
                .find(&Default::default())?
                .iter()
                .any(|o| o.attributes.names.iter().any(|n| n == name));
            if taken {
                return Err(Error::kmip(
                    rr::NonUniqueNameAttribute,
                    format!("the name {name:?} is taken"),
                ));
            }
        }
    }
    Ok(())
}

fn echo(ctx: &Ctx<'_>, uid: &str, attr: &Attr) -> Vec<Ttlv> {
    let mut out = super::uid_only(uid);
    if !ctx.version.is_2x() {
        out.extend(attrs::encode(std::slice::from_ref(attr), ctx.version));
    }
    out
}

/// Changes the values of `attr`'s attribute on object `uid` with `change`.
fn change_values<F>(ctx: &mut Ctx<'_>, uid: &str, attr: &Attr, change: F) -> Result<()>
where
    F: FnMut(Vec<Ttlv>) -> Result<Vec<Ttlv>>,
{
    change_values_if(ctx, uid, attr, |_| Ok(()), change)
}

/// Like [`change_values`], after `check` has accepted the object as it is
/// inside the same store update (so no other writer slips in between).
pub(super) fn change_values_if<C, F>(
    ctx: &mut Ctx<'_>,
    uid: &str,
    attr: &Attr,
    check: C,
    mut change: F,
) -> Result<()>
where
    C: Fn(&ManagedObject) -> Result<()>,
    F: FnMut(Vec<Ttlv>) -> Result<Vec<Ttlv>>,
{
    ctx.before_change(uid)?;
    // The store's update takes a closure returning the store's error; a KMIP
    // refusal is kept aside and reported as itself.
    let mut refused: Option<Error> = None;
    let mut apply = |o: &mut ManagedObject| -> Result<()> {
        check(o)?;
        match attr {
            Attr::Std(t) => {
                if attrs::is_read_only(t.tag) {
                    return Err(Error::kmip(
                        rr::AttributeReadOnly,
                        format!("{} is set by the server", t.tag),
                    ));
                }
                let new = change(attrs::values(o, t.tag))?;
                attrs::put_values(&mut o.attributes, t.tag, new, false)
            }
            Attr::Vendor { vendor, name, .. } => {
                let current: Vec<Ttlv> = attrs::vendor_values(o, vendor.as_deref(), name)
                    .into_iter()
                    .filter_map(|a| match a {
                        Attr::Vendor { value, .. } => Some(value),
                        Attr::Std(_) => None,
                    })
                    .collect();
                let new = change(current)?;
                attrs::put_vendor(&mut o.attributes, vendor.as_deref(), name, new);
                Ok(())
            }
        }
    };
    let result = ctx.partition.update(uid, |o| match apply(o) {
        Ok(()) => Ok(()),
        Err(Error::Store(e)) => Err(e),
        Err(other) => {
            refused = Some(other);
            Err(keystore::Error::InvalidArgument("refused".into()))
        }
    });
    match (result, refused) {
        (_, Some(e)) => Err(e),
        (Err(e), None) => Err(e.into()),
        (Ok(_), None) => Ok(()),
    }
}

fn value_of(attr: &Attr) -> Ttlv {
    match attr {
        Attr::Std(t) => t.clone(),
        Attr::Vendor { value, .. } => value.clone(),
    }
}

fn multi(attr: &Attr) -> bool {
    match attr {
        Attr::Std(t) => attrs::is_multi_valued(t.tag),
        Attr::Vendor { .. } => true,
    }
}

pub fn add_attribute(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let uid = ctx.uid(payload)?;
    let (attr, _) = required(payload, Tag::NewAttribute)?;
    check_name_unique(ctx, &attr)?;
    let is_multi = multi(&attr);
    let v = value_of(&attr);
    change_values(ctx, &uid, &attr, |mut cur| {
        if !cur.is_empty() && !is_multi {
            return Err(Error::kmip(
                rr::AttributeSingleValued,
                "the attribute has a value already: use Modify or Set Attribute",
            ));
        }
        cur.push(v.clone());
        Ok(cur)
    })?;
    Ok(echo(ctx, &uid, &attr))
}

pub fn modify_attribute(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let uid = ctx.uid(payload)?;
    let (attr, index) = required(payload, Tag::NewAttribute)?;
    // Only 2.x names the value it replaces; a 1.x request's one `Attribute`
    // is the new value (KMIP 1.4 §4.16: the Attribute Index picks the old).
    let current = match payload.opt_child_structure(Tag::CurrentAttribute)? {
        Some(w) => match w.children()?.first() {
            Some(a) => Some(value_of(&attrs::from_2x(a)?)),
            None => return Err(Error::kmip(rr::MissingData, "Current Attribute is empty")),
        },
        None => None,
    };
    if let Attr::Std(t) = &attr {
        let obj = ctx.partition.get(&uid)?;
        let state = obj.attributes.lifecycle.state;
        // KMIP 2.1 §4.1: the Activation Date may change only while Pre-Active.
        if t.tag == Tag::ActivationDate && state != State::PreActive {
            return Err(Error::kmip(
                rr::WrongKeyLifecycleState,
                "ACTIVATION_DATE:!PRE_ACTIVE",
            ));
        }
        if t.tag == Tag::Name {
            check_name_unique(ctx, &attr)?;
        }
    }
    let v = value_of(&attr);
    change_values(ctx, &uid, &attr, |mut cur| {
        let at = match (&current, index) {
            (Some(c), _) => cur.iter().position(|x| x.value == c.value),
            (None, Some(i)) => usize::try_from(i).ok().filter(|i| *i < cur.len()),
            (None, None) => (!cur.is_empty()).then_some(0),
        };
        match at {
            Some(i) => {
                if let Some(slot) = cur.get_mut(i) {
                    slot.value = v.value.clone();
                }
                Ok(cur)
            }
            None => Err(Error::kmip(
                rr::AttributeNotFound,
                "the object has no such attribute value to modify",
            )),
        }
    })?;
    Ok(echo(ctx, &uid, &attr))
}

pub fn set_attribute(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let uid = ctx.uid(payload)?;
    let (attr, _) = required(payload, Tag::NewAttribute)?;
    if multi(&attr) {
        return Err(Error::kmip(
            rr::MultiValuedAttribute,
            "Set Attribute is for single-valued attributes: use Add or Modify",
        ));
    }
    let v = value_of(&attr);
    change_values(ctx, &uid, &attr, |_| Ok(vec![v.clone()]))?;
    Ok(super::uid_only(&uid))
}

pub fn delete_attribute(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let uid = ctx.uid(payload)?;
    // 1.x: Attribute Name (+ Index); 2.x: Current Attribute or Attribute Reference.
    let (attr, index, exact) = if let Some(name) = payload.opt_child_text(Tag::AttributeName)? {
        let index = payload.opt_child_integer(Tag::AttributeIndex)?;
        let attr = match attribute_names::tag_of(name) {
            Some(t) => Attr::Std(Ttlv::structure(t, Vec::new())),
            None => {
                let (vendor, name) = attrs::split_1x_name(name);
                Attr::Vendor {
                    vendor,
                    name,
                    value: Ttlv::structure(Tag::AttributeValue, Vec::new()),
                }
            }
        };
        (attr, index, None)
    } else if let Some((a, _)) = carried(payload, Tag::CurrentAttribute)? {
        let v = value_of(&a);
        (a, None, Some(v))
    } else {
        match references(ctx, payload)?.into_iter().next() {
            Some(Reference::Std(t)) => (Attr::Std(Ttlv::structure(t, Vec::new())), None, None),
            Some(Reference::Vendor(vendor, name)) => (
                Attr::Vendor {
                    vendor,
                    name,
                    value: Ttlv::structure(Tag::AttributeValue, Vec::new()),
                },
                None,
                None,
            ),
            None => return Err(Error::kmip(rr::MissingData, "no attribute to delete")),
        }
    };
    let mut deleted: Option<Ttlv> = None;
    change_values(ctx, &uid, &attr, |mut cur| {
        let at = match (&exact, index) {
            (Some(e), _) => cur.iter().position(|x| x.value == e.value),
            (None, Some(i)) => usize::try_from(i).ok().filter(|i| *i < cur.len()),
            (None, None) => (!cur.is_empty()).then_some(0),
        };
        match at {
            Some(i) => {
                deleted = Some(cur.remove(i));
                Ok(cur)
            }
            None => Err(Error::kmip(
                rr::AttributeNotFound,
                "the object has no such attribute value",
            )),
        }
    })?;
    // KMIP 1.x answers with the attribute it deleted (KMIP 1.4 §4.17).
    match (ctx.version.is_2x(), deleted) {
        (false, Some(value)) => {
            let gone = match attr {
                Attr::Std(_) => Attr::Std(value),
                Attr::Vendor { vendor, name, .. } => Attr::Vendor {
                    vendor,
                    name,
                    value: Ttlv::new(Tag::AttributeValue, value.value),
                },
            };
            Ok(echo(ctx, &uid, &gone))
        }
        _ => Ok(super::uid_only(&uid)),
    }
}
