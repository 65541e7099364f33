//! Token objects kept open between operations, and how the module knows
//! they are still what the store holds.
//!
//! Opening a token object costs a SQLite read, an HMAC over the record, an
//! RFC 5649 unwrap, and for an asymmetric key a PKCS#8 decode by OpenSSL,
//! more than the signature itself. So each login keeps the objects it has
//! opened ([`KeyCache`], dropped and zeroized at logout), with the decoded
//! OpenSSL keys ([`Loaded`]).
//!
//! **Validity.** Another process (the KMIP server, another application
//! with this module) may change or destroy an object at any time. The
//! module watches the store file ([`StoreWatch`]) for a version that
//! changes whenever any connection, in this process or another, commits to
//! the file: the WAL-index header in SQLite's shared memory, read without
//! a lock or a system call ([`crate::ffi::wal_index`]; every commit
//! rewrites it before it returns), else `PRAGMA data_version` on a few
//! connections of the module's own. Each entry remembers, per version
//! source, the version at which it was checked. A use at the same version
//! is served from the cache; at any other version the entry is checked
//! again against its stored row's revision and MAC (which covers uid,
//! partition, attributes and wrapped value), read on a watch connection:
//! the same row keeps the entry, a changed or missing one drops it and the
//! object is opened again. The version is read before the row, so a change
//! committed in between is seen at the next use. So a key destroyed or
//! changed anywhere is not used by the first C_*Init that starts after the
//! change was committed. When the version cannot be read, nothing is served
//! from the cache.
//!
//! Time-driven state changes (activation, deactivation dates) are not store
//! writes: an entry whose state would change by now is opened again, and
//! every use checks the state at its own time (`load_key`).

use crate::attrs::Obj;
use crate::fast_hash::FastState;
use crate::ffi::wal_index::WalIndex;
use crate::read_mostly::ReadMostly;
use keystore::storage::ObjectRow;
use openssl::pkey::{PKey, Private, Public};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// Which store version a look-up is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// Read it now.
    Now,
    /// Read by the caller during this call (`None`: it could not be read).
    Read(Option<Stamp>),
}

impl Version {
    /// The version read once for a call that checks several things
    /// (C_*Init: the key, then the identity's MFA policy).
    pub fn read_now(m: &crate::state::Module) -> Version {
        Version::Read(m.store_version())
    }

    pub fn read(self, m: &crate::state::Module) -> Option<Stamp> {
        match self {
            Version::Now => m.store_version(),
            Version::Read(v) => v,
        }
    }
}

/// Entries kept per login; beyond this the cache starts over.
const MAX_ENTRIES: usize = 4096;

/// An object as opened, with what is derived from it on first need.
pub struct Loaded {
    obj: Obj,
    private_key: OnceLock<PKey<Private>>,
    public_key: OnceLock<PKey<Public>>,
}

impl std::ops::Deref for Loaded {
    type Target = Obj;
    fn deref(&self) -> &Obj {
        &self.obj
    }
}

impl Loaded {
    pub fn new(obj: Obj) -> Arc<Loaded> {
        Arc::new(Loaded {
            obj,
            private_key: OnceLock::new(),
            public_key: OnceLock::new(),
        })
    }

    /// The object's PKCS#8 value decoded once (OpenSSL wipes the private
    /// numbers when the last reference goes).
    pub fn private_key(&self) -> crate::error::Result<PKey<Private>> {
        if let Some(k) = self.private_key.get() {
            return Ok(k.clone());
        }
        let v = self.obj.value.as_ref().ok_or_else(|| {
            crate::error::Error::rv(cryptoki_sys::CKR_KEY_HANDLE_INVALID, "the key has no value")
        })?;
        let k = PKey::private_key_from_pkcs8(v.expose()).map_err(|_| {
            crate::error::Error::rv(
                cryptoki_sys::CKR_KEY_HANDLE_INVALID,
                "the private key is not valid PKCS#8",
            )
        })?;
        Ok(self.private_key.get_or_init(|| k).clone())
    }

    /// A copy of its own for another thread shard of the cache (the
    /// object and whatever was decoded so far): the caller's `Arc` of an
    /// entry is then counted in memory only that shard's threads write.
    fn duplicate(&self) -> Arc<Loaded> {
        Arc::new(Loaded {
            obj: self.obj.clone(),
            private_key: self.private_key.clone(),
            public_key: self.public_key.clone(),
        })
    }

    /// The public key of the object (of its public half for a private key,
    /// of its subject key for a certificate), decoded once.
    pub fn public_key(&self) -> crate::error::Result<PKey<Public>> {
        if let Some(k) = self.public_key.get() {
            return Ok(k.clone());
        }
        let spki = crate::asym::spki(&self.obj)?;
        let k = PKey::public_key_from_der(&spki).map_err(|_| {
            crate::error::Error::rv(
                cryptoki_sys::CKR_KEY_HANDLE_INVALID,
                "the public key is not valid SubjectPublicKeyInfo",
            )
        })?;
        Ok(self.public_key.get_or_init(|| k).clone())
    }
}

struct Entry {
    loaded: Arc<Loaded>,
    /// The stored row's revision and MAC when it was opened.
    revision: i64,
    mac: Vec<u8>,
    /// Per version source, the version at which the row was last found
    /// current (`NEVER`: not yet).
    versions: [AtomicU64; SOURCES],
}

/// No version: versions are below 2^63.
const NEVER: u64 = u64::MAX;

/// The objects one login has opened (see the module documentation).
pub struct KeyCache {
    /// Read by every C_*Init of every thread: one copy per shard.
    entries: ReadMostly<HashMap<String, Arc<Entry>, FastState>>,
    /// The identity's `always_requires_mfa` and the version it was read
    /// at, per version source, as `version << 1 | flag` (`NEVER`: not
    /// read): one word, so a read needs no lock and sees a whole pair.
    always_mfa: [AtomicU64; SOURCES],
}

impl Default for KeyCache {
    fn default() -> Self {
        KeyCache {
            entries: ReadMostly::default(),
            always_mfa: std::array::from_fn(|_| AtomicU64::new(NEVER)),
        }
    }
}

impl KeyCache {
    /// The object `uid` as cached, if it is still what the store holds at
    /// `at`. Reads the row's revision and MAC only when the version moved.
    pub fn get(&self, uid: &str, at: Stamp, watch: &StoreWatch) -> Option<Arc<Loaded>> {
        let current = {
            let entries = self.entries.read();
            let e = entries.get(uid)?;
            if stale_by_time(&e.loaded.obj) {
                None
            } else if e.versions[at.source].load(Ordering::Acquire) == at.version {
                return Some(e.loaded.clone());
            } else {
                Some(e.clone())
            }
        };
        let Some(e) = current else {
            self.forget(uid);
            return None;
        };
        match watch.row(at.source, uid) {
            Some(Some((revision, mac))) if revision == e.revision && mac == e.mac => {
                e.versions[at.source].store(at.version, Ordering::Release);
                Some(e.loaded.clone())
            }
            _ => {
                self.forget(uid);
                None
            }
        }
    }

    /// Keeps `loaded`, opened from `row`, as current at `at`.
    pub fn put(&self, row: &ObjectRow, at: Stamp, loaded: Arc<Loaded>) {
        // Each shard gets an entry and a Loaded of its own (the caller's
        // copy goes to the first): a hit clones an Arc no other shard's
        // thread writes.
        let source = loaded.clone();
        let mut first = Some(loaded);
        self.entries.write(|entries| {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            let loaded = first.take().unwrap_or_else(|| source.duplicate());
            let versions: [AtomicU64; SOURCES] = std::array::from_fn(|i| {
                AtomicU64::new(if i == at.source { at.version } else { NEVER })
            });
            entries.insert(
                row.uid.clone(),
                Arc::new(Entry {
                    loaded,
                    revision: row.revision,
                    mac: row.mac.clone(),
                    versions,
                }),
            );
        });
    }

    /// Forgets `uid` (destroyed or changed by this process).
    pub fn forget(&self, uid: &str) {
        if self.entries.read().contains_key(uid) {
            self.entries.write(|entries| entries.remove(uid));
        }
    }

    /// The identity's `always_requires_mfa` if read at `at`.
    pub fn always_mfa(&self, at: Stamp) -> Option<bool> {
        match self.always_mfa[at.source].load(Ordering::Acquire) {
            NEVER => None,
            w if w >> 1 == at.version => Some(w & 1 == 1),
            _ => None,
        }
    }

    pub fn set_always_mfa(&self, at: Stamp, on: bool) {
        self.always_mfa[at.source].store(at.version << 1 | u64::from(on), Ordering::Release);
    }
}

/// Whether the object's state changes by the passage of time since it was
/// opened (a date reached), which no store write announces.
fn stale_by_time(o: &Obj) -> bool {
    let now = keystore::lifecycle::now();
    let mut lc = o.attrs.lifecycle.clone();
    lc.refresh(now)
}

/// How many watch connections: threads rarely wait for each other.
const WATCHES: usize = 4;
/// Version sources: the watch connections' `PRAGMA data_version`, then the
/// WAL-index header ([`SHARED_MEMORY`]).
const SOURCES: usize = WATCHES + 1;
const SHARED_MEMORY: usize = WATCHES;

/// A store version as read from one source (a watch connection, or the
/// WAL-index header). The numbers of two sources cannot be compared, so
/// each carries its source. Always below 2^63.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Stamp {
    source: usize,
    version: u64,
}

/// Connections of the module's own to the store file, used only to read
/// the store's version and an object's revision and MAC (see the module
/// documentation). Apart from the store's connection, so that neither
/// waits for the other (nor for the audit writer's commits).
pub struct StoreWatch {
    conns: [Mutex<rusqlite::Connection>; WATCHES],
    next: std::sync::atomic::AtomicUsize,
    /// The WAL-index header, when the store's shared memory can be read.
    wal_index: Option<WalIndex>,
}

impl StoreWatch {
    pub fn open(path: &Path) -> Option<StoreWatch> {
        let open = || -> Option<rusqlite::Connection> {
            let c = rusqlite::Connection::open(path).ok()?;
            c.busy_timeout(std::time::Duration::from_secs(5)).ok()?;
            Some(c)
        };
        let conn = || open().map(Mutex::new);
        Some(StoreWatch {
            conns: [conn()?, conn()?, conn()?, conn()?],
            next: Default::default(),
            wal_index: open().and_then(WalIndex::open),
        })
    }

    /// Whether versions come from the WAL-index header (else from `PRAGMA
    /// data_version`).
    pub fn reads_shared_memory(&self) -> bool {
        self.wal_index.is_some()
    }

    /// A free connection (else the next in turn) and its index.
    fn conn(&self) -> (usize, parking_lot::MutexGuard<'_, rusqlite::Connection>) {
        let start = self.next.fetch_add(1, Ordering::Relaxed) % WATCHES;
        for i in 0..WATCHES {
            let n = (start + i) % WATCHES;
            if let Some(c) = self.conns[n].try_lock() {
                return (n, c);
            }
        }
        (start, self.conns[start].lock())
    }

    /// The store's change version now, None when it cannot be read.
    pub fn version(&self) -> Option<Stamp> {
        // A writer rewriting the header: ask SQLite, which waits for it.
        if let Some(version) = self.wal_index.as_ref().and_then(WalIndex::fingerprint) {
            return Some(Stamp {
                source: SHARED_MEMORY,
                version,
            });
        }
        let (source, c) = self.conn();
        let mut st = c.prepare_cached("PRAGMA data_version").ok()?;
        let version = st.query_row([], |r| r.get::<_, i64>(0)).ok()?;
        Some(Stamp {
            source,
            version: u64::try_from(version).ok()?,
        })
    }

    /// The revision and MAC of object `uid` (Some(None): no such object;
    /// None: the store could not be read).
    fn row(&self, source: usize, uid: &str) -> Option<Option<(i64, Vec<u8>)>> {
        // Any connection will do for a version read from shared memory:
        // its read transaction starts after the version was read.
        let c = match self.conns.get(source) {
            Some(c) => c.lock(),
            None => self.conn().1,
        };
        let mut st = c
            .prepare_cached("SELECT revision, mac FROM objects WHERE uid = ?1")
            .ok()?;
        match st.query_row([uid], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Vec<u8>>(1)?))
        }) {
            Ok(v) => Some(Some(v)),
            Err(rusqlite::Error::QueryReturnedNoRows) => Some(None),
            Err(_) => None,
        }
    }
}
