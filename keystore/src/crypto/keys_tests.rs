//! Tests of [`super`]: RFC 8032 and RFC 7748 key vectors, component round
//! trips and malformed input.

use super::*;
use crate::crypto::generate::{generate_key_pair, KeyPairSpec};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

/// RFC 8032 §7.1 TEST 1 and TEST 2, RFC 8032 §7.4 "Blank" (Ed448) and
/// RFC 7748 §6.1 (X25519 Alice and Bob): public key from private seed.
#[test]
fn raw_public_from_raw_private_standard_vectors() {
    let cases = [
        (
            RawKeyKind::Ed25519,
            "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        ),
        (
            RawKeyKind::Ed25519,
            "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
            "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        ),
        (
            RawKeyKind::Ed448,
            "6c82a562cb808d10d632be89c8513ebf6c929f34ddfa8c9f63c9960ef6e348a3528c8a3fcc2f044e39a3fc5b94492f8f032e7549a20098f95b",
            "5fd7449b59b461fd2ce787ec616ad46a1da1342485a70e1f8a0ea75d80e96778edf124769b46c7061bd6783df1e50f6cd1fa1abeafe8256180",
        ),
        (
            RawKeyKind::X25519,
            "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
            "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
        ),
        (
            RawKeyKind::X25519,
            "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb",
            "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f",
        ),
    ];
    for (kind, private, public) in cases {
        let pkcs8 = private_from_raw(kind, &h(private)).unwrap();
        assert_eq!(
            describe_private(pkcs8.expose()).unwrap(),
            AsymmetricKind::from(kind)
        );
        assert_eq!(
            raw_private(pkcs8.expose()).unwrap().expose(),
            &h(private)[..]
        );
        let spki = public_from_private(pkcs8.expose()).unwrap();
        assert_eq!(raw_public(&spki).unwrap(), h(public), "{kind:?}");
        assert_eq!(public_from_raw(kind, &h(public)).unwrap(), spki);
    }
}

#[test]
fn raw_keys_round_trip_and_reject_bad_lengths() {
    for (spec, kind) in [
        (KeyPairSpec::Ed25519, RawKeyKind::Ed25519),
        (KeyPairSpec::Ed448, RawKeyKind::Ed448),
        (KeyPairSpec::X25519, RawKeyKind::X25519),
        (KeyPairSpec::X448, RawKeyKind::X448),
    ] {
        let kp = generate_key_pair(spec).unwrap();
        let raw = raw_private(kp.private_pkcs8.expose()).unwrap();
        assert_eq!(raw.len(), kind.key_len());
        let again = private_from_raw(kind, raw.expose()).unwrap();
        assert_eq!(public_from_private(again.expose()).unwrap(), kp.public_spki);
        let pubraw = raw_public(&kp.public_spki).unwrap();
        assert_eq!(public_from_raw(kind, &pubraw).unwrap(), kp.public_spki);
        assert!(matches!(
            private_from_raw(kind, &raw.expose()[1..]),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            public_from_raw(kind, &[0u8; 3]),
            Err(Error::InvalidArgument(_))
        ));
    }
    let ec = generate_key_pair(KeyPairSpec::Ec(Curve::P256)).unwrap();
    assert!(matches!(
        raw_public(&ec.public_spki),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn rsa_components_round_trip() {
    let kp = generate_key_pair(KeyPairSpec::Rsa {
        bits: 2048,
        public_exponent: None,
    })
    .unwrap();
    let (n, e) = rsa_public_components(&kp.public_spki).unwrap();
    assert_eq!(n.len(), 256);
    assert_eq!(e, vec![1, 0, 1]);
    assert_eq!(rsa_public_from_components(&n, &e).unwrap(), kp.public_spki);

    let c = rsa_private_components(kp.private_pkcs8.expose()).unwrap();
    assert_eq!(c.modulus, n);
    let back = rsa_private_from_components(&c).unwrap();
    assert_eq!(rsa_private_components(back.expose()).unwrap(), c);

    // Without CRT values: computed.
    let mut partial = c.clone();
    partial.exponent1 = SecretBytes::default();
    partial.exponent2 = SecretBytes::default();
    partial.coefficient = SecretBytes::default();
    let back = rsa_private_from_components(&partial).unwrap();
    assert_eq!(rsa_private_components(back.expose()).unwrap(), c);

    // Inconsistent: a wrong private exponent.
    let mut bad = c.clone();
    let mut d = bad.private_exponent.expose().to_vec();
    d[10] ^= 1;
    bad.private_exponent = SecretBytes::new(d);
    assert!(matches!(
        rsa_private_from_components(&bad),
        Err(Error::InvalidArgument(_))
    ));

    // Without primes: not supported.
    let mut no_primes = c.clone();
    no_primes.prime1 = SecretBytes::default();
    assert!(matches!(
        rsa_private_from_components(&no_primes),
        Err(Error::Unsupported(_))
    ));

    // Bad public parts.
    assert!(rsa_public_from_components(&n[..64], &e).is_err());
    assert!(rsa_public_from_components(&n, &[2]).is_err());
    let even: Vec<u8> = n
        .iter()
        .enumerate()
        .map(|(i, &b)| if i == n.len() - 1 { b & 0xfe } else { b })
        .collect();
    assert!(rsa_public_from_components(&even, &e).is_err());
}

#[test]
fn ec_components_round_trip() {
    for curve in [Curve::P256, Curve::P384, Curve::P521] {
        let kp = generate_key_pair(KeyPairSpec::Ec(curve)).unwrap();
        let point = ec_public_point(&kp.public_spki).unwrap();
        assert_eq!(point.len(), 1 + 2 * curve.field_len());
        assert_eq!(point[0], 0x04);
        assert_eq!(ec_public_from_point(curve, &point).unwrap(), kp.public_spki);

        let d = ec_private_scalar(kp.private_pkcs8.expose()).unwrap();
        assert_eq!(d.len(), curve.field_len());
        let back = ec_private_from_scalar(curve, d.expose()).unwrap();
        assert_eq!(public_from_private(back.expose()).unwrap(), kp.public_spki);

        // Off-curve point, zero and too-large scalars.
        let mut off = point.clone();
        let last = off.len() - 1;
        off[last] ^= 1;
        assert!(matches!(
            ec_public_from_point(curve, &off),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            ec_private_from_scalar(curve, &vec![0u8; curve.field_len()]),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            ec_private_from_scalar(curve, &vec![0xffu8; curve.field_len()]),
            Err(Error::InvalidArgument(_))
        ));
    }
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    for junk in [&b""[..], b"\x30\x00", b"not a key at all"] {
        assert!(matches!(
            describe_private(junk),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            describe_public(junk),
            Err(Error::InvalidArgument(_))
        ));
        assert!(public_from_private(junk).is_err());
    }
    let ed = generate_key_pair(KeyPairSpec::Ed25519).unwrap();
    assert!(matches!(
        rsa_public_components(&ed.public_spki),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        ec_private_scalar(ed.private_pkcs8.expose()),
        Err(Error::InvalidArgument(_))
    ));
}
