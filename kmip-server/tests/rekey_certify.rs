//! Re-key Key Pair (KMIP 2.1 §6.1.44) and Certify (§6.1.6) over the real
//! server: the new pair signs and OpenSSL verifies it, links both ways, the
//! old pair's attributes carried over with the dates shifted by Offset, in
//! KMIP 2.1 and 1.4 messages; certificates for a keybridge public key and
//! for a PKCS#10 request, checked with OpenSSL against the CA certificate;
//! the refusals.

mod common;

use common::access_ops::{assert_not_found, call, name, now, ok, uid, uid_of, C};
use common::pki::*;
use common::Server;
use kmip::enums::{
    certificate_request_type as crt, cryptographic_algorithm as ca, link_type as lt,
    operation as op, result_reason as rr, result_status as rs, state,
};
use kmip::{ProtocolVersion, Tag, Ttlv};
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::{X509NameBuilder, X509ReqBuilder};

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

/// Re-key Key Pair without a Private Key Unique Identifier re-keys the pair
/// the previous batch item made (the ID Placeholder).
#[test]
fn rekey_key_pair_by_id_placeholder() {
    let server = Server::start();
    let v = ProtocolVersion::V2_1;
    let mut c = server.client(v);
    let create = vec![
        Ttlv::structure(
            Tag::CommonAttributes,
            vec![
                Ttlv::enumeration(Tag::CryptographicAlgorithm, ca::EC),
                Ttlv::integer(Tag::CryptographicLength, 256),
            ],
        ),
        Ttlv::structure(
            Tag::PrivateKeyAttributes,
            vec![Ttlv::integer(Tag::CryptographicUsageMask, SIGN)],
        ),
        Ttlv::structure(
            Tag::PublicKeyAttributes,
            vec![Ttlv::integer(Tag::CryptographicUsageMask, VERIFY)],
        ),
    ];
    let message = common::wire::request(
        v,
        &common::wire::Header::default(),
        vec![(op::CreateKeyPair, create), (op::ReKeyKeyPair, vec![])],
    );
    let items = common::wire::send(&mut c, &message);
    let private = |i: usize| {
        assert_eq!(items[i].result_status, rs::Success, "{:?}", items[i]);
        items[i]
            .payload
            .as_ref()
            .unwrap()
            .child_text(Tag::PrivateKeyUniqueIdentifier)
            .unwrap()
            .to_string()
    };
    let (old, new) = (private(0), private(1));
    assert_ne!(old, new);
    assert!(links(&mut c, v, &new).contains(&(lt::ReplacedObjectLink, old)));
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

/// KMIP 1.4 form: Template-Attribute with X.509 Certificate Subject (a DER
/// Distinguished Name) and a Link to the CA certificate.
#[test]
fn certify_in_kmip_1_4() {
    let server = Server::start();
    let mut c = server.client(ProtocolVersion::V2_1);
    let ca_ = register_ca(&mut c, SIGN, false);
    let (_, public) = key_pair(&mut c, "old-client");
    let mut old_client = server.client(ProtocolVersion::V1_4);
    let mut n = X509NameBuilder::new().unwrap();
    n.append_entry_by_nid(Nid::ORGANIZATIONNAME, "keybridge")
        .unwrap();
    n.append_entry_by_nid(Nid::COMMONNAME, "kmip14.keybridge.test")
        .unwrap();
    let dn = n.build().to_der().unwrap();
    let template = common::wire::template(vec![
        common::wire::attr(
            "X.509 Certificate Subject",
            Ttlv::structure(
                Tag::AttributeValue,
                vec![
                    Ttlv::bytes(Tag::CertificateSubjectDistinguishedName, dn),
                    Ttlv::bytes(Tag::CertificateSubjectAlternativeName, vec![]),
                ],
            ),
        ),
        common::wire::attr("Link", link(lt::CertificateLink, &ca_.cert_uid)),
    ]);
    let cert_uid = uid_of(&ok(
        &mut old_client,
        op::Certify,
        vec![uid(&public), template],
    ));
    let cert = certificate(&mut c, &cert_uid);
    assert!(chains_to(&cert, &ca_.cert));
    assert_eq!(common_name(cert.subject_name()), "kmip14.keybridge.test");
    assert!(cert
        .public_key()
        .unwrap()
        .public_eq(&public_key(&mut c, &public)));
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

    // The same request in PEM.
    let pem_uid = uid_of(&ok(
        &mut c,
        op::Certify,
        vec![
            Ttlv::enumeration(Tag::CertificateRequestType, crt::PEM),
            Ttlv::bytes(Tag::CertificateRequestValue, req.to_pem().unwrap()),
            Ttlv::structure(
                Tag::Attributes,
                vec![link(lt::PrivateKeyLink, &ca_.key_uid)],
            ),
        ],
    ));
    let pem_cert = certificate(&mut c, &pem_uid);
    assert!(chains_to(&pem_cert, &ca_.cert));
    assert_ne!(
        pem_cert.serial_number().to_bn().unwrap(),
        cert.serial_number().to_bn().unwrap(),
        "a new serial number for each certificate"
    );

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
    assert_refused(&r, rr::InvalidField, "a forged Certificate Request");
    assert!(
        r.result_message
            .as_deref()
            .unwrap_or("")
            .contains("does not verify"),
        "{r:?}"
    );
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
