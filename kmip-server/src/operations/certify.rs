//! Certify (KMIP 2.1 §6.1.6, KMIP 1.4 §4.7): an X.509 v3 certificate for a
//! public key, signed by a CA key held in keybridge.
//!
//! **What is certified**: the Public Key the request names (Unique
//! Identifier, or the ID Placeholder), or a PKCS#10 request carried in the
//! request (Certificate Request Value, Certificate Request Type PKCS#10 as
//! DER or PEM), whose own signature must verify (proof of possession).
//!
//! **Who issues**: KMIP leaves the CA to the server; keybridge takes it from
//! a Link among the request's attributes (2.x Attributes, 1.x
//! Template-Attribute):
//! - a Certificate Link names the CA certificate; the CA private key is
//!   that certificate's Private Key Link, else the Private Key Link of the
//!   public key its Public Key Link names;
//! - a Private Key Link names the CA private key; the CA certificate is its
//!   Certificate Link, else the Certificate Link of its public key.
//!
//! The issuer name is the CA certificate's subject, and the CA certificate
//! must hold the CA key's public key. The CA private key signs inside the
//! server and never leaves it; it must be Active, allow Sign (or Certificate
//! Sign) in its Cryptographic Usage Mask, and, in another identity's
//! partition, be granted `sign` ([`crate::access::partition_for`]).
//!
//! **Subject**: the request's Certificate Subject CN, O, OU, ... attributes
//! (2.x; in 1.x inside Certificate Attributes), X.509 Certificate Subject
//! (1.x, DER Distinguished Name)
//! or Certificate Subject (1.0, a text "CN=..,O=.." name); else the PKCS#10
//! request's subject. **Validity**: from the request's Activation Date
//! (default now) to its Deactivation Date (default a year later); these are
//! also the certificate object's dates, so it is Active while valid.
//! **Serial number**: 16 random bytes, positive. **Extensions**:
//! basicConstraints CA:FALSE, keyUsage from the Cryptographic Usage Mask (of
//! the public key, or of the request's attributes for a PKCS#10 request),
//! subjectKeyIdentifier, authorityKeyIdentifier.
//!
//! The certificate is stored with a Public Key Link to the certified key, a
//! Certificate Link to the CA certificate (its parent) and the public key's
//! key id (CKA_ID), so PKCS#11 finds it beside its key pair; the public key
//! gets a Certificate Link to it.

use super::create_register::base;
use super::crypto_common::{key_bytes, usable_key_in};
use crate::access::partition_for;
use crate::attributes::{self as attrs, Attr};
use crate::dispatch::Ctx;
use crate::error::{Error, Result};
use keystore::access::Operation;
use keystore::lifecycle::{self, Lifecycle, Usage};
use keystore::object::{Link, LinkType, ObjectType, UsageMask};
use keystore::{ManagedObject, Partition, SecretBytes};
use kmip::enums::{certificate_request_type as crt, link_type as lt, result_reason as rr};
use kmip::{Tag, Ttlv};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, Private, Public};
use openssl::x509::extension::{
    AuthorityKeyIdentifier, BasicConstraints, KeyUsage, SubjectKeyIdentifier,
};
use openssl::x509::{X509Builder, X509Name, X509NameBuilder, X509Req, X509};

/// Validity when the request sets no Deactivation Date: one year.
const DEFAULT_VALIDITY: i64 = 365 * 24 * 60 * 60;

/// The key to certify and what the request says about it.
struct Subject {
    key: PKey<Public>,
    /// The subject of a PKCS#10 request.
    name: Option<X509Name>,
    usage: UsageMask,
    /// The keybridge Public Key, when one is certified.
    object: Option<ManagedObject>,
}

/// The CA: its private key (in the server only) and its certificate.
struct Issuer {
    key: PKey<Private>,
    cert: X509,
    cert_uid: String,
}

/// Certify: issues and stores the certificate; answers its Unique Identifier.
pub fn certify(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let requested = attrs::parse_list(payload, Tag::Attributes, Tag::TemplateAttribute)?;
    let subject = match payload.opt_child_bytes(Tag::CertificateRequestValue)? {
        Some(value) => {
            let t = payload
                .opt_child_enumeration(Tag::CertificateRequestType)?
                .unwrap_or(crt::PKCS_10);
            from_request(t, value, requested_usage(&requested)?)?
        }
        None => from_public_key(ctx, &ctx.uid(payload)?)?,
    };
    let issuer = issuer(ctx, &requested)?;
    let name = match subject_name(&requested)? {
        Some(n) => n,
        None => subject.name.ok_or_else(|| {
            Error::kmip(
                rr::MissingData,
                "Certify needs the subject: Certificate Subject CN (and the other subject \
                 fields) or X.509 Certificate Subject among the request's attributes",
            )
        })?,
    };
    let now = lifecycle::now();
    let not_before = requested_date(&requested, Tag::ActivationDate)?.unwrap_or(now);
    let not_after =
        requested_date(&requested, Tag::DeactivationDate)?.unwrap_or(not_before + DEFAULT_VALIDITY);
    if not_after <= not_before {
        return Err(Error::invalid(
            "the Deactivation Date must follow the Activation Date",
        ));
    }

    let mut b = X509Builder::new()?;
    b.set_version(2)?;
    b.set_serial_number(serial_number()?.to_asn1_integer()?.as_ref())?;
    b.set_subject_name(&name)?;
    b.set_issuer_name(issuer.cert.subject_name())?;
    b.set_pubkey(&subject.key)?;
    b.set_not_before(Asn1Time::from_unix(not_before)?.as_ref())?;
    b.set_not_after(Asn1Time::from_unix(not_after)?.as_ref())?;
    b.append_extension(BasicConstraints::new().critical().build()?)?;
    if let Some(ku) = key_usage(subject.usage) {
        b.append_extension(ku.build()?)?;
    }
    let ski = SubjectKeyIdentifier::new().build(&b.x509v3_context(Some(&issuer.cert), None))?;
    b.append_extension(ski)?;
    let aki = AuthorityKeyIdentifier::new()
        .keyid(false)
        .issuer(false)
        .build(&b.x509v3_context(Some(&issuer.cert), None))?;
    b.append_extension(aki)?;
    b.sign(&issuer.key, signature_digest(&issuer.key))?;
    let der = b.build().to_der()?;

    let mut a = base(ObjectType::Certificate, ctx.partition.label());
    a.flags.private = false;
    let kept: Vec<Attr> = requested.into_iter().filter(|r| !consumed(r)).collect();
    attrs::apply_template(&mut a, &kept)?;
    a.lifecycle = Lifecycle::new(now, Some(not_before));
    a.lifecycle.deactivation_date = Some(not_after);
    a.lifecycle.refresh(now);
    a.links.push(Link {
        link_type: LinkType::Certificate,
        target: issuer.cert_uid.clone(),
    });
    if let Some(pk) = &subject.object {
        a.links.push(Link {
            link_type: LinkType::PublicKey,
            target: pk.uid.clone(),
        });
        a.key_id = pk.attributes.key_id.clone();
    }
    let uid = ctx.partition.create(a, Some(SecretBytes::new(der)))?;
    ctx.created(&uid);
    if let Some(pk) = subject.object {
        ctx.before_change(&pk.uid)?;
        ctx.partition.update(&pk.uid, |o| {
            o.attributes.links.push(Link {
                link_type: LinkType::Certificate,
                target: uid.clone(),
            });
            Ok(())
        })?;
    }
    Ok(super::uid_only(&uid))
}

/// The 1.x attribute holding the Certificate Subject / Issuer fields
/// (KMIP 1.4 §3.46); in 2.x each field is an attribute of its own.
const CERTIFICATE_ATTRIBUTES: &str = "Certificate Attributes";

/// Request attributes Certify acts on rather than stores as given.
fn consumed(r: &Attr) -> bool {
    let tag = match r {
        Attr::Std(t) => t.tag,
        Attr::Vendor { vendor, name, .. } => {
            return vendor.is_none() && name == CERTIFICATE_ATTRIBUTES
        }
    };
    subject_nid(tag).is_some()
        || matches!(
            tag,
            Tag::Link
                | Tag::X_509CertificateSubject
                | Tag::CertificateSubject
                | Tag::X_509CertificateIssuer
                | Tag::CertificateIssuer
                | Tag::ActivationDate
                | Tag::DeactivationDate
        )
}

fn std_attr(requested: &[Attr], tag: Tag) -> Option<&Ttlv> {
    requested.iter().find_map(|r| match r {
        Attr::Std(t) if t.tag == tag => Some(t),
        _ => None,
    })
}

fn requested_date(requested: &[Attr], tag: Tag) -> Result<Option<i64>> {
    std_attr(requested, tag)
        .map(|t| t.as_date_time().map_err(Error::from))
        .transpose()
}

fn requested_usage(requested: &[Attr]) -> Result<UsageMask> {
    Ok(UsageMask(
        std_attr(requested, Tag::CryptographicUsageMask)
            .map(|t| t.as_integer())
            .transpose()?
            .unwrap_or(0) as u32,
    ))
}

/// The target of the request's first Link of `link_type`.
fn requested_link(requested: &[Attr], link_type: u32) -> Result<Option<String>> {
    for r in requested {
        if let Attr::Std(t) = r {
            if t.tag == Tag::Link && t.child_enumeration(Tag::LinkType)? == link_type {
                return Ok(Some(t.child_text(Tag::LinkedObjectIdentifier)?.to_string()));
            }
        }
    }
    Ok(None)
}

fn from_public_key(ctx: &Ctx<'_>, uid: &str) -> Result<Subject> {
    let obj = ctx.partition.get(uid)?;
    if obj.attributes.object_type != ObjectType::PublicKey {
        return Err(Error::kmip(
            rr::InvalidObjectType,
            format!(
                "Certify certifies a public key or a Certificate Request; object {uid} is a {}",
                obj.attributes.object_type
            ),
        ));
    }
    if crate::objects::is_verbatim(&obj.attributes) {
        return Err(Error::kmip(
            rr::CryptographicFailure,
            format!("keybridge cannot certify the key material of {uid}"),
        ));
    }
    let key = PKey::public_key_from_der(key_bytes(&obj)?)?;
    Ok(Subject {
        key,
        name: None,
        usage: obj.attributes.usage,
        object: Some(obj),
    })
}

fn from_request(request_type: u32, value: &[u8], usage: UsageMask) -> Result<Subject> {
    let req = match request_type {
        crt::PKCS_10 => X509Req::from_der(value),
        crt::PEM => X509Req::from_pem(value),
        other => {
            return Err(Error::not_supported(format!(
                "Certificate Request Type {} is not supported: use PKCS#10 or PEM",
                crt::TABLE.name_of(other).unwrap_or("(unknown)")
            )))
        }
    }
    .map_err(|_| Error::invalid("the Certificate Request Value is not a PKCS#10 request"))?;
    let key = req.public_key()?;
    if !req.verify(&key).unwrap_or(false) {
        return Err(Error::invalid(
            "the signature of the Certificate Request does not verify",
        ));
    }
    Ok(Subject {
        key,
        name: Some(req.subject_name().to_owned()?),
        usage,
        object: None,
    })
}

/// The CA named by the request's Links (see the module documentation).
fn issuer(ctx: &Ctx<'_>, requested: &[Attr]) -> Result<Issuer> {
    let cert_link = requested_link(requested, lt::CertificateLink)?;
    let key_link = requested_link(requested, lt::PrivateKeyLink)?;
    let missing = |what: String| Error::kmip(rr::ItemNotFound, what);
    let (cert_partition, cert_uid, key_uid) = match (cert_link, key_link) {
        (Some(c), k) => {
            let p = partition_for(ctx, &c, Operation::GetAttributes)?;
            let key = match k {
                Some(k) => k,
                None => linked_through(&p, &c, LinkType::PublicKey, LinkType::PrivateKey)?
                    .ok_or_else(|| {
                        missing(format!("CA certificate {c} has no link to its private key"))
                    })?,
            };
            (p, c, key)
        }
        (None, Some(k)) => {
            let p = partition_for(ctx, &k, Operation::Sign)?;
            let c = linked_through(&p, &k, LinkType::PublicKey, LinkType::Certificate)?
                .ok_or_else(|| {
                    missing(format!(
                        "CA key {k} has no certificate: give it a Certificate Link, or name \
                         the CA certificate with a Certificate Link"
                    ))
                })?;
            (p, c, k)
        }
        (None, None) => {
            return Err(Error::kmip(
                rr::MissingData,
                "Certify needs the issuer: a Certificate Link to the CA certificate or a \
                 Private Key Link to the CA key among the request's attributes",
            ))
        }
    };
    let key_partition = partition_for(ctx, &key_uid, Operation::Sign)?;
    let key_obj = usable_key_in(
        &key_partition,
        &key_uid,
        Usage::Protect,
        0,
        "certificate signing",
    )?;
    if key_obj.attributes.object_type != ObjectType::PrivateKey {
        return Err(Error::kmip(
            rr::InvalidObjectType,
            format!(
                "the CA key {key_uid} is a {}, not a private key",
                key_obj.attributes.object_type
            ),
        ));
    }
    let mask = key_obj.attributes.usage;
    if !mask.contains(UsageMask::SIGN) && !mask.contains(UsageMask::CERTIFICATE_SIGN) {
        return Err(Error::kmip(
            rr::IncompatibleCryptographicUsageMask,
            format!("the Cryptographic Usage Mask of CA key {key_uid} does not allow Sign"),
        ));
    }
    let key = PKey::private_key_from_pkcs8(key_bytes(&key_obj)?)?;
    let cert_obj = cert_partition.get(&cert_uid)?;
    if cert_obj.attributes.object_type != ObjectType::Certificate {
        return Err(Error::kmip(
            rr::InvalidObjectType,
            format!("the CA certificate {cert_uid} is not a certificate"),
        ));
    }
    let cert = X509::from_der(key_bytes(&cert_obj)?)?;
    if !cert.public_key()?.public_eq(&key) {
        return Err(Error::kmip(
            rr::InvalidField,
            format!("CA certificate {cert_uid} does not hold the public key of CA key {key_uid}"),
        ));
    }
    Ok(Issuer {
        key,
        cert,
        cert_uid,
    })
}

/// `uid`'s link of type `wanted`, else that link of the object its `via`
/// link names (a certificate's private key through its public key, a
/// private key's certificate through its public key).
fn linked_through(
    p: &Partition,
    uid: &str,
    via: LinkType,
    wanted: LinkType,
) -> Result<Option<String>> {
    let obj = p.get(uid)?;
    if let Some(t) = obj.attributes.link(wanted) {
        return Ok(Some(t.to_string()));
    }
    let Some(middle) = obj.attributes.link(via) else {
        return Ok(None);
    };
    Ok(p.get(middle)
        .ok()
        .and_then(|m| m.attributes.link(wanted).map(str::to_string)))
}

/// The subject name the request's attributes give, if any.
fn subject_name(requested: &[Attr]) -> Result<Option<X509Name>> {
    let mut fields: Vec<&Ttlv> = Vec::new();
    for r in requested {
        match r {
            Attr::Std(t) if subject_nid(t.tag).is_some() => fields.push(t),
            Attr::Vendor {
                vendor: None,
                name,
                value,
            } if name == CERTIFICATE_ATTRIBUTES => fields.extend(value.children()?),
            _ => {}
        }
    }
    let mut b = X509NameBuilder::new()?;
    let mut any = false;
    for field in fields {
        let Some(nid) = subject_nid(field.tag) else {
            continue;
        };
        let v = field.as_text()?;
        if !v.is_empty() {
            b.append_entry_by_nid(nid, v)?;
            any = true;
        }
    }
    if any {
        return Ok(Some(b.build()));
    }
    for tag in [Tag::X_509CertificateSubject, Tag::CertificateSubject] {
        let Some(s) = std_attr(requested, tag) else {
            continue;
        };
        let dn = s.child(Tag::CertificateSubjectDistinguishedName)?;
        if let Ok(der) = dn.as_bytes() {
            if !der.is_empty() {
                return Ok(Some(X509Name::from_der(der).map_err(|_| {
                    Error::invalid("Certificate Subject Distinguished Name is not a DER Name")
                })?));
            }
        } else if let Ok(text) = dn.as_text() {
            let mut b = X509NameBuilder::new()?;
            for part in text.split(',').filter(|p| !p.trim().is_empty()) {
                let (k, v) = part.split_once('=').ok_or_else(|| {
                    Error::invalid("Certificate Subject Distinguished Name must read CN=..,O=..")
                })?;
                b.append_entry_by_text(k.trim(), v.trim()).map_err(|_| {
                    Error::invalid(format!(
                        "unknown name attribute {} in the subject",
                        k.trim()
                    ))
                })?;
            }
            return Ok(Some(b.build()));
        }
    }
    Ok(None)
}

/// The X.500 attribute of a Certificate Subject field (KMIP 2.1 §4.7
/// Certificate Attributes).
fn subject_nid(tag: Tag) -> Option<Nid> {
    Some(match tag {
        Tag::CertificateSubjectC => Nid::COUNTRYNAME,
        Tag::CertificateSubjectST => Nid::STATEORPROVINCENAME,
        Tag::CertificateSubjectL => Nid::LOCALITYNAME,
        Tag::CertificateSubjectO => Nid::ORGANIZATIONNAME,
        Tag::CertificateSubjectOU => Nid::ORGANIZATIONALUNITNAME,
        Tag::CertificateSubjectCN => Nid::COMMONNAME,
        Tag::CertificateSubjectEmail => Nid::PKCS9_EMAILADDRESS,
        Tag::CertificateSubjectUID => Nid::USERID,
        Tag::CertificateSubjectSerialNumber => Nid::SERIALNUMBER,
        Tag::CertificateSubjectTitle => Nid::TITLE,
        Tag::CertificateSubjectDC => Nid::DOMAINCOMPONENT,
        Tag::CertificateSubjectDNQualifier => Nid::DNQUALIFIER,
        _ => return None,
    })
}

/// keyUsage (RFC 5280 §4.2.1.3) from a Cryptographic Usage Mask; none for
/// an empty mask. keyCertSign and cRLSign need CA:TRUE, which Certify never
/// issues, so they are left out.
fn key_usage(mask: UsageMask) -> Option<KeyUsage> {
    let mut ku = KeyUsage::new();
    ku.critical();
    let mut any = false;
    let mut set = |bits: &[u32], f: fn(&mut KeyUsage) -> &mut KeyUsage| {
        if bits.iter().any(|b| mask.contains(*b)) {
            f(&mut ku);
            any = true;
        }
    };
    set(
        &[UsageMask::SIGN, UsageMask::VERIFY],
        KeyUsage::digital_signature,
    );
    set(&[UsageMask::CONTENT_COMMITMENT], KeyUsage::non_repudiation);
    set(
        &[UsageMask::WRAP_KEY, UsageMask::UNWRAP_KEY],
        KeyUsage::key_encipherment,
    );
    set(
        &[UsageMask::ENCRYPT, UsageMask::DECRYPT],
        KeyUsage::data_encipherment,
    );
    set(&[UsageMask::KEY_AGREEMENT], KeyUsage::key_agreement);
    any.then_some(ku)
}

/// A positive 16-byte serial number (RFC 5280 §4.1.2.2: at most 20 bytes,
/// positive, unpredictable).
fn serial_number() -> Result<BigNum> {
    let mut bytes = [0u8; 16];
    openssl::rand::rand_bytes(&mut bytes)?;
    // Top bit clear (positive), next bit set (all 16 bytes significant).
    bytes[0] = (bytes[0] & 0x7f) | 0x40;
    Ok(BigNum::from_slice(&bytes)?)
}

/// The digest the CA key signs with: none for Edwards keys, SHA-384 /
/// SHA-512 for P-384 / P-521, SHA-256 otherwise.
fn signature_digest(key: &PKey<Private>) -> MessageDigest {
    match key.id() {
        Id::ED25519 | Id::ED448 => MessageDigest::null(),
        Id::EC if key.bits() > 384 => MessageDigest::sha512(),
        Id::EC if key.bits() > 256 => MessageDigest::sha384(),
        _ => MessageDigest::sha256(),
    }
}
