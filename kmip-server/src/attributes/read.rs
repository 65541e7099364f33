//! Reading attributes of a stored object in KMIP form.

use super::convert::{algorithm_to_kmip, std_name};
use super::*;
use keystore::object::{AttributeValue, CustomAttribute, ObjectType};
use keystore::{Attributes, ManagedObject};
use kmip::enums::cryptographic_algorithm as ca;
use kmip::{Tag, Ttlv};

/// The current values of the standard attribute `tag` of `obj`.
pub fn values(obj: &ManagedObject, tag: Tag) -> Vec<Ttlv> {
    let a = &obj.attributes;
    let lc = &a.lifecycle;
    let date = |d: Option<i64>| d.map(|d| Ttlv::date_time(tag, d)).into_iter().collect();
    match tag {
        Tag::UniqueIdentifier => vec![Ttlv::text(tag, obj.uid.clone())],
        Tag::ObjectType => vec![Ttlv::enumeration(tag, a.object_type.to_kmip())],
        Tag::CryptographicAlgorithm => match (meta(a, "algorithm"), a.algorithm) {
            (Some(AttributeValue::Enumeration(v)), Some(alg))
                if algorithm_from_kmip(v) == Some(alg) =>
            {
                vec![Ttlv::enumeration(tag, v)]
            }
            (_, Some(alg)) => vec![Ttlv::enumeration(tag, algorithm_to_kmip(alg))],
            (_, None) => std_values(a, tag),
        },
        Tag::CryptographicLength => match (meta(a, "length"), a.length) {
            // The length the client named (168 for a Triple DES key stored
            // as its 192 bits with parity).
            (Some(AttributeValue::Integer(l)), Some(_)) => vec![Ttlv::integer(tag, l)],
            (_, Some(l)) => vec![Ttlv::integer(tag, l as i32)],
            (_, None) => std_values(a, tag),
        },
        Tag::CryptographicUsageMask if a.usage.0 != 0 => {
            vec![Ttlv::integer(tag, a.usage.0 as i32)]
        }
        Tag::Name => a
            .names
            .iter()
            .map(|n| {
                Ttlv::structure(
                    tag,
                    vec![
                        Ttlv::text(Tag::NameValue, n.clone()),
                        Ttlv::enumeration(Tag::NameType, 1),
                    ],
                )
            })
            .collect(),
        Tag::State => vec![Ttlv::enumeration(tag, lc.state.to_kmip())],
        Tag::InitialDate | Tag::OriginalCreationDate => date(Some(lc.initial_date)),
        Tag::LastChangeDate => date(Some(lc.last_change_date)),
        Tag::ActivationDate => date(lc.activation_date),
        Tag::DeactivationDate => date(lc.deactivation_date),
        Tag::DestroyDate => date(lc.destroy_date),
        Tag::CompromiseDate => date(lc.compromise_date),
        Tag::CompromiseOccurrenceDate => date(lc.compromise_occurrence_date),
        Tag::ProcessStartDate => date(lc.process_start_date),
        Tag::ProtectStopDate => date(lc.protect_stop_date),
        Tag::RevocationReason => match lc.revocation_reason {
            Some(r) => {
                let mut c = vec![Ttlv::enumeration(
                    Tag::RevocationReasonCode,
                    crate::operations::lifecycle::reason_to_kmip(r),
                )];
                if let Some(m) = &lc.revocation_message {
                    c.push(Ttlv::text(Tag::RevocationMessage, m.clone()));
                }
                vec![Ttlv::structure(tag, c)]
            }
            None => Vec::new(),
        },
        Tag::ObjectGroup => a
            .object_groups
            .iter()
            .map(|g| Ttlv::text(tag, g.clone()))
            .collect(),
        Tag::Link => a
            .links
            .iter()
            .map(|l| {
                Ttlv::structure(
                    tag,
                    vec![
                        Ttlv::enumeration(Tag::LinkType, l.link_type as u32),
                        Ttlv::text(Tag::LinkedObjectIdentifier, l.target.clone()),
                    ],
                )
            })
            .collect(),
        Tag::Sensitive => vec![Ttlv::boolean(tag, a.flags.sensitive)],
        Tag::AlwaysSensitive => vec![Ttlv::boolean(tag, a.flags.always_sensitive)],
        Tag::Extractable => vec![Ttlv::boolean(tag, a.flags.extractable)],
        Tag::NeverExtractable => vec![Ttlv::boolean(tag, a.flags.never_extractable)],
        Tag::RecommendedCurve => match a.curve {
            Some(c) => vec![Ttlv::enumeration(tag, crate::objects::curve_to_kmip(c))],
            None => std_values(a, tag),
        },
        Tag::Digest => crate::objects::digest(obj).into_iter().collect(),
        Tag::RandomNumberGenerator if a.flags.local => vec![Ttlv::structure(
            tag,
            vec![
                // OpenSSL's default DRBG: CTR_DRBG with AES-256 (SP 800-90A).
                Ttlv::enumeration(Tag::RNGAlgorithm, kmip::enums::rng_algorithm::DRBG),
                Ttlv::enumeration(Tag::CryptographicAlgorithm, ca::AES),
                Ttlv::integer(Tag::CryptographicLength, 256),
                Ttlv::enumeration(Tag::DRBGAlgorithm, kmip::enums::drbg_algorithm::CTR),
            ],
        )],
        // KMIP 2.1 §4.54: a fixed-length identifier, SHA-256 of the Unique Identifier.
        Tag::ShortUniqueIdentifier => vec![Ttlv::bytes(
            tag,
            openssl::sha::sha256(obj.uid.as_bytes()).to_vec(),
        )],
        // Objects are kept by software (KMIP 2.1 §4.45), even when the
        // store's master key is in an HSM.
        Tag::ProtectionStorageMask => vec![Ttlv::integer(
            tag,
            kmip::enums::protection_storage_mask::Software as i32,
        )],
        // The lease every client gets (Obtain Lease, KMIP 2.1 §6.1.33).
        Tag::LeaseTime if a.object_type != ObjectType::Certificate => match std_values(a, tag) {
            v if v.is_empty() => vec![Ttlv::interval(tag, crate::operations::misc::LEASE_SECONDS)],
            v => v,
        },
        Tag::KeyFormatType => crate::objects::default_format(obj)
            .map(|f| Ttlv::enumeration(tag, f))
            .into_iter()
            .collect(),
        Tag::CertificateType
        | Tag::CertificateLength
        | Tag::CertificateSubjectCN
        | Tag::CertificateIssuerCN => crate::objects::certificate_attribute(obj, tag)
            .into_iter()
            .collect(),
        _ => std_values(a, tag),
    }
}

pub fn std_values(a: &Attributes, tag: Tag) -> Vec<Ttlv> {
    let name = std_name(tag);
    a.custom
        .iter()
        .filter(|c| c.vendor.as_deref() == Some(STD_VENDOR) && c.name == name)
        .map(|c| Ttlv::new(tag, value_from_store(&c.value)))
        .collect()
}

/// The tags `all` reports, in this order (then stored standard and custom ones).
const REPORTED: &[Tag] = &[
    Tag::UniqueIdentifier,
    Tag::ObjectType,
    Tag::CryptographicAlgorithm,
    Tag::CryptographicLength,
    Tag::CryptographicUsageMask,
    Tag::RecommendedCurve,
    Tag::Name,
    Tag::State,
    Tag::InitialDate,
    Tag::LastChangeDate,
    Tag::ActivationDate,
    Tag::DeactivationDate,
    Tag::ProcessStartDate,
    Tag::ProtectStopDate,
    Tag::DestroyDate,
    Tag::CompromiseDate,
    Tag::CompromiseOccurrenceDate,
    Tag::RevocationReason,
    Tag::ObjectGroup,
    Tag::Link,
    Tag::Digest,
    Tag::OriginalCreationDate,
    Tag::RandomNumberGenerator,
    Tag::Sensitive,
    Tag::AlwaysSensitive,
    Tag::Extractable,
    Tag::NeverExtractable,
    Tag::Fresh,
    Tag::LeaseTime,
    Tag::KeyFormatType,
    Tag::ShortUniqueIdentifier,
    Tag::ProtectionStorageMask,
    Tag::CertificateType,
    Tag::CertificateLength,
    Tag::CertificateSubjectCN,
    Tag::CertificateIssuerCN,
];

/// The key-protection flags, attributes since KMIP 1.4.
const SINCE_1_4: &[Tag] = &[
    Tag::Sensitive,
    Tag::AlwaysSensitive,
    Tag::Extractable,
    Tag::NeverExtractable,
];

/// Attributes since KMIP 2.0.
const SINCE_2_0: &[Tag] = &[
    Tag::KeyFormatType,
    Tag::ShortUniqueIdentifier,
    Tag::ProtectionStorageMask,
];

/// Every attribute of `obj` a client of `version` knows (Get Attributes
/// without a list, Get Attribute List).
pub fn all_for(obj: &ManagedObject, version: kmip::ProtocolVersion) -> Vec<Attr> {
    let mut out = all(obj);
    let unknown = |t: Tag| {
        (!version.is_2x() && SINCE_2_0.contains(&t))
            || (version < kmip::ProtocolVersion::new(1, 4) && SINCE_1_4.contains(&t))
    };
    out.retain(|a| !matches!(a, Attr::Std(t) if unknown(t.tag)));
    out
}

/// Every attribute of `obj`.
pub fn all(obj: &ManagedObject) -> Vec<Attr> {
    let mut out: Vec<Attr> = Vec::new();
    for tag in REPORTED {
        out.extend(values(obj, *tag).into_iter().map(Attr::Std));
    }
    for c in &obj.attributes.custom {
        match c.vendor.as_deref() {
            Some(META_VENDOR) => {}
            Some(STD_VENDOR) => {
                if let Some(tag) = Tag::from_name(&c.name) {
                    if !REPORTED.contains(&tag) {
                        out.push(Attr::Std(Ttlv::new(tag, value_from_store(&c.value))));
                    }
                }
            }
            _ => out.push(vendor_attr(c)),
        }
    }
    out
}

fn vendor_attr(c: &CustomAttribute) -> Attr {
    Attr::Vendor {
        vendor: c.vendor.clone(),
        name: c.name.clone(),
        value: Ttlv::new(Tag::AttributeValue, value_from_store(&c.value)),
    }
}

/// The custom attributes named `name` (any vendor but the server's own).
pub fn vendor_values(obj: &ManagedObject, vendor: Option<&str>, name: &str) -> Vec<Attr> {
    obj.attributes
        .custom
        .iter()
        .filter(|c| {
            c.name == name
                && !matches!(c.vendor.as_deref(), Some(META_VENDOR) | Some(STD_VENDOR))
                && (vendor.is_none() || c.vendor.as_deref() == vendor)
        })
        .map(vendor_attr)
        .collect()
}
