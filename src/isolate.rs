//! What an isolate remembers between requests: small maps whose entries
//! expire, bounded so that no client can make them grow without end.

use std::collections::HashMap;

/// Milliseconds since the epoch, the clock of every expiry here.
pub fn now_ms() -> u64 {
    worker::Date::now().as_millis()
}

/// A map of entries that expire at a time, of at most `max` entries: when
/// full, the expired entries go, then all of them (a miss only costs the
/// work the entry saved).
pub struct Expiring<V> {
    entries: HashMap<String, (V, u64)>,
    max: usize,
}

impl<V: Copy> Expiring<V> {
    pub fn new(max: usize) -> Expiring<V> {
        Expiring { entries: HashMap::new(), max }
    }

    /// The value of `key` and when it expires, unless it has.
    pub fn get(&self, key: &str, now: u64) -> Option<(V, u64)> {
        self.entries.get(key).copied().filter(|(_, until)| *until > now)
    }

    pub fn insert(&mut self, key: String, value: V, until: u64, now: u64) {
        if self.entries.len() >= self.max && !self.entries.contains_key(&key) {
            self.entries.retain(|_, (_, expires)| *expires > now);
            if self.entries.len() >= self.max {
                self.entries.clear();
            }
        }
        self.entries.insert(key, (value, until));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_and_the_map_stays_bounded() {
        let mut map = Expiring::new(2);
        map.insert("a".into(), 1, 100, 0);
        assert_eq!(map.get("a", 99), Some((1, 100)));
        assert_eq!(map.get("a", 100), None);
        map.insert("b".into(), 2, 50, 0);
        map.insert("c".into(), 3, 200, 60); // full: b has expired and goes
        assert_eq!(map.get("a", 60), Some((1, 100)));
        assert_eq!(map.get("c", 60), Some((3, 200)));
        map.insert("d".into(), 4, 300, 60); // full of live entries: all go
        assert_eq!(map.get("a", 60), None);
        assert_eq!(map.get("d", 60), Some((4, 300)));
    }
}
