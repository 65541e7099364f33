//! Re-key (KMIP 2.1 §6.1.45) and Derive Key (§6.1.12).

use super::create_register::{base, symmetric_algorithm};
use super::crypto_common::{digest_algorithm, key_bytes, usable_key, CryptoParams};
use crate::attributes as attrs;
use crate::dispatch::Ctx;
use crate::error::{Error, Result};
use keystore::crypto::{self as kc, DigestAlgorithm, MacAlgorithm};
use keystore::lifecycle::{self, Lifecycle, Usage};
use keystore::object::{Link, LinkType, ObjectType, UsageMask};
use keystore::{keygen, SecretBytes};
use kmip::enums::{cryptographic_algorithm as ca, derivation_method as dm, result_reason as rr};
use kmip::{Tag, Ttlv};

/// Re-key: a new symmetric key with the attributes of the existing one (and
/// those the request sets), new key material and a new lifecycle. The new
/// key takes over the Names; the two are linked by Replaced Object and
/// Replacement Object. With an Offset, the new key's Activation Date is now +
/// Offset; without one it is active at once if the old key had an
/// Activation Date.
pub fn rekey(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let uid = ctx.uid(payload)?;
    let old = ctx.partition.get(&uid)?;
    if old.attributes.object_type != ObjectType::SymmetricKey {
        return Err(Error::kmip(
            rr::InvalidObjectType,
            "Re-key replaces symmetric keys; use Re-key Key Pair for key pairs",
        ));
    }
    if old.attributes.lifecycle.state.is_destroyed() || old.value.is_none() {
        return Err(Error::kmip(
            rr::WrongKeyLifecycleState,
            format!("object {uid} is destroyed"),
        ));
    }
    let now = lifecycle::now();
    let offset = payload.opt_child_interval(Tag::Offset)?;
    let mut a = old.attributes.clone();
    let activation = match offset {
        Some(o) => Some(now + i64::from(o)),
        None => a.lifecycle.activation_date.map(|_| now),
    };
    a.lifecycle = Lifecycle::new(now, activation);
    // The replacement belongs to whoever owns the partition, also when a
    // grantee re-keys.
    a.owner = Some(ctx.partition.label().to_string());
    a.links.retain(|l| {
        !matches!(
            l.link_type,
            LinkType::ReplacementObject | LinkType::ReplacedObject
        )
    });
    a.links.push(Link {
        link_type: LinkType::ReplacedObject,
        target: uid.clone(),
    });
    attrs::apply_template(
        &mut a,
        &attrs::parse_list(payload, Tag::Attributes, Tag::TemplateAttribute)?,
    )?;
    let alg = symmetric_algorithm(&a)?;
    let bits = a.length.ok_or_else(|| {
        Error::kmip(
            rr::MissingData,
            "the key to re-key has no Cryptographic Length",
        )
    })?;
    let new_uid = keygen::generate_secret_key(&ctx.partition, alg, bits, a)?;
    ctx.created(&new_uid);
    ctx.before_change(&uid)?;
    ctx.partition.update(&uid, |o| {
        o.attributes.names.clear();
        o.attributes.links.push(Link {
            link_type: LinkType::ReplacementObject,
            target: new_uid.clone(),
        });
        Ok(())
    })?;
    Ok(super::uid_only(&new_uid))
}

/// Derive Key: a Symmetric Key or Secret Data from one base object (a key or,
/// for PBKDF2, a password as Secret Data) with PBKDF2 (RFC 8018), HKDF (RFC
/// 5869), HMAC, or the SP 800-108 KDFs in counter, feedback and
/// double-pipeline mode (32-bit counter; PRF HMAC with the Hashing Algorithm,
/// or AES-CMAC when the Cryptographic Algorithm is AES). The Derivation
/// Data is the SP 800-108 fixed input, the HKDF info, the HMAC message.
pub fn derive_key(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let t = ObjectType::from_kmip(payload.child_enumeration(Tag::ObjectType)?)
        .filter(|t| matches!(t, ObjectType::SymmetricKey | ObjectType::SecretData))
        .ok_or_else(|| {
            Error::kmip(
                rr::InvalidObjectType,
                "Derive Key makes Symmetric Keys or Secret Data",
            )
        })?;
    let bases: Vec<&str> = payload
        .find_all(Tag::UniqueIdentifier)
        .map(|u| u.as_text())
        .collect::<kmip::Result<_>>()?;
    let base_uid = match bases.as_slice() {
        [one] => one.to_string(),
        [] => ctx.uid(payload)?,
        _ => {
            return Err(Error::not_supported(
                "derivation from several objects is not supported",
            ))
        }
    };
    let method = payload.child_enumeration(Tag::DerivationMethod)?;
    let dp = payload.child_structure(Tag::DerivationParameters)?;
    let params = CryptoParams::for_request(dp, None)?;
    let base_obj = usable_key(
        ctx,
        &base_uid,
        Usage::Protect,
        UsageMask::DERIVE_KEY,
        "key derivation",
    )?;
    let secret = key_bytes(&base_obj)?;
    let data = dp.opt_child_bytes(Tag::DerivationData)?.unwrap_or_default();
    let salt = dp.opt_child_bytes(Tag::Salt)?.unwrap_or_default();

    // The derived key belongs to the partition's owner, also when a
    // grantee derives it.
    let mut a = base(t, ctx.partition.label());
    attrs::apply_template(
        &mut a,
        &attrs::parse_list(payload, Tag::Attributes, Tag::TemplateAttribute)?,
    )?;
    let bits = a.length.ok_or_else(|| {
        Error::kmip(
            rr::MissingData,
            "Derive Key needs the Cryptographic Length of the new object",
        )
    })?;
    if bits == 0 || bits % 8 != 0 {
        return Err(Error::invalid("Cryptographic Length must be whole bytes"));
    }
    let len = (bits / 8) as usize;
    if t == ObjectType::SymmetricKey {
        symmetric_algorithm(&a)?;
    }
    let hash = || -> Result<DigestAlgorithm> {
        params
            .hashing_algorithm
            .map(digest_algorithm)
            .transpose()
            .map(|h| h.unwrap_or(DigestAlgorithm::Sha256))
    };
    let prf = || -> Result<MacAlgorithm> {
        Ok(match params.cryptographic_algorithm {
            Some(ca::AES) => MacAlgorithm::CmacAes,
            _ => MacAlgorithm::Hmac(hash()?),
        })
    };
    let derived: SecretBytes = match method {
        dm::PBKDF2 => {
            let iterations = dp.child_integer(Tag::IterationCount)?;
            let iterations = u32::try_from(iterations)
                .ok()
                .filter(|i| *i >= 1)
                .ok_or_else(|| Error::invalid("Iteration Count must be at least 1"))?;
            kc::pbkdf2(hash()?, secret, salt, iterations, len)?
        }
        dm::HKDF => kc::hkdf(hash()?, secret, salt, data, len)?,
        dm::HMAC => {
            let h = hash()?;
            if len > h.output_len() {
                return Err(Error::invalid(format!(
                    "HMAC derivation gives at most {} bytes",
                    h.output_len()
                )));
            }
            let mut out = kc::hmac(h, secret, data)?;
            out.truncate(len);
            SecretBytes::new(out)
        }
        dm::NIST800_108_C => kc::sp800_108_counter(prf()?, secret, data, 32, len)?,
        dm::NIST800_108_F => {
            let iv = dp
                .opt_child_bytes(Tag::InitializationVector)?
                .unwrap_or_default();
            kc::sp800_108_feedback(prf()?, secret, iv, data, Some(32), len)?
        }
        dm::NIST800_108_DPI => kc::sp800_108_double_pipeline(prf()?, secret, data, Some(32), len)?,
        other => {
            return Err(Error::not_supported(format!(
                "Derivation Method {} is not supported",
                dm::TABLE.name_of(other).unwrap_or("(unknown)")
            )))
        }
    };
    a.links.push(Link {
        link_type: LinkType::DerivationBaseObject,
        target: base_uid.clone(),
    });
    let uid = ctx.partition.create(a, Some(derived))?;
    ctx.created(&uid);
    ctx.before_change(&base_uid)?;
    ctx.partition.update(&base_uid, |o| {
        o.attributes.links.push(Link {
            link_type: LinkType::DerivedKey,
            target: uid.clone(),
        });
        Ok(())
    })?;
    Ok(super::uid_only(&uid))
}
