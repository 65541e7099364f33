//! Tests of [`super`]: RFC 8032 (Ed25519, Ed448), RFC 6979 (a P-256 ECDSA
//! signature to verify), RFC 4231 / RFC 4493 through the sign interface,
//! RFC 8017 encodings cross-checked between schemes, streaming and negatives.

use super::*;
use crate::crypto::digest::digest;
use crate::crypto::generate::{generate_key_pair, Curve, KeyPair, KeyPairSpec};
use crate::crypto::keys::{
    ec_private_from_scalar, ec_public_from_point, private_from_raw, public_from_private, RawKeyKind,
};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

const DER: EcdsaEncoding = EcdsaEncoding::Der;
const RAW: EcdsaEncoding = EcdsaEncoding::Raw;

fn pure_eddsa() -> SignatureScheme {
    SignatureScheme::EdDsa {
        prehash: false,
        context: None,
    }
}

fn rsa2048() -> KeyPair {
    generate_key_pair(KeyPairSpec::Rsa {
        bits: 2048,
        public_exponent: None,
    })
    .unwrap()
}

/// RFC 8032 §7.1 TEST 1, TEST 2 (Ed25519) and §7.4 "Blank" (Ed448).
#[test]
fn rfc8032() {
    let cases = [
        (
            RawKeyKind::Ed25519,
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "",
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        ),
        (
            RawKeyKind::Ed25519,
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "72",
            "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
        ),
        (
            RawKeyKind::Ed448,
            "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b",
            "",
            "533a37f6bbe457251f023c0d88f976ae2dfb504a843e34d2074fd823d41a591f2b233f034f628281f2fd7a22ddd47d7828c59bd0a21bfd3980ff0d2028d4b18a9df63e006c5d1c2d345b925d8dc00b4104852db99ac5c7cdda8530a113a0f4dbb61149f05a7363268c71d95808ff2e652600",
        ),
    ];
    for (kind, seed, msg, sig) in cases {
        let private = private_from_raw(kind, &h(seed)).unwrap();
        let public = public_from_private(private.expose()).unwrap();
        let got = sign(
            SigningKey::Private(private.expose()),
            &pure_eddsa(),
            &h(msg),
            DER,
        )
        .unwrap();
        assert_eq!(hex::encode(&got), sig, "{kind:?}");
        verify(
            VerifyingKey::Public(&public),
            &pure_eddsa(),
            &h(msg),
            &got,
            DER,
        )
        .unwrap();
        let mut bad = got.clone();
        bad[0] ^= 1;
        assert!(matches!(
            verify(
                VerifyingKey::Public(&public),
                &pure_eddsa(),
                &h(msg),
                &bad,
                DER
            ),
            Err(Error::VerificationFailed)
        ));
        assert!(matches!(
            verify(
                VerifyingKey::Public(&public),
                &pure_eddsa(),
                b"other",
                &got,
                DER
            ),
            Err(Error::VerificationFailed)
        ));
    }
}

/// The variants OpenSSL 3.0 lacks go through `eddsa` (its own tests check
/// the RFC 8032 vectors): each round-trips, and none verifies as another.
#[test]
fn eddsa_variants_round_trip_and_differ() {
    let ed25519 = generate_key_pair(KeyPairSpec::Ed25519).unwrap();
    let ed448 = generate_key_pair(KeyPairSpec::Ed448).unwrap();
    let variants = |ed448: bool| {
        let mut v = vec![
            pure_eddsa(),
            SignatureScheme::EdDsa {
                prehash: true,
                context: None,
            },
            SignatureScheme::EdDsa {
                prehash: true,
                context: Some(b"ctx".to_vec()),
            },
            SignatureScheme::EdDsa {
                prehash: false,
                context: Some(b"ctx".to_vec()),
            },
        ];
        if !ed448 {
            // Ed25519ctx with an empty context differs from pure Ed25519.
            v.push(SignatureScheme::EdDsa {
                prehash: false,
                context: Some(vec![]),
            });
        }
        v
    };
    for (kp, is448) in [(&ed25519, false), (&ed448, true)] {
        let all = variants(is448);
        for (i, scheme) in all.iter().enumerate() {
            let sig = sign(
                SigningKey::Private(kp.private_pkcs8.expose()),
                scheme,
                b"m",
                DER,
            )
            .unwrap();
            for (j, other) in all.iter().enumerate() {
                let r = verify(
                    VerifyingKey::Public(&kp.public_spki),
                    other,
                    b"m",
                    &sig,
                    DER,
                );
                if i == j {
                    r.unwrap();
                } else {
                    assert!(
                        matches!(r, Err(Error::VerificationFailed)),
                        "{scheme:?} verified as {other:?}"
                    );
                }
            }
        }
    }
    // Ed448 with an explicitly empty context is plain Ed448.
    let empty = SignatureScheme::EdDsa {
        prehash: false,
        context: Some(vec![]),
    };
    let sig = sign(
        SigningKey::Private(ed448.private_pkcs8.expose()),
        &empty,
        b"m",
        DER,
    )
    .unwrap();
    verify(
        VerifyingKey::Public(&ed448.public_spki),
        &pure_eddsa(),
        b"m",
        &sig,
        DER,
    )
    .unwrap();
    // EdDSA is single-part.
    assert!(matches!(
        SignContext::new(
            SigningKey::Private(ed448.private_pkcs8.expose()),
            &pure_eddsa(),
            DER
        ),
        Err(Error::Unsupported(_))
    ));
}

/// RFC 6979 §A.2.5: P-256 key, SHA-256, message "sample". The signature is
/// deterministic there; OpenSSL 3.0 signs with random k, so we verify it.
#[test]
fn rfc6979_p256_signature_verifies() {
    let x = h("c9afa9d845ba75166b5c215767b1d6934e50c3db36e89b127b8a622b120f6721");
    let point = h("04\
        60fed4ba255a9d31c961eb74c6356d68c049b8923b61fa6ce669622e60f29fb6\
        7903fe1008b8bc99a41ae9e95628bc64f2f1b20c2d7e9f5177a3c294d4462299");
    let spki = ec_public_from_point(Curve::P256, &point).unwrap();
    let private = ec_private_from_scalar(Curve::P256, &x).unwrap();
    assert_eq!(public_from_private(private.expose()).unwrap(), spki);
    let sig = h(
        "efd48b2aacb6a8fd1140dd9cd45e81d69d2c877b56aaf991c34d0ea84eaf3716\
                 f7cb1c942d657c41d436c7a1b6e29f65f3e900dbb9aff4064dc4ab2f843acda8",
    );
    let scheme = SignatureScheme::Ecdsa {
        hash: Some(DigestAlgorithm::Sha256),
    };
    verify(VerifyingKey::Public(&spki), &scheme, b"sample", &sig, RAW).unwrap();
    // The same, prehashed (CKM_ECDSA).
    let d = digest(DigestAlgorithm::Sha256, b"sample").unwrap();
    verify(
        VerifyingKey::Public(&spki),
        &SignatureScheme::Ecdsa { hash: None },
        &d,
        &sig,
        RAW,
    )
    .unwrap();
    let mut bad = sig.clone();
    bad[63] ^= 1;
    assert!(matches!(
        verify(VerifyingKey::Public(&spki), &scheme, b"sample", &bad, RAW),
        Err(Error::VerificationFailed)
    ));
    assert!(matches!(
        verify(
            VerifyingKey::Public(&spki),
            &scheme,
            b"sample",
            &sig[..63],
            RAW
        ),
        Err(Error::VerificationFailed)
    ));
    assert!(matches!(
        verify(VerifyingKey::Public(&spki), &scheme, b"sample", &sig, DER),
        Err(Error::VerificationFailed)
    ));
}

#[test]
fn ecdsa_round_trips_on_every_curve() {
    for (curve, width) in [(Curve::P256, 32), (Curve::P384, 48), (Curve::P521, 66)] {
        let kp = generate_key_pair(KeyPairSpec::Ec(curve)).unwrap();
        let sk = SigningKey::Private(kp.private_pkcs8.expose());
        let vk = VerifyingKey::Public(&kp.public_spki);
        for hash in [
            DigestAlgorithm::Sha256,
            DigestAlgorithm::Sha384,
            DigestAlgorithm::Sha512,
            DigestAlgorithm::Sha3_256,
        ] {
            let hashed = SignatureScheme::Ecdsa { hash: Some(hash) };
            let raw = sign(sk, &hashed, b"message", RAW).unwrap();
            assert_eq!(raw.len(), 2 * width);
            verify(vk, &hashed, b"message", &raw, RAW).unwrap();
            let der = sign(sk, &hashed, b"message", DER).unwrap();
            assert_eq!(der[0], 0x30);
            verify(vk, &hashed, b"message", &der, DER).unwrap();
            // A prehashed signature verifies as a hashed one and back.
            let d = digest(hash, b"message").unwrap();
            let pre = sign(sk, &SignatureScheme::Ecdsa { hash: None }, &d, RAW).unwrap();
            verify(vk, &hashed, b"message", &pre, RAW).unwrap();
            verify(vk, &SignatureScheme::Ecdsa { hash: None }, &d, &raw, RAW).unwrap();
            assert!(matches!(
                verify(vk, &hashed, b"messagE", &raw, RAW),
                Err(Error::VerificationFailed)
            ));
            assert!(matches!(
                verify(vk, &hashed, b"message", &der[..der.len() - 1], DER),
                Err(Error::VerificationFailed)
            ));
        }
    }
}

/// RFC 8017 §9.2: PKCS#1 v1.5 with SHA-256 = padding of DigestInfo, whose
/// DER prefix is given in §9.2 Note 1; and raw RSA of the EMSA block equals it.
#[test]
fn rsa_pkcs1_encodings_agree() {
    let kp = rsa2048();
    let sk = SigningKey::Private(kp.private_pkcs8.expose());
    let vk = VerifyingKey::Public(&kp.public_spki);
    let msg = b"RSA PKCS#1 v1.5";
    let d = digest(DigestAlgorithm::Sha256, msg).unwrap();
    let digest_info = [h("3031300d060960864801650304020105000420"), d.clone()].concat();

    let hashed = sign(
        sk,
        &SignatureScheme::RsaPkcs1v15 {
            hash: Some(DigestAlgorithm::Sha256),
        },
        msg,
        DER,
    )
    .unwrap();
    let prehashed = sign(
        sk,
        &SignatureScheme::RsaPkcs1v15Prehashed {
            hash: DigestAlgorithm::Sha256,
        },
        &d,
        DER,
    )
    .unwrap();
    let encoded = sign(
        sk,
        &SignatureScheme::RsaPkcs1v15 { hash: None },
        &digest_info,
        DER,
    )
    .unwrap();
    let mut em = vec![0x00, 0x01];
    em.extend(vec![0xff; 256 - 3 - digest_info.len()]);
    em.push(0x00);
    em.extend_from_slice(&digest_info);
    let raw = sign(sk, &SignatureScheme::RsaRaw, &em, DER).unwrap();
    assert_eq!(hashed.len(), 256);
    assert_eq!(hashed, prehashed);
    assert_eq!(hashed, encoded);
    assert_eq!(hashed, raw);

    verify(
        vk,
        &SignatureScheme::RsaPkcs1v15 {
            hash: Some(DigestAlgorithm::Sha256),
        },
        msg,
        &hashed,
        DER,
    )
    .unwrap();
    verify(
        vk,
        &SignatureScheme::RsaPkcs1v15Prehashed {
            hash: DigestAlgorithm::Sha256,
        },
        &d,
        &hashed,
        DER,
    )
    .unwrap();
    verify(
        vk,
        &SignatureScheme::RsaPkcs1v15 { hash: None },
        &digest_info,
        &hashed,
        DER,
    )
    .unwrap();
    verify(vk, &SignatureScheme::RsaRaw, &em, &hashed, DER).unwrap();
    // Raw RSA drops leading zeros of the input the way CKM_RSA_X_509 does.
    verify(vk, &SignatureScheme::RsaRaw, &em[1..], &hashed, DER).unwrap();

    let mut bad = hashed.clone();
    bad[17] ^= 4;
    for (scheme, data) in [
        (
            SignatureScheme::RsaPkcs1v15 {
                hash: Some(DigestAlgorithm::Sha256),
            },
            &msg[..],
        ),
        (
            SignatureScheme::RsaPkcs1v15Prehashed {
                hash: DigestAlgorithm::Sha256,
            },
            &d[..],
        ),
        (
            SignatureScheme::RsaPkcs1v15 { hash: None },
            &digest_info[..],
        ),
        (SignatureScheme::RsaRaw, &em[..]),
    ] {
        assert!(
            matches!(
                verify(vk, &scheme, data, &bad, DER),
                Err(Error::VerificationFailed)
            ),
            "{scheme:?}"
        );
        assert!(
            matches!(
                verify(vk, &scheme, data, &bad[1..], DER),
                Err(Error::VerificationFailed)
            ),
            "{scheme:?}"
        );
    }
    // Wrong digest length for a prehashed scheme; too-long data for CKM_RSA_PKCS.
    assert!(matches!(
        sign(
            sk,
            &SignatureScheme::RsaPkcs1v15Prehashed {
                hash: DigestAlgorithm::Sha256
            },
            &d[..31],
            DER
        ),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        sign(
            sk,
            &SignatureScheme::RsaPkcs1v15 { hash: None },
            &[1u8; 250],
            DER
        ),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        sign(sk, &SignatureScheme::RsaRaw, &[0xffu8; 256], DER),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        sign(sk, &SignatureScheme::RsaRaw, &[1u8; 257], DER),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn rsa_pss() {
    let kp = rsa2048();
    let sk = SigningKey::Private(kp.private_pkcs8.expose());
    let vk = VerifyingKey::Public(&kp.public_spki);
    for (hash, mgf1, salt_len) in [
        (DigestAlgorithm::Sha256, DigestAlgorithm::Sha256, 32),
        (DigestAlgorithm::Sha384, DigestAlgorithm::Sha1, 0),
        (DigestAlgorithm::Sha512, DigestAlgorithm::Sha512, 64),
        (DigestAlgorithm::Sha1, DigestAlgorithm::Sha1, 20),
    ] {
        let scheme = SignatureScheme::RsaPss {
            hash,
            mgf1,
            salt_len,
            prehashed: false,
        };
        let pre = SignatureScheme::RsaPss {
            hash,
            mgf1,
            salt_len,
            prehashed: true,
        };
        let sig = sign(sk, &scheme, b"pss message", DER).unwrap();
        verify(vk, &scheme, b"pss message", &sig, DER).unwrap();
        let d = digest(hash, b"pss message").unwrap();
        verify(vk, &pre, &d, &sig, DER).unwrap();
        let sig2 = sign(sk, &pre, &d, DER).unwrap();
        verify(vk, &scheme, b"pss message", &sig2, DER).unwrap();
        if salt_len > 0 {
            assert_ne!(sig, sig2, "salted PSS is randomized");
        }
        // A different salt length or MGF1 hash does not verify.
        let other_salt = SignatureScheme::RsaPss {
            hash,
            mgf1,
            salt_len: salt_len + 1,
            prehashed: false,
        };
        assert!(matches!(
            verify(vk, &other_salt, b"pss message", &sig, DER),
            Err(Error::VerificationFailed)
        ));
        let other_mgf = SignatureScheme::RsaPss {
            hash,
            mgf1: DigestAlgorithm::Sha224,
            salt_len,
            prehashed: false,
        };
        assert!(matches!(
            verify(vk, &other_mgf, b"pss message", &sig, DER),
            Err(Error::VerificationFailed)
        ));
    }
    // emLen = 256: hLen + sLen + 2 <= 256.
    let too_long = SignatureScheme::RsaPss {
        hash: DigestAlgorithm::Sha256,
        mgf1: DigestAlgorithm::Sha256,
        salt_len: 223,
        prehashed: false,
    };
    assert!(matches!(
        sign(sk, &too_long, b"m", DER),
        Err(Error::InvalidArgument(_))
    ));
    let max = SignatureScheme::RsaPss {
        hash: DigestAlgorithm::Sha256,
        mgf1: DigestAlgorithm::Sha256,
        salt_len: 222,
        prehashed: false,
    };
    let sig = sign(sk, &max, b"m", DER).unwrap();
    verify(vk, &max, b"m", &sig, DER).unwrap();
}

/// RFC 4231 test case 2 (HMAC-SHA-256) and RFC 4493 example 2 (AES-CMAC)
/// through the signature interface.
#[test]
fn macs_through_sign() {
    let tag = sign(
        SigningKey::Secret(b"Jefe"),
        &SignatureScheme::Hmac(DigestAlgorithm::Sha256),
        b"what do ya want for nothing?",
        DER,
    )
    .unwrap();
    assert_eq!(
        hex::encode(&tag),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    verify(
        VerifyingKey::Secret(b"Jefe"),
        &SignatureScheme::Hmac(DigestAlgorithm::Sha256),
        b"what do ya want for nothing?",
        &tag,
        DER,
    )
    .unwrap();
    assert!(matches!(
        verify(
            VerifyingKey::Secret(b"Jeff"),
            &SignatureScheme::Hmac(DigestAlgorithm::Sha256),
            b"what do ya want for nothing?",
            &tag,
            DER
        ),
        Err(Error::VerificationFailed)
    ));
    let key = h("2b7e151628aed2a6abf7158809cf4f3c");
    let msg = h("6bc1bee22e409f96e93d7e117393172a");
    let tag = sign(
        SigningKey::Secret(&key),
        &SignatureScheme::CmacAes,
        &msg,
        DER,
    )
    .unwrap();
    assert_eq!(hex::encode(&tag), "070a16b46b4d4144f79bdd9dd04a287c");
    let mut bad = tag.clone();
    bad[0] ^= 1;
    assert!(matches!(
        verify(
            VerifyingKey::Secret(&key),
            &SignatureScheme::CmacAes,
            &msg,
            &bad,
            DER
        ),
        Err(Error::VerificationFailed)
    ));
}

#[test]
fn keys_must_fit_the_scheme() {
    let rsa = rsa2048();
    let ec = generate_key_pair(KeyPairSpec::Ec(Curve::P256)).unwrap();
    let ed = generate_key_pair(KeyPairSpec::Ed25519).unwrap();
    let x = generate_key_pair(KeyPairSpec::X25519).unwrap();
    let rsa_scheme = SignatureScheme::RsaPkcs1v15 {
        hash: Some(DigestAlgorithm::Sha256),
    };
    let ecdsa = SignatureScheme::Ecdsa {
        hash: Some(DigestAlgorithm::Sha256),
    };
    for (key, scheme) in [
        (&ec, &rsa_scheme),
        (&ed, &rsa_scheme),
        (&rsa, &ecdsa),
        (&rsa, &pure_eddsa()),
        (&x, &pure_eddsa()),
        (&ec, &SignatureScheme::RsaRaw),
    ] {
        assert!(
            matches!(
                sign(
                    SigningKey::Private(key.private_pkcs8.expose()),
                    scheme,
                    b"m",
                    DER
                ),
                Err(Error::InvalidArgument(_))
            ),
            "{scheme:?}"
        );
        assert!(matches!(
            verify(
                VerifyingKey::Public(&key.public_spki),
                scheme,
                b"m",
                &[0u8; 64],
                DER
            ),
            Err(Error::InvalidArgument(_))
        ));
    }
    assert!(matches!(
        sign(SigningKey::Secret(&[0u8; 32]), &ecdsa, b"m", DER),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        sign(
            SigningKey::Private(rsa.private_pkcs8.expose()),
            &SignatureScheme::Hmac(DigestAlgorithm::Sha256),
            b"m",
            DER
        ),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        sign(SigningKey::Private(b"junk"), &ecdsa, b"m", DER),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        verify(VerifyingKey::Public(b"junk"), &ecdsa, b"m", b"s", DER),
        Err(Error::InvalidArgument(_))
    ));
}
