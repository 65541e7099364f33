//! Name tables: tag names (KMIP 2.1 §9.1.3.1) and which enumeration or bit
//! mask names the values of which tag (KMIP Profiles 2.1 §5.4.1.6–7).

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::enums::{self, Enumeration};
use crate::tag::Tag;

mod tags;

pub use tags::TAGS;

/// The XML name of a tag.
pub fn tag_name(tag: Tag) -> Option<&'static str> {
    TAGS.binary_search_by_key(&tag, |(_, t)| *t)
        .ok()
        .and_then(|i| TAGS.get(i))
        .map(|(n, _)| *n)
}

/// The tag with this XML name.
pub fn tag_by_name(name: &str) -> Option<Tag> {
    static BY_NAME: OnceLock<HashMap<&'static str, Tag>> = OnceLock::new();
    BY_NAME
        .get_or_init(|| TAGS.iter().copied().collect())
        .get(name)
        .copied()
}

/// The tag whose value a KMIP 1.x `Attribute Value` carries, from the
/// sibling `Attribute Name` text (`"Cryptographic Usage Mask"` →
/// `CryptographicUsageMask`): the spec name with spaces and punctuation
/// removed. `None` for custom (`x-...`) and unknown names.
pub fn tag_for_attribute_name(name: &str) -> Option<Tag> {
    let compact: String = name
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '/'))
        .map(|c| if matches!(c, '#' | '.') { '_' } else { c })
        .collect();
    tag_by_name(&compact)
}

/// How the values of an Enumeration item are named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnumNames {
    /// Named by this enumeration's table.
    Table(&'static Enumeration),
    /// The values are tag numbers, named by the tag table (Attribute
    /// Reference and Tag in KMIP 2.x).
    Tags,
}

impl EnumNames {
    /// The value with this name.
    pub fn value_of(self, name: &str) -> Option<u32> {
        match self {
            EnumNames::Table(t) => t.value_of(name),
            EnumNames::Tags => tag_by_name(name).map(Tag::value),
        }
    }

    /// The name of this value.
    pub fn name_of(self, value: u32) -> Option<&'static str> {
        match self {
            EnumNames::Table(t) => t.name_of(value),
            EnumNames::Tags => Tag::new(value).and_then(tag_name),
        }
    }
}

/// Which enumeration names the values of each Enumeration-typed tag.
const ENUM_TAGS: &[(Tag, &Enumeration)] = &[
    (Tag::Operation, &enums::operation::TABLE),
    (Tag::ObjectType, &enums::object_type::TABLE),
    (
        Tag::CryptographicAlgorithm,
        &enums::cryptographic_algorithm::TABLE,
    ),
    (Tag::ResultStatus, &enums::result_status::TABLE),
    (Tag::ResultReason, &enums::result_reason::TABLE),
    (Tag::KeyFormatType, &enums::key_format_type::TABLE),
    (Tag::KeyCompressionType, &enums::key_compression_type::TABLE),
    (Tag::State, &enums::state::TABLE),
    (Tag::NameType, &enums::name_type::TABLE),
    (Tag::RotateNameType, &enums::name_type::TABLE),
    (
        Tag::AlternativeNameType,
        &enums::alternative_name_type::TABLE,
    ),
    (Tag::BlockCipherMode, &enums::block_cipher_mode::TABLE),
    (Tag::PaddingMethod, &enums::padding_method::TABLE),
    (Tag::HashingAlgorithm, &enums::hashing_algorithm::TABLE),
    (
        Tag::MaskGeneratorHashingAlgorithm,
        &enums::hashing_algorithm::TABLE,
    ),
    (
        Tag::DigitalSignatureAlgorithm,
        &enums::digital_signature_algorithm::TABLE,
    ),
    (Tag::LinkType, &enums::link_type::TABLE),
    (
        Tag::RevocationReasonCode,
        &enums::revocation_reason_code::TABLE,
    ),
    (Tag::RecommendedCurve, &enums::recommended_curve::TABLE),
    (Tag::CertificateType, &enums::certificate_type::TABLE),
    (
        Tag::CertificateRequestType,
        &enums::certificate_request_type::TABLE,
    ),
    (Tag::SecretDataType, &enums::secret_data_type::TABLE),
    (Tag::OpaqueDataType, &enums::opaque_data_type::TABLE),
    (Tag::SplitKeyMethod, &enums::split_key_method::TABLE),
    (Tag::WrappingMethod, &enums::wrapping_method::TABLE),
    (Tag::KeyRoleType, &enums::key_role_type::TABLE),
    (Tag::ObjectGroupMember, &enums::object_group_member::TABLE),
    (
        Tag::KeyValueLocationType,
        &enums::key_value_location_type::TABLE,
    ),
    (Tag::ValidityIndicator, &enums::validity_indicator::TABLE),
    (Tag::UsageLimitsUnit, &enums::usage_limits_unit::TABLE),
    (Tag::AttestationType, &enums::attestation_type::TABLE),
    (Tag::ProtectionLevel, &enums::protection_level::TABLE),
    (Tag::NISTKeyType, &enums::nist_key_type::TABLE),
    (Tag::KeyWrapType, &enums::key_wrap_type::TABLE),
    (Tag::UnwrapMode, &enums::unwrap_mode::TABLE),
    (Tag::DestroyAction, &enums::destroy_action::TABLE),
    (Tag::ShreddingAlgorithm, &enums::shredding_algorithm::TABLE),
    (
        Tag::ClientRegistrationMethod,
        &enums::client_registration_method::TABLE,
    ),
    (
        Tag::ValidationAuthorityType,
        &enums::validation_authority_type::TABLE,
    ),
    (Tag::ValidationType, &enums::validation_type::TABLE),
    (Tag::DerivationMethod, &enums::derivation_method::TABLE),
    (Tag::MaskGenerator, &enums::mask_generator::TABLE),
    (Tag::RNGAlgorithm, &enums::rng_algorithm::TABLE),
    (Tag::DRBGAlgorithm, &enums::drbg_algorithm::TABLE),
    (Tag::FIPS186Variation, &enums::fips186_variation::TABLE),
    (Tag::RNGMode, &enums::rng_mode::TABLE),
    (
        Tag::BatchErrorContinuationOption,
        &enums::batch_error_continuation_option::TABLE,
    ),
    (Tag::QueryFunction, &enums::query_function::TABLE),
    (Tag::CancellationResult, &enums::cancellation_result::TABLE),
    (Tag::PutFunction, &enums::put_function::TABLE),
    (Tag::EncodingOption, &enums::encoding_option::TABLE),
    (Tag::CredentialType, &enums::credential_type::TABLE),
    (Tag::UniqueIdentifier, &enums::unique_identifier::TABLE),
    (Tag::InteropFunction, &enums::interop_function::TABLE),
    (Tag::AdjustmentType, &enums::adjustment_type::TABLE),
    (Tag::EndpointRole, &enums::endpoint_role::TABLE),
    (Tag::TicketType, &enums::ticket_type::TABLE),
    (Tag::ProcessingStage, &enums::processing_stage::TABLE),
    (Tag::PKCS_11Function, &enums::pkcs_11_function::TABLE),
    (Tag::PKCS_11ReturnCode, &enums::pkcs_11_return_code::TABLE),
];

/// Tags whose Enumeration values are tag numbers.
const TAG_VALUED_TAGS: &[Tag] = &[Tag::AttributeReference, Tag::Tag];

/// Which bit mask names the bits of each Integer-typed mask tag.
const MASK_TAGS: &[(Tag, &Enumeration)] = &[
    (
        Tag::CryptographicUsageMask,
        &enums::cryptographic_usage_mask::TABLE,
    ),
    (
        Tag::ProtectionStorageMask,
        &enums::protection_storage_mask::TABLE,
    ),
    (Tag::StorageStatusMask, &enums::storage_status_mask::TABLE),
];

/// How the Enumeration values of `tag` are named, if the tables know.
pub fn enumeration_for(tag: Tag) -> Option<EnumNames> {
    if TAG_VALUED_TAGS.contains(&tag) {
        return Some(EnumNames::Tags);
    }
    ENUM_TAGS
        .iter()
        .find(|(t, _)| *t == tag)
        .map(|(_, e)| EnumNames::Table(e))
}

/// The bit mask naming the bits of the Integer `tag`, if it is a mask.
pub fn mask_for(tag: Tag) -> Option<&'static Enumeration> {
    MASK_TAGS.iter().find(|(t, _)| *t == tag).map(|(_, e)| *e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_table_is_sorted_and_unique() {
        assert!(
            TAGS.windows(2).all(|w| w[0].1 < w[1].1),
            "TAGS must be sorted by number"
        );
        let names: std::collections::HashSet<_> = TAGS.iter().map(|(n, _)| n).collect();
        assert_eq!(names.len(), TAGS.len(), "tag names must be unique");
        assert!(TAGS.iter().all(|(_, t)| t.value() >> 16 == 0x42));
        assert!(TAGS.len() > 350, "KMIP 1.0-2.1 define over 350 tags");
    }

    #[test]
    fn tag_lookups() {
        assert_eq!(Tag::ActivationDate.value(), 0x420001);
        assert_eq!(tag_name(Tag::UniqueIdentifier), Some("UniqueIdentifier"));
        assert_eq!(
            tag_by_name("InteropIdentifier"),
            Some(Tag::InteropIdentifier)
        );
        assert_eq!(Tag::new(0x540001).and_then(tag_name), None);
        assert_eq!(
            tag_for_attribute_name("Cryptographic Usage Mask"),
            Some(Tag::CryptographicUsageMask)
        );
        assert_eq!(tag_for_attribute_name("x-VendorAttribute2"), None);
    }

    #[test]
    fn enumeration_tables_are_consistent() {
        for (tag, e) in ENUM_TAGS.iter().chain(MASK_TAGS) {
            let mut seen = std::collections::HashSet::new();
            for (name, value) in e.values {
                assert!(
                    seen.insert(*value),
                    "{tag}: duplicate value {value:#x} ({name})"
                );
                assert_eq!(e.value_of(name), Some(*value));
            }
        }
        for (_, m) in MASK_TAGS {
            assert!(
                m.values.iter().all(|(_, v)| v.count_ones() == 1),
                "{}",
                m.name
            );
        }
        assert_eq!(
            enumeration_for(Tag::Operation).and_then(|e| e.value_of("Interop")),
            Some(enums::operation::Interop)
        );
        assert_eq!(
            enumeration_for(Tag::AttributeReference).and_then(|e| e.name_of(0x420001)),
            Some("ActivationDate")
        );
    }
}
