//! The key store: partitions, their keys, PIN logins, and the audit log, over
//! one [`Store`].

use crate::audit::{self, AuditEntry, AuditRecord, VerifyReport};
use crate::error::{Error, Result};
use crate::hierarchy::{self, EscrowKeyPair, KdfParams, MasterKey, PartitionKey};
use crate::lifecycle;
use crate::partition::Partition;
use crate::secret::SecretBytes;
use crate::storage::{sqlite::SqliteStore, PartitionRow, PinRole, PinRow, Store};
use std::path::Path;
use std::sync::Arc;

/// Meta keys.
const META_MASTER_CHECK: &str = "master.check";
const META_MASTER_KDF: &str = "master.kdf";
const META_ESCROW_PUBLIC: &str = "escrow.public";
const META_ESCROW_PRIVATE: &str = "escrow.private";

/// Consecutive wrong user PINs after which the user PIN is locked until the
/// security officer sets a new one (C_InitPIN).
pub const MAX_PIN_FAILURES: u32 = 10;

/// What callers may know of a partition without unlocking it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionInfo {
    pub id: String,
    pub label: String,
    pub created: lifecycle::Timestamp,
    pub user_pin_set: bool,
    pub user_pin_failures: u32,
    pub so_pin_failures: u32,
    /// Opened and wrapped under the master key (usable by the server).
    pub adopted: bool,
    /// Free-form token information kept by the PKCS#11 module.
    pub info: serde_json::Value,
}

/// Entry point: a store and the operations that need no master key.
#[derive(Clone)]
pub struct KeyStore {
    store: Arc<dyn Store>,
}

impl KeyStore {
    /// Opens (creating if needed) the embedded SQLite store at `path`.
    pub fn open(path: &Path) -> Result<KeyStore> {
        Ok(KeyStore::with_store(Arc::new(SqliteStore::open(path)?)))
    }

    /// A key store over any back end.
    pub fn with_store(store: Arc<dyn Store>) -> KeyStore {
        KeyStore { store }
    }

    /// The storage back end.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// Whether a master key has been bound to this store.
    pub fn is_initialized(&self) -> Result<bool> {
        Ok(self.store.meta_get(META_MASTER_CHECK)?.is_some())
    }

    /// The Argon2id parameters and salt of a passphrase master key, created
    /// (with a fresh salt) on first use.
    pub fn master_kdf_params(&self) -> Result<KdfParams> {
        if self.store.meta_get(META_MASTER_KDF)?.is_none() {
            let fresh = serde_json::to_vec(&KdfParams::recommended()?).map_err(json_err)?;
            self.store.meta_insert(&[(META_MASTER_KDF, &fresh)])?;
        }
        let raw = self
            .store
            .meta_get(META_MASTER_KDF)?
            .ok_or_else(|| Error::Storage("master key parameters vanished".into()))?;
        serde_json::from_slice(&raw)
            .map_err(|_| Error::Integrity("master key parameters are malformed".into()))
    }

    /// Binds `master` to a new store, or checks it against the one bound
    /// before, and returns a session that can open every partition.
    /// A wrong master key is refused before anything is written.
    pub fn unlock(&self, master: Arc<dyn MasterKey>) -> Result<MasterSession> {
        if self.store.meta_get(META_MASTER_CHECK)?.is_none() {
            // First binding. Build everything, then insert it in one
            // transaction: if another process binds first, its set wins
            // whole and this master key is checked against it below.
            let check = master.wrap(&crate::crypto::random::random_secret(32)?)?;
            let escrow = EscrowKeyPair::generate()?;
            let escrow_private = master.wrap(&escrow.private_pkcs8)?;
            self.store.meta_insert(&[
                (META_ESCROW_PRIVATE, &escrow_private),
                (META_ESCROW_PUBLIC, &escrow.public_spki),
                (META_MASTER_CHECK, &check),
            ])?;
        }
        let check = self
            .store
            .meta_get(META_MASTER_CHECK)?
            .ok_or_else(|| Error::Storage("master key check value vanished".into()))?;
        master.unwrap(&check).map_err(|_| {
            Error::MasterKey(format!(
                "{} is not the master key of this store",
                master.description()
            ))
        })?;
        let wrapped_escrow = self
            .store
            .meta_get(META_ESCROW_PRIVATE)?
            .ok_or_else(|| Error::Integrity("escrow key is missing".into()))?;
        let escrow_private = master.unwrap(&wrapped_escrow)?;
        Ok(MasterSession {
            ks: self.clone(),
            master,
            escrow_private,
        })
    }

    /// Every partition, with what can be known without its key.
    pub fn partitions(&self) -> Result<Vec<PartitionInfo>> {
        self.store
            .list_partitions()?
            .into_iter()
            .map(|p| self.info(p))
            .collect()
    }

    /// One partition by label.
    pub fn partition_info(&self, label: &str) -> Result<PartitionInfo> {
        let row = self.partition_row_by_label(label)?;
        self.info(row)
    }

    fn info(&self, p: PartitionRow) -> Result<PartitionInfo> {
        let user = self.store.get_pin(&p.id, PinRole::User)?;
        let so = self.store.get_pin(&p.id, PinRole::SecurityOfficer)?;
        Ok(PartitionInfo {
            user_pin_set: user.is_some(),
            user_pin_failures: user.map_or(0, |u| u.failures),
            so_pin_failures: so.map_or(0, |s| s.failures),
            adopted: p.key_under_master.is_some(),
            info: serde_json::from_slice(&p.info).unwrap_or(serde_json::Value::Null),
            id: p.id,
            label: p.label,
            created: p.created,
        })
    }

    /// The label of the partition holding object `uid`, None when no
    /// partition does. Reads only the record's partition column: it says
    /// where an object is, nothing about it (the caller must still check
    /// that whoever asked may know).
    pub fn partition_of(&self, uid: &str) -> Result<Option<String>> {
        self.store.object_partition_label(uid)
    }

    fn partition_row_by_label(&self, label: &str) -> Result<PartitionRow> {
        self.store
            .find_partition_by_label(label)?
            .ok_or_else(|| Error::NotFound(format!("partition {label:?}")))
    }

    /// Creates a partition protected by a security officer PIN, without the
    /// master key (PKCS#11 C_InitToken in a local process). The partition
    /// key is sealed to the store's escrow key so the server can adopt it.
    pub fn create_partition_with_so_pin(
        &self,
        label: &str,
        so_pin: &SecretBytes,
        params: KdfParams,
    ) -> Result<Partition> {
        let escrow_public = self.store.meta_get(META_ESCROW_PUBLIC)?.ok_or_else(|| {
            Error::MasterKey("the store has no master key yet: initialize it first".into())
        })?;
        let id = uuid::Uuid::new_v4().to_string();
        let key = PartitionKey::generate()?;
        let sealed = hierarchy::seal(&escrow_public, &id, key.secret())?;
        self.store.insert_partition(&PartitionRow {
            id: id.clone(),
            label: label.to_string(),
            created: lifecycle::now(),
            key_under_master: None,
            key_sealed: Some(sealed),
            info: b"{}".to_vec(),
        })?;
        put_pin(
            &*self.store,
            &id,
            PinRole::SecurityOfficer,
            &key,
            so_pin,
            params,
        )?;
        Ok(Partition::new(
            self.store.clone(),
            id,
            label.to_string(),
            Some(key),
        ))
    }

    /// A handle on a partition without its key: public objects only.
    pub fn open_public(&self, label: &str) -> Result<Partition> {
        let row = self.partition_row_by_label(label)?;
        Ok(Partition::new(self.store.clone(), row.id, row.label, None))
    }

    /// Logs in to a partition with a PIN (PKCS#11 C_Login). A user PIN that
    /// failed [`MAX_PIN_FAILURES`] times in a row is locked.
    pub fn login(&self, label: &str, role: PinRole, pin: &SecretBytes) -> Result<Partition> {
        let p = self.partition_row_by_label(label)?;
        let row = self.store.get_pin(&p.id, role)?.ok_or_else(|| {
            Error::NotFound(format!(
                "{} PIN of partition {label:?} is not set",
                role.as_str()
            ))
        })?;
        if role == PinRole::User && row.failures >= MAX_PIN_FAILURES {
            return Err(Error::PinLocked);
        }
        let params: KdfParams = serde_json::from_slice(&row.kdf)
            .map_err(|_| Error::Integrity("PIN parameters are malformed".into()))?;
        match PartitionKey::unwrap_with_pin(&row.wrapped_key, pin.expose(), &params) {
            Ok(key) => {
                if row.failures != 0 {
                    self.store.reset_pin_failures(&p.id, role)?;
                }
                Ok(Partition::new(self.store.clone(), p.id, p.label, Some(key)))
            }
            Err(Error::PinIncorrect) => {
                let n = self.store.record_pin_failure(&p.id, role)?;
                if role == PinRole::User && n >= MAX_PIN_FAILURES {
                    Err(Error::PinLocked)
                } else {
                    Err(Error::PinIncorrect)
                }
            }
            Err(e) => Err(e),
        }
    }

    /// Sets (or replaces) a PIN of an unlocked partition: C_InitPIN by the SO,
    /// C_SetPIN by either role. Clears the failure count of that PIN.
    pub fn set_pin(
        &self,
        partition: &Partition,
        role: PinRole,
        pin: &SecretBytes,
        params: KdfParams,
    ) -> Result<()> {
        put_pin(
            &*self.store,
            partition.id(),
            role,
            partition.key()?,
            pin,
            params,
        )
    }

    /// Removes every object of an unlocked partition and its user PIN
    /// (C_InitToken on an initialized token).
    pub fn wipe_partition(&self, partition: &Partition) -> Result<u64> {
        partition.key()?;
        let n = self.store.clear_partition_objects(partition.id())?;
        self.store.delete_pin(partition.id(), PinRole::User)?;
        Ok(n)
    }

    /// Replaces the module's token information of an unlocked partition.
    pub fn set_partition_info(
        &self,
        partition: &Partition,
        info: &serde_json::Value,
    ) -> Result<()> {
        partition.key()?;
        let mut row = self
            .store
            .get_partition(partition.id())?
            .ok_or_else(|| Error::NotFound(format!("partition {}", partition.label())))?;
        row.info = serde_json::to_vec(info).map_err(json_err)?;
        self.store.update_partition(&row)
    }

    /// Renames an unlocked partition (C_InitToken on an initialized token
    /// with a new label). The label is also the KMIP identity the partition
    /// belongs to, so a rename moves the token to that identity; a label
    /// already taken is refused with AlreadyExists.
    pub fn relabel_partition(&self, partition: &Partition, label: &str) -> Result<Partition> {
        partition.key()?;
        if label.is_empty() {
            return Err(Error::InvalidArgument("partition label is empty".into()));
        }
        let mut row = self
            .store
            .get_partition(partition.id())?
            .ok_or_else(|| Error::NotFound(format!("partition {}", partition.label())))?;
        if row.label != label {
            if self.store.find_partition_by_label(label)?.is_some() {
                return Err(Error::AlreadyExists(format!("partition {label:?}")));
            }
            row.label = label.to_string();
            self.store.update_partition(&row)?;
        }
        Ok(partition.relabeled(label))
    }

    /// Appends an event to the audit log.
    pub fn audit(&self, entry: &AuditEntry) -> Result<AuditRecord> {
        self.store.append_audit(entry)
    }

    /// Appends the event of a request that changed nothing (a read, a
    /// cryptographic operation): kept against a crash of the process when
    /// it returns, in the chain and on the disk a few milliseconds later
    /// ([`Store::append_audit_deferred`]).
    pub fn audit_deferred(&self, entry: &AuditEntry) -> Result<()> {
        self.store.append_audit_deferred(entry)
    }

    /// Appends several events to the audit log, in order, in one
    /// transaction where the store can (see [`Store::append_audit_batch`]).
    pub fn audit_batch(&self, entries: &[AuditEntry]) -> Result<()> {
        if entries.is_empty() {
            return Ok(());
        }
        self.store.append_audit_batch(entries)
    }

    /// Verifies the whole audit log.
    pub fn verify_audit(&self) -> Result<VerifyReport> {
        audit::verify(&*self.store)
    }
}

fn put_pin(
    store: &dyn Store,
    partition: &str,
    role: PinRole,
    key: &PartitionKey,
    pin: &SecretBytes,
    params: KdfParams,
) -> Result<()> {
    if pin.is_empty() {
        return Err(Error::InvalidArgument("PIN is empty".into()));
    }
    let wrapped_key = key.wrap_under_pin(pin.expose(), &params)?;
    store.put_pin(&PinRow {
        partition: partition.to_string(),
        role,
        kdf: serde_json::to_vec(&params).map_err(json_err)?,
        wrapped_key,
        failures: 0,
    })
}

fn json_err(e: serde_json::Error) -> Error {
    Error::Storage(format!("serialization: {e}"))
}

/// A key store unlocked with its master key: the server's view, which can
/// open every partition.
pub struct MasterSession {
    ks: KeyStore,
    master: Arc<dyn MasterKey>,
    escrow_private: SecretBytes,
}

impl MasterSession {
    /// The key store this session unlocked.
    pub fn key_store(&self) -> &KeyStore {
        &self.ks
    }

    /// Creates a partition whose key is wrapped under the master key.
    pub fn create_partition(&self, label: &str) -> Result<Partition> {
        let id = uuid::Uuid::new_v4().to_string();
        let key = PartitionKey::generate()?;
        self.ks.store.insert_partition(&PartitionRow {
            id: id.clone(),
            label: label.to_string(),
            created: lifecycle::now(),
            key_under_master: Some(self.master.wrap(key.secret())?),
            key_sealed: None,
            info: b"{}".to_vec(),
        })?;
        Ok(Partition::new(
            self.ks.store.clone(),
            id,
            label.to_string(),
            Some(key),
        ))
    }

    /// Opens a partition by label. A partition created without the master
    /// key is adopted: its sealed key is opened and wrapped under the master key.
    pub fn partition(&self, label: &str) -> Result<Partition> {
        let mut row = self.ks.partition_row_by_label(label)?;
        let key = match (&row.key_under_master, &row.key_sealed) {
            (Some(w), _) => PartitionKey::from_bytes(self.master.unwrap(w)?)?,
            (None, Some(sealed)) => {
                let k = PartitionKey::from_bytes(hierarchy::unseal(
                    &self.escrow_private,
                    &row.id,
                    sealed,
                )?)?;
                row.key_under_master = Some(self.master.wrap(k.secret())?);
                row.key_sealed = None;
                self.ks.store.update_partition(&row)?;
                k
            }
            (None, None) => {
                return Err(Error::Integrity(format!("partition {label:?} has no key")))
            }
        };
        Ok(Partition::new(
            self.ks.store.clone(),
            row.id,
            row.label,
            Some(key),
        ))
    }

    /// Opens the partition `label`, creating it if it does not exist (a KMIP
    /// identity's partition on its first request).
    pub fn partition_or_create(&self, label: &str) -> Result<Partition> {
        match self.partition(label) {
            Err(Error::NotFound(_)) => match self.create_partition(label) {
                Err(Error::AlreadyExists(_)) => self.partition(label),
                other => other,
            },
            other => other,
        }
    }
}
