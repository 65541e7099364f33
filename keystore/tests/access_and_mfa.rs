//! Identities, groups and grants (default deny), passwords, and OTP devices
//! kept sealed in the store with single-use codes across processes.

mod common;

use common::*;
use keystore::access::{Operation, Operations};
use keystore::mfa::{totp, TotpParams};
use keystore::{Error, SecretBytes};

#[test]
fn identities_and_groups() {
    let fx = Fixture::new();
    let ks = fx.open();
    ks.add_identity("alice", false).unwrap();
    ks.add_identity("dbas", true).unwrap();
    ks.add_identity("ops", true).unwrap();
    assert!(matches!(
        ks.add_identity("alice", false),
        Err(Error::AlreadyExists(_))
    ));
    assert!(ks.add_identity("", false).is_err());
    assert!(ks.add_identity("bad\nname", false).is_err());
    ks.add_to_group("dbas", "alice").unwrap();
    ks.add_to_group("ops", "dbas").unwrap();
    assert!(matches!(
        ks.add_to_group("alice", "dbas"),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        ks.add_to_group("dbas", "nobody"),
        Err(Error::NotFound(_))
    ));
    assert_eq!(ks.principals("alice").unwrap(), ["alice", "dbas", "ops"]);
    let names: Vec<_> = ks
        .identities()
        .unwrap()
        .into_iter()
        .map(|i| (i.name, i.is_group))
        .collect();
    assert_eq!(
        names,
        [
            ("alice".into(), false),
            ("dbas".into(), true),
            ("ops".into(), true)
        ]
    );
    ks.remove_from_group("dbas", "alice").unwrap();
    assert_eq!(ks.principals("alice").unwrap(), ["alice"]);
    ks.remove_identity("alice").unwrap();
    assert!(matches!(ks.identity("alice"), Err(Error::NotFound(_))));
}

#[test]
fn grants_are_default_deny() {
    let fx = Fixture::new();
    let ks = fx.open();
    for (n, g) in [
        ("alice", false),
        ("bob", false),
        ("carol", false),
        ("readers", true),
    ] {
        ks.add_identity(n, g).unwrap();
    }
    ks.add_to_group("readers", "carol").unwrap();
    let key = "object-1";
    // Owner may do everything; nobody else anything.
    for op in Operation::ALL {
        assert!(ks.is_permitted("alice", key, Some("alice"), op).unwrap());
        assert!(
            !ks.is_permitted("bob", key, Some("alice"), op).unwrap(),
            "{op:?}"
        );
        assert!(
            !ks.is_permitted("carol", key, Some("alice"), op).unwrap(),
            "{op:?}"
        );
    }
    ks.grant(
        key,
        "bob",
        Operations::parse("encrypt,decrypt").unwrap(),
        "alice",
    )
    .unwrap();
    ks.grant(
        key,
        "readers",
        Operations::parse("get-attributes").unwrap(),
        "alice",
    )
    .unwrap();
    for op in Operation::ALL {
        let bob = matches!(op, Operation::Encrypt | Operation::Decrypt);
        assert_eq!(
            ks.is_permitted("bob", key, Some("alice"), op).unwrap(),
            bob,
            "bob {op:?}"
        );
        let carol = op == Operation::GetAttributes;
        assert_eq!(
            ks.is_permitted("carol", key, Some("alice"), op).unwrap(),
            carol,
            "carol {op:?}"
        );
    }
    assert!(!ks
        .is_permitted("bob", "object-2", Some("alice"), Operation::Encrypt)
        .unwrap());
    assert_eq!(
        ks.granted_objects("carol").unwrap(),
        [(
            key.to_string(),
            Operations::parse("get-attributes").unwrap()
        )]
    );
    // Replacing, revoking, and removing the grantee all take effect.
    ks.grant(key, "bob", Operations::parse("decrypt").unwrap(), "alice")
        .unwrap();
    assert!(!ks
        .is_permitted("bob", key, Some("alice"), Operation::Encrypt)
        .unwrap());
    ks.revoke_grant(key, "bob").unwrap();
    assert!(!ks
        .is_permitted("bob", key, Some("alice"), Operation::Decrypt)
        .unwrap());
    assert!(matches!(
        ks.revoke_grant(key, "bob"),
        Err(Error::NotFound(_))
    ));
    ks.remove_identity("readers").unwrap();
    assert!(!ks
        .is_permitted("carol", key, Some("alice"), Operation::GetAttributes)
        .unwrap());
    assert!(ks.grants(Some(key)).unwrap().is_empty());
    assert!(matches!(
        ks.grant(key, "nobody", Operations::parse("all").unwrap(), "alice"),
        Err(Error::NotFound(_))
    ));
    assert!(Operations::parse("get,launch").is_err());
}

#[test]
fn password_credentials() {
    let fx = Fixture::new();
    let ks = fx.open();
    ks.add_identity("svc", false).unwrap();
    let pw = SecretBytes::from_slice(b"correct horse battery");
    assert!(
        matches!(ks.check_password("svc", &pw), Err(Error::PinIncorrect)),
        "no password set"
    );
    assert!(ks
        .set_password("svc", &SecretBytes::from_slice(b"short"))
        .is_err());
    ks.set_password("svc", &pw).unwrap();
    ks.check_password("svc", &pw).unwrap();
    assert!(matches!(
        ks.check_password("svc", &SecretBytes::from_slice(b"wrong password")),
        Err(Error::PinIncorrect)
    ));
    assert!(matches!(
        ks.check_password("nobody", &pw),
        Err(Error::PinIncorrect)
    ));
    let stored = String::from_utf8_lossy(&store_files(&fx.db)).into_owned();
    assert!(
        !stored.contains("correct horse"),
        "password stored in clear"
    );
    assert!(stored.contains("$argon2id$"));
}

fn enrolled(fx: &Fixture) -> (keystore::Partition, Vec<u8>) {
    let p = fx.unlock().create_partition("alice").unwrap();
    let device = p.enroll_otp("alice", TotpParams::default()).unwrap();
    let uri = device.provisioning_uri("keybridge", "alice");
    let secret = keystore::mfa::secret_from_uri(&uri).unwrap();
    (p, secret.expose().to_vec())
}

const NOW: i64 = 1_900_000_000;

fn code(secret: &[u8], t: i64) -> String {
    totp(secret, t, &TotpParams::default()).unwrap()
}

#[test]
fn otp_device_lifecycle_through_the_store() {
    let fx = Fixture::new();
    let (p, secret) = enrolled(&fx);
    assert!(!p.otp_status("alice").unwrap().unwrap().confirmed);
    assert!(
        p.verify_otp("alice", &code(&secret, NOW), NOW).is_err(),
        "not confirmed"
    );
    p.confirm_otp("alice", &code(&secret, NOW - 30), &code(&secret, NOW), NOW)
        .unwrap();
    // A second handle (as another process would have) sees the same state.
    let other = fx.unlock().partition("alice").unwrap();
    assert!(other.otp_status("alice").unwrap().unwrap().confirmed);
    other
        .verify_otp("alice", &code(&secret, NOW + 30), NOW + 30)
        .unwrap();
    let replay = p
        .verify_otp("alice", &code(&secret, NOW + 30), NOW + 30)
        .unwrap_err();
    assert!(replay.to_string().contains("already used"), "{replay}");
    // Failures persist across handles and lock out.
    for _ in 0..keystore::mfa::MAX_FAILURES {
        assert!(other.verify_otp("alice", "000000", NOW + 31).is_err());
    }
    assert!(matches!(
        p.verify_otp("alice", &code(&secret, NOW + 60), NOW + 60),
        Err(Error::PinLocked)
    ));
    assert!(p
        .otp_status("alice")
        .unwrap()
        .unwrap()
        .locked_until
        .is_some());
    // The secret is not in the store files, neither raw nor base32.
    let files = store_files(&fx.db);
    assert!(!contains_any_window(&files, &secret, 8));
    assert!(!contains_any_window(
        &files,
        keystore::mfa::base32(&secret).as_bytes(),
        12
    ));
    // Another partition cannot use it; a disabled device is gone.
    let bob = fx.unlock().create_partition("bob").unwrap();
    assert!(matches!(
        bob.verify_otp("alice", "123456", NOW),
        Err(Error::NotFound(_))
    ));
    p.disable_otp("alice").unwrap();
    assert!(p.otp_status("alice").unwrap().is_none());
}

#[test]
fn racing_requests_with_one_code_succeed_once() {
    let fx = Fixture::new();
    let (p, secret) = enrolled(&fx);
    p.confirm_otp("alice", &code(&secret, NOW - 30), &code(&secret, NOW), NOW)
        .unwrap();
    let c = code(&secret, NOW + 30);
    let handles: Vec<_> = (0..8)
        .map(|_| {
            let (db, mk, c) = (fx.db.clone(), fx.master_file.clone(), c.clone());
            std::thread::spawn(move || {
                let p = unlock(&db, &mk).partition("alice").unwrap();
                p.verify_otp("alice", &c, NOW + 30).is_ok()
            })
        })
        .collect();
    let ok = handles
        .into_iter()
        .map(|h| h.join().unwrap())
        .filter(|ok| *ok)
        .count();
    assert_eq!(ok, 1, "a code must be accepted exactly once");
}

#[test]
fn tampered_device_is_an_integrity_error() {
    let fx = Fixture::new();
    let (p, _) = enrolled(&fx);
    let c = rusqlite::Connection::open(&fx.db).unwrap();
    c.execute(
        "UPDATE otp_devices SET sealed = zeroblob(length(sealed))",
        [],
    )
    .unwrap();
    assert!(matches!(p.otp_status("alice"), Err(Error::Integrity(_))));
}
