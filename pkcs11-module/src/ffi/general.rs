//! General-purpose functions (PKCS#11 3.0 §5.4) and the function tables:
//! C_GetFunctionList gives the 2.40 table, C_GetInterfaceList and
//! C_GetInterface offer "PKCS 11" 3.0 (default) and 2.40.

use super::{digest::*, encryption::*, keymgmt::*, message::*, object::*, random::*};
use super::{guard, pad, put};
use super::{session::*, signing::*, slot::*};
use crate::error::{Error, Result};
use cryptoki_sys::*;
use std::ffi::CStr;

/// C_Initialize (§5.4.1). `pReserved`, when set, is a NUL-terminated
/// configuration: the path of a keybridge.toml or its text.
#[no_mangle]
pub unsafe extern "C" fn C_Initialize(pInitArgs: *mut std::ffi::c_void) -> CK_RV {
    guard("C_Initialize", || {
        // SAFETY: NULL or a CK_C_INITIALIZE_ARGS, per the standard.
        let conf = unsafe { init_args(pInitArgs as *const CK_C_INITIALIZE_ARGS) }?;
        super::process::register_fork_handlers();
        crate::state::initialize(conf)
    })
}

unsafe fn init_args(a: *const CK_C_INITIALIZE_ARGS) -> Result<Option<String>> {
    if a.is_null() {
        return Ok(None);
    }
    // SAFETY: non-null; the caller promises a CK_C_INITIALIZE_ARGS.
    let a = unsafe { &*a };
    let given = [
        a.CreateMutex.is_some(),
        a.DestroyMutex.is_some(),
        a.LockMutex.is_some(),
        a.UnlockMutex.is_some(),
    ];
    if given.iter().any(|g| *g) && !given.iter().all(|g| *g) {
        return Err(Error::args("all four mutex functions or none"));
    }
    // Our own locks are used in every case: with CKF_OS_LOCKING_OK as the
    // standard asks, and also when only the application's functions are
    // offered (native locks are as safe as the application's).
    if a.flags & !(CKF_OS_LOCKING_OK | CKF_LIBRARY_CANT_CREATE_OS_THREADS) != 0 {
        return Err(Error::args("unknown C_Initialize flags"));
    }
    if a.pReserved.is_null() {
        return Ok(None);
    }
    // SAFETY: a non-null pReserved is read as a NUL-terminated string (the
    // convention NSS and p11-kit use for module configuration).
    let s = unsafe { CStr::from_ptr(a.pReserved as *const std::ffi::c_char) };
    let s = s
        .to_str()
        .map_err(|_| Error::args("pReserved is not UTF-8"))?;
    Ok(Some(s.to_string()))
}

/// C_Finalize (§5.4.2).
#[no_mangle]
pub unsafe extern "C" fn C_Finalize(pReserved: *mut std::ffi::c_void) -> CK_RV {
    guard("C_Finalize", || {
        if !pReserved.is_null() {
            return Err(Error::args("pReserved must be NULL"));
        }
        crate::state::finalize()
    })
}

/// C_GetInfo (§5.4.3).
#[no_mangle]
pub unsafe extern "C" fn C_GetInfo(pInfo: *mut CK_INFO) -> CK_RV {
    guard("C_GetInfo", || {
        crate::state::module()?;
        let mut info = CK_INFO {
            cryptokiVersion: CK_VERSION { major: 3, minor: 0 },
            flags: 0,
            libraryVersion: CK_VERSION { major: 0, minor: 1 },
            ..Default::default()
        };
        pad(&mut info.manufacturerID, crate::token::MANUFACTURER);
        pad(&mut info.libraryDescription, "keybridge PKCS#11 module");
        // SAFETY: out-pointer checked by `put`.
        unsafe { put(pInfo, info) }
    })
}

/// C_GetFunctionList (§5.4.4): the 2.40 table.
#[no_mangle]
pub unsafe extern "C" fn C_GetFunctionList(ppFunctionList: *mut *mut CK_FUNCTION_LIST) -> CK_RV {
    guard("C_GetFunctionList", || {
        let p = &FUNCTION_LIST_2_40 as *const CK_FUNCTION_LIST as *mut CK_FUNCTION_LIST;
        // SAFETY: out-pointer checked by `put`; the table is static and
        // never written through this pointer by a conforming caller.
        unsafe { put(ppFunctionList, p) }
    })
}

/// The interfaces offered, 3.0 first (the default).
struct Interfaces([CK_INTERFACE; 2]);
// SAFETY: the interface records point only to static, immutable data.
unsafe impl Sync for Interfaces {}

static INTERFACE_NAME: &[u8] = b"PKCS 11\0";

static INTERFACES: Interfaces = Interfaces([
    CK_INTERFACE {
        pInterfaceName: INTERFACE_NAME.as_ptr() as *mut CK_UTF8CHAR,
        pFunctionList: &FUNCTION_LIST_3_0 as *const CK_FUNCTION_LIST_3_0 as *mut std::ffi::c_void,
        flags: 0,
    },
    CK_INTERFACE {
        pInterfaceName: INTERFACE_NAME.as_ptr() as *mut CK_UTF8CHAR,
        pFunctionList: &FUNCTION_LIST_2_40 as *const CK_FUNCTION_LIST as *mut std::ffi::c_void,
        flags: 0,
    },
]);

/// C_GetInterfaceList (3.0 §5.4.5).
#[no_mangle]
pub unsafe extern "C" fn C_GetInterfaceList(
    pInterfacesList: *mut CK_INTERFACE,
    pulCount: *mut CK_ULONG,
) -> CK_RV {
    guard("C_GetInterfaceList", || {
        if pulCount.is_null() {
            return Err(Error::args("null count"));
        }
        let n = INTERFACES.0.len();
        if !pInterfacesList.is_null() {
            // SAFETY: non-null count pointer.
            if (unsafe { *pulCount } as usize) < n {
                // SAFETY: as above.
                unsafe { *pulCount = n as CK_ULONG };
                return Err(Error::BufferTooSmall(n));
            }
            // SAFETY: the caller promises room for *pulCount >= n records.
            unsafe { std::ptr::copy_nonoverlapping(INTERFACES.0.as_ptr(), pInterfacesList, n) };
        }
        // SAFETY: non-null count pointer.
        unsafe { *pulCount = n as CK_ULONG };
        Ok(())
    })
}

/// C_GetInterface (3.0 §5.4.6): by name (NULL = "PKCS 11"), version (NULL =
/// the newest) and flags (all requested flags must be offered).
#[no_mangle]
pub unsafe extern "C" fn C_GetInterface(
    pInterfaceName: *mut CK_UTF8CHAR,
    pVersion: *mut CK_VERSION,
    ppInterface: *mut *mut CK_INTERFACE,
    flags: CK_FLAGS,
) -> CK_RV {
    guard("C_GetInterface", || {
        if ppInterface.is_null() {
            return Err(Error::args("null interface pointer"));
        }
        if !pInterfaceName.is_null() {
            // SAFETY: a non-null name is a NUL-terminated string.
            let name = unsafe { CStr::from_ptr(pInterfaceName as *const std::ffi::c_char) };
            if name.to_bytes() != b"PKCS 11" {
                return Err(Error::args("unknown interface name"));
            }
        }
        let want = if pVersion.is_null() {
            None
        } else {
            // SAFETY: non-null; the caller promises a CK_VERSION.
            Some(unsafe { *pVersion })
        };
        let found = INTERFACES.0.iter().find(|i| {
            // SAFETY: every pFunctionList of INTERFACES starts with a CK_VERSION.
            let v = unsafe { *(i.pFunctionList as *const CK_VERSION) };
            want.is_none_or(|w| w.major == v.major && w.minor == v.minor)
                && i.flags & flags == flags
        });
        match found {
            Some(i) => {
                // SAFETY: checked non-null; the record is static.
                unsafe { *ppInterface = i as *const CK_INTERFACE as *mut CK_INTERFACE };
                Ok(())
            }
            None => Err(Error::args("no such interface")),
        }
    })
}

/// C_GetFunctionStatus (§5.16): legacy; the standard's answer.
#[no_mangle]
pub unsafe extern "C" fn C_GetFunctionStatus(hSession: CK_SESSION_HANDLE) -> CK_RV {
    guard("C_GetFunctionStatus", || {
        crate::state::module()?.session(hSession)?;
        Err(Error::rv(
            CKR_FUNCTION_NOT_PARALLEL,
            "no parallel functions",
        ))
    })
}

/// C_CancelFunction (§5.16): legacy; the standard's answer.
#[no_mangle]
pub unsafe extern "C" fn C_CancelFunction(hSession: CK_SESSION_HANDLE) -> CK_RV {
    guard("C_CancelFunction", || {
        crate::state::module()?.session(hSession)?;
        Err(Error::rv(
            CKR_FUNCTION_NOT_PARALLEL,
            "no parallel functions",
        ))
    })
}

macro_rules! table {
    ($ty:ident, $major:expr, $minor:expr, { $($extra:ident),* }) => {
        $ty {
            version: CK_VERSION { major: $major, minor: $minor },
            C_Initialize: Some(C_Initialize),
            C_Finalize: Some(C_Finalize),
            C_GetInfo: Some(C_GetInfo),
            C_GetFunctionList: Some(C_GetFunctionList),
            C_GetSlotList: Some(C_GetSlotList),
            C_GetSlotInfo: Some(C_GetSlotInfo),
            C_GetTokenInfo: Some(C_GetTokenInfo),
            C_GetMechanismList: Some(C_GetMechanismList),
            C_GetMechanismInfo: Some(C_GetMechanismInfo),
            C_InitToken: Some(C_InitToken),
            C_InitPIN: Some(C_InitPIN),
            C_SetPIN: Some(C_SetPIN),
            C_OpenSession: Some(C_OpenSession),
            C_CloseSession: Some(C_CloseSession),
            C_CloseAllSessions: Some(C_CloseAllSessions),
            C_GetSessionInfo: Some(C_GetSessionInfo),
            C_GetOperationState: Some(C_GetOperationState),
            C_SetOperationState: Some(C_SetOperationState),
            C_Login: Some(C_Login),
            C_Logout: Some(C_Logout),
            C_CreateObject: Some(C_CreateObject),
            C_CopyObject: Some(C_CopyObject),
            C_DestroyObject: Some(C_DestroyObject),
            C_GetObjectSize: Some(C_GetObjectSize),
            C_GetAttributeValue: Some(C_GetAttributeValue),
            C_SetAttributeValue: Some(C_SetAttributeValue),
            C_FindObjectsInit: Some(C_FindObjectsInit),
            C_FindObjects: Some(C_FindObjects),
            C_FindObjectsFinal: Some(C_FindObjectsFinal),
            C_EncryptInit: Some(C_EncryptInit),
            C_Encrypt: Some(C_Encrypt),
            C_EncryptUpdate: Some(C_EncryptUpdate),
            C_EncryptFinal: Some(C_EncryptFinal),
            C_DecryptInit: Some(C_DecryptInit),
            C_Decrypt: Some(C_Decrypt),
            C_DecryptUpdate: Some(C_DecryptUpdate),
            C_DecryptFinal: Some(C_DecryptFinal),
            C_DigestInit: Some(C_DigestInit),
            C_Digest: Some(C_Digest),
            C_DigestUpdate: Some(C_DigestUpdate),
            C_DigestKey: Some(C_DigestKey),
            C_DigestFinal: Some(C_DigestFinal),
            C_SignInit: Some(C_SignInit),
            C_Sign: Some(C_Sign),
            C_SignUpdate: Some(C_SignUpdate),
            C_SignFinal: Some(C_SignFinal),
            C_SignRecoverInit: Some(C_SignRecoverInit),
            C_SignRecover: Some(C_SignRecover),
            C_VerifyInit: Some(C_VerifyInit),
            C_Verify: Some(C_Verify),
            C_VerifyUpdate: Some(C_VerifyUpdate),
            C_VerifyFinal: Some(C_VerifyFinal),
            C_VerifyRecoverInit: Some(C_VerifyRecoverInit),
            C_VerifyRecover: Some(C_VerifyRecover),
            C_DigestEncryptUpdate: Some(C_DigestEncryptUpdate),
            C_DecryptDigestUpdate: Some(C_DecryptDigestUpdate),
            C_SignEncryptUpdate: Some(C_SignEncryptUpdate),
            C_DecryptVerifyUpdate: Some(C_DecryptVerifyUpdate),
            C_GenerateKey: Some(C_GenerateKey),
            C_GenerateKeyPair: Some(C_GenerateKeyPair),
            C_WrapKey: Some(C_WrapKey),
            C_UnwrapKey: Some(C_UnwrapKey),
            C_DeriveKey: Some(C_DeriveKey),
            C_SeedRandom: Some(C_SeedRandom),
            C_GenerateRandom: Some(C_GenerateRandom),
            C_GetFunctionStatus: Some(C_GetFunctionStatus),
            C_CancelFunction: Some(C_CancelFunction),
            C_WaitForSlotEvent: Some(C_WaitForSlotEvent),
            $($extra: Some($extra),)*
        }
    };
}

/// The PKCS#11 2.40 function table.
pub static FUNCTION_LIST_2_40: CK_FUNCTION_LIST = table!(CK_FUNCTION_LIST, 2, 40, {});

/// The PKCS#11 3.0 function table.
pub static FUNCTION_LIST_3_0: CK_FUNCTION_LIST_3_0 = table!(CK_FUNCTION_LIST_3_0, 3, 0, {
    C_GetInterfaceList, C_GetInterface, C_LoginUser, C_SessionCancel,
    C_MessageEncryptInit, C_EncryptMessage, C_EncryptMessageBegin, C_EncryptMessageNext,
    C_MessageEncryptFinal, C_MessageDecryptInit, C_DecryptMessage, C_DecryptMessageBegin,
    C_DecryptMessageNext, C_MessageDecryptFinal, C_MessageSignInit, C_SignMessage,
    C_SignMessageBegin, C_SignMessageNext, C_MessageSignFinal, C_MessageVerifyInit,
    C_VerifyMessage, C_VerifyMessageBegin, C_VerifyMessageNext, C_MessageVerifyFinal
});
