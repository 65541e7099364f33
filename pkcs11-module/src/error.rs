//! The module's one error type and its mapping to `CK_RV`.
//!
//! Every safe function returns [`Result`]; the FFI shims turn the error into
//! a return code with [`Error::rv`], the only place where that happens.

use cryptoki_sys::*;

/// Why a PKCS#11 call failed. Most variants are a return code of the
/// standard; `BufferTooSmall` carries the length the caller must provide
/// (PKCS#11 3.0 §5.2, the two-call size convention).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A return code of the standard, with what was refused (for the log).
    #[error("{1} (CK_RV {0:#x})")]
    Rv(CK_RV, String),
    /// The output buffer is too small; `.0` bytes (or items) are needed.
    #[error("buffer too small: {0} needed")]
    BufferTooSmall(usize),
    /// A failure of the key store.
    #[error(transparent)]
    Store(#[from] keystore::Error),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    /// An error with return code `rv` and a message for the log.
    pub fn rv(rv: CK_RV, msg: impl Into<String>) -> Error {
        Error::Rv(rv, msg.into())
    }

    pub fn args(msg: impl Into<String>) -> Error {
        Error::rv(CKR_ARGUMENTS_BAD, msg)
    }

    pub fn general(msg: impl Into<String>) -> Error {
        Error::rv(CKR_GENERAL_ERROR, msg)
    }

    /// The return code the caller sees. The mapping from the key store's
    /// errors lives here and only here.
    pub fn code(&self) -> CK_RV {
        use keystore::Error as K;
        match self {
            Error::Rv(rv, _) => *rv,
            Error::BufferTooSmall(_) => CKR_BUFFER_TOO_SMALL,
            Error::Store(e) => match e {
                K::NotFound(_) => CKR_OBJECT_HANDLE_INVALID,
                K::AlreadyExists(_) => CKR_FUNCTION_FAILED,
                K::Integrity(_) => CKR_DEVICE_ERROR,
                K::WrongState { .. } => CKR_KEY_FUNCTION_NOT_PERMITTED,
                K::InvalidArgument(_) => CKR_ARGUMENTS_BAD,
                K::Unsupported(_) => CKR_MECHANISM_INVALID,
                K::NotPermitted(_) => CKR_ACTION_PROHIBITED,
                K::VerificationFailed => CKR_SIGNATURE_INVALID,
                K::DecryptionFailed(_) => CKR_ENCRYPTED_DATA_INVALID,
                K::PinIncorrect => CKR_PIN_INCORRECT,
                K::PinLocked => CKR_PIN_LOCKED,
                K::PartitionLocked(_) => CKR_USER_NOT_LOGGED_IN,
                K::MasterKey(_) => CKR_DEVICE_ERROR,
                K::Crypto(_) => CKR_FUNCTION_FAILED,
                K::Storage(_) | K::Io { .. } => CKR_DEVICE_ERROR,
            },
        }
    }
}

/// Shorthand: `Err(Error::rv(..))`.
pub fn fail<T>(rv: CK_RV, msg: impl Into<String>) -> Result<T> {
    Err(Error::rv(rv, msg))
}

/// Maps a key store error met in a given operation to a more precise code
/// (a bad length when importing a key is a template problem, not bad arguments).
pub fn store_err(rv_for_invalid: CK_RV) -> impl Fn(keystore::Error) -> Error {
    move |e| match e {
        keystore::Error::InvalidArgument(m) => Error::Rv(rv_for_invalid, m),
        other => Error::Store(other),
    }
}
