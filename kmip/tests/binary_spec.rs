//! The TTLV encoding examples of KMIP 1.4 §9.1.2 / KMIP 2.1 §9.1.2, and
//! round trips of hand-built trees.

use kmip::{binary, decode, encode, DecodeLimits, Tag, Ttlv, Value};

/// The examples use tag 0x420020 throughout.
const T: Tag = Tag::CompromiseDate;

fn hex(s: &str) -> Vec<u8> {
    let s: String = s.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn check(item: Ttlv, wire: &str) {
    let bytes = hex(wire);
    assert_eq!(encode(&item).unwrap(), bytes, "encoding of {item:?}");
    assert_eq!(decode(&bytes).unwrap(), item, "decoding of {wire}");
}

#[test]
fn spec_integer() {
    check(
        Ttlv::integer(T, 8),
        "42 00 20 | 02 | 00 00 00 04 | 00 00 00 08 00 00 00 00",
    );
}

#[test]
fn spec_long_integer() {
    check(
        Ttlv::long_integer(T, 123_456_789_000_000_000),
        "42 00 20 | 03 | 00 00 00 08 | 01 B6 9B 4B A5 74 92 00",
    );
}

#[test]
fn spec_big_integer() {
    // 1234567890000000000000000000, sign-extended with leading zero bytes to 16 bytes.
    let wire = "42 00 20 | 04 | 00 00 00 10 | 00 00 00 00 03 FD 35 EB 6B C2 DF 46 18 08 00 00";
    let minimal = Ttlv::big_integer(T, hex("03 FD 35 EB 6B C2 DF 46 18 08 00 00"));
    assert_eq!(encode(&minimal).unwrap(), hex(wire));
    // The decoder keeps the bytes exactly as on the wire.
    check(
        Ttlv::big_integer(T, hex("00 00 00 00 03 FD 35 EB 6B C2 DF 46 18 08 00 00")),
        wire,
    );
    // Negative values are sign-extended with 0xFF.
    let neg = Ttlv::big_integer(T, vec![0x80, 0x01]);
    assert_eq!(
        &encode(&neg).unwrap()[8..],
        &hex("FF FF FF FF FF FF 80 01")[..]
    );
}

#[test]
fn spec_enumeration() {
    check(
        Ttlv::enumeration(T, 255),
        "42 00 20 | 05 | 00 00 00 04 | 00 00 00 FF 00 00 00 00",
    );
}

#[test]
fn spec_boolean() {
    check(
        Ttlv::boolean(T, true),
        "42 00 20 | 06 | 00 00 00 08 | 00 00 00 00 00 00 00 01",
    );
    check(
        Ttlv::boolean(T, false),
        "42 00 20 | 06 | 00 00 00 08 | 00 00 00 00 00 00 00 00",
    );
}

#[test]
fn spec_text_string() {
    check(
        Ttlv::text(T, "Hello World"),
        "42 00 20 | 07 | 00 00 00 0B | 48 65 6C 6C 6F 20 57 6F 72 6C 64 00 00 00 00 00",
    );
}

#[test]
fn spec_byte_string() {
    check(
        Ttlv::bytes(T, vec![1, 2, 3]),
        "42 00 20 | 08 | 00 00 00 03 | 01 02 03 00 00 00 00 00",
    );
}

#[test]
fn spec_date_time() {
    // Friday, March 14, 2008, 11:56:40 GMT.
    check(
        Ttlv::date_time(T, 1_205_495_800),
        "42 00 20 | 09 | 00 00 00 08 | 00 00 00 00 47 DA 67 F8",
    );
    let xml = kmip::xml::to_string(&Ttlv::date_time(Tag::ActivationDate, 1_205_495_800)).unwrap();
    assert!(xml.contains("2008-03-14T11:56:40+00:00"), "{xml}");
}

#[test]
fn spec_interval() {
    // 10 days.
    check(
        Ttlv::interval(T, 864_000),
        "42 00 20 | 0A | 00 00 00 04 | 00 0D 2F 00 00 00 00 00",
    );
}

#[test]
fn date_time_extended() {
    // KMIP 2.0 type 0x0B: microseconds, encoded like a Long Integer.
    check(
        Ttlv::date_time_extended(T, 1_205_495_800_000_001),
        "42 00 20 | 0B | 00 00 00 08 | 00 04 48 64 5C EF EE 01",
    );
}

#[test]
fn spec_structure() {
    check(
        Ttlv::structure(
            T,
            vec![
                Ttlv::enumeration(Tag::ApplicationSpecificInformation, 254),
                Ttlv::integer(Tag::ArchiveDate, 255),
            ],
        ),
        "42 00 20 | 01 | 00 00 00 20 | 42 00 04 | 05 | 00 00 00 04 | 00 00 00 FE 00 00 00 00 \
         | 42 00 05 | 02 | 00 00 00 04 | 00 00 00 FF 00 00 00 00",
    );
}

fn every_type_tree() -> Ttlv {
    let ext = Tag::new(0x54_0001).unwrap();
    Ttlv::structure(
        Tag::RequestMessage,
        vec![
            Ttlv::structure(
                Tag::RequestHeader,
                vec![
                    Ttlv::structure(
                        Tag::ProtocolVersion,
                        vec![
                            Ttlv::integer(Tag::ProtocolVersionMajor, 2),
                            Ttlv::integer(Tag::ProtocolVersionMinor, 1),
                        ],
                    ),
                    Ttlv::integer(Tag::BatchCount, 1),
                ],
            ),
            Ttlv::structure(
                Tag::BatchItem,
                vec![
                    Ttlv::enumeration(Tag::Operation, kmip::enums::operation::Register),
                    Ttlv::structure(Tag::RequestPayload, vec![]),
                    Ttlv::integer(ext, i32::MIN),
                    Ttlv::long_integer(ext, i64::MIN),
                    Ttlv::big_integer(ext, vec![0xFF; 16]),
                    Ttlv::big_integer(ext, vec![]),
                    Ttlv::enumeration(ext, u32::MAX),
                    Ttlv::boolean(ext, true),
                    Ttlv::text(ext, ""),
                    Ttlv::text(ext, "naïve – ünïcödé 🔑"),
                    Ttlv::text(ext, "exactly8"),
                    Ttlv::bytes(ext, vec![]),
                    Ttlv::bytes(ext, (0..=255u8).collect::<Vec<_>>()),
                    Ttlv::date_time(ext, -1),
                    Ttlv::interval(ext, u32::MAX),
                    Ttlv::date_time_extended(ext, i64::MAX),
                ],
            ),
        ],
    )
}

#[test]
fn round_trip_every_type() {
    let tree = every_type_tree();
    let bytes = encode(&tree).unwrap();
    assert_eq!(bytes.len() % 8, 0);
    assert_eq!(decode(&bytes).unwrap(), tree);
    // Framing: the header announces exactly the rest of the message.
    let header: [u8; 8] = bytes[..8].try_into().unwrap();
    let rest = binary::remaining_message_len(&header, &DecodeLimits::default()).unwrap();
    assert_eq!(rest + 8, bytes.len());
    // And the XML encoding carries the same tree.
    let xml = kmip::xml::to_string(&tree).unwrap();
    assert_eq!(kmip::xml::from_str(&xml).unwrap(), tree);
}

#[test]
fn encoder_bounds_depth() {
    let mut t = Ttlv::integer(Tag::BatchCount, 1);
    for _ in 0..binary::MAX_ENCODE_DEPTH + 1 {
        t = Ttlv::structure(Tag::BatchItem, vec![t]);
    }
    assert!(matches!(encode(&t), Err(kmip::Error::TooDeep { .. })));
    assert!(matches!(
        kmip::xml::to_string(&t),
        Err(kmip::Error::TooDeep { .. })
    ));
    // Values of every type are preserved by Value::item_type.
    assert_eq!(Value::Interval(1).item_type(), kmip::ItemType::Interval);
}
