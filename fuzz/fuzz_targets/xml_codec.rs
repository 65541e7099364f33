//! The KMIP XML codec (test vectors, XML message encoding) on arbitrary
//! text: no panic, and whatever parses writes back out and parses again to
//! the same tree.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = kmip::xml::template_from_str(text);
    let _ = kmip::vectors::parse_str(text);
    if let Ok(tree) = kmip::xml::from_str(text) {
        if let Ok(written) = kmip::xml::to_string(&tree) {
            let again = kmip::xml::from_str(&written).expect("written XML parses");
            assert_eq!(again, tree, "from_str(to_string(t)) == t");
        }
    }
});
