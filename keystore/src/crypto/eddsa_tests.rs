//! Tests of [`super`] through [`crate::crypto::sign`]: every variant
//! against the RFC 8032 §7.2 (Ed25519ctx), §7.3 (Ed25519ph), §7.4 (Ed448
//! with context "foo") and §7.5 (Ed448ph, empty and "foo" context) vectors,
//! then the refusals (wrong context, flipped bits, over-long context).

use crate::crypto::keys::{private_from_raw, public_from_private, RawKeyKind};
use crate::crypto::sign::{sign, verify, EcdsaEncoding, SignatureScheme, SigningKey, VerifyingKey};
use crate::error::Error;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

fn scheme(prehash: bool, context: &str) -> SignatureScheme {
    SignatureScheme::EdDsa {
        prehash,
        context: Some(h(context)),
    }
}

struct Vector {
    kind: RawKeyKind,
    seed: &'static str,
    public: &'static str,
    message: &'static str,
    prehash: bool,
    context: &'static str,
    signature: &'static str,
}

const VECTORS: &[Vector] = &[
    // RFC 8032 §7.2 Ed25519ctx "foo", "bar", "foo2".
    Vector {
        kind: RawKeyKind::Ed25519,
        seed: "0305334e381af78f141cb666f6199f57bc3495335a256a95bd2a55bf546663f6",
        public: "dfc9425e4f968f7f0c29f0259cf5f9aed6851c2bb4ad8bfb860cfee0ab248292",
        message: "f726936d19c800494e3fdaff20b276a8",
        prehash: false,
        context: "666f6f",
        signature: "55a4cc2f70a54e04288c5f4cd1e45a7bb520b36292911876cada7323198dd87a8b36950b95130022907a7fb7c4e9b2d5f6cca685a587b4b21f4b888e4e7edb0d",
    },
    Vector {
        kind: RawKeyKind::Ed25519,
        seed: "0305334e381af78f141cb666f6199f57bc3495335a256a95bd2a55bf546663f6",
        public: "dfc9425e4f968f7f0c29f0259cf5f9aed6851c2bb4ad8bfb860cfee0ab248292",
        message: "f726936d19c800494e3fdaff20b276a8",
        prehash: false,
        context: "626172",
        signature: "fc60d5872fc46b3aa69f8b5b4351d5808f92bcc044606db097abab6dbcb1aee3216c48e8b3b66431b5b186d1d28f8ee15a5ca2df6668346291c2043d4eb3e90d",
    },
    Vector {
        kind: RawKeyKind::Ed25519,
        seed: "0305334e381af78f141cb666f6199f57bc3495335a256a95bd2a55bf546663f6",
        public: "dfc9425e4f968f7f0c29f0259cf5f9aed6851c2bb4ad8bfb860cfee0ab248292",
        message: "508e9e6882b979fea900f62adceaca35",
        prehash: false,
        context: "666f6f",
        signature: "8b70c1cc8310e1de20ac53ce28ae6e7207f33c3295e03bb5c0732a1d20dc64908922a8b052cf99b7c4fe107a5abb5b2c4085ae75890d02df26269d8945f84b0b",
    },
    // RFC 8032 §7.3 Ed25519ph "abc".
    Vector {
        kind: RawKeyKind::Ed25519,
        seed: "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
        public: "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
        message: "616263",
        prehash: true,
        context: "",
        signature: "98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406",
    },
    // RFC 8032 §7.4 Ed448 "1 octet (with context)".
    Vector {
        kind: RawKeyKind::Ed448,
        seed: "c4eab05d357007c632f3dbb48489924d552b08fe0c353a0d4a1f00acda2c463afbea67c5e8d2877c5e3bc397a659949ef8021e954e0a12274e",
        public: "43ba28f430cdff456ae531545f7ecd0ac834a55d9358c0372bfa0c6c6798c0866aea01eb00742802b8438ea4cb82169c235160627b4c3a9480",
        message: "03",
        prehash: false,
        context: "666f6f",
        signature: "d4f8f6131770dd46f40867d6fd5d5055de43541f8c5e35abbcd001b32a89f7d2151f7647f11d8ca2ae279fb842d607217fce6e042f6815ea000c85741de5c8da1144a6a1aba7f96de42505d7a7298524fda538fccbbb754f578c1cad10d54d0d5428407e85dcbc98a49155c13764e66c3c00",
    },
    // RFC 8032 §7.5 Ed448ph "abc", empty context and context "foo".
    Vector {
        kind: RawKeyKind::Ed448,
        seed: "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42ef7822e0d5104127dc05d6dbefde69e3ab2cec7c867c6e2c49",
        public: "259b71c19f83ef77a7abd26524cbdb3161b590a48f7d17de3ee0ba9c52beb743c09428a131d6b1b57303d90d8132c276d5ed3d5d01c0f53880",
        message: "616263",
        prehash: true,
        context: "",
        signature: "822f6901f7480f3d5f562c592994d9693602875614483256505600bbc281ae381f54d6bce2ea911574932f52a4e6cadd78769375ec3ffd1b801a0d9b3f4030cd433964b6457ea39476511214f97469b57dd32dbc560a9a94d00bff07620464a3ad203df7dc7ce360c3cd3696d9d9fab90f00",
    },
    Vector {
        kind: RawKeyKind::Ed448,
        seed: "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42ef7822e0d5104127dc05d6dbefde69e3ab2cec7c867c6e2c49",
        public: "259b71c19f83ef77a7abd26524cbdb3161b590a48f7d17de3ee0ba9c52beb743c09428a131d6b1b57303d90d8132c276d5ed3d5d01c0f53880",
        message: "616263",
        prehash: true,
        context: "666f6f",
        signature: "c32299d46ec8ff02b54540982814dce9a05812f81962b649d528095916a2aa481065b1580423ef927ecf0af5888f90da0f6a9a85ad5dc3f280d91224ba9911a3653d00e484e2ce232521481c8658df304bb7745a73514cdb9bf3e15784ab71284f8d0704a608c54a6b62d97beb511d132100",
    },
];

const DER: EcdsaEncoding = EcdsaEncoding::Der;

#[test]
fn rfc8032_context_and_prehash_vectors() {
    for v in VECTORS {
        let private = private_from_raw(v.kind, &h(v.seed)).unwrap();
        let public = public_from_private(private.expose()).unwrap();
        // The SPKI ends with the raw public key of the vector.
        assert!(public.ends_with(&h(v.public)), "{}", v.signature);
        let s = scheme(v.prehash, v.context);
        let sig = sign(
            SigningKey::Private(private.expose()),
            &s,
            &h(v.message),
            DER,
        )
        .unwrap();
        assert_eq!(hex::encode(&sig), v.signature);
        verify(VerifyingKey::Public(&public), &s, &h(v.message), &sig, DER).unwrap();

        // Another context, the other prehash flag, another message or a
        // flipped bit: each is a different signature.
        let other_ctx = scheme(v.prehash, "0102");
        let other_ph = scheme(!v.prehash, v.context);
        for (scheme, msg, sig) in [
            (&other_ctx, h(v.message), sig.clone()),
            (&other_ph, h(v.message), sig.clone()),
            (&s, [h(v.message), vec![0]].concat(), sig.clone()),
            (&s, h(v.message), {
                let mut bad = sig.clone();
                bad[5] ^= 0x10;
                bad
            }),
            (&s, h(v.message), {
                let mut bad = sig.clone();
                let last = bad.len() - 2;
                bad[last] ^= 0x01;
                bad
            }),
        ] {
            assert!(
                matches!(
                    verify(VerifyingKey::Public(&public), scheme, &msg, &sig, DER),
                    Err(Error::VerificationFailed)
                ),
                "{scheme:?} accepted for {}",
                v.signature
            );
        }
    }
}

#[test]
fn pure_signature_is_not_a_context_signature() {
    // RFC 8032 §7.1 TEST 1 key: Ed25519 and Ed25519ctx differ, and a pure
    // signature does not verify as Ed25519ph.
    let private = private_from_raw(
        RawKeyKind::Ed25519,
        &h("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"),
    )
    .unwrap();
    let public = public_from_private(private.expose()).unwrap();
    let pure = SignatureScheme::EdDsa {
        prehash: false,
        context: None,
    };
    let sig = sign(SigningKey::Private(private.expose()), &pure, b"", DER).unwrap();
    for s in [scheme(false, "00"), scheme(true, "")] {
        assert!(matches!(
            verify(VerifyingKey::Public(&public), &s, b"", &sig, DER),
            Err(Error::VerificationFailed)
        ));
    }
}

#[test]
fn context_longer_than_255_bytes_is_refused() {
    for kind in [RawKeyKind::Ed25519, RawKeyKind::Ed448] {
        let len = if kind == RawKeyKind::Ed25519 { 32 } else { 57 };
        let private = private_from_raw(kind, &vec![7u8; len]).unwrap();
        let s = SignatureScheme::EdDsa {
            prehash: false,
            context: Some(vec![0; 256]),
        };
        assert!(matches!(
            sign(SigningKey::Private(private.expose()), &s, b"m", DER),
            Err(Error::InvalidArgument(_))
        ));
        let at_limit = SignatureScheme::EdDsa {
            prehash: true,
            context: Some(vec![0; 255]),
        };
        let public = public_from_private(private.expose()).unwrap();
        let sig = sign(SigningKey::Private(private.expose()), &at_limit, b"m", DER).unwrap();
        verify(VerifyingKey::Public(&public), &at_limit, b"m", &sig, DER).unwrap();
    }
}
