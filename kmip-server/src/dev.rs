//! `keybridge serve --dev`: a self-contained development setup. Creates (once)
//! a local CA, a server certificate for `localhost`/127.0.0.1 and a client
//! certificate in `<data dir>/kmip-dev/`, keys mode 0600, and prints where
//! they are with a PyKMIP client configuration to copy.

use crate::error::{Error, Result};
use crate::tls::TlsFiles;
use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use openssl::x509::{X509Name, X509};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The CN of the client certificate `--dev` creates: the identity, and so
/// the keystore partition / PKCS#11 token label, of a client using it.
pub const DEV_CLIENT_CN: &str = "kmip-dev-client";

/// The files of a development setup.
pub struct DevFiles {
    pub dir: PathBuf,
    pub tls: TlsFiles,
    pub ca_cert: PathBuf,
    pub client_cert: PathBuf,
    pub client_key: PathBuf,
}

fn key() -> Result<PKey<Private>> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    Ok(PKey::from_ec_key(EcKey::generate(&group)?)?)
}

fn name(cn: &str) -> Result<X509Name> {
    let mut n = X509Name::builder()?;
    n.append_entry_by_nid(Nid::ORGANIZATIONNAME, "keybridge dev")?;
    n.append_entry_by_nid(Nid::COMMONNAME, cn)?;
    Ok(n.build())
}

enum Kind {
    Ca,
    Server,
    Client,
}

fn certificate(
    cn: &str,
    key: &PKey<Private>,
    issuer: Option<(&X509, &PKey<Private>)>,
    kind: Kind,
) -> Result<X509> {
    let mut b = X509::builder()?;
    b.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(127, MsbOption::MAYBE_ZERO, false)?;
    let serial = serial.to_asn1_integer()?;
    b.set_serial_number(&serial)?;
    let subject = name(cn)?;
    b.set_subject_name(&subject)?;
    b.set_pubkey(key)?;
    let not_before = Asn1Time::days_from_now(0)?;
    let not_after = Asn1Time::days_from_now(825)?;
    b.set_not_before(&not_before)?;
    b.set_not_after(&not_after)?;
    match kind {
        Kind::Ca => {
            b.append_extension(BasicConstraints::new().critical().ca().build()?)?;
            b.append_extension(
                KeyUsage::new()
                    .critical()
                    .key_cert_sign()
                    .crl_sign()
                    .build()?,
            )?;
        }
        Kind::Server => {
            b.append_extension(BasicConstraints::new().build()?)?;
            b.append_extension(KeyUsage::new().critical().digital_signature().build()?)?;
            b.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
            let san = SubjectAlternativeName::new()
                .dns("localhost")
                .ip("127.0.0.1")
                .ip("::1")
                .build(&b.x509v3_context(issuer.map(|(c, _)| c.as_ref()), None))?;
            b.append_extension(san)?;
        }
        Kind::Client => {
            b.append_extension(BasicConstraints::new().build()?)?;
            b.append_extension(KeyUsage::new().critical().digital_signature().build()?)?;
            b.append_extension(ExtendedKeyUsage::new().client_auth().build()?)?;
        }
    }
    match issuer {
        Some((ca, ca_key)) => {
            b.set_issuer_name(ca.subject_name())?;
            b.sign(ca_key, MessageDigest::sha256())?;
        }
        None => {
            b.set_issuer_name(&subject)?;
            b.sign(key, MessageDigest::sha256())?;
        }
    }
    Ok(b.build())
}

/// Writes `bytes` to a new file readable by its owner only.
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
    f.write_all(bytes)
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))
}

/// Creates the development CA and certificates in `data_dir/kmip-dev` unless
/// they are there already.
pub fn ensure(data_dir: &Path) -> Result<DevFiles> {
    let dir = data_dir.join("kmip-dev");
    std::fs::create_dir_all(&dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    let f = DevFiles {
        tls: TlsFiles {
            cert: dir.join("server.crt"),
            key: dir.join("server.key"),
            client_ca: dir.join("ca.crt"),
        },
        ca_cert: dir.join("ca.crt"),
        client_cert: dir.join("client.crt"),
        client_key: dir.join("client.key"),
        dir,
    };
    let all = [
        &f.ca_cert,
        &f.tls.cert,
        &f.tls.key,
        &f.client_cert,
        &f.client_key,
    ];
    if all.iter().all(|p| p.is_file()) {
        return Ok(f);
    }
    let ca_key = key()?;
    let ca = certificate("keybridge dev CA", &ca_key, None, Kind::Ca)?;
    let server_key = key()?;
    let server = certificate("localhost", &server_key, Some((&ca, &ca_key)), Kind::Server)?;
    let client_key = key()?;
    let client = certificate(
        DEV_CLIENT_CN,
        &client_key,
        Some((&ca, &ca_key)),
        Kind::Client,
    )?;
    write_private(&f.dir.join("ca.key"), &ca_key.private_key_to_pem_pkcs8()?)?;
    write_private(&f.ca_cert, &ca.to_pem()?)?;
    let mut chain = server.to_pem()?;
    chain.extend_from_slice(&ca.to_pem()?);
    write_private(&f.tls.cert, &chain)?;
    write_private(&f.tls.key, &server_key.private_key_to_pem_pkcs8()?)?;
    write_private(&f.client_cert, &client.to_pem()?)?;
    write_private(&f.client_key, &client_key.private_key_to_pem_pkcs8()?)?;
    Ok(f)
}

/// What `serve --dev` prints before it listens.
pub fn banner(f: &DevFiles, listen: &str) -> String {
    let (host, port) = listen.rsplit_once(':').unwrap_or((listen, "5696"));
    format!(
        "keybridge KMIP server (development mode)\n\
         listening on      {listen}\n\
         CA certificate    {ca}\n\
         server cert/key   {sc} {sk}\n\
         client cert/key   {cc} {ck}\n\
         client identity   {cn} (its objects are in the partition / PKCS#11 token labelled {cn:?})\n\
         \n\
         PyKMIP client configuration (pykmip.conf):\n\
         [client]\n\
         host={host}\n\
         port={port}\n\
         certfile={cc}\n\
         keyfile={ck}\n\
         ca_certs={ca}\n\
         cert_reqs=CERT_REQUIRED\n\
         ssl_version=PROTOCOL_SSLv23\n\
         do_handshake_on_connect=True\n\
         suppress_ragged_eofs=True\n",
        ca = f.ca_cert.display(),
        sc = f.tls.cert.display(),
        sk = f.tls.key.display(),
        cc = f.client_cert.display(),
        ck = f.client_key.display(),
        cn = DEV_CLIENT_CN,
    )
}
