//! Starts the real `keybridge serve --dev` on a free loopback port with its
//! own data directory, and connects to it over mutual TLS.
#![allow(dead_code)]

pub mod access_ops;
pub mod pki;
pub mod wire;

use kmip::client::Client;
use kmip::ProtocolVersion;
use openssl::ssl::{SslConnector, SslFiletype, SslMethod, SslStream, SslVerifyMode};
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Server {
    child: Child,
    pub port: u16,
    pub data: tempfile::TempDir,
    pub certs: PathBuf,
}

impl Server {
    /// Starts the server; panics (test setup) if it does not come up.
    pub fn start() -> Server {
        Server::start_with_config(None)
    }

    /// Starts the server with `config` (keybridge.toml text, e.g. a `[kmip]`
    /// section) as its KEYBRIDGE_CONF, or with none.
    pub fn start_with_config(config: Option<&str>) -> Server {
        let data = tempfile::tempdir().expect("temp dir");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_keybridge"));
        cmd.args(["serve", "--dev", "--listen", "127.0.0.1:0"])
            .env("XDG_DATA_HOME", data.path());
        match config {
            Some(text) => {
                let path = data.path().join("keybridge.toml");
                std::fs::write(&path, text).expect("write keybridge.toml");
                cmd.env("KEYBRIDGE_CONF", path);
            }
            None => {
                cmd.env_remove("KEYBRIDGE_CONF");
            }
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::from(
                std::fs::File::create(data.path().join("server.log")).expect("log file"),
            ))
            .spawn()
            .expect("start keybridge serve --dev");
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = BufReader::new(stdout).lines();
        let mut port = None;
        for line in lines.by_ref() {
            let line = line.expect("server output");
            if let Some(addr) = line.strip_prefix("keybridge: KMIP server listening on ") {
                port = addr.rsplit(':').next().and_then(|p| p.parse().ok());
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
        let port = port.expect("the server did not report its port");
        let certs = data.path().join("keybridge/kmip-dev");
        Server {
            child,
            port,
            data,
            certs,
        }
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.data.path().join("server.log")).unwrap_or_default()
    }

    fn connector(&self, with_client_cert: bool) -> SslConnector {
        let mut b = SslConnector::builder(SslMethod::tls_client()).expect("connector");
        b.set_ca_file(self.certs.join("ca.crt")).expect("ca");
        if with_client_cert {
            b.set_certificate_file(self.certs.join("client.crt"), SslFiletype::PEM)
                .expect("client cert");
            b.set_private_key_file(self.certs.join("client.key"), SslFiletype::PEM)
                .expect("client key");
        }
        b.set_verify(SslVerifyMode::PEER);
        b.build()
    }

    /// A TLS stream with the dev client certificate.
    pub fn connect(&self) -> SslStream<TcpStream> {
        self.try_connect(true).expect("TLS connection")
    }

    pub fn try_connect(&self, with_client_cert: bool) -> Result<SslStream<TcpStream>, String> {
        let tcp = TcpStream::connect(("127.0.0.1", self.port)).map_err(|e| e.to_string())?;
        tcp.set_read_timeout(Some(Duration::from_secs(30))).ok();
        self.connector(with_client_cert)
            .connect("localhost", tcp)
            .map_err(|e| e.to_string())
    }

    pub fn client(&self, version: ProtocolVersion) -> Client<SslStream<TcpStream>> {
        Client::new(self.connect(), version)
    }

    /// A client certificate and key for `cn`, signed by the dev CA (as an
    /// operator would issue one to another application); returns their paths.
    pub fn issue_client_cert(&self, cn: &str) -> (PathBuf, PathBuf) {
        use openssl::asn1::Asn1Time;
        use openssl::bn::{BigNum, MsbOption};
        use openssl::ec::{EcGroup, EcKey};
        use openssl::hash::MessageDigest;
        use openssl::nid::Nid;
        use openssl::pkey::PKey;
        use openssl::x509::extension::{BasicConstraints, ExtendedKeyUsage, KeyUsage};
        use openssl::x509::{X509Name, X509};
        let crt_path = self.data.path().join(format!("{cn}.crt"));
        let key_path = self.data.path().join(format!("{cn}.key"));
        if crt_path.exists() {
            return (crt_path, key_path);
        }
        let ca = X509::from_pem(&std::fs::read(self.certs.join("ca.crt")).unwrap()).unwrap();
        let ca_key =
            PKey::private_key_from_pem(&std::fs::read(self.certs.join("ca.key")).unwrap()).unwrap();
        let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
        let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
        let mut name = X509Name::builder().unwrap();
        name.append_entry_by_nid(Nid::COMMONNAME, cn).unwrap();
        let name = name.build();
        let mut b = X509::builder().unwrap();
        b.set_version(2).unwrap();
        let mut serial = BigNum::new().unwrap();
        serial.rand(127, MsbOption::MAYBE_ZERO, false).unwrap();
        b.set_serial_number(&serial.to_asn1_integer().unwrap())
            .unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(ca.subject_name()).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::days_from_now(30).unwrap())
            .unwrap();
        b.append_extension(BasicConstraints::new().build().unwrap())
            .unwrap();
        b.append_extension(
            KeyUsage::new()
                .critical()
                .digital_signature()
                .build()
                .unwrap(),
        )
        .unwrap();
        b.append_extension(ExtendedKeyUsage::new().client_auth().build().unwrap())
            .unwrap();
        b.sign(&ca_key, MessageDigest::sha256()).unwrap();
        std::fs::write(&crt_path, b.build().to_pem().unwrap()).unwrap();
        std::fs::write(&key_path, key.private_key_to_pem_pkcs8().unwrap()).unwrap();
        (crt_path, key_path)
    }

    /// A client whose certificate has subject CN `cn`.
    pub fn client_as(&self, cn: &str, version: ProtocolVersion) -> Client<SslStream<TcpStream>> {
        let (crt, key) = self.issue_client_cert(cn);
        let mut b = SslConnector::builder(SslMethod::tls_client()).expect("connector");
        b.set_ca_file(self.certs.join("ca.crt")).expect("ca");
        b.set_certificate_file(crt, SslFiletype::PEM).expect("cert");
        b.set_private_key_file(key, SslFiletype::PEM).expect("key");
        b.set_verify(SslVerifyMode::PEER);
        let tcp = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        tcp.set_read_timeout(Some(Duration::from_secs(30))).ok();
        let tls = b.build().connect("localhost", tcp).expect("TLS");
        Client::new(tls, version)
    }

    /// Runs `keybridge ARGS` (an admin command) on the server's store, with
    /// `stdin` as its input; returns its stdout, panicking when it fails.
    pub fn admin(&self, args: &[&str], stdin: &str) -> String {
        let (ok, out, err) = self.try_admin(args, stdin);
        assert!(ok, "keybridge {args:?} failed: {err}");
        out
    }

    /// Runs an admin command; (success, stdout, stderr).
    pub fn try_admin(&self, args: &[&str], stdin: &str) -> (bool, String, String) {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_keybridge"))
            .args(args)
            .env("XDG_DATA_HOME", self.data.path())
            .env_remove("KEYBRIDGE_CONF")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run keybridge");
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(stdin.as_bytes())
            .expect("write stdin");
        let out = child.wait_with_output().expect("keybridge output");
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// A field of the server process's /proc/<pid>/status in KiB, e.g.
    /// `VmRSS` (resident now) or `VmHWM` (peak resident).
    pub fn memory_kib(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("server /proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or_else(|| panic!("no {field} in /proc status"))
    }

    /// Kills the server process with SIGKILL and reaps it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Whether the server process is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
