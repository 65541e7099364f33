//! Sessions and login (PKCS#11 3.0 §5.6): opening and closing, session
//! state, and the login shared by every session of the application on a token.

use crate::audit;
use crate::error::{fail, Error, Result};
use crate::key_use::KeyUse;
use crate::ops::crypt::CryptOp;
use crate::ops::digest::DigestOp;
use crate::ops::message::MsgOp;
use crate::ops::sign::SignOp;
use crate::state::{module, Login, Module};
use cryptoki_sys::*;
use keystore::{PinRole, SecretBytes};
use parking_lot::Mutex;
use std::sync::Arc;

/// One session: its slot, its kind and the operations under way.
pub struct Session {
    pub handle: CK_SESSION_HANDLE,
    pub slot: CK_SLOT_ID,
    pub rw: bool,
    pub encrypt: Option<CryptOp>,
    pub decrypt: Option<CryptOp>,
    pub digest: Option<DigestOp>,
    pub sign: Option<SignOp>,
    pub verify: Option<SignOp>,
    pub msg_encrypt: Option<MsgOp>,
    pub msg_decrypt: Option<MsgOp>,
    pub find: Option<Vec<CK_OBJECT_HANDLE>>,
    /// A CKU_CONTEXT_SPECIFIC login was made since the last C_SignInit /
    /// C_VerifyInit / C_EncryptInit / C_DecryptInit, for a key whose every
    /// use needs one (CKA_ALWAYS_AUTHENTICATE, §4.9, or the identity's MFA
    /// policy; see [`crate::key_use`]).
    pub context_login: bool,
    /// A CKU_CONTEXT_SPECIFIC login made with no operation under way, for
    /// the next C_WrapKey, C_UnwrapKey, C_DeriveKey, C_DestroyObject,
    /// C_SetAttributeValue or C_CopyObject of this session, which consumes
    /// it (see [`crate::context_login`]).
    pub armed_context_login: bool,
}

impl Session {
    /// The key of the operation a context-specific login is for: the one
    /// under way that needs the login, else any under way.
    pub fn operation_key(&self) -> Option<&KeyUse> {
        let keys = [
            self.sign.as_ref().map(SignOp::key_use),
            self.decrypt.as_ref().map(CryptOp::key_use),
            self.verify.as_ref().map(SignOp::key_use),
            self.encrypt.as_ref().map(CryptOp::key_use),
        ];
        let mut active = keys.into_iter().flatten();
        let first = active.clone().next();
        active.find(|k| k.needs_login).or(first)
    }

    /// Ends every cryptographic operation (logout, C_SessionCancel).
    pub fn cancel_all(&mut self) {
        self.encrypt = None;
        self.decrypt = None;
        self.digest = None;
        self.sign = None;
        self.verify = None;
        self.msg_encrypt = None;
        self.msg_decrypt = None;
        self.armed_context_login = false;
    }
}

/// The CKS_ state of a session of kind `rw` when `user` is logged in.
pub fn state_of(rw: bool, user: Option<CK_USER_TYPE>) -> CK_STATE {
    match (rw, user) {
        (true, Some(CKU_SO)) => CKS_RW_SO_FUNCTIONS,
        (true, Some(_)) => CKS_RW_USER_FUNCTIONS,
        (true, None) => CKS_RW_PUBLIC_SESSION,
        (false, Some(_)) => CKS_RO_USER_FUNCTIONS,
        (false, None) => CKS_RO_PUBLIC_SESSION,
    }
}

/// C_OpenSession (§5.6.1).
pub fn open_session(slot: CK_SLOT_ID, flags: CK_FLAGS) -> Result<CK_SESSION_HANDLE> {
    let m = module()?;
    if flags & CKF_SERIAL_SESSION == 0 {
        return fail(
            CKR_SESSION_PARALLEL_NOT_SUPPORTED,
            "CKF_SERIAL_SESSION must be set",
        );
    }
    let Some(_label) = m.slot_label(slot)? else {
        return fail(CKR_TOKEN_NOT_RECOGNIZED, "the empty slot has no token yet");
    };
    let rw = flags & CKF_RW_SESSION != 0;
    if !rw && m.login_user(slot) == Some(CKU_SO) {
        return fail(
            CKR_SESSION_READ_WRITE_SO_EXISTS,
            "the SO is logged in: only read-write sessions",
        );
    }
    let handle = m.new_session_handle();
    let s = Session {
        handle,
        slot,
        rw,
        encrypt: None,
        decrypt: None,
        digest: None,
        sign: None,
        verify: None,
        msg_encrypt: None,
        msg_decrypt: None,
        find: None,
        context_login: false,
        armed_context_login: false,
    };
    let s = Arc::new(Mutex::new(s));
    m.sessions.write(|map| map.insert(handle, s.clone()));
    Ok(handle)
}

/// C_CloseSession (§5.6.2): its session objects go with it; closing the
/// last session of a token logs the application out.
pub fn close_session(h: CK_SESSION_HANDLE) -> Result<()> {
    let m = module()?;
    let s = m
        .sessions
        .write(|map| map.remove(&h))
        .ok_or_else(|| Error::rv(CKR_SESSION_HANDLE_INVALID, format!("no session {h}")))?;
    let slot = s.lock().slot;
    drop_session_objects(&m, h);
    if m.sessions_on(slot).is_empty() {
        implicit_logout(&m, slot, "last session closed");
    }
    // The session's key uses are in the log when C_CloseSession returns.
    m.flush_audit();
    Ok(())
}

fn drop_session_objects(m: &Module, h: CK_SESSION_HANDLE) {
    let mut objects = m.objects.lock();
    let owned: Vec<CK_OBJECT_HANDLE> = objects
        .by_handle
        .iter()
        .filter(|(_, r)| r.session == Some(h))
        .map(|(k, _)| *k)
        .collect();
    for o in owned {
        objects.forget(o);
    }
}

/// C_CloseAllSessions (§5.6.3).
pub fn close_all_sessions(slot: CK_SLOT_ID) -> Result<()> {
    let m = module()?;
    m.slot_label(slot)?;
    for (h, _) in m.sessions_on(slot) {
        m.sessions.write(|map| map.remove(&h));
        drop_session_objects(&m, h);
    }
    implicit_logout(&m, slot, "C_CloseAllSessions");
    m.flush_audit();
    Ok(())
}

/// Ends the login of `slot` without C_Logout (its sessions are gone),
/// recording it in the audit log when there was one.
fn implicit_logout(m: &Module, slot: CK_SLOT_ID, why: &str) {
    let removed = m.logins.write(|l| l.remove(&slot));
    if let Some(l) = removed {
        audit::record(
            m,
            slot,
            "C_Logout",
            None,
            "ok",
            Some(format!("{} ({why})", audit::user_type_name(l.user))),
        );
    }
}

/// C_GetSessionInfo (§5.6.4): (slot, state, flags).
pub fn session_info(h: CK_SESSION_HANDLE) -> Result<(CK_SLOT_ID, CK_STATE, CK_FLAGS)> {
    let m = module()?;
    let s = m.session(h)?;
    let (slot, rw) = {
        let s = s.lock();
        (s.slot, s.rw)
    };
    let state = state_of(rw, m.login_user(slot));
    let flags = CKF_SERIAL_SESSION | if rw { CKF_RW_SESSION } else { 0 };
    Ok((slot, state, flags))
}

/// C_Login (§5.6.8). The login belongs to the application: every session
/// of the token shares it. CKU_CONTEXT_SPECIFIC re-authenticates for one
/// operation (see [`crate::context_login`]). Every attempt is in the audit
/// log, with the user type and never the PIN.
pub fn login(h: CK_SESSION_HANDLE, user: CK_USER_TYPE, pin: &SecretBytes) -> Result<()> {
    let m = module()?;
    let s = m.session(h)?;
    if user == CKU_CONTEXT_SPECIFIC {
        return crate::context_login::login(&m, &s, pin);
    }
    let slot = s.lock().slot;
    let r = pin_login(&m, slot, user, pin);
    audit::record(
        &m,
        slot,
        "C_Login",
        None,
        &audit::outcome(&r),
        Some(audit::user_type_name(user)),
    );
    r
}

/// C_Login of the SO or the user with their PIN.
fn pin_login(m: &Module, slot: CK_SLOT_ID, user: CK_USER_TYPE, pin: &SecretBytes) -> Result<()> {
    let role = match user {
        CKU_SO => PinRole::SecurityOfficer,
        CKU_USER => PinRole::User,
        _ => return fail(CKR_USER_TYPE_INVALID, format!("user type {user}")),
    };
    let _serial = m.login_serial.lock();
    if let Some(current) = m.login_user(slot) {
        return fail(
            if current == user {
                CKR_USER_ALREADY_LOGGED_IN
            } else {
                CKR_USER_ANOTHER_ALREADY_LOGGED_IN
            },
            "already logged in",
        );
    }
    if user == CKU_SO && m.sessions_on(slot).iter().any(|(_, rw)| !rw) {
        return fail(
            CKR_SESSION_READ_ONLY_EXISTS,
            "close read-only sessions before the SO logs in",
        );
    }
    let label = m.token_label(slot)?;
    let info = m.ks.partition_info(&label)?;
    if user == CKU_USER && !info.user_pin_set {
        return fail(CKR_USER_PIN_NOT_INITIALIZED, "the user PIN is not set");
    }
    let partition = m.ks.login(&label, role, pin).map_err(|e| match e {
        keystore::Error::NotFound(_) => Error::rv(CKR_USER_PIN_NOT_INITIALIZED, "no PIN"),
        e => e.into(),
    })?;
    let login = Login {
        user,
        partition,
        cache: Default::default(),
    };
    // Every copy holds the same login or none (ReadMostly): the first
    // copy's answer is every copy's.
    let current = m.logins.write(|logins| match logins.get(&slot) {
        Some(l) => Some(l.user),
        None => {
            logins.insert(slot, login.clone());
            None
        }
    });
    if let Some(current) = current {
        // Another session of this application logged in meanwhile.
        return fail(
            if current == user {
                CKR_USER_ALREADY_LOGGED_IN
            } else {
                CKR_USER_ANOTHER_ALREADY_LOGGED_IN
            },
            "already logged in",
        );
    }
    Ok(())
}

/// C_Logout (§5.6.10): private session objects are destroyed and handles
/// to private objects become invalid. Recorded in the audit log.
pub fn logout(h: CK_SESSION_HANDLE) -> Result<()> {
    let m = module()?;
    let s = m.session(h)?;
    let slot = s.lock().slot;
    let removed = m.logins.write(|l| l.remove(&slot));
    let detail = removed.as_ref().map(|l| audit::user_type_name(l.user));
    let r = match removed {
        Some(_) => Ok(()),
        None => fail(CKR_USER_NOT_LOGGED_IN, "nobody is logged in"),
    };
    audit::record(&m, slot, "C_Logout", None, &audit::outcome(&r), detail);
    r?;
    for (sh, _) in m.sessions_on(slot) {
        if let Ok(s) = m.session(sh) {
            s.lock().cancel_all();
        }
    }
    let mut objects = m.objects.lock();
    let private: Vec<CK_OBJECT_HANDLE> = objects
        .by_handle
        .iter()
        .filter(|(_, r)| r.slot == slot && r.private)
        .map(|(k, _)| *k)
        .collect();
    for p in private {
        objects.forget(p);
    }
    Ok(())
}

/// C_SessionCancel (3.0 §5.6.6): ends the operations named by `flags`.
pub fn session_cancel(h: CK_SESSION_HANDLE, flags: CK_FLAGS) -> Result<()> {
    let m = module()?;
    let s = m.session(h)?;
    let mut s = s.lock();
    if flags & CKF_ENCRYPT != 0 {
        s.encrypt = None;
    }
    if flags & CKF_DECRYPT != 0 {
        s.decrypt = None;
    }
    if flags & CKF_DIGEST != 0 {
        s.digest = None;
    }
    if flags & CKF_SIGN != 0 {
        s.sign = None;
    }
    if flags & CKF_VERIFY != 0 {
        s.verify = None;
    }
    if flags & CKF_MESSAGE_ENCRYPT != 0 {
        s.msg_encrypt = None;
    }
    if flags & CKF_MESSAGE_DECRYPT != 0 {
        s.msg_decrypt = None;
    }
    if flags & CKF_FIND_OBJECTS != 0 {
        s.find = None;
    }
    Ok(())
}
