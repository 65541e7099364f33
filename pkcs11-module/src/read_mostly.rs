//! A value read by every call and written rarely, kept so that threads
//! reading it do not write to a shared cache line.
//!
//! Taking a read lock writes the lock's word, and a word written by two
//! cores moves between their caches at every call: on the hot path of
//! C_EncryptInit / C_Encrypt (the module, the session table, the logins)
//! that traffic cost more than the work it protected, and two threads ran
//! little faster than one. [`ReadMostly`] keeps one copy of the value per
//! shard, each behind its own lock on its own cache lines; a thread always
//! reads the shard it was given, and a write changes every copy, holding
//! every shard's lock. So readers share nothing, and a reader sees every
//! write that completed before its read began.
//!
//! A thread must not write a [`ReadMostly`] while it holds a read guard of
//! the same one (the write would wait for that guard forever).

use parking_lot::{RwLock, RwLockReadGuard};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Copies kept: threads beyond this share shards (correct, just slower).
const SHARDS: usize = 8;

/// One copy on cache lines of its own (128 bytes: adjacent-line prefetch).
#[repr(align(128))]
struct Shard<T>(RwLock<T>);

/// A value with one copy per shard (see the module documentation).
pub struct ReadMostly<T> {
    shards: [Shard<T>; SHARDS],
}

/// The shard of the calling thread, given out in turn at its first read.
fn my_shard() -> usize {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    thread_local! {
        static MINE: usize = NEXT.fetch_add(1, Ordering::Relaxed) % SHARDS;
    }
    MINE.with(|m| *m)
}

impl<T> ReadMostly<Option<T>> {
    /// Empty in every shard (usable in a `static`).
    pub const fn none() -> Self {
        ReadMostly {
            shards: [const { Shard(RwLock::new(None)) }; SHARDS],
        }
    }
}

impl<T: Clone> ReadMostly<T> {
    pub fn new(value: T) -> Self {
        ReadMostly {
            shards: std::array::from_fn(|_| Shard(RwLock::new(value.clone()))),
        }
    }
}

impl<T: Default + Clone> Default for ReadMostly<T> {
    fn default() -> Self {
        ReadMostly::new(T::default())
    }
}

impl<T> ReadMostly<T> {
    /// The calling thread's copy. Recursive: a thread already reading may
    /// read again even while a writer waits.
    pub fn read(&self) -> RwLockReadGuard<'_, T> {
        self.shards[my_shard()].0.read_recursive()
    }

    /// Applies `change` to every copy, all shards locked (in order, so two
    /// writers never wait for each other in a cycle); returns what it
    /// returned for the first copy. `change` must do the same to each.
    pub fn write<R>(&self, mut change: impl FnMut(&mut T) -> R) -> R {
        let [first, rest @ ..] = &self.shards;
        let mut first = first.0.write();
        let mut rest: Vec<_> = rest.iter().map(|s| s.0.write()).collect();
        let r = change(&mut first);
        for g in rest.iter_mut() {
            change(g);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_is_seen_by_every_thread() {
        let v: ReadMostly<Vec<u32>> = ReadMostly::default();
        assert_eq!(v.write(|x| x.push(1)), ());
        let seen: Vec<Vec<u32>> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..2 * SHARDS)
                .map(|_| s.spawn(|| v.read().clone()))
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        assert!(seen.iter().all(|x| x == &[1]), "{seen:?}");
        // The first copy's result is returned; every copy changed once.
        assert_eq!(v.write(|x| x.pop()), Some(1));
        assert!(v.shards.iter().all(|s| s.0.read().is_empty()));
    }

    #[test]
    fn a_reader_may_read_again_while_a_writer_waits() {
        let v = ReadMostly::new(0u32);
        let outer = v.read();
        std::thread::scope(|s| {
            let w = s.spawn(|| v.write(|x| *x += 1));
            std::thread::sleep(std::time::Duration::from_millis(20));
            assert_eq!(*v.read(), 0);
            drop(outer);
            w.join().unwrap();
        });
        assert_eq!(*v.read(), 1);
    }
}
