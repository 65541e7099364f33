//! The one error type of the key store.
//!
//! Messages never carry key material, PINs or passphrases: they name the
//! object, the operation or the rule that failed, nothing more.

use std::fmt;

/// Everything the key store can refuse or fail at.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No object, partition or entry with that identifier.
    #[error("not found: {0}")]
    NotFound(String),

    /// The identifier or name is already taken.
    #[error("already exists: {0}")]
    AlreadyExists(String),

    /// Stored data failed authentication: it was edited, swapped or corrupted.
    #[error("integrity check failed: {0}")]
    Integrity(String),

    /// The object's lifecycle state does not permit the operation.
    #[error("{operation} not permitted on an object in state {state}")]
    WrongState {
        operation: String,
        state: crate::lifecycle::State,
    },

    /// A caller-supplied value is malformed or out of range.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// An algorithm, mechanism, curve or size that keybridge does not offer.
    #[error("unsupported: {0}")]
    Unsupported(String),

    /// The key's attributes (usage mask, extractable, ...) forbid the operation.
    #[error("not permitted: {0}")]
    NotPermitted(String),

    /// A signature or MAC did not verify.
    #[error("signature or MAC is invalid")]
    VerificationFailed,

    /// Ciphertext or wrapped key could not be decrypted or unwrapped (bad padding,
    /// authentication tag mismatch, wrong key).
    #[error("decryption failed: {0}")]
    DecryptionFailed(String),

    /// A PIN or passphrase was wrong.
    #[error("incorrect PIN")]
    PinIncorrect,

    /// Too many wrong PINs: the PIN is locked until it is reset.
    #[error("PIN is locked")]
    PinLocked,

    /// The partition is not unlocked (no login yet) so its secrets are unreachable.
    #[error("partition {0} is locked: log in first")]
    PartitionLocked(String),

    /// The store master key is missing, wrong for this store, or unusable.
    #[error("store master key: {0}")]
    MasterKey(String),

    /// An OpenSSL primitive failed for a reason other than the ones above.
    #[error("cryptographic operation failed: {0}")]
    Crypto(String),

    /// The storage back end failed (I/O, lock timeout, constraint).
    #[error("storage error: {0}")]
    Storage(String),

    /// A file could not be read or written.
    #[error("I/O error: {context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
}

/// Result with the key store's error.
pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An I/O error with what was being done when it happened.
    pub fn io(context: impl fmt::Display, source: std::io::Error) -> Self {
        Error::Io {
            context: context.to_string(),
            source,
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        Error::Storage(e.to_string())
    }
}

impl From<openssl::error::ErrorStack> for Error {
    fn from(e: openssl::error::ErrorStack) -> Self {
        // OpenSSL's error strings name the library, function and reason; they
        // never include key bytes.
        Error::Crypto(e.to_string())
    }
}
