//! The store as the key store core reads it after a crash: every partition
//! opened with the master key, every object record opened (its MAC checked
//! against the partition key), every key value turned into a check value.
//!
//! Call only from a process that has not loaded the PKCS#11 module (SQLite's
//! POSIX locks are per process).

use crate::Result;
use keystore::config::Config;
use keystore::ObjectType;
use std::collections::BTreeMap;
use std::path::Path;

/// One object as found in the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub partition: String,
    pub label: Option<String>,
    pub object_type: ObjectType,
    /// KMIP Destroyed (value erased, attributes kept).
    pub destroyed: bool,
    /// Length of the stored value in bytes, None when there is none.
    pub value_len: Option<usize>,
    /// Check value of an AES key's value.
    pub kcv: Option<String>,
}

/// Every object of every partition, by unique id.
#[derive(Debug, Default)]
pub struct StoreView {
    pub objects: BTreeMap<String, Seen>,
    pub partitions: Vec<String>,
    /// User PIN failure count by partition label.
    pub pin_failures: BTreeMap<String, u32>,
    pub audit_records: u64,
}

/// Opens the store named by the configuration `conf` and reads all of it;
/// any record that does not open (a torn or edited row) is an error.
pub fn read(conf: &Path) -> Result<StoreView> {
    let config = Config::load(conf).map_err(|e| format!("configuration: {e}"))?;
    let session = config
        .unlock()
        .map_err(|e| format!("the store does not open: {e}"))?;
    let ks = session.key_store();
    let mut view = StoreView::default();
    for info in ks.partitions().map_err(|e| format!("partitions: {e}"))? {
        let p = session
            .partition(&info.label)
            .map_err(|e| format!("partition {}: {e}", info.label))?;
        view.pin_failures
            .insert(info.label.clone(), info.user_pin_failures);
        let found = p
            .find(&keystore::Filter::default())
            .map_err(|e| format!("partition {}: an object does not open: {e}", info.label))?;
        for listed in found {
            let o = p
                .get(&listed.uid)
                .map_err(|e| format!("object {}: {e}", listed.uid))?;
            let a = &o.attributes;
            let kcv = match (&o.value, a.algorithm) {
                (Some(v), Some(keystore::Algorithm::Aes)) => {
                    Some(crate::aes_check_value(v.expose())?)
                }
                _ => None,
            };
            view.objects.insert(
                o.uid.clone(),
                Seen {
                    partition: info.label.clone(),
                    label: a.label().map(str::to_string),
                    object_type: a.object_type,
                    destroyed: a.lifecycle.state.is_destroyed(),
                    value_len: o.value.as_ref().map(|v| v.len()),
                    kcv,
                },
            );
        }
        view.partitions.push(info.label);
    }
    view.audit_records = ks
        .verify_audit()
        .map_err(|e| format!("the audit log does not verify: {e}"))?
        .records;
    Ok(view)
}

/// SQLite's own `PRAGMA integrity_check` of the store file (read-only).
pub fn sqlite_integrity(store: &Path) -> Result<()> {
    use rusqlite::{Connection, OpenFlags};
    let conn = Connection::open_with_flags(store, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("{}: {e}", store.display()))?;
    let rows: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .and_then(|mut s| {
            s.query_map([], |r| r.get::<_, String>(0))?
                .collect::<std::result::Result<Vec<_>, _>>()
        })
        .map_err(|e| format!("integrity_check: {e}"))?;
    if rows == ["ok"] {
        Ok(())
    } else {
        Err(format!("integrity_check: {rows:?}"))
    }
}
