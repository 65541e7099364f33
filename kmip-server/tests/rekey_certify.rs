//! Re-key Key Pair (KMIP 2.1 §6.1.44) and Certify (§6.1.6) over the real
//! server: the new pair signs and OpenSSL verifies it, links both ways, the
//! old pair's attributes carried over with the dates shifted by Offset, in
//! KMIP 2.1 and 1.4 messages; certificates for a keybridge public key and
//! for a PKCS#10 request, checked with OpenSSL against the CA certificate;
//! the refusals.

mod common;

use common::access_ops::{assert_not_found, call, name, now, ok, uid, uid_of, C};
use common::Server;
use kmip::enums::{
    certificate_request_type as crt, cryptographic_algorithm as ca,
    digital_signature_algorithm as dsa, key_format_type as kft, link_type as lt, operation as op,
    result_reason as rr, result_status as rs, state,
};
use kmip::{attribute_names, ProtocolVersion, Tag, Ttlv};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private, Public};
use openssl::rsa::Rsa;
use openssl::sign::Verifier;
use openssl::stack::Stack;
use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{
    X509Builder, X509NameBuilder, X509Req, X509ReqBuilder, X509StoreContext, X509,
};

const SIGN: i32 = 0x01;
const VERIFY: i32 = 0x02;
const DECRYPT: i32 = 0x08;

/// One attribute list of a request in the message form of `v`: 2.x
/// `attributes_tag` with the items as they are, or 1.x `template_tag` with
/// `Attribute` name/value pairs. Vendor attributes are given as
/// (name, text value).
fn attribute_list(
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
            common::wire::attr(n, t)
        })
        .collect();
    for (n, value) in vendor {
        out.push(common::wire::attr(
            &format!("x-{n}"),
            Ttlv::text(Tag::AttributeValue, *value),
        ));
    }
    Ttlv::structure(template_tag, out)
}

/// The values of attribute `tag` of object `u`, read in the form of `v`.
fn attribute(c: &mut C, v: ProtocolVersion, u: &str, tag: Tag) -> Vec<Ttlv> {
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
fn vendor_attribute(c: &mut C, v: ProtocolVersion, u: &str, n: &str) -> Option<String> {
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

fn links(c: &mut C, v: ProtocolVersion, u: &str) -> Vec<(u32, String)> {
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

fn date(c: &mut C, v: ProtocolVersion, u: &str, tag: Tag) -> Option<i64> {
    attribute(c, v, u, tag)
        .first()
        .map(|t| t.as_date_time().unwrap())
}

/// The public key `u` as OpenSSL sees it (Get in X.509 SubjectPublicKeyInfo).
fn public_key(c: &mut C, u: &str) -> PKey<Public> {
    let p = ok(
        c,
        op::Get,
        vec![uid(u), Ttlv::enumeration(Tag::KeyFormatType, kft::X_509)],
    );
    let (_, der) = common::wire::key_material(&p, Tag::PublicKey);
    PKey::public_key_from_der(&der).unwrap()
}

fn signature_parameters(alg: u32) -> Ttlv {
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
fn signs_for(c: &mut C, private: &str, public: &PKey<Public>, alg: u32) -> bool {
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

/// Creates a key pair of `alg` with names, usage, a group, a custom
/// attribute and dates, re-keys it with `offset`, and checks the new pair.
fn rekey_key_pair_case(v: ProtocolVersion, alg: u32, bits: i32, offset: Option<u32>) {
    let server = Server::start();
    let mut c = server.client(v);
    let t0 = now();
    let activation = t0 - 3600;
    let deactivation = t0 + 86400;
    let label = format!("pair-{alg}-{}", v.major);
    let common = attribute_list(
        v,
        Tag::CommonAttributes,
        Tag::CommonTemplateAttribute,
        vec![
            Ttlv::enumeration(Tag::CryptographicAlgorithm, alg),
            Ttlv::integer(Tag::CryptographicLength, bits),
            Ttlv::date_time(Tag::ActivationDate, activation),
            Ttlv::date_time(Tag::DeactivationDate, deactivation),
            Ttlv::text(Tag::ObjectGroup, "rotation"),
        ],
        &[],
    );
    let private_t = attribute_list(
        v,
        Tag::PrivateKeyAttributes,
        Tag::PrivateKeyTemplateAttribute,
        vec![
            name(&format!("{label}-private")),
            Ttlv::integer(Tag::CryptographicUsageMask, SIGN),
        ],
        &[("team", "payments")],
    );
    let public_t = attribute_list(
        v,
        Tag::PublicKeyAttributes,
        Tag::PublicKeyTemplateAttribute,
        vec![
            name(&format!("{label}-public")),
            Ttlv::integer(Tag::CryptographicUsageMask, VERIFY),
        ],
        &[],
    );
    let pair = ok(&mut c, op::CreateKeyPair, vec![common, private_t, public_t]);
    let old_private = pair
        .child_text(Tag::PrivateKeyUniqueIdentifier)
        .unwrap()
        .to_string();
    let old_public = pair
        .child_text(Tag::PublicKeyUniqueIdentifier)
        .unwrap()
        .to_string();
    let old_key = public_key(&mut c, &old_public);

    let mut request = vec![Ttlv::text(Tag::PrivateKeyUniqueIdentifier, &old_private)];
    if let Some(o) = offset {
        request.push(Ttlv::interval(Tag::Offset, o));
    }
    let before = now();
    let r = ok(&mut c, op::ReKeyKeyPair, request);
    let after = now();
    let new_private = r
        .child_text(Tag::PrivateKeyUniqueIdentifier)
        .unwrap()
        .to_string();
    let new_public = r
        .child_text(Tag::PublicKeyUniqueIdentifier)
        .unwrap()
        .to_string();
    assert_ne!(new_private, old_private);
    assert_ne!(new_public, old_public);

    // Same algorithm and size, new key material.
    let new_key = public_key(&mut c, &new_public);
    assert!(!new_key.public_eq(&old_key), "new key material");
    assert_eq!(
        (new_key.id(), new_key.bits()),
        (old_key.id(), old_key.bits())
    );

    // Links both ways, and the new halves to each other.
    let l = links(&mut c, v, &old_private);
    assert!(
        l.contains(&(lt::ReplacementObjectLink, new_private.clone())),
        "{l:?}"
    );
    let l = links(&mut c, v, &old_public);
    assert!(
        l.contains(&(lt::ReplacementObjectLink, new_public.clone())),
        "{l:?}"
    );
    let l = links(&mut c, v, &new_private);
    assert!(
        l.contains(&(lt::ReplacedObjectLink, old_private.clone())),
        "{l:?}"
    );
    assert!(
        l.contains(&(lt::PublicKeyLink, new_public.clone())),
        "{l:?}"
    );
    assert!(
        !l.contains(&(lt::PublicKeyLink, old_public.clone())),
        "{l:?}"
    );
    let l = links(&mut c, v, &new_public);
    assert!(
        l.contains(&(lt::ReplacedObjectLink, old_public.clone())),
        "{l:?}"
    );
    assert!(
        l.contains(&(lt::PrivateKeyLink, new_private.clone())),
        "{l:?}"
    );

    // The old pair's attributes carried over; the names moved.
    let names = |c: &mut C, u: &str| -> Vec<String> {
        attribute(c, v, u, Tag::Name)
            .iter()
            .map(|n| n.child_text(Tag::NameValue).unwrap().to_string())
            .collect()
    };
    assert_eq!(names(&mut c, &new_private), [format!("{label}-private")]);
    assert_eq!(names(&mut c, &new_public), [format!("{label}-public")]);
    assert!(names(&mut c, &old_private).is_empty());
    let usage = |c: &mut C, u: &str| {
        attribute(c, v, u, Tag::CryptographicUsageMask)[0]
            .as_integer()
            .unwrap()
    };
    assert_eq!(usage(&mut c, &new_private), SIGN);
    assert_eq!(usage(&mut c, &new_public), VERIFY);
    let group = attribute(&mut c, v, &new_private, Tag::ObjectGroup);
    assert_eq!(group[0].as_text().unwrap(), "rotation");
    assert_eq!(
        vendor_attribute(&mut c, v, &new_private, "team").as_deref(),
        Some("payments")
    );

    // Dates: Activation = now + Offset, the others keep their distance to
    // it; without an Offset, the old dates.
    let new_activation = date(&mut c, v, &new_private, Tag::ActivationDate).unwrap();
    let new_deactivation = date(&mut c, v, &new_private, Tag::DeactivationDate).unwrap();
    match offset {
        Some(o) => {
            let o = i64::from(o);
            assert!(
                (before + o..=after + o).contains(&new_activation),
                "Activation Date {new_activation} not now + {o}"
            );
            assert_eq!(new_deactivation - new_activation, deactivation - activation);
        }
        None => {
            assert_eq!(new_activation, activation);
            assert_eq!(new_deactivation, deactivation);
        }
    }
    let public_activation = date(&mut c, v, &new_public, Tag::ActivationDate).unwrap();
    assert_eq!(public_activation, new_activation);

    // The new pair signs (once active), verified with its own public key,
    // not with the old one.
    let st = attribute(&mut c, v, &new_private, Tag::State)[0]
        .as_enumeration()
        .unwrap();
    if offset.is_some_and(|o| o > 0) {
        assert_eq!(st, state::PreActive, "activation lies in the future");
        ok(&mut c, op::Activate, vec![uid(&new_private)]);
    } else {
        assert_eq!(st, state::Active);
    }
    assert!(signs_for(&mut c, &new_private, &new_key, alg));
    assert!(!signs_for(&mut c, &new_private, &old_key, alg));
}

#[test]
fn rekey_key_pair_rsa_2048_kmip_2_1() {
    rekey_key_pair_case(ProtocolVersion::V2_1, ca::RSA, 2048, Some(0));
}

#[test]
fn rekey_key_pair_ec_p256_kmip_2_1_with_offset() {
    rekey_key_pair_case(ProtocolVersion::V2_1, ca::EC, 256, Some(3600));
}

#[test]
fn rekey_key_pair_rsa_2048_kmip_1_4_without_offset() {
    rekey_key_pair_case(ProtocolVersion::V1_4, ca::RSA, 2048, None);
}

#[test]
fn rekey_key_pair_ec_p256_kmip_1_4_with_offset() {
    rekey_key_pair_case(ProtocolVersion::V1_4, ca::EC, 256, Some(600));
}

#[test]
fn rekey_key_pair_refuses_a_symmetric_key_and_a_public_key() {
    let server = Server::start();
    let mut c = server.client(ProtocolVersion::V2_1);
    let aes = common::access_ops::create(&mut c, ca::AES, 256, 0x0C, "aes", false);
    let (_, public) = key_pair(&mut c, "p");
    for u in [aes, public] {
        let r = call(
            &mut c,
            op::ReKeyKeyPair,
            vec![Ttlv::text(Tag::PrivateKeyUniqueIdentifier, &u)],
        );
        assert_eq!(r.result_status, rs::OperationFailed);
        assert_eq!(r.result_reason, Some(rr::InvalidObjectType), "{r:?}");
    }
}

/// An EC P-256 key pair made by keybridge, active, Sign / Verify.
fn key_pair(c: &mut C, label: &str) -> (String, String) {
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
struct Ca {
    cert: X509,
    key_uid: String,
    cert_uid: String,
}

fn link(t: u32, target: &str) -> Ttlv {
    Ttlv::structure(
        Tag::Link,
        vec![
            Ttlv::enumeration(Tag::LinkType, t),
            Ttlv::text(Tag::LinkedObjectIdentifier, target),
        ],
    )
}

fn register_ca(c: &mut C, mask: i32, pre_active: bool) -> Ca {
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
                vec![common::wire::key_block(
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

fn certificate(c: &mut C, u: &str) -> X509 {
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
fn chains_to(leaf: &X509, ca: &X509) -> bool {
    let mut store = X509StoreBuilder::new().unwrap();
    store.add_cert(ca.clone()).unwrap();
    let store = store.build();
    let mut ctx = X509StoreContext::new().unwrap();
    let chain = Stack::new().unwrap();
    ctx.init(&store, leaf, &chain, |c| c.verify_cert()).unwrap()
}

fn common_name(n: &openssl::x509::X509NameRef) -> String {
    n.entries_by_nid(Nid::COMMONNAME)
        .next()
        .map(|e| String::from_utf8_lossy(e.data().as_slice()).into_owned())
        .unwrap_or_default()
}

#[test]
fn certify_a_keybridge_public_key() {
    let server = Server::start();
    let mut c = server.client(ProtocolVersion::V2_1);
    let ca_ = register_ca(&mut c, SIGN, false);
    let (_, public) = key_pair(&mut c, "leaf");
    let cert_uid = uid_of(&ok(
        &mut c,
        op::Certify,
        vec![
            uid(&public),
            Ttlv::structure(
                Tag::Attributes,
                vec![
                    Ttlv::text(Tag::CertificateSubjectCN, "leaf.keybridge.test"),
                    Ttlv::text(Tag::CertificateSubjectO, "keybridge"),
                    link(lt::CertificateLink, &ca_.cert_uid),
                    name("leaf certificate"),
                ],
            ),
        ],
    ));
    let cert = certificate(&mut c, &cert_uid);
    let key = public_key(&mut c, &public);
    assert!(
        cert.public_key().unwrap().public_eq(&key),
        "the key certified"
    );
    assert!(cert.verify(&ca_.cert.public_key().unwrap()).unwrap());
    assert!(chains_to(&cert, &ca_.cert), "OpenSSL verifies the chain");
    assert_eq!(common_name(cert.subject_name()), "leaf.keybridge.test");
    assert_eq!(common_name(cert.issuer_name()), "keybridge test CA");
    let serial = cert.serial_number().to_bn().unwrap();
    assert!(!serial.is_negative());
    assert_eq!(serial.num_bytes(), 16);
    let text = String::from_utf8(cert.to_text().unwrap()).unwrap();
    assert!(text.contains("CA:FALSE"), "{text}");
    assert!(text.contains("Digital Signature"), "{text}");
    assert!(text.contains("X509v3 Subject Key Identifier"), "{text}");
    assert!(text.contains("X509v3 Authority Key Identifier"), "{text}");

    // Links: public key -> certificate, certificate -> public key and CA.
    let v = ProtocolVersion::V2_1;
    assert!(links(&mut c, v, &public).contains(&(lt::CertificateLink, cert_uid.clone())));
    let l = links(&mut c, v, &cert_uid);
    assert!(l.contains(&(lt::PublicKeyLink, public.clone())), "{l:?}");
    assert!(
        l.contains(&(lt::CertificateLink, ca_.cert_uid.clone())),
        "{l:?}"
    );
    let st = attribute(&mut c, v, &cert_uid, Tag::State)[0]
        .as_enumeration()
        .unwrap();
    assert_eq!(st, state::Active);
    assert_eq!(
        common::access_ops::locate_by_name(&mut c, "leaf certificate"),
        [cert_uid]
    );
}

#[test]
fn certify_a_pkcs10_request() {
    let server = Server::start();
    let mut c = server.client(ProtocolVersion::V2_1);
    let ca_ = register_ca(&mut c, SIGN, false);
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let req = csr(&key, "csr.keybridge.test");
    // The issuer named by its key this time.
    let cert_uid = uid_of(&ok(
        &mut c,
        op::Certify,
        vec![
            Ttlv::enumeration(Tag::CertificateRequestType, crt::PKCS_10),
            Ttlv::bytes(Tag::CertificateRequestValue, req.to_der().unwrap()),
            Ttlv::structure(
                Tag::Attributes,
                vec![
                    link(lt::PrivateKeyLink, &ca_.key_uid),
                    Ttlv::integer(Tag::CryptographicUsageMask, SIGN | VERIFY),
                ],
            ),
        ],
    ));
    let cert = certificate(&mut c, &cert_uid);
    assert!(cert.public_key().unwrap().public_eq(&key), "the CSR's key");
    assert!(chains_to(&cert, &ca_.cert));
    assert_eq!(common_name(cert.subject_name()), "csr.keybridge.test");
    let text = String::from_utf8(cert.to_text().unwrap()).unwrap();
    assert!(text.contains("CA:FALSE") && text.contains("Digital Signature"));

    // A request whose signature does not verify is refused.
    let other = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut forged = X509ReqBuilder::new().unwrap();
    forged.set_pubkey(&key).unwrap();
    forged.set_subject_name(req.subject_name()).unwrap();
    forged.sign(&other, MessageDigest::sha256()).unwrap();
    let r = call(
        &mut c,
        op::Certify,
        vec![
            Ttlv::enumeration(Tag::CertificateRequestType, crt::PKCS_10),
            Ttlv::bytes(
                Tag::CertificateRequestValue,
                forged.build().to_der().unwrap(),
            ),
            Ttlv::structure(
                Tag::Attributes,
                vec![link(lt::PrivateKeyLink, &ca_.key_uid)],
            ),
        ],
    );
    assert_eq!(r.result_status, rs::OperationFailed, "{r:?}");
}

fn csr(key: &PKey<Private>, cn: &str) -> X509Req {
    let mut n = X509NameBuilder::new().unwrap();
    n.append_entry_by_nid(Nid::COMMONNAME, cn).unwrap();
    let mut b = X509ReqBuilder::new().unwrap();
    b.set_pubkey(key).unwrap();
    b.set_subject_name(&n.build()).unwrap();
    b.sign(key, MessageDigest::sha256()).unwrap();
    b.build()
}

fn certify_request(public: &str, ca_link: Ttlv) -> Vec<Ttlv> {
    vec![
        uid(public),
        Ttlv::structure(
            Tag::Attributes,
            vec![Ttlv::text(Tag::CertificateSubjectCN, "refused"), ca_link],
        ),
    ]
}

fn assert_refused(r: &kmip::message::ResponseItem, reason: u32, what: &str) {
    assert_eq!(r.result_status, rs::OperationFailed, "{what}: {r:?}");
    assert_eq!(r.result_reason, Some(reason), "{what}: {r:?}");
}

#[test]
fn certify_refusals() {
    let server = Server::start();
    let mut c = server.client(ProtocolVersion::V2_1);
    let (_, public) = key_pair(&mut c, "subject");

    let no_sign = register_ca(&mut c, DECRYPT, false);
    let r = call(
        &mut c,
        op::Certify,
        certify_request(&public, link(lt::PrivateKeyLink, &no_sign.key_uid)),
    );
    assert_refused(
        &r,
        rr::IncompatibleCryptographicUsageMask,
        "CA key without Sign",
    );

    let pre_active = register_ca(&mut c, SIGN, true);
    let r = call(
        &mut c,
        op::Certify,
        certify_request(&public, link(lt::CertificateLink, &pre_active.cert_uid)),
    );
    assert_refused(&r, rr::WrongKeyLifecycleState, "CA key not active");

    let good = register_ca(&mut c, SIGN, false);
    let r = call(
        &mut c,
        op::Certify,
        certify_request(
            "00000000-0000-0000-0000-000000000000",
            link(lt::PrivateKeyLink, &good.key_uid),
        ),
    );
    assert_not_found(&r, "unknown public key");

    // Nothing was certified by the refusals: the public key has no
    // Certificate Link yet; the good CA certifies it.
    let v = ProtocolVersion::V2_1;
    assert!(!links(&mut c, v, &public)
        .iter()
        .any(|(t, _)| *t == lt::CertificateLink));
    ok(
        &mut c,
        op::Certify,
        certify_request(&public, link(lt::PrivateKeyLink, &good.key_uid)),
    );
}

#[test]
fn certify_with_a_ca_key_of_another_identity_needs_a_sign_grant() {
    let server = Server::start();
    let mut alice = server.client_as("alice", ProtocolVersion::V2_1);
    let mut bob = server.client_as("bob", ProtocolVersion::V2_1);
    server.admin(&["identity", "add", "bob"], "");
    let ca_ = register_ca(&mut alice, SIGN, false);
    let (_, public) = key_pair(&mut bob, "bob");
    let request = || certify_request(&public, link(lt::PrivateKeyLink, &ca_.key_uid));
    let r = call(&mut bob, op::Certify, request());
    assert_not_found(&r, "alice's CA key without a grant");
    server.admin(&["grant", "add", &ca_.key_uid, "bob", "verify"], "");
    let r = call(&mut bob, op::Certify, request());
    assert_not_found(&r, "alice's CA key with another grant than sign");
    server.admin(&["grant", "add", &ca_.key_uid, "bob", "sign"], "");
    let cert_uid = uid_of(&ok(&mut bob, op::Certify, request()));
    let cert = certificate(&mut bob, &cert_uid);
    assert!(chains_to(&cert, &ca_.cert));
}
