//! The store's WAL-index header read straight from SQLite's shared memory,
//! so that the object cache ([`crate::key_cache`]) learns whether anything
//! was committed without a read transaction.
//!
//! A read transaction (`PRAGMA data_version`) costs two `fcntl` lock calls
//! made under a mutex that every connection of the process shares; at each
//! C_*Init that was most of the module's overhead, and it serialized
//! threads. In WAL mode (the store's only mode) every commit, by any
//! connection of any process, rewrites the WAL-index header at the start of
//! the `-shm` shared memory before it returns (SQLite's "WAL-mode file
//! format", §2.2.1): it increments `iChange` and recomputes the header's
//! checksum. The header is written twice, the second copy first, and a
//! reader that finds both copies equal has read a whole header, which is
//! how SQLite's own readers read it. Reading it is a few loads from memory.
//!
//! The memory is SQLite's own mapping, reached through the VFS's public
//! `xShmMap` method on a connection that [`WalIndex`] owns and never uses
//! for anything else, so the mapping lives exactly as long as the pointer.
//! While that connection is open no other connection can reset or truncate
//! the shared memory (it holds the "dead man switch" lock and a shared lock
//! on the database file, which leaving WAL mode would need exclusively).

use rusqlite::ffi;
use std::sync::atomic::{fence, AtomicU32, Ordering};

/// Size of a WAL-index region as SQLite maps it (`WALINDEX_PGSZ`).
const REGION: i32 = 32768;
/// 32-bit words in one copy of the header (48 bytes).
const HEADER_WORDS: usize = 12;
/// `iVersion` of the only WAL-index format SQLite has written (3.7.0 on):
/// another value means a format this reading does not know, and the
/// caller falls back to `PRAGMA data_version`.
const WALINDEX_VERSION: u32 = 3007000;
/// Word index of `iVersion`, of `iChange`, of the `isInit` byte's word and
/// of the second half of the header checksum, in one copy.
const I_VERSION: usize = 0;
const I_CHANGE: usize = 2;
const IS_INIT: usize = 3;
const CKSUM_1: usize = 11;

/// The header of one store file's WAL index, readable from any thread.
pub struct WalIndex {
    /// The first word of SQLite's mapping of region 0 of `conn`'s `-shm`.
    header: *const u32,
    /// Kept open (and otherwise unused) for as long as `header` is read.
    _conn: rusqlite::Connection,
}

// SAFETY: `header` points into a shared mapping that stays valid while
// `_conn` is open (it is closed only when the WalIndex is dropped), and it
// is only ever read, with atomic loads: any thread may read it.
unsafe impl Send for WalIndex {}
// SAFETY: as above; reads through `&WalIndex` are atomic loads only.
unsafe impl Sync for WalIndex {}

impl WalIndex {
    /// Maps the WAL index of `conn`, a connection to the store opened for
    /// this purpose only. None when the store is not in WAL mode or the
    /// VFS has no shared memory (the caller then reads `PRAGMA
    /// data_version` instead).
    pub fn open(conn: rusqlite::Connection) -> Option<WalIndex> {
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .ok()?;
        if !mode.eq_ignore_ascii_case("wal") {
            return None;
        }
        // A read transaction opens the connection's shared memory.
        conn.query_row("PRAGMA data_version", [], |r| r.get::<_, i64>(0))
            .ok()?;
        let mut file: *mut ffi::sqlite3_file = std::ptr::null_mut();
        // SAFETY: `conn.handle()` is the open connection's handle, used on
        // this thread only; SQLITE_FCNTL_FILE_POINTER writes the main
        // database's `sqlite3_file*` into `file`, which outlives the call.
        let rc = unsafe {
            ffi::sqlite3_file_control(
                conn.handle(),
                c"main".as_ptr(),
                ffi::SQLITE_FCNTL_FILE_POINTER,
                (&mut file as *mut *mut ffi::sqlite3_file).cast(),
            )
        };
        if rc != ffi::SQLITE_OK || file.is_null() {
            return None;
        }
        // SAFETY: `file` is the open database file of `conn`; its methods
        // table is SQLite's and lives as long as the file.
        let methods = unsafe { (*file).pMethods };
        if methods.is_null() {
            return None;
        }
        // SAFETY: as above; `iVersion` says whether `xShmMap` exists.
        let (version, shm_map) = unsafe { ((*methods).iVersion, (*methods).xShmMap) };
        let shm_map = shm_map.filter(|_| version >= 2)?;
        let mut region: *mut std::ffi::c_void = std::ptr::null_mut();
        // SAFETY: region 0 of the connection's shared memory, already open
        // (read transaction above) and not extended (bExtend = 0): SQLite
        // returns its existing mapping, which stays valid until `conn` is
        // closed, or NULL when there is none.
        let rc = unsafe { shm_map(file, 0, REGION, 0, &mut region) };
        if rc != ffi::SQLITE_OK || region.is_null() || region.align_offset(4) != 0 {
            return None;
        }
        let w = WalIndex {
            header: region.cast::<u32>().cast_const(),
            _conn: conn,
        };
        w.fingerprint()?;
        Some(w)
    }

    /// A fingerprint of the header now: `iChange` (incremented by every
    /// commit) and half of the header's checksum, so two reads give the
    /// same value only if no commit happened in between (or 2^32 of them,
    /// with the same checksum half). Kept below 2^63 for the cache's
    /// sentinels. None while a writer is rewriting the header (or if the
    /// header is not of the known format).
    pub fn fingerprint(&self) -> Option<u64> {
        let mut first = [0u32; HEADER_WORDS];
        let mut second = [0u32; HEADER_WORDS];
        for (i, w) in first.iter_mut().enumerate() {
            *w = self.word(i);
        }
        fence(Ordering::SeqCst);
        for (i, w) in second.iter_mut().enumerate() {
            *w = self.word(HEADER_WORDS + i);
        }
        // isInit is the first byte of word 3 (the header is native-endian).
        let is_init = first[IS_INIT].to_ne_bytes()[0];
        if first != second || is_init == 0 || first[I_VERSION] != WALINDEX_VERSION {
            return None;
        }
        Some((u64::from(first[I_CHANGE]) << 31) | (u64::from(first[CKSUM_1]) >> 1))
    }

    fn word(&self, i: usize) -> u32 {
        // SAFETY: `header` is 4-byte aligned (checked at open) and the
        // region is REGION bytes long, far more than the two 48-byte
        // copies read here (i < 24). Other processes write this memory
        // concurrently, so it is read with atomic loads; SQLite writes the
        // copies in the order that makes equal copies a whole header, and
        // the fences of `fingerprint` order the two reads.
        unsafe { AtomicU32::from_ptr(self.header.add(i).cast_mut()).load(Ordering::Acquire) }
    }
}
