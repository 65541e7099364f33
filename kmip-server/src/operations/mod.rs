//! One module per operation family; [`run`] routes an operation to it.

pub mod adjust;
pub mod attributes;
pub mod certify;
pub mod create_register;
pub mod crypto_common;
pub mod discover_query;
pub mod encrypt;
pub mod endpoint;
pub mod get;
pub mod import_export;
pub mod key_wrap;
pub mod lifecycle;
pub mod locate;
pub mod misc;
pub mod pkcs11;
pub mod rekey_derive;
pub mod rng_hash;
pub mod sign_mac;

use crate::dispatch::Ctx;
use crate::error::{Error, Result};
use kmip::enums::{operation as op, result_reason as rr};
use kmip::{Tag, Ttlv};

/// The operations this server implements, for Query.
pub const OPERATIONS: &[u32] = &[
    op::Create,
    op::CreateKeyPair,
    op::Register,
    op::Locate,
    op::Check,
    op::Get,
    op::GetAttributes,
    op::GetAttributeList,
    op::AddAttribute,
    op::ModifyAttribute,
    op::DeleteAttribute,
    op::SetAttribute,
    op::AdjustAttribute,
    op::ObtainLease,
    op::GetUsageAllocation,
    op::Activate,
    op::Revoke,
    op::Destroy,
    op::Archive,
    op::Recover,
    op::Query,
    op::DiscoverVersions,
    op::Log,
    op::Interop,
    op::Encrypt,
    op::Decrypt,
    op::Sign,
    op::SignatureVerify,
    op::MAC,
    op::MACVerify,
    op::RNGRetrieve,
    op::RNGSeed,
    op::Hash,
    op::ReKey,
    op::ReKeyKeyPair,
    op::Certify,
    op::DeriveKey,
    op::Export,
    op::Import,
    op::SetEndpointRole,
    op::PKCS_11,
];

/// Runs one batch item; returns its Response Payload.
pub fn run(ctx: &mut Ctx<'_>, operation: u32, payload: &Ttlv) -> Result<Ttlv> {
    let fields = match operation {
        op::DiscoverVersions => discover_query::discover_versions(ctx, payload),
        op::Query => discover_query::query(ctx, payload),
        op::Create => create_register::create(ctx, payload),
        op::CreateKeyPair => create_register::create_key_pair(ctx, payload),
        op::Register => create_register::register(ctx, payload),
        op::Locate => locate::locate(ctx, payload),
        op::Get => get::get(ctx, payload),
        op::Check => get::check(ctx, payload),
        op::GetAttributes => attributes::get_attributes(ctx, payload),
        op::GetAttributeList => attributes::get_attribute_list(ctx, payload),
        op::AddAttribute => attributes::add_attribute(ctx, payload),
        op::ModifyAttribute => attributes::modify_attribute(ctx, payload),
        op::DeleteAttribute => attributes::delete_attribute(ctx, payload),
        op::SetAttribute => attributes::set_attribute(ctx, payload),
        op::AdjustAttribute => adjust::adjust_attribute(ctx, payload),
        op::SetEndpointRole => endpoint::set_endpoint_role(ctx, payload),
        op::Activate => lifecycle::activate(ctx, payload),
        op::Revoke => lifecycle::revoke(ctx, payload),
        op::Destroy => lifecycle::destroy(ctx, payload),
        op::Archive => lifecycle::archive(ctx, payload),
        op::Recover => lifecycle::recover(ctx, payload),
        op::ObtainLease => misc::obtain_lease(ctx, payload),
        op::GetUsageAllocation => misc::get_usage_allocation(ctx, payload),
        op::Interop => misc::interop(ctx, payload),
        op::PKCS_11 => pkcs11::pkcs11(ctx, payload),
        op::Log => misc::log(ctx, payload),
        op::Encrypt => encrypt::encrypt(ctx, payload),
        op::Decrypt => encrypt::decrypt(ctx, payload),
        op::Sign => sign_mac::sign(ctx, payload),
        op::SignatureVerify => sign_mac::signature_verify(ctx, payload),
        op::MAC => sign_mac::mac(ctx, payload),
        op::MACVerify => sign_mac::mac_verify(ctx, payload),
        op::RNGRetrieve => rng_hash::rng_retrieve(ctx, payload),
        op::RNGSeed => rng_hash::rng_seed(ctx, payload),
        op::Hash => rng_hash::hash(ctx, payload),
        op::ReKey => rekey_derive::rekey(ctx, payload),
        op::ReKeyKeyPair => rekey_derive::rekey_key_pair(ctx, payload),
        op::Certify => certify::certify(ctx, payload),
        op::DeriveKey => rekey_derive::derive_key(ctx, payload),
        op::Export => import_export::export(ctx, payload),
        op::Import => import_export::import(ctx, payload),
        other => Err(Error::kmip(
            rr::OperationNotSupported,
            format!(
                "operation {} is not supported",
                op::TABLE.name_of(other).unwrap_or("(unknown)")
            ),
        )),
    }?;
    Ok(Ttlv::structure(Tag::ResponsePayload, fields))
}

/// A payload holding just the Unique Identifier.
pub fn uid_only(uid: &str) -> Vec<Ttlv> {
    vec![Ttlv::text(Tag::UniqueIdentifier, uid)]
}
