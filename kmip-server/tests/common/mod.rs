//! Starts the real `keybridge serve --dev` on a free loopback port with its
//! own data directory, and connects to it over mutual TLS.
#![allow(dead_code)]

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
        let data = tempfile::tempdir().expect("temp dir");
        let mut child = Command::new(env!("CARGO_BIN_EXE_keybridge"))
            .args(["serve", "--dev", "--listen", "127.0.0.1:0"])
            .env("XDG_DATA_HOME", data.path())
            .env_remove("KEYBRIDGE_CONF")
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
