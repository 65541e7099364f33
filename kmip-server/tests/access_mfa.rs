//! Credentials and one-time passwords over KMIP, against the real server:
//! Username/Password, the One Time Password credential (replay, lock-out),
//! MFA policies of objects and identities, and their audit records.

mod common;

use common::access_ops::*;
use common::Server;
use kmip::enums::{
    cryptographic_algorithm as ca, cryptographic_usage_mask as um, operation as op,
    result_reason as rr,
};
use kmip::message::{otp_credential, password_credential};
use kmip::{ProtocolVersion, Tag, Ttlv};

#[test]
fn username_and_password_credential() {
    let s = Server::start();
    s.admin(
        &["identity", "add", "carol", "--password-stdin"],
        "carol-secret-pw\n",
    );
    let mut c = s.client_as("carol", V);
    let r = call(&mut c, op::Query, vec![]);
    assert_eq!(
        r.result_reason,
        Some(rr::AuthenticationNotSuccessful),
        "{r:?}"
    );
    assert!(r.result_message.unwrap().contains("password"));
    with_auth(
        &mut c,
        vec![password_credential("carol", Some("wrong-password"))],
    );
    let r = call(&mut c, op::Query, vec![]);
    assert_eq!(
        r.result_reason,
        Some(rr::AuthenticationNotSuccessful),
        "{r:?}"
    );
    with_auth(
        &mut c,
        vec![password_credential("mallory", Some("carol-secret-pw"))],
    );
    let r = call(&mut c, op::Query, vec![]);
    assert_eq!(
        r.result_reason,
        Some(rr::AuthenticationNotSuccessful),
        "{r:?}"
    );
    assert!(r.result_message.unwrap().contains("CN"));
    with_auth(
        &mut c,
        vec![password_credential("carol", Some("carol-secret-pw"))],
    );
    ok(&mut c, op::Query, vec![]);
    create(&mut c, ca::AES, 128, um::Encrypt, "carol-key", false);
    // KMIP 1.x carries the same credential.
    let mut old = s.client_as("carol", ProtocolVersion::V1_2);
    with_auth(
        &mut old,
        vec![password_credential("carol", Some("carol-secret-pw"))],
    );
    ok(&mut old, op::Query, vec![]);
    // An identity without a password needs no credential.
    ok(&mut s.client_as("dan", V), op::Query, vec![]);
    let log = audit_json(&s, "carol");
    let refused: Vec<_> = log
        .iter()
        .filter(|e| e["operation"] == "kmip:authenticate")
        .collect();
    assert_eq!(refused.len(), 3, "{log:?}");
    for e in &refused {
        assert!(e["result"].as_str().unwrap().starts_with("refused"));
        assert!(e["client"].as_str().unwrap().starts_with("127.0.0.1:"));
    }
    let all = s.admin(&["audit", "show", "--json"], "");
    assert!(!all.contains("carol-secret-pw") && !all.contains("wrong-password"));
}

#[test]
fn one_time_password_credential() {
    let s = Server::start();
    let d = Device::enroll(&s, "dave");
    let mut c = s.client_as("dave", V);
    // Accepted once...
    with_auth(&mut c, vec![otp_credential("dave", None, &d.code(d.s0))]);
    ok(&mut c, op::Query, vec![]);
    // ...never twice.
    let r = call(&mut c, op::Query, vec![]);
    assert_eq!(
        r.result_reason,
        Some(rr::AuthenticationNotSuccessful),
        "{r:?}"
    );
    assert!(r.result_message.unwrap().contains("already used"));
    // A wrong code, and a code for someone else's name.
    with_auth(&mut c, vec![otp_credential("dave", None, &d.wrong())]);
    let r = call(&mut c, op::Query, vec![]);
    assert_eq!(
        r.result_reason,
        Some(rr::AuthenticationNotSuccessful),
        "{r:?}"
    );
    assert!(r
        .result_message
        .unwrap()
        .contains("wrong one-time password"));
    with_auth(
        &mut c,
        vec![otp_credential("erin", None, &d.code(d.s0 + 1))],
    );
    let r = call(&mut c, op::Query, vec![]);
    assert_eq!(
        r.result_reason,
        Some(rr::AuthenticationNotSuccessful),
        "{r:?}"
    );
    // Lock-out: with the replay and the wrong code, three more failures make five.
    with_auth(&mut c, vec![otp_credential("dave", None, &d.wrong())]);
    for _ in 0..3 {
        let r = call(&mut c, op::Query, vec![]);
        assert_eq!(
            r.result_reason,
            Some(rr::AuthenticationNotSuccessful),
            "{r:?}"
        );
    }
    with_auth(
        &mut c,
        vec![otp_credential("dave", None, &d.code(d.s0 + 1))],
    );
    let r = call(&mut c, op::Query, vec![]);
    assert_eq!(
        r.result_reason,
        Some(rr::AuthenticationNotSuccessful),
        "{r:?}"
    );
    assert!(
        r.result_message.clone().unwrap().contains("locked"),
        "{r:?}"
    );
    let status = s.admin(&["mfa", "status", "dave"], "");
    assert!(status.contains("locked"), "{status}");
    // The audit log has every MFA event, with the client's address, no code.
    let log = audit_json(&s, "dave");
    let results: Vec<&str> = log
        .iter()
        .filter(|e| e["operation"] == "mfa.verify")
        .map(|e| e["result"].as_str().unwrap())
        .collect();
    assert_eq!(results.first(), Some(&"ok"), "{results:?}");
    assert!(
        results.iter().any(|r| r.contains("already used")),
        "{results:?}"
    );
    assert!(
        results.iter().any(|r| r.contains("wrong code")),
        "{results:?}"
    );
    assert_eq!(results.last(), Some(&"refused: locked"), "{results:?}");
    assert!(log
        .iter()
        .filter(|e| e["operation"] == "mfa.verify")
        .all(|e| e["client"].as_str().unwrap().starts_with("127.0.0.1:")));
    let all = s.admin(&["audit", "show", "--json"], "");
    assert!(!all.contains(&d.code(d.s0)));
    // --since with an RFC 3339 time far ahead shows nothing; seconds-ago shows them.
    assert!(s
        .admin(&["audit", "show", "--since", "2100-01-01T00:00:00Z"], "")
        .trim()
        .is_empty());
    assert!(s
        .admin(
            &["audit", "show", "--since", "600", "--identity", "dave"],
            ""
        )
        .contains("mfa.verify"));
}

#[test]
fn mfa_policy_of_an_object() {
    let s = Server::start();
    let d = Device::enroll(&s, "erin");
    let mut c = s.client_as("erin", V);
    let k = create(
        &mut c,
        ca::AES,
        128,
        um::Encrypt | um::Export,
        "guarded",
        true,
    );
    s.admin(&["key", "require-mfa", &k, "--for", "destroy,get"], "");
    let r = call(&mut c, op::Get, vec![uid(&k)]);
    assert_eq!(r.result_reason, Some(rr::PermissionDenied), "{r:?}");
    assert!(r
        .result_message
        .unwrap()
        .contains("one-time password is required"));
    // What the policy does not name still works without.
    ok(&mut c, op::GetAttributes, vec![uid(&k)]);
    with_auth(&mut c, vec![otp_credential("erin", None, &d.code(d.s0))]);
    ok(&mut c, op::Get, vec![uid(&k)]);
    c.authentication = None;
    let r = call(&mut c, op::Destroy, vec![uid(&k)]);
    assert_eq!(r.result_reason, Some(rr::PermissionDenied), "{r:?}");
    // Set over KMIP as a vendor attribute; removing it needs an OTP too.
    let k2 = create(&mut c, ca::AES, 128, um::Encrypt, "guarded2", false);
    let policy = |v: &str| {
        Ttlv::structure(
            Tag::NewAttribute,
            vec![Ttlv::structure(
                Tag::Attribute,
                vec![
                    Ttlv::text(Tag::VendorIdentification, "keybridge"),
                    Ttlv::text(Tag::AttributeName, "mfa-required"),
                    Ttlv::text(Tag::AttributeValue, v),
                ],
            )],
        )
    };
    ok(&mut c, op::AddAttribute, vec![uid(&k2), policy("encrypt")]);
    let enc = vec![uid(&k2), ecb(), Ttlv::bytes(Tag::Data, b"x".to_vec())];
    let r = call(&mut c, op::Encrypt, enc.clone());
    assert_eq!(r.result_reason, Some(rr::PermissionDenied), "{r:?}");
    let r = call(&mut c, op::AddAttribute, vec![uid(&k2), policy("destroy")]);
    assert_eq!(r.result_reason, Some(rr::PermissionDenied), "{r:?}");
    with_auth(
        &mut c,
        vec![otp_credential("erin", None, &d.code(d.s0 + 1))],
    );
    ok(&mut c, op::Encrypt, enc);
    // A grantee with every permission still may not change the policy.
    s.admin(&["identity", "add", "bob"], "");
    s.admin(&["grant", "add", &k2, "bob", "all"], "");
    let mut bob = s.client_as("bob", V);
    let r = call(
        &mut bob,
        op::AddAttribute,
        vec![uid(&k2), policy("destroy")],
    );
    assert_eq!(r.result_reason, Some(rr::PermissionDenied), "{r:?}");
    // And the grantee is held to the policy as well.
    let r = call(
        &mut bob,
        op::Encrypt,
        vec![uid(&k2), ecb(), Ttlv::bytes(Tag::Data, b"x".to_vec())],
    );
    assert_eq!(r.result_reason, Some(rr::PermissionDenied), "{r:?}");
    // A KMIP 1.x client sets it as the Custom Attribute x-keybridge-mfa-required.
    let mut v14 = s.client_as("erin", ProtocolVersion::V1_4);
    let attr = |n: &str, v: Ttlv| {
        Ttlv::structure(
            Tag::Attribute,
            vec![
                Ttlv::text(Tag::AttributeName, n),
                Ttlv::new(Tag::AttributeValue, v.value),
            ],
        )
    };
    let k3 = uid_of(&ok(
        &mut v14,
        op::Create,
        vec![
            Ttlv::enumeration(Tag::ObjectType, 2),
            Ttlv::structure(
                Tag::TemplateAttribute,
                vec![
                    attr(
                        "Cryptographic Algorithm",
                        Ttlv::enumeration(Tag::CryptographicAlgorithm, ca::AES),
                    ),
                    attr(
                        "Cryptographic Length",
                        Ttlv::integer(Tag::CryptographicLength, 128),
                    ),
                    attr(
                        "Cryptographic Usage Mask",
                        Ttlv::integer(Tag::CryptographicUsageMask, um::Encrypt as i32),
                    ),
                ],
            ),
        ],
    ));
    ok(
        &mut v14,
        op::AddAttribute,
        vec![
            uid(&k3),
            Ttlv::structure(
                Tag::Attribute,
                vec![
                    Ttlv::text(Tag::AttributeName, "x-keybridge-mfa-required"),
                    Ttlv::text(Tag::AttributeValue, "destroy"),
                ],
            ),
        ],
    );
    let r = call(&mut v14, op::Destroy, vec![uid(&k3)]);
    assert_eq!(r.result_reason, Some(rr::PermissionDenied), "{r:?}");
    assert!(r.result_message.unwrap().contains("one-time password"));
    // `--for none` lifts it.
    s.admin(&["key", "require-mfa", &k, "--for", "none"], "");
    c.authentication = None;
    ok(&mut c, op::Destroy, vec![uid(&k)]);
}

#[test]
fn mfa_policy_of_an_identity() {
    let s = Server::start();
    s.admin(&["identity", "add", "frank", "--always-mfa"], "");
    let d = Device::enroll(&s, "frank");
    let mut c = s.client_as("frank", V);
    let r = call(&mut c, op::Query, vec![]);
    assert_eq!(r.result_reason, Some(rr::PermissionDenied), "{r:?}");
    assert!(r
        .result_message
        .unwrap()
        .contains("one-time password is required"));
    with_auth(&mut c, vec![otp_credential("frank", None, &d.code(d.s0))]);
    ok(&mut c, op::Query, vec![]);
    // With a password as well: both factors are checked.
    s.admin(&["identity", "remove", "frank"], "");
    s.admin(
        &[
            "identity",
            "add",
            "frank",
            "--always-mfa",
            "--password-stdin",
        ],
        "frank-password\n",
    );
    let d = Device::enroll(&s, "frank");
    with_auth(
        &mut c,
        vec![otp_credential("frank", Some("not-franks"), &d.code(d.s0))],
    );
    let r = call(&mut c, op::Query, vec![]);
    assert_eq!(
        r.result_reason,
        Some(rr::AuthenticationNotSuccessful),
        "{r:?}"
    );
    with_auth(
        &mut c,
        vec![otp_credential(
            "frank",
            Some("frank-password"),
            &d.code(d.s0),
        )],
    );
    ok(&mut c, op::Query, vec![]);
}
