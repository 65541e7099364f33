#![allow(clippy::unnecessary_cast)]
//! C_GetOperationState / C_SetOperationState (PKCS#11 3.0 §5.6.5–5.6.6) for
//! digests: a digest saved in one session finishes in another with the
//! standard's answer; what cannot honestly be saved is CKR_STATE_UNSAVEABLE.

#[macro_use]
mod common;
use common::raw::*;
use common::*;
use cryptoki_sys::*;
use std::ptr::null_mut;

fn sha256(data: &[u8]) -> Vec<u8> {
    openssl::sha::sha256(data).to_vec()
}

fn update(r: &Raw, h: CK_SESSION_HANDLE, data: &[u8]) {
    assert_eq!(
        call!(
            r,
            C_DigestUpdate(h, data.as_ptr() as *mut u8, data.len() as CK_ULONG)
        ),
        CKR_OK
    );
}

fn init_sha256(r: &Raw, h: CK_SESSION_HANDLE) {
    let mut m = mech::<u8>(CKM_SHA256, None);
    assert_eq!(call!(r, C_DigestInit(h, &mut m)), CKR_OK);
}

fn get_state(r: &Raw, h: CK_SESSION_HANDLE) -> Result<Vec<u8>, CK_RV> {
    let mut n: CK_ULONG = 0;
    let rv = call!(r, C_GetOperationState(h, null_mut(), &mut n));
    if rv != CKR_OK {
        return Err(rv);
    }
    let mut state = vec![0u8; n as usize];
    let rv = call!(r, C_GetOperationState(h, state.as_mut_ptr(), &mut n));
    if rv != CKR_OK {
        return Err(rv);
    }
    state.truncate(n as usize);
    Ok(state)
}

fn set_state(r: &Raw, h: CK_SESSION_HANDLE, state: &[u8]) -> CK_RV {
    call!(
        r,
        C_SetOperationState(
            h,
            state.as_ptr() as *mut u8,
            state.len() as CK_ULONG,
            CK_INVALID_HANDLE,
            CK_INVALID_HANDLE
        )
    )
}

fn finish(r: &Raw, h: CK_SESSION_HANDLE) -> Vec<u8> {
    let mut out = [0u8; 64];
    let mut n = out.len() as CK_ULONG;
    assert_eq!(call!(r, C_DigestFinal(h, out.as_mut_ptr(), &mut n)), CKR_OK);
    out[..n as usize].to_vec()
}

fn open(r: &Raw) -> CK_SESSION_HANDLE {
    let mut h = 0;
    assert_eq!(
        call!(
            r,
            C_OpenSession(
                0,
                CKF_SERIAL_SESSION | CKF_RW_SESSION,
                null_mut(),
                None,
                &mut h
            )
        ),
        CKR_OK
    );
    h
}

#[test]
fn digest_state_moves_between_sessions() {
    let st = Store::new();
    let r = load();
    init(&r, &st);
    let (_, h) = token_session(&r);
    let h2 = open(&r);

    // No operation: nothing to save.
    assert_eq!(get_state(&r, h), Err(CKR_OPERATION_NOT_INITIALIZED));

    // Saved mid-way in one session, finished in another (and in the first).
    init_sha256(&r, h);
    update(&r, h, b"The quick brown fox ");
    let state = get_state(&r, h).unwrap();
    assert_eq!(set_state(&r, h2, &state), CKR_OK);
    update(&r, h2, b"jumps over the lazy dog");
    update(&r, h, b"jumps over the lazy dog");
    let want = sha256(b"The quick brown fox jumps over the lazy dog");
    assert_eq!(finish(&r, h2), want);
    assert_eq!(finish(&r, h), want);

    // A state saved right after C_DigestInit restores to an empty digest.
    init_sha256(&r, h);
    let state = get_state(&r, h).unwrap();
    assert_eq!(set_state(&r, h2, &state), CKR_OK);
    assert_eq!(finish(&r, h2), sha256(b""));
    assert_eq!(finish(&r, h), sha256(b""));

    // Up to 64 KiB is kept; one byte more makes the digest unsaveable,
    // though it still finishes correctly.
    let big = vec![0xa5u8; 64 * 1024];
    init_sha256(&r, h);
    update(&r, h, &big);
    let state = get_state(&r, h).unwrap();
    assert_eq!(set_state(&r, h2, &state), CKR_OK);
    assert_eq!(finish(&r, h2), sha256(&big));
    update(&r, h, b"!");
    assert_eq!(get_state(&r, h), Err(CKR_STATE_UNSAVEABLE));
    assert_eq!(finish(&r, h), sha256(&[big.as_slice(), b"!"].concat()));

    // A digest that has seen a key never exports it.
    let k = aes_key(&r, h, &[0x33u8; 16]);
    init_sha256(&r, h);
    assert_eq!(call!(r, C_DigestKey(h, k)), CKR_OK);
    assert_eq!(get_state(&r, h), Err(CKR_STATE_UNSAVEABLE));
    assert_eq!(finish(&r, h), sha256(&[0x33u8; 16]));

    // Other operations are not saveable.
    let mut m = mech::<u8>(CKM_AES_ECB, None);
    assert_eq!(call!(r, C_EncryptInit(h, &mut m, k)), CKR_OK);
    assert_eq!(get_state(&r, h), Err(CKR_STATE_UNSAVEABLE));

    // States we did not write, and keys a digest does not need, are refused.
    assert_eq!(set_state(&r, h2, b"not a state"), CKR_SAVED_STATE_INVALID);
    init_sha256(&r, h2);
    let mut state = get_state(&r, h2).unwrap();
    state[16] = 7;
    assert_eq!(set_state(&r, h2, &state), CKR_SAVED_STATE_INVALID);
    state[16] = 0;
    assert_eq!(
        call!(
            r,
            C_SetOperationState(h2, state.as_mut_ptr(), state.len() as CK_ULONG, k, 0)
        ),
        CKR_KEY_NOT_NEEDED
    );
    assert_eq!(call!(r, C_Finalize(null_mut())), CKR_OK);
}
