//! One request message in, one response message out: version handling,
//! batches (Batch Order Option, Batch Error Continuation Option, Unique Batch
//! Item ID; KMIP 2.1 §8.2, §9.x) and the audit record of every item.

use crate::error::{Error, Result};
use crate::operations;
use crate::server::State;
use keystore::audit::AuditEntry;
use keystore::{ManagedObject, Partition};
use kmip::enums::{
    batch_error_continuation_option as beco, operation as op, result_reason as rr, result_status,
};
use kmip::message::{response_message, RequestMessage, ResponseBatchItem};
use kmip::{ProtocolVersion, Tag, Ttlv};

/// Versions this server speaks, most preferred first (Discover Versions).
pub const SUPPORTED: &[ProtocolVersion] = &[
    ProtocolVersion::new(2, 1),
    ProtocolVersion::new(2, 0),
    ProtocolVersion::new(1, 4),
    ProtocolVersion::new(1, 3),
    ProtocolVersion::new(1, 2),
    ProtocolVersion::new(1, 1),
    ProtocolVersion::new(1, 0),
];

/// Most Batch Items one request message may carry. KMIP sets no bound
/// (KMIP 2.1 §8.2, Batch Count); every item may be a store write and an
/// audit record, so one message of 10,000 items would hold a worker thread
/// and the store for as long as 10,000 requests. Larger batches are refused
/// whole, before any item runs.
pub const MAX_BATCH_ITEMS: usize = 1024;

/// What to do to take back one step of a batch (Batch Error Continuation
/// Option Undo).
pub enum UndoStep {
    /// Put the object back as it was (in the partition holding it).
    Restore(Partition, Box<ManagedObject>),
    /// Remove an object the batch created.
    Remove(Partition, String),
}

/// Everything an operation sees.
pub struct Ctx<'a> {
    /// The partition the current item works in: the caller's own, or the
    /// one holding a granted object ([`crate::access::authorize`]).
    pub partition: Partition,
    pub identity: &'a str,
    pub server: &'a State,
    /// The client's address, for the audit log.
    pub client: &'a str,
    /// The message carried an accepted One Time Password credential.
    pub otp: bool,
    /// The server's open multi-part operations.
    pub streams: &'a crate::streams::Streams,
    pub version: ProtocolVersion,
    /// The ID Placeholder: the object the previous item of the batch made or named.
    pub id_placeholder: Option<String>,
    /// Steps to reverse, when the batch asked for Undo.
    pub undo: Option<Vec<UndoStep>>,
    /// The object the current item names, as [`crate::access::authorize`]
    /// read it just before the operation (taken by [`Ctx::object`], so
    /// that one request opens its object once).
    pub opened: Option<ManagedObject>,
}

impl Ctx<'_> {
    /// The object `uid` of the current partition: the one authorization
    /// read for this item, else read now.
    pub fn object(&mut self, uid: &str) -> Result<ManagedObject> {
        match self.opened.take() {
            Some(o) if o.uid == uid => Ok(o),
            other => {
                self.opened = other;
                Ok(self.partition.get(uid)?)
            }
        }
    }

    /// [`Partition::use_object`] through [`Ctx::object`].
    pub fn use_object(
        &mut self,
        uid: &str,
        usage: keystore::lifecycle::Usage,
    ) -> Result<ManagedObject> {
        let obj = self.object(uid)?;
        Ok(self.partition.usable(obj, usage)?)
    }

    /// The object an operation is about: the payload's Unique Identifier, or
    /// the ID Placeholder when it is absent or given as the enumeration
    /// (KMIP 2.1 §6 "ID Placeholder").
    pub fn uid(&self, payload: &Ttlv) -> Result<String> {
        self.uid_in(payload, Tag::UniqueIdentifier)
    }

    /// Like [`Ctx::uid`] for an identifier field of another tag (the
    /// Private Key Unique Identifier of Re-key Key Pair).
    pub fn uid_in(&self, payload: &Ttlv, tag: Tag) -> Result<String> {
        match payload.find(tag).map(|t| &t.value) {
            Some(kmip::Value::TextString(s)) => Ok(s.clone()),
            Some(kmip::Value::Enumeration(_)) | None => {
                self.id_placeholder.clone().ok_or_else(|| {
                    Error::kmip(rr::MissingData, format!("no {tag} and no ID Placeholder"))
                })
            }
            Some(_) => Err(Error::invalid(format!("{tag} must be a Text String"))),
        }
    }

    /// Records how to undo a change to `uid` before making it.
    pub fn before_change(&mut self, uid: &str) -> Result<()> {
        if self.undo.is_some() {
            let obj = self.partition.get(uid)?;
            if let Some(u) = self.undo.as_mut() {
                u.push(UndoStep::Restore(self.partition.clone(), Box::new(obj)));
            }
        }
        Ok(())
    }

    /// Records an object the batch created.
    pub fn created(&mut self, uid: &str) {
        if let Some(u) = self.undo.as_mut() {
            u.push(UndoStep::Remove(self.partition.clone(), uid.to_string()));
        }
        self.id_placeholder = Some(uid.to_string());
    }

    fn rollback(&mut self) {
        let Some(steps) = self.undo.take() else {
            return;
        };
        for step in steps.into_iter().rev() {
            let _ = match step {
                UndoStep::Restore(partition, obj) => partition
                    .update(&obj.uid, |o| {
                        o.attributes = obj.attributes.clone();
                        o.value = obj.value.clone();
                        Ok(())
                    })
                    .map(|_| ()),
                UndoStep::Remove(partition, uid) => partition.delete(&uid),
            };
        }
    }
}

fn now() -> i64 {
    keystore::lifecycle::now()
}

/// A response of one failed item for a message that could not be read.
fn whole_message_error(version: ProtocolVersion, e: &Error) -> Ttlv {
    let (reason, message) = e.result(version);
    response_message(
        version,
        now(),
        &[ResponseBatchItem::failure(None, None, reason, message)],
    )
}

/// Handles one decoded request from `identity`; never fails: every error
/// becomes a response.
pub fn handle(state: &State, identity: &str, client: &str, request: &Ttlv) -> Ttlv {
    let fallback = RequestMessage::peek_version(request).unwrap_or(ProtocolVersion::V1_0);
    let msg = match RequestMessage::from_ttlv(request) {
        Ok(m) => m,
        Err(e) => return whole_message_error(fallback, &Error::from(e)),
    };
    let version = msg.header.version;
    if !SUPPORTED.contains(&version) {
        let answer = if version.major >= 2 {
            ProtocolVersion::V2_1
        } else {
            ProtocolVersion::V1_4
        };
        return whole_message_error(
            answer,
            &Error::kmip(
                rr::InvalidMessage,
                format!("protocol version {version} is not supported"),
            ),
        );
    }
    if msg.items.len() > MAX_BATCH_ITEMS {
        return whole_message_error(
            version,
            &Error::kmip(
                rr::InvalidMessage,
                format!(
                    "{} batch items; at most {MAX_BATCH_ITEMS} per message",
                    msg.items.len()
                ),
            ),
        );
    }
    if msg.header.asynchronous_indicator {
        return whole_message_error(
            version,
            &Error::not_supported("asynchronous operations are not supported"),
        );
    }
    let auth = match crate::access::authenticate(state, identity, client, request) {
        Ok(a) => a,
        Err(e) => return whole_message_error(version, &e),
    };
    let home = match state.partition(identity) {
        Ok(p) => p,
        Err(e) => return whole_message_error(version, &e),
    };
    let mode = msg.header.batch_error_continuation;
    let mut ctx = Ctx {
        partition: home.clone(),
        identity,
        server: state,
        client,
        otp: auth.otp,
        streams: &state.streams,
        version,
        id_placeholder: None,
        undo: (mode == beco::Undo).then(Vec::new),
        opened: None,
    };
    let mut out: Vec<ResponseBatchItem> = Vec::new();
    for item in &msg.items {
        let id = item.unique_batch_item_id.clone();
        ctx.partition = home.clone();
        ctx.opened = None;
        let result = crate::access::authorize(&mut ctx, item.operation, &item.payload)
            .and_then(|()| operations::run(&mut ctx, item.operation, &item.payload));
        let object = match &result {
            // A key pair is recorded by its private key.
            Ok(p) => p
                .find(Tag::UniqueIdentifier)
                .or_else(|| p.find(Tag::PrivateKeyUniqueIdentifier))
                .and_then(|u| u.as_text().ok()),
            Err(_) => item
                .payload
                .find(Tag::UniqueIdentifier)
                .or_else(|| item.payload.find(Tag::PrivateKeyUniqueIdentifier))
                .and_then(|u| u.as_text().ok()),
        }
        .map(str::to_string);
        audit(
            state,
            identity,
            client,
            item.operation,
            object.as_deref(),
            &result,
            version,
        );
        match result {
            Ok(payload) => {
                if let Some(uid) = &object {
                    ctx.id_placeholder = Some(uid.clone());
                }
                out.push(ResponseBatchItem::success(item.operation, id, payload));
            }
            Err(e) => {
                let (reason, message) = e.result(version);
                out.push(ResponseBatchItem::failure(
                    Some(item.operation),
                    id,
                    reason,
                    message,
                ));
                match mode {
                    beco::Continue => continue,
                    beco::Undo => {
                        ctx.rollback();
                        let last = out.len() - 1;
                        for done in &mut out[..last] {
                            if done.result_status == result_status::Success {
                                done.result_status = result_status::OperationUndone;
                            }
                        }
                        break;
                    }
                    _ => break,
                }
            }
        }
    }
    let mut response = response_message(version, now(), &out);
    if let Some(max) = msg.header.maximum_response_size {
        let size = kmip::encode(&response)
            .map(|b| b.len())
            .unwrap_or(usize::MAX);
        if usize::try_from(max).is_ok_and(|m| size > m) {
            // Each item is answered (KMIP 2.1 §9.1.3.2.x Maximum Response
            // Size), with its Operation and Unique Batch Item ID, by the
            // error instead of its payload.
            let (reason, message) = Error::kmip(
                rr::ResponseTooLarge,
                format!("response of {size} bytes exceeds Maximum Response Size {max}"),
            )
            .result(version);
            let too_large: Vec<ResponseBatchItem> = out
                .iter()
                .map(|i| {
                    ResponseBatchItem::failure(
                        i.operation,
                        i.unique_batch_item_id.clone(),
                        reason,
                        message.clone(),
                    )
                })
                .collect();
            response = response_message(version, now(), &too_large);
        }
    }
    response
}

/// Operations that read objects or compute with them and change nothing
/// but, for a key with Usage Limits, its count (a durable write of its
/// own). Their audit records are committed before the answer leaves but
/// synced to the disk a few milliseconds later, with the next batch
/// (`KeyStore::audit_deferred`): waiting for the disk on every read would
/// bound reads by fsyncs. Every other operation's record is durable
/// before its answer leaves.
fn reads_only(operation: u32) -> bool {
    matches!(
        operation,
        op::Get
            | op::GetAttributes
            | op::GetAttributeList
            | op::Locate
            | op::Check
            | op::Query
            | op::DiscoverVersions
            | op::Encrypt
            | op::Decrypt
            | op::Sign
            | op::SignatureVerify
            | op::MAC
            | op::MACVerify
            | op::Hash
            | op::RNGRetrieve
            | op::Export
    )
}

/// Whether every batch item of `request` only reads or computes (see
/// [`reads_only`]): such a message never waits for the disk.
pub fn only_reads(request: &Ttlv) -> bool {
    let mut items = request.find_all(Tag::BatchItem).peekable();
    items.peek().is_some()
        && items.all(|b| b.child_enumeration(Tag::Operation).is_ok_and(reads_only))
}

fn audit(
    state: &State,
    identity: &str,
    client: &str,
    operation: u32,
    object: Option<&str>,
    result: &Result<Ttlv>,
    version: ProtocolVersion,
) {
    let op = kmip::enums::operation::TABLE
        .name_of(operation)
        .map_or_else(|| format!("kmip:{operation:#x}"), |n| format!("kmip:{n}"));
    let outcome = match result {
        Ok(_) => "ok".to_string(),
        Err(e) => {
            let (reason, message) = e.result(version);
            let name = rr::TABLE.name_of(reason).unwrap_or("?");
            format!("{name}: {message}")
        }
    };
    let mut entry = AuditEntry::now(identity, &op, object, &outcome);
    entry.client = Some(client.to_string());
    let ks = state.session.key_store();
    let written = if reads_only(operation) {
        ks.audit_deferred(&entry)
    } else {
        ks.audit(&entry).map(|_| ())
    };
    if let Err(e) = written {
        eprintln!("keybridge: audit log write failed: {e}");
    }
}
