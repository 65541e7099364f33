//! The hash-chained audit log in the SQLite store: appends go through the
//! group commit, so concurrent requests' records share one fsync while each
//! record is still chained to the one before it inside the transaction.

use super::sqlite_batch::Sync;
use super::SqliteStore;
use crate::audit::{self, AuditEntry, AuditRecord};
use crate::error::{Error, Result};
use rusqlite::{params, Connection, OptionalExtension};

/// Appends `entry`: durable when it returns, or with [`Sync::Deferred`]
/// committed but synced to the disk later (the record of a request that
/// changed nothing; see `sqlite_batch`).
pub(super) fn append_audit(
    store: &SqliteStore,
    entry: &AuditEntry,
    sync: Sync,
) -> Result<AuditRecord> {
    let entry = entry.clone();
    store.write_batched_with(sync, move |tx| {
        append_entries(tx, std::slice::from_ref(&entry))?
            .pop()
            .ok_or_else(|| Error::Storage("no audit record was written".into()))
    })
}

/// Several entries in one transaction (the PKCS#11 module's key-use
/// batches): one durable commit for all of them.
pub(super) fn append_audit_batch(store: &SqliteStore, entries: &[AuditEntry]) -> Result<()> {
    let entries = entries.to_vec();
    store.write_batched(move |tx| append_entries(tx, &entries).map(|_| ()))
}

/// Chains `entries` after the head, each to the one before exactly as a
/// single append does, and moves the head once at the end of the same
/// transaction: a crash leaves all of them or none.
pub(super) fn append_entries(
    tx: &rusqlite::Transaction<'_>,
    entries: &[AuditEntry],
) -> Result<Vec<AuditRecord>> {
    let mut head = read_head(tx)?;
    let mut out = Vec::with_capacity(entries.len());
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
        out.push(rec);
    }
    if let Some((seq, hash)) = head {
        tx.prepare_cached(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)
             ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        )?
        .execute(params![seq as i64, &hash[..]])?;
    }
    Ok(out)
}

pub(super) fn audit_records(
    store: &SqliteStore,
    from: u64,
    limit: usize,
) -> Result<Vec<AuditRecord>> {
    let conn = store.read();
    let mut stmt = conn.prepare(
        "SELECT seq, time_ms, identity, operation, object, result, client, detail, prev_hash, hash
         FROM audit WHERE seq >= ?1 ORDER BY seq LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![from as i64, limit as i64], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            AuditEntry {
                time_ms: r.get(1)?,
                identity: r.get(2)?,
                operation: r.get(3)?,
                object: r.get(4)?,
                result: r.get(5)?,
                client: r.get(6)?,
                detail: r.get(7)?,
            },
            r.get::<_, Vec<u8>>(8)?,
            r.get::<_, Vec<u8>>(9)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (seq, entry, prev, hash) = row?;
        out.push(AuditRecord {
            seq: seq as u64,
            entry,
            prev_hash: hash32(prev, "previous hash")?,
            hash: hash32(hash, "hash")?,
        });
    }
    Ok(out)
}

pub(super) fn audit_head(store: &SqliteStore) -> Result<Option<(u64, [u8; 32])>> {
    let conn = store.read();
    read_head(&conn)
}

pub(super) fn read_head(conn: &Connection) -> Result<Option<(u64, [u8; 32])>> {
    let head: Option<(i64, Vec<u8>)> = conn
        .prepare_cached("SELECT seq, hash FROM audit_head WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    match head {
        None => Ok(None),
        Some((seq, hash)) => Ok(Some((seq as u64, hash32(hash, "head hash")?))),
    }
}

fn hash32(v: Vec<u8>, what: &str) -> Result<[u8; 32]> {
    v.try_into()
        .map_err(|_| Error::Integrity(format!("audit {what} is not 32 bytes")))
}
