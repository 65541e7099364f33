//! keybridge key store core.
//!
//! The one record behind both protocols: managed objects and their
//! attributes, the cryptography on them, encrypted storage, the key
//! hierarchy that keeps every stored secret wrapped, and the audit log.
//! It knows nothing of KMIP framing or the PKCS#11 C ABI.
#![forbid(unsafe_code)]
// No path an input can reach may panic: errors are returned, never unwrapped.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod access;
pub mod audit;
pub mod config;
pub mod crypto;
pub mod error;
pub mod hierarchy;
pub mod hsm;
mod key_store;
pub mod keygen;
pub mod lifecycle;
pub mod mfa;
pub mod object;
pub mod otp;
pub mod partition;
mod record;
pub mod secret;
mod serde_hex;
pub mod storage;

pub use error::{Error, Result};
pub use key_store::{KeyStore, MasterSession, PartitionInfo, MAX_PIN_FAILURES};
pub use object::{Algorithm, Attributes, ManagedObject, ObjectType};
pub use partition::{Filter, Partition};
pub use secret::SecretBytes;
pub use storage::PinRole;
