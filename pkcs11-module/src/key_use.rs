//! Using a key: whether each use needs a fresh CKU_CONTEXT_SPECIFIC login,
//! and the audit entry of each use.
//!
//! A use needs the context-specific login (PKCS#11 3.0 §4.9
//! CKA_ALWAYS_AUTHENTICATE, §5.6.8 C_Login) when the key is a private key
//! with CKA_ALWAYS_AUTHENTICATE; when the key's per-object MFA policy (the
//! vendor attribute `keybridge` / `mfa-required` set over KMIP or with
//! `keybridge key require-mfa`, read by [`keystore::access::mfa_policy`] as
//! the KMIP server reads it) names the operation; or when the token's
//! identity (the partition label, the KMIP identity with that name) has
//! `always_requires_mfa` and the key is a private or secret key. For an
//! operation with an Init the login comes after the Init and covers that
//! one operation; C_WrapKey, C_UnwrapKey and C_DeriveKey have no Init, so
//! the login is made before them and covers the next one ([`KeyCall`],
//! [`crate::context_login`]). When the identity has a confirmed OTP device,
//! the login takes a one-time password.
//!
//! Managing an object is gated the same way, with the same one-shot login
//! made before the call ([`Management`], [`manage`]): C_DestroyObject when
//! the policy names `destroy` (and for private and secret keys of an
//! always-MFA identity), C_SetAttributeValue when it names
//! `modify-attributes`, C_CopyObject when it names `get` or `export`.

use crate::attrs::Obj;
use crate::audit;
use crate::error::{fail, Result};
use crate::key_cache::Version;
use crate::session::Session;
use crate::state::Module;
use cryptoki_sys::*;
use keystore::access::{mfa_covers, mfa_policy, Operation};
use keystore::ObjectType;

/// The key an operation under way uses, for the audit log and the
/// context-specific login.
#[derive(Debug, Clone)]
pub struct KeyUse {
    /// Sign, Verify, Encrypt or Decrypt; its name is the audit operation.
    pub operation: Operation,
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
    /// `v` is the store version the caller read for this Init.
    pub fn new(
        m: &Module,
        slot: CK_SLOT_ID,
        operation: Operation,
        k: &Obj,
        mechanism: CK_MECHANISM_TYPE,
        v: Version,
    ) -> Result<KeyUse> {
        Ok(KeyUse {
            operation,
            uid: k.uid.clone(),
            mechanism,
            needs_login: needs_context_login_at(m, slot, k, operation, v)?,
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

    /// Appends the audit entry of this use with its result: at once for a
    /// key whose uses need a context-specific login (MFA-gated), else
    /// through the group commit ([`crate::audit_buffer`]).
    pub fn record<T>(&self, m: &Module, slot: CK_SLOT_ID, r: &Result<T>) {
        if !self.audited {
            return;
        }
        if self.needs_login {
            audit::record(
                m,
                slot,
                self.operation.name(),
                Some(&self.uid),
                &audit::outcome(r),
                Some(format!("mechanism {:#x}", self.mechanism)),
            );
        } else {
            audit::key_use(
                m,
                slot,
                self.operation.name(),
                &self.uid,
                self.mechanism,
                audit::outcome_cow(r),
            );
        }
    }
}

/// The policy operations a PKCS#11 key can be used for (`get`/`export`:
/// wrapped out by C_WrapKey).
const KEY_USES: [Operation; 9] = [
    Operation::Encrypt,
    Operation::Decrypt,
    Operation::Sign,
    Operation::Verify,
    Operation::Wrap,
    Operation::Unwrap,
    Operation::Derive,
    Operation::Get,
    Operation::Export,
];

/// Whether using key `k` on `slot` for `op` needs a CKU_CONTEXT_SPECIFIC
/// login: a private key with CKA_ALWAYS_AUTHENTICATE, a key whose MFA
/// policy covers `op`, or any private or secret key of an identity with
/// `always_requires_mfa`. The key and the identity come from the login's
/// cache, checked against the store's change version at each Init or call
/// ([`crate::key_cache`]), so a change by the administrator applies to the
/// next operation.
pub fn needs_context_login(m: &Module, slot: CK_SLOT_ID, k: &Obj, op: Operation) -> Result<bool> {
    needs_context_login_at(m, slot, k, op, Version::Now)
}

/// [`needs_context_login`] at the caller's store version.
pub fn needs_context_login_at(
    m: &Module,
    slot: CK_SLOT_ID,
    k: &Obj,
    op: Operation,
    v: Version,
) -> Result<bool> {
    if k.attrs.object_type == ObjectType::PrivateKey && k.attrs.flags.always_authenticate {
        return Ok(true);
    }
    if mfa_covers(mfa_policy(&k.attrs), op) {
        return Ok(true);
    }
    identity_always_mfa(m, slot, k, v)
}

/// Whether `k` is a private or secret key of an identity with
/// `always_requires_mfa`.
fn identity_always_mfa(m: &Module, slot: CK_SLOT_ID, k: &Obj, v: Version) -> Result<bool> {
    if !matches!(
        k.attrs.object_type,
        ObjectType::PrivateKey | ObjectType::SymmetricKey | ObjectType::SecretData
    ) {
        return Ok(false);
    }
    // Cached per login with the store's change version, like the keys
    // (crate::key_cache): an administrator's change applies to the next
    // operation, in whatever process it was made.
    let version = v.read(m);
    let hit = m.with_login_cache(slot, |cache| cache?.always_mfa(version?));
    if let Some(on) = hit {
        return Ok(on);
    }
    let cached = m.login_cache(slot).zip(version);
    let label = m.token_label(slot)?;
    let on = match m.ks.identity(&label) {
        Ok(i) => i.info.always_requires_mfa,
        Err(keystore::Error::NotFound(_)) => false,
        Err(e) => return Err(e.into()),
    };
    if let Some((cache, version)) = cached {
        cache.set_always_mfa(version, on);
    }
    Ok(on)
}

/// CKA_ALWAYS_AUTHENTICATE as reported for private and secret keys (None
/// for other objects): true when some use of the key needs the
/// context-specific login, whether from the attribute itself, the key's MFA
/// policy or the identity's, so that applications (pkcs11-tool, libp11)
/// know to prompt for it.
pub fn always_authenticate(m: &Module, slot: CK_SLOT_ID, k: &Obj) -> Result<Option<bool>> {
    match k.attrs.object_type {
        ObjectType::PrivateKey if k.attrs.flags.always_authenticate => return Ok(Some(true)),
        ObjectType::PrivateKey | ObjectType::SymmetricKey | ObjectType::SecretData => {}
        _ => return Ok(None),
    }
    let policy = mfa_policy(&k.attrs);
    if KEY_USES.iter().any(|op| mfa_covers(policy, *op)) {
        return Ok(Some(true));
    }
    Ok(Some(identity_always_mfa(m, slot, k, Version::Now)?))
}

/// The key uses of one call without an Init (C_WrapKey, C_UnwrapKey,
/// C_DeriveKey, §5.14): their context-specific login, which must have been
/// made before the call (it arms the session, see
/// [`crate::context_login`]), and the call's one audit entry.
pub struct KeyCall {
    /// "wrap", "unwrap", "derive".
    operation: &'static str,
    mechanism: CK_MECHANISM_TYPE,
    /// The key the entry is about: the key wrapped out, the unwrapping key,
    /// the base key.
    uid: Option<String>,
    /// The other keys the call used ("wrapping key UID").
    others: Vec<String>,
    /// A context-specific login armed the session for this call.
    armed: bool,
}

impl KeyCall {
    /// Starts a call in session `s`, taking its armed login (if any).
    pub fn start(s: &Session, operation: &'static str, mechanism: CK_MECHANISM_TYPE) -> KeyCall {
        KeyCall {
            operation,
            mechanism,
            uid: None,
            others: Vec::new(),
            armed: s.armed_context_login,
        }
    }

    /// The call uses each `(key, op, role)`: `role` is None for the key the
    /// audit entry is about, else how the entry's detail names it. All are
    /// noted before any is checked, so a refusal names every key. Refuses
    /// without an armed context-specific login when a use needs one.
    pub fn uses(
        &mut self,
        m: &Module,
        slot: CK_SLOT_ID,
        keys: &[(&Obj, Operation, Option<&str>)],
    ) -> Result<()> {
        for (k, _, role) in keys {
            match role {
                None => self.uid = Some(k.uid.clone()),
                Some(r) => self.others.push(format!("{r} {}", k.uid)),
            }
        }
        for (k, op, _) in keys {
            if !self.armed && needs_context_login(m, slot, k, *op)? {
                return fail(
                    CKR_USER_NOT_LOGGED_IN,
                    "the key needs a context-specific login before each use: \
                     log in with CKU_CONTEXT_SPECIFIC just before this call",
                );
            }
        }
        Ok(())
    }

    /// Ends the call with result `r`: consumes the armed login and appends
    /// the audit entry, unless `keeps` (a length query or a short buffer,
    /// §5.2, which the application repeats).
    pub fn finish<T>(self, m: &Module, s: &mut Session, r: &Result<T>, keeps: bool) {
        if keeps {
            return;
        }
        s.armed_context_login = false;
        if let Some(uid) = &self.uid {
            let mut detail = format!("mechanism {:#x}", self.mechanism);
            for o in &self.others {
                detail.push_str(", ");
                detail.push_str(o);
            }
            audit::record(
                m,
                s.slot,
                self.operation,
                Some(uid),
                &audit::outcome(r),
                Some(detail),
            );
        }
    }
}

/// An object-management call (PKCS#11 3.0 §5.7) that a key's MFA policy can
/// gate like a use: C_DestroyObject (`destroy`), C_SetAttributeValue
/// (`modify-attributes`) and C_CopyObject (`get` / `export`: the copy may be
/// made extractable and wrapped out). None has an Init, so, as for
/// C_WrapKey, the context-specific login is made before the call and arms
/// the session for it ([`crate::context_login`]).
///
/// C_GetAttributeValue is not gated, whatever the policy says of
/// `get-attributes`: every PKCS#11 application reads CKA_CLASS, CKA_LABEL,
/// CKA_ID of each object it lists, and a login before each read would break
/// all of them; the values that matter (CKA_VALUE of a sensitive key) stay
/// behind CKA_SENSITIVE / CKA_EXTRACTABLE.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Management {
    Destroy,
    ModifyAttributes,
    Copy,
}

impl Management {
    /// The audit operation, in the policy's words.
    fn operation(self) -> &'static str {
        match self {
            Management::Destroy => "destroy",
            Management::ModifyAttributes => "modify-attributes",
            Management::Copy => "copy",
        }
    }

    /// The PKCS#11 function, for the audit detail.
    fn function(self) -> &'static str {
        match self {
            Management::Destroy => "C_DestroyObject",
            Management::ModifyAttributes => "C_SetAttributeValue",
            Management::Copy => "C_CopyObject",
        }
    }

    /// Whether the call on `k` needs the context-specific login: the key's
    /// MFA policy names the call's operation (`get` or `export` for a
    /// copy), or, for C_DestroyObject of a private or secret key, the
    /// identity has `always_requires_mfa`. CKA_ALWAYS_AUTHENTICATE alone
    /// does not: it is about using the key (§4.9), and applications do not
    /// prompt before managing such a key.
    fn needs_login(self, m: &Module, slot: CK_SLOT_ID, k: &Obj) -> Result<bool> {
        let policy = mfa_policy(&k.attrs);
        let covered = match self {
            Management::Destroy => mfa_covers(policy, Operation::Destroy),
            Management::ModifyAttributes => mfa_covers(policy, Operation::ModifyAttributes),
            // `get` and `export` cover each other (mfa_covers).
            Management::Copy => mfa_covers(policy, Operation::Get),
        };
        if covered {
            return Ok(true);
        }
        match self {
            Management::Destroy => identity_always_mfa(m, slot, k, Version::Now),
            _ => Ok(false),
        }
    }
}

/// Runs the management call `call` on object `k` in session `s` with `f`:
/// takes the session's armed context-specific login (every such call
/// consumes it, whatever its result), refuses with CKR_USER_NOT_LOGGED_IN
/// when the call needs the login and the session was not armed, and, when
/// `k` is a key or secret, appends one audit entry (the object's unique
/// identifier, the result; `detail` names attribute types, never values).
pub fn manage<T>(
    m: &Module,
    s: &mut Session,
    k: &Obj,
    call: Management,
    detail: Option<String>,
    f: impl FnOnce(&Module, &mut Session) -> Result<T>,
) -> Result<T> {
    let armed = std::mem::take(&mut s.armed_context_login);
    let r = match call.needs_login(m, s.slot, k) {
        Ok(true) if !armed => fail(
            CKR_USER_NOT_LOGGED_IN,
            "the object's MFA policy needs a context-specific login: \
             log in with CKU_CONTEXT_SPECIFIC just before this call",
        ),
        Ok(_) => f(m, s),
        Err(e) => Err(e),
    };
    let key = matches!(
        k.attrs.object_type,
        ObjectType::PrivateKey
            | ObjectType::PublicKey
            | ObjectType::SymmetricKey
            | ObjectType::SecretData
    );
    if key {
        let detail = match detail {
            Some(d) => format!("{} {d}", call.function()),
            None => call.function().to_string(),
        };
        audit::record(
            m,
            s.slot,
            call.operation(),
            Some(&k.uid),
            &audit::outcome(&r),
            Some(detail),
        );
    }
    r
}

/// The attribute types of a template, for an audit detail ("CKA 0x3, 0x102").
pub fn attribute_types(t: &crate::attrs::Template) -> String {
    let types: Vec<String> = t.0.iter().map(|a| format!("{:#x}", a.ty)).collect();
    format!("CKA {}", types.join(", "))
}
