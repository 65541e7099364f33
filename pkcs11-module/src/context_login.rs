//! The CKU_CONTEXT_SPECIFIC login (PKCS#11 3.0 §5.6.8): the
//! re-authentication, after an operation's Init, that a key whose every use
//! needs it requires (CKA_ALWAYS_AUTHENTICATE, §4.9, or the key's or the
//! identity's MFA policy, see [`crate::key_use`]). It covers that one
//! operation.
//!
//! What it takes depends on the token's identity (the token label, which is
//! also the KMIP identity owning the partition):
//!
//! - with a confirmed TOTP device enrolled for that identity (`keybridge mfa
//!   enroll`, kept in the partition), a one-time password: the user PIN
//!   followed by the current code (`<user PIN><code>`, the primary form), or
//!   the code alone (the session's C_Login already proved the PIN). The code
//!   is the last `digits` characters (6 by default); a PIN given with it must
//!   be right (it counts towards the user PIN's lock-out) before the code is
//!   checked. Codes are single-use across processes and the KMIP server; a
//!   wrong or replayed code counts towards the device's lock-out.
//! - without one, the user PIN, as before.
//!
//! C_WrapKey, C_UnwrapKey and C_DeriveKey have no Init to follow, nor have
//! C_DestroyObject, C_SetAttributeValue and C_CopyObject (gated by a
//! `destroy`, `modify-attributes`, `get`/`export` policy, see
//! [`crate::key_use::Management`]), so a context-specific login made with no
//! operation under way *arms* the session instead: a one-shot
//! authorization for the next of those calls in that session (the same
//! session handle; other sessions of the application never see it). That
//! call consumes it whatever its result (a length query or a short buffer
//! of C_WrapKey, §5.2, is repeated by the application, so it does not), as
//! do C_Logout and a failed context-specific login; a later such call needs
//! a new login.
//!
//! Outcomes: wrong PIN, wrong or replayed code → CKR_PIN_INCORRECT; a locked
//! user PIN or OTP device (including the failure that locks it) →
//! CKR_PIN_LOCKED; no user logged in → CKR_USER_NOT_LOGGED_IN. Each attempt appends one
//! audit entry: `mfa.verify` when a code was checked (results as the KMIP
//! server words them: `ok`, `refused: wrong code`, `refused: ... already
//! used`, `refused: locked`), else `C_Login`; never the PIN or the code.

use crate::audit;
use crate::error::{fail, Error, Result};
use crate::session::Session;
use crate::state::Module;
use cryptoki_sys::*;
use keystore::{Partition, PinRole, SecretBytes};
use parking_lot::Mutex;

/// What one attempt did, for its audit entry.
struct Attempt {
    /// "C_Login", or "mfa.verify" when a one-time password was checked.
    operation: &'static str,
    /// The audit result ("ok", "refused: ...").
    result: String,
    outcome: Result<()>,
}

impl Attempt {
    fn pin(outcome: Result<()>) -> Attempt {
        Attempt {
            operation: "C_Login",
            result: audit::outcome(&outcome),
            outcome,
        }
    }

    fn otp(result: impl Into<String>, outcome: Result<()>) -> Attempt {
        Attempt {
            operation: "mfa.verify",
            result: result.into(),
            outcome,
        }
    }
}

/// C_Login with CKU_CONTEXT_SPECIFIC on `session`.
pub fn login(m: &Module, session: &Mutex<Session>, pin: &SecretBytes) -> Result<()> {
    let mut s = session.lock();
    let slot = s.slot;
    let object = s.operation_key().map(|k| k.uid.clone());
    // With no operation under way the login arms the session for its next
    // C_WrapKey, C_UnwrapKey, C_DeriveKey, C_DestroyObject,
    // C_SetAttributeValue or C_CopyObject.
    let arming = object.is_none();
    let attempt = attempt(m, slot, pin);
    // C_Login entries carry the user type, as for the other users.
    let mut detail = match attempt.operation {
        "mfa.verify" => "C_Login CKU_CONTEXT_SPECIFIC",
        _ => "CKU_CONTEXT_SPECIFIC",
    }
    .to_string();
    if arming {
        detail.push_str(
            " (for the next C_WrapKey, C_UnwrapKey, C_DeriveKey, C_DestroyObject, \
             C_SetAttributeValue or C_CopyObject)",
        );
    }
    audit::record(
        m,
        slot,
        attempt.operation,
        object.as_deref(),
        &attempt.result,
        Some(detail),
    );
    match (&attempt.outcome, arming) {
        (Ok(()), false) => s.context_login = true,
        (Ok(()), true) => s.armed_context_login = true,
        (Err(_), _) => s.armed_context_login = false,
    }
    attempt.outcome
}

fn attempt(m: &Module, slot: CK_SLOT_ID, pin: &SecretBytes) -> Attempt {
    let partition = match m.logins.read().get(&slot) {
        Some(l) if l.user == CKU_USER => l.partition.clone(),
        _ => {
            return Attempt::pin(fail(
                CKR_USER_NOT_LOGGED_IN,
                "a context-specific login needs the user logged in",
            ))
        }
    };
    let identity = partition.label().to_string();
    match partition.otp_status(&identity) {
        Ok(Some(st)) if st.confirmed => {
            otp_login(m, &partition, &identity, pin, st.digits as usize)
        }
        Ok(_) => Attempt::pin(user_pin(m, &identity, pin)),
        Err(e) => Attempt::pin(Err(e.into())),
    }
}

/// Checks the user PIN (counted towards its lock-out like C_Login).
fn user_pin(m: &Module, label: &str, pin: &SecretBytes) -> Result<()> {
    m.ks.login(label, PinRole::User, pin)
        .map(|_| ())
        .map_err(Error::from)
}

/// `<user PIN><code>` or `<code>`, checked against the identity's device.
fn otp_login(
    m: &Module,
    partition: &Partition,
    identity: &str,
    pin: &SecretBytes,
    digits: usize,
) -> Attempt {
    let typed = pin.expose();
    let (pin_part, code) = if typed.len() > digits {
        typed.split_at(typed.len() - digits)
    } else {
        (&[][..], typed)
    };
    if !pin_part.is_empty() {
        if let Err(e) = user_pin(m, identity, &SecretBytes::from_slice(pin_part)) {
            return Attempt::pin(Err(e));
        }
    }
    // Not text: a wrong code like any other (it still counts).
    let code = std::str::from_utf8(code).unwrap_or("");
    let now = keystore::lifecycle::now();
    let refused = |why: String| {
        // The failure that reaches the limit locks the device: say so now.
        let locked = partition
            .otp_status(identity)
            .ok()
            .flatten()
            .and_then(|st| st.locked_until)
            .is_some_and(|until| now < until);
        if locked {
            Attempt::otp(
                format!("refused: {why}; locked"),
                fail(
                    CKR_PIN_LOCKED,
                    "too many wrong one-time passwords: the OTP device is locked for now",
                ),
            )
        } else {
            Attempt::otp(
                format!("refused: {why}"),
                fail(
                    CKR_PIN_INCORRECT,
                    format!("one-time password refused: {why}"),
                ),
            )
        }
    };
    match partition.verify_otp(identity, code, now) {
        Ok(()) => Attempt::otp("ok", Ok(())),
        Err(keystore::Error::PinLocked) => Attempt::otp(
            "refused: locked",
            fail(
                CKR_PIN_LOCKED,
                "too many wrong one-time passwords: the OTP device is locked for now",
            ),
        ),
        Err(keystore::Error::PinIncorrect) => refused("wrong code".to_string()),
        Err(keystore::Error::NotPermitted(why)) => refused(why),
        Err(keystore::Error::NotFound(_)) => refused("no device".to_string()),
        Err(e) => {
            let e = Error::from(e);
            Attempt::otp(audit::refused(&e), Err(e))
        }
    }
}
