#![allow(clippy::unnecessary_cast)]
//! Every function of the 3.0 table called with null pointers, zero and
//! absurd lengths, bogus handles and bogus mechanisms: each returns a return
//! code (never crashes), and the token still works afterwards.

#[macro_use]
mod common;
use common::raw::*;
use common::*;
use cryptoki_sys::*;
use std::ffi::c_void;
use std::ptr::null_mut;

/// Calls every session-taking function of the table with `h` and the given
/// pointer and length arguments; returns every code seen.
fn sweep(
    r: &Raw,
    h: CK_SESSION_HANDLE,
    p: *mut u8,
    len: CK_ULONG,
    m: *mut CK_MECHANISM,
) -> Vec<CK_RV> {
    let pl = p as *mut CK_ULONG;
    let pa = p as *mut CK_ATTRIBUTE;
    let pv = p as *mut c_void;
    // A non-null `p` points to 4096 bytes, zeroed again before each call: a
    // caller's memory holds what the caller put there, not our last output.
    let reset = || {
        if !p.is_null() {
            // SAFETY: p points to 4096 writable bytes (see above).
            unsafe { std::ptr::write_bytes(p, 0, 4096) };
        }
    };
    vec![
        {
            reset();
            call!(r, C_GetSessionInfo(h, p as *mut CK_SESSION_INFO))
        },
        {
            reset();
            call!(r, C_GetOperationState(h, p, pl))
        },
        {
            reset();
            call!(r, C_SetOperationState(h, p, len, 1, 1))
        },
        {
            reset();
            call!(r, C_Login(h, CKU_USER, p, len))
        },
        {
            reset();
            call!(r, C_LoginUser(h, CKU_USER, p, len, p, len))
        },
        {
            reset();
            call!(r, C_InitPIN(h, p, len))
        },
        {
            reset();
            call!(r, C_SetPIN(h, p, len, p, len))
        },
        {
            reset();
            call!(r, C_CreateObject(h, pa, len, pl))
        },
        {
            reset();
            call!(r, C_CopyObject(h, 1, pa, len, pl))
        },
        {
            reset();
            call!(r, C_DestroyObject(h, 1))
        },
        {
            reset();
            call!(r, C_GetObjectSize(h, 1, pl))
        },
        {
            reset();
            call!(r, C_GetAttributeValue(h, 1, pa, len))
        },
        {
            reset();
            call!(r, C_SetAttributeValue(h, 1, pa, len))
        },
        {
            reset();
            call!(r, C_FindObjectsInit(h, pa, len))
        },
        {
            reset();
            call!(r, C_FindObjects(h, pl, len, pl))
        },
        {
            reset();
            call!(r, C_FindObjectsFinal(h))
        },
        {
            reset();
            call!(r, C_EncryptInit(h, m, 1))
        },
        {
            reset();
            call!(r, C_Encrypt(h, p, len, p, pl))
        },
        {
            reset();
            call!(r, C_EncryptUpdate(h, p, len, p, pl))
        },
        {
            reset();
            call!(r, C_EncryptFinal(h, p, pl))
        },
        {
            reset();
            call!(r, C_DecryptInit(h, m, 1))
        },
        {
            reset();
            call!(r, C_Decrypt(h, p, len, p, pl))
        },
        {
            reset();
            call!(r, C_DecryptUpdate(h, p, len, p, pl))
        },
        {
            reset();
            call!(r, C_DecryptFinal(h, p, pl))
        },
        {
            reset();
            call!(r, C_DigestInit(h, m))
        },
        {
            reset();
            call!(r, C_Digest(h, p, len, p, pl))
        },
        {
            reset();
            call!(r, C_DigestUpdate(h, p, len))
        },
        {
            reset();
            call!(r, C_DigestKey(h, 1))
        },
        {
            reset();
            call!(r, C_DigestFinal(h, p, pl))
        },
        {
            reset();
            call!(r, C_SignInit(h, m, 1))
        },
        {
            reset();
            call!(r, C_Sign(h, p, len, p, pl))
        },
        {
            reset();
            call!(r, C_SignUpdate(h, p, len))
        },
        {
            reset();
            call!(r, C_SignFinal(h, p, pl))
        },
        {
            reset();
            call!(r, C_SignRecoverInit(h, m, 1))
        },
        {
            reset();
            call!(r, C_SignRecover(h, p, len, p, pl))
        },
        {
            reset();
            call!(r, C_VerifyInit(h, m, 1))
        },
        {
            reset();
            call!(r, C_Verify(h, p, len, p, len))
        },
        {
            reset();
            call!(r, C_VerifyUpdate(h, p, len))
        },
        {
            reset();
            call!(r, C_VerifyFinal(h, p, len))
        },
        {
            reset();
            call!(r, C_VerifyRecoverInit(h, m, 1))
        },
        {
            reset();
            call!(r, C_VerifyRecover(h, p, len, p, pl))
        },
        {
            reset();
            call!(r, C_DigestEncryptUpdate(h, p, len, p, pl))
        },
        {
            reset();
            call!(r, C_DecryptDigestUpdate(h, p, len, p, pl))
        },
        {
            reset();
            call!(r, C_SignEncryptUpdate(h, p, len, p, pl))
        },
        {
            reset();
            call!(r, C_DecryptVerifyUpdate(h, p, len, p, pl))
        },
        {
            reset();
            call!(r, C_GenerateKey(h, m, pa, len, pl))
        },
        {
            reset();
            call!(r, C_GenerateKeyPair(h, m, pa, len, pa, len, pl, pl))
        },
        {
            reset();
            call!(r, C_WrapKey(h, m, 1, 2, p, pl))
        },
        {
            reset();
            call!(r, C_UnwrapKey(h, m, 1, p, len, pa, len, pl))
        },
        {
            reset();
            call!(r, C_DeriveKey(h, m, 1, pa, len, pl))
        },
        {
            reset();
            call!(r, C_SeedRandom(h, p, len))
        },
        {
            reset();
            call!(r, C_GenerateRandom(h, p, len))
        },
        {
            reset();
            call!(r, C_GetFunctionStatus(h))
        },
        {
            reset();
            call!(r, C_CancelFunction(h))
        },
        {
            reset();
            call!(r, C_SessionCancel(h, !0))
        },
        {
            reset();
            call!(r, C_MessageEncryptInit(h, m, 1))
        },
        {
            reset();
            call!(r, C_EncryptMessage(h, pv, len, p, len, p, len, p, pl))
        },
        {
            reset();
            call!(r, C_EncryptMessageBegin(h, pv, len, p, len))
        },
        {
            reset();
            call!(r, C_EncryptMessageNext(h, pv, len, p, len, p, pl, 0))
        },
        {
            reset();
            call!(r, C_MessageEncryptFinal(h))
        },
        {
            reset();
            call!(r, C_MessageDecryptInit(h, m, 1))
        },
        {
            reset();
            call!(r, C_DecryptMessage(h, pv, len, p, len, p, len, p, pl))
        },
        {
            reset();
            call!(r, C_DecryptMessageBegin(h, pv, len, p, len))
        },
        {
            reset();
            call!(r, C_DecryptMessageNext(h, pv, len, p, len, p, pl, 0))
        },
        {
            reset();
            call!(r, C_MessageDecryptFinal(h))
        },
        {
            reset();
            call!(r, C_MessageSignInit(h, m, 1))
        },
        {
            reset();
            call!(r, C_SignMessage(h, pv, len, p, len, p, pl))
        },
        {
            reset();
            call!(r, C_SignMessageBegin(h, pv, len))
        },
        {
            reset();
            call!(r, C_SignMessageNext(h, pv, len, p, len, p, pl))
        },
        {
            reset();
            call!(r, C_MessageSignFinal(h))
        },
        {
            reset();
            call!(r, C_MessageVerifyInit(h, m, 1))
        },
        {
            reset();
            call!(r, C_VerifyMessage(h, pv, len, p, len, p, len))
        },
        {
            reset();
            call!(r, C_VerifyMessageBegin(h, pv, len))
        },
        {
            reset();
            call!(r, C_VerifyMessageNext(h, pv, len, p, len, p, len))
        },
        {
            reset();
            call!(r, C_MessageVerifyFinal(h))
        },
        {
            reset();
            call!(r, C_Logout(h))
        },
    ]
}

#[test]
fn nothing_a_caller_passes_crashes_the_module() {
    let st = Store::new();
    let r = load();
    // Before C_Initialize: every call is CKR_CRYPTOKI_NOT_INITIALIZED.
    for rv in sweep(&r, 1, null_mut(), 0, null_mut()) {
        assert_eq!(rv, CKR_CRYPTOKI_NOT_INITIALIZED);
    }
    init(&r, &st);
    let (slot, h) = token_session(&r);
    // Slot-level functions with nulls and bad slots.
    assert_eq!(
        call!(r, C_GetSlotList(1, null_mut(), null_mut())),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(call!(r, C_GetSlotInfo(slot, null_mut())), CKR_ARGUMENTS_BAD);
    assert_eq!(
        call!(r, C_GetMechanismList(slot, null_mut(), null_mut())),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(
        call!(r, C_GetMechanismInfo(slot, CKM_AES_ECB, null_mut())),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(
        call!(
            r,
            C_GetMechanismInfo(9999, CKM_AES_ECB, &mut CK_MECHANISM_INFO::default())
        ),
        CKR_SLOT_ID_INVALID
    );
    assert_eq!(
        call!(r, C_InitToken(slot, null_mut(), 0, null_mut())),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(call!(r, C_CloseAllSessions(9999)), CKR_SLOT_ID_INVALID);
    assert_eq!(
        call!(r, C_WaitForSlotEvent(0, null_mut(), null_mut())),
        CKR_FUNCTION_NOT_SUPPORTED
    );
    assert_eq!(
        call!(r, C_GetInterfaceList(null_mut(), null_mut())),
        CKR_ARGUMENTS_BAD
    );
    // Nulls with lengths, over a bogus and over a live session.
    let mut garbage = CK_MECHANISM {
        mechanism: 0xdead_beef,
        pParameter: null_mut(),
        ulParameterLen: 77,
    };
    let mut codes = Vec::new();
    for hh in [h + 1000, h] {
        codes.extend(sweep(&r, hh, null_mut(), 16, null_mut()));
        codes.extend(sweep(&r, hh, null_mut(), 0, &mut garbage));
        codes.extend(sweep(&r, hh, null_mut(), CK_ULONG::MAX, null_mut()));
    }
    // Zeroed memory where structures are expected (attributes with null
    // values, zero handles), with a length that fits the buffer.
    let mut zeros = vec![0u64; 512];
    let zp = zeros.as_mut_ptr() as *mut u8;
    codes.extend(sweep(&r, h, zp, 4, null_mut()));
    assert!(
        !codes.contains(&CKR_GENERAL_ERROR),
        "no call hit an internal error"
    );
    // The token and the session still work.
    let mut info = CK_TOKEN_INFO::default();
    assert_eq!(call!(r, C_GetTokenInfo(slot, &mut info)), CKR_OK);
    let user = USER_PIN.as_bytes();
    let _ = call!(
        r,
        C_Login(
            h,
            CKU_USER,
            user.as_ptr() as *mut u8,
            user.len() as CK_ULONG
        )
    );
    let k = aes_key(&r, h, &[8; 16]);
    let mut m = mech::<u8>(CKM_AES_ECB, None);
    assert_eq!(encrypt(&r, h, &mut m, k, &[0; 16]).len(), 16);
    assert_eq!(call!(r, C_Finalize(null_mut())), CKR_OK);
}
