//! The key hierarchy: store master key → partition keys → object keys.
//!
//! - The **store master key** (SMK) wraps partition keys. It comes from a key
//!   file (the dev default, 32 random bytes, mode 0600), from a passphrase
//!   through Argon2id, or from an HSM that never lets it out (the
//!   [`MasterKey`] trait hides which).
//! - A **partition key** (32 random bytes) per partition is stored wrapped
//!   under the SMK, and under a KEK derived with Argon2id from each PIN of the
//!   token, so a PKCS#11 process unlocks its token with the PIN alone.
//!   A process without the SMK (the PKCS#11 module creating a token) seals
//!   the new partition key to the store's escrow public key (X25519); the
//!   holder of the SMK opens it later and wraps it under the SMK.
//! - From a partition key, HMAC-SHA256 derives a record MAC key and one
//!   wrapping key per object (bound to the object's unique identifier), so a
//!   value copied into another row does not unwrap.
//!
//! All wrapping is AES-256 key wrap with padding (RFC 5649).

use crate::crypto::digest::DigestAlgorithm;
use crate::crypto::{derive, generate, keys, mac, random, wrap};
use crate::error::{Error, Result};
use crate::secret::SecretBytes;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

/// Length of every symmetric key in the hierarchy (AES-256).
pub const KEY_LEN: usize = 32;

/// A key-encryption key that wraps partition keys. Implementations may keep
/// the key outside this process (an HSM): only wrap and unwrap are asked of it.
pub trait MasterKey: Send + Sync {
    /// Wraps `key` (RFC 5649 or the HSM's equivalent).
    fn wrap(&self, key: &SecretBytes) -> Result<Vec<u8>>;
    /// Unwraps what [`MasterKey::wrap`] produced; an integrity error if it was
    /// wrapped under another key or altered.
    fn unwrap(&self, wrapped: &[u8]) -> Result<SecretBytes>;
    /// Where the key lives, for messages (never the key itself).
    fn description(&self) -> String;
}

/// A master key held in this process's memory (key file or passphrase).
pub struct SoftwareMasterKey {
    key: SecretBytes,
    origin: String,
}

impl SoftwareMasterKey {
    /// Reads the key file at `path`, creating it with 32 random bytes and mode
    /// 0600 if it does not exist. Refuses a file others can read or of the
    /// wrong length.
    pub fn from_key_file(path: &Path) -> Result<SoftwareMasterKey> {
        use std::os::unix::fs::PermissionsExt;
        let origin = format!("key file {}", path.display());
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            use std::os::unix::fs::DirBuilderExt;
            if !dir.is_dir() {
                std::fs::DirBuilder::new()
                    .recursive(true)
                    .mode(0o700)
                    .create(dir)
                    .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
            }
        }
        if !path.exists() {
            create_key_file(path, &origin)?;
        }
        let meta = std::fs::metadata(path).map_err(|e| Error::io(&origin, e))?;
        if meta.permissions().mode() & 0o077 != 0 {
            return Err(Error::MasterKey(format!(
                "{origin} is accessible to other users (mode {:o}); chmod 600 it",
                meta.permissions().mode() & 0o777
            )));
        }
        let bytes = SecretBytes::new(std::fs::read(path).map_err(|e| Error::io(&origin, e))?);
        if bytes.len() != KEY_LEN {
            return Err(Error::MasterKey(format!(
                "{origin} holds {} bytes, expected {KEY_LEN}",
                bytes.len()
            )));
        }
        Ok(SoftwareMasterKey { key: bytes, origin })
    }

    /// Derives the master key from a passphrase with Argon2id and the store's
    /// salt and cost parameters.
    pub fn from_passphrase(
        passphrase: &SecretBytes,
        params: &KdfParams,
    ) -> Result<SoftwareMasterKey> {
        Ok(SoftwareMasterKey {
            key: argon2id(passphrase.expose(), params)?,
            origin: "passphrase".into(),
        })
    }

    /// A master key from raw bytes (tests, key ceremonies).
    pub fn from_bytes(key: SecretBytes) -> Result<SoftwareMasterKey> {
        if key.len() != KEY_LEN {
            return Err(Error::InvalidArgument(format!(
                "master key must be {KEY_LEN} bytes"
            )));
        }
        Ok(SoftwareMasterKey {
            key,
            origin: "raw key".into(),
        })
    }
}

/// Writes a new random key to a private temporary file, then publishes it
/// under `path` with a hard link, which fails if `path` exists: two
/// processes starting at once never see a half-written key, and the loser
/// reads the winner's key.
fn create_key_file(path: &Path, origin: &str) -> Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    // A random name: racing threads share a process id.
    let tmp = path.with_extension(format!("tmp.{}", hex::encode(random::random_bytes(8)?)));
    let key = random::random_secret(KEY_LEN)?;
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .and_then(|mut f| {
            f.write_all(key.expose())?;
            f.sync_all()
        });
    let published = written.and_then(|_| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    match published {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(Error::io(format!("creating {origin}"), e)),
    }
}

impl MasterKey for SoftwareMasterKey {
    fn wrap(&self, key: &SecretBytes) -> Result<Vec<u8>> {
        wrap::aes_key_wrap_pad(self.key.expose(), key.expose())
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<SecretBytes> {
        wrap::aes_key_unwrap_pad(self.key.expose(), wrapped).map_err(|_| {
            Error::MasterKey(format!("{} does not open this store's keys", self.origin))
        })
    }

    fn description(&self) -> String {
        self.origin.clone()
    }
}

/// Argon2id cost parameters and salt, stored beside what they protect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
    #[serde(with = "crate::serde_hex::bytes")]
    pub salt: Vec<u8>,
}

impl KdfParams {
    /// RFC 9106 / OWASP second recommended setting (19 MiB, 2 passes) with a
    /// fresh 16-byte salt.
    pub fn recommended() -> Result<KdfParams> {
        Ok(KdfParams {
            memory_kib: 19 * 1024,
            iterations: 2,
            parallelism: 1,
            salt: random::random_bytes(16)?,
        })
    }

    /// The minimum Argon2 allows, for tests only: fast and weak.
    pub fn insecure_for_tests() -> Result<KdfParams> {
        Ok(KdfParams {
            memory_kib: 8,
            iterations: 1,
            parallelism: 1,
            salt: random::random_bytes(16)?,
        })
    }

    /// Same costs, new salt.
    pub fn resalted(&self) -> Result<KdfParams> {
        Ok(KdfParams {
            salt: random::random_bytes(16)?,
            ..self.clone()
        })
    }
}

/// Argon2id (RFC 9106) of `secret` into a 32-byte key.
pub fn argon2id(secret: &[u8], p: &KdfParams) -> Result<SecretBytes> {
    let params = argon2::Params::new(p.memory_kib, p.iterations, p.parallelism, Some(KEY_LEN))
        .map_err(|e| Error::InvalidArgument(format!("Argon2 parameters: {e}")))?;
    let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = SecretBytes::zeroed(KEY_LEN);
    a.hash_password_into(secret, &p.salt, out.expose_mut())
        .map_err(|e| Error::InvalidArgument(format!("Argon2: {e}")))?;
    Ok(out)
}

/// A partition's key and what is derived from it.
pub struct PartitionKey {
    base: SecretBytes,
    record_mac_key: SecretBytes,
}

impl PartitionKey {
    /// A new random partition key.
    pub fn generate() -> Result<PartitionKey> {
        PartitionKey::from_bytes(random::random_secret(KEY_LEN)?)
    }

    pub fn from_bytes(base: SecretBytes) -> Result<PartitionKey> {
        if base.len() != KEY_LEN {
            return Err(Error::Integrity(
                "partition key has the wrong length".into(),
            ));
        }
        let record_mac_key = prf(&base, b"keybridge record mac v1", &[])?;
        Ok(PartitionKey {
            base,
            record_mac_key,
        })
    }

    /// The raw key, for wrapping it under the SMK or a PIN KEK.
    pub fn secret(&self) -> &SecretBytes {
        &self.base
    }

    /// The key that authenticates whole records.
    pub fn record_mac_key(&self) -> &SecretBytes {
        &self.record_mac_key
    }

    /// The key that wraps the value of object `uid`.
    pub fn object_wrap_key(&self, uid: &str) -> Result<SecretBytes> {
        prf(&self.base, b"keybridge object wrap v1", uid.as_bytes())
    }

    /// Wraps this key under a KEK derived from `pin`.
    pub fn wrap_under_pin(&self, pin: &[u8], params: &KdfParams) -> Result<Vec<u8>> {
        let kek = argon2id(pin, params)?;
        wrap::aes_key_wrap_pad(kek.expose(), self.base.expose())
    }

    /// Opens a partition key wrapped under a PIN KEK; `PinIncorrect` when the
    /// PIN does not match (the RFC 5649 integrity check fails).
    pub fn unwrap_with_pin(wrapped: &[u8], pin: &[u8], params: &KdfParams) -> Result<PartitionKey> {
        let kek = argon2id(pin, params)?;
        let base =
            wrap::aes_key_unwrap_pad(kek.expose(), wrapped).map_err(|_| Error::PinIncorrect)?;
        PartitionKey::from_bytes(base)
    }
}

/// HMAC-SHA256(key, label ‖ 0x00 ‖ context): a single-block SP 800-108 PRF.
fn prf(key: &SecretBytes, label: &[u8], context: &[u8]) -> Result<SecretBytes> {
    let mut input = Vec::with_capacity(label.len() + 1 + context.len());
    input.extend_from_slice(label);
    input.push(0);
    input.extend_from_slice(context);
    Ok(SecretBytes::new(mac::hmac(
        DigestAlgorithm::Sha256,
        key.expose(),
        &input,
    )?))
}

/// The store's escrow key pair: processes without the SMK seal new partition
/// keys to its public half; its private half is kept wrapped under the SMK.
pub struct EscrowKeyPair {
    pub public_spki: Vec<u8>,
    pub private_pkcs8: SecretBytes,
}

impl EscrowKeyPair {
    pub fn generate() -> Result<EscrowKeyPair> {
        let kp = generate::generate_key_pair(generate::KeyPairSpec::X25519)?;
        Ok(EscrowKeyPair {
            public_spki: kp.public_spki,
            private_pkcs8: kp.private_pkcs8,
        })
    }
}

const SEAL_VERSION: u8 = 1;

fn seal_kek(
    shared: &SecretBytes,
    partition_id: &str,
    ephemeral_spki: &[u8],
) -> Result<SecretBytes> {
    let mut info = Vec::new();
    info.extend_from_slice(partition_id.as_bytes());
    info.push(0);
    info.extend_from_slice(ephemeral_spki);
    derive::hkdf(
        DigestAlgorithm::Sha256,
        shared.expose(),
        b"keybridge escrow v1",
        &info,
        KEY_LEN,
    )
}

/// Seals `key` for the holder of the escrow private key (ECIES over X25519,
/// HKDF-SHA256, RFC 5649), bound to `partition_id`.
pub fn seal(escrow_public_spki: &[u8], partition_id: &str, key: &SecretBytes) -> Result<Vec<u8>> {
    let eph = generate::generate_key_pair(generate::KeyPairSpec::X25519)?;
    let shared = derive::ecdh(eph.private_pkcs8.expose(), escrow_public_spki)?;
    let kek = seal_kek(&shared, partition_id, &eph.public_spki)?;
    let wrapped = wrap::aes_key_wrap_pad(kek.expose(), key.expose())?;
    let len = u16::try_from(eph.public_spki.len())
        .map_err(|_| Error::Crypto("ephemeral key too long".into()))?;
    let mut out = vec![SEAL_VERSION];
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&eph.public_spki);
    out.extend_from_slice(&wrapped);
    Ok(out)
}

/// Opens what [`seal`] produced.
pub fn unseal(
    escrow_private_pkcs8: &SecretBytes,
    partition_id: &str,
    sealed: &[u8],
) -> Result<SecretBytes> {
    let bad = || {
        Error::Integrity(format!(
            "sealed key of partition {partition_id} is malformed or altered"
        ))
    };
    let (&version, rest) = sealed.split_first().ok_or_else(bad)?;
    if version != SEAL_VERSION || rest.len() < 2 {
        return Err(bad());
    }
    let len = u16::from_be_bytes([rest[0], rest[1]]) as usize;
    let rest = &rest[2..];
    if rest.len() < len {
        return Err(bad());
    }
    let (eph_spki, wrapped) = rest.split_at(len);
    // Refuse anything but an X25519 key before deriving with it.
    if !matches!(
        keys::describe_public(eph_spki),
        Ok(keys::AsymmetricKind::X25519)
    ) {
        return Err(bad());
    }
    let shared = derive::ecdh(escrow_private_pkcs8.expose(), eph_spki).map_err(|_| bad())?;
    let kek = seal_kek(&shared, partition_id, eph_spki)?;
    wrap::aes_key_unwrap_pad(kek.expose(), wrapped).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn key_file_is_created_private_and_reread() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/master.key");
        let a = SoftwareMasterKey::from_key_file(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let b = SoftwareMasterKey::from_key_file(&path).unwrap();
        let pk = random::random_secret(32).unwrap();
        assert_eq!(b.unwrap(&a.wrap(&pk).unwrap()).unwrap(), pk);
    }

    #[test]
    fn processes_racing_to_create_the_key_file_agree_on_one_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        let keys: Vec<_> = (0..8)
            .map(|_| {
                let p = path.clone();
                std::thread::spawn(move || SoftwareMasterKey::from_key_file(&p).unwrap())
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect();
        let probe = random::random_secret(32).unwrap();
        let wrapped = keys[0].wrap(&probe).unwrap();
        for k in &keys {
            assert_eq!(k.unwrap(&wrapped).unwrap(), probe);
        }
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1, "no temporary files left behind");
    }

    #[test]
    fn key_file_readable_by_others_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        SoftwareMasterKey::from_key_file(&path).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = SoftwareMasterKey::from_key_file(&path)
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("chmod 600"), "{err}");
    }

    #[test]
    fn key_file_of_wrong_length_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("master.key");
        std::fs::write(&path, b"short").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(matches!(
            SoftwareMasterKey::from_key_file(&path),
            Err(Error::MasterKey(_))
        ));
    }

    #[test]
    fn wrong_master_key_is_a_master_key_error() {
        let a = SoftwareMasterKey::from_bytes(random::random_secret(32).unwrap()).unwrap();
        let b = SoftwareMasterKey::from_bytes(random::random_secret(32).unwrap()).unwrap();
        let w = a.wrap(&random::random_secret(32).unwrap()).unwrap();
        assert!(matches!(b.unwrap(&w), Err(Error::MasterKey(_))));
    }

    #[test]
    fn passphrase_derivation_is_deterministic_per_salt() {
        let params = KdfParams::insecure_for_tests().unwrap();
        let pass = SecretBytes::from_slice(b"correct horse");
        let a = SoftwareMasterKey::from_passphrase(&pass, &params).unwrap();
        let b = SoftwareMasterKey::from_passphrase(&pass, &params).unwrap();
        let c = SoftwareMasterKey::from_passphrase(&pass, &params.resalted().unwrap()).unwrap();
        let pk = random::random_secret(32).unwrap();
        let w = a.wrap(&pk).unwrap();
        assert_eq!(b.unwrap(&w).unwrap(), pk);
        assert!(c.unwrap(&w).is_err());
    }

    #[test]
    fn argon2id_matches_rfc9106_shape() {
        // Same inputs give the same output; another salt another one.
        let p = KdfParams {
            memory_kib: 32,
            iterations: 3,
            parallelism: 4,
            salt: vec![2; 16],
        };
        let a = argon2id(&[1; 32], &p).unwrap();
        assert_eq!(a, argon2id(&[1; 32], &p).unwrap());
        assert_ne!(
            a,
            argon2id(
                &[1; 32],
                &KdfParams {
                    salt: vec![3; 16],
                    ..p
                }
            )
            .unwrap()
        );
    }

    #[test]
    fn pin_wrap_rejects_wrong_pin() {
        let params = KdfParams::insecure_for_tests().unwrap();
        let pk = PartitionKey::generate().unwrap();
        let w = pk.wrap_under_pin(b"1234", &params).unwrap();
        let back = PartitionKey::unwrap_with_pin(&w, b"1234", &params).unwrap();
        assert_eq!(back.secret(), pk.secret());
        assert!(matches!(
            PartitionKey::unwrap_with_pin(&w, b"1235", &params),
            Err(Error::PinIncorrect)
        ));
    }

    #[test]
    fn derived_keys_differ_per_object_and_purpose() {
        let pk = PartitionKey::generate().unwrap();
        let a = pk.object_wrap_key("a").unwrap();
        assert_ne!(a, pk.object_wrap_key("b").unwrap());
        assert_ne!(&a, pk.record_mac_key());
        assert_eq!(a, pk.object_wrap_key("a").unwrap());
    }

    #[test]
    fn escrow_seal_round_trip_and_binding() {
        let escrow = EscrowKeyPair::generate().unwrap();
        let pk = random::random_secret(32).unwrap();
        let sealed = seal(&escrow.public_spki, "p1", &pk).unwrap();
        assert_eq!(unseal(&escrow.private_pkcs8, "p1", &sealed).unwrap(), pk);
        assert!(
            unseal(&escrow.private_pkcs8, "p2", &sealed).is_err(),
            "bound to the partition"
        );
        let other = EscrowKeyPair::generate().unwrap();
        assert!(unseal(&other.private_pkcs8, "p1", &sealed).is_err());
        let mut bad = sealed.clone();
        let n = bad.len();
        bad[n - 1] ^= 1;
        assert!(unseal(&escrow.private_pkcs8, "p1", &bad).is_err());
        assert!(unseal(&escrow.private_pkcs8, "p1", &sealed[..10]).is_err());
        assert!(unseal(&escrow.private_pkcs8, "p1", &[]).is_err());
    }
}
