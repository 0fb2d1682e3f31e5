//! A small parser for the subset of TOML that tag dictionaries use, so the
//! wasm builds carry no general TOML parser.
//!
//! Supported: comments, `[table.headers]` with bare or quoted keys,
//! `key = value` with bare or quoted keys, and values that are basic or
//! literal single-line strings, integers, booleans and arrays of those
//! (which may span lines and end with a comma). Anything else — multi-line
//! strings, inline tables, arrays of tables, dotted keys, floats, dates — is
//! rejected with the line it appears on, as are duplicate keys and tables.

use std::fmt;

use rustc_hash::FxHashSet;

/// A parsed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    String(String),
    Integer(i64),
    Boolean(bool),
    Array(Vec<Value>),
}

impl Value {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "a string",
            Value::Integer(_) => "an integer",
            Value::Boolean(_) => "a boolean",
            Value::Array(_) => "an array",
        }
    }
}

/// One `key = value` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub key: String,
    pub value: Value,
    /// 1-based line of the key.
    pub line: usize,
}

/// A table: its header path (empty for the root) and entries in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Table {
    pub path: Vec<String>,
    pub line: usize,
    pub entries: Vec<Entry>,
}

/// A syntax error with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ParseError {
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Parses a document into its tables, root first.
pub(crate) fn parse(source: &str) -> Result<Vec<Table>, ParseError> {
    Parser { source, pos: 0, line: 1 }.document()
}

struct Parser<'s> {
    source: &'s str,
    pos: usize,
    line: usize,
}

type Parsed<T> = Result<T, ParseError>;

impl Parser<'_> {
    fn document(&mut self) -> Parsed<Vec<Table>> {
        let mut tables = Vec::new();
        let mut current = Table { path: Vec::new(), line: 1, entries: Vec::new() };
        let mut table_paths: FxHashSet<Vec<String>> = FxHashSet::default();
        let mut keys: FxHashSet<String> = FxHashSet::default();
        loop {
            self.skip_whitespace_and_comments();
            match self.peek() {
                None => {
                    tables.push(current);
                    return Ok(tables);
                }
                Some('[') => {
                    let line = self.line;
                    let path = self.header()?;
                    if !table_paths.insert(path.clone()) {
                        let name = path.join(".");
                        return self.fail_at(line, format!("table [{name}] defined twice"));
                    }
                    let table = Table { path, line, entries: Vec::new() };
                    tables.push(std::mem::replace(&mut current, table));
                    keys.clear();
                }
                Some(_) => {
                    let entry = self.entry()?;
                    if !keys.insert(entry.key.clone()) {
                        let key = &entry.key;
                        return self.fail_at(entry.line, format!("key `{key}` defined twice"));
                    }
                    current.entries.push(entry);
                }
            }
            self.end_of_line()?;
        }
    }

    fn header(&mut self) -> Parsed<Vec<String>> {
        self.bump();
        if self.peek() == Some('[') {
            return self.fail("arrays of tables ([[...]]) are not supported");
        }
        let mut path = Vec::new();
        loop {
            self.skip_spaces();
            path.push(self.key()?);
            self.skip_spaces();
            match self.bump() {
                Some('.') => continue,
                Some(']') => return Ok(path),
                _ => return self.fail("expected `.` or `]` in table header"),
            }
        }
    }

    fn entry(&mut self) -> Parsed<Entry> {
        let line = self.line;
        let key = self.key()?;
        self.skip_spaces();
        match self.bump() {
            Some('=') => {}
            Some('.') => return self.fail("dotted keys are not supported"),
            _ => return self.fail(format!("expected `=` after key `{key}`")),
        }
        self.skip_spaces();
        let value = self.value()?;
        Ok(Entry { key, value, line })
    }

    fn key(&mut self) -> Parsed<String> {
        match self.peek() {
            Some('"') => self.basic_string(),
            Some('\'') => self.literal_string(),
            _ => {
                let start = self.pos;
                while self.peek().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
                    self.bump();
                }
                if start == self.pos {
                    return self.fail("expected a key");
                }
                Ok(self.source[start..self.pos].to_owned())
            }
        }
    }

    fn value(&mut self) -> Parsed<Value> {
        match self.peek() {
            Some('"') => {
                if self.rest().starts_with("\"\"\"") {
                    return self.fail("multi-line strings are not supported");
                }
                self.basic_string().map(Value::String)
            }
            Some('\'') => {
                if self.rest().starts_with("'''") {
                    return self.fail("multi-line strings are not supported");
                }
                self.literal_string().map(Value::String)
            }
            Some('[') => self.array(),
            Some('{') => self.fail("inline tables are not supported"),
            Some('t') if self.rest().starts_with("true") => {
                self.pos += 4;
                Ok(Value::Boolean(true))
            }
            Some('f') if self.rest().starts_with("false") => {
                self.pos += 5;
                Ok(Value::Boolean(false))
            }
            Some(c) if c.is_ascii_digit() || c == '+' || c == '-' => self.integer(),
            _ => self.fail("expected a value"),
        }
    }

    fn array(&mut self) -> Parsed<Value> {
        self.bump();
        let mut items = Vec::new();
        loop {
            self.skip_whitespace_and_comments();
            if self.peek() == Some(']') {
                self.bump();
                return Ok(Value::Array(items));
            }
            items.push(self.value()?);
            self.skip_whitespace_and_comments();
            match self.bump() {
                Some(',') => {}
                Some(']') => return Ok(Value::Array(items)),
                None => return self.fail("unterminated array"),
                _ => return self.fail("expected `,` or `]` in array"),
            }
        }
    }

    fn integer(&mut self) -> Parsed<Value> {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | '_')) {
            self.bump();
        }
        let digits: String = self.source[start..self.pos].chars().filter(|&c| c != '_').collect();
        match digits.parse() {
            Ok(n) => Ok(Value::Integer(n)),
            Err(_) => self.fail(format!("invalid or unsupported number `{}`", &self.source[start..self.pos])),
        }
    }

    fn basic_string(&mut self) -> Parsed<String> {
        self.bump();
        let mut out = String::new();
        loop {
            match self.bump() {
                None | Some('\n') => return self.fail("unterminated string"),
                Some('"') => return Ok(out),
                Some('\\') => {
                    let escaped = match self.bump() {
                        Some('"') => '"',
                        Some('\\') => '\\',
                        Some('n') => '\n',
                        Some('t') => '\t',
                        Some('r') => '\r',
                        Some('b') => '\u{8}',
                        Some('f') => '\u{c}',
                        Some('u') => self.unicode_escape(4)?,
                        Some('U') => self.unicode_escape(8)?,
                        _ => return self.fail("invalid escape in string"),
                    };
                    out.push(escaped);
                }
                Some(c) => out.push(c),
            }
        }
    }

    fn unicode_escape(&mut self, digits: usize) -> Parsed<char> {
        let hex = self.rest().get(..digits).filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
        let Some(scalar) = hex.and_then(|h| u32::from_str_radix(h, 16).ok()) else {
            return self.fail("invalid unicode escape");
        };
        self.pos += digits;
        match char::from_u32(scalar) {
            Some(c) => Ok(c),
            None => self.fail("invalid unicode scalar in escape"),
        }
    }

    fn literal_string(&mut self) -> Parsed<String> {
        self.bump();
        let start = self.pos;
        loop {
            match self.bump() {
                None | Some('\n') => return self.fail("unterminated string"),
                Some('\'') => return Ok(self.source[start..self.pos - 1].to_owned()),
                Some(_) => {}
            }
        }
    }

    /// After a header or entry: only spaces and a comment before the newline.
    fn end_of_line(&mut self) -> Parsed<()> {
        self.skip_spaces();
        self.skip_comment();
        match self.peek() {
            None => Ok(()),
            Some('\n') => Ok(()),
            Some('\r') if self.rest().starts_with("\r\n") => Ok(()),
            Some(c) => self.fail(format!("unexpected `{c}` after value")),
        }
    }

    fn skip_whitespace_and_comments(&mut self) {
        loop {
            self.skip_spaces();
            self.skip_comment();
            match self.peek() {
                Some('\n' | '\r') => {
                    self.bump();
                }
                _ => return,
            }
        }
    }

    fn skip_spaces(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.bump();
        }
    }

    fn skip_comment(&mut self) {
        if self.peek() == Some('#') {
            while self.peek().is_some_and(|c| c != '\n') {
                self.bump();
            }
        }
    }

    fn rest(&self) -> &str {
        &self.source[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn fail<T>(&self, message: impl Into<String>) -> Parsed<T> {
        self.fail_at(self.line, message)
    }

    fn fail_at<T>(&self, line: usize, message: impl Into<String>) -> Parsed<T> {
        Err(ParseError { line, message: message.into() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Value {
        Value::Array(items.iter().map(|s| Value::String((*s).to_owned())).collect())
    }

    #[test]
    fn parses_the_supported_subset() {
        let doc = r#"
# comment
top = 1

[tags."c++"]   # trailing comment
terms = [
  "c plus plus", 'raw\str',  # inside
  "tab\there",
]
min_hits = 2
technical = true
"#;
        let tables = parse(doc).unwrap();
        assert_eq!(tables.len(), 2);
        assert_eq!(tables[0].entries[0], Entry { key: "top".into(), value: Value::Integer(1), line: 3 });
        assert_eq!(tables[1].path, ["tags", "c++"]);
        assert_eq!(tables[1].entries[0].value, strings(&["c plus plus", "raw\\str", "tab\there"]));
        assert_eq!(tables[1].entries[1].value, Value::Integer(2));
        assert_eq!(tables[1].entries[2].value, Value::Boolean(true));
    }

    #[test]
    fn reports_errors_with_lines() {
        let error = |doc: &str| parse(doc).unwrap_err().to_string();
        assert_eq!(error("a = 1\nb = \"open"), "line 2: unterminated string");
        assert_eq!(error("[a]\nx = 1\n[a]"), "line 3: table [a] defined twice");
        assert_eq!(error("x = 1\nx = 2"), "line 2: key `x` defined twice");
        assert_eq!(error("x = {a = 1}"), "line 1: inline tables are not supported");
        assert_eq!(error("[[x]]"), "line 1: arrays of tables ([[...]]) are not supported");
        assert_eq!(error("x = 1 2"), "line 1: unexpected `2` after value");
        assert_eq!(error("x = [1, 2"), "line 1: unterminated array");
        assert_eq!(error("x = 1.5"), "line 1: unexpected `.` after value");
        assert_eq!(error("a.b = 1"), "line 1: dotted keys are not supported");
        assert_eq!(error("x = \"\\u00zz\""), "line 1: invalid unicode escape");
    }

    #[test]
    fn handles_crlf_and_unicode() {
        let tables = parse("[tags.ai]\r\nterms = [\"人工智能\", \"\\u00e9\"]\r\n").unwrap();
        assert_eq!(tables[1].entries[0].value, strings(&["人工智能", "é"]));
    }
}
