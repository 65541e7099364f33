//! Objects and the standard's attribute rules, through the cryptoki crate.

mod common;
use common::*;
use cryptoki::error::RvError;
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass};
use cryptoki::session::UserType;
use cryptoki::types::AuthPin;

fn aes_value(v: &[u8], extra: &[Attribute]) -> Vec<Attribute> {
    let mut t = vec![
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::AES),
        Attribute::Value(v.to_vec()),
    ];
    t.extend_from_slice(extra);
    t
}

#[test]
fn sensitive_values_are_unreadable_and_flags_are_tracked() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "attrs");
    let s = user_session(&p, slot);
    let k = s
        .generate_key(
            &Mechanism::AesKeyGen,
            &[
                Attribute::ValueLen(16.into()),
                Attribute::Token(true),
                Attribute::Sensitive(true),
                Attribute::Extractable(false),
            ],
        )
        .unwrap();
    let r = s.get_attributes(k, &[AttributeType::Value]).unwrap();
    assert!(r.is_empty(), "a sensitive value is not returned: {r:?}");
    let a = s
        .get_attributes(
            k,
            &[
                AttributeType::AlwaysSensitive,
                AttributeType::NeverExtractable,
                AttributeType::Local,
            ],
        )
        .unwrap();
    assert_eq!(
        a,
        vec![
            Attribute::AlwaysSensitive(true),
            Attribute::NeverExtractable(true),
            Attribute::Local(true)
        ]
    );
    // One-way rules.
    assert_eq!(
        rv(s.update_attributes(k, &[Attribute::Sensitive(false)])),
        RvError::AttributeReadOnly
    );
    assert_eq!(
        rv(s.update_attributes(k, &[Attribute::Extractable(true)])),
        RvError::AttributeReadOnly
    );
    assert_eq!(
        rv(s.update_attributes(k, &[Attribute::UniqueId(b"x".to_vec())])),
        RvError::AttributeReadOnly
    );
    assert_eq!(
        rv(s.update_attributes(k, &[Attribute::Local(false)])),
        RvError::AttributeReadOnly
    );
    // An imported, extractable key is never "always sensitive".
    let k2 = s
        .create_object(&aes_value(
            &[7; 16],
            &[Attribute::Sensitive(false), Attribute::Extractable(true)],
        ))
        .unwrap();
    let a = s
        .get_attributes(
            k2,
            &[
                AttributeType::Value,
                AttributeType::AlwaysSensitive,
                AttributeType::ValueLen,
            ],
        )
        .unwrap();
    assert_eq!(
        a,
        vec![
            Attribute::Value(vec![7; 16]),
            Attribute::AlwaysSensitive(false),
            Attribute::ValueLen(16.into())
        ]
    );
    s.update_attributes(k2, &[Attribute::Sensitive(true)])
        .unwrap();
    assert!(s
        .get_attributes(k2, &[AttributeType::Value])
        .unwrap()
        .is_empty());
    let a = s
        .get_attributes(k2, &[AttributeType::AlwaysSensitive])
        .unwrap();
    assert_eq!(
        a,
        vec![Attribute::AlwaysSensitive(false)],
        "never becomes always-sensitive"
    );
    drop(s);
    p.finalize().unwrap();
}

/// CKA_SENSITIVE's defaults: a secret key imported with C_CreateObject is
/// readable unless its template asks otherwise (the caller supplied the
/// value); a generated one, and a key derived from a sensitive one, are
/// not; a derived key from a readable base follows its template.
#[test]
fn sensitive_defaults_of_imported_generated_and_derived_keys() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "defaults");
    let s = user_session(&p, slot);
    let imported = s
        .create_object(&aes_value(&[9; 16], &[Attribute::Derive(true)]))
        .unwrap();
    assert_eq!(
        s.get_attributes(imported, &[AttributeType::Sensitive, AttributeType::Value])
            .unwrap(),
        vec![Attribute::Sensitive(false), Attribute::Value(vec![9; 16])]
    );
    let asked = s
        .create_object(&aes_value(&[9; 16], &[Attribute::Sensitive(true)]))
        .unwrap();
    assert!(s
        .get_attributes(asked, &[AttributeType::Value])
        .unwrap()
        .is_empty());
    let generated = s
        .generate_key(
            &Mechanism::AesKeyGen,
            &[Attribute::ValueLen(16.into()), Attribute::Derive(true)],
        )
        .unwrap();
    assert_eq!(
        s.get_attributes(generated, &[AttributeType::Sensitive])
            .unwrap(),
        vec![Attribute::Sensitive(true)]
    );
    let readable = [
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::GENERIC_SECRET),
        Attribute::Sensitive(false),
        Attribute::Extractable(true),
    ];
    let data = cryptoki::mechanism::misc::KeyDerivationStringData::new(&[1, 2]);
    let from_imported = s
        .derive_key(
            &Mechanism::ConcatenateBaseAndData(data),
            imported,
            &readable,
        )
        .unwrap();
    assert_eq!(
        s.get_attributes(from_imported, &[AttributeType::Value])
            .unwrap(),
        vec![Attribute::Value(vec![
            9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 1, 2
        ])]
    );
    // From a sensitive base, the derived key is sensitive whatever the
    // template says.
    let derived = s.derive_key(
        &Mechanism::ConcatenateBaseAndData(data),
        generated,
        &readable,
    );
    match derived {
        Ok(k) => assert!(s
            .get_attributes(k, &[AttributeType::Value])
            .unwrap()
            .is_empty()),
        Err(e) => assert_eq!(rv::<()>(Err(e)), RvError::TemplateInconsistent),
    }
    drop(s);
    p.finalize().unwrap();
}

#[test]
fn private_objects_are_invisible_before_login_and_unique_id_is_the_store_uid() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "vis");
    let s = user_session(&p, slot);
    let label = Attribute::Label(b"secret".to_vec());
    let k = s
        .generate_key(
            &Mechanism::AesKeyGen,
            &[
                Attribute::ValueLen(32.into()),
                Attribute::Token(true),
                label.clone(),
            ],
        )
        .unwrap();
    let pub_obj = s
        .create_object(&[
            Attribute::Class(ObjectClass::DATA),
            Attribute::Token(true),
            Attribute::Private(false),
            Attribute::Label(b"note".to_vec()),
            Attribute::Value(b"hello".to_vec()),
        ])
        .unwrap();
    let uid = s.get_attributes(k, &[AttributeType::UniqueId]).unwrap();
    match &uid[..] {
        [Attribute::UniqueId(u)] => assert_eq!(u.len(), 36, "a UUID"),
        other => panic!("{other:?}"),
    }
    s.logout().unwrap();
    assert!(s
        .find_objects(std::slice::from_ref(&label))
        .unwrap()
        .is_empty());
    assert_eq!(
        rv(s.get_attributes(k, &[AttributeType::Label])),
        RvError::ObjectHandleInvalid
    );
    let found = s
        .find_objects(&[Attribute::Label(b"note".to_vec())])
        .unwrap();
    assert_eq!(found, vec![pub_obj]);
    let v = s.get_attributes(pub_obj, &[AttributeType::Value]).unwrap();
    assert_eq!(v, vec![Attribute::Value(b"hello".to_vec())]);
    s.login(UserType::User, Some(&AuthPin::new(USER_PIN.into())))
        .unwrap();
    assert_eq!(s.find_objects(&[label]).unwrap().len(), 1);
    drop(s);
    p.finalize().unwrap();
}

#[test]
fn copyable_destroyable_modifiable_are_enforced() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "cdm");
    let s = user_session(&p, slot);
    let k = s
        .create_object(&aes_value(
            &[1; 16],
            &[
                Attribute::Copyable(false),
                Attribute::Destroyable(false),
                Attribute::Modifiable(false),
            ],
        ))
        .unwrap();
    assert_eq!(rv(s.copy_object(k, &[])), RvError::ActionProhibited);
    assert_eq!(rv(s.destroy_object(k)), RvError::ActionProhibited);
    assert_eq!(
        rv(s.update_attributes(k, &[Attribute::Label(b"x".to_vec())])),
        RvError::ActionProhibited
    );
    let k2 = s
        .create_object(&aes_value(&[2; 16], &[Attribute::Label(b"orig".to_vec())]))
        .unwrap();
    let c = s
        .copy_object(
            k2,
            &[Attribute::Label(b"copy".to_vec()), Attribute::Token(true)],
        )
        .unwrap();
    let a = s
        .get_attributes(c, &[AttributeType::Label, AttributeType::Token])
        .unwrap();
    assert_eq!(
        a,
        vec![Attribute::Label(b"copy".to_vec()), Attribute::Token(true)]
    );
    s.destroy_object(c).unwrap();
    assert_eq!(
        rv(s.get_attributes(c, &[AttributeType::Label])),
        RvError::ObjectHandleInvalid
    );
    assert_eq!(
        rv(s.create_object(&aes_value(&[1; 15], &[]))),
        RvError::AttributeValueInvalid
    );
    assert_eq!(
        rv(s.create_object(&[Attribute::KeyType(KeyType::AES)])),
        RvError::TemplateIncomplete
    );
    drop(s);
    p.finalize().unwrap();
}

#[test]
fn allowed_mechanisms_are_enforced() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "allowed");
    let s = user_session(&p, slot);
    let k = s
        .create_object(&aes_value(
            &[3; 16],
            &[Attribute::AllowedMechanisms(vec![MechanismType::AES_ECB])],
        ))
        .unwrap();
    s.encrypt(&Mechanism::AesEcb, k, &[0; 16]).unwrap();
    assert_eq!(
        rv(s.encrypt(&Mechanism::AesCbc([0; 16]), k, &[0; 16])),
        RvError::MechanismInvalid
    );
    let a = s
        .get_attributes(k, &[AttributeType::AllowedMechanisms])
        .unwrap();
    assert_eq!(
        a,
        vec![Attribute::AllowedMechanisms(vec![MechanismType::AES_ECB])]
    );
    drop(s);
    p.finalize().unwrap();
}

#[test]
fn session_objects_die_with_their_session() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "sess");
    let s1 = user_session(&p, slot);
    let s2 = p.open_rw_session(slot).unwrap();
    let k = s1
        .create_object(&aes_value(&[4; 16], &[Attribute::Label(b"tmp".to_vec())]))
        .unwrap();
    assert_eq!(
        s2.find_objects(&[Attribute::Label(b"tmp".to_vec())])
            .unwrap(),
        vec![k]
    );
    drop(s1);
    assert!(s2
        .find_objects(&[Attribute::Label(b"tmp".to_vec())])
        .unwrap()
        .is_empty());
    drop(s2);
    p.finalize().unwrap();
}

#[test]
fn read_only_sessions_cannot_create_token_objects() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "ro");
    let s = p.open_ro_session(slot).unwrap();
    s.login(UserType::User, Some(&AuthPin::new(USER_PIN.into())))
        .unwrap();
    let r = s.create_object(&aes_value(&[5; 16], &[Attribute::Token(true)]));
    assert_eq!(rv(r), RvError::SessionReadOnly);
    s.create_object(&aes_value(&[5; 16], &[Attribute::Token(false)]))
        .unwrap();
    drop(s);
    p.finalize().unwrap();
}

/// Run as a child process by `objects_made_by_another_process_are_found`.
#[test]
fn child_process_creates_a_key() {
    let Some(conf) = std::env::var_os("KB_CHILD_CONF") else {
        return; // only meaningful as the child of the test below
    };
    let p = cryptoki::context::Pkcs11::new(module_path()).unwrap();
    std::env::set_var("KEYBRIDGE_CONF", conf);
    p.initialize(cryptoki::context::CInitializeArgs::new(
        cryptoki::context::CInitializeFlags::OS_LOCKING_OK,
    ))
    .unwrap();
    let slot = p.get_slots_with_token().unwrap().remove(0);
    let s = user_session(&p, slot);
    s.generate_key(
        &Mechanism::AesKeyGen,
        &[
            Attribute::ValueLen(16.into()),
            Attribute::Token(true),
            Attribute::Label(b"from-child".to_vec()),
        ],
    )
    .unwrap();
    drop(s);
    p.finalize().unwrap();
}

#[test]
fn objects_made_by_another_process_are_found() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "multi");
    let s = user_session(&p, slot);
    let status = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_process_creates_a_key", "--nocapture"])
        .env("KB_CHILD_CONF", &st.conf)
        // The child's own harness summary is not a test run of ours; its
        // errors still reach stderr.
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let found = s
        .find_objects(&[Attribute::Label(b"from-child".to_vec())])
        .unwrap();
    assert_eq!(
        found.len(),
        1,
        "the key made by the child process is visible here"
    );
    s.encrypt(&Mechanism::AesEcb, found[0], &[0; 16]).unwrap();
    drop(s);
    p.finalize().unwrap();
}
