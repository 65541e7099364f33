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

use crate::error::{Error, Result};
use parking_lot::{Condvar, Mutex};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::sync::Arc;

/// One queued write, with its result on the way back.
trait Pending: Send {
    /// Runs the write inside the batch's transaction under a savepoint. An
    /// error here (from the savepoint statements themselves) abandons the
    /// whole batch.
    fn run(&mut self, tx: &Transaction<'_>) -> rusqlite::Result<()>;
    /// Records how the batch's commit went; the result is delivered when
    /// the job is dropped, so a job lost to a failed batch still answers.
    fn committed(&mut self, outcome: std::result::Result<(), String>);
}

type Slot<T> = Arc<Mutex<Option<Result<T>>>>;

struct Job<T, F> {
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
#[derive(Default)]
pub(super) struct GroupCommit {
    queue: Mutex<Queue>,
    /// Signalled when a batch ends: its writers have their results, and
    /// the next batch may start.
    batch_done: Condvar,
}

impl GroupCommit {
    /// Runs `work` in a transaction on `conn`, committed together with the
    /// other writes queued meanwhile; returns once that commit is durable.
    pub(super) fn write<T, F>(&self, conn: &Mutex<Connection>, work: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> Result<T> + Send + 'static,
    {
        let slot: Slot<T> = Arc::new(Mutex::new(None));
        let job = Box::new(Job {
            work: Some(work),
            out: None,
            commit: None,
            slot: slot.clone(),
        });
        let mut q = self.queue.lock();
        q.jobs.push(job);
        loop {
            if let Some(result) = slot.lock().take() {
                return result;
            }
            if q.leading {
                self.batch_done.wait(&mut q);
                continue;
            }
            // Lead one batch: every write queued now, this one included.
            q.leading = true;
            let batch = std::mem::take(&mut q.jobs);
            drop(q);
            let _leading = Leading(self);
            run_batch(conn, batch);
            drop(_leading);
            q = self.queue.lock();
        }
    }
}

/// Ends a batch even if a write panicked: the next writer may lead, and
/// the waiting writers look at their results.
struct Leading<'a>(&'a GroupCommit);

impl Drop for Leading<'_> {
    fn drop(&mut self) {
        self.0.queue.lock().leading = false;
        self.0.batch_done.notify_all();
    }
}

/// One transaction for the whole batch. Results are delivered as the jobs
/// drop, after the commit, outside the connection lock.
fn run_batch(conn: &Mutex<Connection>, mut batch: Vec<Box<dyn Pending>>) {
    let outcome = {
        let mut c = conn.lock();
        (|| -> rusqlite::Result<()> {
            let tx = c.transaction_with_behavior(TransactionBehavior::Immediate)?;
            for job in batch.iter_mut() {
                job.run(&tx)?;
            }
            tx.commit()
        })()
    };
    let outcome = outcome.map_err(|e| format!("committing a batch of writes: {e}"));
    for job in batch.iter_mut() {
        job.committed(outcome.clone());
    }
}
