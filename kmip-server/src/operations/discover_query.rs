//! Discover Versions (KMIP 2.1 §6.1.13) and Query (§6.1.37).

use crate::dispatch::{Ctx, SUPPORTED};
use crate::error::Result;
use kmip::enums::{object_type as ot, operation as op, query_function as qf};
use kmip::{ProtocolVersion, Tag, Ttlv};

/// The versions both sides speak, in the client's order of preference; all
/// of ours when the client lists none.
pub fn discover_versions(_ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let mut asked = Vec::new();
    for v in payload.find_all(Tag::ProtocolVersion) {
        asked.push(ProtocolVersion::from_ttlv(v)?);
    }
    let answer: Vec<ProtocolVersion> = if asked.is_empty() {
        SUPPORTED.to_vec()
    } else {
        asked
            .into_iter()
            .filter(|v| SUPPORTED.contains(v))
            .collect()
    };
    Ok(answer.into_iter().map(ProtocolVersion::to_ttlv).collect())
}

pub fn query(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let mut out = Vec::new();
    let functions: Vec<u32> = payload
        .find_all(Tag::QueryFunction)
        .map(|f| f.as_enumeration())
        .collect::<kmip::Result<_>>()?;
    if functions.contains(&qf::QueryOperations) {
        // Adjust Attribute and Set Endpoint Role refuse a KMIP 1.x request
        // (they are 2.x operations), so a 1.x client is not told of them.
        let two_x_only = [op::AdjustAttribute, op::SetEndpointRole];
        out.extend(
            super::OPERATIONS
                .iter()
                .filter(|o| ctx.version.is_2x() || !two_x_only.contains(o))
                .map(|o| Ttlv::enumeration(Tag::Operation, *o)),
        );
    }
    if functions.contains(&qf::QueryObjects) {
        for t in [
            ot::Certificate,
            ot::SymmetricKey,
            ot::PublicKey,
            ot::PrivateKey,
            ot::SecretData,
            ot::OpaqueObject,
        ] {
            out.push(Ttlv::enumeration(Tag::ObjectType, t));
        }
        // Templates are KMIP 1.x objects (gone in 2.0).
        if !ctx.version.is_2x() {
            out.push(Ttlv::enumeration(Tag::ObjectType, ot::Template));
        }
    }
    if functions.contains(&qf::QueryServerInformation) {
        out.push(Ttlv::text(Tag::VendorIdentification, "keybridge"));
        out.push(Ttlv::structure(
            Tag::ServerInformation,
            vec![
                Ttlv::text(Tag::ServerName, "keybridge"),
                Ttlv::text(Tag::ServerVersion, env!("CARGO_PKG_VERSION")),
            ],
        ));
    }
    if functions.contains(&qf::QueryCapabilities) && ctx.version.major >= 2 {
        out.push(Ttlv::structure(
            Tag::CapabilityInformation,
            vec![
                Ttlv::boolean(Tag::StreamingCapability, true),
                Ttlv::boolean(Tag::AsynchronousCapability, false),
                Ttlv::boolean(Tag::AttestationCapability, false),
                Ttlv::boolean(Tag::BatchUndoCapability, true),
                Ttlv::boolean(Tag::BatchContinueCapability, true),
            ],
        ));
    }
    Ok(out)
}
