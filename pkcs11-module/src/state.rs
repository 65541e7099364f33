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
//! anything else.
//!
//! What every call reads (the module itself, `slots`, `sessions`,
//! `logins`) is kept so that threads reading it write no shared memory: a
//! cache line written by two cores at every call cost more than the call's
//! own work and kept two threads from running faster than one. The
//! read-mostly maps are [`ReadMostly`] (a copy per thread shard), and each
//! thread keeps the module it last used ([`module`]).

use crate::audit_buffer::AuditBuffer;
use crate::error::{fail, Error, Result};
use crate::fast_hash::FastState;
use crate::key_cache::{KeyCache, StoreWatch};
use crate::log::Logger;
use crate::read_mostly::ReadMostly;
use crate::session::Session;
use cryptoki_sys::*;
use keystore::config::Config;
use keystore::{Attributes, KeyStore, Partition, SecretBytes};
use parking_lot::{Mutex, RwLock};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

/// Who is logged in to a token, the partition their PIN unlocked, and the
/// objects opened under this login (gone, and zeroized, at logout).
#[derive(Clone)]
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
    pub slots: ReadMostly<Vec<String>>,
    pub logins: ReadMostly<HashMap<CK_SLOT_ID, Login>>,
    pub sessions: ReadMostly<HashMap<CK_SESSION_HANDLE, Arc<Mutex<Session>>, FastState>>,
    pub objects: Mutex<ObjectTable>,
    /// Held across a C_Login's PIN check: one Argon2id (19 MiB) at a time,
    /// so a hundred threads logging in at once do not allocate 2 GB, and
    /// the threads that wait then see the login that won.
    pub login_serial: Mutex<()>,
    next_session: AtomicU64,
    pid: u32,
}

static MODULE: RwLock<Option<Arc<Module>>> = RwLock::new(None);

/// Changed, under `MODULE`'s write lock, whenever `MODULE` changes: a
/// thread's cached module ([`CACHED`]) is current while this is unchanged.
static GENERATION: AtomicU64 = AtomicU64::new(0);

/// The process id of the module in `MODULE`, 0 when there is none: the
/// check made before every call ([`initialized`]) reads only this.
static MODULE_PID: AtomicU32 = AtomicU32::new(0);

thread_local! {
    /// The module this thread last used, with the generation it was read
    /// at. An `Rc`: taking it for a call writes only this thread's memory
    /// (cloning the shared `Arc` would write its count, shared by all).
    static CACHED: RefCell<Option<(u64, ModuleRef)>> = const { RefCell::new(None) };
}

/// The module as a call holds it (see [`module`]): the `Rc` is the
/// thread's own count, the `Arc` the process-wide one, deliberately.
#[allow(clippy::redundant_allocation)]
pub type ModuleRef = Rc<Arc<Module>>;

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
///
/// Served from the thread's cache while [`GENERATION`] is unchanged. A
/// thread's cache may keep a finalized module allocated until that thread
/// calls again or exits; C_Finalize empties it first ([`Module::shut_down`]).
pub fn module() -> Result<ModuleRef> {
    let generation = GENERATION.load(Ordering::Acquire);
    let cached = CACHED
        .try_with(|c| match &*c.borrow() {
            Some((g, m)) if *g == generation => Some(m.clone()),
            _ => None,
        })
        .ok()
        .flatten();
    let m = match cached {
        Some(m) => m,
        None => {
            let g = MODULE.read();
            let Some(m) = g.as_ref() else {
                return fail(CKR_CRYPTOKI_NOT_INITIALIZED, "C_Initialize was not called");
            };
            let m = Rc::new(m.clone());
            let read_at = GENERATION.load(Ordering::Acquire);
            drop(g);
            // During thread exit the cache is gone: the module is used
            // uncached.
            let _ = CACHED.try_with(|c| *c.borrow_mut() = Some((read_at, m.clone())));
            m
        }
    };
    if m.pid != current_pid() {
        return fail(CKR_CRYPTOKI_NOT_INITIALIZED, "C_Initialize was not called");
    }
    Ok(m)
}

/// Whether C_Initialize was called in this process (and C_Finalize not
/// since): the check every call makes first, without taking the module.
pub fn initialized() -> bool {
    let pid = MODULE_PID.load(Ordering::Acquire);
    pid != 0 && pid == current_pid()
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
        GENERATION.fetch_add(1, Ordering::AcqRel);
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
        audit: AuditBuffer::start(
            ks.clone(),
            log.clone(),
            format!("pid:{}", std::process::id()),
        ),
        ks,
        log,
        client: Arc::from(format!("pid:{}", std::process::id())),
        watch,
        insecure_test_pin_kdf: cfg.pkcs11.insecure_test_pin_kdf,
        slots: ReadMostly::default(),
        logins: ReadMostly::default(),
        sessions: ReadMostly::default(),
        objects: Mutex::new(ObjectTable::default()),
        login_serial: Mutex::new(()),
        next_session: AtomicU64::new(1),
        pid: std::process::id(),
    };
    m.refresh_slots()?;
    MODULE_PID.store(m.pid, Ordering::Release);
    *g = Some(Arc::new(m));
    GENERATION.fetch_add(1, Ordering::AcqRel);
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
            MODULE_PID.store(0, Ordering::Release);
            GENERATION.fetch_add(1, Ordering::AcqRel);
            drop(g);
            // Calls still running in other threads write their entries
            // one by one after this.
            if let Some(m) = m {
                m.audit.stop();
                m.shut_down();
            }
            Ok(())
        }
        _ => fail(CKR_CRYPTOKI_NOT_INITIALIZED, "C_Initialize was not called"),
    }
}

/// The audit buffer of the module initialized in this process, if any
/// (for the fork and exit handlers of [`crate::ffi`]). Read from `MODULE`
/// itself: these handlers run in any thread, at exit after its cache is
/// gone.
pub fn current_audit() -> Option<Arc<AuditBuffer>> {
    match &*MODULE.read() {
        Some(m) if m.pid == current_pid() => Some(m.audit.clone()),
        _ => None,
    }
}

impl Module {
    /// At C_Finalize: ends every login (their keys and caches are zeroized
    /// when dropped) and session, and forgets every handle, so that a copy
    /// of the module still cached by another thread ([`module`]) holds no
    /// key.
    fn shut_down(&self) {
        self.logins.write(HashMap::clear);
        let sessions = self.sessions.write(std::mem::take);
        for s in sessions.values() {
            s.lock().cancel_all();
        }
        *self.objects.lock() = ObjectTable::default();
    }

    /// Adds a slot for every partition not shown yet (created by this or
    /// another process). Existing slot ids never change.
    pub fn refresh_slots(&self) -> Result<()> {
        let parts = self.ks.partitions()?;
        let new: Vec<String> = {
            let slots = self.slots.read();
            parts
                .into_iter()
                .map(|p| p.label)
                .filter(|l| !slots.contains(l))
                .collect()
        };
        if new.is_empty() {
            return Ok(());
        }
        self.slots.write(|slots| {
            for l in &new {
                if !slots.contains(l) {
                    slots.push(l.clone());
                }
            }
        });
        Ok(())
    }

    /// The token label in `slot` lent to `f` (None for the empty slot or
    /// no such slot), without copying it.
    pub fn with_slot_label<R>(&self, slot: CK_SLOT_ID, f: impl FnOnce(Option<&str>) -> R) -> R {
        let slots = self.slots.read();
        let i = usize::try_from(slot).unwrap_or(usize::MAX);
        f(slots.get(i).map(String::as_str))
    }

    /// The token label in `slot`, None for the empty slot.
    pub fn slot_label(&self, slot: CK_SLOT_ID) -> Result<Option<String>> {
        let slots = self.slots.read();
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
        self.with_login_cache(slot, |c| c.map(Arc::clone))
    }

    /// [`Module::login_cache`] lent to `f` without cloning its `Arc`
    /// (whose count every thread's C_*Init would write).
    pub fn with_login_cache<R>(
        &self,
        slot: CK_SLOT_ID,
        f: impl FnOnce(Option<&Arc<KeyCache>>) -> R,
    ) -> R {
        let logins = self.logins.read();
        let cache = logins
            .get(&slot)
            .filter(|l| l.partition.is_unlocked())
            .map(|l| &l.cache);
        f(cache)
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
