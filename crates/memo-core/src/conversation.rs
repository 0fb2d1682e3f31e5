//! Role markers that start the turns of a pasted conversation, in the forms
//! chat exports and copy buttons produce: `Human:`, `**You said:**`,
//! `## Assistant`, `ChatGPT said:`, `Q:` / `A:` and the like.

/// Who speaks in a turn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    User,
    Assistant,
}

/// Marker labels, lower-case, without the colon.
const ROLE_LABELS: &[(&str, Role)] = &[
    ("human", Role::User),
    ("user", Role::User),
    ("you", Role::User),
    ("you said", Role::User),
    ("me", Role::User),
    ("i said", Role::User),
    ("q", Role::User),
    ("question", Role::User),
    ("prompt", Role::User),
    ("assistant", Role::Assistant),
    ("ai", Role::Assistant),
    ("a", Role::Assistant),
    ("answer", Role::Assistant),
    ("bot", Role::Assistant),
    ("model", Role::Assistant),
    ("response", Role::Assistant),
    ("chatgpt", Role::Assistant),
    ("chatgpt said", Role::Assistant),
    ("gpt", Role::Assistant),
    ("claude", Role::Assistant),
    ("claude said", Role::Assistant),
    ("gemini", Role::Assistant),
    ("gemini said", Role::Assistant),
    ("bard", Role::Assistant),
    ("perplexity", Role::Assistant),
    ("copilot", Role::Assistant),
    ("grok", Role::Assistant),
    ("deepseek", Role::Assistant),
    ("mistral", Role::Assistant),
    ("le chat", Role::Assistant),
];

/// Longest label in bytes, so lines that cannot be markers are rejected
/// without scanning them.
const MAX_LABEL_LEN: usize = 12;

/// The role a line announces and the text after the marker, if the line
/// starts a turn.
///
/// A label followed by a colon is a marker anywhere (`User: hi`). A bare
/// label is a marker only when the whole line is a heading or bold
/// (`## Assistant`, `**User**`).
pub(crate) fn role_marker(line: &str) -> Option<(Role, &str)> {
    let trimmed = line.trim_start().trim_start_matches('>').trim_start();
    let decorated = trimmed.starts_with(['#', '*', '_']);
    let body = trimmed.trim_start_matches(['#', '*', '_', ' ']);
    let label_len =
        body.char_indices().find(|&(_, c)| !(c.is_ascii_alphabetic() || c == ' ')).map_or(body.len(), |(i, _)| i);
    if label_len == 0 || label_len > MAX_LABEL_LEN + 1 {
        return None;
    }
    let label = body[..label_len].trim_end();
    let after = body[label_len..].trim_start_matches(['*', '_']);
    let (rest, had_colon) = match after.strip_prefix(':').or_else(|| after.strip_prefix('：')) {
        Some(rest) => (rest.trim_start_matches(['*', '_']).trim(), true),
        None => (after.trim(), false),
    };
    let bare_heading = decorated && rest.is_empty();
    if !(had_colon || bare_heading) {
        return None;
    }
    let role = ROLE_LABELS.iter().find(|(name, _)| name.eq_ignore_ascii_case(label)).map(|&(_, role)| role)?;
    Some((role, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_common_markers() {
        assert_eq!(role_marker("Human: hello"), Some((Role::User, "hello")));
        assert_eq!(role_marker("**You said:**"), Some((Role::User, "")));
        assert_eq!(role_marker("ChatGPT said:"), Some((Role::Assistant, "")));
        assert_eq!(role_marker("## Assistant"), Some((Role::Assistant, "")));
        assert_eq!(role_marker("**User:** what now?"), Some((Role::User, "what now?")));
        assert_eq!(role_marker("Q: why?"), Some((Role::User, "why?")));
        assert_eq!(role_marker("A: because"), Some((Role::Assistant, "because")));
    }

    #[test]
    fn ignores_ordinary_lines() {
        assert_eq!(role_marker("User experience matters"), None);
        assert_eq!(role_marker("Note: remember this"), None);
        assert_eq!(role_marker("You"), None);
        assert_eq!(role_marker(""), None);
        assert_eq!(role_marker("A long line: with a colon"), None);
    }
}
