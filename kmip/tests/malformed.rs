//! The bounded decoder against malformed input: every case yields a typed
//! error, never a panic, and no allocation follows an unchecked length.

use kmip::binary::{decode_with_limits, remaining_message_len};
use kmip::{decode, encode, DecodeLimits, Error, Tag, Ttlv};

fn header(tag: u32, item_type: u8, len: u32) -> Vec<u8> {
    let mut v = tag.to_be_bytes()[1..].to_vec();
    v.push(item_type);
    v.extend_from_slice(&len.to_be_bytes());
    v
}

/// A structure (RequestMessage) wrapping `inner` bytes, with a correct length.
fn wrap(inner: &[u8]) -> Vec<u8> {
    let mut v = header(0x42_0078, 0x01, inner.len() as u32);
    v.extend_from_slice(inner);
    v
}

fn item(item_type: u8, len: u32, value: &[u8]) -> Vec<u8> {
    let mut v = header(0x42_000D, item_type, len);
    v.extend_from_slice(value);
    v
}

fn sample_message() -> Vec<u8> {
    encode(&Ttlv::structure(
        Tag::RequestMessage,
        vec![
            Ttlv::structure(Tag::RequestHeader, vec![Ttlv::integer(Tag::BatchCount, 1)]),
            Ttlv::structure(
                Tag::BatchItem,
                vec![
                    Ttlv::enumeration(Tag::Operation, 10),
                    Ttlv::text(Tag::UniqueIdentifier, "1234-abcd"),
                    Ttlv::bytes(Tag::Data, vec![9; 13]),
                    Ttlv::boolean(Tag::Sensitive, true),
                    Ttlv::big_integer(Tag::Modulus, vec![1; 8]),
                ],
            ),
        ],
    ))
    .unwrap()
}

#[test]
fn declared_length_ffffffff() {
    // As a whole message: refused as too large before anything else.
    let msg = header(0x42_0078, 0x01, 0xFFFF_FFFF);
    assert!(matches!(decode(&msg), Err(Error::MessageTooLarge { .. })));
    let h: [u8; 8] = msg[..8].try_into().unwrap();
    assert!(matches!(
        remaining_message_len(&h, &DecodeLimits::default()),
        Err(Error::MessageTooLarge {
            len: 0x1_0000_0007,
            max: 1_048_576
        })
    ));
    // Inside a message: a text or byte string claiming 4 GiB.
    for ty in [0x07, 0x08, 0x04, 0x01] {
        let msg = wrap(&item(ty, 0xFFFF_FFF8, &[0; 8]));
        let err = decode(&msg).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Truncated { .. } | Error::StructureOverrun { .. }
            ),
            "type {ty}: {err:?}"
        );
    }
}

#[test]
fn over_the_configured_max() {
    let msg = sample_message();
    let limits = DecodeLimits {
        max_message_len: msg.len() - 1,
        ..DecodeLimits::default()
    };
    assert!(matches!(
        decode_with_limits(&msg, &limits),
        Err(Error::MessageTooLarge { .. })
    ));
    let limits = DecodeLimits {
        max_items: 5,
        ..DecodeLimits::default()
    };
    assert!(matches!(
        decode_with_limits(&msg, &limits),
        Err(Error::TooManyItems { max: 5 })
    ));
}

#[test]
fn truncated_at_every_length() {
    let msg = sample_message();
    assert!(decode(&msg).is_ok());
    for cut in 0..msg.len() {
        let err = decode(&msg[..cut]).unwrap_err();
        assert!(
            matches!(err, Error::Truncated { .. }),
            "cut at {cut}: {err:?}"
        );
    }
}

#[test]
fn single_byte_mutations_never_panic() {
    let msg = sample_message();
    let mut errors = 0;
    for i in 0..msg.len() {
        for v in [0x00, 0x01, 0x07, 0x0C, 0x7F, 0x80, 0xFF] {
            let mut m = msg.clone();
            m[i] = v;
            if decode(&m).is_err() {
                errors += 1;
            }
        }
    }
    assert!(
        errors > msg.len(),
        "mutations should mostly be rejected ({errors})"
    );
}

#[test]
fn depth_10000_is_an_error_not_a_stack_overflow() {
    const N: usize = 10_000;
    let mut msg = Vec::with_capacity(N * 8);
    for level in 0..N {
        msg.extend(header(0x42_000F, 0x01, ((N - 1 - level) * 8) as u32));
    }
    assert!(matches!(decode(&msg), Err(Error::TooDeep { max: 64, .. })));
    let h: [u8; 8] = msg[..8].try_into().unwrap();
    assert_eq!(
        remaining_message_len(&h, &DecodeLimits::default()).unwrap(),
        (N - 1) * 8
    );
    // Depth exactly at the limit is accepted.
    let mut ok = Vec::new();
    for level in 0..64usize {
        ok.extend(header(0x42_000F, 0x01, ((63 - level) * 8) as u32));
    }
    assert!(decode(&ok).is_ok());
    ok = [header(0x42_000F, 0x01, 64 * 8), ok].concat();
    assert!(matches!(decode(&ok), Err(Error::TooDeep { .. })));
}

#[test]
fn length_inconsistent_with_type() {
    let cases: &[(u8, u32, usize)] = &[
        (0x02, 8, 8), // Integer must be 4
        (0x02, 0, 8),
        (0x05, 5, 8),   // Enumeration must be 4
        (0x0A, 8, 8),   // Interval must be 4
        (0x03, 4, 8),   // Long Integer must be 8
        (0x06, 4, 8),   // Boolean must be 8
        (0x09, 16, 16), // Date-Time must be 8
        (0x0B, 4, 8),   // Date-Time Extended must be 8
        (0x04, 7, 8),   // Big Integer: multiple of 8
        (0x01, 7, 8),   // Structure: multiple of 8
    ];
    for &(ty, len, body) in cases {
        let msg = wrap(&item(ty, len, &vec![0; body]));
        let err = decode(&msg).unwrap_err();
        assert!(
            matches!(err, Error::InvalidLength { len: l, .. } if l == len),
            "type {ty} len {len}: {err:?}"
        );
    }
}

#[test]
fn non_zero_padding() {
    let msg = wrap(&item(0x02, 4, &[0, 0, 0, 8, 0, 0, 0, 1]));
    assert!(matches!(
        decode(&msg),
        Err(Error::NonZeroPadding { offset: 8, .. })
    ));
    let msg = wrap(&item(0x07, 3, b"abc\0\0\0\0x"));
    assert!(matches!(decode(&msg), Err(Error::NonZeroPadding { .. })));
    let msg = wrap(&item(0x08, 1, &[1, 0, 0, 0, 0, 0, 0, 2]));
    assert!(matches!(decode(&msg), Err(Error::NonZeroPadding { .. })));
}

#[test]
fn invalid_utf8_text() {
    let msg = wrap(&item(0x07, 2, &[0xC3, 0x28, 0, 0, 0, 0, 0, 0]));
    assert!(matches!(decode(&msg), Err(Error::InvalidUtf8 { .. })));
}

#[test]
fn bad_boolean() {
    for v in [2u64, 0x0100_0000_0000_0000, u64::MAX] {
        let msg = wrap(&item(0x06, 8, &v.to_be_bytes()));
        assert!(matches!(decode(&msg), Err(Error::InvalidBoolean { value, .. }) if value == v));
    }
}

#[test]
fn unknown_item_type() {
    for ty in [0x00, 0x0C, 0xFF] {
        let msg = wrap(&item(ty, 4, &[0; 8]));
        assert!(
            matches!(decode(&msg), Err(Error::UnknownItemType { offset: 11, byte }) if byte == ty)
        );
    }
}

#[test]
fn child_overrunning_its_structure() {
    // An inner structure of 8 bytes holding a 16-byte Integer item.
    let mut inner = header(0x42_000F, 0x01, 8);
    inner.extend(item(0x02, 4, &[0; 8]));
    let err = decode(&wrap(&inner)).unwrap_err();
    assert!(matches!(err, Error::StructureOverrun { .. }), "{err:?}");
    // An empty inner structure is fine.
    let mut ok = header(0x42_000F, 0x01, 8);
    ok.extend(header(0x42_000F, 0x01, 0));
    assert!(decode(&wrap(&ok)).is_ok());
    // Inner structure claiming more than its parent holds.
    let mut bad = header(0x42_000F, 0x01, 8);
    bad.extend(header(0x42_000F, 0x01, 8));
    bad.extend([0; 8]);
    let err = decode(&wrap(&bad)).unwrap_err();
    assert!(matches!(err, Error::StructureOverrun { .. }), "{err:?}");
}

#[test]
fn trailing_bytes_and_non_structure_messages() {
    let mut msg = sample_message();
    msg.extend([0; 8]);
    assert!(matches!(
        decode(&msg),
        Err(Error::TrailingBytes { count: 8, .. })
    ));
    assert!(matches!(decode(&[]), Err(Error::Truncated { .. })));
    let h: [u8; 8] = header(0x42_000D, 0x02, 4).try_into().unwrap();
    assert!(matches!(
        remaining_message_len(&h, &DecodeLimits::default()),
        Err(Error::NotAStructureMessage { .. })
    ));
    let h: [u8; 8] = header(0x42_0078, 0x01, 12).try_into().unwrap();
    assert!(matches!(
        remaining_message_len(&h, &DecodeLimits::default()),
        Err(Error::InvalidLength { .. })
    ));
    let h: [u8; 8] = header(0x42_0078, 0x0E, 8).try_into().unwrap();
    assert!(matches!(
        remaining_message_len(&h, &DecodeLimits::default()),
        Err(Error::UnknownItemType { .. })
    ));
}

#[test]
fn errors_map_to_result_reasons() {
    use kmip::enums::result_reason as rr;
    assert_eq!(
        decode(&[1, 2, 3]).unwrap_err().result_reason(),
        rr::InvalidMessage
    );
}
