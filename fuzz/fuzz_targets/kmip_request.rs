//! The whole KMIP request handler of the server (decode, authenticate,
//! dispatch every operation onto a real key store, encode) on arbitrary
//! bytes, as a connection would hand it a framed message: it never panics,
//! never hangs, and always answers with a well-formed Response Message.
//!
//! The store is SQLite in a temporary directory (under /dev/shm when it
//! exists, so writes stay cheap), replaced every few thousand inputs so that
//! the objects and audit records the inputs create stay bounded.
#![no_main]

use keystore::hierarchy::SoftwareMasterKey;
use keystore::{KeyStore, SecretBytes};
use kmip::DecodeLimits;
use kmip_server::MessageHandler;
use libfuzzer_sys::fuzz_target;
use std::sync::{Arc, Mutex};

/// Inputs handled by one store before it is replaced.
const INPUTS_PER_STORE: usize = 5_000;

struct Harness {
    handler: MessageHandler,
    inputs: usize,
    _dir: tempfile::TempDir,
}

fn harness() -> Harness {
    let base = std::path::Path::new("/dev/shm");
    let dir = if base.is_dir() {
        tempfile::tempdir_in(base)
    } else {
        tempfile::tempdir()
    }
    .expect("temporary directory");
    let ks = KeyStore::open(&dir.path().join("store.db")).expect("store opens");
    let master = SoftwareMasterKey::from_bytes(SecretBytes::new(vec![7u8; 32])).expect("key");
    let session = ks.unlock(Arc::new(master)).expect("store unlocks");
    Harness {
        handler: MessageHandler::new(session, DecodeLimits::default()),
        inputs: 0,
        _dir: dir,
    }
}

static HARNESS: Mutex<Option<Harness>> = Mutex::new(None);

fuzz_target!(|data: &[u8]| {
    let mut guard = HARNESS.lock().unwrap_or_else(|p| p.into_inner());
    if guard
        .as_ref()
        .map_or(true, |h| h.inputs >= INPUTS_PER_STORE)
    {
        *guard = None; // drop the old store (and its directory) first
        *guard = Some(harness());
    }
    let Some(h) = guard.as_mut() else { return };
    h.inputs += 1;
    let response = h.handler.respond("fuzz-client", "127.0.0.1:1", data);
    let tree = kmip::decode(&response).expect("the response is valid TTLV");
    kmip::message::parse_response(&tree).expect("the response is a Response Message");
});
