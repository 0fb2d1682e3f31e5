//! A small, fast, deterministic hasher for the per-document word tables.
//!
//! Keys are short words and pairs of word ids: SipHash's per-call cost
//! dominates there. Each 8-byte chunk is mixed with a rotate, xor and
//! multiply. Not meant to resist chosen collisions: the inputs are bounded
//! and analysed for the user who sent them, and results never depend on
//! iteration order.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A `HashMap` with [`WordHasher`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<WordHasher>>;
/// A `HashSet` with [`WordHasher`].
pub(crate) type FastSet<T> = HashSet<T, BuildHasherDefault<WordHasher>>;

const SEED: u64 = 0x243F_6A88_85A3_08D3;
const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;

#[derive(Debug, Clone, Copy)]
pub(crate) struct WordHasher(u64);

impl Default for WordHasher {
    fn default() -> Self {
        WordHasher(SEED)
    }
}

impl WordHasher {
    /// Mixes in one 64-bit word with a rotate, xor and multiply: cheap on
    /// every target, wasm32 included (no 128-bit products).
    #[inline]
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(23) ^ word).wrapping_mul(MULTIPLIER);
    }
}

impl Hasher for WordHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.mix(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        let mut word = [0u8; 8];
        word[..rest.len()].copy_from_slice(rest);
        self.mix(u64::from_le_bytes(word) ^ ((rest.len() as u64) << 59));
    }

    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.mix(u64::from(n));
    }

    #[inline]
    fn write_u32(&mut self, n: u32) {
        self.mix(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.mix(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }

    /// Spreads the high bits, which the multiplications fill best, over the
    /// low bits the table indexes by.
    #[inline]
    fn finish(&self) -> u64 {
        let h = self.0;
        h ^ (h >> 29) ^ (h >> 47)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn distinguishes_similar_keys() {
        let build = BuildHasherDefault::<WordHasher>::default();
        let hashes: Vec<u64> =
            ["a", "b", "ab", "ba", "abcdefgh", "abcdefghi", ""].iter().map(|s| build.hash_one(s)).collect();
        for (i, a) in hashes.iter().enumerate() {
            for b in &hashes[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(build.hash_one("same"), build.hash_one("same"));
    }
}
