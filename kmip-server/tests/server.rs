//! The real server over mutual TLS: per-message versions, batches, bad
//! input, refused clients, and where a client's objects land in the store.

mod common;

use kmip::enums::{
    batch_error_continuation_option as beco, operation as op, result_reason as rr,
    result_status as rs,
};
use kmip::message::parse_response;
use kmip::{ProtocolVersion, Tag, Ttlv};
use std::io::{Read, Write};

fn payload(children: Vec<Ttlv>) -> Ttlv {
    Ttlv::structure(Tag::RequestPayload, children)
}

fn create_aes_2x(name: &str) -> Ttlv {
    payload(vec![
        Ttlv::enumeration(Tag::ObjectType, 2),
        Ttlv::structure(
            Tag::Attributes,
            vec![
                Ttlv::enumeration(Tag::CryptographicAlgorithm, 3),
                Ttlv::integer(Tag::CryptographicLength, 256),
                Ttlv::integer(Tag::CryptographicUsageMask, 12),
                Ttlv::structure(
                    Tag::Name,
                    vec![
                        Ttlv::text(Tag::NameValue, name),
                        Ttlv::enumeration(Tag::NameType, 1),
                    ],
                ),
            ],
        ),
    ])
}

/// Creates an AES-256 key named `name`; its Unique Identifier.
fn created_uid<S: std::io::Read + std::io::Write>(
    c: &mut kmip::client::Client<S>,
    name: &str,
) -> String {
    let r = c.call(op::Create, create_aes_2x(name)).unwrap();
    assert_eq!(r.result_status, rs::Success, "{:?}", r.result_message);
    r.payload
        .unwrap()
        .child_text(Tag::UniqueIdentifier)
        .unwrap()
        .to_string()
}

#[test]
fn one_connection_mixes_protocol_versions() {
    let server = common::Server::start();
    let mut c = server.client(ProtocolVersion::V1_0);
    for v in [
        ProtocolVersion::V1_0,
        ProtocolVersion::V1_4,
        ProtocolVersion::V2_0,
        ProtocolVersion::V1_2,
    ] {
        let req = kmip::message::RequestMessage::build(
            v,
            vec![(op::DiscoverVersions, payload(Vec::new()))],
        );
        let resp = c.send(&req).unwrap();
        let (echoed, items) = parse_response(&resp).unwrap();
        assert_eq!(echoed, v, "the response speaks the request's version");
        assert_eq!(items[0].result_status, rs::Success);
    }
}

#[test]
fn create_get_and_the_partition_named_after_the_identity() {
    let server = common::Server::start();
    let mut c = server.client(ProtocolVersion::V2_0);
    let uid = created_uid(&mut c, "cross-protocol-key");
    let r = c
        .call(
            op::Get,
            payload(vec![Ttlv::text(Tag::UniqueIdentifier, &uid)]),
        )
        .unwrap();
    assert_eq!(r.result_status, rs::Success, "{:?}", r.result_message);
    let key = r
        .payload
        .unwrap()
        .require_path(&[
            Tag::SymmetricKey,
            Tag::KeyBlock,
            Tag::KeyValue,
            Tag::KeyMaterial,
        ])
        .unwrap()
        .as_bytes()
        .unwrap()
        .to_vec();
    assert_eq!(key.len(), 32);
    // Unknown object: Item/Object Not Found with a message.
    let r = c
        .call(
            op::Get,
            payload(vec![Ttlv::text(Tag::UniqueIdentifier, "nope")]),
        )
        .unwrap();
    assert_eq!(r.result_reason, Some(rr::ObjectNotFound));
    assert!(r.result_message.is_some_and(|m| !m.is_empty()));
    drop(c);
    // The object is in the partition labelled with the client's CN, with the
    // Name as its label (what the PKCS#11 token of that label shows).
    let dir = server.data.path().join("keybridge");
    let ks = keystore::KeyStore::open(&dir.join("store.db")).unwrap();
    let master =
        keystore::hierarchy::SoftwareMasterKey::from_key_file(&dir.join("master.key")).unwrap();
    let session = ks.unlock(std::sync::Arc::new(master)).unwrap();
    let p = session.partition("kmip-dev-client").unwrap();
    let obj = p.get(&uid).unwrap();
    assert_eq!(obj.attributes.label(), Some("cross-protocol-key"));
    assert_eq!(obj.value.unwrap().expose(), key.as_slice());
}

/// A read is answered only once its audit record is kept: with the server
/// killed (SIGKILL) right behind a run of Gets, the store opened afterwards
/// holds a record of every one of them, in a chain that verifies.
#[test]
fn audit_records_of_answered_gets_survive_sigkill() {
    const GETS: usize = 400;
    let mut server = common::Server::start();
    let mut c = server.client(ProtocolVersion::V2_0);
    let uid = created_uid(&mut c, "audited");
    for _ in 0..GETS {
        let r = c
            .call(
                op::Get,
                payload(vec![Ttlv::text(Tag::UniqueIdentifier, &uid)]),
            )
            .unwrap();
        assert_eq!(r.result_status, rs::Success, "{:?}", r.result_message);
    }
    server.kill();
    drop(c);
    let store = server.data.path().join("keybridge/store.db");
    let ks = keystore::KeyStore::open(&store).unwrap();
    let report = ks.verify_audit().unwrap();
    let mut gets = 0;
    let mut from = 0;
    loop {
        let page = ks.store().audit_records(from, 1000).unwrap();
        let Some(last) = page.last() else { break };
        from = last.seq + 1;
        gets += page
            .iter()
            .filter(|r| r.entry.operation == "kmip:Get" && r.entry.object.as_deref() == Some(&uid))
            .count();
    }
    assert_eq!(gets, GETS, "records of answered Gets after SIGKILL");
    assert!(report.records as usize > GETS);
}

#[test]
fn batch_continue_and_unique_batch_item_ids() {
    let server = common::Server::start();
    let mut c = server.client(ProtocolVersion::V1_4);
    let item = |id: &[u8], operation: u32, p: Ttlv| {
        Ttlv::structure(
            Tag::BatchItem,
            vec![
                Ttlv::enumeration(Tag::Operation, operation),
                Ttlv::bytes(Tag::UniqueBatchItemID, id.to_vec()),
                p,
            ],
        )
    };
    let req = Ttlv::structure(
        Tag::RequestMessage,
        vec![
            Ttlv::structure(
                Tag::RequestHeader,
                vec![
                    ProtocolVersion::V1_4.to_ttlv(),
                    Ttlv::boolean(Tag::BatchOrderOption, true),
                    Ttlv::enumeration(Tag::BatchErrorContinuationOption, beco::Continue),
                    Ttlv::integer(Tag::BatchCount, 3),
                ],
            ),
            item(
                b"a",
                op::Get,
                payload(vec![Ttlv::text(Tag::UniqueIdentifier, "x")]),
            ),
            item(
                b"b",
                op::Query,
                payload(vec![Ttlv::enumeration(Tag::QueryFunction, 1)]),
            ),
            item(b"c", 0x7777, payload(Vec::new())),
        ],
    );
    let resp = c.send(&req).unwrap();
    let batch: Vec<&Ttlv> = resp.find_all(Tag::BatchItem).collect();
    assert_eq!(batch.len(), 3);
    let ids: Vec<&[u8]> = batch
        .iter()
        .map(|b| b.child_bytes(Tag::UniqueBatchItemID).unwrap())
        .collect();
    assert_eq!(ids, [b"a", b"b", b"c"]);
    let status: Vec<u32> = batch
        .iter()
        .map(|b| b.child_enumeration(Tag::ResultStatus).unwrap())
        .collect();
    assert_eq!(
        status,
        [rs::OperationFailed, rs::Success, rs::OperationFailed]
    );
    assert_eq!(
        batch[0].child_enumeration(Tag::ResultReason).unwrap(),
        rr::ItemNotFound,
        "1.x clients get the 1.x reason"
    );
    assert_eq!(
        batch[2].child_enumeration(Tag::ResultReason).unwrap(),
        rr::OperationNotSupported
    );
}

#[test]
fn client_without_certificate_is_refused() {
    let server = common::Server::start();
    // With TLS 1.3 the client may finish its side before the server's alert
    // arrives; the refusal then shows on the first read.
    match server.try_connect(false) {
        Err(_) => {}
        Ok(mut s) => {
            let req = kmip::encode(&kmip::message::RequestMessage::build(
                ProtocolVersion::V1_4,
                vec![(op::DiscoverVersions, payload(Vec::new()))],
            ))
            .unwrap();
            let _ = s.write_all(&req);
            let mut buf = [0u8; 8];
            assert!(
                s.read_exact(&mut buf).is_err(),
                "server answered a client without a certificate"
            );
        }
    }
    // The server logs the refused handshake on its own schedule: the client
    // can see the connection fail first.
    let logged = (0..50).any(|_| {
        if server.log().contains("handshake") {
            return true;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        false
    });
    assert!(logged, "{}", server.log());
}

/// Sends raw bytes; returns the response item's Result Reason, or None if
/// the server closed the connection instead.
fn hostile(server: &common::Server, bytes: &[u8]) -> Option<u32> {
    let mut s = server.connect();
    s.write_all(bytes).ok()?;
    let mut c = kmip::client::Client::new(s, ProtocolVersion::V1_4);
    let resp = c.read_message().ok()?;
    parse_response(&resp).ok()?.1.first()?.result_reason
}

#[test]
fn hostile_input_gets_errors_and_the_server_keeps_serving() {
    let mut server = common::Server::start();
    // Not a structure.
    let r = hostile(
        &server,
        &[0x42, 0x00, 0x78, 0x02, 0, 0, 0, 4, 0, 0, 0, 1, 0, 0, 0, 0],
    );
    assert_eq!(r, Some(rr::InvalidMessage));
    // Declares 2 GiB.
    let r = hostile(&server, &[0x42, 0x00, 0x78, 0x01, 0x7f, 0xff, 0xff, 0xf8]);
    assert_eq!(r, Some(rr::InvalidMessage));
    // Structure whose child overruns it.
    let mut bad = vec![0x42, 0x00, 0x78, 0x01, 0, 0, 0, 16];
    bad.extend_from_slice(&[
        0x42, 0x00, 0x77, 0x01, 0, 0, 0, 0xf0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    assert_eq!(hostile(&server, &bad), Some(rr::InvalidMessage));
    // Deep nesting.
    let mut deep = Ttlv::structure(Tag::RequestPayload, Vec::new());
    for _ in 0..200 {
        deep = Ttlv::structure(Tag::RequestPayload, vec![deep]);
    }
    let deep = Ttlv::structure(Tag::RequestMessage, vec![deep]);
    let bytes = kmip::binary::encode(&deep).unwrap();
    assert_eq!(hostile(&server, &bytes), Some(rr::InvalidMessage));
    // Well-formed TTLV that is not a valid request.
    let odd = Ttlv::structure(Tag::RequestMessage, vec![Ttlv::integer(Tag::BatchCount, 1)]);
    let r = hostile(&server, &kmip::encode(&odd).unwrap());
    assert!(
        matches!(r, Some(rr::MissingData) | Some(rr::InvalidMessage)),
        "{r:?}"
    );
    // Truncated: header promises more than is sent, then the client leaves.
    {
        let mut s = server.connect();
        let _ = s.write_all(&[0x42, 0x00, 0x78, 0x01, 0, 0, 1, 0, 1, 2, 3]);
    }
    // Random garbage.
    let junk: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let _ = hostile(&server, &junk);
    assert!(server.alive(), "server died");
    // Still serving.
    let mut c = server.client(ProtocolVersion::V2_1);
    let r = c
        .call(
            op::Query,
            payload(vec![Ttlv::enumeration(Tag::QueryFunction, 3)]),
        )
        .unwrap();
    assert_eq!(r.result_status, rs::Success);
}
