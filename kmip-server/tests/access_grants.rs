//! Grants between identities (certificate CNs) over KMIP, against the real
//! server over mutual TLS with real TTLV: every object operation denied
//! without a grant, allowed with one (direct or through a group), denied
//! again after it is revoked; Locate; partial grants.

mod common;

use common::access_ops::*;
use common::Server;
use kmip::enums::{
    cryptographic_algorithm as ca, cryptographic_usage_mask as um, derivation_method as dm,
    hashing_algorithm as ha, operation as op, result_reason as rr, result_status as rs,
    revocation_reason_code as rrc,
};
use kmip::{Tag, Ttlv};

struct Case {
    grant: &'static str,
    request: Request,
}

fn cases() -> Vec<(&'static str, Case)> {
    let aes = |a: &mut C, pre: bool| {
        create(
            a,
            ca::AES,
            256,
            um::Encrypt | um::Decrypt | um::WrapKey | um::DeriveKey | um::Export,
            "matrix",
            pre,
        )
    };
    vec![
        (
            "Get",
            Case {
                grant: "export",
                request: Box::new(move |a, _| (op::Get, vec![uid(&aes(a, false))])),
            },
        ),
        (
            "Get with Key Wrapping Specification",
            Case {
                grant: "export,wrap",
                request: Box::new(move |a, _| {
                    let target = aes(a, false);
                    let kek = aes(a, false);
                    (
                        op::Get,
                        vec![
                            uid(&target),
                            Ttlv::structure(
                                Tag::KeyWrappingSpecification,
                                vec![
                                    Ttlv::enumeration(Tag::WrappingMethod, 1),
                                    Ttlv::structure(Tag::EncryptionKeyInformation, vec![uid(&kek)]),
                                ],
                            ),
                        ],
                    )
                }),
            },
        ),
        (
            "Encrypt",
            Case {
                grant: "encrypt",
                request: Box::new(move |a, _| {
                    (
                        op::Encrypt,
                        vec![
                            uid(&aes(a, false)),
                            ecb(),
                            Ttlv::bytes(Tag::Data, b"hi".to_vec()),
                        ],
                    )
                }),
            },
        ),
        (
            "Decrypt",
            Case {
                grant: "decrypt",
                request: Box::new(move |a, _| {
                    let k = aes(a, false);
                    let ct = ok(
                        a,
                        op::Encrypt,
                        vec![uid(&k), ecb(), Ttlv::bytes(Tag::Data, b"hi".to_vec())],
                    );
                    let data = ct.child_bytes(Tag::Data).unwrap().to_vec();
                    (
                        op::Decrypt,
                        vec![uid(&k), ecb(), Ttlv::bytes(Tag::Data, data)],
                    )
                }),
            },
        ),
        (
            "MAC",
            Case {
                grant: "sign",
                request: Box::new(|a, _| {
                    let k = create(a, ca::HMAC_SHA256, 256, um::MACGenerate, "mac", false);
                    (
                        op::MAC,
                        vec![uid(&k), hmac(), Ttlv::bytes(Tag::Data, b"m".to_vec())],
                    )
                }),
            },
        ),
        (
            "MAC Verify",
            Case {
                grant: "verify",
                request: Box::new(|a, _| {
                    let k = create(
                        a,
                        ca::HMAC_SHA256,
                        256,
                        um::MACGenerate | um::MACVerify,
                        "mac",
                        false,
                    );
                    let m = ok(
                        a,
                        op::MAC,
                        vec![uid(&k), hmac(), Ttlv::bytes(Tag::Data, b"m".to_vec())],
                    );
                    let mac = m.child_bytes(Tag::MACData).unwrap().to_vec();
                    (
                        op::MACVerify,
                        vec![
                            uid(&k),
                            hmac(),
                            Ttlv::bytes(Tag::Data, b"m".to_vec()),
                            Ttlv::bytes(Tag::MACData, mac),
                        ],
                    )
                }),
            },
        ),
        (
            "Get Attributes",
            Case {
                grant: "get-attributes",
                request: Box::new(move |a, _| (op::GetAttributes, vec![uid(&aes(a, false))])),
            },
        ),
        (
            "Get Attribute List",
            Case {
                grant: "get-attributes",
                request: Box::new(move |a, _| (op::GetAttributeList, vec![uid(&aes(a, false))])),
            },
        ),
        (
            "Check",
            Case {
                grant: "get-attributes",
                request: Box::new(move |a, _| (op::Check, vec![uid(&aes(a, false))])),
            },
        ),
        (
            "Add Attribute",
            Case {
                grant: "modify-attributes",
                request: Box::new(move |a, _| {
                    let k = aes(a, false);
                    (
                        op::AddAttribute,
                        vec![
                            uid(&k),
                            Ttlv::structure(Tag::NewAttribute, vec![name(&format!("alias {k}"))]),
                        ],
                    )
                }),
            },
        ),
        (
            "Set Attribute",
            Case {
                grant: "modify-attributes",
                request: Box::new(move |a, _| {
                    (
                        op::SetAttribute,
                        vec![
                            uid(&aes(a, false)),
                            Ttlv::structure(
                                Tag::NewAttribute,
                                vec![Ttlv::text(Tag::ContactInformation, "ops")],
                            ),
                        ],
                    )
                }),
            },
        ),
        (
            "Activate",
            Case {
                grant: "modify-attributes",
                request: Box::new(move |a, _| (op::Activate, vec![uid(&aes(a, true))])),
            },
        ),
        (
            "Revoke",
            Case {
                grant: "revoke",
                request: Box::new(move |a, _| {
                    (
                        op::Revoke,
                        vec![
                            uid(&aes(a, false)),
                            Ttlv::structure(
                                Tag::RevocationReason,
                                vec![Ttlv::enumeration(
                                    Tag::RevocationReasonCode,
                                    rrc::CessationOfOperation,
                                )],
                            ),
                        ],
                    )
                }),
            },
        ),
        (
            "Destroy",
            Case {
                grant: "destroy",
                request: Box::new(move |a, _| (op::Destroy, vec![uid(&aes(a, true))])),
            },
        ),
        (
            "Re-key",
            Case {
                grant: "rekey",
                request: Box::new(move |a, _| (op::ReKey, vec![uid(&aes(a, false))])),
            },
        ),
        (
            "Derive Key",
            Case {
                grant: "derive",
                request: Box::new(move |a, _| (op::DeriveKey, derive_request(&aes(a, false)))),
            },
        ),
    ]
}

/// Derive Key (HKDF-SHA-256) of a 128-bit AES key from `base`.
fn derive_request(base: &str) -> Vec<Ttlv> {
    vec![
        Ttlv::enumeration(Tag::ObjectType, 2),
        uid(base),
        Ttlv::enumeration(Tag::DerivationMethod, dm::HKDF),
        Ttlv::structure(
            Tag::DerivationParameters,
            vec![
                Ttlv::structure(
                    Tag::CryptographicParameters,
                    vec![Ttlv::enumeration(Tag::HashingAlgorithm, ha::SHA_256)],
                ),
                Ttlv::bytes(Tag::DerivationData, b"info".to_vec()),
            ],
        ),
        Ttlv::structure(
            Tag::Attributes,
            vec![
                Ttlv::enumeration(Tag::CryptographicAlgorithm, ca::AES),
                Ttlv::integer(Tag::CryptographicLength, 128),
            ],
        ),
    ]
}

/// The uids a request names (the object and, for a wrapped Get, its key).
fn uids_in(p: &[Ttlv]) -> Vec<String> {
    fn walk(t: &Ttlv, out: &mut Vec<String>) {
        if t.tag == Tag::UniqueIdentifier {
            if let Ok(s) = t.as_text() {
                out.push(s.to_string());
            }
        }
        if let kmip::Value::Structure(c) = &t.value {
            c.iter().for_each(|x| walk(x, out));
        }
    }
    let mut out = Vec::new();
    p.iter().for_each(|t| walk(t, &mut out));
    out
}

/// Every object operation: bob is refused (as if the object did not exist)
/// without a grant, served with the grant, refused again once it is revoked;
/// the same through a group.
#[test]
fn grant_matrix_over_every_operation() {
    let s = Server::start();
    let mut alice = s.client_as("alice", V);
    let mut bob = s.client_as("bob", V);
    s.admin(&["identity", "add", "bob"], "");
    let mut tried = 0;
    for (what, case) in cases() {
        for via_group in [false, true] {
            let (operation, p) = (case.request)(&mut alice, &mut bob);
            let objects = uids_in(&p);
            let r = call(&mut bob, operation, p.clone());
            assert_not_found(&r, &format!("{what} without a grant"));
            let grantee = if via_group { "matrix-group" } else { "bob" };
            if via_group {
                s.admin(&["identity", "add", "matrix-group", "--group"], "");
                s.admin(&["identity", "join", "matrix-group", "bob"], "");
            }
            for o in &objects {
                s.admin(&["grant", "add", o, grantee, case.grant], "");
            }
            let r = call(&mut bob, operation, p.clone());
            assert_eq!(
                r.result_status,
                rs::Success,
                "{what} with a grant (group: {via_group}): {:?}",
                r.result_message
            );
            if via_group {
                s.admin(&["identity", "leave", "matrix-group", "bob"], "");
            } else {
                for o in &objects {
                    s.admin(&["grant", "revoke", o, grantee], "");
                }
            }
            let r = call(&mut bob, operation, p);
            assert_not_found(
                &r,
                &format!("{what} after the grant went (group: {via_group})"),
            );
            if via_group {
                s.admin(&["identity", "remove", "matrix-group"], "");
            }
            tried += 1;
        }
    }
    assert_eq!(tried, 2 * cases().len());
    // Bob was told "not found"; the audit log says he was denied.
    let log = audit_json(&s, "bob");
    let denied = log
        .iter()
        .filter(|e| e["operation"] == "access.denied")
        .count();
    assert!(denied >= 4 * cases().len(), "{denied} denials logged");
}

#[test]
fn locate_finds_own_and_granted_objects_only() {
    let s = Server::start();
    s.admin(&["identity", "add", "bob"], "");
    let mut alice = s.client_as("alice", V);
    let mut bob = s.client_as("bob", V);
    let k = create(&mut alice, ca::AES, 128, um::Encrypt, "shared-name", false);
    let own = create(&mut bob, ca::AES, 128, um::Encrypt, "shared-name", false);
    assert_eq!(locate_by_name(&mut bob, "shared-name"), vec![own.clone()]);
    // A grant of something else does not make it locatable.
    s.admin(&["grant", "add", &k, "bob", "encrypt"], "");
    assert_eq!(locate_by_name(&mut bob, "shared-name"), vec![own.clone()]);
    s.admin(&["grant", "add", &k, "bob", "locate,encrypt"], "");
    assert_eq!(
        locate_by_name(&mut bob, "shared-name"),
        vec![own.clone(), k.clone()]
    );
    s.admin(&["grant", "revoke", &k, "bob"], "");
    assert_eq!(locate_by_name(&mut bob, "shared-name"), vec![own]);
    // The owner is not affected by any of it.
    assert_eq!(locate_by_name(&mut alice, "shared-name"), vec![k.clone()]);
    let out = s.admin(&["grant", "list", "--object", &k], "");
    assert!(!out.contains("bob"), "{out}");
}

#[test]
fn a_partial_grant_says_what_is_missing() {
    let s = Server::start();
    s.admin(&["identity", "add", "bob"], "");
    let mut alice = s.client_as("alice", V);
    let mut bob = s.client_as("bob", V);
    let k = create(
        &mut alice,
        ca::AES,
        128,
        um::Encrypt | um::Export,
        "k",
        false,
    );
    s.admin(&["grant", "add", &k, "bob", "encrypt"], "");
    let r = call(&mut bob, op::Get, vec![uid(&k)]);
    assert_eq!(r.result_reason, Some(rr::PermissionDenied), "{r:?}");
    assert!(r.result_message.unwrap().contains("export"));
    // A get grant is not enough for a secret's value: it takes export.
    s.admin(&["grant", "add", &k, "bob", "get"], "");
    let r = call(&mut bob, op::Get, vec![uid(&k)]);
    assert_eq!(r.result_reason, Some(rr::PermissionDenied), "{r:?}");
    // Re-key by a grantee: the new key stays in, and belongs to, alice's partition.
    let k2 = create(&mut alice, ca::AES, 128, um::Encrypt, "rk", false);
    s.admin(&["grant", "add", &k2, "bob", "rekey"], "");
    let new = uid_of(&ok(&mut bob, op::ReKey, vec![uid(&k2)]));
    ok(&mut alice, op::GetAttributes, vec![uid(&new)]);
    assert_not_found(
        &call(&mut bob, op::GetAttributes, vec![uid(&new)]),
        "new key",
    );
    // Likewise a key derived by a grantee.
    let base = create(&mut alice, ca::AES, 256, um::DeriveKey, "base", false);
    s.admin(&["grant", "add", &base, "bob", "derive"], "");
    let derived = uid_of(&ok(&mut bob, op::DeriveKey, derive_request(&base)));
    ok(&mut alice, op::GetAttributes, vec![uid(&derived)]);
    assert_not_found(
        &call(&mut bob, op::GetAttributes, vec![uid(&derived)]),
        "derived key",
    );
}
