//! RSA, EC, Edwards and Montgomery keys through the cryptoki crate: key
//! pair generation, the attributes clients read, import, certificates,
//! signatures, encryption, ECDH and CKA_ALWAYS_AUTHENTICATE.

mod common;
use common::*;
use cryptoki::error::RvError;
use cryptoki::mechanism::elliptic_curve::{EcKdf, Ecdh1DeriveParams};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsOaepParams, PkcsOaepSource, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{
    Attribute, AttributeInfo, AttributeType, KeyType, ObjectClass, ObjectHandle,
};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;

const P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

fn rsa_pair(s: &Session, private_extra: &[Attribute]) -> (ObjectHandle, ObjectHandle) {
    let mut private = vec![Attribute::Token(true), Attribute::Id(b"r1".to_vec())];
    private.extend_from_slice(private_extra);
    s.generate_key_pair(
        &Mechanism::RsaPkcsKeyPairGen,
        &[
            Attribute::Token(true),
            Attribute::ModulusBits(2048.into()),
            Attribute::PublicExponent(vec![1, 0, 1]),
        ],
        &private,
    )
    .unwrap()
}

fn ec_pair(s: &Session, params: &[u8], kg: &Mechanism) -> (ObjectHandle, ObjectHandle) {
    s.generate_key_pair(
        kg,
        &[Attribute::EcParams(params.to_vec())],
        &[Attribute::Derive(true)],
    )
    .unwrap()
}

fn bytes(s: &Session, o: ObjectHandle, ty: AttributeType) -> Vec<u8> {
    match s.get_attributes(o, &[ty]).unwrap().remove(0) {
        Attribute::Modulus(v)
        | Attribute::PublicExponent(v)
        | Attribute::EcPoint(v)
        | Attribute::EcParams(v)
        | Attribute::Id(v)
        | Attribute::Value(v)
        | Attribute::PublicKeyInfo(v)
        | Attribute::Subject(v)
        | Attribute::Issuer(v)
        | Attribute::SerialNumber(v) => v,
        other => panic!("unexpected {other:?}"),
    }
}

#[test]
fn mechanism_list_and_info() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "mech");
    let list = p.get_mechanism_list(slot).unwrap();
    for m in [
        MechanismType::RSA_PKCS_KEY_PAIR_GEN,
        MechanismType::RSA_PKCS_OAEP,
        MechanismType::SHA256_RSA_PKCS_PSS,
        MechanismType::ECC_KEY_PAIR_GEN,
        MechanismType::ECDSA_SHA384,
        MechanismType::ECDH1_DERIVE,
        MechanismType::EDDSA,
        MechanismType::ECC_MONTGOMERY_KEY_PAIR_GEN,
    ] {
        assert!(list.contains(&m), "{m} missing");
    }
    let i = p
        .get_mechanism_info(slot, MechanismType::RSA_PKCS_KEY_PAIR_GEN)
        .unwrap();
    assert!(i.generate_key_pair() && !i.sign());
    assert_eq!((i.min_key_size(), i.max_key_size()), (2048, 4096));
    let i = p.get_mechanism_info(slot, MechanismType::RSA_PKCS).unwrap();
    assert!(i.sign() && i.verify() && i.encrypt() && i.decrypt() && i.wrap() && i.unwrap());
    let i = p.get_mechanism_info(slot, MechanismType::ECDSA).unwrap();
    assert!(i.sign() && i.ec_f_p() && i.ec_from_oid() && !i.encrypt());
}

#[test]
fn rsa_pair_attributes_signatures_and_encryption() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "rsa");
    let s = user_session(&p, slot);
    let (public, private) = rsa_pair(&s, &[]);
    // Both halves share the CKA_ID and expose modulus and exponent.
    assert_eq!(bytes(&s, public, AttributeType::Id), b"r1");
    assert_eq!(bytes(&s, private, AttributeType::Id), b"r1");
    let n = bytes(&s, public, AttributeType::Modulus);
    assert_eq!(n.len(), 256);
    assert_eq!(bytes(&s, private, AttributeType::Modulus), n);
    assert_eq!(bytes(&s, private, AttributeType::PublicExponent), [1, 0, 1]);
    assert_eq!(
        bytes(&s, private, AttributeType::PublicKeyInfo),
        bytes(&s, public, AttributeType::PublicKeyInfo)
    );
    let info = |o| {
        s.get_attribute_info(o, &[AttributeType::PrivateExponent])
            .unwrap()
            .remove(0)
    };
    assert!(matches!(info(private), AttributeInfo::Sensitive));
    assert!(matches!(info(public), AttributeInfo::TypeInvalid));
    // PKCS#1 v1.5, raw RSA, PSS (prehashed and hashing, multi-part).
    let data = b"keybridge asymmetric";
    for m in [Mechanism::RsaPkcs, Mechanism::Sha256RsaPkcs] {
        let sig = s.sign(&m, private, data).unwrap();
        s.verify(&m, public, data, &sig).unwrap();
        let mut bad = sig.clone();
        bad[10] ^= 1;
        assert_eq!(
            rv(s.verify(&m, public, data, &bad)),
            RvError::SignatureInvalid
        );
        assert_eq!(
            rv(s.verify(&m, public, data, &sig[1..])),
            RvError::SignatureLenRange
        );
    }
    let raw_in = vec![0x42u8; 256];
    let sig = s.sign(&Mechanism::RsaX509, private, &raw_in).unwrap();
    s.verify(&Mechanism::RsaX509, public, &raw_in, &sig)
        .unwrap();
    let pss = PkcsPssParams {
        hash_alg: MechanismType::SHA256,
        mgf: PkcsMgfType::MGF1_SHA256,
        s_len: 32.into(),
    };
    let digest = s.digest(&Mechanism::Sha256, data).unwrap();
    let sig = s
        .sign(&Mechanism::RsaPkcsPss(pss), private, &digest)
        .unwrap();
    s.verify(&Mechanism::Sha256RsaPkcsPss(pss), public, data, &sig)
        .unwrap();
    s.sign_init(&Mechanism::Sha256RsaPkcsPss(pss), private)
        .unwrap();
    s.sign_update(&data[..4]).unwrap();
    s.sign_update(&data[4..]).unwrap();
    let sig = s.sign_final().unwrap();
    s.verify(&Mechanism::RsaPkcsPss(pss), public, &digest, &sig)
        .unwrap();
    // A PSS hash that differs from the mechanism's is refused.
    let sha1 = PkcsPssParams {
        hash_alg: MechanismType::SHA1,
        ..pss
    };
    assert_eq!(
        rv(s.sign(&Mechanism::Sha256RsaPkcsPss(sha1), private, data)),
        RvError::MechanismParamInvalid
    );
    // OAEP with SHA-256 and a label; the public key cannot decrypt.
    let oaep = PkcsOaepParams::new(
        MechanismType::SHA256,
        PkcsMgfType::MGF1_SHA256,
        PkcsOaepSource::data_specified(b"label"),
    );
    let c = s
        .encrypt(&Mechanism::RsaPkcsOaep(oaep), public, data)
        .unwrap();
    assert_eq!(
        s.decrypt(&Mechanism::RsaPkcsOaep(oaep), private, &c)
            .unwrap(),
        data
    );
    assert_eq!(
        rv(s.decrypt(&Mechanism::RsaPkcsOaep(oaep), public, &c)),
        RvError::KeyTypeInconsistent
    );
    // RSA keys outside 2048..4096 bits are not generated.
    assert_eq!(
        rv(s.generate_key_pair(
            &Mechanism::RsaPkcsKeyPairGen,
            &[Attribute::ModulusBits(1024.into())],
            &[],
        )),
        RvError::KeySizeRange
    );
}

#[test]
fn rsa_oaep_wraps_a_secret_key() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "wrap");
    let s = user_session(&p, slot);
    let (public, private) = rsa_pair(&s, &[]);
    let aes = s
        .generate_key(
            &Mechanism::AesKeyGen,
            &[Attribute::ValueLen(32.into()), Attribute::Extractable(true)],
        )
        .unwrap();
    let oaep = PkcsOaepParams::new(
        MechanismType::SHA256,
        PkcsMgfType::MGF1_SHA256,
        PkcsOaepSource::empty(),
    );
    let m = Mechanism::RsaPkcsOaep(oaep);
    let wrapped = s.wrap_key(&m, public, aes).unwrap();
    assert_eq!(wrapped.len(), 256);
    let back = s
        .unwrap_key(
            &m,
            private,
            &wrapped,
            &[
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::AES),
            ],
        )
        .unwrap();
    let block = [7u8; 16];
    assert_eq!(
        s.encrypt(&Mechanism::AesEcb, aes, &block).unwrap(),
        s.encrypt(&Mechanism::AesEcb, back, &block).unwrap()
    );
}

#[test]
fn ec_edwards_and_montgomery_keys() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "ec");
    let s = user_session(&p, slot);
    let (public, private) = ec_pair(&s, P256, &Mechanism::EccKeyPairGen);
    let point = bytes(&s, public, AttributeType::EcPoint);
    assert_eq!((point[0], point[1], point[2]), (0x04, 65, 0x04));
    assert_eq!(bytes(&s, private, AttributeType::EcPoint), point);
    assert_eq!(bytes(&s, private, AttributeType::EcParams), P256);
    let data = b"ecdsa";
    for m in [Mechanism::EcdsaSha256, Mechanism::EcdsaSha384] {
        let sig = s.sign(&m, private, data).unwrap();
        assert_eq!(sig.len(), 64, "r || s");
        s.verify(&m, public, data, &sig).unwrap();
    }
    let digest = s.digest(&Mechanism::Sha256, data).unwrap();
    let sig = s.sign(&Mechanism::Ecdsa, private, &digest).unwrap();
    s.verify(&Mechanism::EcdsaSha256, public, data, &sig)
        .unwrap();
    // ECDH between two P-256 pairs: both sides agree.
    let (public2, private2) = ec_pair(&s, P256, &Mechanism::EccKeyPairGen);
    let point2 = bytes(&s, public2, AttributeType::EcPoint);
    let secret_template = [
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::GENERIC_SECRET),
        Attribute::Sensitive(false),
    ];
    let a = s
        .derive_key(
            &Mechanism::Ecdh1Derive(Ecdh1DeriveParams::new(EcKdf::null(), &point2)),
            private,
            &secret_template,
        )
        .unwrap();
    let b = s
        .derive_key(
            &Mechanism::Ecdh1Derive(Ecdh1DeriveParams::new(EcKdf::null(), &point[2..])),
            private2,
            &secret_template,
        )
        .unwrap();
    let za = bytes(&s, a, AttributeType::Value);
    assert_eq!(za.len(), 32);
    assert_eq!(za, bytes(&s, b, AttributeType::Value));
    // Ed25519 (RFC 8410 OID) and X25519 ECDH.
    let (ep, ek) = ec_pair(
        &s,
        &[0x06, 0x03, 0x2b, 0x65, 0x70],
        &Mechanism::EccEdwardsKeyPairGen,
    );
    let eddsa = Mechanism::Eddsa(cryptoki::mechanism::eddsa::EddsaParams::new(
        cryptoki::mechanism::eddsa::EddsaSignatureScheme::Pure,
    ));
    let sig = s.sign(&eddsa, ek, data).unwrap();
    assert_eq!(sig.len(), 64);
    s.verify(&eddsa, ep, data, &sig).unwrap();
    let (xp, xk) = ec_pair(
        &s,
        &[0x06, 0x03, 0x2b, 0x65, 0x6e],
        &Mechanism::EccMontgomeryKeyPairGen,
    );
    let (xp2, xk2) = ec_pair(
        &s,
        &[0x06, 0x03, 0x2b, 0x65, 0x6e],
        &Mechanism::EccMontgomeryKeyPairGen,
    );
    let u = |h| bytes(&s, h, AttributeType::EcPoint)[2..].to_vec();
    let (u1, u2) = (u(xp), u(xp2));
    let x1 = s
        .derive_key(
            &Mechanism::Ecdh1Derive(Ecdh1DeriveParams::new(EcKdf::null(), &u2)),
            xk,
            &secret_template,
        )
        .unwrap();
    let x2 = s
        .derive_key(
            &Mechanism::Ecdh1Derive(Ecdh1DeriveParams::new(EcKdf::null(), &u1)),
            xk2,
            &secret_template,
        )
        .unwrap();
    assert_eq!(
        bytes(&s, x1, AttributeType::Value),
        bytes(&s, x2, AttributeType::Value)
    );
    // Key types and mechanisms must fit.
    assert_eq!(
        rv(s.sign(&Mechanism::RsaPkcs, private, data)),
        RvError::KeyTypeInconsistent
    );
    assert_eq!(
        rv(s.sign(&Mechanism::Ecdsa, xk, data)),
        RvError::KeyTypeInconsistent
    );
}

#[test]
fn import_public_and_private_keys() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "import");
    let s = user_session(&p, slot);
    // Export an extractable, non-sensitive EC key's components and import them.
    let (public, private) = s
        .generate_key_pair(
            &Mechanism::EccKeyPairGen,
            &[Attribute::EcParams(P256.to_vec())],
            &[Attribute::Sensitive(false), Attribute::Extractable(true)],
        )
        .unwrap();
    let point = bytes(&s, public, AttributeType::EcPoint);
    let scalar = bytes(&s, private, AttributeType::Value);
    assert_eq!(scalar.len(), 32);
    let imported_public = s
        .create_object(&[
            Attribute::Class(ObjectClass::PUBLIC_KEY),
            Attribute::KeyType(KeyType::EC),
            Attribute::EcParams(P256.to_vec()),
            Attribute::EcPoint(point.clone()),
        ])
        .unwrap();
    let imported_private = s
        .create_object(&[
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::KeyType(KeyType::EC),
            Attribute::EcParams(P256.to_vec()),
            Attribute::Value(scalar),
            Attribute::Sign(true),
        ])
        .unwrap();
    let sig = s
        .sign(&Mechanism::EcdsaSha256, imported_private, b"x")
        .unwrap();
    s.verify(&Mechanism::EcdsaSha256, imported_public, b"x", &sig)
        .unwrap();
    s.verify(&Mechanism::EcdsaSha256, public, b"x", &sig)
        .unwrap();
    // An off-curve point and a mismatched curve name are refused.
    let mut off = point.clone();
    off[40] ^= 1;
    assert_eq!(
        rv(s.create_object(&[
            Attribute::Class(ObjectClass::PUBLIC_KEY),
            Attribute::KeyType(KeyType::EC),
            Attribute::EcParams(P256.to_vec()),
            Attribute::EcPoint(off),
        ])),
        RvError::AttributeValueInvalid
    );
    assert_eq!(
        rv(s.create_object(&[
            Attribute::Class(ObjectClass::PUBLIC_KEY),
            Attribute::KeyType(KeyType::EC_EDWARDS),
            Attribute::EcParams(P256.to_vec()),
            Attribute::EcPoint(point),
        ])),
        RvError::TemplateInconsistent
    );
    // Component attributes are fixed once the key exists.
    assert_eq!(
        rv(s.update_attributes(imported_public, &[Attribute::EcParams(P256.to_vec())])),
        RvError::AttributeReadOnly
    );
}

#[test]
fn certificates_pair_with_their_key_by_id() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "cert");
    let s = user_session(&p, slot);
    // A self-signed certificate made with openssl (the crate) for the test.
    let key = openssl::ec::EcKey::generate(
        &openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1).unwrap(),
    )
    .unwrap();
    let pkey = openssl::pkey::PKey::from_ec_key(key).unwrap();
    let mut name = openssl::x509::X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "keybridge test").unwrap();
    let name = name.build();
    let mut b = openssl::x509::X509Builder::new().unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&pkey).unwrap();
    let serial = openssl::bn::BigNum::from_u32(0x81).unwrap();
    b.set_serial_number(&serial.to_asn1_integer().unwrap())
        .unwrap();
    b.set_not_before(&openssl::asn1::Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&openssl::asn1::Asn1Time::days_from_now(1).unwrap())
        .unwrap();
    b.sign(&pkey, openssl::hash::MessageDigest::sha256())
        .unwrap();
    let der = b.build().to_der().unwrap();
    let cert = s
        .create_object(&[
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::CertificateType(cryptoki::object::CertificateType::X_509),
            Attribute::Value(der.clone()),
            Attribute::Id(b"c1".to_vec()),
            Attribute::Token(true),
        ])
        .unwrap();
    assert_eq!(bytes(&s, cert, AttributeType::Value), der);
    assert_eq!(
        bytes(&s, cert, AttributeType::Subject),
        name.to_der().unwrap()
    );
    assert_eq!(
        bytes(&s, cert, AttributeType::Issuer),
        name.to_der().unwrap()
    );
    assert_eq!(
        bytes(&s, cert, AttributeType::SerialNumber),
        [0x02, 0x02, 0x00, 0x81]
    );
    assert_eq!(
        bytes(&s, cert, AttributeType::PublicKeyInfo),
        pkey.public_key_to_der().unwrap()
    );
    let found = s
        .find_objects(&[
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::Id(b"c1".to_vec()),
        ])
        .unwrap();
    assert_eq!(found, vec![cert]);
    // Not a certificate: refused.
    assert_eq!(
        rv(s.create_object(&[
            Attribute::Class(ObjectClass::CERTIFICATE),
            Attribute::Value(vec![0x30, 0x00]),
        ])),
        RvError::AttributeValueInvalid
    );
}

#[test]
fn always_authenticate_needs_a_context_specific_login_per_use() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "aa");
    let s = user_session(&p, slot);
    let (public, private) = rsa_pair(&s, &[Attribute::AlwaysAuthenticate(true)]);
    let pin = AuthPin::new(USER_PIN.into());
    s.sign_init(&Mechanism::Sha256RsaPkcs, private).unwrap();
    // cryptoki's sign() would restart the operation: drive it by parts.
    assert_eq!(rv(s.sign_final()), RvError::UserNotLoggedIn);
    s.login(UserType::ContextSpecific, Some(&pin)).unwrap();
    let sig = s.sign_final().unwrap();
    s.verify(&Mechanism::Sha256RsaPkcs, public, &[], &sig)
        .unwrap();
    // The login covers one operation only.
    s.sign_init(&Mechanism::Sha256RsaPkcs, private).unwrap();
    assert_eq!(rv(s.sign_final()), RvError::UserNotLoggedIn);
    s.login(UserType::ContextSpecific, Some(&pin)).unwrap();
    s.sign_final().unwrap();
    // A wrong PIN is refused.
    s.sign_init(&Mechanism::Sha256RsaPkcs, private).unwrap();
    assert_eq!(
        rv(s.login(
            UserType::ContextSpecific,
            Some(&AuthPin::new("000000".into()))
        )),
        RvError::PinIncorrect
    );
    assert_eq!(rv(s.sign_final()), RvError::UserNotLoggedIn);
}

#[test]
fn kmip_side_key_pairs_are_usable_and_unusable_keys_are_skipped() {
    use keybridge_pkcs11::keystore::crypto::generate::KeyPairSpec;
    use keybridge_pkcs11::keystore::{
        keygen, lifecycle, Attributes, KeyStore, ObjectType, PinRole, SecretBytes,
    };
    let st = Store::new();
    let p = st.pkcs11();
    init_token(&p, "kmip-side");
    // The module carries its own copy of SQLite: finalize it before this
    // process opens the store with the test's copy (POSIX locks are per
    // process, so two copies in one process must not share a file).
    p.finalize().unwrap();
    // The store as the KMIP server sees it: a pair made by keygen directly,
    // and a public key it keeps without a usable algorithm.
    let ks = KeyStore::open(&st.dir.path().join("store.db")).unwrap();
    let part = ks
        .login(
            "kmip-side",
            PinRole::User,
            &SecretBytes::from_slice(USER_PIN.as_bytes()),
        )
        .unwrap();
    let now = lifecycle::now();
    let mut private = Attributes::new(ObjectType::PrivateKey, now);
    private.names.push("kmip-pair".into());
    private.usage.0 = keybridge_pkcs11::keystore::object::UsageMask::SIGN;
    private.lifecycle = lifecycle::Lifecycle::new(now, Some(now));
    let mut public = Attributes::new(ObjectType::PublicKey, now);
    public.names.push("kmip-pair".into());
    public.usage.0 = keybridge_pkcs11::keystore::object::UsageMask::VERIFY;
    public.lifecycle = lifecycle::Lifecycle::new(now, Some(now));
    keygen::generate_key_pair(
        &part,
        &KeyPairSpec::Ec(keybridge_pkcs11::keystore::crypto::generate::Curve::P384),
        private,
        public,
    )
    .unwrap();
    let mut opaque = Attributes::new(ObjectType::PublicKey, now);
    opaque.names.push("kmip-opaque".into());
    part.create(opaque, Some(SecretBytes::from_slice(b"not a key")))
        .unwrap();
    drop(part);
    drop(ks);
    let p = st.pkcs11();
    let slot = p
        .get_slots_with_initialized_token()
        .unwrap()
        .into_iter()
        .find(|sl| p.get_token_info(*sl).unwrap().label().trim_end() == "kmip-side")
        .unwrap();
    let s = user_session(&p, slot);
    let found = s
        .find_objects(&[Attribute::Label(b"kmip-opaque".to_vec())])
        .unwrap();
    assert!(found.is_empty(), "a key without algorithm is not shown");
    let pair = s
        .find_objects(&[Attribute::Label(b"kmip-pair".to_vec())])
        .unwrap();
    assert_eq!(pair.len(), 2);
    let class = |h| match s.get_attributes(h, &[AttributeType::Class]).unwrap()[0] {
        Attribute::Class(c) => c,
        ref other => panic!("{other:?}"),
    };
    let (public, private) = if class(pair[0]) == ObjectClass::PUBLIC_KEY {
        (pair[0], pair[1])
    } else {
        (pair[1], pair[0])
    };
    assert_eq!(
        bytes(&s, private, AttributeType::EcParams),
        [0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22]
    );
    let sig = s.sign(&Mechanism::EcdsaSha384, private, b"m").unwrap();
    assert_eq!(sig.len(), 96);
    s.verify(&Mechanism::EcdsaSha384, public, b"m", &sig)
        .unwrap();
}
