//! Session management (PKCS#11 3.0 §5.6).

use super::{bytes, guard, pin, put, with_out};
use crate::error::Error;
use crate::session;
use cryptoki_sys::*;

/// C_OpenSession (§5.6.1). Notification callbacks are accepted and never called.
#[no_mangle]
pub unsafe extern "C" fn C_OpenSession(
    slotID: CK_SLOT_ID,
    flags: CK_FLAGS,
    _pApplication: *mut std::ffi::c_void,
    _Notify: CK_NOTIFY,
    phSession: *mut CK_SESSION_HANDLE,
) -> CK_RV {
    guard("C_OpenSession", || {
        if phSession.is_null() {
            return Err(Error::args("null session pointer"));
        }
        let h = session::open_session(slotID, flags)?;
        // SAFETY: checked non-null above.
        unsafe { put(phSession, h) }
    })
}

/// C_CloseSession (§5.6.2).
#[no_mangle]
pub unsafe extern "C" fn C_CloseSession(hSession: CK_SESSION_HANDLE) -> CK_RV {
    guard("C_CloseSession", || session::close_session(hSession))
}

/// C_CloseAllSessions (§5.6.3).
#[no_mangle]
pub unsafe extern "C" fn C_CloseAllSessions(slotID: CK_SLOT_ID) -> CK_RV {
    guard("C_CloseAllSessions", || session::close_all_sessions(slotID))
}

/// C_GetSessionInfo (§5.6.4).
#[no_mangle]
pub unsafe extern "C" fn C_GetSessionInfo(
    hSession: CK_SESSION_HANDLE,
    pInfo: *mut CK_SESSION_INFO,
) -> CK_RV {
    guard("C_GetSessionInfo", || {
        if pInfo.is_null() {
            return Err(Error::args("null info pointer"));
        }
        let (slotID, state, flags) = session::session_info(hSession)?;
        let info = CK_SESSION_INFO {
            slotID,
            state,
            flags,
            ulDeviceError: 0,
        };
        // SAFETY: checked non-null.
        unsafe { put(pInfo, info) }
    })
}

/// C_GetOperationState (§5.6.5): digests only, see `ops::digest::get_state`.
#[no_mangle]
pub unsafe extern "C" fn C_GetOperationState(
    hSession: CK_SESSION_HANDLE,
    pOperationState: *mut CK_BYTE,
    pulOperationStateLen: *mut CK_ULONG,
) -> CK_RV {
    guard("C_GetOperationState", || {
        // SAFETY: output per `with_out`.
        unsafe {
            with_out(pOperationState, pulOperationStateLen, |o| {
                crate::ops::digest::get_state(hSession, o)
            })
        }
    })
}

/// C_SetOperationState (§5.6.6): see `ops::digest::set_state`.
#[no_mangle]
pub unsafe extern "C" fn C_SetOperationState(
    hSession: CK_SESSION_HANDLE,
    pOperationState: *mut CK_BYTE,
    ulOperationStateLen: CK_ULONG,
    hEncryptionKey: CK_OBJECT_HANDLE,
    hAuthenticationKey: CK_OBJECT_HANDLE,
) -> CK_RV {
    guard("C_SetOperationState", || {
        if pOperationState.is_null() || ulOperationStateLen == 0 {
            return Err(Error::args("no saved state"));
        }
        // SAFETY: input buffer with its length.
        let state = unsafe { bytes(pOperationState, ulOperationStateLen) }?;
        crate::ops::digest::set_state(hSession, state, hEncryptionKey, hAuthenticationKey)
    })
}

/// C_Login (§5.6.8).
#[no_mangle]
pub unsafe extern "C" fn C_Login(
    hSession: CK_SESSION_HANDLE,
    userType: CK_USER_TYPE,
    pPin: *mut CK_UTF8CHAR,
    ulPinLen: CK_ULONG,
) -> CK_RV {
    guard("C_Login", || {
        if pPin.is_null() {
            return Err(Error::args("protected authentication path is not offered"));
        }
        // SAFETY: PIN buffer of ulPinLen bytes.
        let p = unsafe { pin(pPin, ulPinLen) }?;
        session::login(hSession, userType, &p)
    })
}

/// C_LoginUser (3.0 §5.6.9): keybridge tokens have no user names, so the
/// name must be empty and the call is C_Login.
#[no_mangle]
pub unsafe extern "C" fn C_LoginUser(
    hSession: CK_SESSION_HANDLE,
    userType: CK_USER_TYPE,
    pPin: *mut CK_UTF8CHAR,
    ulPinLen: CK_ULONG,
    pUsername: *mut CK_UTF8CHAR,
    ulUsernameLen: CK_ULONG,
) -> CK_RV {
    guard("C_LoginUser", || {
        // SAFETY: buffers with their lengths.
        let (p, name) = unsafe { (pin(pPin, ulPinLen)?, bytes(pUsername, ulUsernameLen)?) };
        if pPin.is_null() {
            return Err(Error::args("protected authentication path is not offered"));
        }
        if !name.is_empty() {
            return Err(Error::rv(CKR_ARGUMENTS_BAD, "tokens have no user names"));
        }
        session::login(hSession, userType, &p)
    })
}

/// C_Logout (§5.6.10).
#[no_mangle]
pub unsafe extern "C" fn C_Logout(hSession: CK_SESSION_HANDLE) -> CK_RV {
    guard("C_Logout", || session::logout(hSession))
}

/// C_SessionCancel (3.0 §5.6.7).
#[no_mangle]
pub unsafe extern "C" fn C_SessionCancel(hSession: CK_SESSION_HANDLE, flags: CK_FLAGS) -> CK_RV {
    guard("C_SessionCancel", || {
        session::session_cancel(hSession, flags)
    })
}
