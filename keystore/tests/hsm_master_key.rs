//! The store master key held by SoftHSM2: the store works with it, the key
//! never leaves the HSM, and without the HSM the store refuses to open and
//! stays untouched.
//!
//! Needs the `softhsm2` package (installed by test.sh); the test fails, not
//! skips, when it is missing. Everything runs in one test function because
//! SOFTHSM2_CONF is process-wide.

mod common;

use common::*;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass};
use cryptoki::session::UserType;
use cryptoki::types::AuthPin;
use keystore::config::Config;
use keystore::crypto::random::random_secret;
use keystore::hierarchy::MasterKey;
use keystore::hsm::{HsmKeyLocation, IfMissing, Pkcs11MasterKey};
use keystore::{Error, SecretBytes};
use std::path::{Path, PathBuf};

const SOFTHSM: &str = "/usr/lib/softhsm/libsofthsm2.so";
const TOKEN: &str = "kb-master";
const USER_PIN: &str = "hsm-user-pin";
const SO_PIN: &str = "hsm-so-pin";

fn softhsm() -> Pkcs11 {
    let p = Pkcs11::new(SOFTHSM).expect("SoftHSM2 is installed (apt-get install softhsm2)");
    p.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .unwrap();
    p
}

fn init_token(dir: &Path) {
    std::fs::create_dir_all(dir.join("tokens")).unwrap();
    let conf = dir.join("softhsm2.conf");
    std::fs::write(
        &conf,
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            dir.join("tokens").display()
        ),
    )
    .unwrap();
    std::env::set_var("SOFTHSM2_CONF", &conf);
    let p = softhsm();
    let slot = p.get_all_slots().unwrap()[0];
    p.init_token(slot, &AuthPin::from(SO_PIN), TOKEN).unwrap();
    let slot = token_slot(&p);
    let s = p.open_rw_session(slot).unwrap();
    s.login(UserType::So, Some(&AuthPin::from(SO_PIN))).unwrap();
    s.init_pin(&AuthPin::from(USER_PIN)).unwrap();
}

fn token_slot(p: &Pkcs11) -> cryptoki::slot::Slot {
    p.get_slots_with_initialized_token()
        .unwrap()
        .into_iter()
        .find(|s| p.get_token_info(*s).unwrap().label().trim_end() == TOKEN)
        .unwrap()
}

fn config(fx: &Fixture, pin_file: &Path, key_label: &str) -> Config {
    Config::parse(&format!(
        "[store]\npath = \"{}\"\n[master_key]\nsource = \"pkcs11\"\nmodule = \"{SOFTHSM}\"\n\
         token_label = \"{TOKEN}\"\nkey_label = \"{key_label}\"\npin_file = \"{}\"\n",
        fx.db.display(),
        pin_file.display()
    ))
    .unwrap()
}

fn write_private(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

fn store_snapshot(db: &Path) -> Vec<u8> {
    std::fs::read(db).unwrap()
}

#[test]
fn master_key_held_by_softhsm2() {
    let fx = Fixture::new();
    let hsm_dir = fx.dir.path().join("softhsm");
    init_token(&hsm_dir);
    let pin_file = fx.dir.path().join("hsm.pin");
    write_private(&pin_file, &format!("{USER_PIN}\n"));
    let cfg = config(&fx, &pin_file, "kb-smk");

    // 1. A new store binds to a key generated inside the HSM, and serves.
    let secret = random_secret(32).unwrap();
    let uid = {
        let session = cfg.unlock().unwrap();
        let p = session.create_partition("tenant").unwrap();
        p.create(aes_attributes("k"), Some(secret.clone())).unwrap()
    };
    {
        let session = cfg.unlock().unwrap();
        let got = session.partition("tenant").unwrap().get(&uid).unwrap();
        assert_eq!(got.value.unwrap(), secret);
    }

    // 2. The key in the HSM is sensitive and cannot be extracted.
    {
        let p = softhsm();
        let s = p.open_ro_session(token_slot(&p)).unwrap();
        s.login(UserType::User, Some(&AuthPin::from(USER_PIN)))
            .unwrap();
        let keys = s
            .find_objects(&[Attribute::Label(b"kb-smk".to_vec())])
            .unwrap();
        assert_eq!(keys.len(), 1);
        let attrs = s
            .get_attributes(
                keys[0],
                &[AttributeType::Extractable, AttributeType::Sensitive],
            )
            .unwrap();
        assert!(attrs.contains(&Attribute::Extractable(false)), "{attrs:?}");
        assert!(attrs.contains(&Attribute::Sensitive(true)), "{attrs:?}");
        assert!(
            s.get_attributes(keys[0], &[AttributeType::Value])
                .unwrap()
                .is_empty()
                || s.get_attributes(keys[0], &[AttributeType::Value]).is_err()
        );
    }

    // 3. Wrong PIN: refused with a clear message, store untouched.
    let before = store_snapshot(&fx.db);
    let bad_pin = fx.dir.path().join("bad.pin");
    write_private(&bad_pin, "wrong-pin\n");
    let err = config(&fx, &bad_pin, "kb-smk").unlock().err().unwrap();
    assert!(matches!(err, Error::MasterKey(_)), "{err}");
    assert!(err.to_string().contains("PIN is incorrect"), "{err}");
    assert!(
        !err.to_string().contains("wrong-pin"),
        "no PIN in messages: {err}"
    );
    assert_eq!(store_snapshot(&fx.db), before);

    // 4. Missing token: refused, store untouched.
    let missing_token = Config::parse(&format!(
        "[store]\npath = \"{}\"\n[master_key]\nsource = \"pkcs11\"\nmodule = \"{SOFTHSM}\"\n\
             token_label = \"no-such-token\"\npin_file = \"{}\"\n",
        fx.db.display(),
        pin_file.display()
    ))
    .unwrap();
    let err = missing_token.unlock().err().unwrap();
    assert!(
        err.to_string().contains("no initialized token labelled"),
        "{err}"
    );
    assert_eq!(store_snapshot(&fx.db), before);

    // 5. A bound store whose key is not in the HSM does not get a new one.
    let err = config(&fx, &pin_file, "another-label")
        .unlock()
        .err()
        .unwrap();
    assert!(err.to_string().contains("missing from the HSM"), "{err}");
    assert_eq!(store_snapshot(&fx.db), before);

    // 6. A PIN file others can read is refused before the HSM is touched.
    let loose = fx.dir.path().join("loose.pin");
    std::fs::write(&loose, USER_PIN).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(config(&fx, &loose, "kb-smk")
        .unlock()
        .err()
        .unwrap()
        .to_string()
        .contains("chmod 600"));

    // 7. The HSM's AES key wrap with padding is RFC 5649: a partition key
    //    wrapped by SoftHSM2 unwraps with keybridge's own RFC 5649 code
    //    (shown with a throw-away extractable key, never the master key).
    {
        let p = softhsm();
        let s = p.open_rw_session(token_slot(&p)).unwrap();
        s.login(UserType::User, Some(&AuthPin::from(USER_PIN)))
            .unwrap();
        let kek = s
            .generate_key(
                &Mechanism::AesKeyGen,
                &[
                    Attribute::Class(ObjectClass::SECRET_KEY),
                    Attribute::KeyType(KeyType::AES),
                    Attribute::ValueLen(32.into()),
                    Attribute::Token(false),
                    Attribute::Sensitive(false),
                    Attribute::Extractable(true),
                    Attribute::Wrap(true),
                ],
            )
            .unwrap();
        let payload = random_secret(32).unwrap();
        let obj = s
            .create_object(&[
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::GENERIC_SECRET),
                Attribute::Token(false),
                Attribute::Sensitive(false),
                Attribute::Extractable(true),
                Attribute::Value(payload.expose().to_vec()),
            ])
            .unwrap();
        let wrapped = s.wrap_key(&Mechanism::AesKeyWrapPad, kek, obj).unwrap();
        let kek_value = match &s.get_attributes(kek, &[AttributeType::Value]).unwrap()[0] {
            Attribute::Value(v) => v.clone(),
            other => panic!("{other:?}"),
        };
        let unwrapped = keystore::crypto::wrap::aes_key_unwrap_pad(&kek_value, &wrapped).unwrap();
        assert_eq!(unwrapped, payload);
    }

    // 8. An extractable key is refused as a master key.
    {
        let p = softhsm();
        let s = p.open_rw_session(token_slot(&p)).unwrap();
        s.login(UserType::User, Some(&AuthPin::from(USER_PIN)))
            .unwrap();
        s.generate_key(
            &Mechanism::AesKeyGen,
            &[
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::AES),
                Attribute::ValueLen(32.into()),
                Attribute::Token(true),
                Attribute::Extractable(true),
                Attribute::Wrap(true),
                Attribute::Unwrap(true),
                Attribute::Label(b"leaky".to_vec()),
            ],
        )
        .unwrap();
    }
    let location = HsmKeyLocation {
        module: PathBuf::from(SOFTHSM),
        token_label: TOKEN.into(),
        key_label: "leaky".into(),
    };
    let err = Pkcs11MasterKey::open(
        &location,
        &SecretBytes::from_slice(USER_PIN.as_bytes()),
        IfMissing::Fail,
    )
    .err()
    .unwrap();
    assert!(err.to_string().contains("extractable"), "{err}");

    // 9. Wrap/unwrap through the HSM round-trips, and garbage is refused.
    let location = HsmKeyLocation {
        key_label: "kb-smk".into(),
        ..location
    };
    let smk = Pkcs11MasterKey::open(
        &location,
        &SecretBytes::from_slice(USER_PIN.as_bytes()),
        IfMissing::Fail,
    )
    .unwrap();
    let pk = random_secret(32).unwrap();
    let w = smk.wrap(&pk).unwrap();
    assert!(!contains_any_window(&w, pk.expose(), 8));
    assert_eq!(smk.unwrap(&w).unwrap(), pk);
    let mut bad = w.clone();
    bad[3] ^= 1;
    assert!(matches!(smk.unwrap(&bad), Err(Error::MasterKey(_))));
}
