//! The per-object MFA policy (set over KMIP or with `keybridge key
//! require-mfa`) through the real module: CKA_ALWAYS_AUTHENTICATE, the
//! context-specific login before each use, the one-shot login that arms
//! C_WrapKey / C_UnwrapKey / C_DeriveKey, and the audit entries of those
//! calls and of C_InitToken / C_InitPIN / C_SetPIN. The policy is written
//! with the key store API on the module's store, as the KMIP server does.

mod common;
use common::mfa::*;
use common::*;
use cryptoki::error::RvError;
use cryptoki::mechanism::ekdf::AesCbcDeriveParams;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use cryptoki::types::AuthPin;
use keybridge_pkcs11::keystore::lifecycle;

const P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

fn aes_key(s: &Session, value: &[u8], extra: &[Attribute]) -> ObjectHandle {
    let mut t = vec![
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::AES),
        Attribute::Token(true),
        Attribute::Value(value.to_vec()),
    ];
    t.extend_from_slice(extra);
    s.create_object(&t).unwrap()
}

fn unwrap_template() -> [Attribute; 4] {
    [
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::AES),
        Attribute::Sensitive(false),
        Attribute::Extractable(true),
    ]
}

fn value(s: &Session, o: ObjectHandle) -> Vec<u8> {
    match s
        .get_attributes(o, &[AttributeType::Value])
        .unwrap()
        .as_slice()
    {
        [Attribute::Value(v)] => v.clone(),
        other => panic!("no CKA_VALUE: {other:?}"),
    }
}

/// (result, detail) of the audit entries `operation` on `object`.
fn entries(
    ks: &common::mfa::StoreProxy,
    label: &str,
    op: &str,
    object: &str,
) -> Vec<(String, String)> {
    audit_of(ks, label)
        .into_iter()
        .filter(|r| r.entry.operation == op && r.entry.object.as_deref() == Some(object))
        .map(|r| (r.entry.result, r.entry.detail.unwrap_or_default()))
        .collect()
}

#[test]
fn sign_policy_reports_always_authenticate_and_takes_pin_and_code() {
    let st = Store::new();
    let p = st.pkcs11();
    let ks = key_store(&st);
    let slot = init_token(&p, "policy-sign");
    let s = user_session(&p, slot);
    let (public, private) = s
        .generate_key_pair(
            &Mechanism::EccKeyPairGen,
            &[Attribute::Token(true), Attribute::EcParams(P256.to_vec())],
            &[Attribute::Token(true), Attribute::Sign(true)],
        )
        .unwrap();
    let key_uid = uid(&s, private);
    let data = b"policy";
    // No policy: an ordinary key.
    assert!(!always_authenticate(&s, private));
    s.sign(&Mechanism::EcdsaSha256, private, data).unwrap();

    require_mfa(&st, &ks, "policy-sign", &key_uid, "sign", false);
    let now = lifecycle::now();
    let secret = enroll(&st, &ks, "policy-sign", now);
    assert!(always_authenticate(&s, private));
    // Refused without the context-specific login, and with the PIN alone.
    s.sign_init(&Mechanism::EcdsaSha256, private).unwrap();
    s.sign_update(data).unwrap();
    assert_eq!(rv(s.sign_final()), RvError::UserNotLoggedIn);
    assert_eq!(rv(context_login(&s, USER_PIN)), RvError::PinIncorrect);
    assert_eq!(rv(s.sign_final()), RvError::UserNotLoggedIn);
    // <user PIN><code>: this one signature.
    context_login(&s, &format!("{USER_PIN}{}", code(&secret, now))).unwrap();
    let sig = s.sign_final().unwrap();
    s.verify(&Mechanism::EcdsaSha256, public, data, &sig)
        .unwrap();
    s.sign_init(&Mechanism::EcdsaSha256, private).unwrap();
    assert_eq!(rv(s.sign_final()), RvError::UserNotLoggedIn);

    // The policy names sign only: verification with the public key and a
    // key without a policy are untouched.
    s.verify(&Mechanism::EcdsaSha256, public, data, &sig)
        .unwrap();

    // The KMIP 1.x form (Custom Attribute x-keybridge-mfa-required) holds
    // too, here for decrypt on a secret key (in another session: the
    // refused signature above still waits for its login in this one).
    let s = p.open_rw_session(slot).unwrap();
    let aes = aes_key(
        &s,
        &[3; 32],
        &[Attribute::Encrypt(true), Attribute::Decrypt(true)],
    );
    let aes_uid = uid(&s, aes);
    let cbc = || Mechanism::AesCbcPad([9u8; 16]);
    let ct = s.encrypt(&cbc(), aes, b"secret").unwrap();
    assert!(!always_authenticate(&s, aes));
    require_mfa(&st, &ks, "policy-sign", &aes_uid, "decrypt", true);
    assert!(always_authenticate(&s, aes));
    // Encrypt is not named: no login.
    s.encrypt(&cbc(), aes, b"secret").unwrap();
    s.decrypt_init(&cbc(), aes).unwrap();
    assert_eq!(rv(s.decrypt_final()), RvError::UserNotLoggedIn);
    context_login(&s, &code(&secret, now + 30)).unwrap();
    let mut plain = s.decrypt_update(&ct).unwrap();
    plain.extend(s.decrypt_final().unwrap());
    assert_eq!(plain, b"secret");
    // A policy naming verify holds for the public key too.
    require_mfa(&st, &ks, "policy-sign", &uid(&s, public), "verify", false);
    assert_eq!(
        rv(s.verify(&Mechanism::EcdsaSha256, public, data, &sig)),
        RvError::UserNotLoggedIn
    );

    let signs = entries(&ks, "policy-sign", "sign", &key_uid);
    let ok = signs.iter().filter(|(r, _)| r == "ok").count();
    let refused = signs
        .iter()
        .filter(|(r, _)| r.starts_with("refused"))
        .count();
    assert_eq!((ok, refused), (2, 3), "{signs:?}");
    let verified = entries(&ks, "policy-sign", "mfa.verify", &key_uid);
    assert_eq!(verified.iter().filter(|(r, _)| r == "ok").count(), 1);
}

#[test]
fn wrap_unwrap_and_derive_need_an_armed_context_login_used_once() {
    let st = Store::new();
    let p = st.pkcs11();
    let ks = key_store(&st);
    let label = "policy-keys";
    let slot = init_token(&p, label);
    let s = user_session(&p, slot);
    let other = p.open_rw_session(slot).unwrap();
    let kek = aes_key(
        &s,
        &[1; 16],
        &[Attribute::Wrap(true), Attribute::Unwrap(true)],
    );
    let key = aes_key(
        &s,
        &[2; 16],
        &[Attribute::Extractable(true), Attribute::Derive(true)],
    );
    let plain_base = aes_key(&s, &[4; 16], &[Attribute::Derive(true)]);
    let (kek_uid, key_uid) = (uid(&s, kek), uid(&s, key));
    let wrapped = s.wrap_key(&Mechanism::AesKeyWrap, kek, key).unwrap();
    s.unwrap_key(&Mechanism::AesKeyWrap, kek, &wrapped, &unwrap_template())
        .unwrap();

    require_mfa(&st, &ks, label, &kek_uid, "unwrap", false);
    require_mfa(&st, &ks, label, &key_uid, "get,derive", false);
    assert!(always_authenticate(&s, kek));
    assert!(always_authenticate(&s, key));
    assert!(!always_authenticate(&s, plain_base));

    // C_UnwrapKey with the policy key: refused until a context-specific
    // login (with nothing under way) arms the session; one call only.
    assert_eq!(
        rv(s.unwrap_key(&Mechanism::AesKeyWrap, kek, &wrapped, &unwrap_template())),
        RvError::UserNotLoggedIn
    );
    context_login(&s, USER_PIN).unwrap();
    // Another session of the application is not armed, and does not
    // consume this one's login.
    assert_eq!(
        rv(other.unwrap_key(&Mechanism::AesKeyWrap, kek, &wrapped, &unwrap_template())),
        RvError::UserNotLoggedIn
    );
    let back = s
        .unwrap_key(&Mechanism::AesKeyWrap, kek, &wrapped, &unwrap_template())
        .unwrap();
    assert_eq!(value(&s, back), vec![2; 16]);
    assert_eq!(
        rv(s.unwrap_key(&Mechanism::AesKeyWrap, kek, &wrapped, &unwrap_template())),
        RvError::UserNotLoggedIn
    );
    // A wrong PIN arms nothing.
    assert_eq!(rv(context_login(&s, "000000000")), RvError::PinIncorrect);
    assert_eq!(
        rv(s.unwrap_key(&Mechanism::AesKeyWrap, kek, &wrapped, &unwrap_template())),
        RvError::UserNotLoggedIn
    );

    // C_WrapKey of a key whose policy names get: cryptoki's wrap_key asks
    // for the length first, then wraps; the length query does not use up
    // the login.
    assert_eq!(
        rv(s.wrap_key(&Mechanism::AesKeyWrap, kek, key)),
        RvError::UserNotLoggedIn
    );
    context_login(&s, USER_PIN).unwrap();
    assert_eq!(
        s.wrap_key(&Mechanism::AesKeyWrap, kek, key).unwrap(),
        wrapped
    );
    assert_eq!(
        rv(s.wrap_key(&Mechanism::AesKeyWrap, kek, key)),
        RvError::UserNotLoggedIn
    );

    // A policy naming wrap gates the wrapping key's use.
    let free = aes_key(&s, &[6; 16], &[Attribute::Extractable(true)]);
    s.wrap_key(&Mechanism::AesKeyWrap, kek, free).unwrap();
    require_mfa(&st, &ks, label, &kek_uid, "wrap", false);
    assert_eq!(
        rv(s.wrap_key(&Mechanism::AesKeyWrap, kek, free)),
        RvError::UserNotLoggedIn
    );
    context_login(&s, USER_PIN).unwrap();
    s.wrap_key(&Mechanism::AesKeyWrap, kek, free).unwrap();

    // C_DeriveKey from the policy key; the login is spent by whichever
    // wrap, unwrap or derive comes next, even one that did not need it.
    let derive = |base| {
        s.derive_key(
            &Mechanism::AesCbcEncryptData(AesCbcDeriveParams::new([0u8; 16], &[5u8; 16])),
            base,
            &unwrap_template(),
        )
    };
    assert_eq!(rv(derive(key)), RvError::UserNotLoggedIn);
    context_login(&s, USER_PIN).unwrap();
    derive(key).unwrap();
    assert_eq!(rv(derive(key)), RvError::UserNotLoggedIn);
    context_login(&s, USER_PIN).unwrap();
    derive(plain_base).unwrap();
    assert_eq!(rv(derive(key)), RvError::UserNotLoggedIn);
    // Logging out drops an armed login.
    context_login(&s, USER_PIN).unwrap();
    s.logout().unwrap();
    s.login(
        cryptoki::session::UserType::User,
        Some(&AuthPin::new(USER_PIN.into())),
    )
    .unwrap();
    // (Logging out invalidated the handles of private objects.)
    let key = s
        .find_objects(&[Attribute::UniqueId(key_uid.clone().into_bytes())])
        .unwrap()[0];
    assert_eq!(rv(derive(key)), RvError::UserNotLoggedIn);

    // With a device enrolled the armed login takes a code, once.
    let now = lifecycle::now();
    let secret = enroll(&st, &ks, label, now);
    assert_eq!(rv(context_login(&s, USER_PIN)), RvError::PinIncorrect);
    context_login(&s, &format!("{USER_PIN}{}", code(&secret, now))).unwrap();
    derive(key).unwrap();

    // C_SetPIN: once refused (wrong old PIN), once done.
    let new_pin = "0123456789ab";
    assert_eq!(
        rv(s.set_pin(
            &AuthPin::new("999999999".into()),
            &AuthPin::new(new_pin.into())
        )),
        RvError::PinIncorrect
    );
    s.set_pin(
        &AuthPin::new(USER_PIN.into()),
        &AuthPin::new(new_pin.into()),
    )
    .unwrap();

    // One audit entry per call, with the key, the mechanism and the result.
    let wrap_mech = format!("mechanism {:#x}", cryptoki_sys::CKM_AES_KEY_WRAP);
    let unwraps = entries(&ks, label, "unwrap", &kek_uid);
    let count = |v: &[(String, String)], ok: bool| {
        v.iter()
            .filter(|(r, _)| {
                if ok {
                    r == "ok"
                } else {
                    r.starts_with("refused")
                }
            })
            .count()
    };
    assert_eq!(
        (count(&unwraps, true), count(&unwraps, false)),
        (2, 4),
        "{unwraps:?}"
    );
    assert!(unwraps.iter().all(|(_, d)| *d == wrap_mech), "{unwraps:?}");
    let wraps = entries(&ks, label, "wrap", &key_uid);
    assert_eq!(
        (count(&wraps, true), count(&wraps, false)),
        (2, 2),
        "{wraps:?}"
    );
    let with_kek = format!("{wrap_mech}, wrapping key {kek_uid}");
    assert!(wraps.iter().all(|(_, d)| *d == with_kek), "{wraps:?}");
    let derives = entries(&ks, label, "derive", &key_uid);
    assert_eq!(
        (count(&derives, true), count(&derives, false)),
        (2, 4),
        "{derives:?}"
    );
    let cbc = format!("mechanism {:#x}", cryptoki_sys::CKM_AES_CBC_ENCRYPT_DATA);
    assert!(derives.iter().all(|(_, d)| *d == cbc), "{derives:?}");

    // Token management: C_InitToken, C_InitPIN (init_token), C_SetPIN.
    let log = audit_of(&ks, label);
    let ops = |op: &str| -> Vec<(String, Option<String>)> {
        log.iter()
            .filter(|r| r.entry.operation == op)
            .map(|r| (r.entry.result.clone(), r.entry.detail.clone()))
            .collect()
    };
    assert_eq!(ops("C_InitToken").len(), 1);
    assert_eq!(ops("C_InitToken")[0].0, "ok");
    assert_eq!(
        ops("C_InitPIN"),
        [(
            "ok".to_string(),
            Some("CKU_USER PIN set by CKU_SO".to_string())
        )]
    );
    let set = ops("C_SetPIN");
    assert_eq!(set.len(), 2, "{set:?}");
    assert!(set[0].0.starts_with("refused"), "{set:?}");
    assert_eq!(set[1], ("ok".to_string(), Some("CKU_USER".to_string())));
    // The arming logins say what they are for.
    let armed = log
        .iter()
        .filter(|r| {
            r.entry.operation == "C_Login"
                && r.entry.object.is_none()
                && r.entry.result == "ok"
                && r.entry
                    .detail
                    .as_deref()
                    .is_some_and(|d| d.starts_with("CKU_CONTEXT_SPECIFIC (for the next"))
        })
        .count();
    assert_eq!(armed, 6);
    for r in &log {
        let e = &r.entry;
        let text = format!("{} {:?} {} {:?}", e.operation, e.object, e.result, e.detail);
        for secret_text in [USER_PIN, SO_PIN, new_pin, "999999999"] {
            assert!(!text.contains(secret_text), "secret in {text}");
        }
    }
}

/// Handle of the token object with unique identifier `uid`, if any.
fn find_uid(s: &Session, uid: &str) -> Option<ObjectHandle> {
    s.find_objects(&[Attribute::UniqueId(uid.as_bytes().to_vec())])
        .unwrap()
        .first()
        .copied()
}

fn label_of(s: &Session, o: ObjectHandle) -> Vec<u8> {
    match s
        .get_attributes(o, &[AttributeType::Label])
        .unwrap()
        .as_slice()
    {
        [Attribute::Label(l)] => l.clone(),
        other => panic!("no CKA_LABEL: {other:?}"),
    }
}

#[test]
fn destroy_set_attribute_and_copy_need_an_armed_context_login_when_the_policy_names_them() {
    let st = Store::new();
    let p = st.pkcs11();
    let ks = key_store(&st);
    let label = "policy-manage";
    let slot = init_token(&p, label);
    let s = user_session(&p, slot);
    let other = p.open_rw_session(slot).unwrap();
    let guarded = aes_key(&s, &[1; 16], &[Attribute::Label(b"guarded".to_vec())]);
    let second = aes_key(&s, &[2; 16], &[]);
    let exported = aes_key(
        &s,
        &[3; 16],
        &[Attribute::Extractable(true), Attribute::Sensitive(false)],
    );
    let free = aes_key(&s, &[4; 16], &[]);
    let (guarded_uid, second_uid, exported_uid, free_uid) = (
        uid(&s, guarded),
        uid(&s, second),
        uid(&s, exported),
        uid(&s, free),
    );
    require_mfa(
        &st,
        &ks,
        label,
        &guarded_uid,
        "destroy,modify-attributes",
        false,
    );
    require_mfa(&st, &ks, label, &second_uid, "destroy", true);
    require_mfa(&st, &ks, label, &exported_uid, "export", false);
    let rename = |name: &[u8]| [Attribute::Label(name.to_vec())];
    // Managing is not using: CKA_ALWAYS_AUTHENTICATE stays false.
    assert!(!always_authenticate(&s, guarded));
    assert!(!always_authenticate(&s, second));

    // Reading attributes is never gated (every application lists objects
    // by reading CKA_LABEL, CKA_ID, ...), whatever the policy says.
    require_mfa(&st, &ks, label, &free_uid, "get-attributes", false);
    assert_eq!(label_of(&s, guarded), b"guarded");
    assert_eq!(label_of(&s, free), b"");

    // C_SetAttributeValue: refused until an armed login; one call only;
    // not seen by another session.
    assert_eq!(
        rv(s.update_attributes(guarded, &rename(b"renamed"))),
        RvError::UserNotLoggedIn
    );
    context_login(&s, USER_PIN).unwrap();
    assert_eq!(
        rv(other.update_attributes(guarded, &rename(b"renamed"))),
        RvError::UserNotLoggedIn
    );
    s.update_attributes(guarded, &rename(b"renamed")).unwrap();
    assert_eq!(label_of(&s, guarded), b"renamed");
    assert_eq!(
        rv(s.update_attributes(guarded, &rename(b"again"))),
        RvError::UserNotLoggedIn
    );
    assert_eq!(label_of(&s, guarded), b"renamed");
    // A policy naming destroy only leaves C_SetAttributeValue alone, and
    // objects without a policy (or with get-attributes only) are untouched.
    s.update_attributes(second, &rename(b"second")).unwrap();
    s.update_attributes(free, &rename(b"free")).unwrap();
    let copy = s.copy_object(free, &[]).unwrap();
    s.destroy_object(copy).unwrap();

    // C_CopyObject of a key whose policy names export (or get).
    assert_eq!(rv(s.copy_object(exported, &[])), RvError::UserNotLoggedIn);
    context_login(&s, USER_PIN).unwrap();
    let copy = s.copy_object(exported, &[]).unwrap();
    assert_eq!(value(&s, copy), vec![3; 16]);
    assert_eq!(rv(s.copy_object(exported, &[])), RvError::UserNotLoggedIn);

    // C_DestroyObject: refused without the login, in either session.
    assert_eq!(rv(s.destroy_object(guarded)), RvError::UserNotLoggedIn);
    assert_eq!(rv(other.destroy_object(second)), RvError::UserNotLoggedIn);
    // Logging out drops an armed login.
    context_login(&s, USER_PIN).unwrap();
    s.logout().unwrap();
    s.login(
        cryptoki::session::UserType::User,
        Some(&AuthPin::new(USER_PIN.into())),
    )
    .unwrap();
    let guarded = find_uid(&s, &guarded_uid).unwrap();
    let second = find_uid(&s, &second_uid).unwrap();
    assert_eq!(rv(s.destroy_object(guarded)), RvError::UserNotLoggedIn);

    // With a device enrolled: the PIN alone arms nothing; PIN and code
    // allow one destroy, the next needs a new code.
    let now = lifecycle::now();
    let secret = enroll(&st, &ks, label, now);
    assert_eq!(rv(context_login(&s, USER_PIN)), RvError::PinIncorrect);
    assert_eq!(rv(s.destroy_object(guarded)), RvError::UserNotLoggedIn);
    context_login(&s, &format!("{USER_PIN}{}", code(&secret, now))).unwrap();
    s.destroy_object(guarded).unwrap();
    assert_eq!(find_uid(&s, &guarded_uid), None);
    assert_eq!(rv(s.destroy_object(second)), RvError::UserNotLoggedIn);
    assert!(find_uid(&s, &second_uid).is_some());
    context_login(&s, &code(&secret, now + 30)).unwrap();
    s.destroy_object(second).unwrap();
    assert_eq!(find_uid(&s, &second_uid), None);
    // Without a policy naming destroy, no login.
    let free = find_uid(&s, &free_uid).unwrap();
    s.destroy_object(free).unwrap();

    // One audit entry per call on a key: its identifier and result; the
    // attribute types changed, never their values.
    let count = |v: &[(String, String)], ok: bool| {
        v.iter()
            .filter(|(r, _)| {
                if ok {
                    r == "ok"
                } else {
                    r.starts_with("refused")
                }
            })
            .count()
    };
    let destroys = entries(&ks, label, "destroy", &guarded_uid);
    assert_eq!(
        (count(&destroys, true), count(&destroys, false)),
        (1, 3),
        "{destroys:?}"
    );
    assert!(
        destroys.iter().all(|(_, d)| d == "C_DestroyObject"),
        "{destroys:?}"
    );
    let destroys = entries(&ks, label, "destroy", &second_uid);
    assert_eq!(
        (count(&destroys, true), count(&destroys, false)),
        (1, 2),
        "{destroys:?}"
    );
    assert_eq!(entries(&ks, label, "destroy", &free_uid).len(), 1);
    let modified = entries(&ks, label, "modify-attributes", &guarded_uid);
    assert_eq!(
        (count(&modified, true), count(&modified, false)),
        (1, 3),
        "{modified:?}"
    );
    let label_type = format!("C_SetAttributeValue CKA {:#x}", cryptoki_sys::CKA_LABEL);
    assert!(
        modified.iter().all(|(_, d)| *d == label_type),
        "{modified:?}"
    );
    assert_eq!(
        entries(&ks, label, "modify-attributes", &free_uid),
        [("ok".to_string(), label_type.clone())]
    );
    let copies = entries(&ks, label, "copy", &exported_uid);
    assert_eq!(
        (count(&copies, true), count(&copies, false)),
        (1, 2),
        "{copies:?}"
    );
    for r in audit_of(&ks, label) {
        let e = &r.entry;
        let text = format!("{} {:?} {} {:?}", e.operation, e.object, e.result, e.detail);
        for secret_text in [USER_PIN, "renamed", "again", "guarded"] {
            assert!(!text.contains(secret_text), "value in {text}");
        }
    }
}

#[test]
fn identity_always_mfa_gates_destroying_private_and_secret_keys() {
    let st = Store::new();
    let p = st.pkcs11();
    let ks = key_store(&st);
    let label = "policy-always";
    let slot = init_token(&p, label);
    let s = user_session(&p, slot);
    let (public, private) = s
        .generate_key_pair(
            &Mechanism::EccKeyPairGen,
            &[Attribute::Token(true), Attribute::EcParams(P256.to_vec())],
            &[Attribute::Token(true), Attribute::Sign(true)],
        )
        .unwrap();
    let secret_key = aes_key(&s, &[5; 16], &[]);
    let private_uid = uid(&s, private);
    ks.add_identity(label, false).unwrap();
    ks.set_always_requires_mfa(label, true).unwrap();

    // Public keys are not the identity's secrets: destroyed freely.
    s.destroy_object(public).unwrap();
    // Changing attributes is not gated by the identity's setting.
    s.update_attributes(secret_key, &[Attribute::Label(b"k".to_vec())])
        .unwrap();
    assert_eq!(rv(s.destroy_object(private)), RvError::UserNotLoggedIn);
    assert_eq!(rv(s.destroy_object(secret_key)), RvError::UserNotLoggedIn);
    context_login(&s, USER_PIN).unwrap();
    s.destroy_object(private).unwrap();
    assert_eq!(find_uid(&s, &private_uid), None);
    assert_eq!(rv(s.destroy_object(secret_key)), RvError::UserNotLoggedIn);
    context_login(&s, USER_PIN).unwrap();
    s.destroy_object(secret_key).unwrap();

    let destroys = entries(&ks, label, "destroy", &private_uid);
    assert_eq!(destroys.len(), 2, "{destroys:?}");
    assert!(destroys[0].0.starts_with("refused"), "{destroys:?}");
    assert_eq!(destroys[1].0, "ok");
}
