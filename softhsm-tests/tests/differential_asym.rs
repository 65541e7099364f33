//! Asymmetric keys across SoftHSM2 and keybridge: a public key moves by
//! value, then what one module signs the other verifies, what one encrypts
//! (or wraps) under RSA the other decrypts (or unwraps), in both directions.

use cryptoki::error::RvError;
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsOaepParams, PkcsOaepSource, PkcsPssParams};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use softhsm_tests::{import, modules, rv, user_session};

const P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const ED25519: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];

#[derive(Clone, Copy, Debug)]
enum Kind {
    Rsa,
    Ec,
    Ed25519,
}

/// Generates a session key pair; returns (public, private).
fn pair(s: &Session, kind: Kind) -> (ObjectHandle, ObjectHandle) {
    let (mech, mut public) = match kind {
        Kind::Rsa => (
            Mechanism::RsaPkcsKeyPairGen,
            vec![
                Attribute::ModulusBits(2048.into()),
                Attribute::PublicExponent(vec![1, 0, 1]),
            ],
        ),
        Kind::Ec => (
            Mechanism::EccKeyPairGen,
            vec![Attribute::EcParams(P256.to_vec())],
        ),
        Kind::Ed25519 => (
            Mechanism::EccEdwardsKeyPairGen,
            vec![Attribute::EcParams(ED25519.to_vec())],
        ),
    };
    public.extend([Attribute::Token(false), Attribute::Verify(true)]);
    let mut private = vec![
        Attribute::Token(false),
        Attribute::Sign(true),
        Attribute::Sensitive(true),
    ];
    if let Kind::Rsa = kind {
        public.extend([Attribute::Encrypt(true), Attribute::Wrap(true)]);
        private.extend([Attribute::Decrypt(true), Attribute::Unwrap(true)]);
    }
    s.generate_key_pair(&mech, &public, &private).unwrap()
}

/// Reads a public key's defining attributes and creates it in `to`.
fn move_public(from: &Session, key: ObjectHandle, kind: Kind, to: &Session) -> ObjectHandle {
    let (key_type, wanted) = match kind {
        Kind::Rsa => (
            KeyType::RSA,
            vec![AttributeType::Modulus, AttributeType::PublicExponent],
        ),
        Kind::Ec => (
            KeyType::EC,
            vec![AttributeType::EcParams, AttributeType::EcPoint],
        ),
        Kind::Ed25519 => (
            KeyType::EC_EDWARDS,
            vec![AttributeType::EcParams, AttributeType::EcPoint],
        ),
    };
    let mut template = from.get_attributes(key, &wanted).unwrap();
    assert_eq!(
        template.len(),
        wanted.len(),
        "{kind:?} public attributes readable: {template:?}"
    );
    template.extend([
        Attribute::Class(ObjectClass::PUBLIC_KEY),
        Attribute::KeyType(key_type),
        Attribute::Token(false),
        Attribute::Verify(true),
    ]);
    if let Kind::Rsa = kind {
        template.extend([Attribute::Encrypt(true), Attribute::Wrap(true)]);
    }
    to.create_object(&template).unwrap()
}

/// Signs on each module and verifies on the other.
fn cross_sign(kind: Kind, mech: &dyn Fn() -> Mechanism<'static>) {
    cross_sign_data(
        kind,
        mech,
        b"the same message, signed on one module and verified on the other",
    );
}

fn cross_sign_data(kind: Kind, mech: &dyn Fn() -> Mechanism<'static>, data: &[u8]) {
    let (_g, m) = modules();
    let (a, b) = (user_session(&m.softhsm), user_session(&m.keybridge));
    for (signer, verifier, who) in [
        (&a, &b, "SoftHSM2 signs, keybridge verifies"),
        (&b, &a, "keybridge signs, SoftHSM2 verifies"),
    ] {
        let (public, private) = pair(signer, kind);
        let moved = move_public(signer, public, kind, verifier);
        let sig = signer.sign(&mech(), private, data).unwrap();
        verifier
            .verify(&mech(), moved, data, &sig)
            .unwrap_or_else(|e| panic!("{who}: {e}"));
        let mut bad = sig.clone();
        bad[sig.len() / 2] ^= 1;
        assert_eq!(
            rv(verifier.verify(&mech(), moved, data, &bad)),
            RvError::SignatureInvalid,
            "{who}"
        );
    }
}

#[test]
fn rsa_pkcs1_signatures_across_modules() {
    cross_sign(Kind::Rsa, &|| Mechanism::Sha256RsaPkcs);
}

#[test]
fn rsa_pss_signatures_across_modules() {
    cross_sign(Kind::Rsa, &|| {
        Mechanism::Sha256RsaPkcsPss(PkcsPssParams {
            hash_alg: MechanismType::SHA256,
            mgf: PkcsMgfType::MGF1_SHA256,
            s_len: 32.into(),
        })
    });
}

#[test]
fn ecdsa_signatures_across_modules() {
    // SoftHSM2 2.6 offers only CKM_ECDSA over a digest the caller computes,
    // not CKM_ECDSA_SHA256 (keybridge offers both), so the digest is made here.
    let digest = keystore::crypto::digest(
        keystore::crypto::DigestAlgorithm::Sha256,
        b"ECDSA across modules",
    )
    .unwrap();
    cross_sign_data(Kind::Ec, &|| Mechanism::Ecdsa, &digest);
}

#[test]
fn eddsa_signatures_across_modules() {
    cross_sign(Kind::Ed25519, &|| {
        Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure))
    });
}

fn oaep_sha1() -> Mechanism<'static> {
    Mechanism::RsaPkcsOaep(PkcsOaepParams::new(
        MechanismType::SHA1,
        PkcsMgfType::MGF1_SHA1,
        PkcsOaepSource::empty(),
    ))
}

#[test]
fn rsa_encryption_across_modules() {
    let (_g, m) = modules();
    let (a, b) = (user_session(&m.softhsm), user_session(&m.keybridge));
    let secret = b"a 32-byte data encryption key!!!";
    for mech in [oaep_sha1 as fn() -> Mechanism<'static>, || {
        Mechanism::RsaPkcs
    }] {
        for (owner, sender) in [(&a, &b), (&b, &a)] {
            let (public, private) = pair(owner, Kind::Rsa);
            let moved = move_public(owner, public, Kind::Rsa, sender);
            let ct = sender.encrypt(&mech(), moved, secret).unwrap();
            assert_eq!(owner.decrypt(&mech(), private, &ct).unwrap(), secret);
        }
    }
}

#[test]
fn rsa_oaep_key_wrap_across_modules() {
    let (_g, m) = modules();
    let (a, b) = (user_session(&m.softhsm), user_session(&m.keybridge));
    let aes: Vec<u8> = (100u8..132).collect();
    let template = [
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::AES),
        Attribute::Token(false),
        Attribute::Encrypt(true),
    ];
    for (owner, sender) in [(&a, &b), (&b, &a)] {
        let (public, private) = pair(owner, Kind::Rsa);
        let moved = move_public(owner, public, Kind::Rsa, sender);
        let key = import(sender, KeyType::AES, &aes);
        let wrapped = sender.wrap_key(&oaep_sha1(), moved, key).unwrap();
        let unwrapped = owner
            .unwrap_key(&oaep_sha1(), private, &wrapped, &template)
            .unwrap();
        let iv = [3u8; 16];
        let expect = sender
            .encrypt(&Mechanism::AesCbc(iv), key, &[5; 32])
            .unwrap();
        assert_eq!(
            owner
                .encrypt(&Mechanism::AesCbc(iv), unwrapped, &[5; 32])
                .unwrap(),
            expect
        );
    }
}
