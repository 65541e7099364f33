//! Export (KMIP 2.1 §6.1.17) and Import (§6.1.24): an object with all its
//! attributes out of one server and into another (or back), under the same
//! Unique Identifier.

use super::create_register::base;
use crate::attributes::{self as attrs, Attr};
use crate::dispatch::Ctx;
use crate::error::{Error, Result};
use keystore::lifecycle::State;
use keystore::object::ObjectType;
use kmip::enums::{key_wrap_type, result_reason as rr};
use kmip::{Tag, Ttlv};

/// Export: what Get returns (the same checks: sensitive keys leave only
/// wrapped, non-extractable ones not at all) plus every attribute.
pub fn export(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let mut fields = super::get::get(ctx, payload)?;
    let uid = ctx.uid(payload)?;
    let obj = ctx.partition.get(&uid)?;
    let found: Vec<Attr> = attrs::all_for(&obj, ctx.version);
    let encoded = attrs::encode(&found, ctx.version);
    // Object Type, Unique Identifier, Attributes, then the object itself.
    let at = fields.len().min(2);
    fields.insert(at, Ttlv::structure(Tag::Attributes, encoded));
    Ok(fields)
}

/// Import: stores the object under the Unique Identifier it had; an object
/// already there is replaced only with Replace Existing. The attributes the
/// client may set are applied as in Register; of the server-maintained ones,
/// an Active State is kept (the object is activated), the others are this
/// server's own.
pub fn import(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let uid = payload.child_text(Tag::UniqueIdentifier)?.to_string();
    if uid.is_empty() {
        return Err(Error::kmip(rr::InvalidField, "Unique Identifier is empty"));
    }
    let v = payload.child_enumeration(Tag::ObjectType)?;
    let t = ObjectType::from_kmip(v).ok_or_else(|| {
        Error::kmip(
            rr::InvalidObjectType,
            format!("object type {v:#x} is not supported"),
        )
    })?;
    let replace = payload
        .opt_child_boolean(Tag::ReplaceExisting)?
        .unwrap_or(false);
    if let Some(w) = payload.opt_child_enumeration(Tag::KeyWrapType)? {
        if w != key_wrap_type::NotWrapped {
            return Err(Error::kmip(
                rr::KeyWrapTypeNotSupported,
                "keybridge imports unwrapped key blocks only (Key Wrap Type Not Wrapped)",
            ));
        }
    }
    let ks = ctx.server.session.key_store().clone();
    match ks.partition_of(&uid)? {
        Some(label) if label == ctx.identity && replace => {
            ctx.before_change(&uid)?;
            ctx.partition.delete(&uid)?;
        }
        Some(_) => {
            // Another identity's object is not named, so its existence does
            // not leak: the same answer as for one of the caller's own.
            return Err(Error::kmip(
                rr::IllegalOperation,
                format!("an object {uid} exists: Import replaces it only with Replace Existing"),
            ));
        }
        None => {}
    }
    let template = attrs::parse_list(payload, Tag::Attributes, Tag::TemplateAttribute)?;
    let active = template.iter().any(|a| {
        matches!(a, Attr::Std(s) if s.tag == Tag::State
            && s.as_enumeration().ok() == Some(State::Active.to_kmip()))
    });
    let mut a = base(t, ctx.identity);
    attrs::apply_template(&mut a, &template)?;
    let value = crate::objects::value_from_request(t, payload, &mut a)?;
    if !t.is_secret() {
        a.flags.private = false;
    }
    ctx.partition.create_with_uid(&uid, a, Some(value))?;
    ctx.created(&uid);
    // An Activation Date in the past has made it Active already.
    if active && ctx.partition.get(&uid)?.attributes.lifecycle.state != State::Active {
        ctx.partition.activate(&uid)?;
    }
    Ok(super::uid_only(&uid))
}
