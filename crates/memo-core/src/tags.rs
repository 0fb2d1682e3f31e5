//! Tag normalisation and the ordered, bounded tag list.

use rustc_hash::FxHashSet;

/// Longest tag, in bytes (tags are mostly ASCII; a multi-byte tag is cut on a
/// character boundary).
pub const MAX_TAG_LEN: usize = 64;
/// Default cap on the number of tags, user tags included.
pub const DEFAULT_MAX_TAGS: usize = 12;

/// Spellings whose symbols carry meaning that kebab-case would lose.
const SYMBOL_SPELLINGS: &[(&str, &str)] = &[("c++", "cpp"), ("c#", "csharp"), ("f#", "fsharp"), (".net", "dotnet")];

/// Lower-case kebab-case form of a tag: letters and digits of any script,
/// other characters collapsed to single hyphens, at most [`MAX_TAG_LEN`]
/// bytes. Empty when nothing is left.
pub fn normalize_tag(raw: &str) -> String {
    tag_within(raw, MAX_TAG_LEN)
}

/// [`normalize_tag`] without the length cap: the worker rejects a user tag
/// that is too long (`MAX_TAG_CHARS`) instead of cutting it.
pub fn normalize_tag_uncut(raw: &str) -> String {
    tag_within(raw, usize::MAX)
}

/// The one tag rule: symbolic spellings first (`C++` is `cpp`), then
/// kebab-case; a combining mark stays with the letter before it.
fn tag_within(raw: &str, max_len: usize) -> String {
    let lower = crate::text::lowercase(raw.trim());
    if let Some(&(_, spelled)) = SYMBOL_SPELLINGS.iter().find(|(symbolic, _)| *symbolic == lower) {
        return spelled.to_owned();
    }
    let mut tag = String::with_capacity(lower.len().min(max_len));
    let mut pending_hyphen = false;
    for c in lower.chars() {
        if c.is_alphanumeric() {
            let needed = c.len_utf8() + usize::from(pending_hyphen);
            if tag.len() + needed > max_len {
                break;
            }
            if pending_hyphen {
                tag.push('-');
                pending_hyphen = false;
            }
            tag.push(c);
        } else if !is_combining_mark(c) {
            pending_hyphen = !tag.is_empty();
        } else if tag.is_empty() || pending_hyphen {
            // A mark with no letter before it has nothing to combine with.
        } else if tag.len() + c.len_utf8() <= max_len {
            tag.push(c);
        } else {
            break;
        }
    }
    tag
}

/// Combining marks that `is_alphanumeric` does not cover (most are
/// alphabetic already): the general combining blocks and the joiners. A
/// normalised tag holds only these, letters, digits and single hyphens.
pub fn is_combining_mark(c: char) -> bool {
    matches!(c as u32, 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF | 0x20D0..=0x20FF | 0xFE20..=0xFE2F | 0x200C | 0x200D)
}

/// An ordered list of unique tags: user tags first and never dropped, then
/// derived tags in the order offered until the cap is reached.
#[derive(Debug)]
pub(crate) struct TagList {
    tags: Vec<String>,
    seen: FxHashSet<String>,
    max: usize,
}

impl TagList {
    pub fn new(max: usize) -> Self {
        TagList { tags: Vec::new(), seen: FxHashSet::default(), max }
    }

    /// Adds a tag the user gave: kept even beyond the cap.
    pub fn push_user(&mut self, raw: &str) {
        self.push(normalize_tag(raw));
    }

    /// Offers a derived tag, taken if new and the list is not full.
    pub fn offer(&mut self, raw: &str) {
        if self.is_full() {
            return;
        }
        self.push(normalize_tag(raw));
    }

    pub fn is_full(&self) -> bool {
        self.tags.len() >= self.max
    }

    /// Appends a normalised tag unless it is empty or already there.
    fn push(&mut self, tag: String) {
        if !tag.is_empty() && self.seen.insert(tag.clone()) {
            self.tags.push(tag);
        }
    }

    pub fn into_vec(self) -> Vec<String> {
        self.tags
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_to_kebab_case() {
        assert_eq!(normalize_tag("  Machine Learning!! "), "machine-learning");
        assert_eq!(normalize_tag("C++"), "cpp");
        assert_eq!(normalize_tag("snake_case__name"), "snake-case-name");
        assert_eq!(normalize_tag("Café Crème"), "café-crème");
        assert_eq!(normalize_tag("机器学习"), "机器学习");
        assert_eq!(normalize_tag("!!!"), "");
        assert_eq!(normalize_tag(&"a".repeat(100)).len(), 64);
        assert_eq!(normalize_tag(&"é".repeat(100)).len(), 64);
    }

    #[test]
    fn symbolic_names_and_scripts() {
        assert_eq!(normalize_tag("C#"), "csharp");
        assert_eq!(normalize_tag(" .NET "), "dotnet");
        assert_eq!(normalize_tag("node.js"), "node-js");
        assert_eq!(normalize_tag("Node.JS"), "node-js");
        assert_eq!(normalize_tag("한국어 태그"), "한국어-태그");
        assert_eq!(normalize_tag("Rust 和 東京"), "rust-和-東京");
        assert_eq!(normalize_tag("cafe\u{301} \u{301}x"), "cafe\u{301}-x");
        assert_eq!(normalize_tag_uncut(&"x".repeat(65)).len(), 65);
        assert_eq!(normalize_tag_uncut("C++"), "cpp");
    }

    #[test]
    fn user_tags_are_kept_beyond_the_cap() {
        let mut list = TagList::new(2);
        for t in ["One", "two", "THREE", "one"] {
            list.push_user(t);
        }
        list.offer("four");
        assert_eq!(list.into_vec(), ["one", "two", "three"]);
    }
}
