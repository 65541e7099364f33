//! Appending several audit entries in one SQLite transaction: one durable
//! commit (one fsync) for the batch instead of one per entry. Each record
//! is chained to the one before exactly as [`super::Store::append_audit`]
//! chains a single entry, and the head is updated once at the end of the
//! same transaction, so a crash leaves either the whole batch or none of it.

use super::audit_log::read_head;
use crate::audit::{self, AuditEntry};
use crate::error::Result;
use rusqlite::{params, Transaction};

pub(super) fn append(tx: &Transaction<'_>, entries: &[AuditEntry]) -> Result<()> {
    let mut head = read_head(tx)?;
    {
        let mut insert = tx.prepare_cached(
            "INSERT INTO audit (seq, time_ms, identity, operation, object, result, client, detail, prev_hash, hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        )?;
        for entry in entries {
            let rec = audit::next_record(head, entry.clone());
            let e = &rec.entry;
            insert.execute(params![
                rec.seq as i64,
                e.time_ms,
                e.identity,
                e.operation,
                e.object,
                e.result,
                e.client,
                e.detail,
                &rec.prev_hash[..],
                &rec.hash[..]
            ])?;
            head = Some((rec.seq, rec.hash));
        }
    }
    if let Some((seq, hash)) = head {
        tx.execute(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
             ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
            params![seq as i64, &hash[..]],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::audit::{verify, AuditEntry};
    use crate::storage::{sqlite::SqliteStore, Store};

    #[test]
    fn batch_is_chained_between_single_appends() {
        let dir = tempfile::tempdir().unwrap();
        let s = SqliteStore::open(&dir.path().join("store.db")).unwrap();
        let e = |i: usize| AuditEntry::now("pkcs11:t", "sign", Some(&format!("uid-{i}")), "ok");
        s.append_audit(&e(0)).unwrap();
        s.append_audit_batch(&[e(1), e(2), e(3)]).unwrap();
        s.append_audit_batch(&[]).unwrap();
        s.append_audit(&e(4)).unwrap();
        let report = verify(&s).unwrap();
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
}
