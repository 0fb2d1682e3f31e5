//! The tag vocabulary's query (`GET /v1/tags?prefix=`).

use super::fields::normalise_tag;
use crate::error::FieldError;
use crate::limits::Limits;

/// What a tag must start with, normalised as tags are, so that what a person
/// types ("Machine L") finds the tags it would become ("machine-learning").
/// A trailing separator is kept as the `-` it turns into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TagPrefix(String);

impl TagPrefix {
    pub fn parse(raw: Option<&str>, limits: &Limits) -> Result<TagPrefix, FieldError> {
        let raw = raw.unwrap_or_default();
        let mut prefix = normalise_tag(raw);
        if !prefix.is_empty() && raw.chars().last().is_some_and(|c| !c.is_alphanumeric()) {
            prefix.push('-');
        }
        if prefix.chars().count() > limits.max_tag_chars {
            return Err(FieldError::new(
                "prefix",
                format!("prefix is longer than a tag may be ({} characters, MAX_TAG_CHARS)", limits.max_tag_chars),
            ));
        }
        Ok(TagPrefix(prefix))
    }

    /// A `LIKE` pattern matching tags that start with the prefix. Tags hold
    /// letters, digits and `-` only, so the prefix has no `%`, `_` or `\`.
    pub fn like_pattern(&self) -> String {
        format!("{}%", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<TagPrefix, FieldError> {
        TagPrefix::parse(Some(raw), &Limits::default())
    }

    #[test]
    fn prefixes_are_normalised_like_tags() {
        assert_eq!(parse("Machine L").unwrap().like_pattern(), "machine-l%");
        assert_eq!(parse("machine ").unwrap().like_pattern(), "machine-%");
        assert_eq!(parse("  ").unwrap().like_pattern(), "%");
        assert_eq!(TagPrefix::parse(None, &Limits::default()).unwrap().like_pattern(), "%");
        assert_eq!(parse("100%_\\").unwrap().like_pattern(), "100-%");
    }

    #[test]
    fn a_prefix_longer_than_a_tag_is_refused() {
        let error = parse(&"a".repeat(Limits::default().max_tag_chars + 1)).unwrap_err();
        assert_eq!(error.field, "prefix");
    }
}
