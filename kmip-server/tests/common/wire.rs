//! Request shapes as real KMIP clients put them on the wire, for the
//! `clients_*` tests: a Request Header with the fields a given client
//! library fills in (Maximum Response Size, Time Stamp, Authentication),
//! KMIP 1.x `Attribute` structures named by `Attribute Name` strings (KMIP
//! 1.4 §2.1.1), Template-Attribute wrappers (§2.1.8), and readers for the
//! response fields those clients look at.

use super::Server;
use kmip::client::Client;
use kmip::enums::result_status as rs;
use kmip::message::{parse_response, ResponseItem};
use kmip::{ProtocolVersion, Tag, Ttlv};
use openssl::ssl::SslStream;
use std::net::TcpStream;

pub type Conn = Client<SslStream<TcpStream>>;

/// Optional Request Header fields (KMIP 1.4 §7.2 / 2.1 §8.2), in the order
/// the specification gives them.
#[derive(Default, Clone)]
pub struct Header {
    pub maximum_response_size: Option<i32>,
    pub authentication: Option<Ttlv>,
    pub time_stamp: Option<i64>,
}

impl Header {
    /// What libkmip's `kmip_bio_*` calls send (Percona pg_tde, Percona
    /// MySQL keyring_kmip, Ceph RGW): Maximum Response Size and Time Stamp.
    pub fn libkmip() -> Header {
        Header {
            maximum_response_size: Some(8192),
            time_stamp: Some(now()),
            ..Header::default()
        }
    }
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A Request Message with `header` and one Batch Item per operation.
pub fn request(version: ProtocolVersion, header: &Header, items: Vec<(u32, Vec<Ttlv>)>) -> Ttlv {
    let mut h = vec![version.to_ttlv()];
    if let Some(m) = header.maximum_response_size {
        h.push(Ttlv::integer(Tag::MaximumResponseSize, m));
    }
    if let Some(a) = &header.authentication {
        h.push(a.clone());
    }
    if let Some(t) = header.time_stamp {
        h.push(Ttlv::date_time(Tag::TimeStamp, t));
    }
    h.push(Ttlv::integer(Tag::BatchCount, items.len() as i32));
    let mut children = vec![Ttlv::structure(Tag::RequestHeader, h)];
    for (op, payload) in items {
        children.push(Ttlv::structure(
            Tag::BatchItem,
            vec![
                Ttlv::enumeration(Tag::Operation, op),
                Ttlv::structure(Tag::RequestPayload, payload),
            ],
        ));
    }
    Ttlv::structure(Tag::RequestMessage, children)
}

/// Sends a request; checks that the response echoes the request's protocol
/// version and answers every batch item; returns the items.
pub fn send(c: &mut Conn, message: &Ttlv) -> Vec<ResponseItem> {
    let resp = c.send(message).expect("KMIP round trip");
    check_response(message, &resp)
}

fn check_response(message: &Ttlv, resp: &Ttlv) -> Vec<ResponseItem> {
    let sent = message
        .path(&[Tag::RequestHeader, Tag::ProtocolVersion])
        .and_then(|v| ProtocolVersion::from_ttlv(v).ok())
        .expect("request version");
    let count = message.find_all(Tag::BatchItem).count();
    let (version, items) = parse_response(resp).expect("response message");
    assert_eq!(version, sent, "the response speaks the request's version");
    assert_eq!(items.len(), count, "one response item per batch item");
    items
}

/// Sends one operation with `header`; returns its successful payload.
pub fn ok(
    c: &mut Conn,
    version: ProtocolVersion,
    header: &Header,
    op: u32,
    payload: Vec<Ttlv>,
) -> Ttlv {
    let item = one(c, version, header, op, payload);
    assert_eq!(
        item.result_status,
        rs::Success,
        "operation {op:#x}: {:?} {:?}",
        item.result_reason,
        item.result_message
    );
    assert_eq!(item.operation, Some(op), "the response names the operation");
    item.payload.expect("response payload")
}

/// Sends one operation; returns the response item as it is.
pub fn one(
    c: &mut Conn,
    version: ProtocolVersion,
    header: &Header,
    op: u32,
    payload: Vec<Ttlv>,
) -> ResponseItem {
    let mut items = send(c, &request(version, header, vec![(op, payload)]));
    items.pop().expect("one item")
}

/// A KMIP 1.x `Attribute`: `Attribute Name` text and the value under the
/// `Attribute Value` tag.
pub fn attr(name: &str, value: Ttlv) -> Ttlv {
    Ttlv::structure(
        Tag::Attribute,
        vec![
            Ttlv::text(Tag::AttributeName, name),
            Ttlv::new(Tag::AttributeValue, value.value),
        ],
    )
}

/// Shorthands for 1.x attribute values (the tag is replaced by [`attr`]).
pub fn int(v: i32) -> Ttlv {
    Ttlv::integer(Tag::AttributeValue, v)
}
pub fn enumeration(v: u32) -> Ttlv {
    Ttlv::enumeration(Tag::AttributeValue, v)
}
pub fn text(v: &str) -> Ttlv {
    Ttlv::text(Tag::AttributeValue, v)
}

/// A 1.x `Name` attribute of type Uninterpreted Text String.
pub fn name_attr(n: &str) -> Ttlv {
    Ttlv::structure(
        Tag::Attribute,
        vec![
            Ttlv::text(Tag::AttributeName, "Name"),
            Ttlv::structure(
                Tag::AttributeValue,
                vec![
                    Ttlv::text(Tag::NameValue, n),
                    Ttlv::enumeration(Tag::NameType, 1),
                ],
            ),
        ],
    )
}

pub fn template(attrs: Vec<Ttlv>) -> Ttlv {
    Ttlv::structure(Tag::TemplateAttribute, attrs)
}

pub fn uid(u: &str) -> Ttlv {
    Ttlv::text(Tag::UniqueIdentifier, u)
}

pub fn uid_of(p: &Ttlv) -> String {
    p.child_text(Tag::UniqueIdentifier)
        .expect("Unique Identifier")
        .to_string()
}

/// All Unique Identifiers of a Locate response.
pub fn uids_of(p: &Ttlv) -> Vec<String> {
    p.find_all(Tag::UniqueIdentifier)
        .map(|u| u.as_text().expect("text").to_string())
        .collect()
}

/// A Key Block of `format` holding `material` (1.x: no attributes inside).
pub fn key_block(format: u32, material: &[u8], alg_len: Option<(u32, i32)>) -> Ttlv {
    let mut kb = vec![
        Ttlv::enumeration(Tag::KeyFormatType, format),
        Ttlv::structure(
            Tag::KeyValue,
            vec![Ttlv::bytes(Tag::KeyMaterial, material.to_vec())],
        ),
    ];
    if let Some((alg, len)) = alg_len {
        kb.push(Ttlv::enumeration(Tag::CryptographicAlgorithm, alg));
        kb.push(Ttlv::integer(Tag::CryptographicLength, len));
    }
    Ttlv::structure(Tag::KeyBlock, kb)
}

/// The Key Material bytes of the managed object under `object_tag` in a Get
/// response, with its Key Format Type.
pub fn key_material(p: &Ttlv, object_tag: Tag) -> (u32, Vec<u8>) {
    let kb = p
        .path(&[object_tag, Tag::KeyBlock])
        .unwrap_or_else(|| panic!("no {object_tag} Key Block in {p:?}"));
    let format = kb.child_enumeration(Tag::KeyFormatType).expect("format");
    let m = kb
        .path(&[Tag::KeyValue, Tag::KeyMaterial])
        .and_then(|m| m.as_bytes().ok())
        .expect("Key Material bytes")
        .to_vec();
    (format, m)
}

/// The value of the 1.x attribute `name` in a Get Attributes response.
pub fn attribute_value<'a>(p: &'a Ttlv, name: &str) -> Option<&'a Ttlv> {
    p.find_all(Tag::Attribute)
        .find(|a| a.child_text(Tag::AttributeName).ok() == Some(name))
        .and_then(|a| a.find(Tag::AttributeValue))
}

/// A client on a fresh TLS connection as identity `cn`.
pub fn connect_as(s: &Server, cn: &str, v: ProtocolVersion) -> Conn {
    s.client_as(cn, v)
}

/// Asserts that the children of `t` all have tags from `order` and appear
/// in that order (each tag may repeat or be absent): what a sequential TTLV
/// decoder such as libkmip's needs.
pub fn assert_order(t: &Ttlv, order: &[Tag]) {
    let mut at = 0;
    for c in t.children().expect("a structure") {
        match order[at..].iter().position(|o| *o == c.tag) {
            Some(i) => at += i,
            None => panic!(
                "{} in {} is unexpected or out of order: {t:?}",
                c.tag, t.tag
            ),
        }
    }
}

/// Like [`ok`], and also checks the response the way libkmip's sequential
/// decoder reads it (`kmip_decode_response_header`, `..._batch_item`, the
/// payloads and Key Block of Get, Locate, Register).
pub fn libkmip_ok(
    c: &mut Conn,
    version: ProtocolVersion,
    header: &Header,
    op: u32,
    payload: Vec<Ttlv>,
) -> Ttlv {
    let message = request(version, header, vec![(op, payload)]);
    let resp = c.send(&message).expect("KMIP round trip");
    let mut items = check_response(&message, &resp);
    assert_order(
        resp.child(Tag::ResponseHeader).unwrap(),
        &[Tag::ProtocolVersion, Tag::TimeStamp, Tag::BatchCount],
    );
    let batch = resp.child(Tag::BatchItem).unwrap();
    assert_order(
        batch,
        &[
            Tag::Operation,
            Tag::UniqueBatchItemID,
            Tag::ResultStatus,
            Tag::ResultReason,
            Tag::ResultMessage,
            Tag::ResponsePayload,
        ],
    );
    let item = items.pop().expect("one item");
    assert_eq!(item.result_status, rs::Success, "{:?}", item.result_message);
    assert_eq!(item.operation, Some(op));
    let p = item.payload.expect("response payload");
    let objects = [Tag::SymmetricKey, Tag::SecretData];
    match op {
        kmip::enums::operation::Get => {
            assert_order(
                &p,
                &[
                    Tag::ObjectType,
                    Tag::UniqueIdentifier,
                    objects[0],
                    objects[1],
                ],
            );
            for o in objects {
                if let Some(kb) = p.path(&[o, Tag::KeyBlock]) {
                    assert_order(
                        kb,
                        &[
                            Tag::KeyFormatType,
                            Tag::KeyCompressionType,
                            Tag::KeyValue,
                            Tag::CryptographicAlgorithm,
                            Tag::CryptographicLength,
                            Tag::KeyWrappingData,
                        ],
                    );
                }
            }
        }
        kmip::enums::operation::Locate => {
            assert_order(&p, &[Tag::LocatedItems, Tag::UniqueIdentifier])
        }
        kmip::enums::operation::Register | kmip::enums::operation::Create => assert_order(
            &p,
            &[
                Tag::ObjectType,
                Tag::UniqueIdentifier,
                Tag::TemplateAttribute,
            ],
        ),
        _ => {}
    }
    p
}

/// Asserts that children with the tags `seq` occur in `t` in that order
/// (others may come between): what a forward-scanning reader such as
/// mongod's KMIP response parser needs.
pub fn assert_subsequence(t: &Ttlv, seq: &[Tag]) {
    let mut want = seq.iter().peekable();
    for c in t.children().expect("a structure") {
        if want.peek() == Some(&&c.tag) {
            want.next();
        }
    }
    assert!(
        want.peek().is_none(),
        "{} lacks {:?} in the order {seq:?}: {t:?}",
        t.tag,
        want.collect::<Vec<_>>()
    );
}

/// Sends one operation and returns the whole Response Message.
pub fn exchange(
    c: &mut Conn,
    version: ProtocolVersion,
    header: &Header,
    op: u32,
    payload: Vec<Ttlv>,
) -> Ttlv {
    let message = request(version, header, vec![(op, payload)]);
    let resp = c.send(&message).expect("KMIP round trip");
    check_response(&message, &resp);
    resp
}
