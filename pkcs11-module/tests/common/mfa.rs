//! One-time passwords, MFA policies and the audit log, as the tests of the
//! context-specific login set them up and read them: with the key store API
//! on the module's own store file, as `keybridge mfa enroll` and `keybridge
//! key require-mfa` do.

use super::Store;
use cryptoki::error::{Error, RvError};
use cryptoki::object::{Attribute, AttributeType, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use keybridge_pkcs11::keystore::access::{
    MFA_ATTRIBUTE, MFA_ATTRIBUTE_1X, MFA_VENDOR, MFA_VENDOR_1X,
};
use keybridge_pkcs11::keystore::audit::AuditRecord;
use keybridge_pkcs11::keystore::hierarchy::SoftwareMasterKey;
use keybridge_pkcs11::keystore::mfa::{totp, TotpParams};
use keybridge_pkcs11::keystore::object::{AttributeValue, CustomAttribute};
use keybridge_pkcs11::keystore::{KeyStore, Partition};
use std::sync::Arc;

pub fn rv<T: std::fmt::Debug>(r: Result<T, Error>) -> RvError {
    match r {
        Err(Error::Pkcs11(rv, _)) => rv,
        other => panic!("expected a PKCS#11 error, got {other:?}"),
    }
}

/// The test's own handle on the module's store. One per test, kept until
/// the end: the module carries its own copy of SQLite, and SQLite's POSIX
/// locks are per process, so a second connection closed while the module's
/// is open would take the last-connection path (checkpoint and remove the
/// WAL) under the module's feet.
pub fn key_store(st: &Store) -> KeyStore {
    KeyStore::open(&st.dir.path().join("store.db")).unwrap()
}

/// The partition of token `label`, unlocked with the master key as the
/// `keybridge` command does.
pub fn partition(st: &Store, ks: &KeyStore, label: &str) -> Partition {
    let master = SoftwareMasterKey::from_key_file(&st.dir.path().join("master.key")).unwrap();
    let session = ks.unlock(Arc::new(master)).unwrap();
    session.partition(label).unwrap()
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
pub fn enroll(st: &Store, ks: &KeyStore, label: &str, now: i64) -> Vec<u8> {
    let p = partition(st, ks, label);
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
    secret
}

/// Sets the per-object MFA policy of `uid` as a KMIP client does: the KMIP
/// 2.x Vendor Attribute `keybridge` / `mfa-required`, or (`kmip_1x`) the
/// KMIP 1.x Custom Attribute `x-keybridge-mfa-required`, whose value lists
/// the operations.
pub fn require_mfa(st: &Store, ks: &KeyStore, label: &str, uid: &str, ops: &str, kmip_1x: bool) {
    let (vendor, name) = if kmip_1x {
        (MFA_VENDOR_1X, MFA_ATTRIBUTE_1X)
    } else {
        (MFA_VENDOR, MFA_ATTRIBUTE)
    };
    partition(st, ks, label)
        .update(uid, |o| {
            o.attributes.custom.push(CustomAttribute {
                vendor: Some(vendor.into()),
                name: name.into(),
                value: AttributeValue::TextString(ops.into()),
            });
            Ok(())
        })
        .unwrap();
}

/// The audit records of token `label`, after checking the whole chain.
pub fn audit_of(ks: &KeyStore, label: &str) -> Vec<AuditRecord> {
    let report = ks.verify_audit().unwrap();
    let records = ks.store().audit_records(1, 100_000).unwrap();
    assert_eq!(records.len() as u64, report.records);
    let identity = format!("pkcs11:{label}");
    records
        .into_iter()
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
