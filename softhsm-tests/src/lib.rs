//! Fixtures for the tests that put SoftHSM2 beside keybridge: both PKCS#11
//! modules loaded in one process, each with a fresh token, and small helpers
//! to drive them alike through the `cryptoki` crate.
//!
//! Needs SoftHSM2 (`/usr/lib/softhsm/libsofthsm2.so`, installed by test.sh)
//! and the keybridge module built beside the test binary (cargo builds it
//! with the workspace); missing either is a failure, not a skip.
#![forbid(unsafe_code)]
// Test fixtures: a failed set-up step is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error, RvError};
use cryptoki::object::{Attribute, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, OnceLock};

pub const SOFTHSM: &str = "/usr/lib/softhsm/libsofthsm2.so";
pub const SO_PIN: &str = "so-pin-1234";
pub const USER_PIN: &str = "user-pin-1234";
pub const TOKEN: &str = "differential";

pub struct Modules {
    pub softhsm: Pkcs11,
    pub keybridge: Pkcs11,
    _dir: tempfile::TempDir,
}

static MODULES: OnceLock<Modules> = OnceLock::new();
static SERIAL: Mutex<()> = Mutex::new(());

pub fn keybridge_module() -> PathBuf {
    if let Some(p) = std::env::var_os("KEYBRIDGE_PKCS11_MODULE") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("test binary path");
    let p = exe.with_file_name("libkeybridge_pkcs11.so");
    assert!(
        p.exists(),
        "{} is missing: build the workspace first",
        p.display()
    );
    p
}

fn init_token(p: &Pkcs11) {
    let empty = p
        .get_all_slots()
        .unwrap()
        .into_iter()
        .find(|s| {
            !p.get_token_info(*s)
                .map(|t| t.token_initialized())
                .unwrap_or(true)
        })
        .expect("an empty slot");
    p.init_token(empty, &AuthPin::from(SO_PIN), TOKEN).unwrap();
    let s = p.open_rw_session(slot(p)).unwrap();
    s.login(UserType::So, Some(&AuthPin::from(SO_PIN))).unwrap();
    s.init_pin(&AuthPin::from(USER_PIN)).unwrap();
}

pub fn slot(p: &Pkcs11) -> cryptoki::slot::Slot {
    p.get_slots_with_initialized_token()
        .unwrap()
        .into_iter()
        .find(|s| p.get_token_info(*s).unwrap().label().trim_end() == TOKEN)
        .expect("the test token")
}

/// Both modules, each with a fresh token, shared by the tests of this file
/// (a PKCS#11 library is initialized once per process), one test at a time.
pub fn modules() -> (MutexGuard<'static, ()>, &'static Modules) {
    let guard = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let m = MODULES.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all(d.join("softhsm-tokens")).unwrap();
        std::fs::write(
            d.join("softhsm2.conf"),
            format!(
                "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                d.join("softhsm-tokens").display()
            ),
        )
        .unwrap();
        std::fs::write(
            d.join("keybridge.toml"),
            format!(
                "[store]\npath = \"{0}/store.db\"\n[master_key]\nfile = \"{0}/master.key\"\n",
                d.display()
            ),
        )
        .unwrap();
        std::env::set_var("SOFTHSM2_CONF", d.join("softhsm2.conf"));
        std::env::set_var("KEYBRIDGE_CONF", d.join("keybridge.toml"));
        let load = |path: PathBuf| {
            let p = Pkcs11::new(path).expect("load module");
            p.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
                .unwrap();
            init_token(&p);
            p
        };
        Modules {
            softhsm: load(PathBuf::from(SOFTHSM)),
            keybridge: load(keybridge_module()),
            _dir: dir,
        }
    });
    (guard, m)
}

pub fn user_session(p: &Pkcs11) -> Session {
    let s = p.open_rw_session(slot(p)).unwrap();
    s.login(UserType::User, Some(&AuthPin::from(USER_PIN)))
        .unwrap();
    s
}

/// Imports the same secret key value into a session (session object).
pub fn import(s: &Session, key_type: KeyType, value: &[u8]) -> ObjectHandle {
    s.create_object(&[
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(key_type),
        Attribute::Token(false),
        Attribute::Value(value.to_vec()),
        Attribute::Encrypt(true),
        Attribute::Decrypt(true),
        Attribute::Wrap(true),
        Attribute::Unwrap(true),
        Attribute::Sign(true),
        Attribute::Verify(true),
        Attribute::Extractable(true),
        Attribute::Sensitive(false),
    ])
    .unwrap()
}

pub fn rv<T: std::fmt::Debug>(r: Result<T, Error>) -> RvError {
    match r {
        Err(Error::Pkcs11(rv, _)) => rv,
        other => panic!("expected a PKCS#11 error, got {other:?}"),
    }
}
