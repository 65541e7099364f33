//! The keybridge KMIP server as a library: the listener, connections,
//! dispatch of KMIP operations onto the key store, and the administration
//! commands. The `keybridge` binary (src/main.rs) is its command line.
//!
//! Besides the modules the binary needs, one entry point is public:
//! [`MessageHandler`], the per-message path of a connection (decode, handle,
//! encode) without TLS or sockets, so that the whole request handler can be
//! driven directly (fuzzing, tests).
#![forbid(unsafe_code)]
// One bad request must not take the server down: no path may unwrap.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

mod access;
pub mod admin;
pub mod admin_access;
mod attributes;
mod connection;
mod dev;
mod dispatch;
mod error;
/// KMIP over HTTPS; its [`http::Encoding`] is shared with the tests' client.
pub mod http;
pub mod migrate;
mod objects;
mod operations;
pub mod serve;
mod server;
mod streams;
mod tls;

use std::time::Duration;

/// The KMIP request handler of one server, over an unlocked store: what a
/// connection does with each framed message once the TLS handshake has
/// named the client.
pub struct MessageHandler {
    state: server::State,
}

impl MessageHandler {
    /// A handler over `session` that decodes messages within `limits`
    /// (the server's `[kmip] max_message_bytes` and the codec's bounds).
    pub fn new(session: keystore::MasterSession, limits: kmip::DecodeLimits) -> MessageHandler {
        let config = server::ServerConfig {
            // Not used on the message path: no listener, no TLS here.
            listen: String::new(),
            tls: tls::TlsFiles {
                cert: Default::default(),
                key: Default::default(),
                client_ca: Default::default(),
            },
            max_connections: 1,
            idle_timeout: Duration::from_secs(1),
            limits,
        };
        MessageHandler {
            state: server::State::new(config, session),
        }
    }

    /// Answers one request message (binary TTLV, KMIP 2.1 §9.1) from the
    /// client `identity` (its certificate CN) at address `client` with the
    /// response message bytes. Never fails: malformed input gets an error
    /// response, as on the wire.
    pub fn respond(&self, identity: &str, client: &str, request: &[u8]) -> Vec<u8> {
        connection::respond(&self.state, identity, client, request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use keystore::hierarchy::SoftwareMasterKey;
    use keystore::{KeyStore, SecretBytes};
    use kmip::enums::{operation as op, result_reason as rr, result_status as rs};
    use kmip::message::{parse_response, RequestMessage};
    use kmip::{ProtocolVersion, Tag, Ttlv};
    use std::sync::Arc;

    fn handler(dir: &tempfile::TempDir) -> MessageHandler {
        let ks = KeyStore::open(&dir.path().join("store.db")).unwrap();
        let master = SoftwareMasterKey::from_bytes(SecretBytes::new(vec![1; 32])).unwrap();
        MessageHandler::new(ks.unlock(Arc::new(master)).unwrap(), Default::default())
    }

    fn batch(n: usize) -> Vec<u8> {
        let items = (0..n)
            .map(|_| {
                (
                    op::DiscoverVersions,
                    Ttlv::structure(Tag::RequestPayload, Vec::new()),
                )
            })
            .collect();
        kmip::encode(&RequestMessage::build(ProtocolVersion::V1_4, items)).unwrap()
    }

    /// Batches up to MAX_BATCH_ITEMS run; one more item refuses the whole
    /// message before any item runs (the hostile suite sends 10,000).
    #[test]
    fn batches_beyond_the_limit_are_refused_whole() {
        let dir = tempfile::tempdir().unwrap();
        let h = handler(&dir);
        let answer = |n| {
            let resp = kmip::decode(&h.respond("batch-test", "test", &batch(n))).unwrap();
            parse_response(&resp).unwrap().1
        };
        let ok = answer(dispatch::MAX_BATCH_ITEMS);
        assert_eq!(ok.len(), dispatch::MAX_BATCH_ITEMS);
        assert!(ok.iter().all(|i| i.result_status == rs::Success));
        let refused = answer(dispatch::MAX_BATCH_ITEMS + 1);
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].result_status, rs::OperationFailed);
        assert_eq!(refused[0].result_reason, Some(rr::InvalidMessage));
    }
}
