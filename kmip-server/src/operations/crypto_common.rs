//! What the cryptographic operations share: the Cryptographic Parameters
//! structure (KMIP 2.1 §2.1.11 / §4.9), the key an operation uses (lifecycle,
//! usage mask, stored form) and the Hashing Algorithm mapping.

use crate::dispatch::Ctx;
use crate::error::{Error, Result};
use keystore::crypto::DigestAlgorithm;
use keystore::lifecycle::Usage;
use keystore::object::ObjectType;
use keystore::{ManagedObject, Partition};
use kmip::enums::{hashing_algorithm as ha, result_reason as rr};
use kmip::{Tag, Ttlv};

/// The fields of Cryptographic Parameters the server acts on. A field given
/// in the request wins; otherwise the key's own Cryptographic Parameters
/// attribute supplies it (KMIP 2.1 §6.1.18: "if omitted, the server uses the
/// Cryptographic Parameters attribute of the key").
#[derive(Debug, Clone, Default)]
pub struct CryptoParams {
    pub block_cipher_mode: Option<u32>,
    pub padding_method: Option<u32>,
    pub hashing_algorithm: Option<u32>,
    pub key_role_type: Option<u32>,
    pub digital_signature_algorithm: Option<u32>,
    pub cryptographic_algorithm: Option<u32>,
    pub random_iv: Option<bool>,
    pub iv_length: Option<i32>,
    pub tag_length: Option<i32>,
    pub fixed_field_length: Option<i32>,
    pub invocation_field_length: Option<i32>,
    pub counter_length: Option<i32>,
    pub initial_counter_value: Option<i32>,
    pub salt_length: Option<i32>,
    pub mask_generator: Option<u32>,
    pub mask_generator_hashing_algorithm: Option<u32>,
    pub p_source: Option<Vec<u8>>,
}

impl CryptoParams {
    /// Reads one Cryptographic Parameters structure.
    pub fn parse(t: &Ttlv) -> Result<CryptoParams> {
        Ok(CryptoParams {
            block_cipher_mode: t.opt_child_enumeration(Tag::BlockCipherMode)?,
            padding_method: t.opt_child_enumeration(Tag::PaddingMethod)?,
            hashing_algorithm: t.opt_child_enumeration(Tag::HashingAlgorithm)?,
            key_role_type: t.opt_child_enumeration(Tag::KeyRoleType)?,
            digital_signature_algorithm: t.opt_child_enumeration(Tag::DigitalSignatureAlgorithm)?,
            cryptographic_algorithm: t.opt_child_enumeration(Tag::CryptographicAlgorithm)?,
            random_iv: t.opt_child_boolean(Tag::RandomIV)?,
            iv_length: t.opt_child_integer(Tag::IVLength)?,
            tag_length: t.opt_child_integer(Tag::TagLength)?,
            fixed_field_length: t.opt_child_integer(Tag::FixedFieldLength)?,
            invocation_field_length: t.opt_child_integer(Tag::InvocationFieldLength)?,
            counter_length: t.opt_child_integer(Tag::CounterLength)?,
            initial_counter_value: t.opt_child_integer(Tag::InitialCounterValue)?,
            salt_length: t.opt_child_integer(Tag::SaltLength)?,
            mask_generator: t.opt_child_enumeration(Tag::MaskGenerator)?,
            mask_generator_hashing_algorithm: t
                .opt_child_enumeration(Tag::MaskGeneratorHashingAlgorithm)?,
            p_source: t.opt_child_bytes(Tag::PSource)?.map(<[u8]>::to_vec),
        })
    }

    /// Fills every field the request left out from `fallback`.
    fn or(self, fallback: CryptoParams) -> CryptoParams {
        macro_rules! merge {
            ($($f:ident),*) => {
                CryptoParams { $($f: self.$f.or(fallback.$f),)* }
            };
        }
        merge!(
            block_cipher_mode,
            padding_method,
            hashing_algorithm,
            key_role_type,
            digital_signature_algorithm,
            cryptographic_algorithm,
            random_iv,
            iv_length,
            tag_length,
            fixed_field_length,
            invocation_field_length,
            counter_length,
            initial_counter_value,
            salt_length,
            mask_generator,
            mask_generator_hashing_algorithm,
            p_source
        )
    }

    /// The parameters for an operation on `obj`: the request's, completed by
    /// the key's Cryptographic Parameters attribute.
    pub fn for_request(payload: &Ttlv, obj: Option<&ManagedObject>) -> Result<CryptoParams> {
        let asked = match payload.opt_child_structure(Tag::CryptographicParameters)? {
            Some(t) => CryptoParams::parse(t)?,
            None => CryptoParams::default(),
        };
        let stored = obj
            .and_then(|o| {
                crate::attributes::values(o, Tag::CryptographicParameters)
                    .into_iter()
                    .next()
            })
            .map(|t| CryptoParams::parse(&t))
            .transpose()?
            .unwrap_or_default();
        Ok(asked.or(stored))
    }
}

/// A KMIP Hashing Algorithm as a keystore digest.
pub fn digest_algorithm(v: u32) -> Result<DigestAlgorithm> {
    Ok(match v {
        ha::SHA_1 => DigestAlgorithm::Sha1,
        ha::SHA_224 => DigestAlgorithm::Sha224,
        ha::SHA_256 => DigestAlgorithm::Sha256,
        ha::SHA_384 => DigestAlgorithm::Sha384,
        ha::SHA_512 => DigestAlgorithm::Sha512,
        ha::SHA3_224 => DigestAlgorithm::Sha3_224,
        ha::SHA3_256 => DigestAlgorithm::Sha3_256,
        ha::SHA3_384 => DigestAlgorithm::Sha3_384,
        ha::SHA3_512 => DigestAlgorithm::Sha3_512,
        other => {
            return Err(Error::kmip(
                rr::CryptographicFailure,
                format!(
                    "Hashing Algorithm {} is not supported",
                    ha::TABLE.name_of(other).unwrap_or("(unknown)")
                ),
            ))
        }
    })
}

/// The key an operation uses, after the checks every cryptographic
/// operation makes: it exists, its lifecycle allows `usage` now
/// (`Partition::use_object`), its Cryptographic Usage Mask has `mask`, it
/// holds a value keybridge can use.
pub fn usable_key(
    ctx: &mut Ctx<'_>,
    uid: &str,
    usage: Usage,
    mask: u32,
    what: &str,
) -> Result<ManagedObject> {
    let obj = ctx.use_object(uid, usage)?;
    check_key(obj, uid, mask, what)
}

/// [`usable_key`] for a key in `partition` (a second key of a request,
/// found by [`crate::access::partition_for`]).
pub fn usable_key_in(
    partition: &Partition,
    uid: &str,
    usage: Usage,
    mask: u32,
    what: &str,
) -> Result<ManagedObject> {
    check_key(partition.use_object(uid, usage)?, uid, mask, what)
}

/// The checks of [`usable_key`] on the object it opened.
fn check_key(obj: ManagedObject, uid: &str, mask: u32, what: &str) -> Result<ManagedObject> {
    let a = &obj.attributes;
    if !matches!(
        a.object_type,
        ObjectType::SymmetricKey
            | ObjectType::PrivateKey
            | ObjectType::PublicKey
            | ObjectType::SecretData
    ) {
        return Err(Error::kmip(
            rr::InvalidObjectType,
            format!("{what} needs a key, object {uid} is a {}", a.object_type),
        ));
    }
    if !a.usage.contains(mask) {
        return Err(Error::kmip(
            rr::IncompatibleCryptographicUsageMask,
            format!("the Cryptographic Usage Mask of {uid} does not allow {what}"),
        ));
    }
    if crate::objects::is_verbatim(a) {
        return Err(Error::kmip(
            rr::CryptographicFailure,
            format!("keybridge cannot use the key material of {uid} for {what}"),
        ));
    }
    Ok(obj)
}

/// The stored value of a usable key (checked by [`usable_key`]).
pub fn key_bytes(obj: &ManagedObject) -> Result<&[u8]> {
    obj.value
        .as_ref()
        .map(|v| v.expose())
        .ok_or_else(|| Error::kmip(rr::WrongKeyLifecycleState, "the key has no value"))
}

/// Where a request stands in a multi-part operation (KMIP 2.1 §6.1.18 and
/// the other streaming operations): Init Indicator, Final Indicator and
/// the Correlation Value of a stream in progress.
pub struct Stream<'a> {
    pub init: bool,
    pub last: bool,
    pub correlation: Option<&'a [u8]>,
}

impl<'a> Stream<'a> {
    pub fn of(payload: &'a Ttlv) -> Result<Stream<'a>> {
        Ok(Stream {
            init: payload
                .opt_child_boolean(Tag::InitIndicator)?
                .unwrap_or(false),
            last: payload
                .opt_child_boolean(Tag::FinalIndicator)?
                .unwrap_or(false),
            correlation: payload.opt_child_bytes(Tag::CorrelationValue)?,
        })
    }
}

/// A required Data field.
pub fn data(payload: &Ttlv) -> Result<&[u8]> {
    payload.child_bytes(Tag::Data).map_err(Error::from)
}

/// Counts `bytes` of data (or one use, for a limit in Objects) against the
/// key's Usage Limits (KMIP 2.1 §4.55): refused with Permission Denied when
/// the remaining Usage Limits Count does not cover it; otherwise the count
/// goes down. A key without Usage Limits is not limited.
pub fn consume_usage(ctx: &mut Ctx<'_>, obj: &ManagedObject, bytes: usize) -> Result<()> {
    let Some(limits) = crate::attributes::values(obj, Tag::UsageLimits)
        .into_iter()
        .next()
    else {
        return Ok(());
    };
    let total = limits.child_long_integer(Tag::UsageLimitsTotal)?;
    let remaining = limits
        .opt_child_long_integer(Tag::UsageLimitsCount)?
        .unwrap_or(total);
    let unit = limits.opt_child_enumeration(Tag::UsageLimitsUnit)?;
    let wanted = match unit {
        Some(kmip::enums::usage_limits_unit::Object) => 1,
        _ => i64::try_from(bytes).unwrap_or(i64::MAX),
    };
    if wanted > remaining {
        return Err(Error::kmip(
            rr::PermissionDenied,
            format!(
                "the Usage Limits of {} allow {remaining} more, not {wanted}",
                obj.uid
            ),
        ));
    }
    let mut children = vec![
        Ttlv::long_integer(Tag::UsageLimitsTotal, total),
        Ttlv::long_integer(Tag::UsageLimitsCount, remaining - wanted),
    ];
    if let Some(u) = unit {
        children.push(Ttlv::enumeration(Tag::UsageLimitsUnit, u));
    }
    let updated = Ttlv::structure(Tag::UsageLimits, children);
    ctx.before_change(&obj.uid)?;
    ctx.partition.update(&obj.uid, |o| {
        crate::attributes::put_values(
            &mut o.attributes,
            Tag::UsageLimits,
            vec![updated.clone()],
            false,
        )
        .map_err(|e| keystore::Error::InvalidArgument(e.to_string()))
    })?;
    Ok(())
}
