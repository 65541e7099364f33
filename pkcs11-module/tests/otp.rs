//! One-time passwords in the CKU_CONTEXT_SPECIFIC login, the identity's
//! "always MFA" policy, and the module's audit entries, through the real
//! module with cryptoki. The TOTP device is enrolled with the key store API
//! on the same store file, as `keybridge mfa enroll` does.

mod common;
use common::mfa::*;
use common::*;
use cryptoki::error::RvError;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::Attribute;
use keybridge_pkcs11::keystore::lifecycle;

const P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

#[test]
fn always_authenticate_key_takes_a_one_time_password() {
    let st = Store::new();
    let p = st.pkcs11();
    let ks = key_store(&st);
    let slot = init_token(&p, "otp-signer");
    let s = user_session(&p, slot);
    let (public, private) = s
        .generate_key_pair(
            &Mechanism::EccKeyPairGen,
            &[Attribute::Token(true), Attribute::EcParams(P256.to_vec())],
            &[
                Attribute::Token(true),
                Attribute::Sign(true),
                Attribute::AlwaysAuthenticate(true),
            ],
        )
        .unwrap();
    let key_uid = uid(&s, private);
    let now = lifecycle::now();
    let secret = enroll(&st, &ks, "otp-signer", now);
    let data = b"to be signed";

    // No context-specific login: refused, the operation waits for it.
    s.sign_init(&Mechanism::EcdsaSha256, private).unwrap();
    s.sign_update(data).unwrap();
    assert_eq!(rv(s.sign_final()), RvError::UserNotLoggedIn);
    // With a device enrolled the user PIN alone is not enough (its last six
    // characters are taken as the code, the rest as a wrong PIN).
    assert_eq!(rv(context_login(&s, USER_PIN)), RvError::PinIncorrect);
    assert_eq!(rv(s.sign_final()), RvError::UserNotLoggedIn);
    // <user PIN><current code>: accepted for this one signature.
    let current = code(&secret, now);
    context_login(&s, &format!("{USER_PIN}{current}")).unwrap();
    let sig = s.sign_final().unwrap();
    s.verify(&Mechanism::EcdsaSha256, public, data, &sig)
        .unwrap();

    // The next signature needs a new code: the same one is a replay.
    s.sign_init(&Mechanism::EcdsaSha256, private).unwrap();
    s.sign_update(data).unwrap();
    assert_eq!(rv(context_login(&s, &current)), RvError::PinIncorrect);
    assert_eq!(rv(s.sign_final()), RvError::UserNotLoggedIn);
    // The code alone (the session's login proved the PIN) is accepted too.
    let next = code(&secret, now + 30);
    context_login(&s, &next).unwrap();
    s.sign_final().unwrap();

    // Wrong codes: the replay above was failure 1; the fifth locks the
    // device, after which even a valid code is refused.
    s.sign_init(&Mechanism::EcdsaSha256, private).unwrap();
    let wrong = wrong_code(&secret, now);
    assert_eq!(rv(context_login(&s, &next)), RvError::PinIncorrect); // replay: 1
    for _ in 2..5 {
        assert_eq!(rv(context_login(&s, &wrong)), RvError::PinIncorrect);
    }
    assert_eq!(rv(context_login(&s, &wrong)), RvError::PinLocked); // 5
    assert_eq!(
        rv(context_login(&s, &code(&secret, now + 30))),
        RvError::PinLocked
    );
    assert_eq!(rv(s.sign_final()), RvError::UserNotLoggedIn);
    s.logout().unwrap();

    // The audit log: logins, OTP outcomes and signatures with the key's
    // uid, from this process; never a PIN or a code.
    let log = audit_of(&ks, "otp-signer");
    let pid = format!("pid:{}", std::process::id());
    for r in &log {
        assert_eq!(r.entry.client.as_deref(), Some(pid.as_str()), "{r:?}");
        let e = &r.entry;
        let text = format!(
            "{} {} {:?} {} {:?} {:?}",
            e.identity, e.operation, e.object, e.result, e.client, e.detail
        );
        for secret_text in [USER_PIN, SO_PIN, &current, &next, &wrong] {
            assert!(!text.contains(secret_text), "secret in {text}");
        }
    }
    let entries: Vec<(&str, Option<&str>, &str)> = log
        .iter()
        .map(|r| {
            (
                r.entry.operation.as_str(),
                r.entry.object.as_deref(),
                r.entry.result.as_str(),
            )
        })
        .collect();
    let has = |op: &str, object: Option<&str>, result: &dyn Fn(&str) -> bool| {
        entries
            .iter()
            .filter(|(o, obj, res)| *o == op && *obj == object && result(res))
            .count()
    };
    let k = Some(key_uid.as_str());
    assert_eq!(
        has("C_Login", None, &|r| r == "ok"),
        2,
        "SO and user logins: {entries:?}"
    );
    assert!(log
        .iter()
        .any(|r| r.entry.operation == "C_Login" && r.entry.detail.as_deref() == Some("CKU_USER")));
    // The SO's login ended with its last session (init_token), the user's
    // with C_Logout.
    let logouts: Vec<_> = log
        .iter()
        .filter(|r| r.entry.operation == "C_Logout" && r.entry.result == "ok")
        .map(|r| r.entry.detail.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(logouts, ["CKU_SO (last session closed)", "CKU_USER"]);
    // The PIN-only context login, refused on its PIN part.
    assert_eq!(
        has("C_Login", k, &|r| r.starts_with("refused")),
        1,
        "{entries:?}"
    );
    assert_eq!(has("mfa.verify", k, &|r| r == "ok"), 2, "{entries:?}");
    assert_eq!(
        has("mfa.verify", k, &|r| r.contains("already used")),
        2,
        "{entries:?}"
    );
    assert_eq!(
        has("mfa.verify", k, &|r| r == "refused: wrong code"),
        3,
        "{entries:?}"
    );
    assert_eq!(
        has("mfa.verify", k, &|r| r.contains("locked")),
        2,
        "{entries:?}"
    );
    assert_eq!(has("sign", k, &|r| r == "ok"), 2, "{entries:?}");
    assert_eq!(
        has("sign", k, &|r| r.starts_with("refused")),
        4,
        "{entries:?}"
    );
    for r in &log {
        let detail = r.entry.detail.as_deref();
        match r.entry.operation.as_str() {
            "mfa.verify" => assert_eq!(detail, Some("C_Login CKU_CONTEXT_SPECIFIC")),
            "sign" => assert_eq!(detail, Some("mechanism 0x1044")), // CKM_ECDSA_SHA256
            _ => {}
        }
    }
    // Public-key verification is not a use of anything secret: not logged.
    assert_eq!(has("verify", None, &|_| true), 0);
}

#[test]
fn identity_always_mfa_needs_a_context_login_for_secret_keys() {
    let st = Store::new();
    let p = st.pkcs11();
    let ks = key_store(&st);
    let slot = init_token(&p, "otp-always");
    let s = user_session(&p, slot);
    let key = s
        .generate_key(
            &Mechanism::AesKeyGen,
            &[
                Attribute::Token(true),
                Attribute::ValueLen(32.into()),
                Attribute::Encrypt(true),
                Attribute::Decrypt(true),
            ],
        )
        .unwrap();
    let key_uid = uid(&s, key);
    let iv = [7u8; 16];
    // Without the policy, no context-specific login.
    let ct = s.encrypt(&Mechanism::AesCbcPad(iv), key, b"data").unwrap();
    assert!(!always_authenticate(&s, key));

    ks.add_identity("otp-always", false).unwrap();
    ks.set_always_requires_mfa("otp-always", true).unwrap();
    // Reported on the identity's secret keys, so applications prompt.
    assert!(always_authenticate(&s, key));
    // Every use now needs the login after its Init; without an OTP device
    // it takes the user PIN.
    s.encrypt_init(&Mechanism::AesCbcPad(iv), key).unwrap();
    assert_eq!(rv(s.encrypt_update(b"data")), RvError::UserNotLoggedIn);
    context_login(&s, USER_PIN).unwrap();
    let mut out = s.encrypt_update(b"data").unwrap();
    out.extend(s.encrypt_final().unwrap());
    assert_eq!(out, ct);
    // Refused, the operation stays for the login.
    s.decrypt_init(&Mechanism::AesCbcPad(iv), key).unwrap();
    assert_eq!(rv(s.decrypt_final()), RvError::UserNotLoggedIn);
    context_login(&s, USER_PIN).unwrap();
    let mut plain = s.decrypt_update(&ct).unwrap();
    plain.extend(s.decrypt_final().unwrap());
    assert_eq!(plain, b"data");

    // With a device, the code; one login covers one operation.
    let now = lifecycle::now();
    let secret = enroll(&st, &ks, "otp-always", now);
    s.decrypt_init(&Mechanism::AesCbcPad(iv), key).unwrap();
    context_login(&s, &format!("{USER_PIN}{}", code(&secret, now))).unwrap();
    let mut plain = s.decrypt_update(&ct).unwrap();
    plain.extend(s.decrypt_final().unwrap());
    assert_eq!(plain, b"data");
    s.decrypt_init(&Mechanism::AesCbcPad(iv), key).unwrap();
    assert_eq!(rv(s.decrypt_final()), RvError::UserNotLoggedIn);

    let log = audit_of(&ks, "otp-always");
    let count = |op: &str, result: &dyn Fn(&str) -> bool| {
        log.iter()
            .filter(|r| {
                r.entry.operation == op
                    && r.entry.object.as_deref() == Some(key_uid.as_str())
                    && result(&r.entry.result)
            })
            .count()
    };
    assert_eq!(count("encrypt", &|r| r == "ok"), 2, "{log:#?}");
    assert_eq!(count("encrypt", &|r| r.starts_with("refused")), 1);
    assert_eq!(count("decrypt", &|r| r == "ok"), 2);
    assert_eq!(count("decrypt", &|r| r.starts_with("refused")), 2);
    assert_eq!(count("mfa.verify", &|r| r == "ok"), 1);
    assert_eq!(count("C_Login", &|r| r == "ok"), 2, "PIN context logins");
}
