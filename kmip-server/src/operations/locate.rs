//! Locate (KMIP 2.1 §6.1.28; KMIP 1.4 §4.9): every attribute given is a
//! filter (all must match); two values of a date attribute are a range;
//! Maximum Items, Offset Items, Storage Status Mask and Object Group Member
//! shape the answer.

use crate::attributes::{self as attrs, meta, Attr};
use crate::dispatch::Ctx;
use crate::error::Result;
use keystore::ManagedObject;
use kmip::enums::storage_status_mask as ssm;
use kmip::{ItemType, Tag, Ttlv, Value};

fn filters(ctx: &Ctx<'_>, payload: &Ttlv) -> Result<Vec<Attr>> {
    let mut out = attrs::parse_list(payload, Tag::Attributes, Tag::TemplateAttribute)?;
    if !ctx.version.is_2x() {
        for a in payload.find_all(Tag::Attribute) {
            out.push(attrs::from_1x(a)?);
        }
    }
    Ok(out)
}

fn same(a: &Ttlv, b: &Ttlv) -> bool {
    if a.tag == Tag::Name {
        return a.find(Tag::NameValue).map(|v| &v.value)
            == b.find(Tag::NameValue).map(|v| &v.value);
    }
    a.value == b.value
}

fn matches(obj: &ManagedObject, filters: &[Attr]) -> bool {
    let mut done: Vec<Tag> = Vec::new();
    for f in filters {
        match f {
            Attr::Std(t) => {
                if done.contains(&t.tag) || t.tag == Tag::ObjectGroupMember {
                    continue;
                }
                done.push(t.tag);
                let wanted: Vec<&Ttlv> = filters
                    .iter()
                    .filter_map(|x| match x {
                        Attr::Std(y) if y.tag == t.tag => Some(y),
                        _ => None,
                    })
                    .collect();
                let have = attrs::values(obj, t.tag);
                let ok = if t.tag == Tag::CryptographicUsageMask {
                    let mask = |v: &Ttlv| v.as_integer().unwrap_or(0) as u32;
                    wanted
                        .iter()
                        .all(|w| have.iter().any(|h| mask(h) & mask(w) == mask(w)))
                } else if let (ItemType::DateTime, [first, second]) =
                    (t.item_type(), wanted.as_slice())
                {
                    let (lo, hi) = match (&first.value, &second.value) {
                        (Value::DateTime(a), Value::DateTime(b)) => (*a.min(b), *a.max(b)),
                        _ => return false,
                    };
                    have.iter().any(|h| match h.value {
                        Value::DateTime(d) => lo <= d && d <= hi,
                        _ => false,
                    })
                } else {
                    wanted.iter().all(|w| have.iter().any(|h| same(h, w)))
                };
                if !ok {
                    return false;
                }
            }
            Attr::Vendor {
                vendor,
                name,
                value,
            } => {
                let ok = attrs::vendor_values(obj, vendor.as_deref(), name)
                    .iter()
                    .any(|a| matches!(a, Attr::Vendor { value: v, .. } if v.value == value.value));
                if !ok {
                    return false;
                }
            }
        }
    }
    true
}

pub fn locate(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let filters = filters(ctx, payload)?;
    let max = payload.opt_child_integer(Tag::MaximumItems)?;
    let offset = payload
        .opt_child_integer(Tag::OffsetItems)?
        .unwrap_or(0)
        .max(0) as usize;
    let mask = payload
        .opt_child_integer(Tag::StorageStatusMask)?
        .map_or(ssm::OnLineStorage, |m| m as u32);
    let asks_state = filters
        .iter()
        .any(|f| matches!(f, Attr::Std(t) if t.tag == Tag::State));
    let mut found = Vec::new();
    // A 2.x Locate that asks neither for destroyed nor for archived objects
    // (an archived one is Archival even when destroyed) can never return a
    // destroyed object: leave them in the store instead of reading and
    // decrypting every key ever destroyed on each call, which made Locate's
    // time and the server's memory grow with the store's history.
    let own = keystore::Filter {
        exclude_destroyed: ctx.version.is_2x()
            && mask & (ssm::DestroyedStorage | ssm::ArchivalStorage) == 0,
        ..Default::default()
    };
    // The caller's own objects, then those granted to it with `locate`
    // (KMIP 2.1 §6.1.28: objects the client is not allowed to know are
    // simply not returned).
    let mut candidates: Vec<(ManagedObject, String)> = ctx
        .partition
        .find(&own)?
        .into_iter()
        .map(|o| (o, ctx.identity.to_string()))
        .collect();
    let ks = ctx.server.session.key_store().clone();
    for (uid, ops) in ks.granted_objects(ctx.identity)? {
        if !ops.contains(keystore::access::Operation::Locate) {
            continue;
        }
        let Some(label) = ks.partition_of(&uid)? else {
            continue;
        };
        if label == ctx.identity {
            continue;
        }
        if let Ok(obj) = ctx
            .server
            .partition_by_label(&label)
            .and_then(|p| p.get(&uid).map_err(Into::into))
        {
            candidates.push((obj, label));
        }
    }
    for (obj, label) in candidates {
        if !crate::access::may_locate(ctx, &obj, &label)? {
            continue;
        }
        let destroyed = obj.attributes.lifecycle.state.is_destroyed();
        let status = if meta(&obj.attributes, "archived").is_some() {
            ssm::ArchivalStorage
        } else if ctx.version.is_2x() && destroyed {
            ssm::DestroyedStorage
        } else {
            ssm::OnLineStorage
        };
        // KMIP 1.x has no Destroyed Storage bit: a destroyed object (no key
        // material left) is found only by a Locate that asks for a State.
        // PyKMIP's integration suite locates every object and destroys each
        // one it finds, as a server that deletes destroyed objects allows.
        if !ctx.version.is_2x() && destroyed && !asks_state {
            continue;
        }
        if mask & status != 0 && matches(&obj, &filters) {
            found.push(obj.uid);
        }
    }
    let total = found.len();
    let mut out = Vec::new();
    // Located Items exists since KMIP 1.3.
    if (max.is_some() || offset > 0) && ctx.version >= kmip::ProtocolVersion::new(1, 3) {
        out.push(Ttlv::integer(Tag::LocatedItems, total as i32));
    }
    let take = max.map_or(usize::MAX, |m| m.max(0) as usize);
    out.extend(
        found
            .into_iter()
            .skip(offset)
            .take(take)
            .map(|u| Ttlv::text(Tag::UniqueIdentifier, u)),
    );
    Ok(out)
}
