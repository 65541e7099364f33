//! Key derivation functions through the cryptoki crate: CKM_HKDF_DERIVE and
//! CKM_HKDF_DATA against the RFC 5869 vectors, the SP 800-108 counter and
//! feedback KDFs (PKCS#11 3.0 Current Mechanisms §2.42) against keybridge's
//! core implementation, and the double-pipeline KDF against a reference
//! written here from SP 800-108r1 §4.3 over OpenSSL's HMAC and CMAC.

mod common;
use common::*;
use cryptoki::error::RvError;
use cryptoki::mechanism::hkdf::{HkdfParams, HkdfSalt};
use cryptoki::mechanism::kbkdf::{
    DerivedKey, Endianness, KbkdfCounterFormat, KbkdfDkmLengthFormat, KbkdfDkmLengthMethod,
    KbkdfFeedbackParams, KbkdfParams, PrfDataParam, PrfDataParamType,
};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use keystore::crypto::derive::{sp800_108_counter, sp800_108_feedback};
use keystore::crypto::{DigestAlgorithm, MacAlgorithm};
use std::num::NonZeroUsize;

/// A readable secret key with CKA_DERIVE.
fn base(s: &Session, kt: KeyType, v: &[u8]) -> ObjectHandle {
    s.create_object(&[
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(kt),
        Attribute::Value(v.to_vec()),
        Attribute::Sensitive(false),
        Attribute::Derive(true),
    ])
    .unwrap()
}

fn readable(len: usize) -> Vec<Attribute> {
    vec![
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::GENERIC_SECRET),
        Attribute::ValueLen((len as u64).into()),
        Attribute::Sensitive(false),
        Attribute::Extractable(true),
    ]
}

fn value(s: &Session, k: ObjectHandle) -> Vec<u8> {
    match s
        .get_attributes(k, &[AttributeType::Value])
        .unwrap()
        .remove(0)
    {
        Attribute::Value(v) => v,
        other => panic!("unexpected {other:?}"),
    }
}

fn session() -> (Store, cryptoki::context::Pkcs11, Session) {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "kdf");
    let s = user_session(&p, slot);
    (st, p, s)
}

#[test]
fn mechanism_list_offers_the_kdfs() {
    let (_st, p, _s) = session();
    let slot = p.get_slots_with_token().unwrap()[0];
    let list = p.get_mechanism_list(slot).unwrap();
    for m in [
        MechanismType::HKDF_DERIVE,
        MechanismType::SP800_108_COUNTER_KDF,
        MechanismType::SP800_108_FEEDBACK_KDF,
        MechanismType::SP800_108_DOUBLE_PIPELINE_KDF,
        MechanismType::HKDF_DATA,
    ] {
        assert!(list.contains(&m), "{m} missing");
        assert!(p.get_mechanism_info(slot, m).unwrap().derive());
    }
}

#[test]
fn hkdf_rfc5869_vectors() {
    let (_st, _p, s) = session();
    // RFC 5869 A.1 (SHA-256) and A.3 (SHA-256, no salt, no info).
    let ikm = hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
    let k = base(&s, KeyType::GENERIC_SECRET, &ikm);
    let salt = hex("000102030405060708090a0b0c");
    let info = hex("f0f1f2f3f4f5f6f7f8f9");
    let m = Mechanism::HkdfDerive(HkdfParams::new(
        MechanismType::SHA256,
        Some(HkdfSalt::Data(&salt)),
        Some(&info),
    ));
    let okm = s.derive_key(&m, k, &readable(42)).unwrap();
    assert_eq!(
        value(&s, okm),
        hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    );
    let m = Mechanism::HkdfDerive(HkdfParams::new(
        MechanismType::SHA256,
        Some(HkdfSalt::Null),
        Some(&[]),
    ));
    let okm = s.derive_key(&m, k, &readable(42)).unwrap();
    assert_eq!(
        value(&s, okm),
        hex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")
    );
    // A.1 in two steps: extract only gives the PRK, expand only from it the OKM.
    let m = Mechanism::HkdfDerive(HkdfParams::new(
        MechanismType::SHA256,
        Some(HkdfSalt::Data(&salt)),
        None,
    ));
    let prk = s.derive_key(&m, k, &readable(32)).unwrap();
    assert_eq!(
        value(&s, prk),
        hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")
    );
    s.update_attributes(prk, &[Attribute::Derive(true)])
        .unwrap();
    let m = Mechanism::HkdfDerive(HkdfParams::new(MechanismType::SHA256, None, Some(&info)));
    let okm = s.derive_key(&m, prk, &readable(42)).unwrap();
    assert_eq!(value(&s, okm)[..8], hex("3cb25f25faacd57a"));
    // RFC 5869 A.4 (SHA-1), salt given as a key.
    let ikm = hex("0b0b0b0b0b0b0b0b0b0b0b");
    let k = base(&s, KeyType::GENERIC_SECRET, &ikm);
    let salt_key = base(&s, KeyType::GENERIC_SECRET, &salt);
    let m = Mechanism::HkdfDerive(HkdfParams::new(
        MechanismType::SHA1,
        Some(HkdfSalt::Key(salt_key)),
        Some(&info),
    ));
    let okm = s.derive_key(&m, k, &readable(42)).unwrap();
    assert_eq!(
        value(&s, okm),
        hex("085a01ea1b10f36933068b56efa5ad81a4f14b822f5b091568a9cdd4f155fda2c22e422478d305f3f896")
    );
}

#[test]
fn hkdf_refusals() {
    let (_st, _p, s) = session();
    let k = base(&s, KeyType::GENERIC_SECRET, &[7u8; 32]);
    // Neither extract nor expand.
    let m = Mechanism::HkdfDerive(HkdfParams::new(MechanismType::SHA256, None, None));
    assert_eq!(
        rv(s.derive_key(&m, k, &readable(32))),
        RvError::MechanismParamInvalid
    );
    // A hash that is not a digest mechanism.
    let m = Mechanism::HkdfDerive(HkdfParams::new(
        MechanismType::AES_CBC,
        Some(HkdfSalt::Null),
        Some(&[]),
    ));
    assert_eq!(
        rv(s.derive_key(&m, k, &readable(32))),
        RvError::MechanismParamInvalid
    );
    // Longer than the module's largest derived key (512 bytes).
    let m = Mechanism::HkdfDerive(HkdfParams::new(
        MechanismType::SHA1,
        Some(HkdfSalt::Null),
        Some(&[]),
    ));
    assert_eq!(
        rv(s.derive_key(&m, k, &readable(513))),
        RvError::TemplateInconsistent
    );
    // Sensitivity spreads: a sensitive base gives a sensitive derived key.
    let sk = s
        .create_object(&[
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::GENERIC_SECRET),
            Attribute::Value(vec![9u8; 32]),
            Attribute::Sensitive(true),
            Attribute::Derive(true),
        ])
        .unwrap();
    let m = Mechanism::HkdfDerive(HkdfParams::new(
        MechanismType::SHA256,
        Some(HkdfSalt::Null),
        Some(&[]),
    ));
    let d = s.derive_key(&m, sk, &readable(32)).unwrap();
    assert_eq!(
        s.get_attributes(d, &[AttributeType::Sensitive]).unwrap(),
        vec![Attribute::Sensitive(true)]
    );
}

#[test]
fn sp800_108_counter_and_feedback_match_the_core() {
    let (_st, _p, s) = session();
    let kin = [0x5au8; 32];
    let k = base(&s, KeyType::GENERIC_SECRET, &kin);
    let be32 = KbkdfCounterFormat::new(Endianness::Big, NonZeroUsize::new(32).unwrap());
    let dkm = KbkdfDkmLengthFormat::new(
        KbkdfDkmLengthMethod::SumOfKeys,
        Endianness::Big,
        NonZeroUsize::new(32).unwrap(),
    );
    // Counter mode, HMAC-SHA256: [i]_32 || Label || 0x00 || Context || [L]_32.
    let data = [
        PrfDataParam::new(PrfDataParamType::IterationVariable(Some(&be32))),
        PrfDataParam::new(PrfDataParamType::ByteArray(b"label")),
        PrfDataParam::new(PrfDataParamType::ByteArray(&[0])),
        PrfDataParam::new(PrfDataParamType::ByteArray(b"context")),
        PrfDataParam::new(PrfDataParamType::DkmLength(&dkm)),
    ];
    let m = Mechanism::KbkdfCounter(KbkdfParams::new(MechanismType::SHA256_HMAC, &data, None));
    let d = s.derive_key(&m, k, &readable(48)).unwrap();
    let fixed = [
        b"label".as_slice(),
        &[0],
        b"context",
        &(48u32 * 8).to_be_bytes(),
    ]
    .concat();
    let prf = MacAlgorithm::Hmac(DigestAlgorithm::Sha256);
    let want = sp800_108_counter(prf, &kin, &fixed, 32, 48).unwrap();
    assert_eq!(value(&s, d), want.expose());

    // Feedback mode, AES-CMAC: K(i-1) || [i]_32 || fixed, K(0) = IV.
    let aes = base(&s, KeyType::AES, &[0x11u8; 16]);
    let iv = [0x22u8; 16];
    let data = [
        PrfDataParam::new(PrfDataParamType::IterationVariable(None)),
        PrfDataParam::new(PrfDataParamType::Counter(&be32)),
        PrfDataParam::new(PrfDataParamType::ByteArray(b"fixed input")),
    ];
    let m = Mechanism::KbkdfFeedback(KbkdfFeedbackParams::new(
        MechanismType::AES_CMAC,
        &data,
        Some(&iv),
        None,
    ));
    let d = s.derive_key(&m, aes, &readable(40)).unwrap();
    let want = sp800_108_feedback(
        MacAlgorithm::CmacAes,
        &[0x11u8; 16],
        &iv,
        b"fixed input",
        Some(32),
        40,
    )
    .unwrap();
    assert_eq!(value(&s, d), want.expose());

    // AES-CMAC needs an AES base key.
    let m = Mechanism::KbkdfFeedback(KbkdfFeedbackParams::new(
        MechanismType::AES_CMAC,
        &data,
        Some(&iv),
        None,
    ));
    assert_eq!(
        rv(s.derive_key(&m, k, &readable(40))),
        RvError::KeyTypeInconsistent
    );

    // Layouts outside the standard are refused.
    let bad = [PrfDataParam::new(PrfDataParamType::ByteArray(
        b"no counter",
    ))];
    let m = Mechanism::KbkdfCounter(KbkdfParams::new(MechanismType::SHA256_HMAC, &bad, None));
    assert_eq!(
        rv(s.derive_key(&m, k, &readable(32))),
        RvError::MechanismParamInvalid
    );
    let data = [PrfDataParam::new(PrfDataParamType::IterationVariable(
        Some(&be32),
    ))];
    let m = Mechanism::KbkdfCounter(KbkdfParams::new(MechanismType::AES_CBC, &data, None));
    assert_eq!(
        rv(s.derive_key(&m, k, &readable(32))),
        RvError::MechanismParamInvalid
    );
}

#[test]
fn sp800_108_additional_keys() {
    let (_st, _p, s) = session();
    let kin = [0x77u8; 32];
    let k = base(&s, KeyType::GENERIC_SECRET, &kin);
    let be32 = KbkdfCounterFormat::new(Endianness::Big, NonZeroUsize::new(32).unwrap());
    let data = [
        PrfDataParam::new(PrfDataParamType::IterationVariable(Some(&be32))),
        PrfDataParam::new(PrfDataParamType::ByteArray(b"fixed")),
    ];
    let t2 = readable(40);
    let t3 = readable(32);
    let mut extra = [DerivedKey::new(&t2), DerivedKey::new(&t3)];
    let m = Mechanism::KbkdfCounter(KbkdfParams::new(
        MechanismType::SHA256_HMAC,
        &data,
        Some(&mut extra),
    ));
    let first = s.derive_key(&m, k, &readable(16)).unwrap();
    drop(m);
    // Each key starts on a fresh PRF block: 1, 2-3 and 4 of the stream.
    let prf = MacAlgorithm::Hmac(DigestAlgorithm::Sha256);
    let stream = sp800_108_counter(prf, &kin, b"fixed", 32, 4 * 32).unwrap();
    let st = stream.expose();
    assert_eq!(value(&s, first), &st[..16]);
    let second = extra[0].handle().expect("second key handle");
    let third = extra[1].handle().expect("third key handle");
    assert_eq!(value(&s, second), &st[32..72]);
    assert_eq!(value(&s, third), &st[96..128]);
}

#[test]
fn kdf_keys_carry_only_the_usages_asked_for() {
    let (_st, _p, s) = session();
    let k = base(&s, KeyType::GENERIC_SECRET, &[3u8; 32]);
    let m = Mechanism::HkdfDerive(HkdfParams::new(
        MechanismType::SHA256,
        Some(HkdfSalt::Null),
        Some(b"usage"),
    ));
    let d = s
        .derive_key(
            &m,
            k,
            &[
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::AES),
                Attribute::ValueLen(32.into()),
                Attribute::Encrypt(true),
            ],
        )
        .unwrap();
    let got = s
        .get_attributes(
            d,
            &[
                AttributeType::Encrypt,
                AttributeType::Sign,
                AttributeType::Derive,
            ],
        )
        .unwrap();
    assert_eq!(
        got,
        vec![
            Attribute::Encrypt(true),
            Attribute::Sign(false),
            Attribute::Derive(false)
        ]
    );
}

/// A CKO_DATA template asking for `len` bytes.
fn data_object(len: usize) -> Vec<Attribute> {
    vec![
        Attribute::Class(ObjectClass::DATA),
        Attribute::ValueLen((len as u64).into()),
        Attribute::Label(b"hkdf output".to_vec()),
    ]
}

#[test]
fn hkdf_data_rfc5869_vectors() {
    let (_st, _p, s) = session();
    // RFC 5869 A.1 (SHA-256).
    let ikm = hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
    let k = base(&s, KeyType::GENERIC_SECRET, &ikm);
    let salt = hex("000102030405060708090a0b0c");
    let info = hex("f0f1f2f3f4f5f6f7f8f9");
    let m = Mechanism::HkdfData(HkdfParams::new(
        MechanismType::SHA256,
        Some(HkdfSalt::Data(&salt)),
        Some(&info),
    ));
    let d = s.derive_key(&m, k, &data_object(42)).unwrap();
    assert_eq!(
        s.get_attributes(d, &[AttributeType::Class, AttributeType::Label])
            .unwrap(),
        vec![
            Attribute::Class(ObjectClass::DATA),
            Attribute::Label(b"hkdf output".to_vec())
        ]
    );
    assert_eq!(
        value(&s, d),
        hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
    );
    // Extract only: the PRK, whose length is the hash's.
    let m = Mechanism::HkdfData(HkdfParams::new(
        MechanismType::SHA256,
        Some(HkdfSalt::Data(&salt)),
        None,
    ));
    let prk = s
        .derive_key(&m, k, &[Attribute::Class(ObjectClass::DATA)])
        .unwrap();
    assert_eq!(
        value(&s, prk),
        hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5")
    );
    // RFC 5869 A.2 (SHA-256, longer inputs, 82 bytes).
    let ikm: Vec<u8> = (0x00..=0x4f).collect();
    let salt: Vec<u8> = (0x60..=0xaf).collect();
    let info: Vec<u8> = (0xb0..=0xff).collect();
    let k = base(&s, KeyType::GENERIC_SECRET, &ikm);
    let m = Mechanism::HkdfData(HkdfParams::new(
        MechanismType::SHA256,
        Some(HkdfSalt::Data(&salt)),
        Some(&info),
    ));
    let d = s.derive_key(&m, k, &data_object(82)).unwrap();
    assert_eq!(
        value(&s, d),
        hex("b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71cc30c58179ec3e87c14c01d5c1f3434f1d87")
    );
    // RFC 5869 A.4 (SHA-1), salt given as a key.
    let ikm = hex("0b0b0b0b0b0b0b0b0b0b0b");
    let k = base(&s, KeyType::GENERIC_SECRET, &ikm);
    let salt_key = base(
        &s,
        KeyType::GENERIC_SECRET,
        &hex("000102030405060708090a0b0c"),
    );
    let info = hex("f0f1f2f3f4f5f6f7f8f9");
    let m = Mechanism::HkdfData(HkdfParams::new(
        MechanismType::SHA1,
        Some(HkdfSalt::Key(salt_key)),
        Some(&info),
    ));
    let d = s.derive_key(&m, k, &data_object(42)).unwrap();
    assert_eq!(
        value(&s, d),
        hex("085a01ea1b10f36933068b56efa5ad81a4f14b822f5b091568a9cdd4f155fda2c22e422478d305f3f896")
    );
    // The template must describe a data object.
    let m = Mechanism::HkdfData(HkdfParams::new(
        MechanismType::SHA256,
        Some(HkdfSalt::Null),
        Some(&[]),
    ));
    for bad in [readable(32), {
        let mut t = data_object(32);
        t.push(Attribute::KeyType(KeyType::GENERIC_SECRET));
        t
    }] {
        assert_eq!(rv(s.derive_key(&m, k, &bad)), RvError::TemplateInconsistent);
    }
}

#[test]
fn hkdf_data_from_a_sensitive_key_gives_only_the_tls13_iv() {
    let (_st, _p, s) = session();
    let secret = [0x33u8; 32];
    let sk = s
        .create_object(&[
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::GENERIC_SECRET),
            Attribute::Value(secret.to_vec()),
            Attribute::Sensitive(true),
            Attribute::Derive(true),
        ])
        .unwrap();
    // RFC 8446 §7.1 HkdfLabel for the record IV: length 12, "tls13 iv", no context.
    let iv_label = [&[0u8, 12, 8][..], b"tls13 iv", &[0]].concat();
    fn expand_only(info: &[u8]) -> Mechanism<'_> {
        Mechanism::HkdfData(HkdfParams::new(MechanismType::SHA256, None, Some(info)))
    }
    let d = s
        .derive_key(&expand_only(&iv_label), sk, &data_object(12))
        .unwrap();
    // Expand-only with this length is one HMAC block: HMAC(secret, info || 0x01).
    let want = openssl::sign::Signer::new(
        openssl::hash::MessageDigest::sha256(),
        &openssl::pkey::PKey::hmac(&secret).unwrap(),
    )
    .unwrap()
    .sign_oneshot_to_vec(&[iv_label.as_slice(), &[1]].concat())
    .unwrap();
    assert_eq!(value(&s, d), want[..12]);
    // Any other info, or extraction alone, would put key material in the clear.
    assert_eq!(
        rv(s.derive_key(&expand_only(b"tls13 key"), sk, &data_object(16))),
        RvError::MechanismParamInvalid
    );
    let extract = Mechanism::HkdfData(HkdfParams::new(
        MechanismType::SHA256,
        Some(HkdfSalt::Null),
        None,
    ));
    assert_eq!(
        rv(s.derive_key(&extract, sk, &[Attribute::Class(ObjectClass::DATA)])),
        RvError::MechanismParamInvalid
    );
}

/// SP 800-108r1 §4.3 double-pipeline mode, written from the standard:
/// A(0) = fixed; A(i) = PRF(K, A(i-1)); K(i) = PRF(K, A(i) || [i]_32 ||
/// fixed) with the counter only when `counter`; output the first `len`
/// bytes of K(1) || K(2) || ....
fn double_pipeline_reference(
    cmac: bool,
    key: &[u8],
    fixed: &[u8],
    counter: bool,
    len: usize,
) -> Vec<u8> {
    use openssl::pkey::PKey;
    use openssl::sign::Signer;
    let prf = |msg: &[u8]| -> Vec<u8> {
        let (pkey, md) = if cmac {
            (
                PKey::cmac(&openssl::symm::Cipher::aes_128_cbc(), key).unwrap(),
                None,
            )
        } else {
            (
                PKey::hmac(key).unwrap(),
                Some(openssl::hash::MessageDigest::sha256()),
            )
        };
        let mut signer = match md {
            Some(md) => Signer::new(md, &pkey).unwrap(),
            None => Signer::new_without_digest(&pkey).unwrap(),
        };
        signer.sign_oneshot_to_vec(msg).unwrap()
    };
    let mut out = Vec::new();
    let mut a = fixed.to_vec();
    let mut i: u32 = 1;
    while out.len() < len {
        a = prf(&a);
        let mut input = a.clone();
        if counter {
            input.extend_from_slice(&i.to_be_bytes());
        }
        input.extend_from_slice(fixed);
        out.extend(prf(&input));
        i += 1;
    }
    out.truncate(len);
    out
}

#[test]
fn sp800_108_double_pipeline_matches_the_reference() {
    let (_st, _p, s) = session();
    let be32 = KbkdfCounterFormat::new(Endianness::Big, NonZeroUsize::new(32).unwrap());
    let dkm = KbkdfDkmLengthFormat::new(
        KbkdfDkmLengthMethod::SumOfKeys,
        Endianness::Big,
        NonZeroUsize::new(32).unwrap(),
    );
    let hmac_key = [0x5au8; 32];
    let aes_key = [0x11u8; 16];
    let hk = base(&s, KeyType::GENERIC_SECRET, &hmac_key);
    let ak = base(&s, KeyType::AES, &aes_key);
    for (cmac, k, kin, prf) in [
        (false, hk, &hmac_key[..], MechanismType::SHA256_HMAC),
        (true, ak, &aes_key[..], MechanismType::AES_CMAC),
    ] {
        for counter in [false, true] {
            for len in [16usize, 32, 48, 70] {
                // A(i) || [i] || Label || 0x00 || Context || [L]_32.
                let mut data = vec![PrfDataParam::new(PrfDataParamType::IterationVariable(None))];
                if counter {
                    data.push(PrfDataParam::new(PrfDataParamType::Counter(&be32)));
                }
                data.push(PrfDataParam::new(PrfDataParamType::ByteArray(b"label")));
                data.push(PrfDataParam::new(PrfDataParamType::ByteArray(&[0])));
                data.push(PrfDataParam::new(PrfDataParamType::ByteArray(b"context")));
                data.push(PrfDataParam::new(PrfDataParamType::DkmLength(&dkm)));
                let m = Mechanism::KbkdfDoublePipeline(KbkdfParams::new(prf, &data, None));
                let d = s.derive_key(&m, k, &readable(len)).unwrap();
                let fixed = [
                    b"label".as_slice(),
                    &[0],
                    b"context",
                    &((len * 8) as u32).to_be_bytes(),
                ]
                .concat();
                assert_eq!(
                    value(&s, d),
                    double_pipeline_reference(cmac, kin, &fixed, counter, len),
                    "cmac {cmac}, counter {counter}, {len} bytes"
                );
            }
        }
    }
    // A(i) takes no counter format, and there is one iteration variable.
    for bad in [
        vec![PrfDataParam::new(PrfDataParamType::IterationVariable(
            Some(&be32),
        ))],
        vec![PrfDataParam::new(PrfDataParamType::ByteArray(
            b"no iteration",
        ))],
        vec![
            PrfDataParam::new(PrfDataParamType::IterationVariable(None)),
            PrfDataParam::new(PrfDataParamType::IterationVariable(None)),
        ],
    ] {
        let m = Mechanism::KbkdfDoublePipeline(KbkdfParams::new(
            MechanismType::SHA256_HMAC,
            &bad,
            None,
        ));
        assert_eq!(
            rv(s.derive_key(&m, hk, &readable(32))),
            RvError::MechanismParamInvalid
        );
    }
}

#[test]
fn sp800_108_double_pipeline_additional_keys() {
    let (_st, _p, s) = session();
    let kin = [0x77u8; 32];
    let k = base(&s, KeyType::GENERIC_SECRET, &kin);
    let data = [
        PrfDataParam::new(PrfDataParamType::IterationVariable(None)),
        PrfDataParam::new(PrfDataParamType::ByteArray(b"fixed")),
    ];
    let t2 = readable(40);
    let t3 = readable(32);
    let mut extra = [DerivedKey::new(&t2), DerivedKey::new(&t3)];
    let m = Mechanism::KbkdfDoublePipeline(KbkdfParams::new(
        MechanismType::SHA256_HMAC,
        &data,
        Some(&mut extra),
    ));
    let first = s.derive_key(&m, k, &readable(16)).unwrap();
    drop(m);
    // Each key starts on a fresh PRF block: 1, 2-3 and 4 of the stream.
    let stream = double_pipeline_reference(false, &kin, b"fixed", false, 4 * 32);
    assert_eq!(value(&s, first), &stream[..16]);
    let second = extra[0].handle().expect("second key handle");
    let third = extra[1].handle().expect("third key handle");
    assert_eq!(value(&s, second), &stream[32..72]);
    assert_eq!(value(&s, third), &stream[96..128]);
}
