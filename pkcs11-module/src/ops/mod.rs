//! The cryptographic operations, one module per function group of
//! PKCS#11 3.0 §5.8–5.15, all over `keystore::crypto`.

pub mod crypt;
pub mod derive;
pub mod digest;
pub mod dual;
pub mod ecdh;
pub mod kdf;
pub mod keymgmt;
pub mod keypair;
pub mod message;
pub mod pbkdf2;
pub mod random;
pub mod sign;
pub mod sign_asym;

use crate::error::{Error, Result};

/// A caller's output buffer: None for a length query (pointer NULL).
pub type Out<'a> = Option<&'a mut [u8]>;

/// Writes `data` to `out` under the two-call convention (§5.2): a length
/// query or a short buffer reports the length needed; otherwise the bytes
/// are copied. Returns the length written (or needed, for a query).
pub fn emit(out: Out<'_>, data: &[u8]) -> Result<usize> {
    match out {
        None => Ok(data.len()),
        Some(buf) if buf.len() < data.len() => Err(Error::BufferTooSmall(data.len())),
        Some(buf) => {
            buf[..data.len()].copy_from_slice(data);
            Ok(data.len())
        }
    }
}

/// Whether a result of [`emit`] leaves the operation active: a length
/// query or a short buffer does (§5.2); anything else ends it.
pub fn keeps_operation(out_was_query: bool, r: &Result<usize>) -> bool {
    out_was_query && r.is_ok() || matches!(r, Err(Error::BufferTooSmall(_)))
}
