//! The audit journal: how the records of requests that change nothing (a
//! KMIP Get, an Encrypt) are kept without a store commit on every request.
//!
//! A record is appended to a journal file beside the store (`<store>-audit`)
//! with one `write` before the request is answered: from then on a crash of
//! the process loses nothing, since the kernel holds the bytes. A flusher
//! thread moves the journal into the hash-chained log every
//! [`FLUSH_EVERY`] (or sooner when [`FLUSH_AT`] records wait), in one
//! transaction that also records how far the journal is flushed
//! (`audit_journal`: generation and offset). That commit reaches the disk
//! with the store's deferred sync (`sqlite_batch::SYNC_DEFER`), so a
//! power loss can take the newest records of the last few tens of
//! milliseconds, always a suffix of the chain: the chain that remains
//! verifies.
//!
//! A record joins the chain when it is flushed, so records of reads may
//! follow, in the chain, a durable record written a few milliseconds
//! after them; each carries its own time.
//!
//! When a store is opened, a journal left by a process that died is
//! replayed from the flushed offset: records are framed with a length and
//! a checksum, and replay stops at the first that is torn. One process at a
//! time journals (an exclusive `flock` on the file); another process
//! appends such records to the store directly.
//!
//! The file is rewritten (truncated, with a new generation) once it holds
//! [`ROTATE_AT`] bytes, all of them in the store.

use super::sqlite_batch::{Sync, Writer};
use crate::audit::AuditEntry;
use crate::error::{Error, Result};
use parking_lot::{Condvar, Mutex};
use rusqlite::{params, OptionalExtension, Transaction};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// How long a record may wait in the journal before it is flushed.
pub(super) const FLUSH_EVERY: Duration = Duration::from_millis(5);
/// Records waiting that make the flusher go at once.
pub(super) const FLUSH_AT: usize = 512;
/// Journal size past which it is rewritten once flushed.
pub(super) const ROTATE_AT: u64 = if cfg!(test) { 4096 } else { 4 << 20 };

const MAGIC: &[u8; 8] = b"KBAUDJ01";
/// Magic and the generation (u64, little-endian).
pub(super) const HEADER_LEN: u64 = 16;
/// Bytes of SHA-256 over a record's payload kept as its checksum.
const CHECK_LEN: usize = 8;
/// A record larger than this is not a record (a torn or foreign file).
const MAX_RECORD: usize = 1 << 20;

/// The journal file of the store at `db`.
pub(super) fn path_of(db: &Path) -> PathBuf {
    let mut p = db.as_os_str().to_owned();
    p.push("-audit");
    PathBuf::from(p)
}

/// An open journal, held (locked) by this process, with its flusher.
pub(super) struct Journal {
    inner: Arc<Inner>,
    flusher: Mutex<Option<std::thread::JoinHandle<()>>>,
}

struct Inner {
    state: Mutex<State>,
    /// Wakes the flusher early (many records waiting, or closing).
    wake: Condvar,
    /// Signalled after every flush.
    flushed: Condvar,
    writer: Writer,
    path: PathBuf,
}

struct State {
    file: File,
    generation: u64,
    /// The file's length: where the next record goes.
    len: u64,
    /// Records appended and not yet flushed, in order.
    pending: Vec<AuditEntry>,
    /// Records appended, and of those the ones in the store, since open.
    appended: u64,
    stored: u64,
    /// A flush failed; said once, retried.
    failing: bool,
    /// The file could not be restored after a failed append: no more
    /// appends (they go to the store directly).
    broken: bool,
    closing: bool,
}

impl Journal {
    /// Opens the journal of the store at `db`, replaying what a previous
    /// process left; `None` if another process holds it.
    pub(super) fn open(db: &Path, writer: Writer) -> Result<Option<Journal>> {
        let path = path_of(db);
        let Some((file, generation)) = take_over(&path, &writer)? else {
            return Ok(None);
        };
        let inner = Arc::new(Inner {
            state: Mutex::new(State {
                file,
                generation,
                len: HEADER_LEN,
                pending: Vec::new(),
                appended: 0,
                stored: 0,
                failing: false,
                broken: false,
                closing: false,
            }),
            wake: Condvar::new(),
            flushed: Condvar::new(),
            writer,
            path,
        });
        let run = inner.clone();
        let flusher = std::thread::Builder::new()
            .name("keybridge-audit".into())
            .spawn(move || run.flush_loop())
            .map_err(|e| Error::Storage(format!("starting the audit journal flusher: {e}")))?;
        Ok(Some(Journal {
            inner,
            flusher: Mutex::new(Some(flusher)),
        }))
    }

    /// Appends `entry`; Ok once the bytes are written (the kernel has
    /// them). An error leaves the journal as it was: the caller records
    /// the entry another way.
    pub(super) fn append(&self, entry: &AuditEntry) -> Result<()> {
        let record = encode(entry);
        let mut st = self.inner.state.lock();
        if st.broken || st.closing {
            return Err(Error::Storage("the audit journal is closed".into()));
        }
        if let Err(e) = st.file.write_all(&record) {
            // A partial record would stop a replay there: cut it off.
            let len = st.len;
            if st.file.set_len(len).is_err() || st.file.seek(SeekFrom::End(0)).is_err() {
                st.broken = true;
            }
            return Err(Error::Storage(format!(
                "appending to the audit journal {}: {e}",
                self.inner.path.display()
            )));
        }
        st.len += record.len() as u64;
        st.appended += 1;
        st.pending.push(entry.clone());
        if st.pending.len() >= FLUSH_AT {
            self.inner.wake.notify_one();
        }
        Ok(())
    }

    /// Returns once every record appended before the call is in the
    /// store (or a flush failed).
    pub(super) fn flush(&self) {
        let mut st = self.inner.state.lock();
        let target = st.appended;
        while st.stored < target && !st.failing && !st.closing {
            self.inner.wake.notify_one();
            self.inner
                .flushed
                .wait_for(&mut st, Duration::from_millis(100));
        }
    }
}

impl Drop for Journal {
    /// The flusher flushes what is left, durably, and ends.
    fn drop(&mut self) {
        self.inner.state.lock().closing = true;
        self.inner.wake.notify_one();
        if let Some(handle) = self.flusher.lock().take() {
            let _ = handle.join();
        }
    }
}

impl Inner {
    fn flush_loop(&self) {
        loop {
            let (batch, generation, end, closing) = {
                let mut st = self.state.lock();
                if st.pending.len() < FLUSH_AT && !st.closing {
                    self.wake.wait_for(&mut st, FLUSH_EVERY);
                }
                (
                    std::mem::take(&mut st.pending),
                    st.generation,
                    st.len,
                    st.closing,
                )
            };
            let sync = if closing {
                Sync::Durable
            } else {
                Sync::Deferred
            };
            let n = batch.len() as u64;
            let ok = n == 0 || self.store(batch, generation, end, sync);
            let rotate = {
                let mut st = self.state.lock();
                if ok {
                    st.stored += n;
                }
                self.flushed.notify_all();
                ok && end >= ROTATE_AT
            };
            if rotate {
                self.rotate();
            }
            if closing {
                let st = self.state.lock();
                if st.pending.is_empty() || st.failing {
                    return;
                }
            }
        }
    }

    /// Appends `batch` to the chain and moves the flushed offset to `end`,
    /// in one transaction; on failure the records go back to wait for the
    /// next round (they are still in the file).
    fn store(&self, batch: Vec<AuditEntry>, generation: u64, end: u64, sync: Sync) -> bool {
        let keep = batch.clone();
        let written = self.writer.write(sync, move |tx| {
            super::audit_log::append_entries(tx, &batch)?;
            set_position(tx, generation, end)
        });
        let mut st = self.state.lock();
        match written {
            Ok(()) => {
                st.failing = false;
                true
            }
            Err(e) => {
                if !st.failing {
                    eprintln!(
                        "keybridge: moving audit records from {} into the log failed (kept in the journal; retrying): {e}",
                        self.path.display()
                    );
                }
                st.failing = true;
                let newer = std::mem::replace(&mut st.pending, keep);
                st.pending.extend(newer);
                false
            }
        }
    }

    /// Rewrites the file once everything in it is in the store. Appends
    /// wait meanwhile (one commit of the records still waiting, once per
    /// [`ROTATE_AT`] bytes of records). The last commits need not be on
    /// the disk yet: a process crash keeps them, and a power loss takes
    /// only records of the last [`SYNC_DEFER`](super::sqlite_batch::SYNC_DEFER),
    /// as it would have without the journal.
    fn rotate(&self) {
        let mut st = self.state.lock();
        if !st.pending.is_empty() {
            let batch = std::mem::take(&mut st.pending);
            let n = batch.len() as u64;
            let (generation, end) = (st.generation, st.len);
            let keep = batch.clone();
            let written = self.writer.write(Sync::Deferred, move |tx| {
                super::audit_log::append_entries(tx, &batch)?;
                set_position(tx, generation, end)
            });
            if written.is_err() {
                st.pending = keep;
                return;
            }
            st.stored += n;
            self.flushed.notify_all();
        }
        let generation = st.generation + 1;
        match rewrite(&mut st.file, generation) {
            Ok(()) => {
                st.generation = generation;
                st.len = HEADER_LEN;
            }
            Err(e) => {
                eprintln!(
                    "keybridge: rewriting the audit journal {} failed; appending to the store directly: {e}",
                    self.path.display()
                );
                st.broken = true;
            }
        }
    }
}

/// Moves into the store what a process that died left in the journal of
/// the store at `db`, unless another process holds the journal.
pub(super) fn recover(db: &Path, writer: &Writer) -> Result<()> {
    let path = path_of(db);
    match std::fs::metadata(&path) {
        Ok(m) if m.len() > HEADER_LEN => take_over(&path, writer).map(|_| ()),
        _ => Ok(()),
    }
}

/// Opens and locks the journal at `path`, moves what a previous process
/// left into the store (durably), and starts it afresh; `None` if another
/// process holds it.
fn take_over(path: &Path, writer: &Writer) -> Result<Option<(File, u64)>> {
    let mut file = open_private(path)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => return Ok(None),
        Err(std::fs::TryLockError::Error(e)) => {
            return Err(Error::Storage(format!(
                "locking the audit journal {}: {e}",
                path.display()
            )))
        }
    }
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| Error::Storage(format!("reading {}: {e}", path.display())))?;
    let flushed = writer.write(Sync::Durable, position)?;
    let generation = match header(&bytes) {
        Some(g) => {
            let from = match flushed {
                Some((fg, offset)) if fg == g => offset.max(HEADER_LEN),
                _ => HEADER_LEN,
            };
            let (entries, end) = replay(&bytes, from);
            if end < bytes.len() as u64 {
                eprintln!(
                    "keybridge: {}: {} bytes after offset {end} are not whole records (a write cut short); ignored",
                    path.display(),
                    bytes.len() as u64 - end
                );
            }
            if !entries.is_empty() {
                let n = entries.len();
                writer.write(Sync::Durable, move |tx| {
                    super::audit_log::append_entries(tx, &entries)?;
                    set_position(tx, g, end)
                })?;
                eprintln!(
                    "keybridge: {n} audit records left in {} by a previous run were added to the log",
                    path.display()
                );
            }
            g
        }
        None => {
            if !bytes.is_empty() {
                eprintln!(
                    "keybridge: {} has no journal header; starting it afresh",
                    path.display()
                );
            }
            flushed.map_or(0, |(g, _)| g)
        }
    };
    let generation = generation + 1;
    rewrite(&mut file, generation)
        .map_err(|e| Error::Storage(format!("starting {}: {e}", path.display())))?;
    Ok(Some((file, generation)))
}

fn open_private(path: &Path) -> Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true).write(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options
        .open(path)
        .map_err(|e| Error::Storage(format!("opening the audit journal {}: {e}", path.display())))
}

/// Empties the file and writes the header of `generation`.
fn rewrite(file: &mut File, generation: u64) -> std::io::Result<()> {
    file.set_len(0)?;
    file.seek(SeekFrom::Start(0))?;
    let mut h = Vec::with_capacity(HEADER_LEN as usize);
    h.extend_from_slice(MAGIC);
    h.extend_from_slice(&generation.to_le_bytes());
    file.write_all(&h)
}

fn header(bytes: &[u8]) -> Option<u64> {
    if bytes.len() < HEADER_LEN as usize || &bytes[..8] != MAGIC {
        return None;
    }
    let mut g = [0u8; 8];
    g.copy_from_slice(&bytes[8..16]);
    Some(u64::from_le_bytes(g))
}

/// The flushed generation and offset recorded in the store.
fn position(tx: &Transaction<'_>) -> Result<Option<(u64, u64)>> {
    let row: Option<(i64, i64)> = tx
        .prepare_cached("SELECT generation, offset FROM audit_journal WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(row.map(|(g, o)| (g as u64, o as u64)))
}

fn set_position(tx: &Transaction<'_>, generation: u64, offset: u64) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO audit_journal (id, generation, offset) VALUES (1, ?1, ?2)
         ON CONFLICT(id) DO UPDATE SET generation = excluded.generation, offset = excluded.offset",
    )?
    .execute(params![generation as i64, offset as i64])?;
    Ok(())
}

/// One record: payload length (u32 LE), payload, the first [`CHECK_LEN`]
/// bytes of its SHA-256.
pub(super) fn encode(e: &AuditEntry) -> Vec<u8> {
    let mut p = Vec::with_capacity(128);
    p.extend_from_slice(&e.time_ms.to_le_bytes());
    put(&mut p, Some(&e.identity));
    put(&mut p, Some(&e.operation));
    put(&mut p, e.object.as_deref());
    put(&mut p, Some(&e.result));
    put(&mut p, e.client.as_deref());
    put(&mut p, e.detail.as_deref());
    let mut out = Vec::with_capacity(4 + p.len() + CHECK_LEN);
    out.extend_from_slice(&(p.len() as u32).to_le_bytes());
    out.extend_from_slice(&p);
    out.extend_from_slice(&check(&p));
    out
}

fn put(p: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => p.push(0),
        Some(s) => {
            p.push(1);
            p.extend_from_slice(&(s.len() as u32).to_le_bytes());
            p.extend_from_slice(s.as_bytes());
        }
    }
}

fn check(payload: &[u8]) -> [u8; CHECK_LEN] {
    let digest = openssl::sha::sha256(payload);
    let mut c = [0u8; CHECK_LEN];
    c.copy_from_slice(&digest[..CHECK_LEN]);
    c
}

/// The whole records from `from` on, and the offset after the last one.
fn replay(bytes: &[u8], from: u64) -> (Vec<AuditEntry>, u64) {
    let mut at = usize::try_from(from).unwrap_or(usize::MAX);
    let mut out = Vec::new();
    while let Some((entry, next)) = bytes.get(at..).and_then(decode) {
        out.push(entry);
        at += next;
    }
    (out, at.min(bytes.len()) as u64)
}

/// The record at the start of `b` and its length.
fn decode(b: &[u8]) -> Option<(AuditEntry, usize)> {
    let len = u32::from_le_bytes(b.get(..4)?.try_into().ok()?) as usize;
    if len > MAX_RECORD {
        return None;
    }
    let payload = b.get(4..4 + len)?;
    let sum = b.get(4 + len..4 + len + CHECK_LEN)?;
    if check(payload) != sum {
        return None;
    }
    let mut r = Reader(payload);
    let time_ms = i64::from_le_bytes(r.take(8)?.try_into().ok()?);
    let entry = AuditEntry {
        time_ms,
        identity: r.string()??,
        operation: r.string()??,
        object: r.string()?,
        result: r.string()??,
        client: r.string()?,
        detail: r.string()?,
    };
    if !r.0.is_empty() {
        return None;
    }
    Some((entry, 4 + len + CHECK_LEN))
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
        self.0 = rest;
        Some(head)
    }

    /// `Some(None)` for an absent field, `None` for a malformed one.
    fn string(&mut self) -> Option<Option<String>> {
        match self.take(1)?[0] {
            0 => Some(None),
            1 => {
                let n = u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize;
                let s = std::str::from_utf8(self.take(n)?).ok()?;
                Some(Some(s.to_string()))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(i: i64, object: Option<&str>) -> AuditEntry {
        AuditEntry {
            time_ms: i,
            identity: "alice".into(),
            operation: "kmip:Get".into(),
            object: object.map(str::to_string),
            result: "ok".into(),
            client: Some("127.0.0.1:1".into()),
            detail: None,
        }
    }

    #[test]
    fn records_round_trip_and_a_torn_tail_stops_replay() {
        let mut file = MAGIC.to_vec();
        file.extend_from_slice(&7u64.to_le_bytes());
        let a = entry(1, Some("k1"));
        let b = entry(2, None);
        file.extend(encode(&a));
        let after_a = file.len() as u64;
        file.extend(encode(&b));
        let whole = file.len() as u64;
        assert_eq!(header(&file), Some(7));
        assert_eq!(
            replay(&file, HEADER_LEN),
            (vec![a.clone(), b.clone()], whole)
        );
        assert_eq!(replay(&file, after_a), (vec![b.clone()], whole));

        // A record cut short, or one whose bytes changed, ends the replay.
        let mut torn = file.clone();
        torn.extend(&encode(&a)[..10]);
        assert_eq!(replay(&torn, HEADER_LEN).1, whole);
        let mut flipped = file.clone();
        let last = flipped.len() - CHECK_LEN - 1;
        flipped[last] ^= 1;
        assert_eq!(replay(&flipped, HEADER_LEN), (vec![a], after_a));
    }
}
