//! Sealing a managed object into a stored row and opening it again.
//!
//! A row's value is wrapped (RFC 5649) under a key derived from the
//! partition key and the object's unique identifier; the whole row (uid,
//! partition, attributes, protection flag, value) is authenticated with
//! HMAC-SHA256 under the partition's record key. So an edited attribute, a
//! flipped byte of ciphertext, or a value moved from another row is an
//! integrity error, never a wrong key handed to a caller.
//!
//! Without the partition key (a PKCS#11 process before C_Login) only objects
//! that are not private and whose value is not protected can be read, and
//! their MAC cannot be checked then: public objects read before login are
//! as trustworthy as the file; everything read after login is verified.

use crate::crypto::{digest::DigestAlgorithm, mac, wrap};
use crate::error::{Error, Result};
use crate::hierarchy::PartitionKey;
use crate::object::{Attributes, ManagedObject};
use crate::secret::{ct_eq, SecretBytes};
use crate::storage::ObjectRow;

const RECORD_DOMAIN: &[u8] = b"keybridge-record-v1";

fn record_mac(key: &PartitionKey, row: &ObjectRow) -> Result<Vec<u8>> {
    let mut input =
        Vec::with_capacity(64 + row.attributes.len() + row.value.as_ref().map_or(0, Vec::len));
    let mut field = |b: &[u8]| {
        input.extend_from_slice(&(b.len() as u64).to_be_bytes());
        input.extend_from_slice(b);
    };
    field(RECORD_DOMAIN);
    field(row.uid.as_bytes());
    field(row.partition.as_bytes());
    field(&row.attributes);
    field(&[row.protected as u8, row.value.is_some() as u8]);
    field(row.value.as_deref().unwrap_or(&[]));
    mac::hmac(
        DigestAlgorithm::Sha256,
        key.record_mac_key().expose(),
        &input,
    )
}

/// Builds the row for `obj` at `revision`, wrapping its value and computing the MAC.
pub(crate) fn seal(key: &PartitionKey, obj: &ManagedObject, revision: i64) -> Result<ObjectRow> {
    let a = &obj.attributes;
    let attributes = serde_json::to_vec(a)
        .map_err(|e| Error::InvalidArgument(format!("attributes cannot be serialized: {e}")))?;
    let protected = a.value_is_protected();
    let value = match &obj.value {
        None => None,
        Some(v) if protected => {
            let k = key.object_wrap_key(&obj.uid)?;
            Some(wrap::aes_key_wrap_pad(k.expose(), v.expose())?)
        }
        Some(v) => Some(v.expose().to_vec()),
    };
    let mut row = ObjectRow {
        uid: obj.uid.clone(),
        partition: obj.partition.clone(),
        object_type: a.object_type.as_i64(),
        state: a.lifecycle.state.to_kmip() as i64,
        label: a.label().map(str::to_string),
        key_id: a.key_id.clone(),
        attributes,
        value,
        protected,
        mac: Vec::new(),
        revision,
    };
    row.mac = record_mac(key, &row)?;
    Ok(row)
}

/// Opens a row. With the partition key: MAC verified, value unwrapped.
/// Without: attributes only, and only of objects that are not private.
pub(crate) fn open(key: Option<&PartitionKey>, row: &ObjectRow) -> Result<ManagedObject> {
    let tampered = || Error::Integrity(format!("stored object {} was altered", row.uid));
    if let Some(k) = key {
        if !ct_eq(&record_mac(k, row)?, &row.mac) {
            return Err(tampered());
        }
    }
    let attributes: Attributes = serde_json::from_slice(&row.attributes).map_err(|_| tampered())?;
    // The index columns must agree with the authenticated attributes.
    if attributes.object_type.as_i64() != row.object_type
        || attributes.label() != row.label.as_deref()
        || attributes.key_id != row.key_id
        || attributes.lifecycle.state.to_kmip() as i64 != row.state
        || attributes.value_is_protected() != row.protected
    {
        return Err(tampered());
    }
    let value = match (&row.value, key) {
        (None, _) => None,
        (Some(v), Some(k)) if row.protected => {
            let wk = k.object_wrap_key(&row.uid)?;
            Some(wrap::aes_key_unwrap_pad(wk.expose(), v).map_err(|_| tampered())?)
        }
        (Some(_), None) if row.protected => None,
        (Some(v), _) => Some(SecretBytes::from_slice(v)),
    };
    Ok(ManagedObject {
        uid: row.uid.clone(),
        partition: row.partition.clone(),
        attributes,
        value,
    })
}
