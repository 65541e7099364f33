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
//! module watches the store file with a connection of its own
//! ([`StoreWatch`]) whose `PRAGMA data_version` changes whenever any other
//! connection, in this process or another, commits to the file. Each entry
//! remembers the version at which it was checked. A use at the same
//! version is served from the cache; at any other version the entry is
//! checked again against its stored row, byte for byte (attributes, wrapped
//! value, MAC, revision): the same row keeps the entry, a changed or missing
//! one drops it and the object is opened again. The version is read before
//! the row, so a change committed in between is seen at the next use. So a
//! key destroyed or changed anywhere is not used by the first C_*Init that
//! starts after the change was committed. When the version cannot be read,
//! nothing is served from the cache.
//!
//! Time-driven state changes (activation, deactivation dates) are not store
//! writes: an entry whose state would change by now is opened again, and
//! every use checks the state at its own time (`load_key`).

use crate::attrs::Obj;
use keystore::storage::{ObjectRow, Store};
use openssl::pkey::{PKey, Private, Public};
use parking_lot::{Mutex, RwLock};
use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, OnceLock};

/// Which store version a look-up is checked against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Version {
    /// Read it now.
    Now,
    /// Read by the caller during this call (`None`: it could not be read).
    Read(Option<i64>),
}

impl Version {
    /// The version read once for a call that checks several things
    /// (C_*Init: the key, then the identity's MFA policy).
    pub fn read_now(m: &crate::state::Module) -> Version {
        Version::Read(m.store_version())
    }

    pub fn read(self, m: &crate::state::Module) -> Option<i64> {
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
    row: ObjectRow,
    /// The store version at which `row` was last found current.
    version: AtomicI64,
}

/// The objects one login has opened (see the module documentation).
#[derive(Default)]
pub struct KeyCache {
    entries: RwLock<HashMap<String, Arc<Entry>>>,
    /// The identity's `always_requires_mfa`, with the version it was read at.
    always_mfa: Mutex<Option<(i64, bool)>>,
}

impl KeyCache {
    /// The object `uid` as cached, if it is still what the store holds at
    /// `version`. Reads the row only when the version moved.
    pub fn get(&self, uid: &str, version: i64, store: &dyn Store) -> Option<Arc<Loaded>> {
        let e = self.entries.read().get(uid).cloned()?;
        if stale_by_time(&e.loaded.obj) {
            self.entries.write().remove(uid);
            return None;
        }
        if e.version.load(Ordering::Acquire) == version {
            return Some(e.loaded.clone());
        }
        match store.get_object(uid) {
            Ok(Some(row)) if row == e.row => {
                e.version.store(version, Ordering::Release);
                Some(e.loaded.clone())
            }
            _ => {
                self.entries.write().remove(uid);
                None
            }
        }
    }

    /// Keeps `loaded`, opened from `row`, as current at `version`.
    pub fn put(&self, row: ObjectRow, version: i64, loaded: Arc<Loaded>) {
        let mut entries = self.entries.write();
        if entries.len() >= MAX_ENTRIES {
            entries.clear();
        }
        entries.insert(
            row.uid.clone(),
            Arc::new(Entry {
                loaded,
                row,
                version: AtomicI64::new(version),
            }),
        );
    }

    /// Forgets `uid` (destroyed or changed by this process).
    pub fn forget(&self, uid: &str) {
        self.entries.write().remove(uid);
    }

    /// The identity's `always_requires_mfa` if read at `version`.
    pub fn always_mfa(&self, version: i64) -> Option<bool> {
        match *self.always_mfa.lock() {
            Some((v, b)) if v == version => Some(b),
            _ => None,
        }
    }

    pub fn set_always_mfa(&self, version: i64, on: bool) {
        *self.always_mfa.lock() = Some((version, on));
    }
}

/// Whether the object's state changes by the passage of time since it was
/// opened (a date reached), which no store write announces.
fn stale_by_time(o: &Obj) -> bool {
    let now = keystore::lifecycle::now();
    let mut lc = o.attrs.lifecycle.clone();
    lc.refresh(now)
}

/// A connection of the module's own to the store file, used only to read
/// `PRAGMA data_version` (see the module documentation). One connection:
/// the numbers of two connections could not be compared.
pub struct StoreWatch {
    conn: Mutex<rusqlite::Connection>,
}

impl StoreWatch {
    pub fn open(path: &Path) -> Option<StoreWatch> {
        let c = rusqlite::Connection::open(path).ok()?;
        c.busy_timeout(std::time::Duration::from_secs(5)).ok()?;
        Some(StoreWatch {
            conn: Mutex::new(c),
        })
    }

    /// The store's change version, None when it cannot be read.
    pub fn version(&self) -> Option<i64> {
        let c = self.conn.lock();
        let mut st = c.prepare_cached("PRAGMA data_version").ok()?;
        st.query_row([], |r| r.get::<_, i64>(0)).ok()
    }
}
