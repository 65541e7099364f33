//! A compiled KMIP load generator, so that the client is never what limits
//! the numbers: N threads, each with its own mutually authenticated TLS
//! connection, sending KMIP 1.2 requests back to back and timing each one.
//! `scripts/bench-kmip.sh` runs it against keybridge and a reference server
//! side by side; it works against any KMIP 1.2 server.
//!
//! Cells (each for `--seconds`):
//! - `get`: Get of a registered Secret Data, 1 and 8 connections;
//! - `encrypt`: AES-256-GCM Encrypt of 1 KiB with a fresh 12-byte IV per
//!   request, 1 and 8 connections;
//! - `connect`: a new TLS connection per operation (one Get each), made by
//!   rustls, which resumes cached TLS sessions; reports how many handshakes
//!   really resumed;
//!   `connect-full` the same with a full handshake every time;
//! - `create`: Create of an AES-256 key (durable on the server), 8 connections.
//!
//! Output: one `RESULT` line per cell, `key=value` pairs, for the script.

use kmip::client::Client;
use kmip::enums::{
    block_cipher_mode as bcm, cryptographic_algorithm as alg, key_format_type as kft,
    object_type as ot, operation as op, result_status as rs, secret_data_type as sdt,
};
use kmip::{ProtocolVersion, Tag, Ttlv};
use openssl::ssl::{SslConnector, SslFiletype, SslMethod, SslStream, SslVersion};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::io::Write;
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(clap::Parser, Debug)]
struct Args {
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    #[arg(long)]
    port: u16,
    #[arg(long)]
    ca: PathBuf,
    #[arg(long)]
    cert: PathBuf,
    #[arg(long)]
    key: PathBuf,
    /// Seconds per cell.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Cells to run, comma separated (get1,get8,enc1,enc8,conn8,connfull8,create8).
    #[arg(long, default_value = "get1,get8,enc1,enc8,conn8,connfull8,create8")]
    cells: String,
    /// How the 8-connection get, encrypt and create cells are driven:
    /// `threads` (a thread per connection, blocking I/O) or `event-loop`
    /// (the connections as tasks of an event loop on `--loop-threads`
    /// threads: fewer runnable client threads beside the server on a small
    /// machine).
    #[arg(long, default_value = "threads")]
    driver: String,
    #[arg(long, default_value_t = 1)]
    loop_threads: usize,
}

type Tls = SslStream<TcpStream>;
type Resuming = rustls::StreamOwned<rustls::ClientConnection, TcpStream>;
type Conn = Client<Tls>;
type BenchResult<T> = Result<T, String>;

const VERSION: ProtocolVersion = ProtocolVersion::V1_2;

fn payload(children: Vec<Ttlv>) -> Ttlv {
    Ttlv::structure(Tag::RequestPayload, children)
}

/// A KMIP 1.x Attribute (name, value).
fn attribute(name: &str, value: Ttlv) -> Ttlv {
    Ttlv::structure(
        Tag::Attribute,
        vec![Ttlv::text(Tag::AttributeName, name), value],
    )
}

fn create_aes_request() -> Ttlv {
    payload(vec![
        Ttlv::enumeration(Tag::ObjectType, ot::SymmetricKey),
        Ttlv::structure(
            Tag::TemplateAttribute,
            vec![
                attribute(
                    "Cryptographic Algorithm",
                    Ttlv::enumeration(Tag::AttributeValue, alg::AES),
                ),
                attribute(
                    "Cryptographic Length",
                    Ttlv::integer(Tag::AttributeValue, 256),
                ),
                attribute(
                    "Cryptographic Usage Mask",
                    Ttlv::integer(Tag::AttributeValue, 0x04 | 0x08),
                ),
            ],
        ),
    ])
}

fn register_secret_request() -> Ttlv {
    payload(vec![
        Ttlv::enumeration(Tag::ObjectType, ot::SecretData),
        Ttlv::structure(Tag::TemplateAttribute, Vec::new()),
        Ttlv::structure(
            Tag::SecretData,
            vec![
                Ttlv::enumeration(Tag::SecretDataType, sdt::Password),
                Ttlv::structure(
                    Tag::KeyBlock,
                    vec![
                        Ttlv::enumeration(Tag::KeyFormatType, kft::Opaque),
                        Ttlv::structure(
                            Tag::KeyValue,
                            vec![Ttlv::bytes(
                                Tag::KeyMaterial,
                                b"benchmark secret: 32 bytes long!".to_vec(),
                            )],
                        ),
                    ],
                ),
            ],
        ),
    ])
}

fn uid_request(uid: &str) -> Ttlv {
    payload(vec![Ttlv::text(Tag::UniqueIdentifier, uid)])
}

fn encrypt_request(uid: &str, iv: &[u8; 12], data: &[u8]) -> Ttlv {
    payload(vec![
        Ttlv::text(Tag::UniqueIdentifier, uid),
        Ttlv::structure(
            Tag::CryptographicParameters,
            vec![
                Ttlv::enumeration(Tag::BlockCipherMode, bcm::GCM),
                Ttlv::enumeration(Tag::CryptographicAlgorithm, alg::AES),
                Ttlv::integer(Tag::TagLength, 16),
            ],
        ),
        Ttlv::bytes(Tag::Data, data.to_vec()),
        Ttlv::bytes(Tag::IVCounterNonce, iv.to_vec()),
    ])
}

/// Sends one operation; Ok(payload) only for Result Status Success.
fn call<S: std::io::Read + Write>(c: &mut Client<S>, operation: u32, p: Ttlv) -> BenchResult<Ttlv> {
    let r = c.call(operation, p).map_err(|e| e.to_string())?;
    if r.result_status != rs::Success {
        return Err(format!(
            "operation {operation:#x} failed: reason {:?}: {}",
            r.result_reason,
            r.result_message.unwrap_or_default()
        ));
    }
    r.payload
        .ok_or_else(|| format!("operation {operation:#x}: no payload"))
}

fn uid_of(p: &Ttlv) -> BenchResult<String> {
    p.child_text(Tag::UniqueIdentifier)
        .map(str::to_string)
        .map_err(|e| e.to_string())
}

struct Target {
    addr: String,
    connector: SslConnector,
    /// Shared by every resuming connection: its session cache is what lets
    /// the next handshake resume.
    resuming: Arc<rustls::ClientConfig>,
}

impl Target {
    fn new(a: &Args) -> BenchResult<Target> {
        let e = |what: &str, e: openssl::error::ErrorStack| format!("{what}: {e}");
        let mut b = SslConnector::builder(SslMethod::tls_client()).map_err(|x| e("TLS", x))?;
        b.set_min_proto_version(Some(SslVersion::TLS1_2))
            .map_err(|x| e("TLS", x))?;
        b.set_ca_file(&a.ca).map_err(|x| e("CA file", x))?;
        b.set_certificate_chain_file(&a.cert)
            .map_err(|x| e("client certificate", x))?;
        b.set_private_key_file(&a.key, SslFiletype::PEM)
            .map_err(|x| e("client key", x))?;
        Ok(Target {
            addr: format!("{}:{}", a.host, a.port),
            connector: b.build(),
            resuming: resuming_config(a)?,
        })
    }

    /// A new TCP connection to the server, without Nagle's delay.
    fn tcp(&self) -> BenchResult<TcpStream> {
        let tcp = TcpStream::connect(&self.addr).map_err(|e| format!("{}: {e}", self.addr))?;
        tcp.set_nodelay(true).map_err(|e| e.to_string())?;
        Ok(tcp)
    }

    /// A new TLS connection with a full handshake.
    fn connect(&self) -> BenchResult<Tls> {
        let tcp = self.tcp()?;
        self.connector
            .connect("localhost", tcp)
            .map_err(|e| format!("TLS handshake: {e}"))
    }

    /// A new TLS connection made by rustls, which resumes the sessions its
    /// shared configuration cached from earlier connections; returns the
    /// stream and whether this handshake resumed.
    fn connect_resuming(&self) -> BenchResult<(Resuming, bool)> {
        let mut tcp = self.tcp()?;
        let name =
            rustls::pki_types::ServerName::try_from("localhost").map_err(|e| e.to_string())?;
        let mut conn = rustls::ClientConnection::new(self.resuming.clone(), name)
            .map_err(|e| e.to_string())?;
        while conn.is_handshaking() {
            conn.complete_io(&mut tcp)
                .map_err(|e| format!("TLS handshake: {e}"))?;
        }
        let resumed = conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
        Ok((rustls::StreamOwned::new(conn, tcp), resumed))
    }

    fn client(&self) -> BenchResult<Conn> {
        Ok(Client::new(self.connect()?, VERSION))
    }
}

/// The rustls client configuration: the same CA, certificate and key.
fn resuming_config(a: &Args) -> BenchResult<Arc<rustls::ClientConfig>> {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_file_iter(&a.ca).map_err(|e| format!("CA file: {e}"))? {
        roots
            .add(c.map_err(|e| format!("CA file: {e}"))?)
            .map_err(|e| format!("CA file: {e}"))?;
    }
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&a.cert)
        .map_err(|e| format!("client certificate: {e}"))?
        .collect::<Result<_, _>>()
        .map_err(|e| format!("client certificate: {e}"))?;
    let key = PrivateKeyDer::from_pem_file(&a.key).map_err(|e| format!("client key: {e}"))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| format!("client certificate: {e}"))?;
    Ok(Arc::new(config))
}

/// What every worker thread of a cell reports.
#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    errors: u64,
    first_error: Option<String>,
    resumed: u64,
}

impl Tally {
    fn record(&mut self, start: Instant, r: BenchResult<()>) {
        match r {
            Ok(()) => self
                .latencies_us
                .push(u32::try_from(start.elapsed().as_micros()).unwrap_or(u32::MAX)),
            Err(e) => {
                self.errors += 1;
                self.first_error.get_or_insert(e);
            }
        }
    }
}

/// Runs `work` on `threads` threads until `seconds` have passed, after a
/// short warm-up that is not counted; prints the RESULT line.
fn cell<W>(name: &str, threads: usize, seconds: f64, work: W)
where
    W: Fn(&AtomicBool, &mut Tally) -> BenchResult<()> + Send + Sync + 'static,
{
    let work = Arc::new(work);
    let stop = Arc::new(AtomicBool::new(false));
    let started = Arc::new(AtomicU64::new(0));
    let mut handles = Vec::new();
    for _ in 0..threads {
        let (work, stop, started) = (work.clone(), stop.clone(), started.clone());
        handles.push(std::thread::spawn(move || {
            let mut t = Tally::default();
            started.fetch_add(1, Ordering::SeqCst);
            if let Err(e) = work(&stop, &mut t) {
                t.errors += 1;
                t.first_error.get_or_insert(e);
            }
            t
        }));
    }
    let t0 = Instant::now();
    std::thread::sleep(Duration::from_secs_f64(seconds));
    stop.store(true, Ordering::SeqCst);
    let mut all = Tally::default();
    for h in handles {
        match h.join() {
            Ok(t) => {
                all.latencies_us.extend(t.latencies_us);
                all.errors += t.errors;
                all.resumed += t.resumed;
                if all.first_error.is_none() {
                    all.first_error = t.first_error;
                }
            }
            Err(_) => all.errors += 1,
        }
    }
    report(name, threads, t0.elapsed().as_secs_f64(), all);
}

/// Prints the RESULT and DETAIL lines of a cell.
fn report(name: &str, threads: usize, elapsed: f64, mut all: Tally) {
    all.latencies_us.sort_unstable();
    let n = all.latencies_us.len();
    let pct = |p: f64| -> f64 {
        if n == 0 {
            return 0.0;
        }
        let i = ((n as f64 * p).ceil() as usize).clamp(1, n) - 1;
        f64::from(all.latencies_us[i]) / 1000.0
    };
    println!(
        "RESULT cell={name} threads={threads} ops={n} ops_s={:.0} p50_ms={:.3} p99_ms={:.3} errors={} resumed={} error={:?}",
        n as f64 / elapsed,
        pct(0.50),
        pct(0.99),
        all.errors,
        all.resumed,
        all.first_error.unwrap_or_default()
    );
    println!(
        "DETAIL cell={name} threads={threads} p90_ms={:.3} p95_ms={:.3} p99_ms={:.3} p99.9_ms={:.3} max_ms={:.3}",
        pct(0.90),
        pct(0.95),
        pct(0.99),
        pct(0.999),
        pct(1.0)
    );
}

/// One connection per thread, `op` repeated on it until stopped.
fn loop_on_connection<F>(
    target: &Target,
    stop: &AtomicBool,
    t: &mut Tally,
    op: F,
) -> BenchResult<()>
where
    F: Fn(&mut Conn, u64) -> BenchResult<()>,
{
    let mut c = target.client()?;
    // Warm-up: the first request pays for lazily opened server state.
    op(&mut c, 0)?;
    let mut i = 1u64;
    while !stop.load(Ordering::Relaxed) {
        let start = Instant::now();
        let r = op(&mut c, i);
        let failed = r.is_err();
        t.record(start, r);
        if failed {
            c = target.client()?;
        }
        i += 1;
    }
    Ok(())
}

fn main() {
    use clap::Parser;
    let args = Args::parse();
    if let Err(e) = run(&args) {
        eprintln!("kmip_bench: {e}");
        std::process::exit(1);
    }
}

fn run(args: &Args) -> BenchResult<()> {
    let target = Arc::new(Target::new(args)?);
    // Setup: a Secret Data to Get, an active AES-256 key to encrypt with.
    let mut c = target.client()?;
    let secret = uid_of(&call(&mut c, op::Register, register_secret_request())?)?;
    let _ = call(&mut c, op::Activate, uid_request(&secret));
    let key = uid_of(&call(&mut c, op::Create, create_aes_request())?)?;
    call(&mut c, op::Activate, uid_request(&key))?;
    let data = vec![0x5a_u8; 1024];
    let gcm_check = call(&mut c, op::Encrypt, encrypt_request(&key, &[7; 12], &data));
    if let Err(e) = &gcm_check {
        println!("NOTE AES-GCM Encrypt refused by the server: {e}");
    }
    drop(c);
    let secret = Arc::new(secret);
    let key = Arc::new(key);
    let data = Arc::new(data);
    let seconds = args.seconds;
    let one_thread = match args.driver.as_str() {
        "threads" => false,
        "event-loop" => true,
        other => return Err(format!("unknown driver {other:?}")),
    };
    let loop_threads = args.loop_threads.clamp(1, 8);
    for name in args.cells.split(',').map(str::trim) {
        let target = target.clone();
        match name {
            "get8" if one_thread => {
                let secret = secret.clone();
                event_loop_cell("get", seconds, loop_threads, &target, move |_, _| {
                    (op::Get, uid_request(&secret))
                })?;
            }
            "enc8" if one_thread && gcm_check.is_ok() => {
                let (key, data) = (key.clone(), data.clone());
                event_loop_cell("encrypt", seconds, loop_threads, &target, move |conn, i| {
                    // A distinct IV per request: connection number ‖ counter.
                    let mut iv = [0u8; 12];
                    iv[..4].copy_from_slice(&(conn as u32).to_be_bytes());
                    iv[4..].copy_from_slice(&i.to_be_bytes());
                    (op::Encrypt, encrypt_request(&key, &iv, &data))
                })?;
            }
            "create8" if one_thread => {
                event_loop_cell("create", seconds, loop_threads, &target, |_, _| {
                    (op::Create, create_aes_request())
                })?;
            }
            "get1" | "get8" => {
                let threads = if name == "get1" { 1 } else { 8 };
                let secret = secret.clone();
                cell("get", threads, seconds, move |stop, t| {
                    loop_on_connection(&target, stop, t, |c, _| {
                        call(c, op::Get, uid_request(&secret)).map(|_| ())
                    })
                });
            }
            "enc1" | "enc8" if gcm_check.is_ok() => {
                let threads = if name == "enc1" { 1 } else { 8 };
                let (key, data) = (key.clone(), data.clone());
                let next_thread = Arc::new(AtomicU64::new(0));
                cell("encrypt", threads, seconds, move |stop, t| {
                    // A distinct IV per request: thread number ‖ counter.
                    let thread = next_thread.fetch_add(1, Ordering::SeqCst) as u32;
                    loop_on_connection(&target, stop, t, |c, i| {
                        let mut iv = [0u8; 12];
                        iv[..4].copy_from_slice(&thread.to_be_bytes());
                        iv[4..].copy_from_slice(&i.to_be_bytes());
                        call(c, op::Encrypt, encrypt_request(&key, &iv, &data)).map(|_| ())
                    })
                });
            }
            "enc1" | "enc8" => println!("RESULT cell=encrypt refused=gcm"),
            "conn8" | "connfull8" => {
                let secret = secret.clone();
                let resume = name == "conn8";
                let cell_name = if resume { "connect" } else { "connect-full" };
                cell(cell_name, 8, seconds, move |stop, t| {
                    new_connection_per_get(&target, &secret, resume, stop, t)
                });
            }
            "create8" => {
                cell("create", 8, seconds, move |stop, t| {
                    loop_on_connection(&target, stop, t, |c, _| {
                        call(c, op::Create, create_aes_request()).map(|_| ())
                    })
                });
            }
            other => return Err(format!("unknown cell {other:?}")),
        }
    }
    Ok(())
}

/// A new TCP + TLS connection for every Get: with `resume`, made by rustls,
/// which offers the session (TLS 1.3 ticket or 1.2 session) of an earlier
/// connection; otherwise a full OpenSSL handshake each time.
fn new_connection_per_get(
    target: &Target,
    secret: &str,
    resume: bool,
    stop: &AtomicBool,
    t: &mut Tally,
) -> BenchResult<()> {
    let one = || -> BenchResult<bool> {
        if resume {
            let (tls, resumed) = target.connect_resuming()?;
            let mut c = Client::new(tls, VERSION);
            call(&mut c, op::Get, uid_request(secret))?;
            c.stream_mut().conn.send_close_notify();
            let _ = c.stream_mut().flush();
            Ok(resumed)
        } else {
            let mut c = Client::new(target.connect()?, VERSION);
            call(&mut c, op::Get, uid_request(secret))?;
            let _ = c.stream_mut().shutdown();
            Ok(false)
        }
    };
    // The first connection fills the session cache.
    one()?;
    while !stop.load(Ordering::Relaxed) {
        let start = Instant::now();
        match one() {
            Ok(resumed) => {
                t.resumed += u64::from(resumed);
                t.record(start, Ok(()));
            }
            Err(e) => t.record(start, Err(e)),
        }
    }
    Ok(())
}

/// The 8-connection cells driven by an event loop on `threads` threads:
/// each connection is a task sending its next request as soon as its
/// response arrived (8 requests in flight, as with 8 threads).
fn event_loop_cell<R>(
    name: &str,
    seconds: f64,
    threads: usize,
    target: &Arc<Target>,
    request: R,
) -> BenchResult<()>
where
    R: Fn(usize, u64) -> (u32, Ttlv) + Send + Sync + 'static,
{
    const CONNECTIONS: usize = 8;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(threads)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let request = Arc::new(request);
    let (elapsed, all) = rt.block_on(async {
        let stop = Arc::new(AtomicBool::new(false));
        let mut tasks = Vec::new();
        for conn in 0..CONNECTIONS {
            let (target, request, stop) = (target.clone(), request.clone(), stop.clone());
            tasks.push(tokio::spawn(async move {
                let mut t = Tally::default();
                if let Err(e) = event_loop_connection(&target, conn, &*request, &stop, &mut t).await
                {
                    t.errors += 1;
                    t.first_error.get_or_insert(e);
                }
                t
            }));
        }
        let t0 = Instant::now();
        tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
        stop.store(true, Ordering::Relaxed);
        let mut all = Tally::default();
        for task in tasks {
            match task.await {
                Ok(t) => {
                    all.latencies_us.extend(t.latencies_us);
                    all.errors += t.errors;
                    if all.first_error.is_none() {
                        all.first_error = t.first_error;
                    }
                }
                Err(_) => all.errors += 1,
            }
        }
        (t0.elapsed().as_secs_f64(), all)
    });
    report(name, CONNECTIONS, elapsed, all);
    Ok(())
}

async fn event_loop_connection(
    target: &Target,
    conn: usize,
    request: &(dyn Fn(usize, u64) -> (u32, Ttlv) + Send + Sync),
    stop: &AtomicBool,
    t: &mut Tally,
) -> BenchResult<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let tcp = tokio::net::TcpStream::connect(&target.addr)
        .await
        .map_err(|e| format!("{}: {e}", target.addr))?;
    tcp.set_nodelay(true).map_err(|e| e.to_string())?;
    let ssl = target
        .connector
        .configure()
        .and_then(|c| c.into_ssl("localhost"))
        .map_err(|e| e.to_string())?;
    let mut tls = tokio_openssl::SslStream::new(ssl, tcp).map_err(|e| e.to_string())?;
    std::pin::Pin::new(&mut tls)
        .connect()
        .await
        .map_err(|e| format!("TLS handshake: {e}"))?;
    let limits = kmip::binary::DecodeLimits::default();
    let mut i = 0u64;
    // The first request (a warm-up, not counted) pays for lazily opened
    // server state.
    while i == 0 || !stop.load(Ordering::Relaxed) {
        let (operation, payload) = request(conn, i);
        let message = kmip::message::RequestMessage::build(VERSION, vec![(operation, payload)]);
        let bytes = kmip::binary::encode(&message).map_err(|e| e.to_string())?;
        let start = Instant::now();
        let round = async {
            tls.write_all(&bytes).await.map_err(|e| e.to_string())?;
            let mut header = [0u8; kmip::binary::HEADER_LEN];
            tls.read_exact(&mut header)
                .await
                .map_err(|e| e.to_string())?;
            let rest =
                kmip::binary::remaining_message_len(&header, &limits).map_err(|e| e.to_string())?;
            let mut buf = header.to_vec();
            buf.resize(header.len() + rest, 0);
            tls.read_exact(&mut buf[header.len()..])
                .await
                .map_err(|e| e.to_string())?;
            let response =
                kmip::binary::decode_with_limits(&buf, &limits).map_err(|e| e.to_string())?;
            let (_, items) = kmip::message::parse_response(&response).map_err(|e| e.to_string())?;
            match items.first() {
                Some(item) if item.result_status == rs::Success => Ok(()),
                Some(item) => Err(format!(
                    "operation {operation:#x} failed: reason {:?}: {}",
                    item.result_reason,
                    item.result_message.clone().unwrap_or_default()
                )),
                None => Err("response without batch item".to_string()),
            }
        }
        .await;
        if i > 0 {
            let failed = round.is_err();
            t.record(start, round);
            if failed {
                return Ok(());
            }
        } else {
            round?;
        }
        i += 1;
    }
    Ok(())
}
