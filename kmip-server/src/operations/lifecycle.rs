//! Activate (KMIP 2.1 §6.1.1), Revoke (§6.1.44), Destroy (§6.1.15),
//! Archive (§6.1.3) and Recover (§6.1.41).

use crate::attributes::{meta, set_meta};
use crate::dispatch::Ctx;
use crate::error::{Error, Result};
use keystore::lifecycle::RevocationReason;
use keystore::object::AttributeValue;
use kmip::enums::{result_reason as rr, revocation_reason_code as rrc};
use kmip::Tag;
use kmip::Ttlv;

pub fn reason_to_kmip(r: RevocationReason) -> u32 {
    match r {
        RevocationReason::Unspecified => rrc::Unspecified,
        RevocationReason::KeyCompromise => rrc::KeyCompromise,
        RevocationReason::CaCompromise => rrc::CACompromise,
        RevocationReason::AffiliationChanged => rrc::AffiliationChanged,
        RevocationReason::Superseded => rrc::Superseded,
        RevocationReason::CessationOfOperation => rrc::CessationOfOperation,
        RevocationReason::PrivilegeWithdrawn => rrc::PrivilegeWithdrawn,
    }
}

fn reason_from_kmip(v: u32) -> Result<RevocationReason> {
    Ok(match v {
        rrc::Unspecified => RevocationReason::Unspecified,
        rrc::KeyCompromise => RevocationReason::KeyCompromise,
        rrc::CACompromise => RevocationReason::CaCompromise,
        rrc::AffiliationChanged => RevocationReason::AffiliationChanged,
        rrc::Superseded => RevocationReason::Superseded,
        rrc::CessationOfOperation => RevocationReason::CessationOfOperation,
        rrc::PrivilegeWithdrawn => RevocationReason::PrivilegeWithdrawn,
        other => return Err(Error::invalid(format!("Revocation Reason Code {other:#x}"))),
    })
}

fn not_archived(ctx: &Ctx<'_>, uid: &str) -> Result<()> {
    let obj = ctx.partition.get(uid)?;
    if meta(&obj.attributes, "archived").is_some() {
        return Err(Error::kmip(
            rr::ObjectArchived,
            format!("object {uid} is archived"),
        ));
    }
    Ok(())
}

pub fn activate(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let uid = ctx.uid(payload)?;
    not_archived(ctx, &uid)?;
    ctx.before_change(&uid)?;
    ctx.partition.activate(&uid)?;
    Ok(super::uid_only(&uid))
}

pub fn revoke(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let uid = ctx.uid(payload)?;
    let r = payload.child_structure(Tag::RevocationReason)?;
    let reason = reason_from_kmip(r.child_enumeration(Tag::RevocationReasonCode)?)?;
    let message = r
        .opt_child_text(Tag::RevocationMessage)?
        .map(str::to_string);
    let occurred = payload.opt_child_date_time(Tag::CompromiseOccurrenceDate)?;
    not_archived(ctx, &uid)?;
    ctx.before_change(&uid)?;
    ctx.partition.revoke(&uid, reason, message, occurred)?;
    Ok(super::uid_only(&uid))
}

pub fn destroy(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let uid = ctx.uid(payload)?;
    ctx.before_change(&uid)?;
    ctx.partition.destroy(&uid)?;
    Ok(super::uid_only(&uid))
}

/// Archive: keybridge keeps one store, so an archived object stays where it
/// is but is marked off-line: Locate skips it unless asked for archived
/// objects, and it cannot be used until recovered.
pub fn archive(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let uid = ctx.uid(payload)?;
    ctx.before_change(&uid)?;
    let now = keystore::lifecycle::now();
    ctx.partition.update(&uid, |o| {
        set_meta(
            &mut o.attributes,
            "archived",
            Some(AttributeValue::DateTime(now)),
        );
        Ok(())
    })?;
    Ok(super::uid_only(&uid))
}

pub fn recover(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let uid = ctx.uid(payload)?;
    ctx.before_change(&uid)?;
    ctx.partition.update(&uid, |o| {
        set_meta(&mut o.attributes, "archived", None);
        Ok(())
    })?;
    Ok(super::uid_only(&uid))
}
