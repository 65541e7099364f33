//! The same PKCS#11 calls on SoftHSM2 and on keybridge, side by side in one
//! process: what one encrypts the other decrypts, what one wraps the other
//! unwraps, what one MACs the other verifies, and the same misuse gets the
//! same return code. Where the two differ and keybridge follows the
//! standard, the test says so and asserts keybridge's behaviour.

use cryptoki::error::RvError;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::mechanism::vendor_defined::VendorDefinedMechanism;
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use softhsm_tests::{import, modules, rv, slot, user_session};

const KEY: [u8; 32] = [
    0x60, 0x3d, 0xeb, 0x10, 0x15, 0xca, 0x71, 0xbe, 0x2b, 0x73, 0xae, 0xf0, 0x85, 0x7d, 0x77, 0x81,
    0x1f, 0x35, 0x2c, 0x07, 0x3b, 0x61, 0x08, 0xd7, 0x2d, 0x98, 0x10, 0xa3, 0x09, 0x14, 0xdf, 0xf4,
];

/// Encrypts on each module and decrypts on the other; `deterministic`
/// modes must also give the same ciphertext on both.
fn cross_crypt(mech: &dyn Fn() -> Mechanism<'static>, data: &[u8], deterministic: bool) {
    let (_g, m) = modules();
    let (a, b) = (user_session(&m.softhsm), user_session(&m.keybridge));
    let (ka, kb) = (
        import(&a, KeyType::AES, &KEY),
        import(&b, KeyType::AES, &KEY),
    );
    let ct_a = a.encrypt(&mech(), ka, data).unwrap();
    let ct_b = b.encrypt(&mech(), kb, data).unwrap();
    if deterministic {
        assert_eq!(ct_a, ct_b, "both modules produce the same ciphertext");
    }
    assert_eq!(
        b.decrypt(&mech(), kb, &ct_a).unwrap(),
        data,
        "keybridge decrypts SoftHSM2's ciphertext"
    );
    assert_eq!(
        a.decrypt(&mech(), ka, &ct_b).unwrap(),
        data,
        "SoftHSM2 decrypts keybridge's ciphertext"
    );
}

const IV: [u8; 16] = [7; 16];

#[test]
fn aes_cbc_across_modules() {
    cross_crypt(&|| Mechanism::AesCbc(IV), &[0x42; 64], true);
}

#[test]
fn aes_cbc_pad_across_modules() {
    cross_crypt(
        &|| Mechanism::AesCbcPad(IV),
        b"not a multiple of sixteen bytes",
        true,
    );
}

#[test]
fn aes_ctr_across_modules() {
    static PARAMS: cryptoki_sys::CK_AES_CTR_PARAMS = cryptoki_sys::CK_AES_CTR_PARAMS {
        ulCounterBits: 128,
        cb: [0xf0; 16],
    };
    cross_crypt(
        &|| {
            Mechanism::VendorDefined(VendorDefinedMechanism::new(
                MechanismType::AES_CTR,
                Some(&PARAMS),
            ))
        },
        b"CTR mode needs no padding: 37 bytes.",
        true,
    );
}

#[test]
fn aes_gcm_across_modules() {
    let (_g, m) = modules();
    let (a, b) = (user_session(&m.softhsm), user_session(&m.keybridge));
    let (ka, kb) = (
        import(&a, KeyType::AES, &KEY),
        import(&b, KeyType::AES, &KEY),
    );
    let aad = b"header";
    let data = b"authenticated and encrypted";
    let mut iv = [9u8; 12];
    let ct_a = a
        .encrypt(
            &Mechanism::AesGcm(GcmParams::new(&mut iv, aad, 128.into()).unwrap()),
            ka,
            data,
        )
        .unwrap();
    let mut iv = [9u8; 12];
    let ct_b = b
        .encrypt(
            &Mechanism::AesGcm(GcmParams::new(&mut iv, aad, 128.into()).unwrap()),
            kb,
            data,
        )
        .unwrap();
    assert_eq!(
        ct_a, ct_b,
        "same key, IV and AAD give the same ciphertext and tag"
    );
    let mut iv = [9u8; 12];
    let back = b
        .decrypt(
            &Mechanism::AesGcm(GcmParams::new(&mut iv, aad, 128.into()).unwrap()),
            kb,
            &ct_a,
        )
        .unwrap();
    assert_eq!(back, data);
    // A flipped tag bit is refused by both, with the same return code.
    let mut bad = ct_a.clone();
    *bad.last_mut().unwrap() ^= 1;
    let mut iv = [9u8; 12];
    let ra = rv(a.decrypt(
        &Mechanism::AesGcm(GcmParams::new(&mut iv, aad, 128.into()).unwrap()),
        ka,
        &bad,
    ));
    let mut iv = [9u8; 12];
    let rb = rv(b.decrypt(
        &Mechanism::AesGcm(GcmParams::new(&mut iv, aad, 128.into()).unwrap()),
        kb,
        &bad,
    ));
    // PKCS#11 3.0 (C_Decrypt) names a ciphertext that fails its check
    // CKR_ENCRYPTED_DATA_INVALID; SoftHSM2 2.6 answers CKR_GENERAL_ERROR.
    assert_eq!(rb, RvError::EncryptedDataInvalid, "keybridge");
    assert!(
        matches!(ra, RvError::EncryptedDataInvalid | RvError::GeneralError),
        "SoftHSM2 {ra:?}"
    );
}

#[test]
fn aes_key_wrap_across_modules() {
    let (_g, m) = modules();
    let (a, b) = (user_session(&m.softhsm), user_session(&m.keybridge));
    let (wa, wb) = (
        import(&a, KeyType::AES, &KEY),
        import(&b, KeyType::AES, &KEY),
    );
    let inner: Vec<u8> = (0u8..32).collect();
    let (ia, ib) = (
        import(&a, KeyType::AES, &inner),
        import(&b, KeyType::AES, &inner),
    );
    let wrapped_a = a.wrap_key(&Mechanism::AesKeyWrap, wa, ia).unwrap();
    let wrapped_b = b.wrap_key(&Mechanism::AesKeyWrap, wb, ib).unwrap();
    assert_eq!(wrapped_a, wrapped_b, "RFC 3394 is deterministic");
    let template = [
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::AES),
        Attribute::Token(false),
        Attribute::Encrypt(true),
        Attribute::Decrypt(true),
    ];
    // Unwrapped on the other side, the key encrypts like the original.
    let ub = b
        .unwrap_key(&Mechanism::AesKeyWrap, wb, &wrapped_a, &template)
        .unwrap();
    let ua = a
        .unwrap_key(&Mechanism::AesKeyWrap, wa, &wrapped_b, &template)
        .unwrap();
    let data = [0x11u8; 32];
    let ct_ua = a.encrypt(&Mechanism::AesCbc(IV), ua, &data).unwrap();
    let ct_ub = b.encrypt(&Mechanism::AesCbc(IV), ub, &data).unwrap();
    let ct_orig = a.encrypt(&Mechanism::AesCbc(IV), ia, &data).unwrap();
    assert_eq!(ct_ua, ct_orig);
    assert_eq!(ct_ub, ct_orig);
    // A corrupted blob is refused by both.
    let mut bad = wrapped_a.clone();
    bad[0] ^= 1;
    let ra = rv(a.unwrap_key(&Mechanism::AesKeyWrap, wa, &bad, &template));
    let rb = rv(b.unwrap_key(&Mechanism::AesKeyWrap, wb, &bad, &template));
    assert_eq!(rb, RvError::WrappedKeyInvalid, "keybridge");
    // SoftHSM2 2.6 answers CKR_GENERAL_ERROR here; PKCS#11 3.0 §5.18.3 has
    // CKR_WRAPPED_KEY_INVALID for a blob that fails its integrity check.
    assert!(
        matches!(ra, RvError::WrappedKeyInvalid | RvError::GeneralError),
        "SoftHSM2 {ra:?}"
    );
}

/// AES key wrap with padding (RFC 5649). PKCS#11 3.0 calls it
/// CKM_AES_KEY_WRAP_KWP (0x210B) and gives 0x210A (CKM_AES_KEY_WRAP_PAD) to
/// PKCS#7 padding + RFC 3394; SoftHSM2 2.6 wraps RFC 5649 under 0x210A and
/// offers no 0x210B. keybridge wraps only under 0x210B and, to take keys from
/// SoftHSM2, unwraps 0x210A in both formats (their integrity check values
/// differ, so a blob opens under the format it was made with only). The
/// cryptoki crate cannot send 0x210B, so this goes one way: SoftHSM2 wraps,
/// keybridge unwraps.
#[test]
fn rfc5649_wrap_from_softhsm_unwraps_in_keybridge() {
    let (_g, m) = modules();
    let (a, b) = (user_session(&m.softhsm), user_session(&m.keybridge));
    let (wa, wb) = (
        import(&a, KeyType::AES, &KEY),
        import(&b, KeyType::AES, &KEY),
    );
    let template = [
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::GENERIC_SECRET),
        Attribute::Token(false),
        Attribute::Sensitive(false),
        Attribute::Extractable(true),
    ];
    let through = |inner: &[u8]| -> (Vec<u8>, Vec<u8>) {
        let ia = import(&a, KeyType::GENERIC_SECRET, inner);
        let wrapped = a.wrap_key(&Mechanism::AesKeyWrapPad, wa, ia).unwrap();
        let ub = b
            .unwrap_key(&Mechanism::AesKeyWrapPad, wb, &wrapped, &template)
            .unwrap();
        let value = match b.get_attributes(ub, &[AttributeType::Value]).unwrap().pop() {
            Some(Attribute::Value(v)) => v,
            other => panic!("{other:?}"),
        };
        // keybridge's module and keystore's own RFC 5649 code agree on the blob.
        let own = keystore::crypto::aes_key_unwrap_pad(&KEY, &wrapped).unwrap();
        assert_eq!(own.expose(), value.as_slice());
        (wrapped, value)
    };
    let key32: Vec<u8> = (1u8..=32).collect();
    let (wrapped, value) = through(&key32);
    assert_eq!(wrapped.len(), 40);
    assert_eq!(value, key32, "a 32-byte key crosses intact");
    // A 20-byte secret: SoftHSM2 2.6 zero-pads it to 24 bytes *before* RFC
    // 5649, so its blob declares 24 bytes (RFC 5649 §3 would declare 20 and
    // let the unwrapper strip the padding). keybridge returns what the blob
    // declares, as RFC 5649 says; the 4 extra bytes are SoftHSM2's.
    let key20: Vec<u8> = (1u8..=20).collect();
    let (_, value) = through(&key20);
    assert_eq!(&value[..20], key20.as_slice());
    assert_eq!(
        &value[20..],
        &[0, 0, 0, 0],
        "SoftHSM2's zero padding, declared in its blob"
    );
}

#[test]
fn hmac_across_modules() {
    let (_g, m) = modules();
    let (a, b) = (user_session(&m.softhsm), user_session(&m.keybridge));
    let secret = [0x0bu8; 32];
    let (ka, kb) = (
        import(&a, KeyType::GENERIC_SECRET, &secret),
        import(&b, KeyType::GENERIC_SECRET, &secret),
    );
    let data = b"Hi There";
    let sa = a.sign(&Mechanism::Sha256Hmac, ka, data).unwrap();
    let sb = b.sign(&Mechanism::Sha256Hmac, kb, data).unwrap();
    assert_eq!(sa, sb);
    b.verify(&Mechanism::Sha256Hmac, kb, data, &sa).unwrap();
    a.verify(&Mechanism::Sha256Hmac, ka, data, &sb).unwrap();
    let mut bad = sa.clone();
    bad[0] ^= 1;
    assert_eq!(
        rv(a.verify(&Mechanism::Sha256Hmac, ka, data, &bad)),
        RvError::SignatureInvalid
    );
    assert_eq!(
        rv(b.verify(&Mechanism::Sha256Hmac, kb, data, &bad)),
        RvError::SignatureInvalid
    );
}

#[test]
fn the_same_misuse_gets_the_same_return_code() {
    let (_g, m) = modules();
    let (a, b) = (user_session(&m.softhsm), user_session(&m.keybridge));
    let (ka, kb) = (
        import(&a, KeyType::AES, &KEY),
        import(&b, KeyType::AES, &KEY),
    );
    // Encrypt without EncryptInit.
    let (ra, rb) = (rv(a.encrypt_update(b"x")), rv(b.encrypt_update(b"x")));
    assert_eq!(
        (ra, rb),
        (
            RvError::OperationNotInitialized,
            RvError::OperationNotInitialized
        )
    );
    // AES-CBC without padding on a length that is not a block multiple.
    let (ra, rb) = (
        rv(a.encrypt(&Mechanism::AesCbc(IV), ka, &[1; 15])),
        rv(b.encrypt(&Mechanism::AesCbc(IV), kb, &[1; 15])),
    );
    assert_eq!(rb, RvError::DataLenRange, "keybridge");
    assert_eq!(ra, rb, "SoftHSM2 {ra:?}");
    // A key without CKA_ENCRYPT.
    let no_encrypt = |s: &Session| {
        s.create_object(&[
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
            Attribute::Token(false),
            Attribute::Value(KEY.to_vec()),
            Attribute::Encrypt(false),
        ])
        .unwrap()
    };
    let (na, nb) = (no_encrypt(&a), no_encrypt(&b));
    let (ra, rb) = (
        rv(a.encrypt(&Mechanism::AesCbc(IV), na, &[0; 16])),
        rv(b.encrypt(&Mechanism::AesCbc(IV), nb, &[0; 16])),
    );
    assert_eq!(
        (ra, rb),
        (
            RvError::KeyFunctionNotPermitted,
            RvError::KeyFunctionNotPermitted
        )
    );
    // The value of a sensitive key.
    let sensitive = |s: &Session| {
        s.create_object(&[
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
            Attribute::Token(false),
            Attribute::Value(KEY.to_vec()),
            Attribute::Sensitive(true),
        ])
        .unwrap()
    };
    let (sa, sb) = (sensitive(&a), sensitive(&b));
    for (s, k) in [(&a, sa), (&b, sb)] {
        // cryptoki reports an unreadable attribute by leaving it out.
        let got = s.get_attributes(k, &[AttributeType::Value]).unwrap();
        assert!(got.is_empty(), "{got:?}");
    }
    // The handle of a destroyed object.
    let (ga, gb) = (
        import(&a, KeyType::AES, &KEY),
        import(&b, KeyType::AES, &KEY),
    );
    a.destroy_object(ga).unwrap();
    b.destroy_object(gb).unwrap();
    let (ra, rb) = (
        rv(a.get_attributes(ga, &[AttributeType::Label])),
        rv(b.get_attributes(gb, &[AttributeType::Label])),
    );
    assert_eq!(
        (ra, rb),
        (RvError::ObjectHandleInvalid, RvError::ObjectHandleInvalid)
    );
    // A wrong PIN.
    let (sa2, sb2) = (
        m.softhsm.open_ro_session(slot(&m.softhsm)).unwrap(),
        m.keybridge.open_ro_session(slot(&m.keybridge)).unwrap(),
    );
    a.logout().unwrap();
    b.logout().unwrap();
    let (ra, rb) = (
        rv(sa2.login(UserType::User, Some(&AuthPin::from("wrong-pin")))),
        rv(sb2.login(UserType::User, Some(&AuthPin::from("wrong-pin")))),
    );
    assert_eq!((ra, rb), (RvError::PinIncorrect, RvError::PinIncorrect));
}

#[test]
fn defaults_of_a_generated_aes_key() {
    let (_g, m) = modules();
    let (a, b) = (user_session(&m.softhsm), user_session(&m.keybridge));
    let template = [
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::AES),
        Attribute::ValueLen(32.into()),
        Attribute::Token(false),
    ];
    let ka = a.generate_key(&Mechanism::AesKeyGen, &template).unwrap();
    let kb = b.generate_key(&Mechanism::AesKeyGen, &template).unwrap();
    let types = [
        AttributeType::Local,
        AttributeType::Modifiable,
        AttributeType::Copyable,
        AttributeType::Destroyable,
        AttributeType::ValueLen,
    ];
    let va = a.get_attributes(ka, &types).unwrap();
    let vb = b.get_attributes(kb, &types).unwrap();
    assert_eq!(va, vb, "defaults both modules agree on");
    // Where they differ, on purpose (PKCS#11 leaves these defaults to the
    // token): keybridge makes a secret key sensitive and private, and
    // extractable so it can still be wrapped — never read — unless the
    // template says CKA_EXTRACTABLE false; SoftHSM2 makes it readable, public
    // and not extractable.
    let differing = [
        AttributeType::Sensitive,
        AttributeType::AlwaysSensitive,
        AttributeType::Private,
        AttributeType::Extractable,
        AttributeType::NeverExtractable,
    ];
    let vb = b.get_attributes(kb, &differing).unwrap();
    assert_eq!(
        vb,
        [
            Attribute::Sensitive(true),
            Attribute::AlwaysSensitive(true),
            Attribute::Private(true),
            Attribute::Extractable(true),
            Attribute::NeverExtractable(false),
        ]
    );
    let va = a.get_attributes(ka, &differing).unwrap();
    assert!(
        va.contains(&Attribute::Sensitive(false)),
        "SoftHSM2 default changed: {va:?}"
    );
    assert!(
        va.contains(&Attribute::Extractable(false)),
        "SoftHSM2 default changed: {va:?}"
    );
}
