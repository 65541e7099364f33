//! Group commit: the writes of concurrent callers committed together, in
//! one transaction and one fsync.
//!
//! With `synchronous = FULL` every commit waits for the disk, and that wait,
//! not the work, bounds how many writes a store does per second (a KMIP
//! server appends an audit record for every request, so even reads write).
//! Here a caller queues its write and waits; whichever waiting caller finds
//! no batch running becomes the leader: it takes every queued write, runs
//! them in one `BEGIN IMMEDIATE` transaction, each under its own savepoint,
//! commits, and hands each caller its own result.
//!
//! Durability is unchanged: a caller's write returns Ok only after the
//! COMMIT that contains it returned, i.e. after SQLite synced the WAL
//! (`synchronous = FULL`), exactly as when it committed alone. Atomicity is
//! per write, as before: a write that fails is rolled back to its savepoint
//! and the others go on; a batch whose commit fails reports the failure to
//! every write in it, none of which was acknowledged. A batch holds only
//! the writes queued when it started, so no caller waits for more than the
//! batch running when it arrived plus its own.
//!
//! **Deferred sync.** A write queued with [`Sync::Deferred`] (the audit
//! record of a request that changed nothing: a Get, an Encrypt) is
//! committed before its caller goes on, so a crash of the process loses
//! nothing, but a batch made only of such writes commits with `synchronous
//! = NORMAL`: SQLite writes its frames to the WAL without waiting for the
//! disk. They reach the disk with the next synced commit (the WAL is
//! written and synced in order, so a later durable write makes every
//! earlier one durable too) or when the background syncer fsyncs the WAL,
//! at most [`SYNC_DEFER`] later. A power loss may take the last
//! [`SYNC_DEFER`] of such records, always a suffix of the log: the hash
//! chain and its head move in the same transactions, so what remains
//! verifies.

use crate::error::{Error, Result};
use parking_lot::{Condvar, Mutex};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

/// How long a write committed with [`Sync::Deferred`] may wait for the
/// disk.
pub(super) const SYNC_DEFER: Duration = Duration::from_millis(10);

/// When a write is on the disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Sync {
    /// Before `write` returns (`synchronous = FULL`).
    Durable,
    /// Committed to the WAL before `write` returns, on the disk at most
    /// [`SYNC_DEFER`] later.
    Deferred,
}

/// One queued write, with its result on the way back.
trait Pending: Send {
    /// Runs the write inside the batch's transaction under a savepoint. An
    /// error here (from the savepoint statements themselves) abandons the
    /// whole batch.
    fn run(&mut self, tx: &Transaction<'_>) -> rusqlite::Result<()>;
    /// Records how the batch's commit went; the result is delivered when
    /// the job is dropped, so a job lost to a failed batch still answers.
    fn committed(&mut self, outcome: std::result::Result<(), String>);
    /// How soon the write must reach the disk.
    fn sync(&self) -> Sync;
}

type Slot<T> = Arc<Mutex<Option<Result<T>>>>;

struct Job<T, F> {
    sync: Sync,
    work: Option<F>,
    out: Option<Result<T>>,
    commit: Option<std::result::Result<(), String>>,
    slot: Slot<T>,
}

impl<T, F> Pending for Job<T, F>
where
    T: Send,
    F: FnOnce(&Transaction<'_>) -> Result<T> + Send,
{
    fn run(&mut self, tx: &Transaction<'_>) -> rusqlite::Result<()> {
        let Some(work) = self.work.take() else {
            return Ok(());
        };
        // Cached statements: parsing them for every write costs more than
        // running them.
        tx.prepare_cached("SAVEPOINT write")?.execute([])?;
        let out = work(tx);
        if out.is_err() {
            tx.prepare_cached("ROLLBACK TO write")?.execute([])?;
        }
        tx.prepare_cached("RELEASE write")?.execute([])?;
        self.out = Some(out);
        Ok(())
    }

    fn committed(&mut self, outcome: std::result::Result<(), String>) {
        self.commit = Some(outcome);
    }

    fn sync(&self) -> Sync {
        self.sync
    }
}

impl<T, F> Drop for Job<T, F> {
    fn drop(&mut self) {
        let result = match (self.commit.take(), self.out.take()) {
            (Some(Ok(())), Some(out)) => out,
            (Some(Err(m)), _) => Err(Error::Storage(m)),
            _ => Err(Error::Storage("the write was abandoned".into())),
        };
        *self.slot.lock() = Some(result);
    }
}

#[derive(Default)]
struct Queue {
    jobs: Vec<Box<dyn Pending>>,
    /// A leader is running a batch.
    leading: bool,
}

/// The queue of writes waiting for the next commit.
pub(super) struct GroupCommit {
    shared: Arc<Shared>,
    /// The background syncer has been started (once), and runs.
    syncer: std::sync::Once,
    syncer_running: Arc<AtomicBool>,
}

/// A handle on the group commit for a thread of the store's own (the audit
/// journal's flusher); writes through it behave as [`GroupCommit::write`].
#[derive(Clone)]
pub(super) struct Writer {
    shared: Arc<Shared>,
    syncer_running: Arc<AtomicBool>,
}

/// What the writers and the syncer share.
struct Shared {
    /// The writing connection.
    conn: Arc<Mutex<Connection>>,
    queue: Mutex<Queue>,
    /// Signalled when a batch ends: its writers have their results, and
    /// the next batch may start.
    batch_done: Condvar,
    /// The connection's `synchronous` setting is FULL (else NORMAL); only
    /// the batch leader reads or changes it, under the connection lock.
    full: AtomicBool,
    /// Deferred writes committed since the WAL was last synced, and the
    /// WAL to sync.
    unsynced: Unsynced,
}

/// What the background syncer watches.
struct Unsynced {
    pending: AtomicBool,
    /// The last sync failed (and was reported).
    failing: AtomicBool,
    wal: PathBuf,
}

impl Unsynced {
    /// fsyncs the WAL if deferred commits are waiting for it. A failure is
    /// reported and retried at the next round.
    fn sync_now(&self) {
        if !self.pending.swap(false, Ordering::AcqRel) {
            return;
        }
        match std::fs::File::open(&self.wal).and_then(|f| f.sync_data()) {
            Ok(()) => {
                self.failing.store(false, Ordering::Relaxed);
            }
            // No WAL: SQLite removes it only after checkpointing it into
            // the database file and syncing that.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                self.pending.store(true, Ordering::Release);
                // Said once per run of failures, then retried quietly.
                if !self.failing.swap(true, Ordering::Relaxed) {
                    eprintln!(
                        "keybridge: syncing {} failed (deferred audit records are not on disk yet; retrying): {e}",
                        self.wal.display()
                    );
                }
            }
        }
    }
}

impl GroupCommit {
    /// The group commit of the store at `db` (whose WAL is `db` + "-wal")
    /// writing through `conn`, which starts with `synchronous = FULL`.
    pub(super) fn new(db: &std::path::Path, conn: Arc<Mutex<Connection>>) -> GroupCommit {
        let mut wal = db.as_os_str().to_owned();
        wal.push("-wal");
        GroupCommit {
            shared: Arc::new(Shared {
                conn,
                queue: Mutex::new(Queue::default()),
                batch_done: Condvar::new(),
                full: AtomicBool::new(true),
                unsynced: Unsynced {
                    pending: AtomicBool::new(false),
                    failing: AtomicBool::new(false),
                    wal: PathBuf::from(wal),
                },
            }),
            syncer: std::sync::Once::new(),
            syncer_running: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Runs `work` in a transaction, committed together with the other
    /// writes queued meanwhile; returns once that commit is made, and with
    /// [`Sync::Durable`] once it is on the disk.
    pub(super) fn write<T, F>(&self, sync: Sync, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T> + Send + 'static,
    {
        if sync == Sync::Deferred {
            self.start_syncer();
        }
        self.writer().write(sync, work)
    }

    /// A handle for a thread of the store's own.
    pub(super) fn writer(&self) -> Writer {
        Writer {
            shared: self.shared.clone(),
            syncer_running: self.syncer_running.clone(),
        }
    }

    /// Deferred commits are waiting for the WAL to be synced.
    #[cfg(test)]
    pub(super) fn unsynced_pending(&self) -> bool {
        self.shared.unsynced.pending.load(Ordering::Acquire)
    }

    /// Starts the thread that syncs deferred commits every
    /// [`SYNC_DEFER`] (it ends when the store is dropped).
    pub(super) fn start_syncer(&self) {
        self.syncer.call_once(|| {
            let watch: Weak<Shared> = Arc::downgrade(&self.shared);
            let started = std::thread::Builder::new()
                .name("keybridge-wal-sync".into())
                .spawn(move || loop {
                    std::thread::sleep(SYNC_DEFER);
                    match watch.upgrade() {
                        Some(s) => s.unsynced.sync_now(),
                        None => return,
                    }
                });
            match started {
                Ok(_) => self.syncer_running.store(true, Ordering::Release),
                // Without the thread, deferred writes are made durable
                // by their own commit instead (see `Writer::write`).
                Err(e) => eprintln!("keybridge: could not start the WAL syncer: {e}"),
            }
        });
    }
}

impl Writer {
    /// As [`GroupCommit::write`]; a deferred write is durable at once if
    /// the syncer is not running.
    pub(super) fn write<T, F>(&self, sync: Sync, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T> + Send + 'static,
    {
        let sync = match sync {
            Sync::Deferred if self.syncer_running.load(Ordering::Acquire) => Sync::Deferred,
            _ => Sync::Durable,
        };
        let slot: Slot<T> = Arc::new(Mutex::new(None));
        let job = Box::new(Job {
            sync,
            work: Some(work),
            out: None,
            commit: None,
            slot: slot.clone(),
        });
        let shared = &*self.shared;
        let mut q = shared.queue.lock();
        q.jobs.push(job);
        loop {
            if let Some(result) = slot.lock().take() {
                return result;
            }
            if q.leading {
                shared.batch_done.wait(&mut q);
                continue;
            }
            // Lead one batch: every write queued now, this one included.
            q.leading = true;
            let batch = std::mem::take(&mut q.jobs);
            drop(q);
            let _leading = Leading(shared);
            shared.run_batch(batch);
            drop(_leading);
            q = shared.queue.lock();
        }
    }
}

impl Shared {
    /// One transaction for the whole batch, synced before the results are
    /// handed out unless every write in it is deferred. Results are
    /// delivered as the jobs drop, after the commit, outside the
    /// connection lock.
    fn run_batch(&self, mut batch: Vec<Box<dyn Pending>>) {
        let full = batch.iter().any(|j| j.sync() == Sync::Durable);
        let outcome = {
            let mut c = self.conn.lock();
            (|| -> rusqlite::Result<()> {
                if self.full.load(Ordering::Relaxed) != full {
                    let setting = if full {
                        "PRAGMA synchronous = FULL"
                    } else {
                        "PRAGMA synchronous = NORMAL"
                    };
                    c.execute_batch(setting)?;
                    self.full.store(full, Ordering::Relaxed);
                }
                let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
                for job in batch.iter_mut() {
                    job.run(&tx)?;
                }
                tx.commit()
            })()
        };
        if outcome.is_ok() && !full {
            self.unsynced.pending.store(true, Ordering::Release);
        }
        let outcome = outcome.map_err(|e| format!("committing a batch of writes: {e}"));
        for job in batch.iter_mut() {
            job.committed(outcome.clone());
        }
    }
}

impl Drop for GroupCommit {
    /// Deferred writes reach the disk before the store closes.
    fn drop(&mut self) {
        self.shared.unsynced.sync_now();
    }
}

/// Ends a batch even if a write panicked: the next writer may lead, and
/// the waiting writers look at their results.
struct Leading<'a>(&'a Shared);

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        self.0.queue.lock().leading = false;
        self.0.batch_done.notify_all();
    }
}
