//! The KMIP 2.1 operations the writers and the load test send, over a real
//! mutual-TLS connection made with the development client certificate.

use kmip::client::Client;
use kmip::enums::{
    block_cipher_mode as bcm, cryptographic_algorithm as ca, operation as op, padding_method as pm,
    result_status as rs, revocation_reason_code as rrc,
};
use kmip::{ProtocolVersion, Tag, Ttlv};
use openssl::ssl::{SslConnector, SslFiletype, SslMethod, SslStream, SslVerifyMode};
use std::net::TcpStream;
use std::path::Path;
use std::time::Duration;

pub type Conn = Client<SslStream<TcpStream>>;

/// Why a KMIP call failed: the connection (the server went away) or the
/// server's answer (a real error).
#[derive(Debug)]
pub enum CallError {
    Connection(String),
    Refused(String),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Connection(m) => write!(f, "connection: {m}"),
            CallError::Refused(m) => write!(f, "refused: {m}"),
        }
    }
}

type R<T> = std::result::Result<T, CallError>;

/// Connects to `127.0.0.1:port` with the client certificate in `certs`
/// (`ca.crt`, `client.crt`, `client.key`, as `keybridge serve --dev` makes them).
pub fn connect(port: u16, certs: &Path) -> R<Conn> {
    let c = |e: String| CallError::Connection(e);
    let mut b = SslConnector::builder(SslMethod::tls_client()).map_err(|e| c(e.to_string()))?;
    b.set_ca_file(certs.join("ca.crt"))
        .map_err(|e| c(e.to_string()))?;
    b.set_certificate_file(certs.join("client.crt"), SslFiletype::PEM)
        .map_err(|e| c(e.to_string()))?;
    b.set_private_key_file(certs.join("client.key"), SslFiletype::PEM)
        .map_err(|e| c(e.to_string()))?;
    b.set_verify(SslVerifyMode::PEER);
    let tcp = TcpStream::connect(("127.0.0.1", port)).map_err(|e| c(e.to_string()))?;
    tcp.set_read_timeout(Some(Duration::from_secs(30)))
        .map_err(|e| c(e.to_string()))?;
    let tls = b
        .build()
        .connect("localhost", tcp)
        .map_err(|e| c(e.to_string()))?;
    Ok(Client::new(tls, ProtocolVersion::V2_1))
}

/// Sends one operation; the response payload on Success.
pub fn call(conn: &mut Conn, operation: u32, children: Vec<Ttlv>) -> R<Ttlv> {
    let item = conn
        .call(operation, Ttlv::structure(Tag::RequestPayload, children))
        .map_err(|e| CallError::Connection(e.to_string()))?;
    if item.result_status != rs::Success {
        return Err(CallError::Refused(format!(
            "operation {operation:#x}: status {} reason {:?}: {}",
            item.result_status,
            item.result_reason,
            item.result_message.unwrap_or_default()
        )));
    }
    item.payload
        .ok_or_else(|| CallError::Refused(format!("operation {operation:#x}: no payload")))
}

fn uid(u: &str) -> Ttlv {
    Ttlv::text(Tag::UniqueIdentifier, u)
}

fn name(n: &str) -> Ttlv {
    Ttlv::structure(
        Tag::Name,
        vec![
            Ttlv::text(Tag::NameValue, n),
            Ttlv::enumeration(Tag::NameType, 1),
        ],
    )
}

fn uid_of(p: &Ttlv) -> R<String> {
    p.child_text(Tag::UniqueIdentifier)
        .map(str::to_string)
        .map_err(|e| CallError::Refused(e.to_string()))
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Create (KMIP 2.1 §6.1.7): an AES-256 key named `label` for encrypt and
/// decrypt; Active when `active`, else Pre-Active (so it can be destroyed
/// without a Revoke first).
pub fn create_aes(conn: &mut Conn, label: &str, active: bool) -> R<String> {
    let mut attributes = vec![
        Ttlv::enumeration(Tag::CryptographicAlgorithm, ca::AES),
        Ttlv::integer(Tag::CryptographicLength, 256),
        Ttlv::integer(Tag::CryptographicUsageMask, 0x04 | 0x08),
        name(label),
    ];
    if active {
        attributes.push(Ttlv::date_time(Tag::ActivationDate, now() - 60));
    }
    let p = call(
        conn,
        op::Create,
        vec![
            Ttlv::enumeration(Tag::ObjectType, 2),
            Ttlv::structure(Tag::Attributes, attributes),
        ],
    )?;
    uid_of(&p)
}

/// Get (§6.1.20) of a symmetric key; returns the check value of its
/// material, never the material itself.
pub fn check_value(conn: &mut Conn, u: &str) -> R<String> {
    let p = call(conn, op::Get, vec![uid(u)])?;
    let material = p
        .require_path(&[
            Tag::SymmetricKey,
            Tag::KeyBlock,
            Tag::KeyValue,
            Tag::KeyMaterial,
        ])
        .and_then(|m| m.as_bytes())
        .map_err(|e| CallError::Refused(e.to_string()))?;
    crate::aes_check_value(material).map_err(CallError::Refused)
}

/// Modify Attribute (§6.1.31, 2.x form): the object's Name becomes `label`.
pub fn rename(conn: &mut Conn, u: &str, label: &str) -> R<()> {
    call(
        conn,
        op::ModifyAttribute,
        vec![
            uid(u),
            Ttlv::structure(Tag::NewAttribute, vec![name(label)]),
        ],
    )
    .map(drop)
}

/// Revoke (§6.1.43) for cessation of operation, then an Active key may be destroyed.
pub fn revoke(conn: &mut Conn, u: &str) -> R<()> {
    call(
        conn,
        op::Revoke,
        vec![
            uid(u),
            Ttlv::structure(
                Tag::RevocationReason,
                vec![Ttlv::enumeration(
                    Tag::RevocationReasonCode,
                    rrc::CessationOfOperation,
                )],
            ),
        ],
    )
    .map(drop)
}

/// Destroy (§6.1.15).
pub fn destroy(conn: &mut Conn, u: &str) -> R<()> {
    call(conn, op::Destroy, vec![uid(u)]).map(drop)
}

/// Encrypt (§6.1.18) with AES-CBC and PKCS#5 padding and a server-chosen IV;
/// returns the ciphertext length.
pub fn encrypt(conn: &mut Conn, u: &str, data: &[u8]) -> R<usize> {
    let params = Ttlv::structure(
        Tag::CryptographicParameters,
        vec![
            Ttlv::enumeration(Tag::BlockCipherMode, bcm::CBC),
            Ttlv::enumeration(Tag::PaddingMethod, pm::PKCS5),
            Ttlv::boolean(Tag::RandomIV, true),
        ],
    );
    let p = call(
        conn,
        op::Encrypt,
        vec![uid(u), params, Ttlv::bytes(Tag::Data, data.to_vec())],
    )?;
    p.child_bytes(Tag::Data)
        .map(<[u8]>::len)
        .map_err(|e| CallError::Refused(e.to_string()))
}

/// Locate (§6.1.27) by Name; the unique ids found.
pub fn locate(conn: &mut Conn, label: &str) -> R<Vec<String>> {
    let p = call(
        conn,
        op::Locate,
        vec![Ttlv::structure(Tag::Attributes, vec![name(label)])],
    )?;
    Ok(p.find_all(Tag::UniqueIdentifier)
        .filter_map(|u| u.as_text().ok().map(str::to_string))
        .collect())
}
