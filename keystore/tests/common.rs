//! Shared helpers of the keystore integration tests.
#![allow(dead_code)]

use keystore::hierarchy::{KdfParams, SoftwareMasterKey};
use keystore::object::{Algorithm, Attributes, ObjectType, UsageMask};
use keystore::{KeyStore, MasterSession, SecretBytes};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub master_file: PathBuf,
}

impl Default for Fixture {
    fn default() -> Self {
        Self::new()
    }
}

impl Fixture {
    pub fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("store.db");
        let master_file = dir.path().join("master.key");
        Fixture {
            dir,
            db,
            master_file,
        }
    }

    pub fn open(&self) -> KeyStore {
        KeyStore::open(&self.db).unwrap()
    }

    pub fn unlock(&self) -> MasterSession {
        unlock(&self.db, &self.master_file)
    }
}

pub fn unlock(db: &Path, master_file: &Path) -> MasterSession {
    let ks = KeyStore::open(db).unwrap();
    let master = SoftwareMasterKey::from_key_file(master_file).unwrap();
    ks.unlock(Arc::new(master)).unwrap()
}

pub fn fast_kdf() -> KdfParams {
    KdfParams::insecure_for_tests().unwrap()
}

pub fn pin(s: &str) -> SecretBytes {
    SecretBytes::from_slice(s.as_bytes())
}

/// Attributes of an AES-256 key named `name`.
pub fn aes_attributes(name: &str) -> Attributes {
    let mut a = Attributes::new(ObjectType::SymmetricKey, keystore::lifecycle::now());
    a.algorithm = Some(Algorithm::Aes);
    a.length = Some(256);
    a.names.push(name.to_string());
    a.usage = UsageMask(UsageMask::ENCRYPT | UsageMask::DECRYPT);
    a
}

/// Every file of the store: the database, its WAL and shared memory.
pub fn store_files(db: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let p = PathBuf::from(format!("{}{suffix}", db.display()));
        if let Ok(b) = std::fs::read(&p) {
            all.extend_from_slice(&b);
        }
    }
    all
}

/// Whether any `window`-byte run of `needle` occurs in `haystack`.
pub fn contains_any_window(haystack: &[u8], needle: &[u8], window: usize) -> bool {
    needle
        .windows(window)
        .any(|w| haystack.windows(window).any(|h| h == w))
}
