//! KMIP 1.x attribute names (KMIP 1.4 §3): in 1.x messages an attribute is
//! an `Attribute Name` text plus an `Attribute Value`; in 2.x it is an item
//! whose tag is the attribute. This table maps the spec names to tags and
//! back, so a server can hold one representation (the 2.x one) and speak both.

use crate::tables::tag_for_attribute_name;
use crate::tag::Tag;

/// The attribute names of KMIP 1.0–1.4, plus the 2.x attributes a 1.x
/// client may still name, as written in the specifications.
pub const ATTRIBUTE_NAMES: &[&str] = &[
    "Unique Identifier",
    "Name",
    "Object Type",
    "Cryptographic Algorithm",
    "Cryptographic Length",
    "Cryptographic Parameters",
    "Cryptographic Domain Parameters",
    "Certificate Type",
    "Certificate Length",
    "X.509 Certificate Identifier",
    "X.509 Certificate Subject",
    "X.509 Certificate Issuer",
    "Certificate Identifier",
    "Certificate Subject",
    "Certificate Issuer",
    "Digital Signature Algorithm",
    "Digest",
    "Operation Policy Name",
    "Cryptographic Usage Mask",
    "Lease Time",
    "Usage Limits",
    "State",
    "Initial Date",
    "Activation Date",
    "Process Start Date",
    "Protect Stop Date",
    "Deactivation Date",
    "Destroy Date",
    "Compromise Occurrence Date",
    "Compromise Date",
    "Revocation Reason",
    "Archive Date",
    "Object Group",
    "Fresh",
    "Link",
    "Application Specific Information",
    "Contact Information",
    "Last Change Date",
    "Alternative Name",
    "Key Value Present",
    "Key Value Location",
    "Original Creation Date",
    "Random Number Generator",
    "PKCS#12 Friendly Name",
    "Description",
    "Comment",
    "Sensitive",
    "Always Sensitive",
    "Extractable",
    "Never Extractable",
    "Key Format Type",
    "Object Group Member",
    "Certificate Subject CN",
    "NIST Key Type",
    "Protection Level",
    "Protection Period",
    "Protection Storage Mask",
    "Quantum Safe",
    "Rotate Automatic",
    "Rotate Date",
    "Rotate Interval",
    "Rotate Name",
    "Rotate Offset",
    "Short Unique Identifier",
];

/// The 1.x name of the attribute with this tag.
pub fn name_of(tag: Tag) -> Option<&'static str> {
    ATTRIBUTE_NAMES
        .iter()
        .copied()
        .find(|n| tag_for_attribute_name(n) == Some(tag))
}

/// The tag of the attribute with this 1.x name (custom `x-`/`y-` names have none).
pub fn tag_of(name: &str) -> Option<Tag> {
    if ATTRIBUTE_NAMES.contains(&name) {
        tag_for_attribute_name(name)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_has_a_tag_and_back() {
        for n in ATTRIBUTE_NAMES {
            let t = tag_of(n).unwrap_or_else(|| panic!("no tag for {n}"));
            assert_eq!(name_of(t), Some(*n));
        }
        assert_eq!(
            name_of(Tag::CryptographicUsageMask),
            Some("Cryptographic Usage Mask")
        );
        assert_eq!(tag_of("x-custom"), None);
    }
}
