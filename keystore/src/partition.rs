//! A partition handle: the objects of one token / one KMIP identity.
//!
//! A handle is *unlocked* when it holds the partition key (after a PIN login
//! or through the store master key) and *locked* otherwise. Locked handles
//! see only objects that are not private, and only their attributes and
//! public values; every write needs an unlocked handle, because every row
//! is authenticated with the partition key.

use crate::error::{Error, Result};
use crate::hierarchy::PartitionKey;
use crate::lifecycle::{self, RevocationReason, State, Timestamp, Usage};
use crate::object::{Attributes, ManagedObject, ObjectType, ObjectValue};
use crate::record;
use crate::storage::{ObjectQuery, Store};
use std::sync::Arc;

/// How often an update is retried when another writer changed the same
/// object between our read and our write.
const UPDATE_RETRIES: usize = 32;

/// Look-up filters over the indexed attributes; all given must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    pub object_type: Option<ObjectType>,
    /// The first Name / CKA_LABEL.
    pub label: Option<String>,
    pub key_id: Option<Vec<u8>>,
    /// The state as of now (time-driven transitions applied).
    pub state: Option<State>,
    /// Leave out destroyed objects without reading them (see
    /// [`crate::storage::ObjectQuery::exclude_destroyed`]).
    pub exclude_destroyed: bool,
}

/// The objects of one partition.
#[derive(Clone)]
pub struct Partition {
    store: Arc<dyn Store>,
    id: String,
    label: String,
    key: Option<Arc<PartitionKey>>,
}

impl std::fmt::Debug for Partition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Partition")
            .field("id", &self.id)
            .field("label", &self.label)
            .field("unlocked", &self.key.is_some())
            .finish()
    }
}

impl Partition {
    pub(crate) fn new(
        store: Arc<dyn Store>,
        id: String,
        label: String,
        key: Option<PartitionKey>,
    ) -> Partition {
        Partition {
            store,
            id,
            label,
            key: key.map(Arc::new),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    /// Whether this handle holds the partition key.
    pub fn is_unlocked(&self) -> bool {
        self.key.is_some()
    }

    /// The same partition without its key (after C_Logout).
    pub fn locked(&self) -> Partition {
        Partition {
            key: None,
            ..self.clone()
        }
    }

    /// The same handle under a new label (after [`crate::KeyStore::relabel_partition`]).
    pub(crate) fn relabeled(&self, label: &str) -> Partition {
        Partition {
            label: label.to_string(),
            ..self.clone()
        }
    }

    pub(crate) fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub(crate) fn key(&self) -> Result<&PartitionKey> {
        self.key
            .as_deref()
            .ok_or_else(|| Error::PartitionLocked(self.label.clone()))
    }

    /// Stores a new object under a fresh UUID and returns it.
    pub fn create(&self, attributes: Attributes, value: Option<ObjectValue>) -> Result<String> {
        let uid = uuid::Uuid::new_v4().to_string();
        self.create_with_uid(&uid, attributes, value)?;
        Ok(uid)
    }

    /// Stores a new object under `uid` (KMIP Register with a chosen id, imports).
    pub fn create_with_uid(
        &self,
        uid: &str,
        attributes: Attributes,
        value: Option<ObjectValue>,
    ) -> Result<()> {
        if uid.is_empty() {
            return Err(Error::InvalidArgument("unique identifier is empty".into()));
        }
        if value.is_none() && !attributes.lifecycle.state.is_destroyed() {
            return Err(Error::InvalidArgument(format!(
                "a new {} needs a value",
                attributes.object_type
            )));
        }
        let key = self.key()?;
        let obj = ManagedObject {
            uid: uid.to_string(),
            partition: self.id.clone(),
            attributes,
            value,
        };
        let row = record::seal(key, &obj, 1)?;
        self.store.insert_object(&row)
    }

    /// The object, with its value when this handle may see it. Objects of
    /// other partitions and private objects of a locked handle are NotFound,
    /// so their existence does not leak.
    pub fn get(&self, uid: &str) -> Result<ManagedObject> {
        let row = self
            .store
            .get_object(uid)?
            .filter(|r| r.partition == self.id)
            .ok_or_else(|| Error::NotFound(format!("object {uid}")))?;
        let mut obj = record::open(self.key.as_deref(), &row)?;
        if self.key.is_none() && obj.attributes.flags.private {
            return Err(Error::NotFound(format!("object {uid}")));
        }
        obj.attributes.lifecycle.refresh(lifecycle::now());
        Ok(obj)
    }

    /// The object's value for a cryptographic use, after checking that its
    /// state permits `usage` now. Attribute checks (usage mask, allowed
    /// mechanisms, extractable) belong to the caller, who knows the operation.
    pub fn use_object(&self, uid: &str, usage: Usage) -> Result<ManagedObject> {
        self.key()?;
        self.usable(self.get(uid)?, usage)
    }

    /// [`Partition::use_object`] for an object already read with
    /// [`Partition::get`] (in the same request).
    pub fn usable(&self, obj: ManagedObject, usage: Usage) -> Result<ManagedObject> {
        self.key()?;
        obj.attributes.lifecycle.check(usage, lifecycle::now())?;
        if obj.value.is_none() {
            return Err(Error::WrongState {
                operation: usage.to_string(),
                state: obj.attributes.lifecycle.state,
            });
        }
        Ok(obj)
    }

    /// Changes an object's attributes with `change`, atomically: if another
    /// writer changes the object meanwhile, it is read again and `change`
    /// re-applied. Enforces the one-way rules shared by both protocols:
    /// an object never stops being sensitive, never becomes extractable
    /// again, never changes class, and a destroyed object keeps no value.
    pub fn update<F>(&self, uid: &str, mut change: F) -> Result<ManagedObject>
    where
        F: FnMut(&mut ManagedObject) -> Result<()>,
    {
        let key = self.key()?;
        for _ in 0..UPDATE_RETRIES {
            let row = self
                .store
                .get_object(uid)?
                .filter(|r| r.partition == self.id)
                .ok_or_else(|| Error::NotFound(format!("object {uid}")))?;
            let before = record::open(Some(key), &row)?;
            let mut after = before.clone();
            after.attributes.lifecycle.refresh(lifecycle::now());
            change(&mut after)?;
            check_invariants(&before.attributes, &mut after)?;
            let new_row = record::seal(key, &after, row.revision + 1)?;
            if self.store.update_object(&new_row)? {
                return Ok(after);
            }
        }
        Err(Error::Storage(format!(
            "object {uid} kept changing under concurrent writers; try again"
        )))
    }

    /// KMIP Activate (KMIP 2.1 §6.1.1).
    pub fn activate(&self, uid: &str) -> Result<ManagedObject> {
        self.update(uid, |o| o.attributes.lifecycle.activate(lifecycle::now()))
    }

    /// KMIP Revoke (KMIP 2.1 §6.1.44).
    pub fn revoke(
        &self,
        uid: &str,
        reason: RevocationReason,
        message: Option<String>,
        compromise_occurrence_date: Option<Timestamp>,
    ) -> Result<ManagedObject> {
        self.update(uid, |o| {
            o.attributes.lifecycle.revoke(
                lifecycle::now(),
                reason,
                message.clone(),
                compromise_occurrence_date,
            )
        })
    }

    /// KMIP Destroy (KMIP 2.1 §6.1.15): the value is erased, the attributes
    /// stay for Get Attributes and audit. Refused while Active, and for
    /// objects marked not destroyable.
    pub fn destroy(&self, uid: &str) -> Result<ManagedObject> {
        self.update(uid, |o| {
            if !o.attributes.flags.destroyable {
                return Err(Error::NotPermitted(format!(
                    "object {} is not destroyable",
                    o.uid
                )));
            }
            o.attributes.lifecycle.destroy(lifecycle::now())?;
            o.value = None;
            Ok(())
        })
    }

    /// Removes an object and its record entirely (PKCS#11 C_DestroyObject,
    /// PKCS#11 3.0 §5.7). Needs an unlocked handle and a destroyable object.
    pub fn delete(&self, uid: &str) -> Result<()> {
        let obj = self.get(uid)?;
        self.key()?;
        if !obj.attributes.flags.destroyable {
            return Err(Error::NotPermitted(format!(
                "object {uid} is not destroyable"
            )));
        }
        if self.store.delete_object(uid)? {
            Ok(())
        } else {
            Err(Error::NotFound(format!("object {uid}")))
        }
    }

    /// The objects matching `filter`, in creation order: attributes and
    /// public values. Private objects are skipped by a locked handle.
    pub fn find(&self, filter: &Filter) -> Result<Vec<ManagedObject>> {
        let query = ObjectQuery {
            partition: Some(self.id.clone()),
            object_type: filter.object_type.map(ObjectType::as_i64),
            label: filter.label.clone(),
            key_id: filter.key_id.clone(),
            // State is filtered after time-driven transitions, not by the column.
            state: None,
            exclude_destroyed: filter.exclude_destroyed,
        };
        let now = lifecycle::now();
        let mut out = Vec::new();
        for row in self.store.find_objects(&query)? {
            let mut obj = record::open(self.key.as_deref(), &row)?;
            if self.key.is_none() && obj.attributes.flags.private {
                continue;
            }
            obj.attributes.lifecycle.refresh(now);
            if filter
                .state
                .is_some_and(|s| s != obj.attributes.lifecycle.state)
                || filter
                    .label
                    .as_deref()
                    .is_some_and(|l| obj.attributes.label() != Some(l))
                || filter
                    .key_id
                    .as_ref()
                    .is_some_and(|k| obj.attributes.key_id.as_ref() != Some(k))
            {
                continue;
            }
            out.push(obj);
        }
        Ok(out)
    }
}

fn check_invariants(before: &Attributes, after: &mut ManagedObject) -> Result<()> {
    let a = &mut after.attributes;
    if a.object_type != before.object_type {
        return Err(Error::NotPermitted(
            "the object type of an object cannot change".into(),
        ));
    }
    if before.flags.sensitive && !a.flags.sensitive {
        return Err(Error::NotPermitted(
            "a sensitive object cannot be made non-sensitive".into(),
        ));
    }
    if !before.flags.extractable && a.flags.extractable {
        return Err(Error::NotPermitted(
            "a non-extractable object cannot be made extractable".into(),
        ));
    }
    a.track_sensitivity();
    a.lifecycle.last_change_date = lifecycle::now();
    if a.lifecycle.state.is_destroyed() {
        after.value = None;
    }
    Ok(())
}
