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

/// Checks records fed in order, one at a time, so a log of any length is
/// verified in constant memory.
#[derive(Debug, Default)]
pub struct Verifier {
    count: u64,
    prev: [u8; 32],
}

impl Verifier {
    pub fn new() -> Verifier {
        Verifier::default()
    }

    /// Checks the next record; the error names the first record where the
    /// chain breaks and why.
    pub fn push(&mut self, r: &AuditRecord) -> Result<()> {
        let expected_seq = self.count + 1;
        if r.seq != expected_seq {
            return Err(broken(
                expected_seq,
                format!(
                    "found record {} where {expected_seq} was expected (deleted or inserted records)",
                    r.seq
                ),
            ));
        }
        if r.prev_hash != self.prev {
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
        self.prev = r.hash;
        self.count = r.seq;
        Ok(())
    }

    /// Checks that the records seen end where the stored `head` says.
    pub fn finish(self, head: Option<(u64, [u8; 32])>) -> Result<VerifyReport> {
        match head {
            None if self.count == 0 => {}
            None => {
                return Err(broken(
                    self.count,
                    "records exist but the log head is missing".into(),
                ))
            }
            Some((seq, hash)) => {
                if seq != self.count || hash != self.prev {
                    return Err(broken(
                        self.count + 1,
                        format!(
                            "the log head names record {seq} but the log ends at {} (newest records removed or head edited)",
                            self.count
                        ),
                    ));
                }
            }
        }
        Ok(VerifyReport {
            records: self.count,
            head_hash: self.prev,
        })
    }
}

/// Checks a whole log read from `records` in order against the stored `head`.
pub fn verify_records<I>(records: I, head: Option<(u64, [u8; 32])>) -> Result<VerifyReport>
where
    I: IntoIterator<Item = AuditRecord>,
{
    let mut v = Verifier::new();
    for r in records {
        v.push(&r)?;
    }
    v.finish(head)
}

fn broken(seq: u64, why: String) -> Error {
    Error::Integrity(format!("audit log broken at record {seq}: {why}"))
}

/// Reads the whole log of `store` page by page and verifies it. Records
/// appended after the head was read (a live log) are not part of the check.
pub fn verify(store: &dyn Store) -> Result<VerifyReport> {
    let head = store.audit_head()?;
    let end = head.map_or(0, |(s, _)| s);
    let mut v = Verifier::new();
    let mut from = 1u64;
    while from <= end {
        let page = store.audit_records(from, 10_000)?;
        let Some(last) = page.last() else { break };
        from = last.seq.saturating_add(1);
        for r in page.iter().filter(|r| r.seq <= end) {
            v.push(r)?;
        }
    }
    v.finish(head)
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
