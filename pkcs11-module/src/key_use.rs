//! Using a key: whether each use needs a fresh CKU_CONTEXT_SPECIFIC login,
//! and the audit entry of each use.
//!
//! A use needs the context-specific login (PKCS#11 3.0 §4.9
//! CKA_ALWAYS_AUTHENTICATE, §5.6.8 C_Login) when the key is a private key
//! with CKA_ALWAYS_AUTHENTICATE, or when the token's identity (the
//! partition label, the KMIP identity with that name) has
//! `always_requires_mfa` and the key is a private or secret key. The login
//! comes after the operation's Init and covers that one operation; when the
//! identity has a confirmed OTP device, it takes a one-time password (see
//! [`crate::session::login`]).

use crate::attrs::Obj;
use crate::audit;
use crate::error::{fail, Result};
use crate::state::Module;
use cryptoki_sys::*;
use keystore::ObjectType;

/// The key an operation under way uses, for the audit log and the
/// context-specific login.
#[derive(Debug, Clone)]
pub struct KeyUse {
    /// "sign", "verify", "encrypt", "decrypt".
    pub operation: &'static str,
    /// The key's unique identifier (CKA_UNIQUE_ID).
    pub uid: String,
    pub mechanism: CK_MECHANISM_TYPE,
    /// Each use needs a CKU_CONTEXT_SPECIFIC login after the Init.
    pub needs_login: bool,
    /// Recorded in the audit log (not for public-key verification, which
    /// uses nothing secret).
    pub audited: bool,
}

impl KeyUse {
    /// The use of `k` on `slot` by `operation` with mechanism `mechanism`.
    pub fn new(
        m: &Module,
        slot: CK_SLOT_ID,
        operation: &'static str,
        k: &Obj,
        mechanism: CK_MECHANISM_TYPE,
    ) -> Result<KeyUse> {
        Ok(KeyUse {
            operation,
            uid: k.uid.clone(),
            mechanism,
            needs_login: needs_context_login(m, slot, k)?,
            audited: k.attrs.object_type != ObjectType::PublicKey,
        })
    }

    /// Refuses the use without a context-specific login when it needs one.
    pub fn check_login(&self, context_login: bool) -> Result<()> {
        if self.needs_login && !context_login {
            return fail(
                CKR_USER_NOT_LOGGED_IN,
                "the key needs a context-specific login before each use",
            );
        }
        Ok(())
    }

    /// [`KeyUse::check_login`], recording a refusal in the audit log.
    pub fn check_login_recorded(
        &self,
        m: &Module,
        slot: CK_SLOT_ID,
        context_login: bool,
    ) -> Result<()> {
        let r = self.check_login(context_login);
        if r.is_err() {
            self.record(m, slot, &r);
        }
        r
    }

    /// Appends the audit entry of this use with its result.
    pub fn record<T>(&self, m: &Module, slot: CK_SLOT_ID, r: &Result<T>) {
        if self.audited {
            audit::record(
                m,
                slot,
                self.operation,
                Some(&self.uid),
                &audit::outcome(r),
                Some(format!("mechanism {:#x}", self.mechanism)),
            );
        }
    }
}

/// Whether each use of key `k` on `slot` needs a CKU_CONTEXT_SPECIFIC login:
/// a private key with CKA_ALWAYS_AUTHENTICATE, or any private or secret key
/// of an identity with `always_requires_mfa` (read from the store at each
/// Init, so a change by the administrator applies to the next operation).
pub fn needs_context_login(m: &Module, slot: CK_SLOT_ID, k: &Obj) -> Result<bool> {
    match k.attrs.object_type {
        ObjectType::PrivateKey if k.attrs.flags.always_authenticate => return Ok(true),
        ObjectType::PrivateKey | ObjectType::SymmetricKey | ObjectType::SecretData => {}
        _ => return Ok(false),
    }
    let label = m.token_label(slot)?;
    match m.ks.identity(&label) {
        Ok(i) => Ok(i.info.always_requires_mfa),
        Err(keystore::Error::NotFound(_)) => Ok(false),
        Err(e) => Err(e.into()),
    }
}
