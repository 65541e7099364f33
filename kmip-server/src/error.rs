//! The server's one error type, and the one place that maps every failure to
//! a KMIP Result Reason and message ([`Error::result`]).

use kmip::enums::result_reason as rr;
use kmip::ProtocolVersion;

/// Everything the server can fail at.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A request refused for a reason the operation chose (a KMIP Result Reason).
    #[error("{message}")]
    Kmip { reason: u32, message: String },
    /// The key store refused or failed.
    #[error(transparent)]
    Store(#[from] keystore::Error),
    /// A malformed or mistyped message or payload.
    #[error(transparent)]
    Codec(#[from] kmip::Error),
    /// Configuration, certificates, listener.
    #[error("{0}")]
    Setup(String),
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    #[error("TLS: {0}")]
    Tls(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<openssl::error::ErrorStack> for Error {
    fn from(e: openssl::error::ErrorStack) -> Self {
        Error::Tls(e.to_string())
    }
}

impl Error {
    /// An operation failure with a Result Reason.
    pub fn kmip(reason: u32, message: impl Into<String>) -> Error {
        Error::Kmip {
            reason,
            message: message.into(),
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }

    pub fn not_supported(what: impl Into<String>) -> Error {
        Error::kmip(rr::FeatureNotSupported, what)
    }

    pub fn invalid(what: impl Into<String>) -> Error {
        Error::kmip(rr::InvalidField, what)
    }

    /// The Result Reason and message a client receives for this error in
    /// `version`. KMIP 2.0 added finer reasons (0x19 and above); a 1.x client
    /// gets the 1.x reason the OASIS 1.4 test cases expect instead.
    pub fn result(&self, version: ProtocolVersion) -> (u32, String) {
        let (reason, message) = match self {
            Error::Kmip { reason, message } => (*reason, message.clone()),
            Error::Store(e) => (store_reason(e), e.to_string()),
            Error::Codec(e) => (e.result_reason(), e.to_string()),
            // Never shown with details: they concern the server, not the client.
            Error::Setup(_) | Error::Io { .. } | Error::Tls(_) => {
                (rr::GeneralFailure, "internal server error".to_string())
            }
        };
        if version.is_2x() {
            (reason, message)
        } else {
            (reason_1x(reason), message)
        }
    }
}

fn store_reason(e: &keystore::Error) -> u32 {
    use keystore::Error as E;
    match e {
        E::NotFound(_) => rr::ObjectNotFound,
        E::AlreadyExists(_) => rr::ObjectAlreadyExists,
        E::WrongState { .. } => rr::WrongKeyLifecycleState,
        E::InvalidArgument(_) => rr::InvalidField,
        E::Unsupported(_) => rr::FeatureNotSupported,
        E::NotPermitted(_) | E::PartitionLocked(_) | E::PinIncorrect | E::PinLocked => {
            rr::PermissionDenied
        }
        E::VerificationFailed | E::DecryptionFailed(_) | E::Crypto(_) => rr::CryptographicFailure,
        _ => rr::GeneralFailure,
    }
}

/// The KMIP 1.x reason for a 2.x-only reason.
fn reason_1x(reason: u32) -> u32 {
    match reason {
        r if r <= rr::ObjectAlreadyExists || r == rr::GeneralFailure => r,
        rr::ObjectNotFound | rr::ObjectDestroyed => rr::ItemNotFound,
        rr::WrongKeyLifecycleState
        | rr::AttributeReadOnly
        | rr::ReadOnlyAttribute
        | rr::NotAuthorised => rr::PermissionDenied,
        rr::UnsupportedProtocolVersion | rr::CodecError => rr::InvalidMessage,
        rr::UnsupportedAttribute | rr::UnknownTag | rr::UnknownEnumeration => rr::InvalidField,
        _ => rr::IllegalOperation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_follow_the_client_version() {
        let e = Error::Store(keystore::Error::NotFound("object x".into()));
        assert_eq!(e.result(ProtocolVersion::V2_1).0, rr::ObjectNotFound);
        assert_eq!(e.result(ProtocolVersion::V1_4).0, rr::ItemNotFound);
        let e = Error::Store(keystore::Error::WrongState {
            operation: "Destroy".into(),
            state: keystore::lifecycle::State::Active,
        });
        assert_eq!(
            e.result(ProtocolVersion::V2_0).0,
            rr::WrongKeyLifecycleState
        );
        assert_eq!(e.result(ProtocolVersion::V1_0).0, rr::PermissionDenied);
        let (reason, message) = Error::Setup("/secret/path".into()).result(ProtocolVersion::V2_1);
        assert_eq!(reason, rr::GeneralFailure);
        assert!(
            !message.contains("secret"),
            "server details stay in the server"
        );
    }
}
