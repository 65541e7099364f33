//! TLS for the KMIP port: TLS 1.2 and 1.3 only, a client certificate is
//! required and must chain to the configured CA; the client's identity is
//! the subject CN of that certificate. No SNI is needed (a server name sent
//! by the client is ignored).

use crate::error::{Error, Result};
use openssl::nid::Nid;
use openssl::ssl::{
    SslAcceptor, SslFiletype, SslMethod, SslSessionCacheMode, SslVerifyMode, SslVersion,
};
use openssl::x509::X509Ref;
use std::path::Path;

/// Names this server's sessions: a session from another application sharing
/// the ticket keys could not be resumed here.
const SESSION_ID_CONTEXT: &[u8] = b"keybridge-kmip";

/// Where the server's certificate, key and client CA are.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: std::path::PathBuf,
    pub key: std::path::PathBuf,
    pub client_ca: std::path::PathBuf,
}

/// Builds the acceptor every connection is handshaken with.
pub fn acceptor(files: &TlsFiles) -> Result<SslAcceptor> {
    let setup = |what: &str, p: &Path, e: openssl::error::ErrorStack| {
        Error::Setup(format!("{what} {}: {e}", p.display()))
    };
    // Mozilla "intermediate": TLS 1.2 with AEAD ECDHE suites, and TLS 1.3.
    let mut b = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server())?;
    b.set_min_proto_version(Some(SslVersion::TLS1_2))?;
    b.set_certificate_chain_file(&files.cert)
        .map_err(|e| setup("server certificate", &files.cert, e))?;
    b.set_private_key_file(&files.key, SslFiletype::PEM)
        .map_err(|e| setup("server key", &files.key, e))?;
    b.check_private_key()
        .map_err(|e| setup("server key does not match certificate", &files.key, e))?;
    b.set_ca_file(&files.client_ca)
        .map_err(|e| setup("client CA", &files.client_ca, e))?;
    let pem = std::fs::read(&files.client_ca)
        .map_err(|e| Error::io(format!("reading {}", files.client_ca.display()), e))?;
    let mut ca_names = openssl::stack::Stack::new()?;
    for c in openssl::x509::X509::stack_from_pem(&pem)? {
        ca_names.push(c.subject_name().to_owned()?)?;
    }
    b.set_client_ca_list(ca_names);
    b.set_verify(SslVerifyMode::PEER | SslVerifyMode::FAIL_IF_NO_PEER_CERT);
    // Session resumption (TLS 1.3 tickets, TLS 1.2 session ids and tickets):
    // a client that reconnects skips the certificate signature and
    // verification, several times cheaper than a full handshake. OpenSSL
    // refuses to resume a verified-client session without a session id
    // context, failing the handshake instead; the resumed session carries
    // the verified client certificate, so the identity stays the CN.
    b.set_session_id_context(SESSION_ID_CONTEXT)?;
    b.set_session_cache_mode(SslSessionCacheMode::SERVER);
    // One ticket per handshake: a client resumes with one, and every
    // ticket costs an encryption and a record.
    b.set_num_tickets(1)?;
    Ok(b.build())
}

/// The identity of a verified client certificate: its subject CN.
pub fn identity(cert: &X509Ref) -> Option<String> {
    cert.subject_name()
        .entries_by_nid(Nid::COMMONNAME)
        .next()
        .and_then(|e| std::str::from_utf8(e.data().as_slice()).ok())
        .map(|s| s.to_string())
        .filter(|s| !s.is_empty())
}
