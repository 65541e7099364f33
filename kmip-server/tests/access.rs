//! Access control and one-time passwords over KMIP, against the real server
//! over mutual TLS with real TTLV: grants between identities (certificate
//! CNs) for every object operation, group grants, the Username/Password and
//! One Time Password credentials, OTP replay and lock-out, MFA policies of
//! objects and identities, and their audit records.

mod common;

use common::Server;
use keystore::mfa::{totp, TotpParams};
use kmip::enums::{
    block_cipher_mode as bcm, cryptographic_algorithm as ca, cryptographic_usage_mask as um,
    derivation_method as dm, hashing_algorithm as ha, operation as op, padding_method as pm,
    result_reason as rr, result_status as rs, revocation_reason_code as rrc,
};
use kmip::message::{authentication, otp_credential, password_credential, ResponseItem};
use kmip::{ProtocolVersion, Tag, Ttlv};

type C = kmip::client::Client<openssl::ssl::SslStream<std::net::TcpStream>>;

const V: ProtocolVersion = ProtocolVersion::V2_1;

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn payload(children: Vec<Ttlv>) -> Ttlv {
    Ttlv::structure(Tag::RequestPayload, children)
}

fn call(c: &mut C, operation: u32, p: Vec<Ttlv>) -> ResponseItem {
    c.call(operation, payload(p)).unwrap()
}

fn ok(c: &mut C, operation: u32, p: Vec<Ttlv>) -> Ttlv {
    let r = call(c, operation, p);
    assert_eq!(r.result_status, rs::Success, "{:?}", r.result_message);
    r.payload.unwrap()
}

fn uid(u: &str) -> Ttlv {
    Ttlv::text(Tag::UniqueIdentifier, u)
}

fn uid_of(p: &Ttlv) -> String {
    p.child_text(Tag::UniqueIdentifier).unwrap().to_string()
}

fn name(n: &str) -> Ttlv {
    Ttlv::structure(
        Tag::Name,
        vec![
            Ttlv::text(Tag::NameValue, n),
            Ttlv::enumeration(Tag::NameType, 1),
        ],
    )
}

/// Creates a key as `c`; active unless `pre_active`.
fn create(c: &mut C, alg: u32, bits: i32, mask: u32, label: &str, pre_active: bool) -> String {
    let mut attributes = vec![
        Ttlv::enumeration(Tag::CryptographicAlgorithm, alg),
        Ttlv::integer(Tag::CryptographicLength, bits),
        Ttlv::integer(Tag::CryptographicUsageMask, mask as i32),
        name(label),
    ];
    if !pre_active {
        attributes.push(Ttlv::date_time(Tag::ActivationDate, now() - 60));
    }
    uid_of(&ok(
        c,
        op::Create,
        vec![
            Ttlv::enumeration(Tag::ObjectType, 2),
            Ttlv::structure(Tag::Attributes, attributes),
        ],
    ))
}

fn ecb() -> Ttlv {
    Ttlv::structure(
        Tag::CryptographicParameters,
        vec![
            Ttlv::enumeration(Tag::BlockCipherMode, bcm::ECB),
            Ttlv::enumeration(Tag::PaddingMethod, pm::PKCS5),
        ],
    )
}

fn hmac() -> Ttlv {
    Ttlv::structure(
        Tag::CryptographicParameters,
        vec![Ttlv::enumeration(
            Tag::CryptographicAlgorithm,
            ca::HMAC_SHA256,
        )],
    )
}

fn locate_by_name(c: &mut C, n: &str) -> Vec<String> {
    let p = ok(
        c,
        op::Locate,
        vec![Ttlv::structure(Tag::Attributes, vec![name(n)])],
    );
    p.find_all(Tag::UniqueIdentifier)
        .map(|u| u.as_text().unwrap().to_string())
        .collect()
}

fn assert_not_found(r: &ResponseItem, what: &str) {
    assert_eq!(r.result_status, rs::OperationFailed, "{what}: {r:?}");
    assert_eq!(r.result_reason, Some(rr::ObjectNotFound), "{what}: {r:?}");
}

/// Prepares an object as alice and returns bob's request about it.
type Request = Box<dyn Fn(&mut C, &mut C) -> (u32, Vec<Ttlv>)>;

/// One row of the grant matrix: what alice (the owner) prepares, the
/// request bob sends, and the grant that lets him.
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

fn with_auth(c: &mut C, credentials: Vec<Ttlv>) {
    c.authentication = Some(authentication(credentials));
}

fn audit_json(s: &Server, identity: &str) -> Vec<serde_json::Value> {
    s.admin(&["audit", "show", "--json", "--identity", identity], "")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

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

/// An enrolled, confirmed TOTP device of `who`: its secret and the current
/// step `s0`, confirmed with the codes of s0-2 and s0-1 so that the codes of
/// s0 and s0+1 are the next ones the server accepts.
struct Device {
    secret: Vec<u8>,
    s0: i64,
}

impl Device {
    fn enroll(s: &Server, who: &str) -> Device {
        // Keep clear of a step boundary so the confirmation codes stay valid.
        let into = now() % 30;
        if into > 24 {
            std::thread::sleep(std::time::Duration::from_secs((31 - into) as u64));
        }
        let uri = s.admin(&["mfa", "enroll", who, "--uri-only"], "");
        let d = Device {
            secret: keystore::mfa::secret_from_uri(uri.trim())
                .unwrap()
                .expose()
                .to_vec(),
            s0: now() / 30,
        };
        s.admin(
            &["mfa", "confirm", who, &d.code(d.s0 - 2), &d.code(d.s0 - 1)],
            "",
        );
        d
    }

    fn code(&self, step: i64) -> String {
        totp(&self.secret, step * 30, &TotpParams::default()).unwrap()
    }

    /// A code no step near now has.
    fn wrong(&self) -> String {
        let near: Vec<String> = (self.s0 - 3..=self.s0 + 3).map(|t| self.code(t)).collect();
        (0..1000)
            .map(|i| format!("{:06}", 123_457 + i))
            .find(|c| !near.contains(c))
            .unwrap()
    }
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
