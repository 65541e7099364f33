//! Random number generation (PKCS#11 3.0 §5.15).

use super::{bytes, guard};
use crate::error::Error;
use crate::ops::random;
use cryptoki_sys::*;

/// C_SeedRandom (§5.15.1).
#[no_mangle]
pub unsafe extern "C" fn C_SeedRandom(
    hSession: CK_SESSION_HANDLE,
    pSeed: *mut CK_BYTE,
    ulSeedLen: CK_ULONG,
) -> CK_RV {
    guard("C_SeedRandom", || {
        // SAFETY: input buffer with its length.
        let seed = unsafe { bytes(pSeed, ulSeedLen) }?;
        random::seed(hSession)?;
        for chunk in seed.chunks(1 << 20) {
            // SAFETY: RAND_add reads `chunk.len()` bytes from a valid slice;
            // entropy 0.0 means the DRBG treats it as additional input only.
            unsafe {
                openssl_sys::RAND_add(chunk.as_ptr().cast(), chunk.len() as std::ffi::c_int, 0.0)
            };
        }
        Ok(())
    })
}

/// C_GenerateRandom (§5.15.2).
#[no_mangle]
pub unsafe extern "C" fn C_GenerateRandom(
    hSession: CK_SESSION_HANDLE,
    RandomData: *mut CK_BYTE,
    ulRandomLen: CK_ULONG,
) -> CK_RV {
    guard("C_GenerateRandom", || {
        if ulRandomLen == 0 {
            return random::generate(hSession, &mut []);
        }
        if RandomData.is_null() || ulRandomLen > (1 << 30) {
            return Err(Error::args("null or oversized output buffer"));
        }
        // SAFETY: the caller promises ulRandomLen writable bytes; non-null.
        let out = unsafe { std::slice::from_raw_parts_mut(RandomData, ulRandomLen as usize) };
        random::generate(hSession, out)
    })
}
