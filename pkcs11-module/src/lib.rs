//! keybridge PKCS#11 module (`libkeybridge_pkcs11.so`).
//!
//! Token, session and mechanism logic over the shared key store. The C ABI
//! and every `unsafe` block live in [`ffi`]; everything else is safe Rust
//! that returns [`error::Result`].
#![deny(unsafe_code)]
// A panic would unwind into ssh or a database: no path may unwrap.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]
// CK_ULONG is 64-bit here but 32-bit on other targets: the `as u64` casts
// between CK_ULONG values and the store's u64 fields are portable, not noise.
#![allow(clippy::unnecessary_cast)]

pub mod asym;
pub mod attrs;
pub mod audit;
pub mod audit_buffer;
pub mod context_login;
pub mod error;
pub mod fast_hash;
#[allow(unsafe_code)]
pub mod ffi;
pub mod key_cache;
pub mod key_use;
pub mod log;
pub mod mechanism;
pub mod objects;
pub mod ops;
pub mod read_mostly;
pub mod session;
pub mod state;
pub mod template;
pub mod token;

pub use keystore;
