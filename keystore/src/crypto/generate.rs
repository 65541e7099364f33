//! Key generation: secret keys and asymmetric key pairs.
//!
//! PKCS#11 3.0 §5.14 (`C_GenerateKey`, `C_GenerateKeyPair`),
//! KMIP 2.1 §6.1.10 (Create) and §6.1.11 (Create Key Pair).

use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::nid::Nid;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use serde::{Deserialize, Serialize};

use super::digest::DigestAlgorithm;
use super::random::random_secret;
use crate::error::{Error, Result};
use crate::secret::SecretBytes;

/// A family of secret (symmetric) keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SymmetricAlgorithm {
    /// AES (FIPS 197): 128, 192 or 256 bits.
    Aes,
    /// Opaque secret for MACs and KDFs (`CKK_GENERIC_SECRET`): 8..=4096 bits.
    GenericSecret,
    /// HMAC key for the given hash (`CKK_SHA256_HMAC`, ...): 8..=4096 bits.
    Hmac(DigestAlgorithm),
    /// ChaCha20 (RFC 8439): 256 bits.
    ChaCha20,
    /// Three-key Triple DES (SP 800-67): 192 bits including parity bits.
    TripleDes,
}

/// A named elliptic curve over a prime field (FIPS 186-5, SEC 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Curve {
    /// NIST P-256, secp256r1, prime256v1.
    P256,
    /// NIST P-384, secp384r1.
    P384,
    /// NIST P-521, secp521r1.
    P521,
}

impl Curve {
    /// The curve's NIST name ("P-256").
    pub fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }

    /// The object identifier in dotted form (RFC 5480 §2.1.1.1).
    pub fn oid(self) -> &'static str {
        match self {
            Curve::P256 => "1.2.840.10045.3.1.7",
            Curve::P384 => "1.3.132.0.34",
            Curve::P521 => "1.3.132.0.35",
        }
    }

    /// The DER encoding of the OBJECT IDENTIFIER, tag and length included:
    /// the value of `CKA_EC_PARAMS` for a named curve (PKCS#11 3.0 §2.3.3).
    pub fn oid_der(self) -> &'static [u8] {
        match self {
            Curve::P256 => &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07],
            Curve::P384 => &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22],
            Curve::P521 => &[0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23],
        }
    }

    /// The curve whose DER OBJECT IDENTIFIER is `der`, if keybridge offers it.
    pub fn from_oid_der(der: &[u8]) -> Option<Curve> {
        [Curve::P256, Curve::P384, Curve::P521]
            .into_iter()
            .find(|c| c.oid_der() == der)
    }

    /// Length in bytes of a field element, a coordinate or a private scalar.
    pub fn field_len(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }

    /// Size of the field in bits.
    pub fn bits(self) -> u32 {
        match self {
            Curve::P256 => 256,
            Curve::P384 => 384,
            Curve::P521 => 521,
        }
    }

    pub(crate) fn nid(self) -> Nid {
        match self {
            Curve::P256 => Nid::X9_62_PRIME256V1,
            Curve::P384 => Nid::SECP384R1,
            Curve::P521 => Nid::SECP521R1,
        }
    }

    pub(crate) fn from_nid(nid: Nid) -> Option<Curve> {
        match nid {
            Nid::X9_62_PRIME256V1 => Some(Curve::P256),
            Nid::SECP384R1 => Some(Curve::P384),
            Nid::SECP521R1 => Some(Curve::P521),
            _ => None,
        }
    }

    pub(crate) fn group(self) -> Result<EcGroup> {
        Ok(EcGroup::from_curve_name(self.nid())?)
    }
}

/// What kind of key pair to generate.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum KeyPairSpec {
    /// RSA (RFC 8017) with a modulus of `bits` (2048..=4096, a multiple of 8)
    /// and the public exponent as big-endian bytes (default 65537).
    Rsa {
        bits: u32,
        public_exponent: Option<Vec<u8>>,
    },
    /// ECDSA / ECDH key on a NIST prime curve.
    Ec(Curve),
    /// Ed25519 (RFC 8032).
    Ed25519,
    /// Ed448 (RFC 8032).
    Ed448,
    /// X25519 (RFC 7748).
    X25519,
    /// X448 (RFC 7748).
    X448,
}

/// A freshly generated key pair.
#[derive(Clone, Debug)]
pub struct KeyPair {
    /// The private key as unencrypted PKCS#8 DER (RFC 5208).
    pub private_pkcs8: SecretBytes,
    /// The public key as SubjectPublicKeyInfo DER (RFC 5280).
    pub public_spki: Vec<u8>,
}

/// Smallest and largest RSA modulus keybridge generates. 1024-bit keys are
/// refused: they are below every current recommendation (SP 800-131A r2).
pub const RSA_MIN_BITS: u32 = 2048;
/// See [`RSA_MIN_BITS`].
pub const RSA_MAX_BITS: u32 = 4096;

/// Checks that `bits` is a valid length for `alg` and returns it in bytes.
pub(crate) fn check_secret_len(alg: SymmetricAlgorithm, bits: u32) -> Result<usize> {
    let ok = match alg {
        SymmetricAlgorithm::Aes => matches!(bits, 128 | 192 | 256),
        SymmetricAlgorithm::ChaCha20 => bits == 256,
        SymmetricAlgorithm::TripleDes => bits == 192,
        SymmetricAlgorithm::GenericSecret | SymmetricAlgorithm::Hmac(_) => {
            (8..=4096).contains(&bits) && bits.is_multiple_of(8)
        }
    };
    if !ok {
        let allowed = match alg {
            SymmetricAlgorithm::Aes => "128, 192 or 256",
            SymmetricAlgorithm::ChaCha20 => "256",
            SymmetricAlgorithm::TripleDes => "192",
            SymmetricAlgorithm::GenericSecret | SymmetricAlgorithm::Hmac(_) => {
                "a multiple of 8 from 8 to 4096"
            }
        };
        return Err(Error::InvalidArgument(format!(
            "{bits}-bit key for {alg:?}: length must be {allowed} bits"
        )));
    }
    Ok((bits / 8) as usize)
}

/// Sets the low bit of each byte so that every byte has odd parity (SP 800-67 §3.1).
pub(crate) fn set_des_parity(key: &mut [u8]) {
    for b in key.iter_mut() {
        let high = *b & 0xfe;
        *b = high | ((high.count_ones() as u8 + 1) & 1);
    }
}

/// Generates a secret key of `bits` bits for `alg`.
///
/// Triple DES keys get odd parity on every byte, and are drawn again if two
/// of the three DES keys coincide (which would reduce them to single DES).
pub fn generate_secret(alg: SymmetricAlgorithm, bits: u32) -> Result<SecretBytes> {
    let len = check_secret_len(alg, bits)?;
    if alg != SymmetricAlgorithm::TripleDes {
        return random_secret(len);
    }
    loop {
        let mut key = random_secret(len)?;
        set_des_parity(key.expose_mut());
        let k = key.expose();
        if k[0..8] != k[8..16] && k[8..16] != k[16..24] && k[0..8] != k[16..24] {
            return Ok(key);
        }
    }
}

/// Parses and checks an RSA public exponent given as big-endian bytes: odd,
/// at least 3 and below 2^256 (FIPS 186-5 §A.1.1 sets the same upper bound).
pub(crate) fn rsa_exponent(bytes: &[u8]) -> Result<BigNum> {
    let start = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let e = &bytes[start..];
    let odd = e.last().is_some_and(|&b| b & 1 == 1);
    if !odd || e.len() > 32 || (e.len() == 1 && e[0] < 3) {
        return Err(Error::InvalidArgument(
            "RSA public exponent must be odd, at least 3 and below 2^256".into(),
        ));
    }
    Ok(BigNum::from_slice(e)?)
}

/// Generates an asymmetric key pair.
pub fn generate_key_pair(spec: KeyPairSpec) -> Result<KeyPair> {
    let private = match spec {
        KeyPairSpec::Rsa {
            bits,
            public_exponent,
        } => {
            if !(RSA_MIN_BITS..=RSA_MAX_BITS).contains(&bits) || bits % 8 != 0 {
                return Err(Error::Unsupported(format!(
                    "RSA modulus of {bits} bits: keybridge generates {RSA_MIN_BITS} to \
                     {RSA_MAX_BITS} bits in multiples of 8"
                )));
            }
            let e = match public_exponent {
                Some(bytes) => rsa_exponent(&bytes)?,
                None => BigNum::from_u32(65537)?,
            };
            PKey::from_rsa(Rsa::generate_with_e(bits, &e)?)?
        }
        KeyPairSpec::Ec(curve) => {
            let group = curve.group()?;
            PKey::from_ec_key(EcKey::generate(&group)?)?
        }
        KeyPairSpec::Ed25519 => PKey::generate_ed25519()?,
        KeyPairSpec::Ed448 => PKey::generate_ed448()?,
        KeyPairSpec::X25519 => PKey::generate_x25519()?,
        KeyPairSpec::X448 => PKey::generate_x448()?,
    };
    Ok(KeyPair {
        private_pkcs8: SecretBytes::new(private.private_key_to_pkcs8()?),
        public_spki: private.public_key_to_der()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::keys::{
        describe_private, describe_public, public_from_private, AsymmetricKind,
    };

    #[test]
    fn secret_lengths() {
        for bits in [128, 192, 256] {
            assert_eq!(
                generate_secret(SymmetricAlgorithm::Aes, bits)
                    .unwrap()
                    .len()
                    * 8,
                bits as usize
            );
        }
        assert_eq!(
            generate_secret(SymmetricAlgorithm::ChaCha20, 256)
                .unwrap()
                .len(),
            32
        );
        assert_eq!(
            generate_secret(SymmetricAlgorithm::GenericSecret, 8)
                .unwrap()
                .len(),
            1
        );
        assert_eq!(
            generate_secret(SymmetricAlgorithm::Hmac(DigestAlgorithm::Sha512), 4096)
                .unwrap()
                .len(),
            512
        );
        for (alg, bits) in [
            (SymmetricAlgorithm::Aes, 0),
            (SymmetricAlgorithm::Aes, 64),
            (SymmetricAlgorithm::Aes, 512),
            (SymmetricAlgorithm::ChaCha20, 128),
            (SymmetricAlgorithm::TripleDes, 128),
            (SymmetricAlgorithm::GenericSecret, 0),
            (SymmetricAlgorithm::GenericSecret, 12),
            (SymmetricAlgorithm::Hmac(DigestAlgorithm::Sha256), 4104),
        ] {
            assert!(
                matches!(generate_secret(alg, bits), Err(Error::InvalidArgument(_))),
                "{alg:?} {bits}"
            );
        }
    }

    #[test]
    fn triple_des_has_odd_parity() {
        let k = generate_secret(SymmetricAlgorithm::TripleDes, 192).unwrap();
        assert_eq!(k.len(), 24);
        assert!(k.expose().iter().all(|b| b.count_ones() % 2 == 1));
        let mut fixed = [0u8, 1, 0xfe, 0xff, 0x10, 0x11, 0x80, 0x7f];
        set_des_parity(&mut fixed);
        assert_eq!(fixed, [0x01, 0x01, 0xfe, 0xfe, 0x10, 0x10, 0x80, 0x7f]);
    }

    #[test]
    fn key_pairs_describe_themselves() {
        let cases = [
            (
                KeyPairSpec::Ec(Curve::P256),
                AsymmetricKind::Ec(Curve::P256),
            ),
            (
                KeyPairSpec::Ec(Curve::P384),
                AsymmetricKind::Ec(Curve::P384),
            ),
            (
                KeyPairSpec::Ec(Curve::P521),
                AsymmetricKind::Ec(Curve::P521),
            ),
            (KeyPairSpec::Ed25519, AsymmetricKind::Ed25519),
            (KeyPairSpec::Ed448, AsymmetricKind::Ed448),
            (KeyPairSpec::X25519, AsymmetricKind::X25519),
            (KeyPairSpec::X448, AsymmetricKind::X448),
            (
                KeyPairSpec::Rsa {
                    bits: 2048,
                    public_exponent: None,
                },
                AsymmetricKind::Rsa { bits: 2048 },
            ),
        ];
        for (spec, kind) in cases {
            let kp = generate_key_pair(spec.clone()).unwrap();
            assert_eq!(
                describe_private(kp.private_pkcs8.expose()).unwrap(),
                kind,
                "{spec:?}"
            );
            assert_eq!(describe_public(&kp.public_spki).unwrap(), kind, "{spec:?}");
            assert_eq!(
                public_from_private(kp.private_pkcs8.expose()).unwrap(),
                kp.public_spki
            );
        }
    }

    #[test]
    fn rsa_parameters_are_checked() {
        for bits in [1024, 2047, 2049, 8192] {
            assert!(matches!(
                generate_key_pair(KeyPairSpec::Rsa {
                    bits,
                    public_exponent: None
                }),
                Err(Error::Unsupported(_))
            ));
        }
        for e in [
            vec![],
            vec![0],
            vec![1],
            vec![0x01, 0x00, 0x00],
            vec![0xff; 33],
        ] {
            assert!(matches!(
                generate_key_pair(KeyPairSpec::Rsa {
                    bits: 2048,
                    public_exponent: Some(e)
                }),
                Err(Error::InvalidArgument(_))
            ));
        }
        let kp = generate_key_pair(KeyPairSpec::Rsa {
            bits: 2048,
            public_exponent: Some(vec![0x00, 0x01, 0x00, 0x01]),
        })
        .unwrap();
        let (_, e) = crate::crypto::keys::rsa_public_components(&kp.public_spki).unwrap();
        assert_eq!(e, vec![0x01, 0x00, 0x01]);
    }

    #[test]
    fn curve_oids() {
        for c in [Curve::P256, Curve::P384, Curve::P521] {
            assert_eq!(Curve::from_oid_der(c.oid_der()), Some(c));
            assert_eq!(Curve::from_nid(c.nid()), Some(c));
            assert_eq!(c.group().unwrap().degree(), c.bits());
        }
        assert_eq!(Curve::from_oid_der(&[0x06, 0x01, 0x00]), None);
    }
}
