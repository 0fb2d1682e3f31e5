//! API keys as the statements see them: the shape of a key `memo-admin`
//! makes, and the digest every statement authenticates by (`sql::authed!`).

use sha2::{Digest, Sha256};

/// Every key starts with this (`memo-admin key create` makes them).
pub const KEY_PREFIX: &str = "memo_";
/// Random bytes after the prefix, in URL-safe base64 without padding.
pub const KEY_SECRET_BYTES: usize = 32;

/// Whether `key` has the shape of a key `memo-admin` makes: anything else is
/// refused without asking the database.
pub fn well_formed(key: &str) -> bool {
    let Some(secret) = key.strip_prefix(KEY_PREFIX) else {
        return false;
    };
    secret.len() == (KEY_SECRET_BYTES * 4).div_ceil(3)
        && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The SHA-256 digest of a presented API key. Keys are stored only as this
/// digest, and lookups are by digest, so the comparison never touches the
/// clear key and leaks nothing about it through timing.
#[derive(Clone)]
pub struct KeyHash(Vec<u8>);

impl KeyHash {
    pub fn of(key: &str) -> KeyHash {
        KeyHash(Sha256::digest(key.as_bytes()).to_vec())
    }

    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// A name for this key's rate-limit counter that reveals nothing of it.
    pub fn bucket(&self) -> String {
        self.0[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The digest as a `bytea` statement parameter.
    pub fn as_param(&self) -> &Vec<u8> {
        &self.0
    }
}

/// Keys are never printed, not even in debug output.
impl std::fmt::Debug for KeyHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("KeyHash(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_key_shaped_strings_are_keys() {
        let key = format!("memo_{}", "A".repeat(43));
        assert!(well_formed(&key));
        assert!(well_formed("memo_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO-_"));
        assert!(!well_formed(&format!("memo_{}", "A".repeat(42))));
        assert!(!well_formed(&format!("memo_{}", "A".repeat(44))));
        assert!(!well_formed(&format!("memo_{}=", "A".repeat(42))));
        assert!(!well_formed(&format!("key_{}", "A".repeat(44))));
        assert!(!well_formed(""));
    }

    #[test]
    fn hashes_differ_and_hide_the_key() {
        assert_ne!(KeyHash::of("a").as_bytes(), KeyHash::of("b").as_bytes());
        assert_eq!(format!("{:?}", KeyHash::of("secret")), "KeyHash(..)");
    }
}
