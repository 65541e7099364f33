//! Re-key (KMIP 2.1 §6.1.45), Re-key Key Pair (§6.1.44) and Derive Key
//! (§6.1.12).

use super::create_register::{
    base, fresh, pair_spec, store_key_pair, symmetric_algorithm, PairTemplates,
};
use super::crypto_common::{digest_algorithm, key_bytes, usable_key, CryptoParams};
use crate::attributes::{self as attrs, Attr};
use crate::dispatch::Ctx;
use crate::error::{Error, Result};
use keystore::crypto::{self as kc, DigestAlgorithm, MacAlgorithm};
use keystore::lifecycle::{self, Lifecycle, Usage};
use keystore::object::{Link, LinkType, ObjectType, UsageMask};
use keystore::{keygen, SecretBytes};
use keystore::{Attributes, ManagedObject};
use kmip::enums::{cryptographic_algorithm as ca, derivation_method as dm, result_reason as rr};
use kmip::{Tag, Ttlv};

/// The lifecycle of a replacement key (KMIP 2.1 §6.1.45 Re-key, §6.1.44
/// Re-key Key Pair; KMIP 1.4 §4.4, §4.5): Initial Date now. Without an
/// Offset the Activation, Process Start, Protect Stop and Deactivation
/// Dates are the existing key's; with one, Activation Date = Initial Date +
/// Offset and each other date keeps its distance to the Activation Date
/// (e.g. new Deactivation Date = new Activation Date + (old Deactivation
/// Date − old Activation Date)). The state follows from the dates.
fn replacement_lifecycle(old: &Lifecycle, now: i64, offset: Option<u32>) -> Lifecycle {
    let activation = match offset {
        Some(o) => Some(now + i64::from(o)),
        None => old.activation_date,
    };
    let shift = |d: Option<i64>| match (offset, old.activation_date, activation, d) {
        (Some(_), Some(old_a), Some(new_a), Some(d)) => Some(new_a + (d - old_a)),
        (_, _, _, d) => d,
    };
    let mut lc = Lifecycle::new(now, activation);
    lc.process_start_date = shift(old.process_start_date);
    lc.protect_stop_date = shift(old.protect_stop_date);
    lc.deactivation_date = shift(old.deactivation_date);
    lc.refresh(now);
    lc
}

/// The object a Re-key names, if it is a `class` that still has a value.
fn replaceable(ctx: &Ctx<'_>, uid: &str, class: ObjectType, hint: &str) -> Result<ManagedObject> {
    let old = ctx.partition.get(uid)?;
    if old.attributes.object_type != class {
        return Err(Error::kmip(rr::InvalidObjectType, hint.to_string()));
    }
    if old.attributes.lifecycle.state.is_destroyed() || old.value.is_none() {
        return Err(Error::kmip(
            rr::WrongKeyLifecycleState,
            format!("object {uid} is destroyed"),
        ));
    }
    Ok(old)
}

/// The attributes of the replacement of `old`: all of the old object's
/// (names, usage, groups, custom attributes, ...) with a new lifecycle
/// ([`replacement_lifecycle`]), Fresh, the Usage Limits Count back at its
/// Total, a Replaced Object Link to `old` and no earlier replacement links;
/// then the request's `templates`. The replacement belongs to whoever owns
/// the partition, also when a grantee re-keys.
fn replacement(
    ctx: &Ctx<'_>,
    old: &ManagedObject,
    offset: Option<u32>,
    templates: &[&[Attr]],
) -> Result<Attributes> {
    let mut a = old.attributes.clone();
    a.lifecycle = replacement_lifecycle(&old.attributes.lifecycle, lifecycle::now(), offset);
    a.owner = Some(ctx.partition.label().to_string());
    a.links.retain(|l| {
        !matches!(
            l.link_type,
            LinkType::ReplacementObject | LinkType::ReplacedObject
        )
    });
    a.links.push(Link {
        link_type: LinkType::ReplacedObject,
        target: old.uid.clone(),
    });
    if let Some(limits) = attrs::std_values(&a, Tag::UsageLimits).into_iter().next() {
        let total = limits.child_long_integer(Tag::UsageLimitsTotal)?;
        let mut children = vec![
            Ttlv::long_integer(Tag::UsageLimitsTotal, total),
            Ttlv::long_integer(Tag::UsageLimitsCount, total),
        ];
        if let Some(u) = limits.opt_child_enumeration(Tag::UsageLimitsUnit)? {
            children.push(Ttlv::enumeration(Tag::UsageLimitsUnit, u));
        }
        let reset = Ttlv::structure(Tag::UsageLimits, children);
        attrs::put_values(&mut a, Tag::UsageLimits, vec![reset], true)?;
    }
    attrs::apply_template(&mut a, &[fresh()])?;
    for t in templates {
        attrs::apply_template(&mut a, t)?;
    }
    Ok(a)
}

/// Retires `old_uid` in favour of `new_uid`: the old object gives up its
/// Names (they moved to the replacement) and links to it by Replacement
/// Object Link.
fn retire(ctx: &mut Ctx<'_>, old_uid: &str, new_uid: &str) -> Result<()> {
    ctx.before_change(old_uid)?;
    ctx.partition.update(old_uid, |o| {
        o.attributes.names.clear();
        o.attributes.links.push(Link {
            link_type: LinkType::ReplacementObject,
            target: new_uid.to_string(),
        });
        Ok(())
    })?;
    Ok(())
}

/// Re-key (KMIP 2.1 §6.1.45): a new symmetric key with the attributes of
/// the existing one (and those the request sets), new key material and a
/// new lifecycle shifted by the Offset ([`replacement_lifecycle`]). The new
/// key takes over the Names; the two are linked by Replaced Object and
/// Replacement Object.
pub fn rekey(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let uid = ctx.uid(payload)?;
    let old = replaceable(
        ctx,
        &uid,
        ObjectType::SymmetricKey,
        "Re-key replaces symmetric keys; use Re-key Key Pair for key pairs",
    )?;
    let offset = payload.opt_child_interval(Tag::Offset)?;
    let template = attrs::parse_list(payload, Tag::Attributes, Tag::TemplateAttribute)?;
    let a = replacement(ctx, &old, offset, &[&template])?;
    let alg = symmetric_algorithm(&a)?;
    let bits = a.length.ok_or_else(|| {
        Error::kmip(
            rr::MissingData,
            "the key to re-key has no Cryptographic Length",
        )
    })?;
    let new_uid = keygen::generate_secret_key(&ctx.partition, alg, bits, a)?;
    ctx.created(&new_uid);
    retire(ctx, &uid, &new_uid)?;
    Ok(super::uid_only(&new_uid))
}

/// Re-key Key Pair (KMIP 2.1 §6.1.44, KMIP 1.4 §4.5): a new key pair of the
/// algorithm, length and curve of the existing one, named by its Private Key
/// Unique Identifier (or the ID Placeholder). Each new half gets the
/// attributes of the old half it replaces (names, usage, groups, custom
/// attributes, ...; see [`replacement`]) and the request's Common and
/// Private / Public Key Attributes (2.x) or Template-Attributes (1.x); its
/// dates are shifted by the Offset. The new halves are linked to each other
/// as Create Key Pair links them, with a key id (CKA_ID) of their own: the
/// old pair keeps its id and any certificate of it. Old and new are linked
/// both ways by Replacement / Replaced Object Links, and the Names move to
/// the new pair.
pub fn rekey_key_pair(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let private_uid = ctx.uid_in(payload, Tag::PrivateKeyUniqueIdentifier)?;
    let old_private = replaceable(
        ctx,
        &private_uid,
        ObjectType::PrivateKey,
        "Re-key Key Pair is given the private key of a pair",
    )?;
    let public_uid = old_private
        .attributes
        .link(LinkType::PublicKey)
        .ok_or_else(|| {
            Error::kmip(
                rr::ItemNotFound,
                format!("private key {private_uid} has no Public Key Link to its pair"),
            )
        })?
        .to_string();
    let old_public = replaceable(
        ctx,
        &public_uid,
        ObjectType::PublicKey,
        "the Public Key Link of the private key names no public key",
    )?;
    let offset = payload.opt_child_interval(Tag::Offset)?;
    let t = PairTemplates::parse(ctx, payload)?;
    let mut private = replacement(ctx, &old_private, offset, &[&t.common, &t.private])?;
    let mut public = replacement(ctx, &old_public, offset, &[&t.common, &t.public])?;
    for a in [&mut private, &mut public] {
        // The pair's own links are made anew; a certificate certifies the
        // old key, not this one.
        a.links.retain(|l| {
            !matches!(
                l.link_type,
                LinkType::PublicKey | LinkType::PrivateKey | LinkType::Certificate
            )
        });
        a.key_id = None;
    }
    let spec = pair_spec(&old_private.attributes)?;
    let ids = store_key_pair(ctx, &spec, private, public)?;
    retire(ctx, &private_uid, &ids.private)?;
    retire(ctx, &public_uid, &ids.public)?;
    Ok(vec![
        Ttlv::text(Tag::PrivateKeyUniqueIdentifier, ids.private),
        Ttlv::text(Tag::PublicKeyUniqueIdentifier, ids.public),
    ])
}

/// Derive Key: a Symmetric Key or Secret Data from one base object (a key or,
/// for PBKDF2, a password as Secret Data) with PBKDF2 (RFC 8018), HKDF (RFC
/// 5869), HMAC, or the SP 800-108 KDFs in counter, feedback and
/// double-pipeline mode (32-bit counter; PRF HMAC with the Hashing Algorithm,
/// or AES-CMAC when the Cryptographic Algorithm is AES), or by encrypting
/// the Derivation Data with a symmetric base key (method Encrypt: the
/// Cryptographic Parameters and Initialization Vector of the Derivation
/// Parameters; the ciphertext, of exactly the new object's length, is the
/// new key). The Derivation Data is the SP 800-108 fixed input, the HKDF
/// info, the HMAC message, the plaintext.
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
        dm::ENCRYPT => {
            if base_obj.attributes.object_type != ObjectType::SymmetricKey {
                return Err(Error::kmip(
                    rr::InvalidObjectType,
                    "derivation by encryption needs a symmetric base key",
                ));
            }
            let algorithm = params
                .cryptographic_algorithm
                .or_else(|| super::encrypt::key_algorithm(&base_obj));
            let iv = dp.opt_child_bytes(Tag::InitializationVector)?;
            let out = super::encrypt::encrypt_for_derivation(algorithm, &params, secret, iv, data)?;
            if out.len() != len {
                return Err(Error::invalid(format!(
                    "the Derivation Data encrypts to {} bytes; the new object is {len} bytes",
                    out.len()
                )));
            }
            out
        }
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
