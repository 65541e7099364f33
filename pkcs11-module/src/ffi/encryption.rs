//! Encryption and decryption (PKCS#11 3.0 §5.8–5.9), and the dual-function
//! calls of §5.13.

use super::{bytes, guard, mechanism, with_out};
use crate::ops::crypt;
use crate::ops::dual::{self, Second};
use cryptoki_sys::*;
use keystore::crypto::cipher::Direction;

/// C_EncryptInit (§5.8.1).
#[no_mangle]
pub unsafe extern "C" fn C_EncryptInit(
    hSession: CK_SESSION_HANDLE,
    pMechanism: *mut CK_MECHANISM,
    hKey: CK_OBJECT_HANDLE,
) -> CK_RV {
    guard("C_EncryptInit", || {
        // SAFETY: the caller's mechanism, checked by `mechanism`.
        let m = unsafe { mechanism(pMechanism, true) }?;
        crypt::init(hSession, &m, hKey, Direction::Encrypt)
    })
}

/// C_Encrypt (§5.8.2).
#[no_mangle]
pub unsafe extern "C" fn C_Encrypt(
    hSession: CK_SESSION_HANDLE,
    pData: *mut CK_BYTE,
    ulDataLen: CK_ULONG,
    pEncryptedData: *mut CK_BYTE,
    pulEncryptedDataLen: *mut CK_ULONG,
) -> CK_RV {
    guard("C_Encrypt", || {
        // SAFETY: input buffer with its length; output per `with_out`.
        let data = unsafe { bytes(pData, ulDataLen) }?;
        // SAFETY: as above.
        unsafe {
            with_out(pEncryptedData, pulEncryptedDataLen, |o| {
                crypt::single(hSession, Direction::Encrypt, data, o)
            })
        }
    })
}

/// C_EncryptUpdate (§5.8.3).
#[no_mangle]
pub unsafe extern "C" fn C_EncryptUpdate(
    hSession: CK_SESSION_HANDLE,
    pPart: *mut CK_BYTE,
    ulPartLen: CK_ULONG,
    pEncryptedPart: *mut CK_BYTE,
    pulEncryptedPartLen: *mut CK_ULONG,
) -> CK_RV {
    guard("C_EncryptUpdate", || {
        // SAFETY: input buffer with its length.
        let data = unsafe { bytes(pPart, ulPartLen) }?;
        // SAFETY: output per `with_out`.
        unsafe {
            with_out(pEncryptedPart, pulEncryptedPartLen, |o| {
                crypt::update(hSession, Direction::Encrypt, data, o)
            })
        }
    })
}

/// C_EncryptFinal (§5.8.4).
#[no_mangle]
pub unsafe extern "C" fn C_EncryptFinal(
    hSession: CK_SESSION_HANDLE,
    pLastEncryptedPart: *mut CK_BYTE,
    pulLastEncryptedPartLen: *mut CK_ULONG,
) -> CK_RV {
    guard("C_EncryptFinal", || {
        // SAFETY: output per `with_out`.
        unsafe {
            with_out(pLastEncryptedPart, pulLastEncryptedPartLen, |o| {
                crypt::finish(hSession, Direction::Encrypt, o)
            })
        }
    })
}

/// C_DecryptInit (§5.9.1).
#[no_mangle]
pub unsafe extern "C" fn C_DecryptInit(
    hSession: CK_SESSION_HANDLE,
    pMechanism: *mut CK_MECHANISM,
    hKey: CK_OBJECT_HANDLE,
) -> CK_RV {
    guard("C_DecryptInit", || {
        // SAFETY: the caller's mechanism, checked by `mechanism`.
        let m = unsafe { mechanism(pMechanism, true) }?;
        crypt::init(hSession, &m, hKey, Direction::Decrypt)
    })
}

/// C_Decrypt (§5.9.2).
#[no_mangle]
pub unsafe extern "C" fn C_Decrypt(
    hSession: CK_SESSION_HANDLE,
    pEncryptedData: *mut CK_BYTE,
    ulEncryptedDataLen: CK_ULONG,
    pData: *mut CK_BYTE,
    pulDataLen: *mut CK_ULONG,
) -> CK_RV {
    guard("C_Decrypt", || {
        // SAFETY: input buffer with its length.
        let data = unsafe { bytes(pEncryptedData, ulEncryptedDataLen) }?;
        // SAFETY: output per `with_out`.
        unsafe {
            with_out(pData, pulDataLen, |o| {
                crypt::single(hSession, Direction::Decrypt, data, o)
            })
        }
    })
}

/// C_DecryptUpdate (§5.9.3).
#[no_mangle]
pub unsafe extern "C" fn C_DecryptUpdate(
    hSession: CK_SESSION_HANDLE,
    pEncryptedPart: *mut CK_BYTE,
    ulEncryptedPartLen: CK_ULONG,
    pPart: *mut CK_BYTE,
    pulPartLen: *mut CK_ULONG,
) -> CK_RV {
    guard("C_DecryptUpdate", || {
        // SAFETY: input buffer with its length.
        let data = unsafe { bytes(pEncryptedPart, ulEncryptedPartLen) }?;
        // SAFETY: output per `with_out`.
        unsafe {
            with_out(pPart, pulPartLen, |o| {
                crypt::update(hSession, Direction::Decrypt, data, o)
            })
        }
    })
}

/// C_DecryptFinal (§5.9.4).
#[no_mangle]
pub unsafe extern "C" fn C_DecryptFinal(
    hSession: CK_SESSION_HANDLE,
    pLastPart: *mut CK_BYTE,
    pulLastPartLen: *mut CK_ULONG,
) -> CK_RV {
    guard("C_DecryptFinal", || {
        // SAFETY: output per `with_out`.
        unsafe {
            with_out(pLastPart, pulLastPartLen, |o| {
                crypt::finish(hSession, Direction::Decrypt, o)
            })
        }
    })
}

/// C_DigestEncryptUpdate (§5.13.1).
#[no_mangle]
pub unsafe extern "C" fn C_DigestEncryptUpdate(
    hSession: CK_SESSION_HANDLE,
    pPart: *mut CK_BYTE,
    ulPartLen: CK_ULONG,
    pEncryptedPart: *mut CK_BYTE,
    pulEncryptedPartLen: *mut CK_ULONG,
) -> CK_RV {
    // SAFETY: see `dual`.
    guard("C_DigestEncryptUpdate", || unsafe {
        dual(
            hSession,
            pPart,
            ulPartLen,
            pEncryptedPart,
            pulEncryptedPartLen,
            |h, d, o| dual::then_encrypt(h, Second::Digest, d, o),
        )
    })
}

/// C_DecryptDigestUpdate (§5.13.2).
#[no_mangle]
pub unsafe extern "C" fn C_DecryptDigestUpdate(
    hSession: CK_SESSION_HANDLE,
    pEncryptedPart: *mut CK_BYTE,
    ulEncryptedPartLen: CK_ULONG,
    pPart: *mut CK_BYTE,
    pulPartLen: *mut CK_ULONG,
) -> CK_RV {
    // SAFETY: see `dual`.
    guard("C_DecryptDigestUpdate", || unsafe {
        dual(
            hSession,
            pEncryptedPart,
            ulEncryptedPartLen,
            pPart,
            pulPartLen,
            |h, d, o| dual::decrypt_then(h, Second::Digest, d, o),
        )
    })
}

/// C_SignEncryptUpdate (§5.13.3).
#[no_mangle]
pub unsafe extern "C" fn C_SignEncryptUpdate(
    hSession: CK_SESSION_HANDLE,
    pPart: *mut CK_BYTE,
    ulPartLen: CK_ULONG,
    pEncryptedPart: *mut CK_BYTE,
    pulEncryptedPartLen: *mut CK_ULONG,
) -> CK_RV {
    // SAFETY: see `dual`.
    guard("C_SignEncryptUpdate", || unsafe {
        dual(
            hSession,
            pPart,
            ulPartLen,
            pEncryptedPart,
            pulEncryptedPartLen,
            |h, d, o| dual::then_encrypt(h, Second::Sign, d, o),
        )
    })
}

/// C_DecryptVerifyUpdate (§5.13.4).
#[no_mangle]
pub unsafe extern "C" fn C_DecryptVerifyUpdate(
    hSession: CK_SESSION_HANDLE,
    pEncryptedPart: *mut CK_BYTE,
    ulEncryptedPartLen: CK_ULONG,
    pPart: *mut CK_BYTE,
    pulPartLen: *mut CK_ULONG,
) -> CK_RV {
    // SAFETY: see `dual`.
    guard("C_DecryptVerifyUpdate", || unsafe {
        dual(
            hSession,
            pEncryptedPart,
            ulEncryptedPartLen,
            pPart,
            pulPartLen,
            |h, d, o| dual::decrypt_then(h, Second::Verify, d, o),
        )
    })
}

/// Reads the input and runs a dual function with the caller's output buffer.
unsafe fn dual(
    h: CK_SESSION_HANDLE,
    p_in: *mut CK_BYTE,
    in_len: CK_ULONG,
    p_out: *mut CK_BYTE,
    p_out_len: *mut CK_ULONG,
    f: impl FnOnce(CK_SESSION_HANDLE, &[u8], crate::ops::Out<'_>) -> crate::error::Result<usize>,
) -> crate::error::Result<()> {
    // SAFETY: input buffer with its length.
    let data = unsafe { bytes(p_in, in_len) }?;
    // SAFETY: output per `with_out`.
    unsafe { with_out(p_out, p_out_len, |o| f(h, data, o)) }
}
