//! CKM_EDDSA with CK_EDDSA_PARAMS (PKCS#11 3.0 Current Mechanisms §2.3.14)
//! through the real module: Ed25519ctx, Ed25519ph, Ed448 with a context and
//! Ed448ph on keys generated in the token, and the RFC 8032 §7.2 Ed25519ctx
//! vector on an imported key. A signature checked under another context or
//! the other phFlag is CKR_SIGNATURE_INVALID.

mod common;
use common::*;
use cryptoki::error::RvError;
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;

/// RFC 8410 OIDs in CKA_EC_PARAMS.
const ED25519_OID: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x70];
const ED448_OID: &[u8] = &[0x06, 0x03, 0x2b, 0x65, 0x71];

fn eddsa(scheme: EddsaSignatureScheme<'_>) -> Mechanism<'_> {
    Mechanism::Eddsa(EddsaParams::new(scheme))
}

fn pair(s: &Session, oid: &[u8]) -> (ObjectHandle, ObjectHandle) {
    s.generate_key_pair(
        &Mechanism::EccEdwardsKeyPairGen,
        &[Attribute::EcParams(oid.to_vec()), Attribute::Verify(true)],
        &[Attribute::Sign(true)],
    )
    .unwrap()
}

fn session() -> (Store, cryptoki::context::Pkcs11, Session) {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "eddsa");
    let s = user_session(&p, slot);
    (st, p, s)
}

/// Signs with each scheme, verifies with it, and checks that every other
/// scheme of the list refuses the signature with CKR_SIGNATURE_INVALID.
fn round_trip(
    s: &Session,
    public: ObjectHandle,
    private: ObjectHandle,
    schemes: &[EddsaSignatureScheme<'_>],
    len: usize,
) {
    let data = b"keybridge eddsa parameters";
    for (i, scheme) in schemes.iter().enumerate() {
        let sig = s.sign(&eddsa(*scheme), private, data).unwrap();
        assert_eq!(sig.len(), len);
        s.verify(&eddsa(*scheme), public, data, &sig).unwrap();
        // Multi-part gives the same deterministic signature.
        s.sign_init(&eddsa(*scheme), private).unwrap();
        s.sign_update(&data[..5]).unwrap();
        s.sign_update(&data[5..]).unwrap();
        assert_eq!(s.sign_final().unwrap(), sig, "{scheme:?} multi-part");
        assert_eq!(
            rv(s.verify(&eddsa(*scheme), public, b"another message", &sig)),
            RvError::SignatureInvalid
        );
        for (j, other) in schemes.iter().enumerate() {
            if i != j {
                assert_eq!(
                    rv(s.verify(&eddsa(*other), public, data, &sig)),
                    RvError::SignatureInvalid,
                    "{scheme:?} signature accepted as {other:?}"
                );
            }
        }
    }
}

#[test]
fn ed25519_context_and_prehash_round_trip() {
    let (_st, _p, s) = session();
    let (public, private) = pair(&s, ED25519_OID);
    round_trip(
        &s,
        public,
        private,
        &[
            EddsaSignatureScheme::Pure,
            EddsaSignatureScheme::Ed25519ctx(b"context"),
            EddsaSignatureScheme::Ed25519ctx(b"other context"),
            EddsaSignatureScheme::Ed25519ph(&[]),
            EddsaSignatureScheme::Ed25519ph(b"context"),
        ],
        64,
    );
}

#[test]
fn ed448_context_and_prehash_round_trip() {
    let (_st, _p, s) = session();
    let (public, private) = pair(&s, ED448_OID);
    round_trip(
        &s,
        public,
        private,
        &[
            EddsaSignatureScheme::Pure,
            EddsaSignatureScheme::Ed448(b"context"),
            EddsaSignatureScheme::Ed448(b"other context"),
            EddsaSignatureScheme::Ed448ph(&[]),
            EddsaSignatureScheme::Ed448ph(b"context"),
        ],
        114,
    );
    // Ed448 with an empty context is pure Ed448.
    let data = b"m";
    let sig = s
        .sign(&eddsa(EddsaSignatureScheme::Pure), private, data)
        .unwrap();
    s.verify(&eddsa(EddsaSignatureScheme::Ed448(&[])), public, data, &sig)
        .unwrap();
}

#[test]
fn rfc8032_ed25519ctx_vector_through_the_module() {
    let (_st, _p, s) = session();
    // RFC 8032 §7.2 "foo": the signature is deterministic, so the token's
    // must be the RFC's.
    let private = s
        .create_object(&[
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::KeyType(KeyType::EC_EDWARDS),
            Attribute::EcParams(ED25519_OID.to_vec()),
            Attribute::Value(hex(
                "0305334e381af78f141cb666f6199f57bc3495335a256a95bd2a55bf546663f6",
            )),
            Attribute::Sign(true),
        ])
        .unwrap();
    let mut point = vec![0x04, 0x20];
    point.extend(hex(
        "dfc9425e4f968f7f0c29f0259cf5f9aed6851c2bb4ad8bfb860cfee0ab248292",
    ));
    let public = s
        .create_object(&[
            Attribute::Class(ObjectClass::PUBLIC_KEY),
            Attribute::KeyType(KeyType::EC_EDWARDS),
            Attribute::EcParams(ED25519_OID.to_vec()),
            Attribute::EcPoint(point),
            Attribute::Verify(true),
        ])
        .unwrap();
    let m = eddsa(EddsaSignatureScheme::Ed25519ctx(b"foo"));
    let msg = hex("f726936d19c800494e3fdaff20b276a8");
    let sig = s.sign(&m, private, &msg).unwrap();
    assert_eq!(
        sig,
        hex("55a4cc2f70a54e04288c5f4cd1e45a7bb520b36292911876cada7323198dd87a8b36950b95130022907a7fb7c4e9b2d5f6cca685a587b4b21f4b888e4e7edb0d")
    );
    s.verify(&m, public, &msg, &sig).unwrap();
    assert_eq!(
        rv(s.verify(
            &eddsa(EddsaSignatureScheme::Ed25519ctx(b"bar")),
            public,
            &msg,
            &sig
        )),
        RvError::SignatureInvalid
    );
}

#[test]
fn overlong_context_is_a_parameter_error() {
    let (_st, _p, s) = session();
    let (_public, private) = pair(&s, ED25519_OID);
    let long = [0u8; 256];
    assert_eq!(
        rv(s.sign(
            &eddsa(EddsaSignatureScheme::Ed25519ctx(&long)),
            private,
            b"m"
        )),
        RvError::MechanismParamInvalid
    );
}
