//! The store file never holds a key in the clear, and any edit of it is
//! detected when the object is read.

mod common;

use common::*;
use keystore::crypto::random::random_secret;
use keystore::lifecycle::{RevocationReason, State, Usage};
use keystore::object::{Attributes, ObjectType};
use keystore::{Error, Filter, PinRole, SecretBytes};
use rusqlite::Connection;

#[test]
fn store_file_and_wal_hold_no_byte_run_of_a_key_value() {
    let fx = Fixture::new();
    let session = fx.unlock();
    let p = session.create_partition("t").unwrap();
    let secret = random_secret(32).unwrap();
    let uid = p.create(aes_attributes("k"), Some(secret.clone())).unwrap();
    // A private key too: the PKCS#8 encoding carries the secret scalar.
    let kp = keystore::crypto::generate::generate_key_pair(
        keystore::crypto::generate::KeyPairSpec::Ec(keystore::object::Curve::P256),
    )
    .unwrap();
    let mut priv_attrs = Attributes::new(ObjectType::PrivateKey, 0);
    priv_attrs.names.push("ec".into());
    p.create(priv_attrs, Some(kp.private_pkcs8.clone()))
        .unwrap();
    let scalar = keystore::crypto::keys::ec_private_scalar(kp.private_pkcs8.expose()).unwrap();

    // Read it back (so it has passed through every layer) while the WAL is live.
    assert_eq!(p.get(&uid).unwrap().value.unwrap(), secret);
    let files = store_files(&fx.db);
    assert!(files.len() > 4096, "store files were read");
    assert!(
        !contains_any_window(&files, secret.expose(), 8),
        "AES key bytes found in store files"
    );
    assert!(
        !contains_any_window(&files, scalar.expose(), 8),
        "EC scalar found in store files"
    );
    let hex_secret = hex::encode(secret.expose());
    assert!(
        !contains_any_window(&files, hex_secret.as_bytes(), 16),
        "hex key found in store files"
    );
    // After a checkpoint the main file alone is checked again.
    drop(p);
    drop(session);
    let files = store_files(&fx.db);
    assert!(!contains_any_window(&files, secret.expose(), 8));
}

#[test]
fn flipped_byte_of_ciphertext_in_the_file_is_an_integrity_error() {
    let fx = Fixture::new();
    let session = fx.unlock();
    let p = session.create_partition("t").unwrap();
    let uid = p
        .create(aes_attributes("k"), Some(random_secret(32).unwrap()))
        .unwrap();
    let wrapped: Vec<u8> = {
        let c = Connection::open(&fx.db).unwrap();
        c.query_row("SELECT value FROM objects WHERE uid = ?1", [&uid], |r| {
            r.get(0)
        })
        .unwrap()
    };
    drop(p);
    drop(session);
    // Fold the WAL into the main file, then edit the file's bytes directly.
    {
        let c = Connection::open(&fx.db).unwrap();
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    let mut bytes = std::fs::read(&fx.db).unwrap();
    let at = bytes
        .windows(wrapped.len())
        .position(|w| w == wrapped.as_slice())
        .expect("wrapped value is in the main file after checkpoint");
    bytes[at + 5] ^= 0x01;
    std::fs::write(&fx.db, &bytes).unwrap();

    let p = fx.unlock().partition("t").unwrap();
    match p.get(&uid) {
        Err(Error::Integrity(msg)) => assert!(msg.contains(&uid), "{msg}"),
        other => panic!("expected an integrity error, got {other:?}"),
    }
}

#[test]
fn swapped_ciphertexts_between_rows_are_detected() {
    let fx = Fixture::new();
    let p = fx.unlock().create_partition("t").unwrap();
    let a = p
        .create(aes_attributes("a"), Some(random_secret(32).unwrap()))
        .unwrap();
    let b = p
        .create(aes_attributes("b"), Some(random_secret(32).unwrap()))
        .unwrap();
    let c = Connection::open(&fx.db).unwrap();
    c.execute_batch(&format!(
        "UPDATE objects SET value = (SELECT value FROM objects WHERE uid = '{b}'),
                            mac = (SELECT mac FROM objects WHERE uid = '{b}') WHERE uid = '{a}'"
    ))
    .unwrap();
    assert!(matches!(p.get(&a), Err(Error::Integrity(_))));
    assert!(p.get(&b).is_ok());
}

#[test]
fn edited_attributes_or_index_columns_are_detected() {
    let fx = Fixture::new();
    let p = fx.unlock().create_partition("t").unwrap();
    let uid = p
        .create(aes_attributes("k"), Some(random_secret(16).unwrap()))
        .unwrap();
    let c = Connection::open(&fx.db).unwrap();
    // Make the key look extractable and non-sensitive.
    c.execute(
        "UPDATE objects SET attributes = replace(attributes, '\"sensitive\":true', '\"sensitive\":false') WHERE uid = ?1",
        [&uid],
    )
    .unwrap();
    let r = p.get(&uid);
    assert!(matches!(r, Err(Error::Integrity(_))), "{r:?}");

    let uid2 = p
        .create(aes_attributes("k2"), Some(random_secret(16).unwrap()))
        .unwrap();
    c.execute("UPDATE objects SET label = 'other' WHERE uid = ?1", [&uid2])
        .unwrap();
    assert!(matches!(p.get(&uid2), Err(Error::Integrity(_))));

    let uid3 = p
        .create(aes_attributes("k3"), Some(random_secret(16).unwrap()))
        .unwrap();
    // Move the row to another partition: it is not visible there, and not here.
    let other = fx.unlock().create_partition("other").unwrap();
    c.execute(
        "UPDATE objects SET partition = ?1 WHERE uid = ?2",
        [other.id(), &uid3],
    )
    .unwrap();
    assert!(matches!(other.get(&uid3), Err(Error::Integrity(_))));
    assert!(matches!(p.get(&uid3), Err(Error::NotFound(_))));
}

#[test]
fn wrong_master_key_is_refused_and_writes_nothing() {
    let fx = Fixture::new();
    fx.unlock().create_partition("t").unwrap();
    let before = std::fs::read(&fx.db).unwrap();
    let other = fx.dir.path().join("other.key");
    let ks = fx.open();
    let err = ks
        .unlock(std::sync::Arc::new(
            keystore::hierarchy::SoftwareMasterKey::from_key_file(&other).unwrap(),
        ))
        .err()
        .unwrap();
    assert!(matches!(err, Error::MasterKey(_)), "{err}");
    assert!(err.to_string().contains("not the master key"));
    drop(ks);
    assert_eq!(std::fs::read(&fx.db).unwrap().len(), before.len());
}

#[test]
fn passphrase_master_key_round_trip() {
    let fx = Fixture::new();
    let ks = fx.open();
    let params = ks.master_kdf_params().unwrap();
    assert_eq!(
        params,
        ks.master_kdf_params().unwrap(),
        "salt is stored once"
    );
    let good = SecretBytes::from_slice(b"a long passphrase");
    let m = keystore::hierarchy::SoftwareMasterKey::from_passphrase(&good, &params).unwrap();
    let uid = {
        let s = ks.unlock(std::sync::Arc::new(m)).unwrap();
        let p = s.create_partition("t").unwrap();
        p.create(aes_attributes("k"), Some(random_secret(32).unwrap()))
            .unwrap()
    };
    let m = keystore::hierarchy::SoftwareMasterKey::from_passphrase(&good, &params).unwrap();
    let s = ks.unlock(std::sync::Arc::new(m)).unwrap();
    assert!(s.partition("t").unwrap().get(&uid).unwrap().value.is_some());
    let bad = keystore::hierarchy::SoftwareMasterKey::from_passphrase(
        &SecretBytes::from_slice(b"wrong"),
        &params,
    )
    .unwrap();
    assert!(matches!(
        ks.unlock(std::sync::Arc::new(bad)),
        Err(Error::MasterKey(_))
    ));
}

#[test]
fn token_made_with_pins_is_adopted_by_the_master_key_holder() {
    let fx = Fixture::new();
    let server = fx.unlock();
    // A PKCS#11 process without the master key creates a token.
    let local = fx.open();
    let so = local
        .create_partition_with_so_pin("tok", &pin("so-pin"), fast_kdf())
        .unwrap();
    local
        .set_pin(&so, PinRole::User, &pin("1234"), fast_kdf())
        .unwrap();
    let user = local.login("tok", PinRole::User, &pin("1234")).unwrap();
    let key = random_secret(32).unwrap();
    let uid = user
        .create(aes_attributes("shared"), Some(key.clone()))
        .unwrap();
    assert!(!local.partition_info("tok").unwrap().adopted);

    // The server opens it through the escrow seal and re-wraps it.
    let seen = server.partition("tok").unwrap();
    assert_eq!(seen.get(&uid).unwrap().value.unwrap(), key);
    assert!(local.partition_info("tok").unwrap().adopted);
    assert_eq!(
        fx.unlock()
            .partition("tok")
            .unwrap()
            .get(&uid)
            .unwrap()
            .value
            .unwrap(),
        key
    );
    // And the PIN still opens it.
    let again = local.login("tok", PinRole::User, &pin("1234")).unwrap();
    assert_eq!(
        again
            .find(&Filter {
                label: Some("shared".into()),
                ..Default::default()
            })
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn creating_a_token_before_the_store_has_a_master_key_is_refused() {
    let fx = Fixture::new();
    let err = fx
        .open()
        .create_partition_with_so_pin("tok", &pin("so"), fast_kdf())
        .err()
        .unwrap();
    assert!(matches!(err, Error::MasterKey(_)), "{err}");
}

#[test]
fn wrong_user_pins_lock_until_reset_by_the_so() {
    let fx = Fixture::new();
    fx.unlock();
    let ks = fx.open();
    let so = ks
        .create_partition_with_so_pin("tok", &pin("so"), fast_kdf())
        .unwrap();
    ks.set_pin(&so, PinRole::User, &pin("1234"), fast_kdf())
        .unwrap();
    for i in 1..keystore::MAX_PIN_FAILURES {
        assert!(
            matches!(
                ks.login("tok", PinRole::User, &pin("0000")),
                Err(Error::PinIncorrect)
            ),
            "try {i}"
        );
        assert_eq!(ks.partition_info("tok").unwrap().user_pin_failures, i);
    }
    assert!(matches!(
        ks.login("tok", PinRole::User, &pin("0000")),
        Err(Error::PinLocked)
    ));
    // Locked: even the right PIN is refused.
    assert!(matches!(
        ks.login("tok", PinRole::User, &pin("1234")),
        Err(Error::PinLocked)
    ));
    // The SO sets a new user PIN, which unlocks it.
    let so = ks
        .login("tok", PinRole::SecurityOfficer, &pin("so"))
        .unwrap();
    ks.set_pin(&so, PinRole::User, &pin("5678"), fast_kdf())
        .unwrap();
    ks.login("tok", PinRole::User, &pin("5678")).unwrap();
    assert_eq!(ks.partition_info("tok").unwrap().user_pin_failures, 0);
}

#[test]
fn a_success_resets_the_failure_count() {
    let fx = Fixture::new();
    fx.unlock();
    let ks = fx.open();
    let so = ks
        .create_partition_with_so_pin("tok", &pin("so"), fast_kdf())
        .unwrap();
    ks.set_pin(&so, PinRole::User, &pin("1234"), fast_kdf())
        .unwrap();
    assert!(ks.login("tok", PinRole::User, &pin("1")).is_err());
    assert!(ks.login("tok", PinRole::User, &pin("2")).is_err());
    ks.login("tok", PinRole::User, &pin("1234")).unwrap();
    assert_eq!(ks.partition_info("tok").unwrap().user_pin_failures, 0);
}

#[test]
fn locked_handle_sees_public_objects_only_and_cannot_write() {
    let fx = Fixture::new();
    let p = fx.unlock().create_partition("t").unwrap();
    let secret = p
        .create(aes_attributes("secret"), Some(random_secret(16).unwrap()))
        .unwrap();
    let mut pub_attrs = Attributes::new(ObjectType::PublicKey, 0);
    pub_attrs.names.push("pub".into());
    let public = p
        .create(
            pub_attrs.clone(),
            Some(SecretBytes::from_slice(b"spki bytes")),
        )
        .unwrap();

    let locked = fx.open().open_public("t").unwrap();
    assert!(!locked.is_unlocked());
    assert!(matches!(locked.get(&secret), Err(Error::NotFound(_))));
    assert_eq!(
        locked.get(&public).unwrap().value.unwrap().expose(),
        b"spki bytes"
    );
    let all = locked.find(&Filter::default()).unwrap();
    assert_eq!(
        all.iter().map(|o| o.uid.as_str()).collect::<Vec<_>>(),
        [public.as_str()]
    );
    assert!(matches!(
        locked.create(pub_attrs, Some(SecretBytes::from_slice(b"x"))),
        Err(Error::PartitionLocked(_))
    ));
    assert!(matches!(
        locked.destroy(&public),
        Err(Error::PartitionLocked(_))
    ));
}

#[test]
fn lifecycle_is_enforced_through_the_store() {
    let fx = Fixture::new();
    let p = fx.unlock().create_partition("t").unwrap();
    let uid = p
        .create(aes_attributes("k"), Some(random_secret(32).unwrap()))
        .unwrap();
    let err = p.use_object(&uid, Usage::Protect).err().unwrap();
    assert!(err.to_string().contains("Pre-Active"), "{err}");
    p.activate(&uid).unwrap();
    p.use_object(&uid, Usage::Protect).unwrap();
    assert!(matches!(
        p.destroy(&uid),
        Err(Error::WrongState {
            state: State::Active,
            ..
        })
    ));
    p.revoke(&uid, RevocationReason::Superseded, None, None)
        .unwrap();
    assert!(p.use_object(&uid, Usage::Protect).is_err());
    p.use_object(&uid, Usage::Process).unwrap();
    p.destroy(&uid).unwrap();
    let gone = p.get(&uid).unwrap();
    assert_eq!(gone.attributes.lifecycle.state, State::Destroyed);
    assert!(gone.value.is_none(), "destroyed objects keep no value");
    assert!(gone.attributes.lifecycle.destroy_date.is_some());
    let raw: Option<Vec<u8>> = Connection::open(&fx.db)
        .unwrap()
        .query_row("SELECT value FROM objects WHERE uid = ?1", [&uid], |r| {
            r.get(0)
        })
        .unwrap();
    assert!(raw.is_none(), "wrapped value erased from the row");
    assert_eq!(
        p.find(&Filter {
            state: Some(State::Destroyed),
            ..Default::default()
        })
        .unwrap()
        .len(),
        1
    );
}

#[test]
fn one_way_attribute_rules_hold() {
    let fx = Fixture::new();
    let p = fx.unlock().create_partition("t").unwrap();
    let mut a = aes_attributes("k");
    a.flags.extractable = false;
    a.flags.never_extractable = true;
    let uid = p.create(a, Some(random_secret(32).unwrap())).unwrap();
    assert!(matches!(
        p.update(&uid, |o| {
            o.attributes.flags.sensitive = false;
            Ok(())
        }),
        Err(Error::NotPermitted(_))
    ));
    assert!(matches!(
        p.update(&uid, |o| {
            o.attributes.flags.extractable = true;
            Ok(())
        }),
        Err(Error::NotPermitted(_))
    ));
    let o = p
        .update(&uid, |o| {
            o.attributes.names[0] = "renamed".into();
            Ok(())
        })
        .unwrap();
    assert_eq!(o.attributes.label(), Some("renamed"));
    assert!(o.attributes.flags.never_extractable && o.attributes.flags.always_sensitive);
    assert_eq!(
        p.find(&Filter {
            label: Some("renamed".into()),
            ..Default::default()
        })
        .unwrap()
        .len(),
        1
    );
    assert!(p
        .find(&Filter {
            label: Some("k".into()),
            ..Default::default()
        })
        .unwrap()
        .is_empty());
}

#[test]
fn delete_removes_and_respects_destroyable() {
    let fx = Fixture::new();
    let p = fx.unlock().create_partition("t").unwrap();
    let uid = p
        .create(aes_attributes("k"), Some(random_secret(32).unwrap()))
        .unwrap();
    p.delete(&uid).unwrap();
    assert!(matches!(p.get(&uid), Err(Error::NotFound(_))));
    let mut a = aes_attributes("keep");
    a.flags.destroyable = false;
    let keep = p.create(a, Some(random_secret(32).unwrap())).unwrap();
    assert!(matches!(p.delete(&keep), Err(Error::NotPermitted(_))));
    assert!(matches!(p.destroy(&keep), Err(Error::NotPermitted(_))));
}

#[test]
fn partitions_do_not_see_each_other() {
    let fx = Fixture::new();
    let s = fx.unlock();
    let a = s.create_partition("a").unwrap();
    let b = s.create_partition("b").unwrap();
    let uid = a
        .create(aes_attributes("k"), Some(random_secret(32).unwrap()))
        .unwrap();
    assert!(matches!(b.get(&uid), Err(Error::NotFound(_))));
    assert!(b.find(&Filter::default()).unwrap().is_empty());
    assert!(matches!(b.destroy(&uid), Err(Error::NotFound(_))));
    assert!(matches!(b.delete(&uid), Err(Error::NotFound(_))));
}

#[test]
fn custom_and_vendor_attributes_survive_storage() {
    use keystore::object::{AttributeValue, CustomAttribute};
    let fx = Fixture::new();
    let p = fx.unlock().create_partition("t").unwrap();
    let mut a = aes_attributes("k");
    a.custom.push(CustomAttribute {
        vendor: None,
        name: "x-VMware-Key".into(),
        value: AttributeValue::TextString("vm-42".into()),
    });
    a.custom.push(CustomAttribute {
        vendor: Some("acme".into()),
        name: "rotation".into(),
        value: AttributeValue::Structure(vec![(0x540001, AttributeValue::Interval(86400))]),
    });
    a.pkcs11_extra.insert(0x8000_1234, vec![0xde, 0xad]);
    let uid = p
        .create(a.clone(), Some(random_secret(32).unwrap()))
        .unwrap();
    let back = fx
        .unlock()
        .partition("t")
        .unwrap()
        .get(&uid)
        .unwrap()
        .attributes;
    assert_eq!(back.custom, a.custom);
    assert_eq!(back.pkcs11_extra, a.pkcs11_extra);
}
