//! Message-based encryption and decryption (PKCS#11 3.0 §5.10–5.11).

use super::{bytes, guard, mechanism, with_out};
use crate::error::{Error, Result};
use crate::ops::message::{self, GcmMessage};
use cryptoki_sys::*;
use keystore::crypto::cipher::Direction;
use std::ffi::c_void;

/// Copies a CK_GCM_MESSAGE_PARAMS.
unsafe fn read_params(p: *const c_void, len: CK_ULONG, dir: Direction) -> Result<GcmMessage> {
    if p.is_null() || len as usize != std::mem::size_of::<CK_GCM_MESSAGE_PARAMS>() {
        return Err(Error::args("CK_GCM_MESSAGE_PARAMS expected"));
    }
    // SAFETY: non-null and of the structure's size; the caller promises it.
    let g = unsafe { &*(p as *const CK_GCM_MESSAGE_PARAMS) };
    // SAFETY: IV pointer with its length.
    let iv = unsafe { bytes(g.pIv, g.ulIvLen) }?.to_vec();
    let tag_len = (g.ulTagBits / 8) as CK_ULONG;
    if g.pTag.is_null() || g.ulTagBits > 128 {
        return Err(Error::rv(CKR_MECHANISM_PARAM_INVALID, "tag buffer"));
    }
    let tag = match dir {
        // SAFETY: the tag buffer holds ulTagBits / 8 bytes.
        Direction::Decrypt => unsafe { bytes(g.pTag, tag_len) }?.to_vec(),
        Direction::Encrypt => Vec::new(),
    };
    Ok(GcmMessage {
        iv,
        iv_fixed_bits: g.ulIvFixedBits as usize,
        generator: g.ivGenerator,
        tag_bits: g.ulTagBits as usize,
        tag,
    })
}

/// Writes the generated IV and the tag back into the caller's parameter.
unsafe fn write_back(p: *mut c_void, m: &GcmMessage, dir: Direction) {
    // SAFETY: validated by `read_params` for this same call.
    let g = unsafe { &mut *(p as *mut CK_GCM_MESSAGE_PARAMS) };
    if m.iv.len() == g.ulIvLen as usize && !g.pIv.is_null() {
        // SAFETY: pIv holds ulIvLen bytes.
        unsafe { std::ptr::copy_nonoverlapping(m.iv.as_ptr(), g.pIv, m.iv.len()) };
    }
    if dir == Direction::Encrypt && !m.tag.is_empty() && m.tag.len() <= (g.ulTagBits / 8) as usize {
        // SAFETY: pTag holds ulTagBits / 8 bytes (non-null checked on read).
        unsafe { std::ptr::copy_nonoverlapping(m.tag.as_ptr(), g.pTag, m.tag.len()) };
    }
}

unsafe fn init(
    h: CK_SESSION_HANDLE,
    p: *mut CK_MECHANISM,
    key: CK_OBJECT_HANDLE,
    dir: Direction,
) -> Result<()> {
    // SAFETY: the caller's mechanism; its parameter is per message.
    let m = unsafe { mechanism(p, false) }?;
    message::init(h, &m, key, dir)
}

#[allow(clippy::too_many_arguments)]
unsafe fn one_message(
    h: CK_SESSION_HANDLE,
    dir: Direction,
    p: *mut c_void,
    pl: CK_ULONG,
    aad: *mut CK_BYTE,
    aadl: CK_ULONG,
    data: *mut CK_BYTE,
    datal: CK_ULONG,
    out: *mut CK_BYTE,
    outl: *mut CK_ULONG,
) -> Result<()> {
    // SAFETY: parameter, AAD and data with their lengths.
    let (mut params, aad, data) = unsafe {
        (
            read_params(p, pl, dir)?,
            bytes(aad, aadl)?,
            bytes(data, datal)?,
        )
    };
    let query = out.is_null();
    // SAFETY: output per `with_out`.
    unsafe {
        with_out(out, outl, |o| {
            message::single(h, dir, &mut params, aad, data, o)
        })
    }?;
    if !query {
        // SAFETY: same parameter as read above.
        unsafe { write_back(p, &params, dir) };
    }
    Ok(())
}

unsafe fn begin(
    h: CK_SESSION_HANDLE,
    dir: Direction,
    p: *mut c_void,
    pl: CK_ULONG,
    aad: *mut CK_BYTE,
    aadl: CK_ULONG,
) -> Result<()> {
    // SAFETY: parameter and AAD with their lengths.
    let (mut params, aad) = unsafe { (read_params(p, pl, dir)?, bytes(aad, aadl)?) };
    message::begin(h, dir, &mut params, aad)?;
    // SAFETY: same parameter as read above.
    unsafe { write_back(p, &params, Direction::Decrypt) };
    Ok(())
}

#[allow(clippy::too_many_arguments)]
unsafe fn next(
    h: CK_SESSION_HANDLE,
    dir: Direction,
    p: *mut c_void,
    pl: CK_ULONG,
    data: *mut CK_BYTE,
    datal: CK_ULONG,
    out: *mut CK_BYTE,
    outl: *mut CK_ULONG,
    flags: CK_FLAGS,
) -> Result<()> {
    // SAFETY: parameter and data with their lengths.
    let (mut params, data) = unsafe { (read_params(p, pl, dir)?, bytes(data, datal)?) };
    let end = flags & CKF_END_OF_MESSAGE != 0;
    let query = out.is_null();
    // SAFETY: output per `with_out`.
    unsafe {
        with_out(out, outl, |o| {
            message::next(h, dir, &mut params, data, o, end)
        })
    }?;
    if end && !query {
        // SAFETY: same parameter as read above.
        unsafe { write_back(p, &params, dir) };
    }
    Ok(())
}

/// C_MessageEncryptInit (§5.10.1).
#[no_mangle]
pub unsafe extern "C" fn C_MessageEncryptInit(
    h: CK_SESSION_HANDLE,
    pMechanism: *mut CK_MECHANISM,
    hKey: CK_OBJECT_HANDLE,
) -> CK_RV {
    // SAFETY: see `init`.
    guard("C_MessageEncryptInit", || unsafe {
        init(h, pMechanism, hKey, Direction::Encrypt)
    })
}

/// C_EncryptMessage (§5.10.2).
#[no_mangle]
pub unsafe extern "C" fn C_EncryptMessage(
    h: CK_SESSION_HANDLE,
    pParameter: *mut c_void,
    ulParameterLen: CK_ULONG,
    pAssociatedData: *mut CK_BYTE,
    ulAssociatedDataLen: CK_ULONG,
    pPlaintext: *mut CK_BYTE,
    ulPlaintextLen: CK_ULONG,
    pCiphertext: *mut CK_BYTE,
    pulCiphertextLen: *mut CK_ULONG,
) -> CK_RV {
    guard("C_EncryptMessage", || {
        // SAFETY: see `one_message`.
        unsafe {
            one_message(
                h,
                Direction::Encrypt,
                pParameter,
                ulParameterLen,
                pAssociatedData,
                ulAssociatedDataLen,
                pPlaintext,
                ulPlaintextLen,
                pCiphertext,
                pulCiphertextLen,
            )
        }
    })
}

/// C_EncryptMessageBegin (§5.10.3).
#[no_mangle]
pub unsafe extern "C" fn C_EncryptMessageBegin(
    h: CK_SESSION_HANDLE,
    pParameter: *mut c_void,
    ulParameterLen: CK_ULONG,
    pAssociatedData: *mut CK_BYTE,
    ulAssociatedDataLen: CK_ULONG,
) -> CK_RV {
    guard("C_EncryptMessageBegin", || {
        // SAFETY: see `begin`.
        unsafe {
            begin(
                h,
                Direction::Encrypt,
                pParameter,
                ulParameterLen,
                pAssociatedData,
                ulAssociatedDataLen,
            )
        }
    })
}

/// C_EncryptMessageNext (§5.10.4).
#[no_mangle]
pub unsafe extern "C" fn C_EncryptMessageNext(
    h: CK_SESSION_HANDLE,
    pParameter: *mut c_void,
    ulParameterLen: CK_ULONG,
    pPlaintextPart: *mut CK_BYTE,
    ulPlaintextPartLen: CK_ULONG,
    pCiphertextPart: *mut CK_BYTE,
    pulCiphertextPartLen: *mut CK_ULONG,
    flags: CK_FLAGS,
) -> CK_RV {
    guard("C_EncryptMessageNext", || {
        // SAFETY: see `next`.
        unsafe {
            next(
                h,
                Direction::Encrypt,
                pParameter,
                ulParameterLen,
                pPlaintextPart,
                ulPlaintextPartLen,
                pCiphertextPart,
                pulCiphertextPartLen,
                flags,
            )
        }
    })
}

/// C_MessageEncryptFinal (§5.10.5).
#[no_mangle]
pub unsafe extern "C" fn C_MessageEncryptFinal(h: CK_SESSION_HANDLE) -> CK_RV {
    guard("C_MessageEncryptFinal", || {
        message::finish(h, Direction::Encrypt)
    })
}

/// C_MessageDecryptInit (§5.11.1).
#[no_mangle]
pub unsafe extern "C" fn C_MessageDecryptInit(
    h: CK_SESSION_HANDLE,
    pMechanism: *mut CK_MECHANISM,
    hKey: CK_OBJECT_HANDLE,
) -> CK_RV {
    // SAFETY: see `init`.
    guard("C_MessageDecryptInit", || unsafe {
        init(h, pMechanism, hKey, Direction::Decrypt)
    })
}

/// C_DecryptMessage (§5.11.2).
#[no_mangle]
pub unsafe extern "C" fn C_DecryptMessage(
    h: CK_SESSION_HANDLE,
    pParameter: *mut c_void,
    ulParameterLen: CK_ULONG,
    pAssociatedData: *mut CK_BYTE,
    ulAssociatedDataLen: CK_ULONG,
    pCiphertext: *mut CK_BYTE,
    ulCiphertextLen: CK_ULONG,
    pPlaintext: *mut CK_BYTE,
    pulPlaintextLen: *mut CK_ULONG,
) -> CK_RV {
    guard("C_DecryptMessage", || {
        // SAFETY: see `one_message`.
        unsafe {
            one_message(
                h,
                Direction::Decrypt,
                pParameter,
                ulParameterLen,
                pAssociatedData,
                ulAssociatedDataLen,
                pCiphertext,
                ulCiphertextLen,
                pPlaintext,
                pulPlaintextLen,
            )
        }
    })
}

/// C_DecryptMessageBegin (§5.11.3).
#[no_mangle]
pub unsafe extern "C" fn C_DecryptMessageBegin(
    h: CK_SESSION_HANDLE,
    pParameter: *mut c_void,
    ulParameterLen: CK_ULONG,
    pAssociatedData: *mut CK_BYTE,
    ulAssociatedDataLen: CK_ULONG,
) -> CK_RV {
    guard("C_DecryptMessageBegin", || {
        // SAFETY: see `begin`.
        unsafe {
            begin(
                h,
                Direction::Decrypt,
                pParameter,
                ulParameterLen,
                pAssociatedData,
                ulAssociatedDataLen,
            )
        }
    })
}

/// C_DecryptMessageNext (§5.11.4).
#[no_mangle]
pub unsafe extern "C" fn C_DecryptMessageNext(
    h: CK_SESSION_HANDLE,
    pParameter: *mut c_void,
    ulParameterLen: CK_ULONG,
    pCiphertextPart: *mut CK_BYTE,
    ulCiphertextPartLen: CK_ULONG,
    pPlaintextPart: *mut CK_BYTE,
    pulPlaintextPartLen: *mut CK_ULONG,
    flags: CK_FLAGS,
) -> CK_RV {
    guard("C_DecryptMessageNext", || {
        // SAFETY: see `next`.
        unsafe {
            next(
                h,
                Direction::Decrypt,
                pParameter,
                ulParameterLen,
                pCiphertextPart,
                ulCiphertextPartLen,
                pPlaintextPart,
                pulPlaintextPartLen,
                flags,
            )
        }
    })
}

/// C_MessageDecryptFinal (§5.11.5).
#[no_mangle]
pub unsafe extern "C" fn C_MessageDecryptFinal(h: CK_SESSION_HANDLE) -> CK_RV {
    guard("C_MessageDecryptFinal", || {
        message::finish(h, Direction::Decrypt)
    })
}
