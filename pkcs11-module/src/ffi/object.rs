//! Object management (PKCS#11 3.0 §5.7).

use super::{guard, put, template};
use crate::attrs::{decode_nested, is_nested, AttrOut};
use crate::error::Error;
use crate::objects;
use cryptoki_sys::*;

/// C_CreateObject (§5.7.1).
#[no_mangle]
pub unsafe extern "C" fn C_CreateObject(
    hSession: CK_SESSION_HANDLE,
    pTemplate: *mut CK_ATTRIBUTE,
    ulCount: CK_ULONG,
    phObject: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    guard("C_CreateObject", || {
        if phObject.is_null() {
            return Err(Error::args("null handle pointer"));
        }
        // SAFETY: template of ulCount attributes.
        let t = unsafe { template(pTemplate, ulCount) }?;
        let h = objects::create_object(hSession, &t)?;
        // SAFETY: checked non-null.
        unsafe { put(phObject, h) }
    })
}

/// C_CopyObject (§5.7.2).
#[no_mangle]
pub unsafe extern "C" fn C_CopyObject(
    hSession: CK_SESSION_HANDLE,
    hObject: CK_OBJECT_HANDLE,
    pTemplate: *mut CK_ATTRIBUTE,
    ulCount: CK_ULONG,
    phNewObject: *mut CK_OBJECT_HANDLE,
) -> CK_RV {
    guard("C_CopyObject", || {
        if phNewObject.is_null() {
            return Err(Error::args("null handle pointer"));
        }
        // SAFETY: template of ulCount attributes.
        let t = unsafe { template(pTemplate, ulCount) }?;
        let h = objects::copy_object(hSession, hObject, &t)?;
        // SAFETY: checked non-null.
        unsafe { put(phNewObject, h) }
    })
}

/// C_DestroyObject (§5.7.3).
#[no_mangle]
pub unsafe extern "C" fn C_DestroyObject(
    hSession: CK_SESSION_HANDLE,
    hObject: CK_OBJECT_HANDLE,
) -> CK_RV {
    guard("C_DestroyObject", || {
        objects::destroy_object(hSession, hObject)
    })
}

/// C_GetObjectSize (§5.7.4).
#[no_mangle]
pub unsafe extern "C" fn C_GetObjectSize(
    hSession: CK_SESSION_HANDLE,
    hObject: CK_OBJECT_HANDLE,
    pulSize: *mut CK_ULONG,
) -> CK_RV {
    guard("C_GetObjectSize", || {
        if pulSize.is_null() {
            return Err(Error::args("null size pointer"));
        }
        let n = objects::object_size(hSession, hObject)?;
        // SAFETY: checked non-null.
        unsafe { put(pulSize, n) }
    })
}

/// Writes one attribute value into a caller's CK_ATTRIBUTE (§5.7.5 rules);
/// returns the return code this attribute calls for.
unsafe fn write_value(a: &mut CK_ATTRIBUTE, v: &[u8]) -> CK_RV {
    if a.pValue.is_null() {
        a.ulValueLen = v.len() as CK_ULONG;
        return CKR_OK;
    }
    if (a.ulValueLen as usize) < v.len() {
        a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
        return CKR_BUFFER_TOO_SMALL;
    }
    // SAFETY: pValue points to ulValueLen >= v.len() writable bytes.
    unsafe { std::ptr::copy_nonoverlapping(v.as_ptr(), a.pValue as *mut u8, v.len()) };
    a.ulValueLen = v.len() as CK_ULONG;
    CKR_OK
}

/// A nested template attribute: an array of CK_ATTRIBUTE the caller sized.
unsafe fn write_nested(a: &mut CK_ATTRIBUTE, encoded: &[u8]) -> CK_RV {
    let t = decode_nested(encoded);
    let size = t.0.len() * std::mem::size_of::<CK_ATTRIBUTE>();
    if a.pValue.is_null() {
        a.ulValueLen = size as CK_ULONG;
        return CKR_OK;
    }
    if (a.ulValueLen as usize) < size {
        a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
        return CKR_BUFFER_TOO_SMALL;
    }
    // SAFETY: pValue holds room for t.0.len() CK_ATTRIBUTEs (checked above).
    let inner = unsafe { std::slice::from_raw_parts_mut(a.pValue as *mut CK_ATTRIBUTE, t.0.len()) };
    let mut rv = CKR_OK;
    for (slot, at) in inner.iter_mut().zip(&t.0) {
        slot.type_ = at.ty;
        // SAFETY: the caller's nested record, same contract as the outer one.
        let r = unsafe { write_value(slot, &at.value) };
        if r != CKR_OK {
            rv = r;
        }
    }
    a.ulValueLen = size as CK_ULONG;
    rv
}

/// C_GetAttributeValue (§5.7.5).
#[no_mangle]
pub unsafe extern "C" fn C_GetAttributeValue(
    hSession: CK_SESSION_HANDLE,
    hObject: CK_OBJECT_HANDLE,
    pTemplate: *mut CK_ATTRIBUTE,
    ulCount: CK_ULONG,
) -> CK_RV {
    guard("C_GetAttributeValue", || {
        if pTemplate.is_null() || ulCount > 4096 {
            return Err(Error::args("null or oversized template"));
        }
        // SAFETY: the caller's template of ulCount attributes, non-null.
        let attrs = unsafe { std::slice::from_raw_parts_mut(pTemplate, ulCount as usize) };
        let types: Vec<CK_ATTRIBUTE_TYPE> = attrs.iter().map(|a| a.type_).collect();
        let values = objects::attribute_values(hSession, hObject, &types)?;
        let mut rv = CKR_OK;
        for (a, v) in attrs.iter_mut().zip(values) {
            let r = match v {
                AttrOut::Value(v) if is_nested(a.type_) => {
                    // SAFETY: the caller's attribute record.
                    unsafe { write_nested(a, &v) }
                }
                // SAFETY: the caller's attribute record.
                AttrOut::Value(v) => unsafe { write_value(a, &v) },
                AttrOut::Sensitive => {
                    a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
                    CKR_ATTRIBUTE_SENSITIVE
                }
                AttrOut::Invalid => {
                    a.ulValueLen = CK_UNAVAILABLE_INFORMATION;
                    CKR_ATTRIBUTE_TYPE_INVALID
                }
            };
            if rv == CKR_OK {
                rv = r;
            }
        }
        if rv == CKR_OK {
            Ok(())
        } else {
            Err(Error::rv(rv, "some attributes were not returned"))
        }
    })
}

/// C_SetAttributeValue (§5.7.6).
#[no_mangle]
pub unsafe extern "C" fn C_SetAttributeValue(
    hSession: CK_SESSION_HANDLE,
    hObject: CK_OBJECT_HANDLE,
    pTemplate: *mut CK_ATTRIBUTE,
    ulCount: CK_ULONG,
) -> CK_RV {
    guard("C_SetAttributeValue", || {
        // SAFETY: template of ulCount attributes.
        let t = unsafe { template(pTemplate, ulCount) }?;
        objects::set_attribute_values(hSession, hObject, &t)
    })
}

/// C_FindObjectsInit (§5.7.7).
#[no_mangle]
pub unsafe extern "C" fn C_FindObjectsInit(
    hSession: CK_SESSION_HANDLE,
    pTemplate: *mut CK_ATTRIBUTE,
    ulCount: CK_ULONG,
) -> CK_RV {
    guard("C_FindObjectsInit", || {
        // SAFETY: template of ulCount attributes.
        let t = unsafe { template(pTemplate, ulCount) }?;
        objects::find_init(hSession, &t)
    })
}

/// C_FindObjects (§5.7.8).
#[no_mangle]
pub unsafe extern "C" fn C_FindObjects(
    hSession: CK_SESSION_HANDLE,
    phObject: *mut CK_OBJECT_HANDLE,
    ulMaxObjectCount: CK_ULONG,
    pulObjectCount: *mut CK_ULONG,
) -> CK_RV {
    guard("C_FindObjects", || {
        if phObject.is_null() || pulObjectCount.is_null() {
            return Err(Error::args("null pointer"));
        }
        let found = objects::find_next(hSession, ulMaxObjectCount.min(1 << 20) as usize)?;
        // SAFETY: room for ulMaxObjectCount >= found.len() handles.
        unsafe { std::ptr::copy_nonoverlapping(found.as_ptr(), phObject, found.len()) };
        // SAFETY: checked non-null.
        unsafe { put(pulObjectCount, found.len() as CK_ULONG) }
    })
}

/// C_FindObjectsFinal (§5.7.9).
#[no_mangle]
pub unsafe extern "C" fn C_FindObjectsFinal(hSession: CK_SESSION_HANDLE) -> CK_RV {
    guard("C_FindObjectsFinal", || objects::find_final(hSession))
}
