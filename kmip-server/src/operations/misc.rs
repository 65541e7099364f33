//! Interop (KMIP 2.1 §6.1.27), Log (§6.1.30), Obtain Lease (§6.1.33) and
//! Get Usage Allocation (§6.1.26).

use crate::dispatch::Ctx;
use crate::error::{Error, Result};
use kmip::enums::{interop_function, result_reason as rr};
use kmip::{Tag, Ttlv};

/// The lease a client gets: keybridge does not revoke leases, so this is
/// advice on how long to cache, not a limit it enforces.
pub const LEASE_SECONDS: u32 = 3600;

/// Interop: test-case boundaries (Begin, End, Reset) from the OASIS test
/// vectors; nothing to do but answer.
pub fn interop(_ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let f = payload.child_enumeration(Tag::InteropFunction)?;
    if !matches!(
        f,
        interop_function::Begin | interop_function::End | interop_function::Reset
    ) {
        return Err(Error::invalid(format!("Interop Function {f:#x}")));
    }
    payload.child_text(Tag::InteropIdentifier)?;
    Ok(Vec::new())
}

/// Log: the client's message goes to the audit log (the dispatcher records
/// the operation; the text is kept in the server's log, bounded).
pub fn log(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let m = payload.child_text(Tag::LogMessage)?;
    let shown: String = m.chars().take(512).filter(|c| !c.is_control()).collect();
    eprintln!("keybridge: KMIP Log from {}: {shown}", ctx.identity);
    Ok(Vec::new())
}

pub fn obtain_lease(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let uid = ctx.uid(payload)?;
    let obj = ctx.partition.get(&uid)?;
    if obj.attributes.lifecycle.state.is_destroyed() {
        return Err(Error::kmip(rr::ObjectDestroyed, "object is destroyed"));
    }
    Ok(vec![
        Ttlv::text(Tag::UniqueIdentifier, uid),
        Ttlv::interval(Tag::LeaseTime, LEASE_SECONDS),
        Ttlv::date_time(
            Tag::LastChangeDate,
            obj.attributes.lifecycle.last_change_date,
        ),
    ])
}

pub fn get_usage_allocation(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let uid = ctx.uid(payload)?;
    let count = payload.opt_child_long_integer(Tag::UsageLimitsCount)?;
    if count.is_some_and(|c| c < 0) {
        return Err(Error::invalid("negative Usage Limits Count"));
    }
    ctx.partition.get(&uid)?;
    Ok(super::uid_only(&uid))
}
