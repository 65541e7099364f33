//! Tests of the SQLite store.
use super::*;
use crate::audit;

fn open() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStore::open(&dir.path().join("store.db")).unwrap();
    (dir, s)
}

fn partition(s: &SqliteStore, id: &str) {
    s.insert_partition(&PartitionRow {
        id: id.into(),
        label: format!("label-{id}"),
        created: 1,
        key_under_master: Some(vec![1]),
        key_sealed: None,
        info: b"{}".to_vec(),
    })
    .unwrap();
}

fn object(uid: &str, partition: &str, label: &str) -> ObjectRow {
    ObjectRow {
        uid: uid.into(),
        partition: partition.into(),
        object_type: 2,
        state: 1,
        label: Some(label.into()),
        key_id: Some(vec![7]),
        attributes: b"{}".to_vec(),
        value: Some(vec![9; 40]),
        protected: true,
        mac: vec![0; 32],
        revision: 1,
    }
}

#[test]
fn schema_is_current_and_wal_is_on() {
    let (_d, s) = open();
    assert_eq!(s.schema_version().unwrap() as usize, MIGRATIONS.len());
    let conn = s.conn.lock();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn reopening_does_not_migrate_twice() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.db");
    drop(SqliteStore::open(&p).unwrap());
    let s = SqliteStore::open(&p).unwrap();
    assert_eq!(s.schema_version().unwrap() as usize, MIGRATIONS.len());
}

#[test]
fn refuses_newer_schema() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s.db");
    {
        let c = Connection::open(&p).unwrap();
        c.pragma_update(None, "user_version", 99).unwrap();
    }
    let err = SqliteStore::open(&p).err().unwrap().to_string();
    assert!(err.contains("newer"), "{err}");
}

#[test]
fn store_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let (d, _s) = open();
    let mode = std::fs::metadata(d.path().join("store.db"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o077, 0);
}

#[test]
fn object_crud_and_optimistic_update() {
    let (_d, s) = open();
    partition(&s, "p1");
    let mut o = object("u1", "p1", "k");
    s.insert_object(&o).unwrap();
    assert!(matches!(s.insert_object(&o), Err(Error::AlreadyExists(_))));
    assert_eq!(s.get_object("u1").unwrap().unwrap(), o);
    assert_eq!(
        s.object_partition_label("u1").unwrap().as_deref(),
        Some("label-p1")
    );
    assert_eq!(s.object_partition_label("nope").unwrap(), None);
    o.revision = 2;
    o.state = 2;
    assert!(s.update_object(&o).unwrap());
    assert!(
        !s.update_object(&o).unwrap(),
        "stale revision must not write"
    );
    assert_eq!(s.get_object("u1").unwrap().unwrap().state, 2);
    assert!(s.delete_object("u1").unwrap());
    assert!(!s.delete_object("u1").unwrap());
    assert!(s.get_object("u1").unwrap().is_none());
    assert_eq!(s.object_partition_label("u1").unwrap(), None);
}

/// Look-ups that never return destroyed objects skip their rows in SQL, so
/// their cost does not grow with every key ever destroyed.
#[test]
fn find_can_leave_out_destroyed_objects() {
    let (_d, s) = open();
    partition(&s, "p1");
    for (uid, state) in [
        ("live", 2),
        ("destroyed", 5),
        ("compromised", 6),
        ("pre", 1),
    ] {
        let mut o = object(uid, "p1", uid);
        o.state = state;
        s.insert_object(&o).unwrap();
    }
    let uids = |exclude_destroyed: bool| -> Vec<String> {
        s.find_objects(&ObjectQuery {
            partition: Some("p1".into()),
            exclude_destroyed,
            ..Default::default()
        })
        .unwrap()
        .into_iter()
        .map(|r| r.uid)
        .collect()
    };
    assert_eq!(uids(true), ["live", "pre"]);
    assert_eq!(uids(false), ["live", "destroyed", "compromised", "pre"]);
}

#[test]
fn find_by_each_index() {
    let (_d, s) = open();
    partition(&s, "p1");
    partition(&s, "p2");
    s.insert_object(&object("a", "p1", "x")).unwrap();
    let mut b = object("b", "p1", "y");
    b.key_id = Some(vec![8]);
    b.object_type = 4;
    s.insert_object(&b).unwrap();
    s.insert_object(&object("c", "p2", "x")).unwrap();
    let uids = |q: ObjectQuery| -> Vec<String> {
        s.find_objects(&q)
            .unwrap()
            .into_iter()
            .map(|r| r.uid)
            .collect()
    };
    assert_eq!(uids(ObjectQuery::default()), ["a", "b", "c"]);
    assert_eq!(
        uids(ObjectQuery {
            partition: Some("p1".into()),
            ..Default::default()
        }),
        ["a", "b"]
    );
    assert_eq!(
        uids(ObjectQuery {
            label: Some("x".into()),
            ..Default::default()
        }),
        ["a", "c"]
    );
    assert_eq!(
        uids(ObjectQuery {
            key_id: Some(vec![8]),
            ..Default::default()
        }),
        ["b"]
    );
    assert_eq!(
        uids(ObjectQuery {
            object_type: Some(4),
            ..Default::default()
        }),
        ["b"]
    );
    assert_eq!(
        uids(ObjectQuery {
            partition: Some("p2".into()),
            label: Some("x".into()),
            state: Some(1),
            ..Default::default()
        }),
        ["c"]
    );
}

#[test]
fn deleting_a_partition_removes_its_objects_and_pins() {
    let (_d, s) = open();
    partition(&s, "p1");
    s.insert_object(&object("a", "p1", "x")).unwrap();
    s.put_pin(&PinRow {
        partition: "p1".into(),
        role: PinRole::User,
        kdf: vec![],
        wrapped_key: vec![1],
        failures: 0,
    })
    .unwrap();
    assert!(s.delete_partition("p1").unwrap());
    assert!(s.get_object("a").unwrap().is_none());
    assert!(s.get_pin("p1", PinRole::User).unwrap().is_none());
}

#[test]
fn pin_failures_count_and_reset() {
    let (_d, s) = open();
    partition(&s, "p1");
    s.put_pin(&PinRow {
        partition: "p1".into(),
        role: PinRole::User,
        kdf: vec![],
        wrapped_key: vec![1],
        failures: 0,
    })
    .unwrap();
    assert_eq!(s.record_pin_failure("p1", PinRole::User).unwrap(), 1);
    assert_eq!(s.record_pin_failure("p1", PinRole::User).unwrap(), 2);
    s.reset_pin_failures("p1", PinRole::User).unwrap();
    assert_eq!(s.get_pin("p1", PinRole::User).unwrap().unwrap().failures, 0);
    assert!(s
        .record_pin_failure("p1", PinRole::SecurityOfficer)
        .is_err());
}

#[test]
fn meta_insert_is_first_writer_wins() {
    let (_d, s) = open();
    assert!(s.meta_insert(&[("k", b"one"), ("j", b"1")]).unwrap());
    assert!(!s.meta_insert(&[("x", b"two"), ("k", b"two")]).unwrap());
    assert_eq!(s.meta_get("k").unwrap().unwrap(), b"one");
    assert!(s.meta_get("x").unwrap().is_none(), "all or nothing");
}

#[test]
fn audit_appends_chain_and_verify() {
    let (_d, s) = open();
    for i in 0..3 {
        s.append_audit(&AuditEntry::now(
            "alice",
            "Get",
            Some(&format!("u{i}")),
            "ok",
        ))
        .unwrap();
    }
    let recs = s.audit_records(1, 100).unwrap();
    assert_eq!(recs.len(), 3);
    assert_eq!(recs[1].prev_hash, recs[0].hash);
    assert_eq!(s.audit_head().unwrap().unwrap(), (3, recs[2].hash));
    assert_eq!(audit::verify(&s).unwrap().records, 3);
}

#[test]
fn concurrent_writes_all_land_chained_and_are_read_back() {
    // Group commit: many writers at once, each write visible to a read
    // right after it returns, the audit chain intact.
    let (_d, s) = open();
    partition(&s, "p");
    let s = std::sync::Arc::new(s);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let s = s.clone();
            std::thread::spawn(move || {
                for i in 0..40 {
                    let uid = format!("u-{t}-{i}");
                    s.insert_object(&object(&uid, "p", "l")).unwrap();
                    assert!(s.get_object(&uid).unwrap().is_some(), "read after write");
                    s.append_audit(&AuditEntry::now("alice", "Create", Some(&uid), "ok"))
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let all = s
        .find_objects(&ObjectQuery {
            partition: Some("p".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.len(), 8 * 40);
    assert_eq!(audit::verify(&*s).unwrap().records, 8 * 40);
}

#[test]
fn a_failing_write_does_not_take_its_batch_down() {
    let (_d, s) = open();
    partition(&s, "p");
    s.insert_object(&object("taken", "p", "l")).unwrap();
    let s = std::sync::Arc::new(s);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let s = s.clone();
            std::thread::spawn(move || {
                let mut refused = 0;
                for i in 0..30 {
                    // Every third write collides with an existing uid.
                    let uid = if i % 3 == 0 {
                        "taken".to_string()
                    } else {
                        format!("u-{t}-{i}")
                    };
                    match s.insert_object(&object(&uid, "p", "l")) {
                        Ok(()) => {}
                        Err(Error::AlreadyExists(_)) => refused += 1,
                        Err(e) => panic!("{e}"),
                    }
                }
                refused
            })
        })
        .collect();
    let refused: usize = threads.into_iter().map(|t| t.join().unwrap()).sum();
    assert_eq!(refused, 8 * 10);
    let all = s
        .find_objects(&ObjectQuery {
            partition: Some("p".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.len(), 1 + 8 * 20);
}

#[test]
fn readers_cannot_write() {
    let (_d, s) = open();
    let r = s.read();
    assert!(r
        .execute("INSERT INTO meta (key, value) VALUES ('x', x'00')", [])
        .is_err());
}

#[test]
fn two_stores_on_one_file_keep_one_chain() {
    // Two processes' stores (here two handles on one file), each batching
    // its own writers: SQLite's write lock orders their batches, and every
    // record still links to the one before it.
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("store.db");
    let a = std::sync::Arc::new(SqliteStore::open(&p).unwrap());
    let b = std::sync::Arc::new(SqliteStore::open(&p).unwrap());
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let s = if t % 2 == 0 { a.clone() } else { b.clone() };
            std::thread::spawn(move || {
                for i in 0..25 {
                    let obj = format!("o-{t}-{i}");
                    s.append_audit(&AuditEntry::now("alice", "Get", Some(&obj), "ok"))
                        .unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    assert_eq!(audit::verify(&*a).unwrap().records, 8 * 25);
    assert_eq!(audit::verify(&*b).unwrap().records, 8 * 25);
}

#[test]
fn batch_is_chained_between_single_appends() {
    let dir = tempfile::tempdir().unwrap();
    let s = SqliteStore::open(&dir.path().join("store.db")).unwrap();
    let e = |i: usize| AuditEntry::now("pkcs11:t", "sign", Some(&format!("uid-{i}")), "ok");
    s.append_audit(&e(0)).unwrap();
    s.append_audit_batch(&[e(1), e(2), e(3)]).unwrap();
    s.append_audit_batch(&[]).unwrap();
    s.append_audit(&e(4)).unwrap();
    let report = audit::verify(&s).unwrap();
    assert_eq!(report.records, 5);
    let objects: Vec<Option<String>> = s
        .audit_records(1, 10)
        .unwrap()
        .into_iter()
        .map(|r| r.entry.object)
        .collect();
    let want: Vec<Option<String>> = (0..5).map(|i| Some(format!("uid-{i}"))).collect();
    assert_eq!(objects, want);
}

/// A deferred audit append goes to the journal at once and into the chain
/// with the next flush (chained after the durable records before it); a
/// batch of only such records commits with `synchronous = NORMAL`, a
/// durable write switches back to FULL, and the background syncer takes
/// the pending flag down.
#[test]
fn deferred_audit_goes_through_the_journal_into_the_chain() {
    let (dir, s) = open();
    let synchronous = |s: &SqliteStore| -> i64 {
        s.conn
            .lock()
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(synchronous(&s), 2, "FULL until a deferred batch runs");
    let first = s
        .append_audit(&AuditEntry::now("alice", "kmip:Create", Some("k1"), "ok"))
        .unwrap();
    for _ in 0..3 {
        s.append_audit_deferred(&AuditEntry::now("alice", "kmip:Get", Some("k1"), "ok"))
            .unwrap();
    }
    let journal = sqlite_journal::path_of(&dir.path().join("store.db"));
    assert!(
        std::fs::metadata(&journal).unwrap().len() > sqlite_journal::HEADER_LEN,
        "the records are in the journal file"
    );
    // Reading the log flushes this process's journal first.
    let records = s.audit_records(0, 10).unwrap();
    assert_eq!(records.len(), 4);
    assert_eq!(records[1].seq, first.seq + 1);
    assert_eq!(records[1].prev_hash, first.hash);
    assert!(records[1..].iter().all(|r| r.entry.operation == "kmip:Get"));
    assert_eq!(
        synchronous(&s),
        1,
        "a deferred-only batch commits with NORMAL"
    );

    let mut waited = 0;
    while s.batch.unsynced_pending() {
        assert!(waited < 500, "the WAL syncer never ran");
        std::thread::sleep(Duration::from_millis(10));
        waited += 1;
    }
    s.append_audit(&AuditEntry::now("alice", "kmip:Destroy", Some("k1"), "ok"))
        .unwrap();
    assert_eq!(synchronous(&s), 2, "a durable write syncs its commit again");
    let report = crate::audit::verify(&s).unwrap();
    assert_eq!(report.records, 5);
}

fn get(i: i64) -> AuditEntry {
    let mut e = AuditEntry::now("alice", "kmip:Get", Some("k1"), "ok");
    e.time_ms = i;
    e
}

/// Records a killed process left in the journal are added when the store
/// is next opened, once: from the flushed offset when the journal is the
/// one the store last flushed, from its start when it is a newer
/// generation; a record cut short ends the replay.
#[test]
fn a_journal_left_by_a_dead_process_is_replayed_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("store.db");
    let journal = sqlite_journal::path_of(&db);
    {
        let s = SqliteStore::open(&db).unwrap();
        s.append_audit_deferred(&get(1)).unwrap();
        s.append_audit_deferred(&get(2)).unwrap();
        // Closing flushes them.
    }
    // Appended after the last flush, then the process died.
    let mut bytes = std::fs::read(&journal).unwrap();
    bytes.extend(sqlite_journal::encode(&get(3)));
    std::fs::write(&journal, &bytes).unwrap();
    let times = |s: &SqliteStore| -> Vec<i64> {
        s.audit_records(0, 100)
            .unwrap()
            .iter()
            .map(|r| r.entry.time_ms)
            .collect()
    };
    {
        let s = SqliteStore::open(&db).unwrap();
        assert_eq!(times(&s), [1, 2, 3], "only the unflushed record is added");
        assert_eq!(
            std::fs::metadata(&journal).unwrap().len(),
            sqlite_journal::HEADER_LEN,
            "the journal starts afresh"
        );
    }
    // A newer generation the store never flushed: all of it, up to a torn
    // record.
    let mut bytes = b"KBAUDJ01".to_vec();
    bytes.extend_from_slice(&u64::MAX.to_le_bytes());
    bytes.extend(sqlite_journal::encode(&get(4)));
    bytes.extend(sqlite_journal::encode(&get(5)));
    let torn = sqlite_journal::encode(&get(6));
    bytes.extend_from_slice(&torn[..torn.len() - 3]);
    std::fs::write(&journal, &bytes).unwrap();
    let s = SqliteStore::open(&db).unwrap();
    assert_eq!(times(&s), [1, 2, 3, 4, 5]);
    drop(s);
    let s = SqliteStore::open(&db).unwrap();
    assert_eq!(times(&s), [1, 2, 3, 4, 5], "nothing is added twice");
    assert_eq!(crate::audit::verify(&s).unwrap().records, 5);
}

/// One store journals; another on the same file (as another process
/// would) appends to the log directly; every record is in one chain.
#[test]
fn a_second_store_on_the_file_appends_reads_directly() {
    let (dir, a) = open();
    let b = SqliteStore::open(&dir.path().join("store.db")).unwrap();
    for i in 0..10 {
        a.append_audit_deferred(&get(i)).unwrap();
        b.append_audit_deferred(&get(100 + i)).unwrap();
    }
    let in_b = b.audit_records(0, 100).unwrap().len();
    assert!(in_b >= 10, "b's records are in the log at once: {in_b}");
    assert_eq!(a.audit_records(0, 100).unwrap().len(), 20);
    assert_eq!(crate::audit::verify(&a).unwrap().records, 20);
}

/// The journal is rewritten once it is past its size bound and flushed;
/// no record is lost or doubled across rewrites.
#[test]
fn the_journal_is_rewritten_once_flushed() {
    let (dir, s) = open();
    let journal = sqlite_journal::path_of(&dir.path().join("store.db"));
    let record = sqlite_journal::encode(&get(0)).len() as u64;
    let n = 3 * sqlite_journal::ROTATE_AT / record;
    for i in 0..n as i64 {
        s.append_audit_deferred(&get(i)).unwrap();
        if i % 16 == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let records = s.audit_records(0, n as usize + 1).unwrap();
    assert_eq!(records.len() as u64, n);
    assert!(records
        .iter()
        .enumerate()
        .all(|(i, r)| r.entry.time_ms == i as i64));
    let mut waited = 0;
    while std::fs::metadata(&journal).unwrap().len() >= sqlite_journal::ROTATE_AT {
        assert!(waited < 500, "the journal was never rewritten");
        std::thread::sleep(Duration::from_millis(10));
        waited += 1;
    }
    let generation: i64 = s
        .conn
        .lock()
        .query_row("SELECT generation FROM audit_journal", [], |r| r.get(0))
        .unwrap();
    assert!(
        generation > 1,
        "rewritten with a new generation: {generation}"
    );
    drop(s);
    let s = SqliteStore::open(&dir.path().join("store.db")).unwrap();
    assert_eq!(crate::audit::verify(&s).unwrap().records, n);
}
