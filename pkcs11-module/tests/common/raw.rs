//! Raw calls through the module's 3.0 function table (libloading), shared
//! by raw.rs and raw_mechanisms.rs.
#![allow(dead_code, clippy::unnecessary_cast, clippy::macro_metavars_in_unsafe)]

use super::*;
use cryptoki_sys::*;
use std::ffi::c_void;
use std::ptr::null_mut;

pub struct Raw {
    _lib: libloading::Library,
    pub f: &'static CK_FUNCTION_LIST_3_0,
    pub v2: &'static CK_FUNCTION_LIST,
}

pub fn load() -> Raw {
    // SAFETY: loading our own module, whose initializers are trivial.
    let lib = unsafe { libloading::Library::new(module_path()) }.expect("dlopen");
    // SAFETY: the symbols have the standard's signatures.
    unsafe {
        let get_if: libloading::Symbol<
            unsafe extern "C" fn(
                *mut u8,
                *mut CK_VERSION,
                *mut *mut CK_INTERFACE,
                CK_FLAGS,
            ) -> CK_RV,
        > = lib.get(b"C_GetInterface").unwrap();
        let mut i: *mut CK_INTERFACE = null_mut();
        assert_eq!(get_if(null_mut(), null_mut(), &mut i, 0), CKR_OK);
        let f = &*((*i).pFunctionList as *const CK_FUNCTION_LIST_3_0);
        let gfl: libloading::Symbol<unsafe extern "C" fn(*mut *mut CK_FUNCTION_LIST) -> CK_RV> =
            lib.get(b"C_GetFunctionList").unwrap();
        let mut l: *mut CK_FUNCTION_LIST = null_mut();
        assert_eq!(gfl(&mut l), CKR_OK);
        let v2 = &*l;
        Raw { _lib: lib, f, v2 }
    }
}

macro_rules! call {
    ($r:expr, $name:ident ( $($arg:expr),* )) => {
        // SAFETY: test calls with arguments built for this function.
        unsafe { ($r.f.$name.expect(stringify!($name)))($($arg),*) }
    };
}

pub fn init(r: &Raw, st: &Store) {
    let mut args = CK_C_INITIALIZE_ARGS {
        flags: CKF_OS_LOCKING_OK,
        pReserved: st.conf_c.as_ptr() as *mut c_void,
        ..Default::default()
    };
    assert_eq!(
        call!(r, C_Initialize(&mut args as *mut _ as *mut c_void)),
        CKR_OK
    );
}

/// Initializes a token and returns (slot, logged-in R/W session).
pub fn token_session(r: &Raw) -> (CK_SLOT_ID, CK_SESSION_HANDLE) {
    let mut label = [b' '; 32];
    label[..3].copy_from_slice(b"raw");
    let so = SO_PIN.as_bytes();
    let user = USER_PIN.as_bytes();
    assert_eq!(
        call!(
            r,
            C_InitToken(
                0,
                so.as_ptr() as *mut u8,
                so.len() as CK_ULONG,
                label.as_mut_ptr()
            )
        ),
        CKR_OK
    );
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
    assert_eq!(
        call!(
            r,
            C_Login(h, CKU_SO, so.as_ptr() as *mut u8, so.len() as CK_ULONG)
        ),
        CKR_OK
    );
    assert_eq!(
        call!(
            r,
            C_InitPIN(h, user.as_ptr() as *mut u8, user.len() as CK_ULONG)
        ),
        CKR_OK
    );
    assert_eq!(call!(r, C_Logout(h)), CKR_OK);
    assert_eq!(
        call!(
            r,
            C_Login(
                h,
                CKU_USER,
                user.as_ptr() as *mut u8,
                user.len() as CK_ULONG
            )
        ),
        CKR_OK
    );
    (0, h)
}

pub fn attr<T>(ty: CK_ATTRIBUTE_TYPE, v: &T) -> CK_ATTRIBUTE {
    CK_ATTRIBUTE {
        type_: ty,
        pValue: v as *const T as *mut c_void,
        ulValueLen: std::mem::size_of::<T>() as CK_ULONG,
    }
}

pub fn bytes_attr(ty: CK_ATTRIBUTE_TYPE, v: &[u8]) -> CK_ATTRIBUTE {
    CK_ATTRIBUTE {
        type_: ty,
        pValue: v.as_ptr() as *mut c_void,
        ulValueLen: v.len() as CK_ULONG,
    }
}

pub fn aes_key(r: &Raw, h: CK_SESSION_HANDLE, v: &[u8]) -> CK_OBJECT_HANDLE {
    let class: CK_ULONG = CKO_SECRET_KEY;
    let kt: CK_ULONG = CKK_AES;
    let no: CK_BBOOL = 0;
    let yes: CK_BBOOL = 1;
    let mut t = [
        attr(CKA_CLASS, &class),
        attr(CKA_KEY_TYPE, &kt),
        bytes_attr(CKA_VALUE, v),
        attr(CKA_SENSITIVE, &no),
        attr(CKA_DERIVE, &yes),
    ];
    let mut k = 0;
    assert_eq!(
        call!(
            r,
            C_CreateObject(h, t.as_mut_ptr(), t.len() as CK_ULONG, &mut k)
        ),
        CKR_OK
    );
    k
}

pub fn mech<T>(ty: CK_MECHANISM_TYPE, p: Option<&T>) -> CK_MECHANISM {
    match p {
        Some(p) => CK_MECHANISM {
            mechanism: ty,
            pParameter: p as *const T as *mut c_void,
            ulParameterLen: std::mem::size_of::<T>() as CK_ULONG,
        },
        None => CK_MECHANISM {
            mechanism: ty,
            pParameter: null_mut(),
            ulParameterLen: 0,
        },
    }
}

pub fn encrypt(
    r: &Raw,
    h: CK_SESSION_HANDLE,
    m: &mut CK_MECHANISM,
    k: CK_OBJECT_HANDLE,
    data: &[u8],
) -> Vec<u8> {
    assert_eq!(call!(r, C_EncryptInit(h, m, k)), CKR_OK);
    let mut n: CK_ULONG = 0;
    assert_eq!(
        call!(
            r,
            C_Encrypt(
                h,
                data.as_ptr() as *mut u8,
                data.len() as CK_ULONG,
                null_mut(),
                &mut n
            )
        ),
        CKR_OK
    );
    let mut out = vec![0u8; n as usize];
    assert_eq!(
        call!(
            r,
            C_Encrypt(
                h,
                data.as_ptr() as *mut u8,
                data.len() as CK_ULONG,
                out.as_mut_ptr(),
                &mut n
            )
        ),
        CKR_OK
    );
    out.truncate(n as usize);
    out
}
