//! Get (KMIP 2.1 §6.1.20), with or without a Key Wrapping Specification,
//! and Check (§6.1.6).

use crate::dispatch::Ctx;
use crate::error::{Error, Result};
use keystore::lifecycle::Usage;
use kmip::enums::result_reason as rr;
use kmip::{Tag, Ttlv, Value};

/// Get: the object's value in the requested Key Format Type (Raw,
/// Transparent*, PKCS#1, PKCS#8, X.509, EC Private Key), or the format it
/// was registered in. Sensitive and non-extractable objects are refused.
pub fn get(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let uid = ctx.uid(payload)?;
    let format = payload.opt_child_enumeration(Tag::KeyFormatType)?;
    let wrapping = payload.opt_child_structure(Tag::KeyWrappingSpecification)?;
    let obj = ctx.object(&uid)?;
    let a = &obj.attributes;
    if a.lifecycle.state.is_destroyed() {
        return Err(Error::kmip(
            rr::ObjectDestroyed,
            format!("object {uid} is destroyed"),
        ));
    }
    // A sensitive key leaves the server only wrapped (KMIP 2.1 §4.46):
    // encrypted, not merely MACed or signed.
    if a.flags.sensitive && !wrapping.is_some_and(super::key_wrap::encrypts) {
        return Err(Error::kmip(
            rr::Sensitive,
            format!("object {uid} is sensitive: it leaves the server only encrypted"),
        ));
    }
    if !a.flags.extractable {
        return Err(Error::kmip(
            rr::NotExtractable,
            format!("object {uid} is not extractable"),
        ));
    }
    let obj = ctx.partition.usable(obj, Usage::Export)?;
    let mut structure = crate::objects::object_structure(&obj, format)?;
    if let Some(spec) = wrapping {
        super::key_wrap::wrap(ctx, &mut structure, spec)?;
    }
    // Fresh (KMIP 2.1 §4.23) turns false once the object has been handed out.
    let fresh = crate::attributes::values(&obj, Tag::Fresh);
    if fresh.iter().any(|f| f.value == Value::Boolean(true)) {
        ctx.before_change(&uid)?;
        ctx.partition.update(&uid, |o| {
            crate::attributes::put_values(
                &mut o.attributes,
                Tag::Fresh,
                vec![Ttlv::boolean(Tag::Fresh, false)],
                false,
            )
            .map_err(|e| keystore::Error::InvalidArgument(e.to_string()))
        })?;
    }
    Ok(vec![
        Ttlv::enumeration(Tag::ObjectType, obj.attributes.object_type.to_kmip()),
        Ttlv::text(Tag::UniqueIdentifier, uid),
        structure,
    ])
}

/// Check: whether the object could be used with this usage mask (and the
/// other limits asked about).
pub fn check(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let uid = ctx.uid(payload)?;
    let obj = ctx.partition.get(&uid)?;
    if let Some(mask) = payload.opt_child_integer(Tag::CryptographicUsageMask)? {
        if !obj.attributes.usage.contains(mask as u32) {
            return Err(Error::kmip(
                rr::IncompatibleCryptographicUsageMask,
                "Check Failed: the usage mask does not allow this use",
            ));
        }
    }
    if obj.attributes.lifecycle.state.is_destroyed() {
        return Err(Error::kmip(
            rr::ObjectDestroyed,
            format!("object {uid} is destroyed"),
        ));
    }
    Ok(super::uid_only(&uid))
}
