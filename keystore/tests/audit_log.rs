//! The audit log detects edits, deletions, insertions and reordering made
//! directly in the store file.

mod common;

use common::*;
use keystore::audit::AuditEntry;
use keystore::Error;
use rusqlite::Connection;

fn log_five(fx: &Fixture) -> keystore::KeyStore {
    let ks = fx.open();
    for (i, op) in ["Create", "Activate", "Get", "Revoke", "Destroy"]
        .iter()
        .enumerate()
    {
        let mut e = AuditEntry::now("alice", op, Some(&format!("uid-{i}")), "ok");
        e.client = Some("127.0.0.1:5000".into());
        ks.audit(&e).unwrap();
    }
    assert_eq!(ks.verify_audit().unwrap().records, 5);
    ks
}

fn assert_broken(ks: &keystore::KeyStore) -> String {
    match ks.verify_audit() {
        Err(Error::Integrity(m)) => m,
        other => panic!("expected the audit log to fail verification, got {other:?}"),
    }
}

#[test]
fn edited_entry() {
    let fx = Fixture::new();
    let ks = log_five(&fx);
    Connection::open(&fx.db)
        .unwrap()
        .execute("UPDATE audit SET result = 'denied' WHERE seq = 3", [])
        .unwrap();
    let m = assert_broken(&ks);
    assert!(m.contains("record 3"), "{m}");
}

#[test]
fn deleted_entry() {
    let fx = Fixture::new();
    let ks = log_five(&fx);
    Connection::open(&fx.db)
        .unwrap()
        .execute("DELETE FROM audit WHERE seq = 2", [])
        .unwrap();
    assert_broken(&ks);
}

#[test]
fn deleted_newest_entries() {
    let fx = Fixture::new();
    let ks = log_five(&fx);
    Connection::open(&fx.db)
        .unwrap()
        .execute("DELETE FROM audit WHERE seq >= 4", [])
        .unwrap();
    let m = assert_broken(&ks);
    assert!(m.contains("newest records removed"), "{m}");
}

#[test]
fn inserted_entry() {
    let fx = Fixture::new();
    let ks = log_five(&fx);
    let c = Connection::open(&fx.db).unwrap();
    // Shift records 3.. up by one and insert a forged record 3 that links to record 2.
    c.execute_batch(
        "UPDATE audit SET seq = seq + 100 WHERE seq >= 3;
         UPDATE audit SET seq = seq - 99 WHERE seq >= 100;",
    )
    .unwrap();
    let prev: Vec<u8> = c
        .query_row("SELECT hash FROM audit WHERE seq = 2", [], |r| r.get(0))
        .unwrap();
    let forged = keystore::audit::next_record(
        Some((2, prev.try_into().unwrap())),
        AuditEntry::now("mallory", "Destroy", Some("uid-x"), "ok"),
    );
    c.execute(
        "INSERT INTO audit (seq, time_ms, identity, operation, object, result, client, detail, prev_hash, hash)
         VALUES (3, ?1, 'mallory', 'Destroy', 'uid-x', 'ok', NULL, NULL, ?2, ?3)",
        rusqlite::params![forged.entry.time_ms, &forged.prev_hash[..], &forged.hash[..]],
    )
    .unwrap();
    c.execute("UPDATE audit_head SET seq = 6", []).unwrap();
    let m = assert_broken(&ks);
    assert!(m.contains("record 4"), "{m}");
}

#[test]
fn reordered_entries() {
    let fx = Fixture::new();
    let ks = log_five(&fx);
    Connection::open(&fx.db)
        .unwrap()
        .execute_batch(
            "UPDATE audit SET seq = 100 WHERE seq = 2;
             UPDATE audit SET seq = 2 WHERE seq = 4;
             UPDATE audit SET seq = 4 WHERE seq = 100;",
        )
        .unwrap();
    assert_broken(&ks);
}

#[test]
fn appends_from_two_handles_stay_chained() {
    let fx = Fixture::new();
    let a = fx.open();
    let b = fx.open();
    for i in 0..20 {
        let ks = if i % 2 == 0 { &a } else { &b };
        ks.audit(&AuditEntry::now("x", "op", None, "ok")).unwrap();
    }
    assert_eq!(a.verify_audit().unwrap().records, 20);
}
