//! Message digesting (PKCS#11 3.0 §5.12).

use super::{bytes, guard, mechanism, with_out};
use crate::ops::digest;
use cryptoki_sys::*;

/// C_DigestInit (§5.12.1).
#[no_mangle]
pub unsafe extern "C" fn C_DigestInit(
    hSession: CK_SESSION_HANDLE,
    pMechanism: *mut CK_MECHANISM,
) -> CK_RV {
    guard("C_DigestInit", || {
        // SAFETY: the caller's mechanism, checked by `mechanism`.
        let m = unsafe { mechanism(pMechanism, true) }?;
        digest::init(hSession, &m)
    })
}

/// C_Digest (§5.12.2).
#[no_mangle]
pub unsafe extern "C" fn C_Digest(
    hSession: CK_SESSION_HANDLE,
    pData: *mut CK_BYTE,
    ulDataLen: CK_ULONG,
    pDigest: *mut CK_BYTE,
    pulDigestLen: *mut CK_ULONG,
) -> CK_RV {
    guard("C_Digest", || {
        // SAFETY: input buffer with its length.
        let data = unsafe { bytes(pData, ulDataLen) }?;
        // SAFETY: output per `with_out`.
        unsafe { with_out(pDigest, pulDigestLen, |o| digest::single(hSession, data, o)) }
    })
}

/// C_DigestUpdate (§5.12.3).
#[no_mangle]
pub unsafe extern "C" fn C_DigestUpdate(
    hSession: CK_SESSION_HANDLE,
    pPart: *mut CK_BYTE,
    ulPartLen: CK_ULONG,
) -> CK_RV {
    guard("C_DigestUpdate", || {
        // SAFETY: input buffer with its length.
        let data = unsafe { bytes(pPart, ulPartLen) }?;
        digest::update(hSession, data)
    })
}

/// C_DigestKey (§5.12.4).
#[no_mangle]
pub unsafe extern "C" fn C_DigestKey(hSession: CK_SESSION_HANDLE, hKey: CK_OBJECT_HANDLE) -> CK_RV {
    guard("C_DigestKey", || digest::digest_key(hSession, hKey))
}

/// C_DigestFinal (§5.12.5).
#[no_mangle]
pub unsafe extern "C" fn C_DigestFinal(
    hSession: CK_SESSION_HANDLE,
    pDigest: *mut CK_BYTE,
    pulDigestLen: *mut CK_ULONG,
) -> CK_RV {
    guard("C_DigestFinal", || {
        // SAFETY: output per `with_out`.
        unsafe { with_out(pDigest, pulDigestLen, |o| digest::finish(hSession, o)) }
    })
}
