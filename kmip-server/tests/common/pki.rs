//! Helpers of the Re-key Key Pair and Certify tests: attribute lists and
//! reads in the KMIP 2.x or 1.x form of a message, key pairs that sign, a
//! CA made with OpenSSL and registered in keybridge, certificate checks.

use super::access_ops::{name, now, ok, uid, uid_of, C};
use kmip::enums::{
    cryptographic_algorithm as ca, digital_signature_algorithm as dsa, key_format_type as kft,
    link_type as lt, operation as op,
};
use kmip::{attribute_names, ProtocolVersion, Tag, Ttlv};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private, Public};
use openssl::sign::Verifier;
use openssl::stack::Stack;
use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{
    X509Builder, X509NameBuilder, X509Req, X509ReqBuilder, X509StoreContext, X509,
};

pub const SIGN: i32 = 0x01;
pub const VERIFY: i32 = 0x02;
pub const DECRYPT: i32 = 0x08;

/// One attribute list of a request in the message form of `v`: 2.x
/// `attributes_tag` with the items as they are, or 1.x `template_tag` with
/// `Attribute` name/value pairs. Vendor attributes are given as
/// (name, text value).
pub fn attribute_list(
    v: ProtocolVersion,
    attributes_tag: Tag,
    template_tag: Tag,
    items: Vec<Ttlv>,
    vendor: &[(&str, &str)],
) -> Ttlv {
    if v.major >= 2 {
        let mut out = items;
        for (n, value) in vendor {
            out.push(Ttlv::structure(
                Tag::Attribute,
                vec![
                    Ttlv::text(Tag::VendorIdentification, "x"),
                    Ttlv::text(Tag::AttributeName, *n),
                    Ttlv::text(Tag::AttributeValue, *value),
                ],
            ));
        }
        return Ttlv::structure(attributes_tag, out);
    }
    let mut out: Vec<Ttlv> = items
        .into_iter()
        .map(|t| {
            let n = attribute_names::name_of(t.tag).expect("a 1.x attribute name");
            super::wire::attr(n, t)
        })
        .collect();
    for (n, value) in vendor {
        out.push(super::wire::attr(
            &format!("x-{n}"),
            Ttlv::text(Tag::AttributeValue, *value),
        ));
    }
    Ttlv::structure(template_tag, out)
}

/// The values of attribute `tag` of object `u`, read in the form of `v`.
pub fn attribute(c: &mut C, v: ProtocolVersion, u: &str, tag: Tag) -> Vec<Ttlv> {
    if v.major >= 2 {
        let p = ok(
            c,
            op::GetAttributes,
            vec![
                uid(u),
                Ttlv::enumeration(Tag::AttributeReference, tag.value()),
            ],
        );
        return p
            .path(&[Tag::Attributes])
            .map(|a| a.find_all(tag).cloned().collect())
            .unwrap_or_default();
    }
    let n = attribute_names::name_of(tag).expect("a 1.x attribute name");
    let p = ok(
        c,
        op::GetAttributes,
        vec![uid(u), Ttlv::text(Tag::AttributeName, n)],
    );
    p.find_all(Tag::Attribute)
        .filter_map(|a| a.find(Tag::AttributeValue).cloned())
        .collect()
}

/// The value of the custom attribute `n` (vendor "x") of object `u`.
pub fn vendor_attribute(c: &mut C, v: ProtocolVersion, u: &str, n: &str) -> Option<String> {
    let (request, wanted) = if v.major >= 2 {
        (vec![uid(u)], n.to_string())
    } else {
        let full = format!("x-{n}");
        (
            vec![uid(u), Ttlv::text(Tag::AttributeName, &full)],
            full.clone(),
        )
    };
    let p = ok(c, op::GetAttributes, request);
    let found = p
        .path(&[Tag::Attributes])
        .unwrap_or(&p)
        .find_all(Tag::Attribute)
        .find(|a| a.child_text(Tag::AttributeName).ok() == Some(wanted.as_str()))
        .and_then(|a| a.child_text(Tag::AttributeValue).ok())
        .map(str::to_string);
    found
}

pub fn links(c: &mut C, v: ProtocolVersion, u: &str) -> Vec<(u32, String)> {
    attribute(c, v, u, Tag::Link)
        .iter()
        .map(|l| {
            (
                l.child_enumeration(Tag::LinkType).unwrap(),
                l.child_text(Tag::LinkedObjectIdentifier)
                    .unwrap()
                    .to_string(),
            )
        })
        .collect()
}

pub fn date(c: &mut C, v: ProtocolVersion, u: &str, tag: Tag) -> Option<i64> {
    attribute(c, v, u, tag)
        .first()
        .map(|t| t.as_date_time().unwrap())
}

/// The public key `u` as OpenSSL sees it (Get in X.509 SubjectPublicKeyInfo).
pub fn public_key(c: &mut C, u: &str) -> PKey<Public> {
    let p = ok(
        c,
        op::Get,
        vec![uid(u), Ttlv::enumeration(Tag::KeyFormatType, kft::X_509)],
    );
    let (_, der) = super::wire::key_material(&p, Tag::PublicKey);
    PKey::public_key_from_der(&der).unwrap()
}

pub fn signature_parameters(alg: u32) -> Ttlv {
    let d = if alg == ca::RSA {
        dsa::SHA_256WithRSAEncryption
    } else {
        dsa::ECDSAWithSHA256
    };
    Ttlv::structure(
        Tag::CryptographicParameters,
        vec![Ttlv::enumeration(Tag::DigitalSignatureAlgorithm, d)],
    )
}

/// Signs with private key `private` over KMIP; OpenSSL verifies with `public`.
pub fn signs_for(c: &mut C, private: &str, public: &PKey<Public>, alg: u32) -> bool {
    let message = b"re-keyed pair signs".to_vec();
    let s = ok(
        c,
        op::Sign,
        vec![
            uid(private),
            signature_parameters(alg),
            Ttlv::bytes(Tag::Data, message.clone()),
        ],
    );
    let sig = s.child_bytes(Tag::SignatureData).unwrap();
    let mut v = Verifier::new(MessageDigest::sha256(), public).unwrap();
    v.update(&message).unwrap();
    v.verify(sig).unwrap()
}

/// An EC P-256 key pair made by keybridge, active, Sign / Verify.
pub fn key_pair(c: &mut C, label: &str) -> (String, String) {
    let p = ok(
        c,
        op::CreateKeyPair,
        vec![
            Ttlv::structure(
                Tag::CommonAttributes,
                vec![
                    Ttlv::enumeration(Tag::CryptographicAlgorithm, ca::EC),
                    Ttlv::integer(Tag::CryptographicLength, 256),
                    Ttlv::date_time(Tag::ActivationDate, now() - 60),
                ],
            ),
            Ttlv::structure(
                Tag::PrivateKeyAttributes,
                vec![
                    name(&format!("{label}-private")),
                    Ttlv::integer(Tag::CryptographicUsageMask, SIGN),
                ],
            ),
            Ttlv::structure(
                Tag::PublicKeyAttributes,
                vec![
                    name(&format!("{label}-public")),
                    Ttlv::integer(Tag::CryptographicUsageMask, VERIFY),
                ],
            ),
        ],
    );
    (
        p.child_text(Tag::PrivateKeyUniqueIdentifier)
            .unwrap()
            .to_string(),
        p.child_text(Tag::PublicKeyUniqueIdentifier)
            .unwrap()
            .to_string(),
    )
}

/// A CA made with OpenSSL and registered in keybridge: its private key
/// (usage `mask`, active unless `pre_active`) and its self-signed
/// certificate, linked both ways.
pub struct Ca {
    pub cert: X509,
    pub key_uid: String,
    pub cert_uid: String,
}

pub fn link(t: u32, target: &str) -> Ttlv {
    Ttlv::structure(
        Tag::Link,
        vec![
            Ttlv::enumeration(Tag::LinkType, t),
            Ttlv::text(Tag::LinkedObjectIdentifier, target),
        ],
    )
}

pub fn register_ca(c: &mut C, mask: i32, pre_active: bool) -> Ca {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).unwrap();
    let key = PKey::from_ec_key(EcKey::generate(&group).unwrap()).unwrap();
    let mut n = X509NameBuilder::new().unwrap();
    n.append_entry_by_nid(Nid::COMMONNAME, "keybridge test CA")
        .unwrap();
    let n = n.build();
    let mut b = X509Builder::new().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(
        BigNum::from_u32(1)
            .unwrap()
            .to_asn1_integer()
            .unwrap()
            .as_ref(),
    )
    .unwrap();
    b.set_subject_name(&n).unwrap();
    b.set_issuer_name(&n).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(Asn1Time::days_from_now(0).unwrap().as_ref())
        .unwrap();
    b.set_not_after(Asn1Time::days_from_now(3650).unwrap().as_ref())
        .unwrap();
    b.append_extension(BasicConstraints::new().critical().ca().build().unwrap())
        .unwrap();
    b.append_extension(
        KeyUsage::new()
            .critical()
            .key_cert_sign()
            .crl_sign()
            .build()
            .unwrap(),
    )
    .unwrap();
    let ski = SubjectKeyIdentifier::new()
        .build(&b.x509v3_context(None, None))
        .unwrap();
    b.append_extension(ski).unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    let cert = b.build();

    let mut attributes = vec![Ttlv::integer(Tag::CryptographicUsageMask, mask)];
    if !pre_active {
        attributes.push(Ttlv::date_time(Tag::ActivationDate, now() - 60));
    }
    let key_uid = uid_of(&ok(
        c,
        op::Register,
        vec![
            Ttlv::enumeration(Tag::ObjectType, 4),
            Ttlv::structure(Tag::Attributes, attributes),
            Ttlv::structure(
                Tag::PrivateKey,
                vec![super::wire::key_block(
                    kft::PKCS_8,
                    &key.private_key_to_pkcs8().unwrap(),
                    Some((ca::EC, 256)),
                )],
            ),
        ],
    ));
    let cert_uid = uid_of(&ok(
        c,
        op::Register,
        vec![
            Ttlv::enumeration(Tag::ObjectType, 1),
            Ttlv::structure(Tag::Attributes, vec![link(lt::PrivateKeyLink, &key_uid)]),
            Ttlv::structure(
                Tag::Certificate,
                vec![
                    Ttlv::enumeration(Tag::CertificateType, 1),
                    Ttlv::bytes(Tag::CertificateValue, cert.to_der().unwrap()),
                ],
            ),
        ],
    ));
    ok(
        c,
        op::AddAttribute,
        vec![
            uid(&key_uid),
            Ttlv::structure(
                Tag::NewAttribute,
                vec![link(lt::CertificateLink, &cert_uid)],
            ),
        ],
    );
    Ca {
        cert,
        key_uid,
        cert_uid,
    }
}

pub fn certificate(c: &mut C, u: &str) -> X509 {
    let p = ok(c, op::Get, vec![uid(u)]);
    let der = p
        .path(&[Tag::Certificate, Tag::CertificateValue])
        .unwrap()
        .as_bytes()
        .unwrap();
    X509::from_der(der).unwrap()
}

/// Whether OpenSSL verifies `leaf` up to `ca` (signature, issuer name,
/// validity, extensions).
pub fn chains_to(leaf: &X509, ca: &X509) -> bool {
    let mut store = X509StoreBuilder::new().unwrap();
    store.add_cert(ca.clone()).unwrap();
    let store = store.build();
    let mut ctx = X509StoreContext::new().unwrap();
    let chain = Stack::new().unwrap();
    ctx.init(&store, leaf, &chain, |c| c.verify_cert()).unwrap()
}

pub fn common_name(n: &openssl::x509::X509NameRef) -> String {
    n.entries_by_nid(Nid::COMMONNAME)
        .next()
        .map(|e| String::from_utf8_lossy(e.data().as_slice()).into_owned())
        .unwrap_or_default()
}

pub fn csr(key: &PKey<Private>, cn: &str) -> X509Req {
    let mut n = X509NameBuilder::new().unwrap();
    n.append_entry_by_nid(Nid::COMMONNAME, cn).unwrap();
    let mut b = X509ReqBuilder::new().unwrap();
    b.set_pubkey(key).unwrap();
    b.set_subject_name(&n.build()).unwrap();
    b.sign(key, MessageDigest::sha256()).unwrap();
    b.build()
}
