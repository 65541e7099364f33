//! One-time passwords, MFA policies and the audit log, as the tests of the
//! context-specific login set them up and read them: with the key store API
//! on the module's own store file, as `keybridge mfa enroll` and `keybridge
//! key require-mfa` do, in a child process (see [`StoreProxy`]).

use super::Store;
use cryptoki::error::Error;
use cryptoki::object::{Attribute, AttributeType, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use keybridge_pkcs11::keystore::access::{
    MFA_ATTRIBUTE, MFA_ATTRIBUTE_1X, MFA_VENDOR, MFA_VENDOR_1X,
};
use keybridge_pkcs11::keystore::audit::{AuditEntry, AuditRecord};
use keybridge_pkcs11::keystore::hierarchy::SoftwareMasterKey;
use keybridge_pkcs11::keystore::mfa::{totp, TotpParams};
use keybridge_pkcs11::keystore::object::{AttributeValue, CustomAttribute};
use keybridge_pkcs11::keystore::{KeyStore, Partition};
use std::path::PathBuf;
use std::process::Command;
use std::sync::Arc;

// Re-exported for the tests that import only this module.
#[allow(unused_imports)]
pub use super::rv;

/// The tests' handle on the module's store. Every read and change runs in
/// a child process (this test binary again, running only [`store_child`]):
/// this process has the module loaded, with its own copy of SQLite, and
/// SQLite's POSIX locks are per process, so a second copy opening and
/// closing connections on the same file here could drop the module's locks
/// (or take the last-connection path and remove the WAL under its feet).
pub struct StoreProxy {
    dir: PathBuf,
}

pub fn key_store(st: &Store) -> StoreProxy {
    StoreProxy {
        dir: st.dir.path().to_path_buf(),
    }
}

const CHILD_OP: &str = "KEYBRIDGE_TEST_STORE_OP";
const CHILD_DIR: &str = "KEYBRIDGE_TEST_STORE_DIR";
const CHILD_ARGS: &str = "KEYBRIDGE_TEST_STORE_ARGS";
const RESULT: &str = "STORE-RESULT ";

impl StoreProxy {
    /// Runs `op` with `args` in the child; returns its result lines.
    fn run(&self, op: &str, args: &[&str]) -> Vec<String> {
        let out = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "common::mfa::store_child",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_OP, op)
            .env(CHILD_DIR, &self.dir)
            .env(
                CHILD_ARGS,
                args.iter()
                    .map(|a| hex(a.as_bytes()))
                    .collect::<Vec<_>>()
                    .join(","),
            )
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{op} in the store child: {stdout}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let results: Vec<String> = stdout
            .lines()
            // libtest may have written "test ... " on the same line first.
            .filter_map(|l| l.find(RESULT).map(|i| &l[i + RESULT.len()..]))
            .map(str::to_string)
            .collect();
        assert!(
            !results.is_empty(),
            "{op}: the store child answered nothing: {stdout}"
        );
        results
    }

    pub fn add_identity(&self, identity: &str, _group: bool) -> Result<(), String> {
        self.run("add-identity", &[identity]);
        Ok(())
    }

    pub fn set_always_requires_mfa(&self, identity: &str, on: bool) -> Result<(), String> {
        self.run("always-mfa", &[identity, if on { "1" } else { "0" }]);
        Ok(())
    }
}

fn base32_decode(s: &str) -> Vec<u8> {
    const A: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (mut buf, mut bits, mut out) = (0u32, 0, Vec::new());
    for c in s.chars() {
        buf = (buf << 5) | A.find(c).unwrap() as u32;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    out
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn text(s: &str) -> String {
    String::from_utf8(unhex(s)).unwrap()
}

fn opt_text(s: &str) -> Option<String> {
    (s != "-").then(|| text(s))
}

/// Not a test of its own: the child process of [`StoreProxy`] (it does
/// nothing unless `KEYBRIDGE_TEST_STORE_OP` is set). Prints its results as
/// `STORE-RESULT ...` lines.
#[test]
fn store_child() {
    let Ok(op) = std::env::var(CHILD_OP) else {
        return;
    };
    let dir = PathBuf::from(std::env::var(CHILD_DIR).unwrap());
    let args: Vec<String> = std::env::var(CHILD_ARGS)
        .unwrap()
        .split(',')
        .filter(|a| !a.is_empty())
        .map(text)
        .collect();
    let ks = KeyStore::open(&dir.join("store.db")).unwrap();
    let partition = |label: &str| -> Partition {
        let master = SoftwareMasterKey::from_key_file(&dir.join("master.key")).unwrap();
        let session = ks.unlock(Arc::new(master)).unwrap();
        session.partition(label).unwrap()
    };
    match op.as_str() {
        "add-identity" => match ks.add_identity(&args[0], false) {
            Ok(()) | Err(keybridge_pkcs11::keystore::Error::AlreadyExists(_)) => {
                println!("{RESULT}ok")
            }
            Err(e) => panic!("{e}"),
        },
        "always-mfa" => {
            ks.set_always_requires_mfa(&args[0], args[1] == "1")
                .unwrap();
            println!("{RESULT}ok");
        }
        "enroll" => {
            let (label, now) = (&args[0], args[1].parse::<i64>().unwrap());
            let p = partition(label);
            let device = p.enroll_otp(label, TotpParams::default()).unwrap();
            let uri = device.provisioning_uri("keybridge", label);
            let b32 = uri
                .split("secret=")
                .nth(1)
                .unwrap()
                .split('&')
                .next()
                .unwrap();
            let secret = base32_decode(b32);
            p.confirm_otp(
                label,
                &code(&secret, now - 60),
                &code(&secret, now - 30),
                now,
            )
            .unwrap();
            assert!(p.otp_status(label).unwrap().unwrap().confirmed);
            println!("{RESULT}{}", hex(&secret));
        }
        "require-mfa" => {
            let (label, uid, ops, kmip_1x) = (&args[0], &args[1], &args[2], args[3] == "1");
            let (vendor, name) = if kmip_1x {
                (MFA_VENDOR_1X, MFA_ATTRIBUTE_1X)
            } else {
                (MFA_VENDOR, MFA_ATTRIBUTE)
            };
            partition(label)
                .update(uid, |o| {
                    o.attributes.custom.push(CustomAttribute {
                        vendor: Some(vendor.into()),
                        name: name.into(),
                        value: AttributeValue::TextString(ops.clone()),
                    });
                    Ok(())
                })
                .unwrap();
            println!("{RESULT}ok");
        }
        "audit" => {
            // The whole chain is checked; the records are printed one a line.
            let report = ks.verify_audit().unwrap();
            let records = ks.store().audit_records(1, 100_000).unwrap();
            assert_eq!(records.len() as u64, report.records);
            println!("{RESULT}records {}", report.records);
            for r in records {
                let e = &r.entry;
                let o = |v: &Option<String>| {
                    v.as_deref().map_or("-".to_string(), |s| hex(s.as_bytes()))
                };
                println!(
                    "{RESULT}{} {} {} {} {} {} {} {} {} {}",
                    r.seq,
                    e.time_ms,
                    hex(e.identity.as_bytes()),
                    hex(e.operation.as_bytes()),
                    o(&e.object),
                    hex(e.result.as_bytes()),
                    o(&e.client),
                    o(&e.detail),
                    hex(&r.prev_hash),
                    hex(&r.hash),
                );
            }
        }
        other => panic!("unknown store operation {other}"),
    }
}

/// A TOTP code of `secret` at time `t` (RFC 6238, SHA-1, 6 digits, 30 s).
pub fn code(secret: &[u8], t: i64) -> String {
    totp(secret, t, &TotpParams::default()).unwrap()
}

/// A code valid at none of the steps around `now`.
pub fn wrong_code(secret: &[u8], now: i64) -> String {
    let window: Vec<String> = (-2..=2).map(|i| code(secret, now + 30 * i)).collect();
    (0..10u32)
        .map(|d| format!("12345{d}"))
        .find(|c| !window.contains(c))
        .unwrap()
}

/// Enrolls and confirms a TOTP device for the token's identity (its label)
/// with the master key, as `keybridge mfa enroll` / `mfa confirm` do; the
/// confirmation uses the codes of the two steps before `now`, so the code
/// of `now` is still unused. Returns the device's secret.
pub fn enroll(_st: &Store, ks: &StoreProxy, label: &str, now: i64) -> Vec<u8> {
    unhex(&ks.run("enroll", &[label, &now.to_string()])[0])
}

/// Sets the per-object MFA policy of `uid` as a KMIP client does: the KMIP
/// 2.x Vendor Attribute `keybridge` / `mfa-required`, or (`kmip_1x`) the
/// KMIP 1.x Custom Attribute `x-keybridge-mfa-required`, whose value lists
/// the operations.
pub fn require_mfa(_st: &Store, ks: &StoreProxy, label: &str, uid: &str, ops: &str, kmip_1x: bool) {
    ks.run(
        "require-mfa",
        &[label, uid, ops, if kmip_1x { "1" } else { "0" }],
    );
}

/// The number of records in the whole audit log, after checking its chain.
pub fn audit_count(ks: &StoreProxy) -> u64 {
    let lines = ks.run("audit", &[]);
    lines[0].strip_prefix("records ").unwrap().parse().unwrap()
}

/// The audit records of token `label`, after checking the whole chain.
pub fn audit_of(ks: &StoreProxy, label: &str) -> Vec<AuditRecord> {
    let identity = format!("pkcs11:{label}");
    ks.run("audit", &[])
        .into_iter()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            let hash = |s: &str| -> [u8; 32] { unhex(s).try_into().unwrap() };
            AuditRecord {
                seq: f[0].parse().unwrap(),
                entry: AuditEntry {
                    time_ms: f[1].parse().unwrap(),
                    identity: text(f[2]),
                    operation: text(f[3]),
                    object: opt_text(f[4]),
                    result: text(f[5]),
                    client: opt_text(f[6]),
                    detail: opt_text(f[7]),
                },
                prev_hash: hash(f[8]),
                hash: hash(f[9]),
            }
        })
        .filter(|r| r.entry.identity == identity)
        .collect()
}

pub fn uid(s: &Session, o: ObjectHandle) -> String {
    match s
        .get_attributes(o, &[AttributeType::UniqueId])
        .unwrap()
        .as_slice()
    {
        [Attribute::UniqueId(u)] => String::from_utf8(u.clone()).unwrap(),
        other => panic!("no CKA_UNIQUE_ID: {other:?}"),
    }
}

/// CKA_ALWAYS_AUTHENTICATE of `o` as the module reports it.
pub fn always_authenticate(s: &Session, o: ObjectHandle) -> bool {
    match s
        .get_attributes(o, &[AttributeType::AlwaysAuthenticate])
        .unwrap()
        .as_slice()
    {
        [Attribute::AlwaysAuthenticate(b)] => *b,
        other => panic!("no CKA_ALWAYS_AUTHENTICATE: {other:?}"),
    }
}

pub fn context_login(s: &Session, pin: &str) -> Result<(), Error> {
    s.login(UserType::ContextSpecific, Some(&AuthPin::new(pin.into())))
}
