//! RSA encryption: RSAES-PKCS1-v1_5, RSAES-OAEP (RFC 8017 §7) and raw RSA
//! (`CKM_RSA_X_509`). PKCS#11 3.0 Current Mechanisms §2.1.6–2.1.9.
//!
//! Decryption errors are deliberately uninformative: every failure after the
//! length check is the same `DecryptionFailed("RSA decryption failed")`, so
//! callers cannot build a padding oracle out of error kinds or messages.
//! Private-key operations go through OpenSSL, which keeps RSA blinding on.

use openssl::pkey::{HasPublic, PKeyRef};
use openssl::pkey_ctx::PkeyCtx;
use openssl::rsa::Padding;
use serde::{Deserialize, Serialize};

use super::digest::DigestAlgorithm;
use super::keys::{load_private, load_public};
use crate::error::{Error, Result};
use crate::secret::SecretBytes;

/// An RSA encryption scheme.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum RsaPadding {
    /// RSAES-PKCS1-v1_5 (RFC 8017 §7.2), `CKM_RSA_PKCS`.
    Pkcs1v15,
    /// RSAES-OAEP (RFC 8017 §7.1), `CKM_RSA_PKCS_OAEP`, with independent hash
    /// and MGF1 hash and an optional label (empty = none).
    Oaep {
        hash: DigestAlgorithm,
        mgf1: DigestAlgorithm,
        label: Vec<u8>,
    },
    /// Raw RSA (`CKM_RSA_X_509`): input left-padded with zeros to the modulus
    /// length; output is always modulus-length.
    Raw,
}

fn ensure_rsa<T: HasPublic>(key: &PKeyRef<T>) -> Result<usize> {
    if key.id() != openssl::pkey::Id::RSA {
        return Err(Error::InvalidArgument("not an RSA key".into()));
    }
    Ok(key.size())
}

fn configure<T>(ctx: &mut PkeyCtx<T>, padding: &RsaPadding) -> Result<()> {
    match padding {
        RsaPadding::Pkcs1v15 => ctx.set_rsa_padding(Padding::PKCS1)?,
        RsaPadding::Raw => ctx.set_rsa_padding(Padding::NONE)?,
        RsaPadding::Oaep { hash, mgf1, label } => {
            ctx.set_rsa_padding(Padding::PKCS1_OAEP)?;
            ctx.set_rsa_oaep_md(hash.md_ref())?;
            ctx.set_rsa_mgf1_md(mgf1.md_ref())?;
            if !label.is_empty() {
                ctx.set_rsa_oaep_label(label)?;
            }
        }
    }
    Ok(())
}

/// Largest message `padding` can carry under a `k`-byte modulus (RFC 8017 §7.1.1, §7.2.1).
fn max_message_len(padding: &RsaPadding, k: usize) -> usize {
    match padding {
        RsaPadding::Pkcs1v15 => k.saturating_sub(11),
        RsaPadding::Oaep { hash, .. } => k.saturating_sub(2 * hash.output_len() + 2),
        RsaPadding::Raw => k,
    }
}

/// Encrypts `data` under an RSA public key (SubjectPublicKeyInfo DER).
pub fn rsa_encrypt(public_spki: &[u8], padding: &RsaPadding, data: &[u8]) -> Result<Vec<u8>> {
    let key = load_public(public_spki)?;
    let k = ensure_rsa(&key)?;
    let max = max_message_len(padding, k);
    if data.len() > max {
        return Err(Error::InvalidArgument(format!(
            "message of {} bytes is too long for this RSA key and padding (at most {max})",
            data.len()
        )));
    }
    let mut ctx = PkeyCtx::new(&key)?;
    ctx.encrypt_init()?;
    configure(&mut ctx, padding)?;
    let input = match padding {
        RsaPadding::Raw => {
            let mut padded = vec![0u8; k - data.len()];
            padded.extend_from_slice(data);
            padded
        }
        _ => data.to_vec(),
    };
    let mut out = Vec::new();
    ctx.encrypt_to_vec(&input, &mut out)
        .map_err(|_| match padding {
            RsaPadding::Raw => {
                Error::InvalidArgument("raw RSA input is not below the modulus".into())
            }
            _ => Error::Crypto("RSA encryption failed".into()),
        })?;
    Ok(out)
}

/// Decrypts `data` with an RSA private key (PKCS#8 DER). The plaintext is
/// returned as [`SecretBytes`], since it is usually a key being unwrapped.
///
/// Note for PKCS#1 v1.5: OpenSSL 3.0 reports bad padding as an error (implicit
/// rejection arrived in 3.2), so callers must not expose timing or a distinct
/// result for this failure to a remote party (Bleichenbacher / Marvin).
pub fn rsa_decrypt(private_pkcs8: &[u8], padding: &RsaPadding, data: &[u8]) -> Result<SecretBytes> {
    let key = load_private(private_pkcs8)?;
    let k = ensure_rsa(&key)?;
    if data.len() != k {
        return Err(Error::InvalidArgument(format!(
            "RSA ciphertext must be {k} bytes, got {}",
            data.len()
        )));
    }
    let failed = || Error::DecryptionFailed("RSA decryption failed".into());
    let mut ctx = PkeyCtx::new(&key).map_err(|_| failed())?;
    ctx.decrypt_init().map_err(|_| failed())?;
    configure(&mut ctx, padding).map_err(|_| failed())?;
    let mut out = SecretBytes::zeroed(k);
    let n = ctx
        .decrypt(data, Some(out.expose_mut()))
        .map_err(|_| failed())?;
    let mut plain = out.expose()[..n].to_vec();
    if matches!(padding, RsaPadding::Raw) && plain.len() < k {
        // OpenSSL returns the full k bytes for raw RSA; keep that promise.
        let mut full = vec![0u8; k - plain.len()];
        full.append(&mut plain);
        plain = full;
    }
    Ok(SecretBytes::new(plain))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::generate::{generate_key_pair, KeyPair, KeyPairSpec};

    fn rsa(bits: u32) -> KeyPair {
        generate_key_pair(KeyPairSpec::Rsa {
            bits,
            public_exponent: None,
        })
        .unwrap()
    }

    #[test]
    fn round_trips() {
        let kp = rsa(2048);
        let paddings = [
            RsaPadding::Pkcs1v15,
            RsaPadding::Oaep {
                hash: DigestAlgorithm::Sha1,
                mgf1: DigestAlgorithm::Sha1,
                label: vec![],
            },
            RsaPadding::Oaep {
                hash: DigestAlgorithm::Sha256,
                mgf1: DigestAlgorithm::Sha1,
                label: b"keybridge label".to_vec(),
            },
            RsaPadding::Oaep {
                hash: DigestAlgorithm::Sha512,
                mgf1: DigestAlgorithm::Sha512,
                label: vec![1, 2, 3],
            },
            RsaPadding::Oaep {
                hash: DigestAlgorithm::Sha3_256,
                mgf1: DigestAlgorithm::Sha256,
                label: vec![],
            },
        ];
        for p in &paddings {
            let msg = b"a 32-byte AES key goes here.....";
            let ct = rsa_encrypt(&kp.public_spki, p, msg).unwrap();
            assert_eq!(ct.len(), 256);
            let pt = rsa_decrypt(kp.private_pkcs8.expose(), p, &ct).unwrap();
            assert_eq!(pt.expose(), msg, "{p:?}");
            // Randomized padding: two encryptions differ.
            assert_ne!(ct, rsa_encrypt(&kp.public_spki, p, msg).unwrap());
        }
    }

    #[test]
    fn oaep_parameters_must_match() {
        let kp = rsa(2048);
        let enc = RsaPadding::Oaep {
            hash: DigestAlgorithm::Sha256,
            mgf1: DigestAlgorithm::Sha1,
            label: b"label A".to_vec(),
        };
        let ct = rsa_encrypt(&kp.public_spki, &enc, b"secret").unwrap();
        for wrong in [
            RsaPadding::Oaep {
                hash: DigestAlgorithm::Sha256,
                mgf1: DigestAlgorithm::Sha1,
                label: b"label B".to_vec(),
            },
            RsaPadding::Oaep {
                hash: DigestAlgorithm::Sha256,
                mgf1: DigestAlgorithm::Sha1,
                label: vec![],
            },
            RsaPadding::Oaep {
                hash: DigestAlgorithm::Sha256,
                mgf1: DigestAlgorithm::Sha256,
                label: b"label A".to_vec(),
            },
            RsaPadding::Oaep {
                hash: DigestAlgorithm::Sha1,
                mgf1: DigestAlgorithm::Sha1,
                label: b"label A".to_vec(),
            },
        ] {
            match rsa_decrypt(kp.private_pkcs8.expose(), &wrong, &ct) {
                Err(Error::DecryptionFailed(m)) => assert_eq!(m, "RSA decryption failed"),
                other => panic!("{wrong:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn pkcs1_bad_padding_and_tampering() {
        let kp = rsa(2048);
        let mut ct = rsa_encrypt(&kp.public_spki, &RsaPadding::Pkcs1v15, b"hello").unwrap();
        ct[100] ^= 0x40;
        match rsa_decrypt(kp.private_pkcs8.expose(), &RsaPadding::Pkcs1v15, &ct) {
            Err(Error::DecryptionFailed(m)) => assert_eq!(m, "RSA decryption failed"),
            // A tampered PKCS#1 v1.5 block can, rarely, still look well padded.
            Ok(pt) => assert_ne!(pt.expose(), b"hello"),
            Err(e) => panic!("{e:?}"),
        }
        // Wrong key.
        let other = rsa(2048);
        let ct = rsa_encrypt(&kp.public_spki, &RsaPadding::Pkcs1v15, b"hello").unwrap();
        match rsa_decrypt(other.private_pkcs8.expose(), &RsaPadding::Pkcs1v15, &ct) {
            Err(Error::DecryptionFailed(_)) => {}
            Ok(pt) => assert_ne!(pt.expose(), b"hello"),
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn raw_rsa_is_textbook_and_full_length() {
        let kp = rsa(2048);
        let ct = rsa_encrypt(&kp.public_spki, &RsaPadding::Raw, &[0x02, 0x03]).unwrap();
        let pt = rsa_decrypt(kp.private_pkcs8.expose(), &RsaPadding::Raw, &ct).unwrap();
        assert_eq!(pt.len(), 256);
        assert!(pt.expose()[..254].iter().all(|&b| b == 0));
        assert_eq!(&pt.expose()[254..], &[0x02, 0x03]);
        // 2^e mod n for m = 2 checks the operation is really m^e mod n:
        // m = 1 encrypts to 1.
        let one = rsa_encrypt(&kp.public_spki, &RsaPadding::Raw, &[1]).unwrap();
        assert_eq!(one[255], 1);
        assert!(one[..255].iter().all(|&b| b == 0));
        // Input not below the modulus.
        assert!(matches!(
            rsa_encrypt(&kp.public_spki, &RsaPadding::Raw, &[0xff; 256]),
            Err(Error::InvalidArgument(_))
        ));
    }

    #[test]
    fn lengths_and_key_types_are_checked() {
        let kp = rsa(2048);
        assert!(matches!(
            rsa_encrypt(&kp.public_spki, &RsaPadding::Pkcs1v15, &[0u8; 246]),
            Err(Error::InvalidArgument(_))
        ));
        assert!(rsa_encrypt(&kp.public_spki, &RsaPadding::Pkcs1v15, &[0u8; 245]).is_ok());
        let oaep = RsaPadding::Oaep {
            hash: DigestAlgorithm::Sha256,
            mgf1: DigestAlgorithm::Sha256,
            label: vec![],
        };
        assert!(matches!(
            rsa_encrypt(&kp.public_spki, &oaep, &[0u8; 191]),
            Err(Error::InvalidArgument(_))
        ));
        assert!(rsa_encrypt(&kp.public_spki, &oaep, &[0u8; 190]).is_ok());
        assert!(matches!(
            rsa_decrypt(kp.private_pkcs8.expose(), &oaep, &[0u8; 255]),
            Err(Error::InvalidArgument(_))
        ));
        let ec = generate_key_pair(KeyPairSpec::Ec(crate::crypto::Curve::P256)).unwrap();
        assert!(matches!(
            rsa_encrypt(&ec.public_spki, &oaep, b"x"),
            Err(Error::InvalidArgument(_))
        ));
    }
}
