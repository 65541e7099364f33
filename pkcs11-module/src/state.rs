//! The process-wide state of the module: configuration, store, slots,
//! logins, sessions and object handles.
//!
//! One [`Module`] exists between `C_Initialize` and `C_Finalize`. Its parts
//! have their own locks; none is held across a cryptographic operation but
//! the lock of the one session doing it, so sessions in different threads
//! run in parallel. A session may be locked while the `sessions` map
//! is held, never the reverse (no code locks the map from inside a session);
//! `slots`, `logins` and `objects` are leaves: nothing else is locked while
//! one of them is held. `login_serial` is taken only by C_Login, before
//! anything else. The read-mostly maps (`sessions`, `logins`) are RwLocks.

use crate::audit_buffer::AuditBuffer;
use crate::error::{fail, Error, Result};
use crate::key_cache::{KeyCache, StoreWatch};
use crate::log::Logger;
use crate::session::Session;
use cryptoki_sys::*;
use keystore::config::Config;
use keystore::{Attributes, KeyStore, Partition, SecretBytes};
use parking_lot::{Mutex, RwLock};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

/// Who is logged in to a token, the partition their PIN unlocked, and the
/// objects opened under this login (gone, and zeroized, at logout).
pub struct Login {
    pub user: CK_USER_TYPE,
    pub partition: Partition,
    pub cache: Arc<KeyCache>,
}

/// An object known by handle in this process.
#[derive(Clone, Debug)]
pub struct ObjRef {
    pub slot: CK_SLOT_ID,
    pub uid: String,
    /// The owning session of a session object; None for token objects.
    pub session: Option<CK_SESSION_HANDLE>,
    /// CKA_PRIVATE when the handle was given out (handles to private
    /// objects die at logout).
    pub private: bool,
}

/// A session object (CKA_TOKEN = false): kept in memory, gone with its session.
#[derive(Clone)]
pub struct SessionObject {
    pub attrs: Attributes,
    pub value: Option<SecretBytes>,
}

/// Handles ↔ unique identifiers, and the session objects themselves.
#[derive(Default)]
pub struct ObjectTable {
    next: CK_OBJECT_HANDLE,
    pub by_handle: HashMap<CK_OBJECT_HANDLE, ObjRef>,
    pub by_uid: HashMap<String, CK_OBJECT_HANDLE>,
    pub session_objects: HashMap<String, SessionObject>,
}

impl ObjectTable {
    /// The handle of `uid`, assigned on first sight.
    pub fn handle_for(
        &mut self,
        slot: CK_SLOT_ID,
        uid: &str,
        session: Option<CK_SESSION_HANDLE>,
        private: bool,
    ) -> CK_OBJECT_HANDLE {
        if let Some(h) = self.by_uid.get(uid) {
            return *h;
        }
        self.next += 1;
        let h = self.next;
        self.by_handle.insert(
            h,
            ObjRef {
                slot,
                uid: uid.to_string(),
                session,
                private,
            },
        );
        self.by_uid.insert(uid.to_string(), h);
        h
    }

    pub fn forget(&mut self, handle: CK_OBJECT_HANDLE) -> Option<ObjRef> {
        let r = self.by_handle.remove(&handle)?;
        self.by_uid.remove(&r.uid);
        if r.session.is_some() {
            self.session_objects.remove(&r.uid);
        }
        Some(r)
    }
}

/// Everything the module holds between C_Initialize and C_Finalize.
pub struct Module {
    pub ks: KeyStore,
    pub log: Arc<Logger>,
    /// Key uses waiting for their group commit ([`crate::audit_buffer`]).
    pub audit: Arc<AuditBuffer>,
    /// `pid:<pid>`, the audit entries' client.
    pub client: Arc<str>,
    /// The store's change version, for the object cache; None when the
    /// store file could not be watched (nothing is then cached).
    pub watch: Option<StoreWatch>,
    /// `[pkcs11] insecure_test_pin_kdf`: cheap PIN KDF, for test suites only.
    pub insecure_test_pin_kdf: bool,
    /// Token label per slot id; the empty slot is the id `slots.len()`.
    pub slots: Mutex<Vec<String>>,
    pub logins: RwLock<HashMap<CK_SLOT_ID, Login>>,
    pub sessions: RwLock<HashMap<CK_SESSION_HANDLE, Arc<Mutex<Session>>>>,
    pub objects: Mutex<ObjectTable>,
    /// Held across a C_Login's PIN check: one Argon2id (19 MiB) at a time,
    /// so a hundred threads logging in at once do not allocate 2 GB, and
    /// the threads that wait then see the login that won.
    pub login_serial: Mutex<()>,
    next_session: AtomicU64,
    pid: u32,
}

static MODULE: RwLock<Option<Arc<Module>>> = RwLock::new(None);

/// This process's id, kept here so that the check of every call costs no
/// system call; 0 until C_Initialize. The fork handler of the child
/// ([`crate::ffi`]) sets the child's.
static PID: AtomicU32 = AtomicU32::new(0);

/// The current process id (see [`PID`]).
pub fn current_pid() -> u32 {
    match PID.load(Ordering::Relaxed) {
        0 => std::process::id(),
        p => p,
    }
}

/// Records the process id: at C_Initialize, and in a forked child.
pub fn note_pid() {
    PID.store(std::process::id(), Ordering::Relaxed);
}

/// The module, or CKR_CRYPTOKI_NOT_INITIALIZED. A module inherited through
/// fork() counts as not initialized: the child must call C_Initialize.
pub fn module() -> Result<Arc<Module>> {
    match &*MODULE.read() {
        Some(m) if m.pid == current_pid() => Ok(m.clone()),
        _ => fail(CKR_CRYPTOKI_NOT_INITIALIZED, "C_Initialize was not called"),
    }
}

/// C_Initialize: loads the configuration and opens the store.
pub fn initialize(conf: Option<String>) -> Result<()> {
    note_pid();
    let mut g = MODULE.write();
    if let Some(m) = g.as_ref() {
        if m.pid == current_pid() {
            return fail(CKR_CRYPTOKI_ALREADY_INITIALIZED, "already initialized");
        }
        // Inherited through fork(): the parent's SQLite connections and locks
        // must not be used or closed here. Leak them.
        if let Some(old) = g.take() {
            std::mem::forget(old);
        }
    }
    let cfg = match conf {
        Some(c) => load_config(&c)?,
        None => Config::from_env().map_err(|e| Error::rv(CKR_GENERAL_ERROR, e.to_string()))?,
    };
    let log = Arc::new(Logger::open(cfg.pkcs11.log_file.as_deref()));
    let ks = cfg
        .open_store()
        .map_err(|e| Error::rv(CKR_DEVICE_ERROR, e.to_string()))?;
    let watch = cfg.store_path().ok().and_then(|p| StoreWatch::open(&p));
    log.line(
        "C_Initialize",
        match &watch {
            Some(w) if w.reads_shared_memory() => {
                "store changes seen in the WAL-index header (shared memory)"
            }
            Some(_) => "store changes seen by PRAGMA data_version",
            None => "store file not watched: token objects are opened at each use",
        },
    );
    bootstrap(&cfg, &ks)?;
    if cfg.pkcs11.insecure_test_pin_kdf {
        log.line(
            "C_Initialize",
            "WARNING: insecure_test_pin_kdf is set (test use only)",
        );
    }
    let m = Module {
        audit: AuditBuffer::start(ks.clone(), log.clone()),
        ks,
        log,
        client: Arc::from(format!("pid:{}", std::process::id())),
        watch,
        insecure_test_pin_kdf: cfg.pkcs11.insecure_test_pin_kdf,
        slots: Mutex::new(Vec::new()),
        logins: RwLock::new(HashMap::new()),
        sessions: RwLock::new(HashMap::new()),
        objects: Mutex::new(ObjectTable::default()),
        login_serial: Mutex::new(()),
        next_session: AtomicU64::new(1),
        pid: std::process::id(),
    };
    m.refresh_slots()?;
    *g = Some(Arc::new(m));
    Ok(())
}

/// The configuration named by C_Initialize's pReserved: a file path, or the
/// TOML text itself.
fn load_config(conf: &str) -> Result<Config> {
    let path = std::path::Path::new(conf);
    let r = if !conf.contains('\n') && !conf.contains('=') {
        Config::load(path)
    } else {
        Config::parse(conf)
    };
    r.map_err(|e| Error::rv(CKR_ARGUMENTS_BAD, e.to_string()))
}

/// A store that has never seen a master key cannot take PKCS#11 tokens (their
/// keys are sealed to the store's escrow key). Bind the configured master key
/// once, then drop the session: the module never keeps or uses it.
fn bootstrap(cfg: &Config, ks: &KeyStore) -> Result<()> {
    if ks.is_initialized()? {
        return Ok(());
    }
    let session = cfg
        .unlock()
        .map_err(|e| Error::rv(CKR_DEVICE_ERROR, e.to_string()))?;
    drop(session);
    Ok(())
}

/// C_Finalize.
pub fn finalize() -> Result<()> {
    let mut g = MODULE.write();
    match g.as_ref() {
        Some(m) if m.pid == current_pid() => {
            let m = g.take();
            drop(g);
            // Calls still running in other threads write their entries
            // one by one after this.
            if let Some(m) = m {
                m.audit.stop();
            }
            Ok(())
        }
        _ => fail(CKR_CRYPTOKI_NOT_INITIALIZED, "C_Initialize was not called"),
    }
}

/// The audit buffer of the module initialized in this process, if any
/// (for the fork and exit handlers of [`crate::ffi`]).
pub fn current_audit() -> Option<Arc<AuditBuffer>> {
    module().ok().map(|m| m.audit.clone())
}

impl Module {
    /// Adds a slot for every partition not shown yet (created by this or
    /// another process). Existing slot ids never change.
    pub fn refresh_slots(&self) -> Result<()> {
        let parts = self.ks.partitions()?;
        let mut slots = self.slots.lock();
        for p in parts {
            if !slots.contains(&p.label) {
                slots.push(p.label);
            }
        }
        Ok(())
    }

    /// The token label in `slot`, None for the empty slot.
    pub fn slot_label(&self, slot: CK_SLOT_ID) -> Result<Option<String>> {
        let slots = self.slots.lock();
        let i = usize::try_from(slot).unwrap_or(usize::MAX);
        match i.cmp(&slots.len()) {
            std::cmp::Ordering::Less => Ok(Some(slots[i].clone())),
            std::cmp::Ordering::Equal => Ok(None),
            std::cmp::Ordering::Greater => fail(CKR_SLOT_ID_INVALID, format!("no slot {slot}")),
        }
    }

    /// The token label in `slot`, or CKR_TOKEN_NOT_RECOGNIZED for the empty slot.
    pub fn token_label(&self, slot: CK_SLOT_ID) -> Result<String> {
        self.slot_label(slot)?.ok_or_else(|| {
            Error::rv(
                CKR_TOKEN_NOT_RECOGNIZED,
                "the empty slot holds no initialized token",
            )
        })
    }

    pub fn new_session_handle(&self) -> CK_SESSION_HANDLE {
        self.next_session.fetch_add(1, Ordering::Relaxed)
    }

    pub fn session(&self, h: CK_SESSION_HANDLE) -> Result<Arc<Mutex<Session>>> {
        self.sessions
            .read()
            .get(&h)
            .cloned()
            .ok_or_else(|| Error::rv(CKR_SESSION_HANDLE_INVALID, format!("no session {h}")))
    }

    /// Who is logged in to `slot`, if anyone.
    pub fn login_user(&self, slot: CK_SLOT_ID) -> Option<CK_USER_TYPE> {
        self.logins.read().get(&slot).map(|l| l.user)
    }

    pub fn user_logged_in(&self, slot: CK_SLOT_ID) -> bool {
        self.login_user(slot) == Some(CKU_USER)
    }

    /// The partition of `slot` as this process may use it now: unlocked
    /// after a login, else public objects only.
    pub fn partition(&self, slot: CK_SLOT_ID) -> Result<Partition> {
        if let Some(l) = self.logins.read().get(&slot) {
            return Ok(l.partition.clone());
        }
        let label = self.token_label(slot)?;
        self.ks.open_public(&label).map_err(|e| match e {
            keystore::Error::NotFound(_) => Error::rv(CKR_TOKEN_NOT_PRESENT, "token vanished"),
            e => e.into(),
        })
    }

    /// The object cache of the login to `slot` when it unlocked the
    /// partition; None without a login.
    pub fn login_cache(&self, slot: CK_SLOT_ID) -> Option<Arc<KeyCache>> {
        let logins = self.logins.read();
        let l = logins.get(&slot)?;
        l.partition.is_unlocked().then(|| l.cache.clone())
    }

    /// The store's change version now (see [`crate::key_cache`]).
    pub fn store_version(&self) -> Option<crate::key_cache::Stamp> {
        self.watch.as_ref().and_then(StoreWatch::version)
    }

    /// Writes the pending key-use audit entries now.
    pub fn flush_audit(&self) {
        self.audit.flush();
    }

    /// Sessions open on `slot`: (handle, read-write).
    pub fn sessions_on(&self, slot: CK_SLOT_ID) -> Vec<(CK_SESSION_HANDLE, bool)> {
        self.sessions
            .read()
            .iter()
            .filter_map(|(h, s)| {
                let s = s.lock();
                (s.slot == slot).then_some((*h, s.rw))
            })
            .collect()
    }
}
