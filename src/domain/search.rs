//! The search text `q`.

use crate::config::Limits;
use crate::error::FieldError;

/// Non-blank, at most `max_query_chars` characters, no NUL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchText(String);

impl SearchText {
    pub fn parse(raw: Option<&str>, limits: &Limits) -> Result<SearchText, FieldError> {
        let text = raw.map(str::trim).unwrap_or_default();
        if text.is_empty() {
            return Err(FieldError::new("q", "query parameter q is required"));
        }
        if text.contains('\0') {
            return Err(FieldError::new("q", "q must not contain NUL characters"));
        }
        let chars = text.chars().count();
        if chars > limits.max_query_chars {
            return Err(FieldError::new(
                "q",
                format!("q is {chars} characters; the limit is {} (MAX_QUERY_CHARS)", limits.max_query_chars),
            ));
        }
        Ok(SearchText(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q_is_required_and_bounded() {
        let limits = Limits::default();
        assert_eq!(SearchText::parse(None, &limits).unwrap_err().field, "q");
        assert!(SearchText::parse(Some("  "), &limits).is_err());
        assert!(SearchText::parse(Some(&"a".repeat(513)), &limits).is_err());
        assert_eq!(SearchText::parse(Some(" rust "), &limits).unwrap().as_str(), "rust");
    }
}
