//! Hostile input against the real `keybridge serve` on loopback (issue #9):
//! every case gets an error response or a closed connection, the server's
//! memory stays bounded, a slow client is cut off after the configured idle
//! timeout, and a well-formed client looping Create/Get on its own
//! connections all along sees no failure.
//!
//! The cases that `server.rs` already covers one by one (a non-structure
//! message, a 2 GiB length, an overrunning child, 200 levels of nesting,
//! random junk) are not repeated here; this suite sends the larger and the
//! protocol-level variants, all under concurrent load.

mod common;

use common::access_ops::{create, ok, payload, uid, C, V};
use kmip::enums::{
    cryptographic_algorithm as ca, operation as op, result_reason as rr, result_status as rs,
};
use kmip::message::parse_response;
use kmip::{ProtocolVersion, Tag, Ttlv};
use openssl::ssl::{SslConnector, SslFiletype, SslMethod, SslVerifyMode, SslVersion};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The server's read timeout in this suite (`[kmip] idle_timeout_seconds`).
const IDLE_SECONDS: u64 = 2;

/// Growth of the server's resident memory allowed over the whole suite.
/// The server accepts messages of at most 1 MiB (the default
/// `max_message_bytes`) and this suite holds at most three connections at
/// once, so request buffers account for a few MiB; SQLite's page cache and
/// the allocator keeping freed pages add a few more. 64 MiB is well above
/// that and far below what honouring a 4 GiB length field, keeping 10,000
/// nesting levels or buffering a never-ending message would take.
const RSS_GROWTH_LIMIT_KIB: u64 = 64 * 1024;

/// The header of a TTLV item: tag (3 bytes), type, length (big-endian).
fn header(tag: u32, item_type: u8, len: u32) -> Vec<u8> {
    let mut h = tag.to_be_bytes()[1..].to_vec();
    h.push(item_type);
    h.extend_from_slice(&len.to_be_bytes());
    h
}

/// Reads one response message and returns its first item's Result Status
/// and Result Reason; None when the server closed the connection instead.
fn read_result<S: Read + Write>(c: &mut kmip::client::Client<S>) -> Option<(u32, Option<u32>)> {
    let resp = c.read_message().ok()?;
    let (_, items) = parse_response(&resp).ok()?;
    let first = items.first()?;
    Some((first.result_status, first.result_reason))
}

/// Sends `bytes` on a fresh mutual-TLS connection and returns the answer.
fn send_raw(server: &common::Server, bytes: &[u8]) -> Option<(u32, Option<u32>)> {
    let mut s = server.connect();
    s.write_all(bytes).ok()?;
    s.flush().ok()?;
    let mut c = kmip::client::Client::new(s, ProtocolVersion::V1_4);
    read_result(&mut c)
}

/// The answer must be a failure (any reason) or a closed connection.
fn assert_refused(case: &str, answer: Option<(u32, Option<u32>)>) {
    if let Some((status, reason)) = answer {
        assert_eq!(
            status,
            rs::OperationFailed,
            "{case}: expected an error response, got status {status:#x} reason {reason:?}"
        );
    }
    println!("hostile: {case}: {answer:?}");
}

/// Whether the peer has closed `s` (EOF or an error other than a timeout).
fn closed<S: Read>(s: &mut S) -> bool {
    let mut buf = [0u8; 256];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue, // an error response or a TLS alert; keep reading
            Err(e) => {
                return !matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                )
            }
        }
    }
}

fn length_of_4_gib(server: &common::Server) {
    for len in [0xffff_fff8u32, 0xffff_ffff] {
        let mut bytes = header(0x42_0078, 0x01, len);
        bytes.extend_from_slice(&[0u8; 64]);
        let answer = send_raw(server, &bytes);
        assert_eq!(
            answer.map(|a| a.1),
            Some(Some(rr::InvalidMessage)),
            "length {len:#x}: {answer:?}"
        );
        println!("hostile: length {len:#x}: {answer:?}");
    }
}

/// A message cut short, then the client closes its sending side (TLS
/// close_notify): the server must close without waiting for the rest.
fn truncated_then_half_closed(server: &common::Server) {
    let mut s = server.connect();
    let mut bytes = header(0x42_0078, 0x01, 256);
    bytes.extend_from_slice(&header(0x42_0077, 0x01, 248)[..5]);
    s.write_all(&bytes).expect("send");
    s.flush().expect("flush");
    let _ = s.shutdown();
    let started = Instant::now();
    assert!(closed(&mut s), "truncated message: connection left open");
    println!(
        "hostile: truncated message: closed after {:?}",
        started.elapsed()
    );
}

/// Slow-loris: one byte of a message every 250 ms. The header's 8 bytes
/// arrive within the idle timeout, the body never does; the server must
/// hang up after its read timeout, long before the client would finish,
/// while another client is served meanwhile.
fn slow_loris(server: &common::Server) {
    let mut s = server.connect();
    let mut bytes = header(0x42_0078, 0x01, 400);
    bytes.resize(8 + 400, 0);
    let started = Instant::now();
    let mut sent = 0;
    let mut other_served = false;
    for b in &bytes {
        if s.write_all(std::slice::from_ref(b)).is_err() || s.flush().is_err() {
            break;
        }
        sent += 1;
        if !other_served && sent == 4 {
            let mut c = server.client(V);
            let r = ok(
                &mut c,
                op::Query,
                vec![Ttlv::enumeration(Tag::QueryFunction, 1)],
            );
            assert_eq!(r.tag, Tag::ResponsePayload);
            other_served = true;
        }
        std::thread::sleep(Duration::from_millis(250));
        if started.elapsed() > Duration::from_secs(IDLE_SECONDS * 2 + 2) {
            break;
        }
    }
    s.get_ref()
        .set_read_timeout(Some(Duration::from_secs(IDLE_SECONDS * 3)))
        .expect("timeout");
    assert!(closed(&mut s), "slow-loris: connection still open");
    let elapsed = started.elapsed();
    assert!(other_served, "slow-loris: the other client was not served");
    assert!(
        sent < bytes.len(),
        "slow-loris: the whole message trickled in ({sent} bytes in {elapsed:?})"
    );
    println!(
        "hostile: slow-loris: closed after {elapsed:?}, {sent} of {} bytes sent",
        bytes.len()
    );
}

/// 10,000 nested Structures (80 KB): refused at the decoder's depth bound.
fn nesting_10000(server: &common::Server) {
    const DEPTH: u32 = 10_000;
    let mut bytes = Vec::with_capacity(8 * DEPTH as usize);
    for level in 0..DEPTH {
        let tag = if level == 0 { 0x42_0078 } else { 0x42_0079 };
        bytes.extend_from_slice(&header(tag, 0x01, 8 * (DEPTH - 1 - level)));
    }
    let answer = send_raw(server, &bytes);
    assert_eq!(
        answer.map(|a| a.1),
        Some(Some(rr::InvalidMessage)),
        "{answer:?}"
    );
    println!("hostile: nesting 10000: {answer:?}");
}

fn request(header_children: Vec<Ttlv>, items: Vec<Ttlv>) -> Vec<u8> {
    let mut children = vec![Ttlv::structure(Tag::RequestHeader, header_children)];
    children.extend(items);
    kmip::encode(&Ttlv::structure(Tag::RequestMessage, children)).expect("encode")
}

fn version(major: Ttlv) -> Ttlv {
    Ttlv::structure(
        Tag::ProtocolVersion,
        vec![major, Ttlv::integer(Tag::ProtocolVersionMinor, 4)],
    )
}

fn query_item(operation: Ttlv) -> Ttlv {
    Ttlv::structure(
        Tag::BatchItem,
        vec![
            operation,
            payload(vec![Ttlv::enumeration(Tag::QueryFunction, 1)]),
        ],
    )
}

/// Known tags with the wrong item type, in the header and in a batch item.
fn wrong_types(server: &common::Server) {
    let good_version = || version(Ttlv::integer(Tag::ProtocolVersionMajor, 1));
    let good_count = || Ttlv::integer(Tag::BatchCount, 1);
    let good_item = || query_item(Ttlv::enumeration(Tag::Operation, op::Query));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "Protocol Version Major as Text String",
            request(
                vec![
                    version(Ttlv::text(Tag::ProtocolVersionMajor, "1")),
                    good_count(),
                ],
                vec![good_item()],
            ),
        ),
        (
            "Batch Count as Long Integer",
            request(
                vec![good_version(), Ttlv::long_integer(Tag::BatchCount, 1)],
                vec![good_item()],
            ),
        ),
        (
            "Operation as Integer",
            request(
                vec![good_version(), good_count()],
                vec![query_item(Ttlv::integer(Tag::Operation, op::Query as i32))],
            ),
        ),
        (
            "Batch Item as Text String",
            request(
                vec![good_version(), good_count()],
                vec![Ttlv::text(Tag::BatchItem, "Query")],
            ),
        ),
        (
            "Request Header as Boolean",
            kmip::encode(&Ttlv::structure(
                Tag::RequestMessage,
                vec![
                    Ttlv::new(Tag::RequestHeader, kmip::Value::Boolean(true)),
                    good_item(),
                ],
            ))
            .expect("encode"),
        ),
    ];
    for (case, bytes) in cases {
        assert_refused(case, send_raw(server, &bytes));
    }
}

/// Tags no KMIP version defines, where a known one is expected.
fn unknown_tags(server: &common::Server) {
    let unknown = Tag::new(0x42_ff01).expect("tag in the KMIP range");
    let vendor = Tag::new(0x54_ff02).expect("tag in the extension range");
    let good_item = || query_item(Ttlv::enumeration(Tag::Operation, op::Query));
    // Outermost item of unknown tag.
    let mut outer = header(0x42_ff03, 0x01, 16);
    outer.extend_from_slice(&header(0x42_0069, 0x02, 4));
    outer.extend_from_slice(&[0, 0, 0, 1, 0, 0, 0, 0]);
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("unknown outermost tag", outer),
        (
            "unknown tag instead of the Request Header",
            request_without_header(vec![
                Ttlv::structure(unknown, vec![Ttlv::integer(Tag::BatchCount, 1)]),
                good_item(),
            ]),
        ),
        (
            "unknown tag instead of the Operation",
            request(
                vec![
                    version(Ttlv::integer(Tag::ProtocolVersionMajor, 1)),
                    Ttlv::integer(Tag::BatchCount, 1),
                ],
                vec![query_item(Ttlv::enumeration(vendor, op::Query))],
            ),
        ),
    ];
    for (case, bytes) in cases {
        assert_refused(case, send_raw(server, &bytes));
    }
}

fn request_without_header(children: Vec<Ttlv>) -> Vec<u8> {
    kmip::encode(&Ttlv::structure(Tag::RequestMessage, children)).expect("encode")
}

/// One message of 10,000 batch items (Discover Versions, 320 KB).
fn batch_of_10000(server: &common::Server) {
    let items = (0..10_000)
        .map(|_| (op::DiscoverVersions, payload(Vec::new())))
        .collect();
    let msg = kmip::message::RequestMessage::build(ProtocolVersion::V1_4, items);
    let bytes = kmip::encode(&msg).expect("encode");
    let answer = send_raw(server, &bytes);
    assert_refused("batch of 10000 items", answer);
}

/// A client TLS configuration trusting the server's CA; `client_cert`
/// false sends no certificate.
fn connector(server: &common::Server, client_cert: bool) -> openssl::ssl::SslConnectorBuilder {
    let mut b = SslConnector::builder(SslMethod::tls_client()).expect("connector");
    b.set_ca_file(server.certs.join("ca.crt")).expect("ca");
    if client_cert {
        b.set_certificate_file(server.certs.join("client.crt"), SslFiletype::PEM)
            .expect("client cert");
        b.set_private_key_file(server.certs.join("client.key"), SslFiletype::PEM)
            .expect("client key");
    }
    b.set_verify(SslVerifyMode::PEER);
    b
}

/// Connects with `b`; Ok only if the handshake completes and a KMIP
/// request gets a response.
fn handshake_and_request(server: &common::Server, b: SslConnector) -> Result<(), String> {
    let tcp = TcpStream::connect(("127.0.0.1", server.port)).map_err(|e| e.to_string())?;
    tcp.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let s = b.connect("localhost", tcp).map_err(|e| e.to_string())?;
    let mut c = kmip::client::Client::new(s, ProtocolVersion::V1_4);
    c.call(op::DiscoverVersions, payload(Vec::new()))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn tls_without_client_certificate(server: &common::Server) {
    let r = handshake_and_request(server, connector(server, false).build());
    assert!(r.is_err(), "a client without a certificate was served");
    println!("hostile: no client certificate: {r:?}");
}

/// TLS 1.0 and 1.1 offers (with the client certificate): the server speaks
/// TLS 1.2+ only. `@SECLEVEL=0` lets this OpenSSL offer the old versions
/// at all; whatever the local OpenSSL does, no handshake may complete.
fn old_tls_versions(server: &common::Server) {
    for v in [SslVersion::TLS1, SslVersion::TLS1_1] {
        let mut b = connector(server, true);
        b.set_min_proto_version(Some(SslVersion::TLS1))
            .expect("min");
        b.set_max_proto_version(Some(v)).expect("max");
        b.set_cipher_list("DEFAULT:@SECLEVEL=0").expect("ciphers");
        let r = handshake_and_request(server, b.build());
        assert!(r.is_err(), "{v:?} handshake completed");
        println!("hostile: max {v:?}: {r:?}");
    }
}

/// Plain bytes where a TLS ClientHello belongs: an HTTP request, then a
/// KMIP message in the clear. The server may answer with a TLS alert; it
/// must close the connection and never answer in KMIP.
fn non_tls_stream(server: &common::Server) {
    let plain = [
        b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".to_vec(),
        kmip::encode(&kmip::message::RequestMessage::build(
            ProtocolVersion::V1_4,
            vec![(op::DiscoverVersions, payload(Vec::new()))],
        ))
        .expect("encode"),
    ];
    for bytes in plain {
        let mut tcp = TcpStream::connect(("127.0.0.1", server.port)).expect("connect");
        tcp.set_read_timeout(Some(Duration::from_secs(IDLE_SECONDS * 3)))
            .expect("timeout");
        let _ = tcp.write_all(&bytes);
        let mut got = Vec::new();
        let r = tcp.read_to_end(&mut got);
        assert!(
            r.is_ok()
                || !matches!(
                    r.as_ref().map_err(|e| e.kind()),
                    Err(std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)
                ),
            "non-TLS stream: connection left open: {r:?}"
        );
        // A TLS record (alert, 0x15) or nothing; never TTLV (0x42).
        assert!(
            got.first().is_none_or(|b| *b == 0x15),
            "non-TLS stream got {:02x?}",
            &got[..got.len().min(16)]
        );
        println!(
            "hostile: non-TLS stream: {} bytes back, then closed",
            got.len()
        );
    }
}

/// A well-formed client looping Create/Get on its own connection until
/// told to stop; counts rounds and failures.
fn well_formed_client(
    server: &common::Server,
    stop: Arc<AtomicBool>,
    rounds: Arc<AtomicUsize>,
    failures: Arc<AtomicUsize>,
) -> impl FnOnce() + Send + 'static {
    let port = server.port;
    let certs = server.certs.clone();
    move || {
        let connect = || -> C {
            let mut b = SslConnector::builder(SslMethod::tls_client()).expect("connector");
            b.set_ca_file(certs.join("ca.crt")).expect("ca");
            b.set_certificate_file(certs.join("client.crt"), SslFiletype::PEM)
                .expect("cert");
            b.set_private_key_file(certs.join("client.key"), SslFiletype::PEM)
                .expect("key");
            let tcp = TcpStream::connect(("127.0.0.1", port)).expect("connect");
            tcp.set_read_timeout(Some(Duration::from_secs(30))).ok();
            kmip::client::Client::new(b.build().connect("localhost", tcp).expect("TLS"), V)
        };
        let mut c = connect();
        let mut last_use = Instant::now();
        while !stop.load(Ordering::Relaxed) {
            // Stay well inside the server's idle timeout between requests.
            if last_use.elapsed() > Duration::from_secs(IDLE_SECONDS) / 2 {
                c = connect();
            }
            let round = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let id = create(&mut c, ca::AES, 256, 0x0c, "hostile-load", false);
                let got = ok(&mut c, op::Get, vec![uid(&id)]);
                assert_eq!(
                    got.child_text(Tag::UniqueIdentifier).ok(),
                    Some(id.as_str())
                );
            }));
            last_use = Instant::now();
            match round {
                Ok(()) => rounds.fetch_add(1, Ordering::Relaxed),
                Err(_) => {
                    c = connect();
                    failures.fetch_add(1, Ordering::Relaxed)
                }
            };
        }
    }
}

#[test]
fn hostile_input_suite_under_load() {
    let started = Instant::now();
    let mut server = common::Server::start_with_config(Some(&format!(
        "[kmip]\nidle_timeout_seconds = {IDLE_SECONDS}\n"
    )));
    // Warm up (first partition, SQLite cache) before the baseline.
    let mut warm = server.client(V);
    for _ in 0..20 {
        create(&mut warm, ca::AES, 256, 0x0c, "warm-up", false);
    }
    drop(warm);
    let rss_before = server.memory_kib("VmRSS");

    let stop = Arc::new(AtomicBool::new(false));
    let rounds = Arc::new(AtomicUsize::new(0));
    let failures = Arc::new(AtomicUsize::new(0));
    let load = std::thread::spawn(well_formed_client(
        &server,
        stop.clone(),
        rounds.clone(),
        failures.clone(),
    ));

    length_of_4_gib(&server);
    truncated_then_half_closed(&server);
    slow_loris(&server);
    nesting_10000(&server);
    wrong_types(&server);
    unknown_tags(&server);
    batch_of_10000(&server);
    tls_without_client_certificate(&server);
    old_tls_versions(&server);
    non_tls_stream(&server);
    assert!(server.alive(), "the server died: {}", server.log());

    stop.store(true, Ordering::Relaxed);
    load.join().expect("load thread");
    let rss_after = server.memory_kib("VmRSS");
    let peak = server.memory_kib("VmHWM");
    let (rounds, failures) = (
        rounds.load(Ordering::Relaxed),
        failures.load(Ordering::Relaxed),
    );
    println!(
        "hostile: server VmRSS {rss_before} KiB before, {rss_after} KiB after, peak {peak} KiB; \
         parallel client: {rounds} Create/Get rounds, {failures} failures; {:?}",
        started.elapsed()
    );
    assert_eq!(failures, 0, "the well-formed client saw failures");
    assert!(rounds > 0, "the well-formed client made no progress");
    assert!(
        rss_after <= rss_before + RSS_GROWTH_LIMIT_KIB,
        "resident memory grew from {rss_before} to {rss_after} KiB"
    );
    assert!(
        peak <= rss_before + RSS_GROWTH_LIMIT_KIB,
        "peak resident memory {peak} KiB (from {rss_before} KiB)"
    );
}
