#![allow(clippy::unnecessary_cast)]
//! Raw C calls through libloading and the 3.0 function table: interfaces,
//! null pointers, short buffers, calls in the wrong state, the library
//! lifecycle and fork.

#[macro_use]
mod common;
use common::raw::*;
use common::*;
use cryptoki_sys::*;
use std::ffi::c_void;
use std::ptr::null_mut;

#[test]
fn interfaces_and_tables() {
    let r = load();
    assert_eq!((r.f.version.major, r.f.version.minor), (3, 0));
    assert_eq!((r.v2.version.major, r.v2.version.minor), (2, 40));
    let mut n: CK_ULONG = 0;
    assert_eq!(call!(r, C_GetInterfaceList(null_mut(), &mut n)), CKR_OK);
    assert_eq!(n, 2);
    let mut one = [CK_INTERFACE::default(); 1];
    let mut small: CK_ULONG = 1;
    assert_eq!(
        call!(r, C_GetInterfaceList(one.as_mut_ptr(), &mut small)),
        CKR_BUFFER_TOO_SMALL
    );
    assert_eq!(small, 2);
    let mut list = [CK_INTERFACE::default(); 2];
    assert_eq!(
        call!(r, C_GetInterfaceList(list.as_mut_ptr(), &mut n)),
        CKR_OK
    );
    for i in &list {
        // SAFETY: the module's static name and table.
        let (name, v) = unsafe {
            (
                std::ffi::CStr::from_ptr(i.pInterfaceName as *const i8),
                *(i.pFunctionList as *const CK_VERSION),
            )
        };
        assert_eq!(name.to_bytes(), b"PKCS 11");
        assert!(v.major == 3 || (v.major == 2 && v.minor == 40));
    }
    let mut v240 = CK_VERSION {
        major: 2,
        minor: 40,
    };
    let mut i: *mut CK_INTERFACE = null_mut();
    let name = b"PKCS 11\0";
    assert_eq!(
        call!(
            r,
            C_GetInterface(name.as_ptr() as *mut u8, &mut v240, &mut i, 0)
        ),
        CKR_OK
    );
    // SAFETY: returned by the module.
    assert_eq!(
        unsafe { *((*i).pFunctionList as *const CK_VERSION) }.minor,
        40
    );
    assert_eq!(
        call!(
            r,
            C_GetInterface(c"nope".as_ptr() as *mut u8, null_mut(), &mut i, 0)
        ),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(
        call!(r, C_GetInterface(null_mut(), null_mut(), null_mut(), 0)),
        CKR_ARGUMENTS_BAD
    );
    // Every entry of the 3.0 table is present.
    let words = std::mem::size_of::<CK_FUNCTION_LIST_3_0>() / std::mem::size_of::<usize>();
    // SAFETY: after the 2-byte version (padded to a word) come function pointers only.
    let ptrs = unsafe {
        std::slice::from_raw_parts(
            (r.f as *const CK_FUNCTION_LIST_3_0 as *const usize).add(1),
            words - 1,
        )
    };
    assert_eq!(ptrs.len(), 92);
    assert!(
        ptrs.iter().all(|p| *p != 0),
        "every 3.0 function is present"
    );
}

#[test]
fn library_lifecycle() {
    let st = Store::new();
    let r = load();
    let mut info = CK_INFO::default();
    assert_eq!(call!(r, C_GetInfo(&mut info)), CKR_CRYPTOKI_NOT_INITIALIZED);
    let mut bad = CK_C_INITIALIZE_ARGS {
        LockMutex: Some(dummy_mutex),
        ..Default::default()
    };
    assert_eq!(
        call!(r, C_Initialize(&mut bad as *mut _ as *mut c_void)),
        CKR_ARGUMENTS_BAD
    );
    init(&r, &st);
    let mut again = CK_C_INITIALIZE_ARGS {
        flags: CKF_OS_LOCKING_OK,
        ..Default::default()
    };
    assert_eq!(
        call!(r, C_Initialize(&mut again as *mut _ as *mut c_void)),
        CKR_CRYPTOKI_ALREADY_INITIALIZED
    );
    assert_eq!(call!(r, C_GetInfo(&mut info)), CKR_OK);
    assert_eq!(info.cryptokiVersion.major, 3);
    assert_eq!(
        call!(r, C_Finalize(std::ptr::dangling_mut::<c_void>())),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(call!(r, C_Finalize(null_mut())), CKR_OK);
    assert_eq!(
        call!(r, C_Finalize(null_mut())),
        CKR_CRYPTOKI_NOT_INITIALIZED
    );
    let mut n = 0;
    assert_eq!(
        call!(r, C_GetSlotList(0, null_mut(), &mut n)),
        CKR_CRYPTOKI_NOT_INITIALIZED
    );
    assert_eq!(call!(r, C_CloseSession(1)), CKR_CRYPTOKI_NOT_INITIALIZED);
}

unsafe extern "C" fn dummy_mutex(_: *mut c_void) -> CK_RV {
    CKR_OK
}

#[test]
fn null_pointers_and_bad_handles() {
    let st = Store::new();
    let r = load();
    init(&r, &st);
    assert_eq!(call!(r, C_GetInfo(null_mut())), CKR_ARGUMENTS_BAD);
    assert_eq!(
        call!(r, C_GetSlotList(0, null_mut(), null_mut())),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(call!(r, C_GetTokenInfo(0, null_mut())), CKR_ARGUMENTS_BAD);
    assert_eq!(
        call!(r, C_GetSlotInfo(99, &mut CK_SLOT_INFO::default())),
        CKR_SLOT_ID_INVALID
    );
    assert_eq!(
        call!(
            r,
            C_OpenSession(0, CKF_SERIAL_SESSION, null_mut(), None, null_mut())
        ),
        CKR_ARGUMENTS_BAD
    );
    let mut h = 0;
    assert_eq!(
        call!(r, C_OpenSession(0, 0, null_mut(), None, &mut h)),
        CKR_SESSION_PARALLEL_NOT_SUPPORTED
    );
    let (_, h) = token_session(&r);
    assert_eq!(call!(r, C_GetSessionInfo(h, null_mut())), CKR_ARGUMENTS_BAD);
    assert_eq!(
        call!(
            r,
            C_GetSessionInfo(h + 1000, &mut CK_SESSION_INFO::default())
        ),
        CKR_SESSION_HANDLE_INVALID
    );
    assert_eq!(
        call!(r, C_CreateObject(h, null_mut(), 3, &mut 0)),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(
        call!(r, C_GetAttributeValue(h, 1, null_mut(), 1)),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(
        call!(
            r,
            C_GetAttributeValue(
                h,
                12345,
                &mut CK_ATTRIBUTE {
                    type_: CKA_CLASS,
                    pValue: null_mut(),
                    ulValueLen: 0
                },
                1
            )
        ),
        CKR_OBJECT_HANDLE_INVALID
    );
    assert_eq!(
        call!(r, C_GenerateRandom(h, null_mut(), 16)),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(
        call!(r, C_FindObjects(h, null_mut(), 1, null_mut())),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(call!(r, C_EncryptInit(h, null_mut(), 1)), CKR_ARGUMENTS_BAD);
    let k = aes_key(&r, h, &[1; 16]);
    let mut m = mech::<u8>(CKM_AES_ECB, None);
    assert_eq!(call!(r, C_EncryptInit(h, &mut m, k)), CKR_OK);
    assert_eq!(
        call!(
            r,
            C_Encrypt(h, [0u8; 16].as_ptr() as *mut u8, 16, null_mut(), null_mut())
        ),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(
        call!(r, C_Encrypt(h, null_mut(), 16, null_mut(), &mut 0)),
        CKR_ARGUMENTS_BAD
    );
    assert_eq!(
        call!(r, C_Login(h, 77, b"1234".as_ptr() as *mut u8, 4)),
        CKR_USER_TYPE_INVALID
    );
    let mut m = mech::<u8>(0x7777_7777, None);
    assert_eq!(call!(r, C_DigestInit(h, &mut m)), CKR_MECHANISM_INVALID);
    // A GCM parameter with a wrong size is refused, not read.
    let mut m = CK_MECHANISM {
        mechanism: CKM_AES_GCM,
        pParameter: [0u8; 4].as_ptr() as *mut c_void,
        ulParameterLen: 4,
    };
    assert_eq!(
        call!(r, C_DecryptInit(h, &mut m, k)),
        CKR_MECHANISM_PARAM_INVALID
    );
    assert_eq!(call!(r, C_Finalize(null_mut())), CKR_OK);
}

#[test]
fn two_call_protocol_and_wrong_state() {
    let st = Store::new();
    let r = load();
    init(&r, &st);
    let mut n: CK_ULONG = 0;
    let mut one = [0 as CK_SLOT_ID; 1];
    assert_eq!(call!(r, C_GetSlotList(0, null_mut(), &mut n)), CKR_OK);
    assert_eq!(n, 1);
    let (_, h) = token_session(&r);
    let mut small: CK_ULONG = 1;
    assert_eq!(
        call!(r, C_GetSlotList(0, one.as_mut_ptr(), &mut small)),
        CKR_BUFFER_TOO_SMALL
    );
    assert_eq!(small, 2);
    let k = aes_key(&r, h, &[2; 16]);
    let data = [3u8; 20];
    let mut out = [0u8; 64];
    assert_eq!(
        call!(
            r,
            C_Encrypt(h, data.as_ptr() as *mut u8, 20, out.as_mut_ptr(), &mut n)
        ),
        CKR_OPERATION_NOT_INITIALIZED
    );
    let iv = [0u8; 16];
    let mut m = mech(CKM_AES_CBC_PAD, Some(&iv));
    assert_eq!(call!(r, C_EncryptInit(h, &mut m, k)), CKR_OK);
    let mut len: CK_ULONG = 0;
    assert_eq!(
        call!(
            r,
            C_Encrypt(h, data.as_ptr() as *mut u8, 20, null_mut(), &mut len)
        ),
        CKR_OK
    );
    assert_eq!(len, 32);
    let mut short: CK_ULONG = 16;
    assert_eq!(
        call!(
            r,
            C_Encrypt(
                h,
                data.as_ptr() as *mut u8,
                20,
                out.as_mut_ptr(),
                &mut short
            )
        ),
        CKR_BUFFER_TOO_SMALL
    );
    assert_eq!(short, 32, "the needed length is reported");
    // The operation is still active after a short buffer.
    let mut full: CK_ULONG = 64;
    assert_eq!(
        call!(
            r,
            C_Encrypt(h, data.as_ptr() as *mut u8, 20, out.as_mut_ptr(), &mut full)
        ),
        CKR_OK
    );
    assert_eq!(full, 32);
    assert_eq!(
        call!(
            r,
            C_Encrypt(h, data.as_ptr() as *mut u8, 20, out.as_mut_ptr(), &mut full)
        ),
        CKR_OPERATION_NOT_INITIALIZED
    );
    // C_GetAttributeValue: sizes, short buffers, sensitive and invalid types.
    let mut label = [0u8; 2];
    let mut t = [
        CK_ATTRIBUTE {
            type_: CKA_VALUE,
            pValue: null_mut(),
            ulValueLen: 0,
        },
        CK_ATTRIBUTE {
            type_: CKA_CLASS,
            pValue: label.as_mut_ptr() as *mut c_void,
            ulValueLen: 2,
        },
        CK_ATTRIBUTE {
            type_: CKA_MODULUS,
            pValue: null_mut(),
            ulValueLen: 0,
        },
    ];
    let rv = call!(r, C_GetAttributeValue(h, k, t.as_mut_ptr(), 3));
    assert!(
        rv == CKR_BUFFER_TOO_SMALL || rv == CKR_ATTRIBUTE_TYPE_INVALID,
        "{rv:#x}"
    );
    assert_eq!(t[0].ulValueLen, 16);
    assert_eq!(t[1].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    assert_eq!(t[2].ulValueLen, CK_UNAVAILABLE_INFORMATION);
    // C_CloseAllSessions invalidates every session of the slot.
    assert_eq!(call!(r, C_CloseAllSessions(0)), CKR_OK);
    assert_eq!(
        call!(r, C_GetSessionInfo(h, &mut CK_SESSION_INFO::default())),
        CKR_SESSION_HANDLE_INVALID
    );
    assert_eq!(call!(r, C_Finalize(null_mut())), CKR_OK);
}

#[test]
fn after_fork_the_child_initializes_again() {
    let st = Store::new();
    let r = load();
    init(&r, &st);
    let (_, h) = token_session(&r);
    // SAFETY: the child only calls the module and exits with _exit.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        let mut code = 0;
        let mut info = CK_INFO::default();
        if call!(r, C_GetInfo(&mut info)) != CKR_CRYPTOKI_NOT_INITIALIZED {
            code |= 1;
        }
        let mut args = CK_C_INITIALIZE_ARGS {
            flags: CKF_OS_LOCKING_OK,
            pReserved: st.conf_c.as_ptr() as *mut c_void,
            ..Default::default()
        };
        if call!(r, C_Initialize(&mut args as *mut _ as *mut c_void)) != CKR_OK {
            code |= 2;
        }
        let mut s = 0;
        if call!(
            r,
            C_OpenSession(0, CKF_SERIAL_SESSION, null_mut(), None, &mut s)
        ) != CKR_OK
        {
            code |= 4;
        }
        let mut t = CK_TOKEN_INFO::default();
        if call!(r, C_GetTokenInfo(0, &mut t)) != CKR_OK || &t.label[..3] != b"raw" {
            code |= 8;
        }
        // SAFETY: leave without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: waiting for our own child.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    assert!(libc::WIFEXITED(status));
    assert_eq!(libc::WEXITSTATUS(status), 0, "child failure bits");
    // The parent is unaffected.
    assert_eq!(
        call!(r, C_GetSessionInfo(h, &mut CK_SESSION_INFO::default())),
        CKR_OK
    );
    assert_eq!(call!(r, C_Finalize(null_mut())), CKR_OK);
}

/// Each thread keeps the module it last used: a thread that used the
/// module sees C_Finalize at its next call, and then the module of the
/// next C_Initialize (its sessions, none of the old ones).
#[test]
fn a_thread_sees_finalize_and_the_next_initialize() {
    let st = Store::new();
    let r = load();
    init(&r, &st);
    let (_, h) = token_session(&r);
    let (to_thread, next) = std::sync::mpsc::channel::<CK_SESSION_HANDLE>();
    let (to_main, done) = std::sync::mpsc::channel::<()>();
    std::thread::scope(|sc| {
        let r = &r;
        let t = sc.spawn(move || {
            let info = |h| call!(r, C_GetSessionInfo(h, &mut CK_SESSION_INFO::default()));
            assert_eq!(info(h), CKR_OK);
            to_main.send(()).unwrap();
            next.recv().unwrap();
            assert_eq!(info(h), CKR_CRYPTOKI_NOT_INITIALIZED);
            to_main.send(()).unwrap();
            // A session of the new module, opened in the main thread.
            let new = next.recv().unwrap();
            assert_eq!(info(new), CKR_OK);
            if new != h {
                assert_eq!(info(h), CKR_SESSION_HANDLE_INVALID);
            }
        });
        done.recv().unwrap();
        assert_eq!(call!(r, C_Finalize(null_mut())), CKR_OK);
        to_thread.send(0).unwrap();
        done.recv().unwrap();
        init(r, &st);
        let mut s = 0;
        assert_eq!(
            call!(
                r,
                C_OpenSession(0, CKF_SERIAL_SESSION, null_mut(), None, &mut s)
            ),
            CKR_OK
        );
        to_thread.send(s).unwrap();
        t.join().unwrap();
        // A thread that never called before sees the same module.
        let fresh =
            sc.spawn(move || call!(r, C_GetSessionInfo(s, &mut CK_SESSION_INFO::default())));
        assert_eq!(fresh.join().unwrap(), CKR_OK);
    });
    assert_eq!(call!(r, C_Finalize(null_mut())), CKR_OK);
}
