//! A hasher for the module's hot maps, keyed by its own identifiers
//! (session handles, object unique identifiers, audit entries).
//!
//! The standard SipHash resists collision floods from attacker-chosen
//! keys, at about 20 ns for a u64 and more for a few strings: several
//! look-ups per C_Encrypt made it a visible share of the call. These keys
//! are chosen by the module and the key store, not by a caller, so a
//! multiply-rotate hash (one multiplication per 8 bytes) serves.

use std::hash::{BuildHasherDefault, Hasher};

/// `HashMap<K, V, FastState>`.
pub type FastState = BuildHasherDefault<FastHasher>;

/// Rotate, xor in 8 bytes, multiply by an odd constant with well-mixed
/// bits (the high bits, which the table uses first, depend on every input
/// bit below them).
#[derive(Default, Clone, Copy)]
pub struct FastHasher(u64);

const MULTIPLIER: u64 = 0x9e37_79b9_7f4a_7c15;

impl FastHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(26) ^ word).wrapping_mul(MULTIPLIER);
    }
}

impl Hasher for FastHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.add(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.add(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.add(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, Hash};

    fn hash<T: Hash>(t: T) -> u64 {
        FastState::default().hash_one(t)
    }

    #[test]
    fn different_keys_hash_apart() {
        // Handles 1..=4096 and uids differing in one character: no two
        // equal, and the top 7 bits (the table's tag) take many values.
        let mut seen = std::collections::HashSet::new();
        let mut tags = std::collections::HashSet::new();
        for h in 1u64..=4096 {
            let x = hash(h);
            assert!(seen.insert(x), "collision at {h}");
            tags.insert(x >> 57);
        }
        assert!(tags.len() > 100, "{} tags", tags.len());
        assert_ne!(
            hash("00000000-0000-0000-0000-000000000001"),
            hash("00000000-0000-0000-0000-000000000002")
        );
        assert_ne!(hash(("a", "bc")), hash(("ab", "c")));
    }
}
