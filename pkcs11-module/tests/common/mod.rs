//! Shared helpers: locate the built module, give each test its own store,
//! and serialize tests (the module is one per process).
#![allow(dead_code)]

pub mod mfa;
#[macro_use]
pub mod raw;

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::session::UserType;
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use std::ffi::CString;
use std::path::PathBuf;
use std::ptr::NonNull;
use std::sync::{Mutex, MutexGuard};

/// The return value of a call expected to fail (panics on success).
pub fn rv<T: std::fmt::Debug>(r: Result<T, cryptoki::error::Error>) -> cryptoki::error::RvError {
    match r {
        Err(cryptoki::error::Error::Pkcs11(rv, _)) => rv,
        other => panic!("expected a PKCS#11 error, got {other:?}"),
    }
}

/// Bytes from a hex string of test vector (panics on bad hex).
pub fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

pub const SO_PIN: &str = "abcdef654321";
pub const USER_PIN: &str = "fedcba123456";

static SERIAL: Mutex<()> = Mutex::new(());

/// The built module: `KEYBRIDGE_PKCS11_MODULE`, else the cdylib that
/// `cargo test` built next to this test binary. Panics (never skips) when it is missing.
pub fn module_path() -> PathBuf {
    if let Some(p) = std::env::var_os("KEYBRIDGE_PKCS11_MODULE") {
        return PathBuf::from(p);
    }
    // `cargo test` rebuilds the cdylib beside the test binary (deps/); the
    // copy one level up is refreshed only by `cargo build`.
    let exe = std::env::current_exe().expect("test binary path");
    let p = exe.with_file_name("libkeybridge_pkcs11.so");
    assert!(
        p.exists(),
        "the module {} is missing: build it with `cargo build -p pkcs11-module` \
         or set KEYBRIDGE_PKCS11_MODULE",
        p.display()
    );
    p
}

/// A test's own store: a temp dir with keybridge.toml.
pub struct Store {
    pub dir: tempfile::TempDir,
    pub conf: PathBuf,
    pub conf_c: CString,
    _serial: MutexGuard<'static, ()>,
}

impl Store {
    pub fn new() -> Store {
        let serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().expect("temp dir");
        let conf = dir.path().join("keybridge.toml");
        let d = dir.path().display();
        std::fs::write(
            &conf,
            format!(
                "[store]\npath = \"{d}/store.db\"\n[master_key]\nfile = \"{d}/master.key\"\n\
                 [pkcs11]\nlog_file = \"{d}/pkcs11.log\"\ninsecure_test_pin_kdf = true\n"
            ),
        )
        .expect("write config");
        let conf_c = CString::new(conf.to_str().expect("utf-8 path")).expect("no NUL");
        Store {
            dir,
            conf,
            conf_c,
            _serial: serial,
        }
    }

    /// A cryptoki context initialized on this store (config through pReserved).
    pub fn pkcs11(&self) -> Pkcs11 {
        let p = Pkcs11::new(module_path()).expect("load module");
        let ptr = NonNull::new(self.conf_c.as_ptr() as *mut std::ffi::c_void).expect("non-null");
        // SAFETY: pReserved points to a NUL-terminated config path that
        // outlives the call; keybridge reads it as such.
        let args =
            unsafe { CInitializeArgs::new_with_reserved(CInitializeFlags::OS_LOCKING_OK, ptr) };
        p.initialize(args).expect("C_Initialize");
        p
    }
}

impl Drop for Store {
    /// Leaves the module finalized even when a test failed half-way, so the
    /// next test starts clean.
    fn drop(&mut self) {
        if let Ok(p) = Pkcs11::new(module_path()) {
            let _ = p.finalize();
        }
    }
}

/// Initializes the first slot with a token as the cryptoki suite does.
pub fn init_token(p: &Pkcs11, label: &str) -> Slot {
    let slot = p.get_slots_with_token().expect("slots").remove(0);
    let so = AuthPin::new(SO_PIN.into());
    p.init_token(slot, &so, label).expect("C_InitToken");
    let s = p.open_rw_session(slot).expect("session");
    s.login(UserType::So, Some(&so)).expect("SO login");
    s.init_pin(&AuthPin::new(USER_PIN.into()))
        .expect("C_InitPIN");
    drop(s);
    slot
}

pub fn user_session(p: &Pkcs11, slot: Slot) -> cryptoki::session::Session {
    let s = p.open_rw_session(slot).expect("session");
    s.login(UserType::User, Some(&AuthPin::new(USER_PIN.into())))
        .expect("user login");
    s
}
