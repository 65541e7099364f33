//! Dual-function operations (PKCS#11 3.0 §5.13): one pass over the data for
//! an encryption or decryption and a digest or MAC already initialized in
//! the same session. A length query or a short buffer feeds nothing to the
//! second operation, so the caller can repeat the call as §5.2 prescribes.

use super::{crypt, digest, sign, Out};
use crate::error::Result;
use cryptoki_sys::CK_SESSION_HANDLE;
use keystore::crypto::cipher::Direction;

/// The second half of a dual function.
#[derive(Clone, Copy)]
pub enum Second {
    Digest,
    Sign,
    Verify,
}

fn feed(h: CK_SESSION_HANDLE, second: Second, data: &[u8]) -> Result<()> {
    match second {
        Second::Digest => digest::update(h, data),
        Second::Sign => sign::update(h, data, true),
        Second::Verify => sign::update(h, data, false),
    }
}

/// C_DigestEncryptUpdate / C_SignEncryptUpdate: the plaintext goes to the
/// digest or signature, then is encrypted.
pub fn then_encrypt(
    h: CK_SESSION_HANDLE,
    second: Second,
    data: &[u8],
    out: Out<'_>,
) -> Result<usize> {
    let query = out.is_none();
    let n = crypt::update(h, Direction::Encrypt, data, out)?;
    if !query {
        feed(h, second, data)?;
    }
    Ok(n)
}

/// C_DecryptDigestUpdate / C_DecryptVerifyUpdate: the ciphertext is
/// decrypted and the plaintext it yields goes to the digest or verification.
pub fn decrypt_then(
    h: CK_SESSION_HANDLE,
    second: Second,
    data: &[u8],
    out: Out<'_>,
) -> Result<usize> {
    match out {
        None => crypt::update(h, Direction::Decrypt, data, None),
        Some(buf) => {
            let n = crypt::update(h, Direction::Decrypt, data, Some(&mut *buf))?;
            feed(h, second, &buf[..n])?;
            Ok(n)
        }
    }
}
