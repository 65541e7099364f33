//! Storage: the [`Store`] trait and its back ends.
//!
//! A store keeps rows exactly as the layers above hand them over: it never
//! sees a key in the clear (values arrive wrapped, records arrive with their
//! MAC) and it never interprets attributes beyond the index columns. So a
//! second back end (PostgreSQL) implements the same rows without touching
//! callers, and a store file on its own reveals no key.
//!
//! Every method is one transaction: a write either happens whole or not at
//! all, and once it returns Ok it is durable.

pub mod sqlite;
mod sqlite_schema;

use crate::audit::{AuditEntry, AuditRecord};
use crate::error::Result;

/// A managed object as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRow {
    pub uid: String,
    pub partition: String,
    /// Index columns, copied from the attributes; never trusted on read.
    pub object_type: i64,
    pub state: i64,
    pub label: Option<String>,
    pub key_id: Option<Vec<u8>>,
    /// Serialized attributes (authenticated by `mac`).
    pub attributes: Vec<u8>,
    /// The value: wrapped when `protected`, in the clear otherwise; None once destroyed.
    pub value: Option<Vec<u8>>,
    pub protected: bool,
    /// HMAC over the whole record under the partition's record key.
    pub mac: Vec<u8>,
    /// Incremented by every update; updates name the revision they replace.
    pub revision: i64,
}

/// A partition (a PKCS#11 token, a KMIP identity's object space).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionRow {
    pub id: String,
    pub label: String,
    pub created: i64,
    /// The partition key wrapped under the store master key.
    pub key_under_master: Option<Vec<u8>>,
    /// The partition key sealed to the store's escrow public key, by a
    /// process that does not hold the master key.
    pub key_sealed: Option<Vec<u8>>,
    /// Serialized token information (flags, owner, ...).
    pub info: Vec<u8>,
}

/// Who a PIN belongs to (PKCS#11 CKU_SO / CKU_USER).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PinRole {
    SecurityOfficer,
    User,
}

impl PinRole {
    pub fn as_str(self) -> &'static str {
        match self {
            PinRole::SecurityOfficer => "so",
            PinRole::User => "user",
        }
    }
}

/// The partition key wrapped under a key derived from one PIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PinRow {
    pub partition: String,
    pub role: PinRole,
    /// Serialized KDF parameters and salt.
    pub kdf: Vec<u8>,
    pub wrapped_key: Vec<u8>,
    /// Consecutive failed logins since the last success.
    pub failures: u32,
}

/// Filters of a look-up; every one given must match. The layer above checks
/// them again on the authenticated attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObjectQuery {
    pub partition: Option<String>,
    pub object_type: Option<i64>,
    pub label: Option<String>,
    pub key_id: Option<Vec<u8>>,
    pub state: Option<i64>,
    /// Skip rows whose state is Destroyed or Destroyed Compromised. A
    /// destroyed object never changes state again, so the column is exact
    /// for this, and look-ups that never return destroyed objects (KMIP 2.x
    /// Locate of on-line objects) need not read every key ever destroyed.
    pub exclude_destroyed: bool,
}

/// The storage back end.
pub trait Store: Send + Sync {
    /// Reads a store-wide setting.
    fn meta_get(&self, key: &str) -> Result<Option<Vec<u8>>>;
    /// Writes settings only if none of them exists yet, all in one
    /// transaction; returns whether they were written. Initialization races
    /// between processes are settled by this: one process's set wins whole.
    fn meta_insert(&self, entries: &[(&str, &[u8])]) -> Result<bool>;

    fn insert_partition(&self, row: &PartitionRow) -> Result<()>;
    fn get_partition(&self, id: &str) -> Result<Option<PartitionRow>>;
    fn find_partition_by_label(&self, label: &str) -> Result<Option<PartitionRow>>;
    fn list_partitions(&self) -> Result<Vec<PartitionRow>>;
    /// Replaces the wrapped partition keys and info of an existing partition.
    fn update_partition(&self, row: &PartitionRow) -> Result<()>;
    /// Removes a partition with its objects and PINs.
    fn delete_partition(&self, id: &str) -> Result<bool>;
    /// Removes every object of a partition, keeping the partition (token re-initialization).
    fn clear_partition_objects(&self, id: &str) -> Result<u64>;

    /// Inserts or replaces the PIN row of (partition, role).
    fn put_pin(&self, row: &PinRow) -> Result<()>;
    fn get_pin(&self, partition: &str, role: PinRole) -> Result<Option<PinRow>>;
    fn delete_pin(&self, partition: &str, role: PinRole) -> Result<bool>;
    /// Atomically counts one more failed login; returns the new count.
    fn record_pin_failure(&self, partition: &str, role: PinRole) -> Result<u32>;
    fn reset_pin_failures(&self, partition: &str, role: PinRole) -> Result<()>;

    /// Inserts a new object; `AlreadyExists` if the uid is taken.
    fn insert_object(&self, row: &ObjectRow) -> Result<()>;
    /// The label of the partition holding object `uid` (None: no such
    /// object). Back ends answer it without reading the object itself.
    fn object_partition_label(&self, uid: &str) -> Result<Option<String>> {
        let Some(row) = self.get_object(uid)? else {
            return Ok(None);
        };
        Ok(self.get_partition(&row.partition)?.map(|p| p.label))
    }
    fn get_object(&self, uid: &str) -> Result<Option<ObjectRow>>;
    /// Replaces the object if its stored revision is still `row.revision - 1`;
    /// returns false (nothing written) if someone else changed it first.
    fn update_object(&self, row: &ObjectRow) -> Result<bool>;
    /// Deletes the object; returns whether it existed.
    fn delete_object(&self, uid: &str) -> Result<bool>;
    /// The rows matching every given filter, in insertion order.
    fn find_objects(&self, query: &ObjectQuery) -> Result<Vec<ObjectRow>>;

    /// Appends to the hash-chained audit log (sequence and chain computed in
    /// the same transaction as the insert, so concurrent writers stay chained).
    fn append_audit(&self, entry: &AuditEntry) -> Result<AuditRecord>;
    /// Appends like [`Store::append_audit`], for the records of requests
    /// that changed nothing: when it returns the record is kept so that a
    /// crash of the process loses nothing, but a back end may add it to the
    /// chain and sync it to the disk a few milliseconds later, so a power
    /// loss can take the newest such records (a suffix of the log; what
    /// remains still verifies). This default is the durable append.
    fn append_audit_deferred(&self, entry: &AuditEntry) -> Result<()> {
        self.append_audit(entry).map(|_| ())
    }
    /// Appends `entries` in order, chained after the current head. Back ends
    /// that can do so write them in one transaction (one durable commit for
    /// the batch: all of them or none). This default appends them one at a
    /// time, each append atomic, so the chain is never torn either way.
    fn append_audit_batch(&self, entries: &[AuditEntry]) -> Result<()> {
        for e in entries {
            self.append_audit(e)?;
        }
        Ok(())
    }
    /// Audit records with `seq >= from`, at most `limit`, in order.
    fn audit_records(&self, from: u64, limit: usize) -> Result<Vec<AuditRecord>>;
    /// The last appended record's sequence and hash, kept apart from the
    /// records so that removing the newest records is detected.
    fn audit_head(&self) -> Result<Option<(u64, [u8; 32])>>;

    /// Adds an identity (or group); `AlreadyExists` if the name is taken.
    fn insert_identity(&self, row: &IdentityRow) -> Result<()>;
    fn get_identity(&self, name: &str) -> Result<Option<IdentityRow>>;
    fn list_identities(&self) -> Result<Vec<IdentityRow>>;
    /// Replaces an identity's info; NotFound if it does not exist.
    fn update_identity(&self, row: &IdentityRow) -> Result<()>;
    /// Removes an identity with its group memberships, the grants made to
    /// it and its OTP device; returns whether it existed.
    fn delete_identity(&self, name: &str) -> Result<bool>;
    fn add_group_member(&self, group: &str, member: &str) -> Result<()>;
    fn remove_group_member(&self, group: &str, member: &str) -> Result<bool>;
    /// The groups `member` belongs to, directly.
    fn groups_of(&self, member: &str) -> Result<Vec<String>>;

    /// Inserts or replaces the grant of (object, grantee).
    fn put_grant(&self, row: &GrantRow) -> Result<()>;
    fn delete_grant(&self, object: &str, grantee: &str) -> Result<bool>;
    /// Grants on `object`, or all grants when None.
    fn grants(&self, object: Option<&str>) -> Result<Vec<GrantRow>>;
    /// Grants made to any of `grantees`.
    fn grants_to(&self, grantees: &[String]) -> Result<Vec<GrantRow>>;

    /// The sealed OTP device of `identity`, with its revision.
    fn get_otp_device(&self, identity: &str) -> Result<Option<OtpDeviceRow>>;
    /// Writes the device if the stored revision is still `row.revision - 1`
    /// (0 = none yet); false if another writer got there first, so a code
    /// can never be accepted twice by racing requests.
    fn put_otp_device(&self, row: &OtpDeviceRow) -> Result<bool>;
    fn delete_otp_device(&self, identity: &str) -> Result<bool>;
}

/// An identity: a KMIP client (certificate CN) or token user, or a group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityRow {
    pub name: String,
    pub is_group: bool,
    pub created: i64,
    /// Serialized settings (password hash, MFA policy).
    pub info: Vec<u8>,
}

/// Operations `grantee` may perform on `object` (a bit set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRow {
    pub object: String,
    pub grantee: String,
    pub operations: u32,
    pub granted_by: String,
    pub created: i64,
}

/// An OTP device, sealed under its identity's partition key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtpDeviceRow {
    pub identity: String,
    pub partition: String,
    pub sealed: Vec<u8>,
    pub revision: i64,
}
