//! Mechanisms through the cryptoki crate, with standard test vectors.
//! (Mechanisms cryptoki cannot express are driven by raw calls in raw.rs.)

mod common;
use common::*;
use cryptoki::error::RvError;
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::mechanism::ekdf::AesCbcDeriveParams;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;

fn secret(s: &Session, kt: KeyType, v: &[u8], extra: &[Attribute]) -> ObjectHandle {
    let mut t = vec![
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(kt),
        Attribute::Value(v.to_vec()),
        Attribute::Sensitive(false),
    ];
    t.extend_from_slice(extra);
    s.create_object(&t).unwrap()
}

fn multipart_encrypt(
    s: &Session,
    m: &Mechanism,
    k: ObjectHandle,
    data: &[u8],
    chunk: usize,
) -> Vec<u8> {
    s.encrypt_init(m, k).unwrap();
    let mut out = Vec::new();
    for c in data.chunks(chunk) {
        out.extend(s.encrypt_update(c).unwrap());
    }
    out.extend(s.encrypt_final().unwrap());
    out
}

fn multipart_decrypt(
    s: &Session,
    m: &Mechanism,
    k: ObjectHandle,
    data: &[u8],
    chunk: usize,
) -> Vec<u8> {
    s.decrypt_init(m, k).unwrap();
    let mut out = Vec::new();
    for c in data.chunks(chunk) {
        out.extend(s.decrypt_update(c).unwrap());
    }
    out.extend(s.decrypt_final().unwrap());
    out
}

#[test]
fn aes_modes_single_and_multi_part() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "aes");
    let s = user_session(&p, slot);
    // FIPS 197 Appendix C.1.
    let k = secret(
        &s,
        KeyType::AES,
        &hex("000102030405060708090a0b0c0d0e0f"),
        &[],
    );
    let ct = s
        .encrypt(
            &Mechanism::AesEcb,
            k,
            &hex("00112233445566778899aabbccddeeff"),
        )
        .unwrap();
    assert_eq!(ct, hex("69c4e0d86a7b0430d8cdb78070b4c55a"));
    let data: Vec<u8> = (0..100u8).collect();
    let iv = [9u8; 16];
    for m in [Mechanism::AesCbcPad(iv)] {
        let one = s.encrypt(&m, k, &data).unwrap();
        assert_eq!(one.len(), 112);
        for chunk in [1, 7, 16, 33] {
            assert_eq!(multipart_encrypt(&s, &m, k, &data, chunk), one);
            assert_eq!(multipart_decrypt(&s, &m, k, &one, chunk), data);
        }
        assert_eq!(s.decrypt(&m, k, &one).unwrap(), data);
    }
    let block = &data[..96];
    for m in [Mechanism::AesEcb, Mechanism::AesCbc(iv)] {
        let one = s.encrypt(&m, k, block).unwrap();
        assert_eq!(multipart_encrypt(&s, &m, k, block, 5), one);
        assert_eq!(multipart_decrypt(&s, &m, k, &one, 11), block);
        assert_eq!(rv(s.encrypt(&m, k, &data[..17])), RvError::DataLenRange);
    }
    // GCM: SP 800-38D test case 2 (zero key, zero IV, one zero block).
    let z = secret(&s, KeyType::AES, &[0; 16], &[]);
    let mut giv = [0u8; 12];
    let gcm = Mechanism::AesGcm(GcmParams::new(&mut giv, &[], 128.into()).unwrap());
    let ct = s.encrypt(&gcm, z, &[0; 16]).unwrap();
    assert_eq!(
        ct,
        hex("0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf")
    );
    assert_eq!(multipart_encrypt(&s, &gcm, z, &[0; 16], 3), ct);
    assert_eq!(multipart_decrypt(&s, &gcm, z, &ct, 5), vec![0; 16]);
    let mut bad = ct.clone();
    bad[0] ^= 1;
    assert_eq!(rv(s.decrypt(&gcm, z, &bad)), RvError::EncryptedDataInvalid);
    drop(s);
    p.finalize().unwrap();
}

#[test]
fn operation_state_rules() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "state");
    let s = user_session(&p, slot);
    let k = secret(&s, KeyType::AES, &[1; 16], &[]);
    assert_eq!(
        rv(s.encrypt_update(&[0; 16])),
        RvError::OperationNotInitialized
    );
    s.encrypt_init(&Mechanism::AesEcb, k).unwrap();
    assert_eq!(
        rv(s.encrypt_init(&Mechanism::AesEcb, k)),
        RvError::OperationActive
    );
    s.encrypt_final().unwrap();
    assert_eq!(rv(s.encrypt_final()), RvError::OperationNotInitialized);
    let nope = secret(&s, KeyType::AES, &[1; 16], &[Attribute::Encrypt(false)]);
    assert_eq!(
        rv(s.encrypt(&Mechanism::AesEcb, nope, &[0; 16])),
        RvError::KeyFunctionNotPermitted
    );
    let hmac = secret(&s, KeyType::GENERIC_SECRET, &[1; 16], &[]);
    assert_eq!(
        rv(s.encrypt(&Mechanism::AesEcb, hmac, &[0; 16])),
        RvError::KeyTypeInconsistent
    );
    drop(s);
    p.finalize().unwrap();
}

#[test]
fn macs_and_digests() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "mac");
    let s = user_session(&p, slot);
    // RFC 4493 example 1 (empty message).
    let k = secret(
        &s,
        KeyType::AES,
        &hex("2b7e151628aed2a6abf7158809cf4f3c"),
        &[],
    );
    assert_eq!(
        s.sign(&Mechanism::AesCMac, k, &[]).unwrap(),
        hex("bb1d6929e95937287fa37d129b756746")
    );
    // RFC 4231 test case 2.
    let jefe = secret(&s, KeyType::GENERIC_SECRET, b"Jefe", &[]);
    let msg = b"what do ya want for nothing?";
    let tag = s.sign(&Mechanism::Sha256Hmac, jefe, msg).unwrap();
    assert_eq!(
        tag,
        hex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    );
    s.verify(&Mechanism::Sha256Hmac, jefe, msg, &tag).unwrap();
    let mut bad = tag.clone();
    bad[0] ^= 1;
    assert_eq!(
        rv(s.verify(&Mechanism::Sha256Hmac, jefe, msg, &bad)),
        RvError::SignatureInvalid
    );
    assert_eq!(
        rv(s.verify(&Mechanism::Sha256Hmac, jefe, msg, &tag[..31])),
        RvError::SignatureLenRange
    );
    s.sign_init(&Mechanism::Sha256Hmac, jefe).unwrap();
    s.sign_update(&msg[..5]).unwrap();
    s.sign_update(&msg[5..]).unwrap();
    assert_eq!(s.sign_final().unwrap(), tag);
    let d = s.digest(&Mechanism::Sha256, b"abc").unwrap();
    assert_eq!(
        d,
        hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    );
    // C_DigestKey digests the key value.
    s.digest_init(&Mechanism::Sha256).unwrap();
    s.digest_key(jefe).unwrap();
    assert_eq!(
        s.digest_final().unwrap(),
        s.digest(&Mechanism::Sha256, b"Jefe").unwrap()
    );
    drop(s);
    p.finalize().unwrap();
}

#[test]
fn wrap_unwrap_and_its_rules() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "wrap");
    let s = user_session(&p, slot);
    // RFC 3394 §4.1.
    let kek = secret(
        &s,
        KeyType::AES,
        &hex("000102030405060708090A0B0C0D0E0F"),
        &[],
    );
    let key = secret(
        &s,
        KeyType::AES,
        &hex("00112233445566778899AABBCCDDEEFF"),
        &[Attribute::Extractable(true), Attribute::Sensitive(true)],
    );
    let w = s.wrap_key(&Mechanism::AesKeyWrap, kek, key).unwrap();
    assert_eq!(w, hex("1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"));
    let back = s
        .unwrap_key(
            &Mechanism::AesKeyWrap,
            kek,
            &w,
            &[
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::AES),
                Attribute::Sensitive(false),
                Attribute::Extractable(true),
            ],
        )
        .unwrap();
    let v = s
        .get_attributes(back, &[AttributeType::Value, AttributeType::Local])
        .unwrap();
    assert_eq!(
        v,
        vec![
            Attribute::Value(hex("00112233445566778899AABBCCDDEEFF")),
            Attribute::Local(false)
        ]
    );
    // A sensitive key never leaves in the clear, and never if unextractable.
    let locked = secret(&s, KeyType::AES, &[5; 16], &[Attribute::Extractable(false)]);
    assert_eq!(
        rv(s.wrap_key(&Mechanism::AesKeyWrap, kek, locked)),
        RvError::KeyUnextractable
    );
    let trusted_only = secret(
        &s,
        KeyType::AES,
        &[6; 16],
        &[Attribute::WrapWithTrusted(true)],
    );
    assert_eq!(
        rv(s.wrap_key(&Mechanism::AesKeyWrap, kek, trusted_only)),
        RvError::KeyNotWrappable
    );
    let no_wrap = secret(&s, KeyType::AES, &[7; 16], &[Attribute::Wrap(false)]);
    assert_eq!(
        rv(s.wrap_key(&Mechanism::AesKeyWrap, no_wrap, key)),
        RvError::KeyFunctionNotPermitted
    );
    assert_eq!(
        rv(s.unwrap_key(
            &Mechanism::AesKeyWrap,
            kek,
            &w[1..],
            &[Attribute::KeyType(KeyType::AES)]
        )),
        RvError::WrappedKeyLenRange
    );
    let mut bad = w.clone();
    bad[3] ^= 1;
    assert_eq!(
        rv(s.unwrap_key(
            &Mechanism::AesKeyWrap,
            kek,
            &bad,
            &[Attribute::KeyType(KeyType::AES)]
        )),
        RvError::WrappedKeyInvalid
    );
    drop(s);
    p.finalize().unwrap();
}

#[test]
fn generate_and_derive() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "gen");
    let s = user_session(&p, slot);
    assert_eq!(
        rv(s.generate_key(&Mechanism::AesKeyGen, &[])),
        RvError::TemplateIncomplete
    );
    assert_eq!(
        rv(s.generate_key(&Mechanism::AesKeyGen, &[Attribute::ValueLen(15.into())])),
        RvError::KeySizeRange
    );
    let base = s
        .generate_key(
            &Mechanism::AesKeyGen,
            &[
                Attribute::ValueLen(32.into()),
                Attribute::Derive(true),
                Attribute::Sensitive(false),
            ],
        )
        .unwrap();
    let g = s
        .generate_key(
            &Mechanism::GenericSecretKeyGen,
            &[Attribute::ValueLen(64.into())],
        )
        .unwrap();
    let a = s
        .get_attributes(
            g,
            &[
                AttributeType::KeyType,
                AttributeType::ValueLen,
                AttributeType::KeyGenMechanism,
            ],
        )
        .unwrap();
    assert_eq!(a[0], Attribute::KeyType(KeyType::GENERIC_SECRET));
    assert_eq!(a[1], Attribute::ValueLen(64.into()));
    let data = [1u8; 32];
    let params = AesCbcDeriveParams::new([0u8; 16], data.as_slice());
    let d = s
        .derive_key(
            &Mechanism::AesCbcEncryptData(params),
            base,
            &[
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::AES),
                Attribute::ValueLen(32.into()),
                Attribute::Sensitive(false),
            ],
        )
        .unwrap();
    let bv = match &s.get_attributes(base, &[AttributeType::Value]).unwrap()[..] {
        [Attribute::Value(v)] => v.clone(),
        other => panic!("{other:?}"),
    };
    let expected = s.encrypt(&Mechanism::AesCbc([0; 16]), base, &data).unwrap();
    let dv = s.get_attributes(d, &[AttributeType::Value]).unwrap();
    assert_eq!(dv, vec![Attribute::Value(expected)]);
    assert_eq!(bv.len(), 32);
    drop(s);
    p.finalize().unwrap();
}

#[test]
fn simple_derivations_spread_sensitivity() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "simple");
    let s = user_session(&p, slot);
    let a = secret(
        &s,
        KeyType::GENERIC_SECRET,
        &[1, 2, 3],
        &[Attribute::Derive(true)],
    );
    let b = secret(
        &s,
        KeyType::GENERIC_SECRET,
        &[4, 5],
        &[Attribute::Derive(true)],
    );
    let open = [
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::GENERIC_SECRET),
        Attribute::Sensitive(false),
    ];
    let d = s
        .derive_key(&Mechanism::ConcatenateBaseAndKey(b), a, &open)
        .unwrap();
    let v = s.get_attributes(d, &[AttributeType::Value]).unwrap();
    assert_eq!(v, vec![Attribute::Value(vec![1, 2, 3, 4, 5])]);
    // A sensitive source makes the derived key sensitive whatever the template says.
    let hidden = s
        .create_object(&[
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::GENERIC_SECRET),
            Attribute::Value(vec![9; 4]),
            Attribute::Derive(true),
            Attribute::Sensitive(true),
        ])
        .unwrap();
    let d2 = s
        .derive_key(&Mechanism::ConcatenateBaseAndKey(hidden), a, &open)
        .unwrap();
    assert!(s
        .get_attributes(d2, &[AttributeType::Value])
        .unwrap()
        .is_empty());
    let a2 = s.get_attributes(d2, &[AttributeType::Sensitive]).unwrap();
    assert_eq!(a2, vec![Attribute::Sensitive(true)]);
    drop(s);
    p.finalize().unwrap();
}
