//! The tamper-evident audit log: a hash chain of entries.
//!
//! Record n carries `hash_n = SHA-256("keybridge-audit-v1" ‖ n ‖ hash_{n-1} ‖
//! fields of entry n)`, with `hash_0` all zeros. Editing an entry breaks its
//! hash; deleting, inserting or reordering entries breaks the sequence or the
//! link to the previous hash; removing the newest entries is caught by the
//! head (last sequence and hash) the store keeps beside the records and
//! updates in the same transaction.
//!
//! Entries carry no key material and no PIN: identity, operation, object id,
//! result, client address and a short detail.

use crate::error::{Error, Result};
use crate::storage::Store;
use openssl::sha::Sha256;

/// One event to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// Milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// Who: a KMIP client identity, a token user, an admin.
    pub identity: String,
    /// What: "Create", "C_Login", "Get", "mfa.verify", ...
    pub operation: String,
    /// On which object, if any (unique identifier).
    pub object: Option<String>,
    /// "ok" or the error.
    pub result: String,
    /// From where: a peer address, a process id.
    pub client: Option<String>,
    pub detail: Option<String>,
}

impl AuditEntry {
    /// An entry stamped with the current time.
    pub fn now(identity: &str, operation: &str, object: Option<&str>, result: &str) -> AuditEntry {
        let time_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        AuditEntry {
            time_ms,
            identity: identity.to_string(),
            operation: operation.to_string(),
            object: object.map(str::to_string),
            result: result.to_string(),
            client: None,
            detail: None,
        }
    }
}

/// An entry as chained into the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRecord {
    pub seq: u64,
    pub entry: AuditEntry,
    pub prev_hash: [u8; 32],
    pub hash: [u8; 32],
}

/// The hash of record `seq` following `prev`.
pub fn chain_hash(seq: u64, prev: &[u8; 32], e: &AuditEntry) -> [u8; 32] {
    fn field(h: &mut Sha256, bytes: Option<&[u8]>) {
        match bytes {
            None => h.update(&[0]),
            Some(b) => {
                h.update(&[1]);
                h.update(&(b.len() as u64).to_be_bytes());
                h.update(b);
            }
        }
    }
    let mut h = Sha256::new();
    h.update(b"keybridge-audit-v1");
    h.update(&seq.to_be_bytes());
    h.update(prev);
    h.update(&e.time_ms.to_be_bytes());
    field(&mut h, Some(e.identity.as_bytes()));
    field(&mut h, Some(e.operation.as_bytes()));
    field(&mut h, e.object.as_deref().map(str::as_bytes));
    field(&mut h, Some(e.result.as_bytes()));
    field(&mut h, e.client.as_deref().map(str::as_bytes));
    field(&mut h, e.detail.as_deref().map(str::as_bytes));
    h.finish()
}

/// The record that follows `head` (None for the first one).
pub fn next_record(head: Option<(u64, [u8; 32])>, entry: AuditEntry) -> AuditRecord {
    let (seq, prev_hash) = match head {
        Some((s, h)) => (s + 1, h),
        None => (1, [0u8; 32]),
    };
    let hash = chain_hash(seq, &prev_hash, &entry);
    AuditRecord {
        seq,
        entry,
        prev_hash,
        hash,
    }
}

/// What a successful verification saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    pub records: u64,
    pub head_hash: [u8; 32],
}

/// Checks a whole log read from `records` in order against the stored `head`.
/// The error names the first record where the chain breaks and why.
pub fn verify_records<I>(records: I, head: Option<(u64, [u8; 32])>) -> Result<VerifyReport>
where
    I: IntoIterator<Item = AuditRecord>,
{
    let mut expected_seq = 1u64;
    let mut prev = [0u8; 32];
    for r in records {
        if r.seq != expected_seq {
            return Err(broken(
                expected_seq,
                format!(
                    "found record {} where {} was expected (deleted or inserted records)",
                    r.seq, expected_seq
                ),
            ));
        }
        if r.prev_hash != prev {
            return Err(broken(
                r.seq,
                "does not link to the previous record (inserted, deleted or reordered)".into(),
            ));
        }
        if chain_hash(r.seq, &r.prev_hash, &r.entry) != r.hash {
            return Err(broken(
                r.seq,
                "content does not match its hash (edited)".into(),
            ));
        }
        prev = r.hash;
        expected_seq += 1;
    }
    let count = expected_seq - 1;
    match head {
        None if count == 0 => {}
        None => {
            return Err(broken(
                count,
                "records exist but the log head is missing".into(),
            ))
        }
        Some((seq, hash)) => {
            if seq != count || hash != prev {
                return Err(broken(
                    count + 1,
                    format!("the log head names record {seq} but the log ends at {count} (newest records removed or head edited)"),
                ));
            }
        }
    }
    Ok(VerifyReport {
        records: count,
        head_hash: prev,
    })
}

fn broken(seq: u64, why: String) -> Error {
    Error::Integrity(format!("audit log broken at record {seq}: {why}"))
}

/// Reads the whole log of `store` page by page and verifies it.
pub fn verify(store: &dyn Store) -> Result<VerifyReport> {
    // Read the head first: records appended after this point are not part
    // of what is checked, so a live log verifies.
    let head = store.audit_head()?;
    let end = head.map(|(s, _)| s).unwrap_or(0);
    let mut all = Vec::new();
    let mut from = 1u64;
    loop {
        let page = store.audit_records(from, 10_000)?;
        let Some(last) = page.last() else { break };
        from = last.seq + 1;
        all.extend(page.into_iter().filter(|r| r.seq <= end));
        if from > end {
            break;
        }
    }
    // Records beyond the head that are not newer appends would show up as
    // a sequence mismatch only if they precede it; those after `end` are
    // tolerated as concurrent appends.
    verify_records(all, head)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(n: usize) -> (Vec<AuditRecord>, Option<(u64, [u8; 32])>) {
        let mut out: Vec<AuditRecord> = Vec::new();
        for i in 0..n {
            let head = out.last().map(|r| (r.seq, r.hash));
            let mut e = AuditEntry::now("alice", "Get", Some(&format!("uid-{i}")), "ok");
            e.time_ms = 1000 + i as i64;
            out.push(next_record(head, e));
        }
        let head = out.last().map(|r| (r.seq, r.hash));
        (out, head)
    }

    #[test]
    fn intact_chain_verifies() {
        let (recs, head) = chain(5);
        let rep = verify_records(recs, head).unwrap();
        assert_eq!(rep.records, 5);
        assert_eq!(verify_records(Vec::new(), None).unwrap().records, 0);
    }

    #[test]
    fn edited_entry_detected() {
        let (mut recs, head) = chain(5);
        recs[2].entry.result = "denied".into();
        let e = verify_records(recs, head).unwrap_err().to_string();
        assert!(e.contains("record 3") && e.contains("edited"), "{e}");
    }

    #[test]
    fn deleted_entry_detected() {
        let (mut recs, head) = chain(5);
        recs.remove(1);
        assert!(verify_records(recs, head).is_err());
    }

    #[test]
    fn deleted_and_renumbered_entry_detected() {
        let (mut recs, head) = chain(5);
        recs.remove(1);
        for (i, r) in recs.iter_mut().enumerate() {
            r.seq = i as u64 + 1;
        }
        let e = verify_records(recs, head).unwrap_err().to_string();
        assert!(e.contains("link"), "{e}");
    }

    #[test]
    fn inserted_entry_detected() {
        let (mut recs, head) = chain(4);
        // A forged record built correctly on top of record 2, pushed in.
        let forged = next_record(
            Some((recs[1].seq, recs[1].hash)),
            AuditEntry::now("mallory", "Destroy", None, "ok"),
        );
        recs.insert(2, forged);
        for (i, r) in recs.iter_mut().enumerate() {
            r.seq = i as u64 + 1;
        }
        assert!(verify_records(recs, head).is_err());
    }

    #[test]
    fn reordered_entries_detected() {
        let (mut recs, head) = chain(5);
        recs.swap(1, 3);
        assert!(verify_records(recs, head).is_err());
    }

    #[test]
    fn truncated_tail_detected_by_head() {
        let (mut recs, head) = chain(5);
        recs.pop();
        let e = verify_records(recs, head).unwrap_err().to_string();
        assert!(e.contains("newest records removed"), "{e}");
    }

    #[test]
    fn missing_head_detected() {
        let (recs, _) = chain(2);
        assert!(verify_records(recs, None).is_err());
    }

    #[test]
    fn optional_fields_are_distinguished() {
        let mut a = AuditEntry::now("a", "op", None, "ok");
        a.time_ms = 1;
        let mut b = a.clone();
        b.object = Some(String::new());
        assert_ne!(chain_hash(1, &[0; 32], &a), chain_hash(1, &[0; 32], &b));
    }
}
