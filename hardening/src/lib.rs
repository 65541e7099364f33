//! Shared pieces of keybridge's crash-consistency and load tests: the
//! acknowledgement protocol the writer processes speak, a seeded random
//! source, the key check value, the KMIP requests, the fixture that runs the
//! real `keybridge serve` on a temporary store, and the store-level view the
//! tests verify against.
//!
//! The writers run as separate processes so that they can be killed with
//! SIGKILL like a real client, and so that no process opens the store both
//! through the loaded module and through the keystore crate (SQLite's POSIX
//! locks are per process).
#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod acks;
pub mod fixture;
pub mod kmip_ops;
pub mod store_view;

use std::path::{Path, PathBuf};

/// Errors of the test helpers: a message is all a test needs to report.
pub type Result<T> = std::result::Result<T, String>;

/// SplitMix64: a small, seedable generator, so a failing run can be replayed
/// from the seed it printed. Not for cryptography.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// A seed from the clock and the process id, for when none is given.
    pub fn seed_from_time() -> u64 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        nanos ^ (u64::from(std::process::id()) << 32)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when n is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The key check value of an AES key: the first 8 bytes of AES-ECB of an
/// all-zero block, in hex. It identifies a key value without revealing it,
/// so writers can print it and the verifier can recompute it from the store.
pub fn aes_check_value(key: &[u8]) -> Result<String> {
    use openssl::symm::Cipher;
    let cipher = match key.len() {
        16 => Cipher::aes_128_ecb(),
        24 => Cipher::aes_192_ecb(),
        32 => Cipher::aes_256_ecb(),
        n => return Err(format!("not an AES key length: {n} bytes")),
    };
    // The one-shot `symm::encrypt` pads; a check value is one bare block.
    let mut c = openssl::symm::Crypter::new(cipher, openssl::symm::Mode::Encrypt, key, None)
        .map_err(|e| e.to_string())?;
    c.pad(false);
    let mut out = vec![0u8; 32];
    let n = c.update(&[0u8; 16], &mut out).map_err(|e| e.to_string())?;
    check_value_of_block(out.get(..n).unwrap_or_default())
}

/// The check value from an already computed AES-ECB(key, zero block).
pub fn check_value_of_block(block: &[u8]) -> Result<String> {
    match block.get(..8) {
        Some(head) if block.len() == 16 => Ok(hex::encode(head)),
        _ => Err(format!("an AES block has 16 bytes, got {}", block.len())),
    }
}

/// The directory cargo put this executable's siblings in: for an integration
/// test `target/<profile>/deps`, for a binary `target/<profile>`.
fn exe_dir() -> Result<PathBuf> {
    let exe = std::env::current_exe().map_err(|e| format!("current exe: {e}"))?;
    exe.parent()
        .map(Path::to_path_buf)
        .ok_or_else(|| "the executable has no directory".to_string())
}

/// The profile directory (`target/release`) of this build.
fn profile_dir() -> Result<PathBuf> {
    let d = exe_dir()?;
    if d.file_name().is_some_and(|n| n == "deps") {
        d.parent()
            .map(Path::to_path_buf)
            .ok_or_else(|| "deps/ has no parent".to_string())
    } else {
        Ok(d)
    }
}

/// The `keybridge` binary: `KEYBRIDGE_BIN`, else the one cargo built in this
/// profile directory (`cargo build --workspace --release` puts it there).
pub fn keybridge_bin() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("KEYBRIDGE_BIN") {
        return Ok(PathBuf::from(p));
    }
    let p = profile_dir()?.join("keybridge");
    if p.is_file() {
        Ok(p)
    } else {
        Err(format!(
            "{} is missing: run `cargo build --workspace --release` first",
            p.display()
        ))
    }
}

/// The PKCS#11 module: `KEYBRIDGE_PKCS11_MODULE`, else the newer of the
/// copies cargo left in the profile directory and in its deps/.
pub fn pkcs11_module() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("KEYBRIDGE_PKCS11_MODULE") {
        return Ok(PathBuf::from(p));
    }
    let dir = profile_dir()?;
    let candidates = [
        dir.join("libkeybridge_pkcs11.so"),
        dir.join("deps/libkeybridge_pkcs11.so"),
    ];
    candidates
        .iter()
        .filter_map(|p| {
            let t = std::fs::metadata(p).and_then(|m| m.modified()).ok()?;
            Some((t, p.clone()))
        })
        .max()
        .map(|(_, p)| p)
        .ok_or_else(|| {
            format!(
                "libkeybridge_pkcs11.so is missing in {}: run `cargo build --workspace --release` first",
                dir.display()
            )
        })
}

/// The resident set size of process `pid` in KiB (VmRSS of /proc/pid/status).
pub fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .map_err(|e| format!("/proc/{pid}/status: {e}"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("no VmRSS in /proc/{pid}/status"))
}

/// The template of the AES-256 token key the PKCS#11 writers and load
/// workers generate: private, sensitive, encrypt/decrypt, labelled.
pub fn aes_token_key(label: &str) -> Vec<cryptoki::object::Attribute> {
    use cryptoki::object::{Attribute, KeyType, ObjectClass};
    vec![
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::AES),
        Attribute::ValueLen(32.into()),
        Attribute::Token(true),
        Attribute::Private(true),
        Attribute::Sensitive(true),
        Attribute::Encrypt(true),
        Attribute::Decrypt(true),
        Attribute::Label(label.as_bytes().to_vec()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FIPS-197 appendix C.3: AES-256 of 00112233..ff under key 00..1f is
    /// 8ea2b7ca516745bfeafc49904b496089; the check value uses the same
    /// primitive on a zero block, so check it against OpenSSL's one-shot ECB.
    #[test]
    fn check_value_is_aes_of_a_zero_block() {
        let key: Vec<u8> = (0u8..32).collect();
        let full =
            openssl::symm::encrypt(openssl::symm::Cipher::aes_256_ecb(), &key, None, &[0u8; 16])
                .unwrap();
        assert_eq!(aes_check_value(&key).unwrap(), hex::encode(&full[..8]));
        assert!(aes_check_value(&[0u8; 5]).is_err());
    }

    #[test]
    fn rng_is_reproducible() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        let xs: Vec<u64> = (0..5).map(|_| a.next_u64()).collect();
        let ys: Vec<u64> = (0..5).map(|_| b.next_u64()).collect();
        assert_eq!(xs, ys);
        assert!(xs.windows(2).all(|w| w[0] != w[1]));
        assert!((0..100).all(|_| a.below(3) < 3));
    }
}
