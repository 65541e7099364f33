//! keybridge PKCS#11 module (`libkeybridge_pkcs11.so`).
//!
//! Token, session and mechanism logic over the shared key store; the C ABI
//! and every `unsafe` block live in `ffi/`. This crate only links the store
//! so far: the PKCS#11 entry points are not exported yet, and loading the
//! library as a module fails with "C_GetFunctionList not found".

pub use keystore;
