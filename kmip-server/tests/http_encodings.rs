//! KMIP over HTTPS on the server's TLS port (KMIP Profiles 2.1 §5.3–§5.5):
//! the same requests in binary TTLV, JSON and XML bodies get the same
//! answers in the same encoding; HTTP faults get their status codes; a body
//! that is not a KMIP message gets a KMIP error answer.

mod common;
#[path = "vector_replay/http.rs"]
mod http;

use common::Server;
use kmip::enums::{cryptographic_algorithm as ca, operation as op, result_status as rs};
use kmip::message::RequestMessage;
use kmip::{ProtocolVersion, Tag, Ttlv};
use std::io::{Read, Write};

fn request(operation: u32, payload: Vec<Ttlv>) -> Ttlv {
    RequestMessage::build(
        ProtocolVersion::V2_1,
        vec![(operation, Ttlv::structure(Tag::RequestPayload, payload))],
    )
}

fn item(response: &Ttlv) -> &Ttlv {
    response.child(Tag::BatchItem).unwrap()
}

#[test]
fn create_and_get_in_every_encoding() {
    let s = Server::start();
    for profile in ["MSGENC-HTTPS", "MSGENC-JSON", "MSGENC-XML"] {
        let encoding = http::encoding_for_file(profile).unwrap();
        // Several requests on one kept-alive connection.
        let mut stream = s.connect();
        let created = http::post(
            &mut stream,
            encoding,
            &request(
                op::Create,
                vec![
                    Ttlv::enumeration(Tag::ObjectType, 2),
                    Ttlv::structure(
                        Tag::Attributes,
                        vec![
                            Ttlv::enumeration(Tag::CryptographicAlgorithm, ca::AES),
                            Ttlv::integer(Tag::CryptographicLength, 256),
                            Ttlv::integer(Tag::CryptographicUsageMask, 12),
                        ],
                    ),
                ],
            ),
        )
        .unwrap();
        let created = item(&created);
        assert_eq!(
            created.child_enumeration(Tag::ResultStatus).unwrap(),
            rs::Success
        );
        let uid = created
            .require_path(&[Tag::ResponsePayload, Tag::UniqueIdentifier])
            .unwrap()
            .as_text()
            .unwrap()
            .to_string();
        let got = http::post(
            &mut stream,
            encoding,
            &request(op::Get, vec![Ttlv::text(Tag::UniqueIdentifier, &uid)]),
        )
        .unwrap();
        let material = item(&got)
            .require_path(&[
                Tag::ResponsePayload,
                Tag::SymmetricKey,
                Tag::KeyBlock,
                Tag::KeyValue,
                Tag::KeyMaterial,
            ])
            .unwrap();
        assert_eq!(material.as_bytes().unwrap().len(), 32);
    }
}

/// Sends raw bytes and returns the status line of the answer.
fn status(s: &Server, raw: &str) -> String {
    let mut stream = s.connect();
    stream.write_all(raw.as_bytes()).unwrap();
    let mut got = Vec::new();
    let mut chunk = [0u8; 1024];
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&chunk[..n]),
        }
    }
    String::from_utf8_lossy(&got)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

#[test]
fn http_faults_get_status_codes() {
    let s = Server::start();
    for (raw, want) in [
        ("POST /other HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "404"),
        (
            "POST /kmip HTTP/1.1\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n\r\n",
            "415",
        ),
        (
            "POST /kmip HTTP/1.1\r\nContent-Type: application/json\r\n\r\n",
            "411",
        ),
        (
            "POST /kmip HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "411",
        ),
        (
            "POST /kmip HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
            "413",
        ),
        ("POST /kmip HTTP/3\r\n\r\n", "505"),
    ] {
        let line = status(&s, raw);
        assert!(
            line.starts_with(&format!("HTTP/1.1 {want}")),
            "{raw:?} → {line:?}"
        );
    }
    // A body that is not a KMIP message: a KMIP error answer, HTTP 200.
    let body = "{\"tag\":\"RequestMessage\",\"value\":[{\"tag\":\"Nope\",\"value\":[]}]}";
    let raw = format!(
        "POST /kmip HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    assert!(status(&s, &raw).starts_with("HTTP/1.1 200"));
    // The server keeps serving TTLV clients.
    let mut c = s.client(ProtocolVersion::V2_1);
    let r = c
        .call(op::Query, Ttlv::structure(Tag::RequestPayload, vec![]))
        .unwrap();
    assert_eq!(r.result_status, rs::Success);
}
