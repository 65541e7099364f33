//! Group commit of the module's audit entries.
//!
//! A durable append costs one SQLite transaction and one fsync (milliseconds
//! on ordinary disks), far more than the signature or the 4 KiB of AES-GCM
//! it records. So the entries of plain key uses (C_Sign, C_Encrypt, ... with
//! a key that needs no context-specific login) are kept here and written by
//! a background thread in one transaction per batch: at most
//! [`FLUSH_INTERVAL`] after the first use of a batch, sooner when
//! [`FLUSH_SOON`] distinct entries wait in a shard, and at once by C_CloseSession,
//! C_Logout, C_Finalize, an implicit logout and process exit (the module's
//! destructor, which `exit()` and `dlclose()` run).
//!
//! Uses are counted, not written one row each: every use of the same key by
//! the same identity with the same mechanism, operation and result within
//! one batch becomes one entry whose `time_ms` is the first use and whose
//! detail ends with "N uses, the last at <ms>" when N > 1 (the detail of a
//! single use is what it always was). Identity, object, mechanism and result
//! of every use are kept; what is given up is the time of each use after
//! the first of a batch. One row per use would cost the writer ~4 µs of
//! SQLite work per use, more than a PKCS#11 AES-GCM operation itself.
//!
//! Each thread counts into a shard of its own ([`SHARDS`]), so that two
//! threads using keys do not take one lock at every use; only a shard's
//! first use of a batch tells the writer (under the shared lock). A batch
//! gathers every shard, adds up the counts of the same entry, and orders
//! the entries by their first use.
//!
//! Everything else is written synchronously, before the call returns:
//! logins and logouts, one-time password outcomes, token management,
//! object destruction, modification and copy, wrap/unwrap/derive, and every
//! use of a key that needs a context-specific login (MFA-gated). A
//! synchronous entry first takes whatever is pending, in the same
//! transaction, so the log keeps the order of events.
//!
//! **What a crash can lose.** `SIGKILL`, `_exit()`, a power loss or an
//! abort loses the key uses of the batch not yet committed: at most the
//! last [`FLUSH_INTERVAL`] of uses (or those of one batch being written).
//! Nothing else is lost, and the hash chain stays verifiable: each batch is
//! one transaction that chains its records to the head and moves the head,
//! so a kill leaves all of a batch or none of it, never a torn chain.
//!
//! A forked child never writes its parent's pending entries: the child's
//! copy of this buffer belongs to a module the child must re-initialize
//! (C_Initialize), and [`AuditBuffer`] checks its owner process before
//! writing.

use crate::fast_hash::FastState;
use crate::log::Logger;
use keystore::audit::AuditEntry;
use keystore::KeyStore;
use parking_lot::{Condvar, Mutex};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The calling thread's shard, given out in turn at its first use.
fn my_shard() -> usize {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    thread_local! {
        static MINE: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    MINE.with(|m| *m)
}

/// The longest a key use waits for its batch to be committed.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(100);
/// Distinct pending entries of one shard that wake the writer before the
/// interval.
pub const FLUSH_SOON: usize = 1024;
/// Distinct pending entries of one shard at which a key use writes the
/// batch itself (the writer is behind: the store is slow or locked by
/// another process).
const FLUSH_NOW: usize = 8 * FLUSH_SOON;
/// Shards of pending uses; threads beyond this share them.
const SHARDS: usize = 8;
/// Pending entries kept for a retry after a failed write; beyond this they
/// are dropped, with a line in the call log saying how many.
const KEEP_AFTER_FAILURE: usize = 4 * FLUSH_NOW;

/// What the uses counted together share (the client, `pid:<pid>`, is the
/// buffer's: one per module).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct UseKey {
    pub identity: String,
    pub operation: &'static str,
    pub object: String,
    pub mechanism: u64,
    /// "ok" (not allocated at every use), or the refusal.
    pub result: Cow<'static, str>,
}

#[derive(Clone, Copy)]
struct Tally {
    first_ms: i64,
    last_ms: i64,
    count: u64,
}

impl Tally {
    fn add(&mut self, other: Tally) {
        self.first_ms = self.first_ms.min(other.first_ms);
        self.last_ms = self.last_ms.max(other.last_ms);
        self.count = self.count.saturating_add(other.count);
    }
}

/// The uses one shard counted since its last batch.
#[derive(Default)]
struct Tallies {
    /// Position in `order` of each key.
    index: HashMap<UseKey, usize, FastState>,
    order: Vec<(UseKey, Tally)>,
}

/// A shard on cache lines of its own.
#[repr(align(128))]
#[derive(Default)]
struct Shard(Mutex<Tallies>);

#[derive(Default)]
struct Pending {
    /// Entries of a failed write, written first next time.
    retry: Vec<AuditEntry>,
    /// When the batch's first use was announced (a shard's first use since
    /// it was last taken): the writer's deadline counts from it.
    since: Option<Instant>,
    stop: bool,
}

impl Pending {
    /// Whether the writer has something to write (or may have: a shard
    /// announced a use).
    fn waiting(&self) -> bool {
        self.since.is_some() || !self.retry.is_empty()
    }
}

/// The batch: the retried entries, then every shard's counts, the same
/// entry's counts added up, by first use. Called with `Pending` locked, so
/// that a shard emptied here announces its next use anew.
fn take(p: &mut Pending, shards: &[Shard], client: &str) -> Vec<AuditEntry> {
    p.since = None;
    let mut index: HashMap<UseKey, usize> = HashMap::new();
    let mut order: Vec<(UseKey, Tally)> = Vec::new();
    for shard in shards {
        let t = std::mem::take(&mut *shard.0.lock());
        for (k, tally) in t.order {
            match index.get(&k) {
                Some(&i) => order[i].1.add(tally),
                None => {
                    index.insert(k.clone(), order.len());
                    order.push((k, tally));
                }
            }
        }
    }
    order.sort_by_key(|(_, t)| t.first_ms);
    let mut out = std::mem::take(&mut p.retry);
    out.extend(order.into_iter().map(|(k, t)| entry_of(k, t, client)));
    out
}

fn entry_of(k: UseKey, t: Tally, client: &str) -> AuditEntry {
    let mut e = AuditEntry::now(&k.identity, k.operation, Some(&k.object), &k.result);
    e.time_ms = t.first_ms;
    e.client = Some(client.to_string());
    let mut detail = format!("mechanism {:#x}", k.mechanism);
    if t.count > 1 {
        detail.push_str(&format!("; {} uses, the last at {} ms", t.count, t.last_ms));
    }
    e.detail = Some(detail);
    e
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The pending key uses of one module and the thread that writes them.
pub struct AuditBuffer {
    ks: KeyStore,
    log: Arc<Logger>,
    /// `pid:<pid>`, every entry's client.
    client: String,
    pending: Mutex<Pending>,
    shards: [Shard; SHARDS],
    wake: Condvar,
    /// Held while writing to the store: writes keep the order in which
    /// their entries were taken. Also held across fork() (see `ffi`), so a
    /// child is never forked in the middle of a write.
    gate: Mutex<()>,
    writer: Mutex<Option<JoinHandle<()>>>,
    stopped: AtomicBool,
    /// The writer thread has returned (it runs no more code of the library).
    exited: AtomicBool,
    owner: u32,
}

impl AuditBuffer {
    /// A buffer writing to `ks` as `client`, with its writer thread started.
    pub fn start(ks: KeyStore, log: Arc<Logger>, client: String) -> Arc<AuditBuffer> {
        let b = Arc::new(AuditBuffer {
            ks,
            log,
            client,
            pending: Mutex::new(Pending::default()),
            shards: Default::default(),
            wake: Condvar::new(),
            gate: Mutex::new(()),
            writer: Mutex::new(None),
            stopped: AtomicBool::new(false),
            exited: AtomicBool::new(false),
            owner: std::process::id(),
        });
        let w = b.clone();
        let spawned = std::thread::Builder::new()
            .name("keybridge-audit".into())
            .spawn(move || w.run());
        match spawned {
            Ok(h) => *b.writer.lock() = Some(h),
            Err(e) => {
                // No thread: every entry is written synchronously.
                b.log.line(
                    "C_Initialize",
                    &format!("audit writer thread not started ({e}); writing each entry"),
                );
                b.stopped.store(true, Ordering::SeqCst);
            }
        }
        b
    }

    /// The lock writes hold (taken across fork() by the module's handlers).
    pub fn gate(&self) -> &Mutex<()> {
        &self.gate
    }

    fn owned(&self) -> bool {
        self.owner == std::process::id()
    }

    /// Counts one key use, to be written with its batch.
    pub fn key_use(&self, key: UseKey) {
        let t = now_ms();
        let one = Tally {
            first_ms: t,
            last_ms: t,
            count: 1,
        };
        if self.stopped.load(Ordering::Relaxed) {
            self.write_now(entry_of(key, one, &self.client));
            return;
        }
        let (was_empty, n) = {
            let mut s = self.shards[my_shard()].0.lock();
            let was_empty = s.order.is_empty();
            match s.index.get(&key) {
                Some(&i) => s.order[i].1.add(one),
                None => {
                    let i = s.order.len();
                    s.index.insert(key.clone(), i);
                    s.order.push((key, one));
                }
            }
            (was_empty, s.order.len())
        };
        if was_empty {
            // The shard's first use since it was taken: the writer's
            // deadline starts now, unless another shard started it.
            let mut p = self.pending.lock();
            if p.since.is_none() {
                p.since = Some(Instant::now());
                drop(p);
                self.wake.notify_one();
            }
        }
        if n >= FLUSH_NOW {
            self.flush();
        } else if n == FLUSH_SOON {
            self.wake.notify_one();
        }
    }

    /// Writes `entry` now, after everything pending, in one transaction.
    pub fn write_now(&self, entry: AuditEntry) {
        if !self.owned() {
            return;
        }
        let _g = self.gate.lock();
        let mut batch = self.take();
        let pending = batch.len();
        let operation = entry.operation.clone();
        batch.push(entry);
        if let Err(e) = self.ks.audit_batch(&batch) {
            batch.truncate(pending);
            self.failed(&e, batch, &operation);
        }
    }

    /// Writes everything pending now (C_CloseSession, C_Logout, C_Finalize).
    pub fn flush(&self) {
        if !self.owned() {
            return;
        }
        let _g = self.gate.lock();
        self.flush_locked();
    }

    /// Everything pending (see [`take`]).
    fn take(&self) -> Vec<AuditEntry> {
        take(&mut self.pending.lock(), &self.shards, &self.client)
    }

    fn flush_locked(&self) {
        let batch = self.take();
        if batch.is_empty() {
            return;
        }
        if let Err(e) = self.ks.audit_batch(&batch) {
            self.failed(&e, batch, "audit");
        }
    }

    /// After a failed write: the call log says so, and the pending entries
    /// of the batch wait for the next write, up to [`KEEP_AFTER_FAILURE`].
    fn failed(&self, e: &keystore::Error, mut batch: Vec<AuditEntry>, what: &str) {
        self.log.line(what, &format!("audit log write failed: {e}"));
        let mut p = self.pending.lock();
        let room = KEEP_AFTER_FAILURE.saturating_sub(p.retry.len());
        let lost = batch.len().saturating_sub(room);
        batch.truncate(room);
        batch.append(&mut p.retry);
        p.retry = batch;
        if p.since.is_none() && !p.retry.is_empty() {
            p.since = Some(Instant::now());
        }
        drop(p);
        if lost > 0 {
            self.log.line(
                what,
                &format!("{lost} key-use audit entries lost after failed writes"),
            );
        }
    }

    /// The writer thread: waits for a first pending use, then for the
    /// interval (or a full batch), then writes the batch.
    fn run(self: Arc<Self>) {
        loop {
            let mut p = self.pending.lock();
            while !p.waiting() && !p.stop {
                self.wake.wait(&mut p);
            }
            if p.stop {
                break;
            }
            let deadline = p.since.unwrap_or_else(Instant::now) + FLUSH_INTERVAL;
            // A shard reaching FLUSH_SOON wakes this wait early.
            while !p.stop && p.retry.len() < FLUSH_SOON && Instant::now() < deadline {
                if self.wake.wait_until(&mut p, deadline).timed_out() {
                    break;
                }
                if self
                    .shards
                    .iter()
                    .any(|s| s.0.lock().order.len() >= FLUSH_SOON)
                {
                    break;
                }
            }
            drop(p);
            self.flush();
        }
        self.exited.store(true, Ordering::SeqCst);
    }

    /// Stops the writer and writes what is pending (C_Finalize). Later uses
    /// are written one by one.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
        self.pending.lock().stop = true;
        self.wake.notify_all();
        let handle = self.writer.lock().take();
        if let Some(h) = handle {
            if h.thread().id() != std::thread::current().id() {
                let _ = h.join();
            }
        }
        self.flush();
    }

    /// Process exit, or the library unloaded without C_Finalize: stops the
    /// writer (waiting at most a second for it to return, so that no code
    /// of an unloaded library runs on) and writes what is pending, unless a
    /// write does not finish within a second (a thread stuck in the store
    /// must not hang exit).
    pub fn flush_at_exit(&self) {
        if !self.owned() {
            return;
        }
        self.stopped.store(true, Ordering::SeqCst);
        self.pending.lock().stop = true;
        self.wake.notify_all();
        let deadline = Instant::now() + Duration::from_secs(1);
        let running = self.writer.lock().is_some();
        while running && !self.exited.load(Ordering::SeqCst) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(1));
        }
        if let Some(_g) = self.gate.try_lock_for(Duration::from_secs(1)) {
            self.flush_locked();
        }
    }
}

impl Drop for AuditBuffer {
    fn drop(&mut self) {
        if self.owned() {
            let batch = take(self.pending.get_mut(), &self.shards, &self.client);
            if let Err(e) = self.ks.audit_batch(&batch) {
                self.log
                    .line("C_Finalize", &format!("audit log write failed: {e}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(object: &str) -> UseKey {
        UseKey {
            identity: "pkcs11:t".into(),
            operation: "encrypt",
            object: object.into(),
            mechanism: 0x1087,
            result: "ok".into(),
        }
    }

    fn count(shard: &Shard, k: UseKey, first_ms: i64, last_ms: i64, count: u64) {
        let mut t = shard.0.lock();
        let i = t.order.len();
        t.index.insert(k.clone(), i);
        t.order.push((
            k,
            Tally {
                first_ms,
                last_ms,
                count,
            },
        ));
    }

    #[test]
    fn a_batch_adds_up_the_shards_by_first_use() {
        let shards: [Shard; SHARDS] = Default::default();
        // Key "a" used in two threads' shards, "b" in one, first of all.
        count(&shards[0], key("a"), 20, 50, 3);
        count(&shards[1], key("a"), 10, 40, 2);
        count(&shards[1], key("b"), 5, 5, 1);
        let mut p = Pending {
            since: Some(Instant::now()),
            ..Default::default()
        };
        let batch = take(&mut p, &shards, "pid:1");
        let got: Vec<_> = batch
            .iter()
            .map(|e| {
                (
                    e.object.clone().unwrap_or_default(),
                    e.time_ms,
                    e.detail.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("b".to_string(), 5, Some("mechanism 0x1087".to_string())),
                (
                    "a".to_string(),
                    10,
                    Some("mechanism 0x1087; 5 uses, the last at 50 ms".to_string())
                ),
            ]
        );
        assert!(batch.iter().all(|e| e.client.as_deref() == Some("pid:1")));
        // Taken: the shards are empty and the next use announces itself.
        assert!(p.since.is_none());
        assert!(shards.iter().all(|s| s.0.lock().order.is_empty()));
        assert!(shards.iter().all(|s| s.0.lock().index.is_empty()));
    }
}
