//! Page sizes and keyset cursors.
//!
//! A cursor names the last item of a page by its sort key, so paging stays
//! stable while new memories arrive (no offsets that shift). It is opaque to
//! clients: URL-safe base64 of `created_at_micros.id[.score_bits[.tier]]`.

use crate::error::FieldError;
use crate::limits::Limits;
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use chrono::{DateTime, Datelike, Utc};
use uuid::Uuid;

/// `limit`: 1..=`max_page_size`, `default_page_size` when absent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(usize);

impl PageLimit {
    pub fn parse(raw: Option<&str>, limits: &Limits) -> Result<PageLimit, FieldError> {
        let Some(raw) = raw else {
            return Ok(PageLimit(limits.default_page_size));
        };
        raw.trim().parse::<usize>().ok().filter(|n| (1..=limits.max_page_size).contains(n)).map(PageLimit).ok_or_else(
            || {
                FieldError::new(
                    "limit",
                    format!("limit must be a whole number from 1 to {} (MAX_PAGE_SIZE)", limits.max_page_size),
                )
            },
        )
    }

    /// The largest page, for walking everything (exports).
    pub fn largest(limits: &Limits) -> PageLimit {
        PageLimit(limits.max_page_size)
    }

    pub fn get(self) -> usize {
        self.0
    }

    /// One more than the page, to learn whether another page follows.
    pub fn probe(self) -> i64 {
        self.0 as i64 + 1
    }
}

/// The sort key of the last item returned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cursor {
    pub created_at: DateTime<Utc>,
    pub id: Uuid,
    /// Search rank, for ranked result lists.
    pub score: Option<f32>,
    /// For search: how the hit matched (memory id, full text, fuzzy); ranks
    /// before the score. Absent in cursors of unranked lists.
    pub tier: Option<u8>,
    /// For search: when the caller's newest memory was made as the first page
    /// was. Later pages leave out memories made after it, so that one that
    /// arrives meanwhile cannot push a ranked match already seen down among
    /// the older, unranked ones, to be seen again. Absent in cursors made
    /// before it was added, and then nothing is left out.
    pub as_of: Option<DateTime<Utc>>,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let mut text = format!("{}.{}", self.created_at.timestamp_micros(), self.id.simple());
        if let Some(score) = self.score {
            text.push_str(&format!(".{:08x}", score.to_bits()));
            if let Some(tier) = self.tier {
                text.push_str(&format!(".{tier}"));
                if let Some(as_of) = self.as_of {
                    text.push_str(&format!(".{}", as_of.timestamp_micros()));
                }
            }
        }
        URL_SAFE_NO_PAD.encode(text)
    }

    pub fn parse(raw: Option<&str>) -> Result<Option<Cursor>, FieldError> {
        let Some(raw) = raw.filter(|r| !r.is_empty()) else {
            return Ok(None);
        };
        Self::decode(raw).map(Some).ok_or_else(|| {
            FieldError::new("cursor", "cursor is not one this API returned; pass next_cursor back unchanged")
        })
    }

    fn decode(raw: &str) -> Option<Cursor> {
        let bytes = URL_SAFE_NO_PAD.decode(raw).ok()?;
        let text = std::str::from_utf8(&bytes).ok()?;
        let mut parts = text.split('.');
        let micros = parts.next()?.parse::<i64>().ok()?;
        let id = Uuid::try_parse(parts.next()?).ok()?;
        let score = match parts.next() {
            None => None,
            Some(bits) => Some(f32::from_bits(u32::from_str_radix(bits, 16).ok()?)).filter(|s| s.is_finite()),
        };
        let tier = match parts.next() {
            None => None,
            Some(tier) => Some(tier.parse::<u8>().ok()?),
        };
        let as_of = match parts.next() {
            None => None,
            Some(micros) => Some(DateTime::from_timestamp_micros(micros.parse::<i64>().ok()?)?),
        };
        if parts.next().is_some() || (tier.is_some() && score.is_none()) || (as_of.is_some() && tier.is_none()) {
            return None;
        }
        let created_at = DateTime::from_timestamp_micros(micros)?;
        // Every instant this API writes has a four-digit year (RFC 3339);
        // one outside them may be one Postgres cannot represent.
        let written = |t: DateTime<Utc>| (0..=9999).contains(&t.year());
        if !written(created_at) || !as_of.is_none_or(written) {
            return None;
        }
        Some(Cursor { created_at, id, score, tier, as_of })
    }
}

/// The cursor for the next page, if the query found more than a page.
pub fn next_cursor<T>(items: &mut Vec<T>, limit: PageLimit, key: impl Fn(&T) -> Cursor) -> Option<String> {
    if items.len() <= limit.get() {
        return None;
    }
    items.truncate(limit.get());
    items.last().map(|last| key(last).encode())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn limit_defaults_and_bounds() {
        let limits = Limits::default();
        assert_eq!(PageLimit::parse(None, &limits).unwrap().get(), 20);
        assert_eq!(PageLimit::parse(Some("100"), &limits).unwrap().get(), 100);
        for bad in ["0", "101", "-1", "ten", ""] {
            assert_eq!(PageLimit::parse(Some(bad), &limits).unwrap_err().field, "limit");
        }
    }

    #[test]
    fn garbage_cursors_are_field_errors() {
        for bad in [
            "x",
            "!!!",
            &URL_SAFE_NO_PAD.encode("1.notauuid"),
            &URL_SAFE_NO_PAD.encode("a.b.c.d"),
            &URL_SAFE_NO_PAD.encode("1.00000000000000000000000000000000.3f800000.x"),
            &URL_SAFE_NO_PAD.encode("1.00000000000000000000000000000000.3f800000.1.soon"),
            &URL_SAFE_NO_PAD.encode("1.00000000000000000000000000000000.3f800000.1.2.3"),
            // Instants Postgres cannot represent (a 500 once), or no memory has.
            &URL_SAFE_NO_PAD.encode("-8000000000000000000.00000000000000000000000000000000"),
            &URL_SAFE_NO_PAD.encode("300000000000000000.00000000000000000000000000000000"),
            &URL_SAFE_NO_PAD.encode("1.00000000000000000000000000000000.3f800000.1.-8000000000000000000"),
        ] {
            assert_eq!(Cursor::parse(Some(bad)).unwrap_err().field, "cursor");
        }
        assert_eq!(Cursor::parse(None).unwrap(), None);
    }

    #[test]
    fn next_cursor_only_when_more() {
        let limit = PageLimit(2);
        let key = |n: &i64| Cursor {
            created_at: DateTime::from_timestamp_micros(*n).unwrap(),
            id: Uuid::nil(),
            score: None,
            tier: None,
            as_of: None,
        };
        let mut two = vec![1, 2];
        assert_eq!(next_cursor(&mut two, limit, key), None);
        let mut three = vec![3, 2, 1];
        let cursor = next_cursor(&mut three, limit, key).unwrap();
        assert_eq!(three, vec![3, 2]);
        assert_eq!(Cursor::parse(Some(&cursor)).unwrap().unwrap().created_at.timestamp_micros(), 2);
    }

    proptest! {
        #[test]
        fn cursors_round_trip(micros in -62_000_000_000_000_000i64..250_000_000_000_000_000i64,
                              id in any::<u128>(), score in proptest::option::of(0f32..1e6), tier in any::<u8>(),
                              as_of in proptest::option::of(0i64..250_000_000_000_000_000i64)) {
            let tier = score.map(|_| tier);
            let as_of = tier.and(as_of).map(|micros| DateTime::from_timestamp_micros(micros).unwrap());
            let at = DateTime::from_timestamp_micros(micros).unwrap();
            let cursor = Cursor { created_at: at, id: Uuid::from_u128(id), score, tier, as_of };
            prop_assert_eq!(Cursor::parse(Some(&cursor.encode())).unwrap(), Some(cursor));
        }

        #[test]
        fn cursor_parsing_never_panics(raw in "\\PC{0,64}") {
            let _ = Cursor::parse(Some(&raw));
        }
    }
}
