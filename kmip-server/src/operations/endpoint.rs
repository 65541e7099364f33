//! Set Endpoint Role (KMIP 2.1 §6.1.54).
//!
//! KMIP 2.x lets the two ends of a connection agree on who sends requests:
//! the Endpoint Role of the request (KMIP 2.1 §11, Endpoint Role: Client or
//! Server) is the role the client asks the receiving endpoint to take, and
//! the response carries the role that endpoint accepted. Asking the server
//! to act as a Client would turn the connection around, so that the server
//! sends its own requests over it (the server-to-client operations of KMIP
//! 2.1 §6.2: Notify, Put, ...).
//!
//! keybridge only serves: it accepts Server (its role on every connection,
//! so nothing about the connection changes and nothing is recorded) and
//! refuses Client with Feature Not Supported, since it has no server-to-
//! client operations to send. The operation itself is KMIP 2.x only.

use super::adjust::require_2x;
use crate::dispatch::Ctx;
use crate::error::{Error, Result};
use kmip::enums::{endpoint_role as er, result_reason as rr};
use kmip::{Tag, Ttlv};

/// Set Endpoint Role: Server is accepted and echoed, Client refused.
pub fn set_endpoint_role(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    require_2x(ctx, "Set Endpoint Role")?;
    let role = payload
        .opt_child_enumeration(Tag::EndpointRole)?
        .ok_or_else(|| Error::kmip(rr::MissingData, "the request has no Endpoint Role"))?;
    match role {
        er::Server => Ok(vec![Ttlv::enumeration(Tag::EndpointRole, er::Server)]),
        er::Client => Err(Error::kmip(
            rr::FeatureNotSupported,
            "keybridge acts only as the server of a connection: it sends no \
             server-to-client operations, so it cannot take the Client role",
        )),
        other => Err(Error::invalid(format!(
            "Endpoint Role {other:#x} is not defined"
        ))),
    }
}
