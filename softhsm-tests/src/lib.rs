//! Tests that put SoftHSM2 beside keybridge: the same PKCS#11 calls on both,
//! keys moved between them, SoftHSM2 holding the store master key.
//!
//! The tests arrive with the PKCS#11 module; this crate holds their shared
//! fixtures.
#![forbid(unsafe_code)]
