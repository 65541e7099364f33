//! Create (KMIP 2.1 §6.1.10), Create Key Pair (§6.1.11) and Register (§6.1.42).

use crate::attributes::{self as attrs, Attr};
use crate::dispatch::Ctx;
use crate::error::{Error, Result};
use keystore::crypto::{Curve, DigestAlgorithm, KeyPairSpec, SymmetricAlgorithm};
use keystore::object::{AttributeValue, ObjectType};
use keystore::{keygen, lifecycle, Algorithm, Attributes};
use kmip::enums::result_reason as rr;
use kmip::{Tag, Ttlv};

/// The attributes a KMIP client's new object starts with. KMIP's defaults
/// differ from PKCS#11's in one place: an object is not Sensitive unless
/// asked (KMIP 2.1 §4.46), so its owner can Get it.
pub(super) fn base(object_type: ObjectType, identity: &str) -> Attributes {
    let mut a = Attributes::new(object_type, lifecycle::now());
    a.flags.sensitive = false;
    a.flags.always_sensitive = false;
    a.owner = Some(identity.to_string());
    a
}

fn object_type(payload: &Ttlv) -> Result<ObjectType> {
    let v = payload.child_enumeration(Tag::ObjectType)?;
    ObjectType::from_kmip(v).ok_or_else(|| {
        Error::kmip(
            rr::InvalidObjectType,
            format!("object type {v:#x} is not supported"),
        )
    })
}

fn template(ctx: &Ctx<'_>, payload: &Ttlv) -> Result<Vec<Attr>> {
    attrs_naming_templates(ctx, payload, Tag::Attributes, Tag::TemplateAttribute)
}

/// The attributes of `payload` (the 2.x structure `attributes_tag`, or the
/// 1.x structure `template_tag`), with the Templates its 1.x structure
/// names applied first.
fn attrs_naming_templates(
    ctx: &Ctx<'_>,
    payload: &Ttlv,
    attributes_tag: Tag,
    template_tag: Tag,
) -> Result<Vec<Attr>> {
    attrs::parse_list_with(payload, attributes_tag, template_tag, &mut |name| {
        named_template(ctx, name)
    })
}

/// The attributes of the Template named `name` in the caller's partition
/// (KMIP 1.x). Its Name attributes are not applied: a name belongs to one
/// object.
fn named_template(ctx: &Ctx<'_>, name: &str) -> Result<Vec<Attr>> {
    if ctx.version.is_2x() {
        return Err(Error::not_supported(
            "Templates are KMIP 1.x objects; KMIP 2.x takes the attributes themselves",
        ));
    }
    let found = ctx.partition.find(&keystore::Filter {
        object_type: Some(ObjectType::Template),
        label: Some(name.to_string()),
        exclude_destroyed: true,
        ..Default::default()
    })?;
    let t = match found.as_slice() {
        [one] => one,
        [] => {
            return Err(Error::kmip(
                rr::ItemNotFound,
                format!("no Template named {name:?}"),
            ))
        }
        _ => {
            return Err(Error::invalid(format!(
                "{} Templates are named {name:?}",
                found.len()
            )))
        }
    };
    let value = t
        .value
        .as_ref()
        .ok_or_else(|| Error::kmip(rr::ItemNotFound, format!("no Template named {name:?}")))?;
    let structure = kmip::decode(value.expose())?;
    Ok(attrs::template_attributes(&structure)?
        .into_iter()
        .filter(|a| !matches!(a, Attr::Std(t) if t.tag == Tag::Name))
        .collect())
}

pub(super) fn symmetric_algorithm(a: &Attributes) -> Result<SymmetricAlgorithm> {
    Ok(match a.algorithm {
        Some(Algorithm::Aes) => SymmetricAlgorithm::Aes,
        Some(Algorithm::TripleDes) => SymmetricAlgorithm::TripleDes,
        Some(Algorithm::ChaCha20) => SymmetricAlgorithm::ChaCha20,
        Some(Algorithm::Hmac(d)) => SymmetricAlgorithm::Hmac(d),
        Some(Algorithm::GenericSecret) => SymmetricAlgorithm::Hmac(DigestAlgorithm::Sha256),
        None => {
            return Err(Error::kmip(
                rr::MissingData,
                "Create needs a Cryptographic Algorithm",
            ))
        }
        Some(other) => {
            return Err(Error::invalid(format!(
                "{other:?} is not a symmetric key algorithm"
            )))
        }
    })
}

/// A key the server makes has not been served to anyone yet: Fresh is true
/// until the first Get (KMIP 2.1 §4.23); a template may say otherwise.
pub(super) fn fresh() -> Attr {
    Attr::Std(Ttlv::boolean(Tag::Fresh, true))
}

/// Whether the template set Quantum Safe (KMIP 2.1 §4.47) to true: the
/// client asks for an object that stays safe against a quantum computer.
fn quantum_safe_asked(a: &Attributes) -> bool {
    attrs::std_values(a, Tag::QuantumSafe)
        .iter()
        .any(|v| v.as_boolean().unwrap_or(false))
}

/// A symmetric key keeps at least 128 bits of strength against Grover's
/// search only with 256 bits or more; Triple DES never does.
fn quantum_safe_secret(alg: SymmetricAlgorithm, bits: u32) -> bool {
    !matches!(alg, SymmetricAlgorithm::TripleDes) && bits >= 256
}

fn not_quantum_safe(what: &str) -> Error {
    Error::kmip(
        rr::GeneralFailure,
        format!("NOT_SAFE: Quantum Safe was asked for, and {what} is not quantum safe"),
    )
}

/// Refuses a Cryptographic Algorithm keybridge cannot generate by its name,
/// rather than as a missing attribute (PyKMIP's integration suite asks for
/// IDEA keys).
fn unsupported_algorithm(requested: &[Attr]) -> Result<()> {
    for r in requested {
        if let Attr::Std(t) = r {
            if t.tag != Tag::CryptographicAlgorithm {
                continue;
            }
            let v = t.as_enumeration()?;
            if attrs::algorithm_from_kmip(v).is_none() {
                let name = kmip::enums::cryptographic_algorithm::TABLE
                    .name_of(v)
                    .unwrap_or("(unknown)");
                return Err(Error::not_supported(format!(
                    "Create cannot generate {name} ({v:#x}) keys"
                )));
            }
        }
    }
    Ok(())
}

/// Create: generates a symmetric key.
pub fn create(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let t = object_type(payload)?;
    if t != ObjectType::SymmetricKey {
        return Err(Error::kmip(
            rr::InvalidObjectType,
            format!("Create makes symmetric keys, not a {t}"),
        ));
    }
    let requested = template(ctx, payload)?;
    unsupported_algorithm(&requested)?;
    let mut a = base(t, ctx.identity);
    attrs::apply_template(&mut a, &[fresh()])?;
    attrs::apply_template(&mut a, &requested)?;
    let alg = symmetric_algorithm(&a)?;
    let bits = match (a.length, alg) {
        (Some(168), SymmetricAlgorithm::TripleDes) => {
            attrs::set_meta(&mut a, "length", Some(AttributeValue::Integer(168)));
            192
        }
        (Some(l), _) => l,
        (None, SymmetricAlgorithm::ChaCha20) => 256,
        (None, SymmetricAlgorithm::TripleDes) => 192,
        (None, _) => {
            return Err(Error::kmip(
                rr::MissingData,
                "Create needs a Cryptographic Length",
            ))
        }
    };
    if quantum_safe_asked(&a) && !quantum_safe_secret(alg, bits) {
        return Err(not_quantum_safe(&format!("a {bits}-bit {alg:?} key")));
    }
    let uid = keygen::generate_secret_key(&ctx.partition, alg, bits, a)?;
    ctx.created(&uid);
    Ok(vec![
        Ttlv::enumeration(Tag::ObjectType, t.to_kmip()),
        Ttlv::text(Tag::UniqueIdentifier, uid),
    ])
}

/// The key pair to generate for the attributes of its private (or public) half.
pub(super) fn pair_spec(a: &Attributes) -> Result<KeyPairSpec> {
    let curve_for_length = |l: Option<u32>| match l {
        Some(256) | None => Some(Curve::P256),
        Some(384) => Some(Curve::P384),
        Some(521) => Some(Curve::P521),
        _ => None,
    };
    Ok(match a.algorithm {
        Some(Algorithm::Rsa) => KeyPairSpec::Rsa {
            bits: a.length.ok_or_else(|| {
                Error::kmip(
                    rr::MissingData,
                    "an RSA key pair needs a Cryptographic Length",
                )
            })?,
            public_exponent: None,
        },
        Some(Algorithm::Ec) => KeyPairSpec::Ec(
            a.curve
                .or_else(|| curve_for_length(a.length))
                .ok_or_else(|| {
                    Error::not_supported("curve not supported: use P-256, P-384 or P-521")
                })?,
        ),
        Some(Algorithm::Ed25519) => KeyPairSpec::Ed25519,
        Some(Algorithm::Ed448) => KeyPairSpec::Ed448,
        None => {
            return Err(Error::kmip(
                rr::MissingData,
                "Create Key Pair needs a Cryptographic Algorithm",
            ))
        }
        Some(other) => {
            return Err(Error::invalid(format!(
                "{other:?} is not an asymmetric algorithm"
            )))
        }
    })
}

/// The attribute lists of a key pair request (Create Key Pair, Re-key Key
/// Pair): 2.x Common / Private Key / Public Key Attributes, or the 1.x
/// Template-Attributes of the same names.
pub(super) struct PairTemplates {
    pub common: Vec<Attr>,
    pub private: Vec<Attr>,
    pub public: Vec<Attr>,
}

impl PairTemplates {
    /// The lists of `payload`; the Templates its 1.x structures name are
    /// applied first.
    pub fn parse(ctx: &Ctx<'_>, payload: &Ttlv) -> Result<PairTemplates> {
        Ok(PairTemplates {
            common: attrs_naming_templates(
                ctx,
                payload,
                Tag::CommonAttributes,
                Tag::CommonTemplateAttribute,
            )?,
            private: attrs_naming_templates(
                ctx,
                payload,
                Tag::PrivateKeyAttributes,
                Tag::PrivateKeyTemplateAttribute,
            )?,
            public: attrs_naming_templates(
                ctx,
                payload,
                Tag::PublicKeyAttributes,
                Tag::PublicKeyTemplateAttribute,
            )?,
        })
    }
}

/// Create Key Pair: generates a key pair; the halves are linked and share a
/// key id (CKA_ID), so PKCS#11 sees a pair too.
pub fn create_key_pair(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let PairTemplates {
        common,
        private: private_t,
        public: public_t,
    } = PairTemplates::parse(ctx, payload)?;
    let mut private = base(ObjectType::PrivateKey, ctx.identity);
    let mut public = base(ObjectType::PublicKey, ctx.identity);
    attrs::apply_template(&mut private, &[fresh()])?;
    attrs::apply_template(&mut public, &[fresh()])?;
    attrs::apply_template(&mut private, &common)?;
    attrs::apply_template(&mut private, &private_t)?;
    attrs::apply_template(&mut public, &common)?;
    attrs::apply_template(&mut public, &public_t)?;
    let spec = pair_spec(&private).or_else(|_| pair_spec(&public))?;
    if quantum_safe_asked(&private) || quantum_safe_asked(&public) {
        // RSA, elliptic-curve and Edwards keys all fall to Shor's algorithm.
        return Err(not_quantum_safe("an RSA or elliptic-curve key pair"));
    }
    let ids = store_key_pair(ctx, &spec, private, public)?;
    Ok(vec![
        Ttlv::text(Tag::PrivateKeyUniqueIdentifier, ids.private),
        Ttlv::text(Tag::PublicKeyUniqueIdentifier, ids.public),
    ])
}

/// Generates and stores a key pair (Create Key Pair, Re-key Key Pair): both
/// halves are recorded for a batch's Undo, the private key becomes the ID
/// Placeholder.
pub(super) fn store_key_pair(
    ctx: &mut Ctx<'_>,
    spec: &KeyPairSpec,
    private: Attributes,
    public: Attributes,
) -> Result<keygen::KeyPairIds> {
    let ids = keygen::generate_key_pair(&ctx.partition, spec, private, public)?;
    if let Some(u) = ctx.undo.as_mut() {
        u.push(crate::dispatch::UndoStep::Remove(
            ctx.partition.clone(),
            ids.public.clone(),
        ));
    }
    ctx.created(&ids.private);
    Ok(ids)
}

/// Register: stores an object the client supplies.
/// The request with its object's Key Block unwrapped, when it came wrapped
/// (see `key_wrap::unwrap_block`).
fn unwrap_key_block(ctx: &Ctx<'_>, t: ObjectType, payload: &Ttlv) -> Result<Option<Ttlv>> {
    let tag = match t {
        ObjectType::SymmetricKey => Tag::SymmetricKey,
        ObjectType::PrivateKey => Tag::PrivateKey,
        ObjectType::SecretData => Tag::SecretData,
        _ => return Ok(None),
    };
    let wrapped = payload
        .find(tag)
        .and_then(|o| o.find(Tag::KeyBlock))
        .is_some_and(|b| b.find(Tag::KeyWrappingData).is_some());
    if !wrapped {
        return Ok(None);
    }
    let mut copy = payload.clone();
    let block = copy
        .find_mut(tag)
        .and_then(|o| o.find_mut(Tag::KeyBlock))
        .ok_or_else(|| Error::invalid("the object has no Key Block"))?;
    super::key_wrap::unwrap_block(ctx, block)?;
    Ok(Some(copy))
}

pub fn register(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let t = object_type(payload)?;
    if t == ObjectType::Template && ctx.version.is_2x() {
        return Err(Error::kmip(
            rr::InvalidObjectType,
            "Templates are KMIP 1.x objects; KMIP 2.x has none",
        ));
    }
    let mut a = base(t, ctx.identity);
    attrs::apply_template(&mut a, &template(ctx, payload)?)?;
    let unwrapped = unwrap_key_block(ctx, t, payload)?;
    let payload = unwrapped.as_ref().unwrap_or(payload);
    let value = crate::objects::value_from_request(t, payload, &mut a)?;
    if !t.is_secret() {
        a.flags.private = false;
    }
    let uid = ctx.partition.create(a, Some(value))?;
    ctx.created(&uid);
    Ok(super::uid_only(&uid))
}
