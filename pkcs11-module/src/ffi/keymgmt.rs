//! Key management (PKCS#11 3.0 §5.14).

use super::{bytes, guard, mechanism, put, template, with_out};
use crate::error::Error;
use crate::ops::{keymgmt, keypair};
use cryptoki_sys::*;

/// C_GenerateKey.
#[no_mangle]
pub unsafe extern "C" fn C_GenerateKey(
    hSession: CK_SESSION_HANDLE,
    pMechanism: *mut CK_MECHANISM,
    pTemplate: *mut CK_ATTRIBUTE,
    ulCount: CK_ULONG,
    phKey: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    guard("C_GenerateKey", || {
        if phKey.is_null() {
            return Err(Error::args("null key pointer"));
        }
        // SAFETY: mechanism and template, checked by their readers.
        let (m, t) = unsafe { (mechanism(pMechanism, true)?, template(pTemplate, ulCount)?) };
        let h = keymgmt::generate_key(hSession, &m, &t)?;
        // SAFETY: checked non-null.
        unsafe { put(phKey, h) }
    })
}

/// C_GenerateKeyPair.
#[no_mangle]
pub unsafe extern "C" fn C_GenerateKeyPair(
    hSession: CK_SESSION_HANDLE,
    pMechanism: *mut CK_MECHANISM,
    pPublicKeyTemplate: *mut CK_ATTRIBUTE,
    ulPublicKeyAttributeCount: CK_ULONG,
    pPrivateKeyTemplate: *mut CK_ATTRIBUTE,
    ulPrivateKeyAttributeCount: CK_ULONG,
    phPublicKey: *mut CK_OBJECT_HANDLE,
    phPrivateKey: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    guard("C_GenerateKeyPair", || {
        if phPublicKey.is_null() || phPrivateKey.is_null() {
            return Err(Error::args("null key pointer"));
        }
        // SAFETY: mechanism and both templates, checked by their readers.
        let (m, pt, kt) = unsafe {
            (
                mechanism(pMechanism, true)?,
                template(pPublicKeyTemplate, ulPublicKeyAttributeCount)?,
                template(pPrivateKeyTemplate, ulPrivateKeyAttributeCount)?,
            )
        };
        let (hp, hk) = keypair::generate_key_pair(hSession, &m, &pt, &kt)?;
        // SAFETY: both checked non-null.
        unsafe {
            put(phPublicKey, hp)?;
            put(phPrivateKey, hk)
        }
    })
}

/// C_WrapKey.
#[no_mangle]
pub unsafe extern "C" fn C_WrapKey(
    hSession: CK_SESSION_HANDLE,
    pMechanism: *mut CK_MECHANISM,
    hWrappingKey: CK_OBJECT_HANDLE,
    hKey: CK_OBJECT_HANDLE,
    pWrappedKey: *mut CK_BYTE,
    pulWrappedKeyLen: *mut CK_ULONG,
) -> CK_RV {
    guard("C_WrapKey", || {
        // SAFETY: the caller's mechanism, checked by `mechanism`.
        let m = unsafe { mechanism(pMechanism, true) }?;
        // SAFETY: output per `with_out`.
        unsafe {
            with_out(pWrappedKey, pulWrappedKeyLen, |o| {
                keymgmt::wrap_key(hSession, &m, hWrappingKey, hKey, o)
            })
        }
    })
}

/// C_UnwrapKey.
#[no_mangle]
pub unsafe extern "C" fn C_UnwrapKey(
    hSession: CK_SESSION_HANDLE,
    pMechanism: *mut CK_MECHANISM,
    hUnwrappingKey: CK_OBJECT_HANDLE,
    pWrappedKey: *mut CK_BYTE,
    ulWrappedKeyLen: CK_ULONG,
    pTemplate: *mut CK_ATTRIBUTE,
    ulAttributeCount: CK_ULONG,
    phKey: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    guard("C_UnwrapKey", || {
        if phKey.is_null() {
            return Err(Error::args("null key pointer"));
        }
        // SAFETY: mechanism, wrapped bytes and template, checked by their readers.
        let (m, w, t) = unsafe {
            (
                mechanism(pMechanism, true)?,
                bytes(pWrappedKey, ulWrappedKeyLen)?,
                template(pTemplate, ulAttributeCount)?,
            )
        };
        let h = keymgmt::unwrap_key(hSession, &m, hUnwrappingKey, w, &t)?;
        // SAFETY: checked non-null.
        unsafe { put(phKey, h) }
    })
}

/// C_DeriveKey.
#[no_mangle]
pub unsafe extern "C" fn C_DeriveKey(
    hSession: CK_SESSION_HANDLE,
    pMechanism: *mut CK_MECHANISM,
    hBaseKey: CK_OBJECT_HANDLE,
    pTemplate: *mut CK_ATTRIBUTE,
    ulAttributeCount: CK_ULONG,
    phKey: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    guard("C_DeriveKey", || {
        if phKey.is_null() {
            return Err(Error::args("null key pointer"));
        }
        // SAFETY: mechanism and template, checked by their readers.
        let (m, t) = unsafe {
            (
                mechanism(pMechanism, true)?,
                template(pTemplate, ulAttributeCount)?,
            )
        };
        let (h, additional) = keymgmt::derive_key(hSession, &m, hBaseKey, &t)?;
        // SAFETY: the caller's CK_DERIVED_KEY handle pointers, checked when
        // the mechanism was read.
        unsafe { super::put_derived_keys(pMechanism, &additional) }?;
        // SAFETY: checked non-null.
        unsafe { put(phKey, h) }
    })
}
