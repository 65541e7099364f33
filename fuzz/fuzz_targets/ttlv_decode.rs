//! Binary TTLV from the network: decoding never panics or allocates beyond
//! the limits, whatever decodes re-encodes to the same tree, and request
//! parsing on top of it never panics.
#![no_main]

use kmip::{decode, decode_with_limits, encode, DecodeLimits};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = DecodeLimits::default();
    if let Ok(tree) = decode_with_limits(data, &limits) {
        let bytes = encode(&tree).expect("a decoded tree encodes");
        let again = decode(&bytes).expect("an encoded tree decodes");
        assert_eq!(again, tree, "decode(encode(t)) == t");
        let _ = kmip::message::RequestMessage::from_ttlv(&tree);
        let _ = kmip::message::parse_response(&tree);
    }
});
