//! C_GenerateRandom and C_SeedRandom (PKCS#11 3.0 §5.15).

use crate::error::Result;
use crate::objects::in_session;
use cryptoki_sys::*;

/// C_GenerateRandom: fills `out` from OpenSSL's DRBG.
pub fn generate(h: CK_SESSION_HANDLE, out: &mut [u8]) -> Result<()> {
    in_session(h, |_, _| {
        let r = keystore::crypto::random::random_bytes(out.len())?;
        out.copy_from_slice(&r);
        Ok(())
    })
}

/// C_SeedRandom: checks the session; the FFI layer then mixes the seed
/// into OpenSSL's DRBG as additional input (credited with no entropy, so a
/// poor seed cannot weaken it).
pub fn seed(h: CK_SESSION_HANDLE) -> Result<()> {
    in_session(h, |_, _| Ok(()))
}
