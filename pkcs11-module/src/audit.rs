//! The module's entries in the store's hash-chained audit log
//! ([`keystore::KeyStore::audit`]): logins, logouts, one-time password
//! outcomes, key uses, and the token-management calls that change security
//! state (C_InitToken, C_InitPIN, C_SetPIN).
//!
//! Every entry names the token user as `pkcs11:<token label>` (the label is
//! also the KMIP identity owning the partition) and the process as
//! `pid:<pid>`. Entries carry names, object ids and results, never a PIN,
//! a code, key material or data. A failed append does not fail the call it
//! records (the application keeps working); it goes to the call log.
//!
//! [`record`] and [`record_as`] write before returning; [`key_use`] counts a
//! plain key use into the module's group commit ([`crate::audit_buffer`],
//! which says what a crash can lose).

use crate::audit_buffer::UseKey;
use crate::error::{Error, Result};
use crate::state::Module;
use cryptoki_sys::*;
use keystore::audit::AuditEntry;

/// The audit identity of the token in `slot`.
pub fn identity(m: &Module, slot: CK_SLOT_ID) -> String {
    m.with_slot_label(slot, |label| match label {
        Some(label) => format!("pkcs11:{label}"),
        None => format!("pkcs11:slot {slot}"),
    })
}

/// "ok", or the refusal as the call log words it (codes and messages of
/// this crate and the key store, which carry no secrets).
pub fn outcome<T>(r: &Result<T>) -> String {
    outcome_cow(r).into_owned()
}

/// [`outcome`] without allocating "ok" (a key use's audit count).
pub fn outcome_cow<T>(r: &Result<T>) -> std::borrow::Cow<'static, str> {
    match r {
        Ok(_) => "ok".into(),
        Err(e) => refused(e).into(),
    }
}

/// "refused: <message>" for an error.
pub fn refused(e: &Error) -> String {
    format!("refused: {e}")
}

/// Appends one entry for the token in `slot`.
pub fn record(
    m: &Module,
    slot: CK_SLOT_ID,
    operation: &str,
    object: Option<&str>,
    result: &str,
    detail: Option<String>,
) {
    record_as(m, &identity(m, slot), operation, object, result, detail);
}

/// Appends one entry as `identity` (C_InitToken names the token it makes
/// or relabels, which its slot does not yet or no longer says).
pub fn record_as(
    m: &Module,
    identity: &str,
    operation: &str,
    object: Option<&str>,
    result: &str,
    detail: Option<String>,
) {
    let mut entry = AuditEntry::now(identity, operation, object, result);
    entry.client = Some(m.client.to_string());
    entry.detail = detail;
    m.audit.write_now(entry);
}

/// Counts one use of key `object` for the group commit: the entry is
/// written within [`crate::audit_buffer::FLUSH_INTERVAL`], or at the next
/// synchronous entry, C_CloseSession, C_Logout or C_Finalize.
pub fn key_use(
    m: &Module,
    slot: CK_SLOT_ID,
    operation: &'static str,
    object: &str,
    mechanism: CK_MECHANISM_TYPE,
    result: std::borrow::Cow<'static, str>,
) {
    m.audit.key_use(UseKey {
        identity: identity(m, slot),
        operation,
        object: object.to_string(),
        mechanism: mechanism as u64,
        result,
    });
}

/// The name of a CKU_ user type, for the `detail` of login entries.
pub fn user_type_name(user: CK_USER_TYPE) -> String {
    match user {
        CKU_SO => "CKU_SO".to_string(),
        CKU_USER => "CKU_USER".to_string(),
        CKU_CONTEXT_SPECIFIC => "CKU_CONTEXT_SPECIFIC".to_string(),
        other => format!("user type {other}"),
    }
}
