//! Signing and MACing, verification (PKCS#11 3.0 §5.13–5.14). Recovery
//! forms are not offered (no mechanism supports them).

use super::{bytes, guard, mechanism, with_out};
use crate::error::Error;
use crate::ops::sign;
use cryptoki_sys::*;

/// C_SignInit.
#[no_mangle]
pub unsafe extern "C" fn C_SignInit(
    hSession: CK_SESSION_HANDLE,
    pMechanism: *mut CK_MECHANISM,
    hKey: CK_OBJECT_HANDLE,
) -> CK_RV {
    guard("C_SignInit", || {
        // SAFETY: the caller's mechanism, checked by `mechanism`.
        let m = unsafe { mechanism(pMechanism, true) }?;
        sign::init(hSession, &m, hKey, true)
    })
}

/// C_Sign.
#[no_mangle]
pub unsafe extern "C" fn C_Sign(
    hSession: CK_SESSION_HANDLE,
    pData: *mut CK_BYTE,
    ulDataLen: CK_ULONG,
    pSignature: *mut CK_BYTE,
    pulSignatureLen: *mut CK_ULONG,
) -> CK_RV {
    guard("C_Sign", || {
        // SAFETY: input buffer with its length.
        let data = unsafe { bytes(pData, ulDataLen) }?;
        // SAFETY: output per `with_out`.
        unsafe {
            with_out(pSignature, pulSignatureLen, |o| {
                sign::sign(hSession, data, o)
            })
        }
    })
}

/// C_SignUpdate.
#[no_mangle]
pub unsafe extern "C" fn C_SignUpdate(
    hSession: CK_SESSION_HANDLE,
    pPart: *mut CK_BYTE,
    ulPartLen: CK_ULONG,
) -> CK_RV {
    guard("C_SignUpdate", || {
        // SAFETY: input buffer with its length.
        let data = unsafe { bytes(pPart, ulPartLen) }?;
        sign::update(hSession, data, true)
    })
}

/// C_SignFinal.
#[no_mangle]
pub unsafe extern "C" fn C_SignFinal(
    hSession: CK_SESSION_HANDLE,
    pSignature: *mut CK_BYTE,
    pulSignatureLen: *mut CK_ULONG,
) -> CK_RV {
    guard("C_SignFinal", || {
        // SAFETY: output per `with_out`.
        unsafe {
            with_out(pSignature, pulSignatureLen, |o| {
                sign::sign_final(hSession, o)
            })
        }
    })
}

/// C_VerifyInit.
#[no_mangle]
pub unsafe extern "C" fn C_VerifyInit(
    hSession: CK_SESSION_HANDLE,
    pMechanism: *mut CK_MECHANISM,
    hKey: CK_OBJECT_HANDLE,
) -> CK_RV {
    guard("C_VerifyInit", || {
        // SAFETY: the caller's mechanism, checked by `mechanism`.
        let m = unsafe { mechanism(pMechanism, true) }?;
        sign::init(hSession, &m, hKey, false)
    })
}

/// C_Verify.
#[no_mangle]
pub unsafe extern "C" fn C_Verify(
    hSession: CK_SESSION_HANDLE,
    pData: *mut CK_BYTE,
    ulDataLen: CK_ULONG,
    pSignature: *mut CK_BYTE,
    ulSignatureLen: CK_ULONG,
) -> CK_RV {
    guard("C_Verify", || {
        // SAFETY: input buffers with their lengths.
        let (data, sig) = unsafe { (bytes(pData, ulDataLen)?, bytes(pSignature, ulSignatureLen)?) };
        sign::verify(hSession, data, sig)
    })
}

/// C_VerifyUpdate.
#[no_mangle]
pub unsafe extern "C" fn C_VerifyUpdate(
    hSession: CK_SESSION_HANDLE,
    pPart: *mut CK_BYTE,
    ulPartLen: CK_ULONG,
) -> CK_RV {
    guard("C_VerifyUpdate", || {
        // SAFETY: input buffer with its length.
        let data = unsafe { bytes(pPart, ulPartLen) }?;
        sign::update(hSession, data, false)
    })
}

/// C_VerifyFinal.
#[no_mangle]
pub unsafe extern "C" fn C_VerifyFinal(
    hSession: CK_SESSION_HANDLE,
    pSignature: *mut CK_BYTE,
    ulSignatureLen: CK_ULONG,
) -> CK_RV {
    guard("C_VerifyFinal", || {
        // SAFETY: input buffer with its length.
        let sig = unsafe { bytes(pSignature, ulSignatureLen) }?;
        sign::verify_final(hSession, sig)
    })
}

fn no_recovery(function: &str, h: CK_SESSION_HANDLE) -> CK_RV {
    guard(function, || {
        crate::state::module()?.session(h)?;
        Err(Error::rv(
            CKR_MECHANISM_INVALID,
            "no mechanism offers recovery",
        ))
    })
}

/// C_SignRecoverInit: no mechanism supports it.
#[no_mangle]
pub unsafe extern "C" fn C_SignRecoverInit(
    h: CK_SESSION_HANDLE,
    _m: *mut CK_MECHANISM,
    _k: CK_OBJECT_HANDLE,
) -> CK_RV {
    no_recovery("C_SignRecoverInit", h)
}

/// C_VerifyRecoverInit: no mechanism supports it.
#[no_mangle]
pub unsafe extern "C" fn C_VerifyRecoverInit(
    h: CK_SESSION_HANDLE,
    _m: *mut CK_MECHANISM,
    _k: CK_OBJECT_HANDLE,
) -> CK_RV {
    no_recovery("C_VerifyRecoverInit", h)
}

fn not_initialized(function: &str, h: CK_SESSION_HANDLE) -> CK_RV {
    guard(function, || {
        crate::state::module()?.session(h)?;
        Err(Error::rv(
            CKR_OPERATION_NOT_INITIALIZED,
            "no such operation",
        ))
    })
}

/// C_SignRecover: never initialized (see C_SignRecoverInit).
#[no_mangle]
pub unsafe extern "C" fn C_SignRecover(
    h: CK_SESSION_HANDLE,
    _a: *mut CK_BYTE,
    _b: CK_ULONG,
    _c: *mut CK_BYTE,
    _d: *mut CK_ULONG,
) -> CK_RV {
    not_initialized("C_SignRecover", h)
}

/// C_VerifyRecover: never initialized (see C_VerifyRecoverInit).
#[no_mangle]
pub unsafe extern "C" fn C_VerifyRecover(
    h: CK_SESSION_HANDLE,
    _a: *mut CK_BYTE,
    _b: CK_ULONG,
    _c: *mut CK_BYTE,
    _d: *mut CK_ULONG,
) -> CK_RV {
    not_initialized("C_VerifyRecover", h)
}

/// C_MessageSignInit (3.0 §5.14): no message-based signature mechanism yet.
#[no_mangle]
pub unsafe extern "C" fn C_MessageSignInit(
    h: CK_SESSION_HANDLE,
    _m: *mut CK_MECHANISM,
    _k: CK_OBJECT_HANDLE,
) -> CK_RV {
    no_message_sign("C_MessageSignInit", h)
}

/// C_MessageVerifyInit: no message-based signature mechanism yet.
#[no_mangle]
pub unsafe extern "C" fn C_MessageVerifyInit(
    h: CK_SESSION_HANDLE,
    _m: *mut CK_MECHANISM,
    _k: CK_OBJECT_HANDLE,
) -> CK_RV {
    no_message_sign("C_MessageVerifyInit", h)
}

fn no_message_sign(function: &str, h: CK_SESSION_HANDLE) -> CK_RV {
    guard(function, || {
        crate::state::module()?.session(h)?;
        Err(Error::rv(
            CKR_MECHANISM_INVALID,
            "no message-based signature mechanism",
        ))
    })
}

/// C_SignMessage: never initialized.
#[no_mangle]
pub unsafe extern "C" fn C_SignMessage(
    h: CK_SESSION_HANDLE,
    _p: *mut std::ffi::c_void,
    _pl: CK_ULONG,
    _d: *mut CK_BYTE,
    _dl: CK_ULONG,
    _s: *mut CK_BYTE,
    _sl: *mut CK_ULONG,
) -> CK_RV {
    not_initialized("C_SignMessage", h)
}

/// C_SignMessageBegin: never initialized.
#[no_mangle]
pub unsafe extern "C" fn C_SignMessageBegin(
    h: CK_SESSION_HANDLE,
    _p: *mut std::ffi::c_void,
    _pl: CK_ULONG,
) -> CK_RV {
    not_initialized("C_SignMessageBegin", h)
}

/// C_SignMessageNext: never initialized.
#[no_mangle]
pub unsafe extern "C" fn C_SignMessageNext(
    h: CK_SESSION_HANDLE,
    _p: *mut std::ffi::c_void,
    _pl: CK_ULONG,
    _d: *mut CK_BYTE,
    _dl: CK_ULONG,
    _s: *mut CK_BYTE,
    _sl: *mut CK_ULONG,
) -> CK_RV {
    not_initialized("C_SignMessageNext", h)
}

/// C_MessageSignFinal: never initialized.
#[no_mangle]
pub unsafe extern "C" fn C_MessageSignFinal(h: CK_SESSION_HANDLE) -> CK_RV {
    not_initialized("C_MessageSignFinal", h)
}

/// C_VerifyMessage: never initialized.
#[no_mangle]
pub unsafe extern "C" fn C_VerifyMessage(
    h: CK_SESSION_HANDLE,
    _p: *mut std::ffi::c_void,
    _pl: CK_ULONG,
    _d: *mut CK_BYTE,
    _dl: CK_ULONG,
    _s: *mut CK_BYTE,
    _sl: CK_ULONG,
) -> CK_RV {
    not_initialized("C_VerifyMessage", h)
}

/// C_VerifyMessageBegin: never initialized.
#[no_mangle]
pub unsafe extern "C" fn C_VerifyMessageBegin(
    h: CK_SESSION_HANDLE,
    _p: *mut std::ffi::c_void,
    _pl: CK_ULONG,
) -> CK_RV {
    not_initialized("C_VerifyMessageBegin", h)
}

/// C_VerifyMessageNext: never initialized.
#[no_mangle]
pub unsafe extern "C" fn C_VerifyMessageNext(
    h: CK_SESSION_HANDLE,
    _p: *mut std::ffi::c_void,
    _pl: CK_ULONG,
    _d: *mut CK_BYTE,
    _dl: CK_ULONG,
    _s: *mut CK_BYTE,
    _sl: CK_ULONG,
) -> CK_RV {
    not_initialized("C_VerifyMessageNext", h)
}

/// C_MessageVerifyFinal: never initialized.
#[no_mangle]
pub unsafe extern "C" fn C_MessageVerifyFinal(h: CK_SESSION_HANDLE) -> CK_RV {
    not_initialized("C_MessageVerifyFinal", h)
}
