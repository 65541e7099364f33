//! The embedded SQLite store: one file, WAL, shared by every process.
//!
//! Several processes (the server and any application that loaded the PKCS#11
//! module) open the same file. SQLite's locking serializes their writes;
//! every write runs in `BEGIN IMMEDIATE`, so a writer takes the write lock
//! before reading what it will change and never has to be rolled back for a
//! lock upgrade, and a busy timeout makes writers queue instead of failing.
//! `synchronous = FULL` makes a committed transaction survive power loss.

use super::{
    GrantRow, IdentityRow, ObjectQuery, ObjectRow, OtpDeviceRow, PartitionRow, PinRole, PinRow,
    Store,
};
use crate::audit::{AuditEntry, AuditRecord};
use crate::error::{Error, Result};
use crate::lifecycle::State;
use parking_lot::Mutex;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long a writer waits for another process's write lock before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

use super::sqlite_schema::MIGRATIONS;

/// Connections for reads, beside the one that writes: in WAL mode a reader
/// sees the last committed state without waiting for a commit's fsync, so
/// reads go on while a batch of writes is being made durable.
const READERS: usize = 4;

/// The SQLite back end. Per process: one connection that writes (behind a
/// mutex, fed by [`sqlite_batch::GroupCommit`]) and a few that only read;
/// the file is what processes share.
pub struct SqliteStore {
    /// The writing connection (shared with the group commit).
    conn: Arc<Mutex<Connection>>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// Dropped before `batch`: its flusher's last commit goes through it.
    journal: std::sync::OnceLock<Option<sqlite_journal::Journal>>,
    batch: sqlite_batch::GroupCommit,
    path: PathBuf,
}

impl SqliteStore {
    /// Opens (creating if needed) the store file at `path` and brings its
    /// schema up to date. The file is created readable by its owner only.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            create_private_dir(dir)?;
        }
        let conn = Connection::open(path)?;
        restrict_permissions(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // journal_mode returns a row; the others don't.
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Storage(format!(
                "{}: could not switch to WAL journal (got {mode})",
                path.display()
            )));
        }
        conn.execute_batch(
            "PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA secure_delete = ON;",
        )?;
        let conn = Arc::new(Mutex::new(conn));
        let mut store = SqliteStore {
            conn: conn.clone(),
            readers: Vec::new(),
            next_reader: AtomicUsize::new(0),
            journal: std::sync::OnceLock::new(),
            batch: sqlite_batch::GroupCommit::new(path, conn),
            path: path.to_path_buf(),
        };
        store.migrate()?;
        // Records a process that died left in the audit journal.
        sqlite_journal::recover(path, &store.batch.writer())?;
        for _ in 0..READERS {
            let r = Connection::open(path)?;
            r.busy_timeout(BUSY_TIMEOUT)?;
            // A reader never writes: a bug that tried would fail here
            // instead of bypassing the writer's transactions.
            r.execute_batch("PRAGMA query_only = ON;")?;
            store.readers.push(Mutex::new(r));
        }
        Ok(store)
    }

    /// A connection for one read: a free reader if there is one, else the
    /// next in turn (every read is one short autocommit statement, which
    /// sees every write committed before it started).
    fn read(&self) -> parking_lot::MutexGuard<'_, Connection> {
        for r in &self.readers {
            if let Some(guard) = r.try_lock() {
                return guard;
            }
        }
        let i = self.next_reader.fetch_add(1, Ordering::Relaxed);
        match self.readers.get(i % self.readers.len().max(1)) {
            Some(r) => r.lock(),
            None => self.conn.lock(),
        }
    }

    /// A write committed together with concurrent ones (group commit);
    /// durable when it returns Ok.
    fn write_batched<T, F>(&self, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T> + Send + 'static,
    {
        self.write_batched_with(sqlite_batch::Sync::Durable, work)
    }

    /// A write committed together with concurrent ones before it returns;
    /// with [`sqlite_batch::Sync::Deferred`] synced to the disk up to
    /// [`sqlite_batch::SYNC_DEFER`] later (see [`sqlite_batch`]).
    fn write_batched_with<T, F>(&self, sync: sqlite_batch::Sync, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&rusqlite::Transaction<'_>) -> Result<T> + Send + 'static,
    {
        self.batch.write(sync, work)
    }

    /// The audit journal, opened by the first deferred append (`None`:
    /// another process journals, or it could not be opened).
    fn journal(&self) -> Option<&sqlite_journal::Journal> {
        self.journal
            .get_or_init(|| {
                self.batch.start_syncer();
                match sqlite_journal::Journal::open(&self.path, self.batch.writer()) {
                    Ok(j) => j,
                    Err(e) => {
                        eprintln!("keybridge: audit journal unavailable, appending reads' records to the store directly: {e}");
                        None
                    }
                }
            })
            .as_ref()
    }

    /// Waits until the records in this process's audit journal are in
    /// the store (before reading the log).
    fn flush_journal(&self) {
        if let Some(Some(j)) = self.journal.get() {
            j.flush();
        }
    }

    /// The file this store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version of the open file.
    pub fn schema_version(&self) -> Result<u32> {
        let conn = self.read();
        Ok(conn.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0))?)
    }

    fn migrate(&self) -> Result<()> {
        let mut conn = self.conn.lock();
        // IMMEDIATE: two processes opening a new file at once must not both
        // run the same migration.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let version: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        let version = usize::try_from(version)
            .map_err(|_| Error::Integrity(format!("store schema version {version} is invalid")))?;
        if version > MIGRATIONS.len() {
            return Err(Error::Storage(format!(
                "store schema version {version} is newer than this keybridge understands ({})",
                MIGRATIONS.len()
            )));
        }
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(version) {
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        }
        tx.commit()?;
        Ok(())
    }

    fn write<T>(&self, f: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T>) -> Result<T> {
        let mut conn = self.conn.lock();
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }
}

fn create_private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))
}

fn restrict_permissions(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path.display(), e))?;
    if meta.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
            .map_err(|e| Error::io(format!("restricting {}", path.display()), e))?;
    }
    Ok(())
}

const OBJECT_COLUMNS: &str =
    "uid, partition, object_type, state, label, key_id, attributes, value, protected, mac, revision";

/// Bytes of a column whatever its storage class: a row edited outside
/// keybridge may hold TEXT where a BLOB belongs, and must then fail the
/// record's integrity check rather than the read.
fn bytes(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<Vec<u8>>> {
    use rusqlite::types::ValueRef;
    Ok(match r.get_ref(i)? {
        ValueRef::Null => None,
        ValueRef::Blob(b) | ValueRef::Text(b) => Some(b.to_vec()),
        ValueRef::Integer(n) => Some(n.to_be_bytes().to_vec()),
        ValueRef::Real(x) => Some(x.to_be_bytes().to_vec()),
    })
}

fn object_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ObjectRow> {
    Ok(ObjectRow {
        uid: r.get(0)?,
        partition: r.get(1)?,
        object_type: r.get(2)?,
        state: r.get(3)?,
        label: r.get(4)?,
        key_id: bytes(r, 5)?,
        attributes: bytes(r, 6)?.unwrap_or_default(),
        value: bytes(r, 7)?,
        protected: r.get(8)?,
        mac: bytes(r, 9)?.unwrap_or_default(),
        revision: r.get(10)?,
    })
}

const PARTITION_COLUMNS: &str = "id, label, created, key_under_master, key_sealed, info";

fn partition_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<PartitionRow> {
    Ok(PartitionRow {
        id: r.get(0)?,
        label: r.get(1)?,
        created: r.get(2)?,
        key_under_master: r.get(3)?,
        key_sealed: r.get(4)?,
        info: r.get(5)?,
    })
}

fn is_unique_violation(e: &rusqlite::Error) -> bool {
    matches!(
        e,
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY
    )
}

impl Store for SqliteStore {
    fn meta_get(&self, key: &str) -> Result<Option<Vec<u8>>> {
        let conn = self.read();
        Ok(conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    fn meta_insert(&self, entries: &[(&str, &[u8])]) -> Result<bool> {
        self.write(|tx| {
            for (key, _) in entries {
                let exists: Option<i64> = tx
                    .query_row("SELECT 1 FROM meta WHERE key = ?1", [key], |r| r.get(0))
                    .optional()?;
                if exists.is_some() {
                    return Ok(false);
                }
            }
            for (key, value) in entries {
                tx.execute(
                    "INSERT INTO meta (key, value) VALUES (?1, ?2)",
                    params![key, value],
                )?;
            }
            Ok(true)
        })
    }

    fn insert_partition(&self, row: &PartitionRow) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO partitions (id, label, created, key_under_master, key_sealed, info)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    row.id,
                    row.label,
                    row.created,
                    row.key_under_master,
                    row.key_sealed,
                    row.info
                ],
            )
            .map_err(|e| {
                if is_unique_violation(&e) {
                    Error::AlreadyExists(format!("partition {:?}", row.label))
                } else {
                    e.into()
                }
            })?;
            Ok(())
        })
    }

    fn get_partition(&self, id: &str) -> Result<Option<PartitionRow>> {
        let conn = self.read();
        let sql = format!("SELECT {PARTITION_COLUMNS} FROM partitions WHERE id = ?1");
        let mut stmt = conn.prepare_cached(&sql)?;
        let row = stmt.query_row([id], partition_from_row).optional()?;
        Ok(row)
    }

    fn find_partition_by_label(&self, label: &str) -> Result<Option<PartitionRow>> {
        let conn = self.read();
        let sql = format!("SELECT {PARTITION_COLUMNS} FROM partitions WHERE label = ?1");
        Ok(conn
            .query_row(&sql, [label], partition_from_row)
            .optional()?)
    }

    fn list_partitions(&self) -> Result<Vec<PartitionRow>> {
        let conn = self.read();
        let sql = format!("SELECT {PARTITION_COLUMNS} FROM partitions ORDER BY created, id");
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map([], partition_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn update_partition(&self, row: &PartitionRow) -> Result<()> {
        self.write(|tx| {
            let n = tx.execute(
                "UPDATE partitions SET label = ?2, key_under_master = ?3, key_sealed = ?4, info = ?5
                 WHERE id = ?1",
                params![row.id, row.label, row.key_under_master, row.key_sealed, row.info],
            )?;
            if n == 0 {
                return Err(Error::NotFound(format!("partition {}", row.id)));
            }
            Ok(())
        })
    }

    fn delete_partition(&self, id: &str) -> Result<bool> {
        self.write(|tx| Ok(tx.execute("DELETE FROM partitions WHERE id = ?1", [id])? == 1))
    }

    fn clear_partition_objects(&self, id: &str) -> Result<u64> {
        self.write(|tx| Ok(tx.execute("DELETE FROM objects WHERE partition = ?1", [id])? as u64))
    }

    fn put_pin(&self, row: &PinRow) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "INSERT INTO pins (partition, role, kdf, wrapped_key, failures)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT(partition, role) DO UPDATE SET
                     kdf = excluded.kdf, wrapped_key = excluded.wrapped_key,
                     failures = excluded.failures",
                params![
                    row.partition,
                    row.role.as_str(),
                    row.kdf,
                    row.wrapped_key,
                    row.failures
                ],
            )?;
            Ok(())
        })
    }

    fn get_pin(&self, partition: &str, role: PinRole) -> Result<Option<PinRow>> {
        let conn = self.read();
        Ok(conn
            .query_row(
                "SELECT kdf, wrapped_key, failures FROM pins WHERE partition = ?1 AND role = ?2",
                params![partition, role.as_str()],
                |r| {
                    Ok(PinRow {
                        partition: partition.to_string(),
                        role,
                        kdf: r.get(0)?,
                        wrapped_key: r.get(1)?,
                        failures: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    fn delete_pin(&self, partition: &str, role: PinRole) -> Result<bool> {
        self.write(|tx| {
            Ok(tx.execute(
                "DELETE FROM pins WHERE partition = ?1 AND role = ?2",
                params![partition, role.as_str()],
            )? == 1)
        })
    }

    fn record_pin_failure(&self, partition: &str, role: PinRole) -> Result<u32> {
        self.write(|tx| {
            let n: Option<u32> = tx
                .query_row(
                    "UPDATE pins SET failures = failures + 1 WHERE partition = ?1 AND role = ?2
                     RETURNING failures",
                    params![partition, role.as_str()],
                    |r| r.get(0),
                )
                .optional()?;
            n.ok_or_else(|| {
                Error::NotFound(format!("{} PIN of partition {partition}", role.as_str()))
            })
        })
    }

    fn reset_pin_failures(&self, partition: &str, role: PinRole) -> Result<()> {
        self.write(|tx| {
            tx.execute(
                "UPDATE pins SET failures = 0 WHERE partition = ?1 AND role = ?2 AND failures != 0",
                params![partition, role.as_str()],
            )?;
            Ok(())
        })
    }

    fn insert_object(&self, row: &ObjectRow) -> Result<()> {
        let row = row.clone();
        self.write_batched(move |tx| {
            tx.prepare_cached(
                &format!("INSERT INTO objects ({OBJECT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"),
            )?
            .execute(
                params![
                    row.uid, row.partition, row.object_type, row.state, row.label, row.key_id,
                    row.attributes, row.value, row.protected, row.mac, row.revision
                ],
            )
            .map_err(|e| {
                if is_unique_violation(&e) {
                    Error::AlreadyExists(format!("object {}", row.uid))
                } else {
                    e.into()
                }
            })?;
            Ok(())
        })
    }

    fn get_object(&self, uid: &str) -> Result<Option<ObjectRow>> {
        let conn = self.read();
        let sql = format!("SELECT {OBJECT_COLUMNS} FROM objects WHERE uid = ?1");
        let mut stmt = conn.prepare_cached(&sql)?;
        let row = stmt.query_row([uid], object_from_row).optional()?;
        Ok(row)
    }

    fn object_partition_label(&self, uid: &str) -> Result<Option<String>> {
        let conn = self.read();
        // A scalar subquery, not a join: SQLite re-prepares a join whose
        // WHERE compares a column with a bound parameter on every run (its
        // plan may depend on the value), which cost more than the lookup.
        let mut stmt = conn.prepare_cached(
            "SELECT label FROM partitions
             WHERE id = (SELECT partition FROM objects WHERE uid = ?1)",
        )?;
        Ok(stmt.query_row([uid], |r| r.get(0)).optional()?)
    }

    fn update_object(&self, row: &ObjectRow) -> Result<bool> {
        let row = row.clone();
        self.write_batched(move |tx| {
            let n = tx
                .prepare_cached(
                    "UPDATE objects SET object_type = ?3, state = ?4, label = ?5, key_id = ?6,
                     attributes = ?7, value = ?8, protected = ?9, mac = ?10, revision = ?11
                 WHERE uid = ?1 AND partition = ?2 AND revision = ?11 - 1",
                )?
                .execute(params![
                    row.uid,
                    row.partition,
                    row.object_type,
                    row.state,
                    row.label,
                    row.key_id,
                    row.attributes,
                    row.value,
                    row.protected,
                    row.mac,
                    row.revision
                ])?;
            Ok(n == 1)
        })
    }

    fn delete_object(&self, uid: &str) -> Result<bool> {
        let uid = uid.to_string();
        self.write_batched(move |tx| {
            Ok(tx.execute("DELETE FROM objects WHERE uid = ?1", [uid])? == 1)
        })
    }

    fn find_objects(&self, q: &ObjectQuery) -> Result<Vec<ObjectRow>> {
        let conn = self.read();
        let mut sql = format!("SELECT {OBJECT_COLUMNS} FROM objects WHERE 1 = 1");
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        let mut filter = |column: &str, v: rusqlite::types::Value| {
            args.push(v);
            sql.push_str(&format!(" AND {column} = ?{}", args.len()));
        };
        if let Some(p) = &q.partition {
            filter("partition", p.clone().into());
        }
        if let Some(t) = q.object_type {
            filter("object_type", t.into());
        }
        if let Some(l) = &q.label {
            filter("label", l.clone().into());
        }
        if let Some(k) = &q.key_id {
            filter("key_id", k.clone().into());
        }
        if let Some(s) = q.state {
            filter("state", s.into());
        }
        if q.exclude_destroyed {
            sql.push_str(&format!(
                " AND state NOT IN ({}, {})",
                State::Destroyed.to_kmip(),
                State::DestroyedCompromised.to_kmip()
            ));
        }
        sql.push_str(" ORDER BY seq");
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), object_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn append_audit(&self, entry: &AuditEntry) -> Result<AuditRecord> {
        audit_log::append_audit(self, entry, sqlite_batch::Sync::Durable)
    }

    fn append_audit_deferred(&self, entry: &AuditEntry) -> Result<()> {
        if let Some(j) = self.journal() {
            if j.append(entry).is_ok() {
                return Ok(());
            }
        }
        audit_log::append_audit(self, entry, sqlite_batch::Sync::Deferred).map(|_| ())
    }

    fn append_audit_batch(&self, entries: &[AuditEntry]) -> Result<()> {
        audit_log::append_audit_batch(self, entries)
    }

    fn audit_records(&self, from: u64, limit: usize) -> Result<Vec<AuditRecord>> {
        self.flush_journal();
        audit_log::audit_records(self, from, limit)
    }

    fn audit_head(&self) -> Result<Option<(u64, [u8; 32])>> {
        self.flush_journal();
        audit_log::audit_head(self)
    }

    fn insert_identity(&self, row: &IdentityRow) -> Result<()> {
        access::insert_identity(self, row)
    }

    fn get_identity(&self, name: &str) -> Result<Option<IdentityRow>> {
        access::get_identity(self, name)
    }

    fn list_identities(&self) -> Result<Vec<IdentityRow>> {
        access::list_identities(self)
    }

    fn update_identity(&self, row: &IdentityRow) -> Result<()> {
        access::update_identity(self, row)
    }

    fn delete_identity(&self, name: &str) -> Result<bool> {
        access::delete_identity(self, name)
    }

    fn add_group_member(&self, group: &str, member: &str) -> Result<()> {
        access::add_group_member(self, group, member)
    }

    fn remove_group_member(&self, group: &str, member: &str) -> Result<bool> {
        access::remove_group_member(self, group, member)
    }

    fn groups_of(&self, member: &str) -> Result<Vec<String>> {
        access::groups_of(self, member)
    }

    fn put_grant(&self, row: &GrantRow) -> Result<()> {
        access::put_grant(self, row)
    }

    fn delete_grant(&self, object: &str, grantee: &str) -> Result<bool> {
        access::delete_grant(self, object, grantee)
    }

    fn grants(&self, object: Option<&str>) -> Result<Vec<GrantRow>> {
        access::grants(self, object)
    }

    fn grants_to(&self, grantees: &[String]) -> Result<Vec<GrantRow>> {
        access::grants_to(self, grantees)
    }

    fn get_otp_device(&self, identity: &str) -> Result<Option<OtpDeviceRow>> {
        access::get_otp_device(self, identity)
    }

    fn put_otp_device(&self, row: &OtpDeviceRow) -> Result<bool> {
        access::put_otp_device(self, row)
    }

    fn delete_otp_device(&self, identity: &str) -> Result<bool> {
        access::delete_otp_device(self, identity)
    }
}

#[path = "sqlite_access.rs"]
mod access;

#[path = "sqlite_audit.rs"]
mod audit_log;

#[path = "sqlite_batch.rs"]
mod sqlite_batch;

#[path = "sqlite_journal.rs"]
mod sqlite_journal;

#[cfg(test)]
#[path = "sqlite_tests.rs"]
mod tests;
