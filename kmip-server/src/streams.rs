//! Multi-part cryptographic operations (KMIP 2.1 §6.1.18 Encrypt, §6.1.13
//! Decrypt, §6.1.51 Sign, ...: Init Indicator, Correlation Value, Final
//! Indicator): the server keeps the running context between requests.
//!
//! One bounded map for the whole server, keyed by a random Correlation
//! Value. An entry belongs to the identity and key that started it and to
//! its operation: another client cannot continue it, even with the value.
//! Entries expire after [`STREAM_TTL`] of inactivity; when the map is full a
//! new stream is refused rather than an old one dropped.

use crate::error::{Error, Result};
use keystore::crypto::digest::Digest;
use keystore::crypto::{CipherContext, SignContext, VerifyContext};
use kmip::enums::result_reason as rr;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a stream may sit idle.
pub const STREAM_TTL: Duration = Duration::from_secs(300);
/// Most streams open at once, server-wide.
pub const MAX_STREAMS: usize = 1024;
/// Correlation Value length in bytes.
const CORRELATION_LEN: usize = 16;

/// The running state of one multi-part operation.
pub enum StreamState {
    /// Encrypt or Decrypt; `tag_len` is the AEAD tag length (0 otherwise).
    Cipher { ctx: CipherContext, tag_len: usize },
    /// Sign or MAC.
    Sign(SignContext),
    /// Signature Verify or MAC Verify.
    Verify(VerifyContext),
    /// Hash (no key: kept under the empty unique identifier).
    Hash(Digest),
    /// An initialized PKCS#11 context (the PKCS#11 operation); nothing
    /// more to keep.
    Pkcs11,
}

struct Entry {
    identity: String,
    uid: String,
    operation: u32,
    touched: Instant,
    state: StreamState,
}

impl Entry {
    /// `identity`'s stream on `uid` of `operation`, not expired.
    fn owned_by(&self, identity: &str, uid: &str, operation: u32) -> bool {
        self.identity == identity
            && self.uid == uid
            && self.operation == operation
            && self.touched.elapsed() < STREAM_TTL
    }
}

/// The server's open streams.
#[derive(Default)]
pub struct Streams {
    map: Mutex<HashMap<Vec<u8>, Entry>>,
}

impl Streams {
    pub fn new() -> Streams {
        Streams::default()
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, HashMap<Vec<u8>, Entry>>> {
        self.map
            .lock()
            .map_err(|_| Error::kmip(rr::GeneralFailure, "stream table unavailable"))
    }

    /// Keeps `state` under `correlation` (a new random value when `None`)
    /// and returns the Correlation Value.
    pub fn put(
        &self,
        correlation: Option<Vec<u8>>,
        identity: &str,
        uid: &str,
        operation: u32,
        state: StreamState,
    ) -> Result<Vec<u8>> {
        let mut map = self.lock()?;
        let now = Instant::now();
        map.retain(|_, e| now.duration_since(e.touched) < STREAM_TTL);
        if map.len() >= MAX_STREAMS {
            return Err(Error::kmip(
                rr::GeneralFailure,
                "too many multi-part operations in progress; finish or let some expire",
            ));
        }
        let cv = match correlation {
            Some(cv) => cv,
            None => keystore::crypto::random_bytes(CORRELATION_LEN)?,
        };
        map.insert(
            cv.clone(),
            Entry {
                identity: identity.to_string(),
                uid: uid.to_string(),
                operation,
                touched: now,
                state,
            },
        );
        Ok(cv)
    }

    /// Whether the stream `correlation` is `identity`'s, on `uid`, of
    /// `operation`, and not expired; if so it stays, its idle time restarted.
    pub fn renew(&self, correlation: &[u8], identity: &str, uid: &str, operation: u32) -> bool {
        let Ok(mut map) = self.lock() else {
            return false;
        };
        match map.get_mut(correlation) {
            Some(e) if e.owned_by(identity, uid, operation) => {
                e.touched = Instant::now();
                true
            }
            _ => false,
        }
    }

    /// Takes out the stream `correlation` if it is `identity`'s, on `uid`,
    /// of `operation`, and not expired.
    pub fn take(
        &self,
        correlation: &[u8],
        identity: &str,
        uid: &str,
        operation: u32,
    ) -> Result<StreamState> {
        let mut map = self.lock()?;
        let invalid = || {
            Error::kmip(
                rr::InvalidCorrelationValue,
                "no such multi-part operation (unknown, finished or expired Correlation Value)",
            )
        };
        let ok = map
            .get(correlation)
            .is_some_and(|e| e.owned_by(identity, uid, operation));
        if !ok {
            return Err(invalid());
        }
        map.remove(correlation).map(|e| e.state).ok_or_else(invalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keystore::crypto::{CipherMode, Direction};

    fn cipher() -> StreamState {
        let ctx = CipherContext::new(&[0u8; 16], &CipherMode::AesEcb, Direction::Encrypt).unwrap();
        StreamState::Cipher { ctx, tag_len: 0 }
    }

    #[test]
    fn a_stream_belongs_to_its_owner_key_and_operation() {
        let s = Streams::new();
        let cv = s.put(None, "alice", "k1", 1, cipher()).unwrap();
        assert_eq!(cv.len(), CORRELATION_LEN);
        assert!(s.take(&cv, "bob", "k1", 1).is_err());
        assert!(s.take(&cv, "alice", "k2", 1).is_err());
        assert!(s.take(&cv, "alice", "k1", 2).is_err());
        assert!(s.take(&cv, "alice", "k1", 1).is_ok());
        let e = s.take(&cv, "alice", "k1", 1).err().unwrap();
        assert_eq!(
            e.result(kmip::ProtocolVersion::V2_1).0,
            rr::InvalidCorrelationValue
        );
    }
}
