//! Every OASIS KMIP XML test vector (shared/kmip-vectors/v1.4 and v2.1):
//! parsed, each message converted to binary TTLV and back, and to XML and
//! back, and compared. Fails if the directory is missing or any file fails.

use std::path::PathBuf;

use kmip::template::{Placeholder, PlaceholderKind, Template};
use kmip::{decode, encode, vectors, ItemType, Tag, Value};

/// `$KEYBRIDGE_KMIP_VECTORS/<version>`, else `shared/kmip-vectors` beside
/// the checkout (where CI and developers have it).
fn vector_dir(version: &str) -> PathBuf {
    let root = std::env::var_os("KEYBRIDGE_KMIP_VECTORS")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/kmip-vectors")
        });
    root.join(version)
}

/// A stand-in of the placeholder's type, derived from its text.
fn stand_in(_: Tag, p: &Placeholder) -> Result<Value, ()> {
    Ok(match p.item_type {
        ItemType::TextString => Value::TextString(p.text.clone()),
        ItemType::ByteString => Value::ByteString(p.text.clone().into_bytes()),
        ItemType::BigInteger => Value::BigInteger(vec![0; 8]),
        ItemType::DateTime => match p.kind() {
            PlaceholderKind::Now { offset_seconds } => {
                Value::DateTime(1_600_000_000 + offset_seconds)
            }
            _ => Value::DateTime(0),
        },
        ItemType::DateTimeExtended => Value::DateTimeExtended(0),
        ItemType::Integer => Value::Integer(0),
        ItemType::LongInteger => Value::LongInteger(0),
        ItemType::Enumeration => Value::Enumeration(0),
        ItemType::Boolean => Value::Boolean(false),
        ItemType::Interval => Value::Interval(0),
        ItemType::Structure => return Err(()),
    })
}

#[derive(Default, Debug)]
struct Counts {
    files: usize,
    messages: usize,
    placeholders: usize,
    binary_bytes: usize,
}

fn check_message(file: &str, index: usize, which: &str, t: &Template, counts: &mut Counts) {
    let ctx = format!("{file} exchange {index} {which}");
    let concrete = t
        .resolve(&mut stand_in)
        .unwrap_or_else(|_| panic!("{ctx}: resolve"));
    let bytes = encode(&concrete).unwrap_or_else(|e| panic!("{ctx}: encode: {e}"));
    let back = decode(&bytes).unwrap_or_else(|e| panic!("{ctx}: decode: {e}"));
    assert_eq!(back, concrete, "{ctx}: binary round trip");
    // Placeholders excepted, the decoded tree is the vector's tree.
    if let Err(diff) = t.compare_with(&back, &mut |_, _| true) {
        panic!("{ctx}: {diff}");
    }
    // XML written back reads as the same template (placeholders included).
    let xml = kmip::xml::template_to_string(t).unwrap_or_else(|e| panic!("{ctx}: to xml: {e}"));
    let reread =
        kmip::xml::template_from_str(&xml).unwrap_or_else(|e| panic!("{ctx}: reread: {e}\n{xml}"));
    assert_eq!(&reread, t, "{ctx}: XML round trip");
    counts.messages += 1;
    counts.placeholders += t.placeholders().len();
    counts.binary_bytes += bytes.len();
}

fn check_version(version: &str, expected_files: usize) -> Counts {
    let dir = vector_dir(version);
    assert!(
        dir.is_dir(),
        "test vector directory {} is missing",
        dir.display()
    );
    let on_disk = std::fs::read_dir(&dir)
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "xml"))
        })
        .count();
    let files = vectors::load_dir(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(files.len(), on_disk);
    assert_eq!(
        files.len(),
        expected_files,
        "{version}: number of vector files"
    );
    let mut counts = Counts::default();
    for f in &files {
        assert!(!f.exchanges.is_empty(), "{}: no exchanges", f.name);
        for (i, ex) in f.exchanges.iter().enumerate() {
            assert_eq!(ex.request.tag, Tag::RequestMessage);
            assert_eq!(ex.response.tag, Tag::ResponseMessage);
            check_message(&f.name, i, "request", &ex.request, &mut counts);
            check_message(&f.name, i, "response", &ex.response, &mut counts);
        }
        counts.files += 1;
    }
    println!(
        "{version}: {} files, {} messages ({} exchanges) parsed and round-tripped, \
         {} placeholders kept, {} bytes of binary TTLV",
        counts.files,
        counts.messages,
        counts.messages / 2,
        counts.placeholders,
        counts.binary_bytes
    );
    counts
}

#[test]
fn every_v1_4_vector_round_trips() {
    let c = check_version("v1.4", 68);
    assert!(c.messages >= 2 * 68);
}

#[test]
fn every_v2_1_vector_round_trips() {
    let c = check_version("v2.1", 86);
    assert!(c.messages >= 2 * 86);
}

/// The 2.1 Baseline (BL) files open and close with the Interop operation
/// (Begin / End). (Despite the vectors README, the other 2.1 files do not.)
#[test]
fn v2_1_baseline_files_begin_and_end_with_interop() {
    use kmip::enums::{interop_function, operation};
    let files = vectors::load_dir(&vector_dir("v2.1")).unwrap();
    let field = |t: &Template, tags: &[Tag]| t.path(tags).map(|o| o.value.clone());
    let enumeration = |v: u32| Some(kmip::TemplateValue::Value(Value::Enumeration(v)));
    let mut baseline = 0;
    for f in files.iter().filter(|f| f.name.starts_with("BL-")) {
        let (first, last) = (
            &f.exchanges[0].request,
            &f.exchanges[f.exchanges.len() - 1].request,
        );
        for (req, function) in [
            (first, interop_function::Begin),
            (last, interop_function::End),
        ] {
            assert_eq!(
                field(req, &[Tag::BatchItem, Tag::Operation]),
                enumeration(operation::Interop),
                "{}",
                f.name
            );
            assert_eq!(
                field(
                    req,
                    &[Tag::BatchItem, Tag::RequestPayload, Tag::InteropFunction]
                ),
                enumeration(function),
                "{}",
                f.name
            );
        }
        baseline += 1;
    }
    assert_eq!(baseline, 13);
}

#[test]
fn vector_placeholders_are_typed() {
    let files = vectors::load_dir(&vector_dir("v1.4")).unwrap();
    let first = &files
        .iter()
        .find(|f| f.name == "SKLC-M-1-14")
        .unwrap()
        .exchanges[0];
    let uid = first.response.placeholders();
    assert!(uid.iter().any(|(tag, p)| *tag == Tag::UniqueIdentifier
        && p.kind() == PlaceholderKind::UniqueIdentifier(0)
        && p.item_type == ItemType::TextString));
}
