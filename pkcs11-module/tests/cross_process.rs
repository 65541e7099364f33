//! The module's caches and audit buffering seen from other processes.
//!
//! The module keeps opened keys and the identity's MFA flag between
//! operations and writes key-use audit entries by group commit. Another
//! process (the KMIP server, another application) changes the store at any
//! time: its change must apply to this process's next C_*Init. And a
//! process killed with SIGKILL must leave an audit chain that verifies.
//!
//! The other process is this test binary run again with
//! `KEYBRIDGE_XPROC_ACTION` set, running only [`other_process`], which
//! changes the store through the key store API as the server would.

mod common;
use common::mfa::{key_store, rv};
use common::*;
use cryptoki::error::RvError;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, KeyType, ObjectClass};
use keybridge_pkcs11::keystore::object::UsageMask;
use keybridge_pkcs11::keystore::SecretBytes;
use std::process::Command;

const LABEL: &str = "xproc";
const ACTION: &str = "KEYBRIDGE_XPROC_ACTION";
const DIR: &str = "KEYBRIDGE_XPROC_DIR";
const UID: &str = "KEYBRIDGE_XPROC_UID";

fn key(n: u8) -> Vec<u8> {
    (0..32).map(|i| i ^ n).collect()
}

/// AES-256-ECB of one block, computed here with OpenSSL.
fn ecb(key: &[u8], block: &[u8]) -> Vec<u8> {
    let mut c = openssl::symm::Crypter::new(
        openssl::symm::Cipher::aes_256_ecb(),
        openssl::symm::Mode::Encrypt,
        key,
        None,
    )
    .unwrap();
    c.pad(false);
    let mut out = vec![0; block.len() + 32];
    let n = c.update(block, &mut out).unwrap();
    out.truncate(n);
    out
}

/// Runs [`other_process`] in a new process with `action` on object `uid`.
fn in_other_process(st: &Store, action: &str, uid: &str) {
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "other_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ACTION, action)
        .env(DIR, st.dir.path())
        .env(UID, uid)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{action} in the other process: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Not a test of its own: the other process of the tests above (it does
/// nothing unless `KEYBRIDGE_XPROC_ACTION` is set).
#[test]
fn other_process() {
    let Ok(action) = std::env::var(ACTION) else {
        return;
    };
    let dir = std::path::PathBuf::from(std::env::var(DIR).unwrap());
    let uid = std::env::var(UID).unwrap();
    let ks = keybridge_pkcs11::keystore::KeyStore::open(&dir.join("store.db")).unwrap();
    let master = keybridge_pkcs11::keystore::hierarchy::SoftwareMasterKey::from_key_file(
        &dir.join("master.key"),
    )
    .unwrap();
    let session = ks.unlock(std::sync::Arc::new(master)).unwrap();
    let p = session.partition(LABEL).unwrap();
    match action.as_str() {
        "set-value" => {
            p.update(&uid, |o| {
                o.value = Some(SecretBytes::new(key(2)));
                Ok(())
            })
            .unwrap();
        }
        "deny-encrypt" => {
            p.update(&uid, |o| {
                o.attributes.usage = o.attributes.usage.with(UsageMask::ENCRYPT, false);
                Ok(())
            })
            .unwrap();
        }
        "destroy" => p.delete(&uid).unwrap(),
        "checkpoint-set-value" => {
            // The WAL emptied before and after the change: the WAL-index
            // header starts over (new salts, no frames) around the commit.
            let db = rusqlite::Connection::open(dir.join("store.db")).unwrap();
            let checkpoint = || {
                let busy: i64 = db
                    .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
                    .unwrap();
                assert_eq!(busy, 0, "checkpoint blocked");
            };
            checkpoint();
            p.update(&uid, |o| {
                o.value = Some(SecretBytes::new(key(3)));
                Ok(())
            })
            .unwrap();
            checkpoint();
        }
        "always-mfa" => {
            match ks.add_identity(LABEL, false) {
                Ok(()) | Err(keybridge_pkcs11::keystore::Error::AlreadyExists(_)) => {}
                Err(e) => panic!("{e}"),
            }
            ks.set_always_requires_mfa(LABEL, true).unwrap();
        }
        "no-mfa" => ks.set_always_requires_mfa(LABEL, false).unwrap(),
        "use-keys-until-killed" => use_keys_until_killed(&dir),
        other => panic!("unknown action {other}"),
    }
}

#[test]
fn another_process_change_applies_to_the_next_init() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, LABEL);
    let s = user_session(&p, slot);
    let aes = s
        .create_object(&[
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
            Attribute::Token(true),
            Attribute::Value(key(1)),
            Attribute::Encrypt(true),
            Attribute::Decrypt(true),
        ])
        .unwrap();
    let uid = common::mfa::uid(&s, aes);
    let block = [0x42u8; 16];
    let mut encrypts = 0u64;
    let mut encrypt = |s: &cryptoki::session::Session| {
        let r = s.encrypt(&Mechanism::AesEcb, aes, &block);
        if r.is_ok() {
            encrypts += 1;
        }
        r
    };
    // Opened once, then served from the login's cache, checked against
    // the WAL-index header in shared memory.
    for _ in 0..3 {
        assert_eq!(encrypt(&s).unwrap(), ecb(&key(1), &block));
    }
    let log = std::fs::read_to_string(st.dir.path().join("pkcs11.log")).unwrap();
    assert!(
        log.contains("store changes seen in the WAL-index header"),
        "{log}"
    );

    // New key material under the same object: the next Init uses it.
    in_other_process(&st, "set-value", &uid);
    assert_eq!(encrypt(&s).unwrap(), ecb(&key(2), &block));

    // Again, with the WAL checkpointed and emptied around the change.
    in_other_process(&st, "checkpoint-set-value", &uid);
    assert_eq!(encrypt(&s).unwrap(), ecb(&key(3), &block));
    in_other_process(&st, "set-value", &uid);
    assert_eq!(encrypt(&s).unwrap(), ecb(&key(2), &block));

    // The identity made always-MFA: the next use needs a context login;
    // and back.
    // (The refused operation waits for that login in `s`: the rest runs
    // in another session of the same login.)
    in_other_process(&st, "always-mfa", &uid);
    assert_eq!(rv(encrypt(&s)), RvError::UserNotLoggedIn);
    let s2 = p.open_rw_session(slot).unwrap();
    in_other_process(&st, "no-mfa", &uid);
    assert_eq!(encrypt(&s2).unwrap(), ecb(&key(2), &block));
    let s = s2;

    // CKA_ENCRYPT taken away, then the key destroyed.
    in_other_process(&st, "deny-encrypt", &uid);
    assert_eq!(rv(encrypt(&s)), RvError::KeyFunctionNotPermitted);
    in_other_process(&st, "destroy", &uid);
    let gone = rv(encrypt(&s));
    assert!(
        matches!(
            gone,
            RvError::KeyHandleInvalid | RvError::ObjectHandleInvalid
        ),
        "{gone:?}"
    );

    // Every successful use is in the audit log once the session closes,
    // counted in the entries of its batches; the chain verifies.
    drop(s);
    p.finalize().unwrap();
    let ks = key_store(&st);
    let uses: u64 = common::mfa::audit_of(&ks, LABEL)
        .iter()
        .filter(|r| {
            r.entry.operation == "encrypt"
                && r.entry.object.as_deref() == Some(uid.as_str())
                && r.entry.result == "ok"
        })
        .map(|r| uses_of(r.entry.detail.as_deref().unwrap_or("")))
        .sum();
    assert_eq!(uses, encrypts);
}

/// The number of uses an entry counts: "mechanism 0x..." is one,
/// "mechanism 0x...; N uses, the last at T ms" is N.
fn uses_of(detail: &str) -> u64 {
    match detail.split_once("; ") {
        None => 1,
        Some((_, rest)) => rest
            .split_once(' ')
            .and_then(|(n, _)| n.parse().ok())
            .unwrap_or(0),
    }
}

/// The killed process: logs in and encrypts until SIGKILL.
fn use_keys_until_killed(dir: &std::path::Path) {
    let conf = std::ffi::CString::new(dir.join("keybridge.toml").to_str().unwrap()).unwrap();
    let p = cryptoki::context::Pkcs11::new(module_path()).unwrap();
    let ptr = std::ptr::NonNull::new(conf.as_ptr() as *mut std::ffi::c_void).unwrap();
    // SAFETY: a NUL-terminated config path that outlives the call.
    let args = unsafe {
        cryptoki::context::CInitializeArgs::new_with_reserved(
            cryptoki::context::CInitializeFlags::OS_LOCKING_OK,
            ptr,
        )
    };
    p.initialize(args).unwrap();
    let slot = p.get_slots_with_initialized_token().unwrap()[0];
    let s = user_session(&p, slot);
    let aes = s
        .generate_key(
            &Mechanism::AesKeyGen,
            &[
                Attribute::Token(true),
                Attribute::ValueLen(32.into()),
                Attribute::Encrypt(true),
            ],
        )
        .unwrap();
    println!("using keys");
    loop {
        s.encrypt(&Mechanism::AesEcb, aes, &[7u8; 32]).unwrap();
    }
}

#[test]
fn sigkill_leaves_a_verifiable_audit_chain() {
    let st = Store::new();
    let p = st.pkcs11();
    init_token(&p, LABEL);
    p.finalize().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "other_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ACTION, "use-keys-until-killed")
        .env(DIR, st.dir.path())
        .env(UID, "")
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until it uses keys, let a few batches go by, then kill it.
    let mut line = String::new();
    let stdout = child.stdout.take().unwrap();
    let mut reader = std::io::BufReader::new(stdout);
    loop {
        line.clear();
        let n = std::io::BufRead::read_line(&mut reader, &mut line).unwrap();
        assert!(n > 0, "the other process ended before using keys");
        if line.contains("using keys") {
            break;
        }
    }
    std::thread::sleep(std::time::Duration::from_millis(600));
    child.kill().unwrap();
    child.wait().unwrap();

    let ks = key_store(&st);
    assert!(common::mfa::audit_count(&ks) > 0);
    let uses: u64 = common::mfa::audit_of(&ks, LABEL)
        .iter()
        .filter(|r| r.entry.operation == "encrypt")
        .map(|r| uses_of(r.entry.detail.as_deref().unwrap_or("")))
        .sum();
    // Batches are committed every 100 ms: the uses before the last one
    // are in the log.
    assert!(uses > 0, "no key use committed before the kill");
}
