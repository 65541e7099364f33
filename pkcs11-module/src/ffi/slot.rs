//! Slot and token management (PKCS#11 3.0 §5.5).

use super::{bytes, guard, pad, pin, put, put_list};
use crate::error::{Error, Result};
use crate::{mechanism, state, token};
use cryptoki_sys::*;

/// C_GetSlotList (§5.5.2).
#[no_mangle]
pub unsafe extern "C" fn C_GetSlotList(
    _tokenPresent: CK_BBOOL,
    pSlotList: *mut CK_SLOT_ID,
    pulCount: *mut CK_ULONG,
) -> CK_RV {
    guard("C_GetSlotList", || {
        let slots = token::slot_list()?;
        // SAFETY: pointers checked by `put_list`.
        unsafe { put_list(pSlotList, pulCount, &slots) }
    })
}

/// C_GetSlotInfo (§5.5.3).
#[no_mangle]
pub unsafe extern "C" fn C_GetSlotInfo(slotID: CK_SLOT_ID, pInfo: *mut CK_SLOT_INFO) -> CK_RV {
    guard("C_GetSlotInfo", || {
        let mut info = CK_SLOT_INFO {
            flags: CKF_TOKEN_PRESENT,
            hardwareVersion: CK_VERSION { major: 0, minor: 1 },
            firmwareVersion: CK_VERSION { major: 0, minor: 1 },
            ..Default::default()
        };
        pad(&mut info.slotDescription, &token::slot_description(slotID)?);
        pad(&mut info.manufacturerID, token::MANUFACTURER);
        // SAFETY: out-pointer checked by `put`.
        unsafe { put(pInfo, info) }
    })
}

/// C_GetTokenInfo (§5.5.4).
#[no_mangle]
pub unsafe extern "C" fn C_GetTokenInfo(slotID: CK_SLOT_ID, pInfo: *mut CK_TOKEN_INFO) -> CK_RV {
    guard("C_GetTokenInfo", || {
        let t = token::token_info(slotID)?;
        let mut info = CK_TOKEN_INFO {
            flags: t.flags,
            ulMaxSessionCount: CK_EFFECTIVELY_INFINITE,
            ulSessionCount: t.session_count as CK_ULONG,
            ulMaxRwSessionCount: CK_EFFECTIVELY_INFINITE,
            ulRwSessionCount: t.rw_session_count as CK_ULONG,
            ulMaxPinLen: token::MAX_PIN_LEN as CK_ULONG,
            ulMinPinLen: token::MIN_PIN_LEN as CK_ULONG,
            ulTotalPublicMemory: CK_UNAVAILABLE_INFORMATION,
            ulFreePublicMemory: CK_UNAVAILABLE_INFORMATION,
            ulTotalPrivateMemory: CK_UNAVAILABLE_INFORMATION,
            ulFreePrivateMemory: CK_UNAVAILABLE_INFORMATION,
            hardwareVersion: CK_VERSION { major: 0, minor: 1 },
            firmwareVersion: CK_VERSION { major: 0, minor: 1 },
            ..Default::default()
        };
        pad(&mut info.label, &t.label);
        pad(&mut info.manufacturerID, token::MANUFACTURER);
        pad(&mut info.model, "keybridge");
        pad(&mut info.serialNumber, &t.serial);
        pad(&mut info.utcTime, "");
        // SAFETY: out-pointer checked by `put`.
        unsafe { put(pInfo, info) }
    })
}

fn check_slot(slot: CK_SLOT_ID) -> Result<()> {
    state::module()?.slot_label(slot).map(|_| ())
}

/// C_GetMechanismList (§5.5.8).
#[no_mangle]
pub unsafe extern "C" fn C_GetMechanismList(
    slotID: CK_SLOT_ID,
    pMechanismList: *mut CK_MECHANISM_TYPE,
    pulCount: *mut CK_ULONG,
) -> CK_RV {
    guard("C_GetMechanismList", || {
        check_slot(slotID)?;
        let list: Vec<CK_ULONG> = mechanism::MECHANISMS.iter().map(|m| m.ty).collect();
        // SAFETY: pointers checked by `put_list`.
        unsafe { put_list(pMechanismList, pulCount, &list) }
    })
}

/// C_GetMechanismInfo (§5.5.9).
#[no_mangle]
pub unsafe extern "C" fn C_GetMechanismInfo(
    slotID: CK_SLOT_ID,
    type_: CK_MECHANISM_TYPE,
    pInfo: *mut CK_MECHANISM_INFO,
) -> CK_RV {
    guard("C_GetMechanismInfo", || {
        check_slot(slotID)?;
        let m = mechanism::info(type_)?;
        let info = CK_MECHANISM_INFO {
            ulMinKeySize: m.min,
            ulMaxKeySize: m.max,
            flags: m.flags,
        };
        // SAFETY: out-pointer checked by `put`.
        unsafe { put(pInfo, info) }
    })
}

/// C_InitToken (§5.5.5). `pLabel` is 32 blank-padded bytes.
#[no_mangle]
pub unsafe extern "C" fn C_InitToken(
    slotID: CK_SLOT_ID,
    pPin: *mut CK_UTF8CHAR,
    ulPinLen: CK_ULONG,
    pLabel: *mut CK_UTF8CHAR,
) -> CK_RV {
    guard("C_InitToken", || {
        // SAFETY: PIN buffer of ulPinLen bytes; label of 32 bytes (§5.5.5).
        let (so_pin, label) = unsafe { (pin(pPin, ulPinLen)?, bytes(pLabel, 32)?) };
        if pPin.is_null() {
            return Err(Error::args("protected authentication path is not offered"));
        }
        token::init_token(slotID, &so_pin, &token::label_from_padded(label)?)
    })
}

/// C_InitPIN (§5.5.6).
#[no_mangle]
pub unsafe extern "C" fn C_InitPIN(
    hSession: CK_SESSION_HANDLE,
    pPin: *mut CK_UTF8CHAR,
    ulPinLen: CK_ULONG,
) -> CK_RV {
    guard("C_InitPIN", || {
        // SAFETY: PIN buffer of ulPinLen bytes.
        let p = unsafe { pin(pPin, ulPinLen) }?;
        token::init_pin(hSession, &p)
    })
}

/// C_SetPIN (§5.5.7).
#[no_mangle]
pub unsafe extern "C" fn C_SetPIN(
    hSession: CK_SESSION_HANDLE,
    pOldPin: *mut CK_UTF8CHAR,
    ulOldLen: CK_ULONG,
    pNewPin: *mut CK_UTF8CHAR,
    ulNewLen: CK_ULONG,
) -> CK_RV {
    guard("C_SetPIN", || {
        // SAFETY: PIN buffers with their lengths.
        let (old, new) = unsafe { (pin(pOldPin, ulOldLen)?, pin(pNewPin, ulNewLen)?) };
        token::set_pin(hSession, &old, &new)
    })
}

/// C_WaitForSlotEvent (§5.5.7): no slot events are generated; the standard
/// allows CKR_FUNCTION_NOT_SUPPORTED.
#[no_mangle]
pub unsafe extern "C" fn C_WaitForSlotEvent(
    _flags: CK_FLAGS,
    _pSlot: *mut CK_SLOT_ID,
    _pReserved: *mut std::ffi::c_void,
) -> CK_RV {
    guard("C_WaitForSlotEvent", || {
        state::module()?;
        Err(Error::rv(CKR_FUNCTION_NOT_SUPPORTED, "no slot events"))
    })
}
