//! Tag dictionaries: platforms with their hosts, topic and technology terms
//! matched on token and phrase boundaries, code-language aliases and stop
//! words — loaded from TOML (see `data/dictionary.toml` for the format).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use rustc_hash::FxHashMap;

use crate::document::Document;
use crate::tags::normalize_tag;
use crate::text::{lowercase, tokens};
use crate::toml_lite::{self, Entry, Table, Value};
use crate::{DictionaryError, Kind};

/// The dictionary compiled into the crate.
pub(crate) const BUILTIN_TOML: &str = include_str!("../data/dictionary.toml");

/// A site or chat service recognised from the URL host, the `platform`
/// metadata or the capture source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Platform {
    pub id: String,
    /// Display name used in fallback titles ("ChatGPT").
    pub name: String,
    pub kind: Kind,
    /// Hosts, matched exactly or as a parent domain.
    pub hosts: Vec<String>,
    /// Lower-case words that name the platform in `source` or `platform`.
    pub aliases: Vec<String>,
    pub tags: Vec<String>,
}

/// A tag with the rules for giving it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Topic {
    pub tag: String,
    /// How many term occurrences the text needs for the tag.
    pub min_hits: u32,
    /// A match makes the text technical, which lets ambiguous terms count;
    /// technical terms also count inside code.
    pub technical: bool,
}

/// A term of a topic, filed under its first token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Term {
    topic: usize,
    /// Tokens after the first.
    rest: Box<[String]>,
    /// Counts only in technical text ("rust", "swift").
    ambiguous: bool,
}

/// All dictionaries of an analyzer.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dictionary {
    pub platforms: Vec<Platform>,
    pub topics: Vec<Topic>,
    topic_index: FxHashMap<String, usize>,
    /// First token of a term → index into `term_groups`.
    words: FxHashMap<String, WordEntry>,
    term_groups: Vec<Vec<Term>>,
    /// (lower-cased term, topic) → where the term is filed.
    term_slots: FxHashMap<(String, usize), (u32, usize)>,
    /// Code-fence info strings mapped to canonical language names.
    pub language_aliases: HashMap<String, String>,
    /// Info strings that name no language (`text`, `output`).
    pub ignored_languages: HashSet<String>,
}

/// What the dictionary knows about one lower-case word, found with a single
/// lookup.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct WordEntry {
    /// The group of terms that start with the word.
    pub terms: Option<u32>,
    /// Never part of a keyword tag ("the", "und", "的").
    pub stop: bool,
    /// Too common to be a keyword tag alone, though it may be part of a
    /// two-word one ("shop" in "online-shop").
    pub generic: bool,
}

/// Occurrences of one topic's terms in a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TopicHits {
    pub topic: usize,
    pub strong: u32,
    pub ambiguous: u32,
    /// Token index of the first occurrence.
    pub first: usize,
    /// Whether a match inside code was counted: code counts once per topic,
    /// since an identifier repeated in code says no more than one use.
    pub counted_in_code: bool,
}

impl Dictionary {
    /// The built-in dictionary, parsed once per process and shared.
    pub fn builtin() -> Arc<Dictionary> {
        static BUILTIN: OnceLock<Arc<Dictionary>> = OnceLock::new();
        BUILTIN
            .get_or_init(|| {
                let mut dictionary = Dictionary::default();
                // The built-in text is checked by the tests; should it ever
                // fail to load, analysis goes on with what was loaded rather
                // than panic.
                let loaded = dictionary.extend_from_toml(BUILTIN_TOML);
                debug_assert!(loaded.is_ok(), "built-in dictionary: {loaded:?}");
                Arc::new(dictionary)
            })
            .clone()
    }

    /// Adds the tables of a TOML dictionary text; a known platform or tag is
    /// extended, its scalar settings overridden.
    pub fn extend_from_toml(&mut self, source: &str) -> Result<(), DictionaryError> {
        let tables = toml_lite::parse(source).map_err(|e| DictionaryError(e.to_string()))?;
        for table in &tables {
            self.load_table(table).map_err(DictionaryError)?;
        }
        Ok(())
    }

    fn load_table(&mut self, table: &Table) -> Result<(), String> {
        let path: Vec<&str> = table.path.iter().map(String::as_str).collect();
        match path[..] {
            [] => match table.entries.first() {
                Some(entry) => Err(format!("line {}: unknown top-level key `{}`", entry.line, entry.key)),
                None => Ok(()),
            },
            ["platforms", id] => self.load_platform(id, table),
            ["tags", tag] => self.load_topic(tag, table),
            ["languages"] => table.entries.iter().try_for_each(|entry| match entry.key.as_str() {
                "ignore" => {
                    self.ignored_languages.extend(strings(entry)?.iter().map(|s| lowercase(s)));
                    Ok(())
                }
                _ => Err(unknown_key(entry, table)),
            }),
            ["languages", "aliases"] => table.entries.iter().try_for_each(|entry| {
                let language = string(entry)?;
                self.language_aliases.insert(lowercase(&entry.key), lowercase(language));
                Ok(())
            }),
            ["stop_words"] => table.entries.iter().try_for_each(|entry| {
                for word in strings(entry)? {
                    self.words.entry(lowercase(word)).or_default().stop = true;
                }
                Ok(())
            }),
            ["generic_words"] => table.entries.iter().try_for_each(|entry| {
                for word in strings(entry)? {
                    self.words.entry(lowercase(word)).or_default().generic = true;
                }
                Ok(())
            }),
            _ => Err(format!("line {}: unknown table [{}]", table.line, table.path.join("."))),
        }
    }

    fn load_platform(&mut self, id: &str, table: &Table) -> Result<(), String> {
        let index = match self.platforms.iter().position(|p| p.id == id) {
            Some(index) => index,
            None => {
                let Some(kind) = table.entries.iter().find(|e| e.key == "kind") else {
                    return Err(format!("line {}: new platform [platforms.{id}] needs a kind", table.line));
                };
                self.platforms.push(Platform {
                    id: id.to_owned(),
                    name: id.to_owned(),
                    kind: kind_named(kind)?,
                    hosts: Vec::new(),
                    aliases: Vec::new(),
                    tags: Vec::new(),
                });
                self.platforms.len() - 1
            }
        };
        let platform = &mut self.platforms[index];
        for entry in &table.entries {
            match entry.key.as_str() {
                "name" => platform.name = string(entry)?.to_owned(),
                "kind" => platform.kind = kind_named(entry)?,
                "hosts" => platform.hosts.extend(strings(entry)?.iter().map(|h| lowercase(h))),
                "aliases" => platform.aliases.extend(strings(entry)?.iter().map(|a| lowercase(a))),
                "tags" => platform.tags.extend(strings(entry)?.iter().map(|t| normalize_tag(t))),
                _ => return Err(unknown_key(entry, table)),
            }
        }
        Ok(())
    }

    fn load_topic(&mut self, tag: &str, table: &Table) -> Result<(), String> {
        let tag = normalize_tag(tag);
        if tag.is_empty() {
            return Err(format!("line {}: [tags.…] needs a tag with letters or digits", table.line));
        }
        let topic = match self.topic_index.get(&tag) {
            Some(&topic) => topic,
            None => {
                self.topic_index.insert(tag.clone(), self.topics.len());
                self.topics.push(Topic { tag, min_hits: 1, technical: false });
                self.topics.len() - 1
            }
        };
        for entry in &table.entries {
            match entry.key.as_str() {
                "terms" => strings(entry)?.iter().for_each(|term| self.add_term(topic, term, false)),
                "ambiguous" => strings(entry)?.iter().for_each(|term| self.add_term(topic, term, true)),
                "min_hits" => match entry.value {
                    Value::Integer(n) if (1..=1000).contains(&n) => self.topics[topic].min_hits = n as u32,
                    _ => return Err(format!("line {}: min_hits must be an integer from 1 to 1000", entry.line)),
                },
                "technical" => match entry.value {
                    Value::Boolean(b) => self.topics[topic].technical = b,
                    _ => return Err(format!("line {}: technical must be true or false", entry.line)),
                },
                _ => return Err(unknown_key(entry, table)),
            }
        }
        Ok(())
    }

    /// Adds a term for a topic; terms are tokenised like text, so phrases
    /// and CJK words match as token sequences.
    fn add_term(&mut self, topic: usize, term: &str, ambiguous: bool) {
        let lower = lowercase(term);
        let mut words = tokens(&lower).map(|t| t.text.to_owned());
        let Some(first) = words.next() else { return };
        let rest: Box<[String]> = words.collect();
        let key = (lower, topic);
        if let Some(&(group, index)) = self.term_slots.get(&key) {
            self.term_groups[group as usize][index].ambiguous = ambiguous;
            return;
        }
        let next_group = self.term_groups.len() as u32;
        let group = *self.words.entry(first).or_default().terms.get_or_insert(next_group);
        if group == next_group {
            self.term_groups.push(Vec::new());
        }
        let terms = &mut self.term_groups[group as usize];
        self.term_slots.insert(key, (group, terms.len()));
        terms.push(Term { topic, rest, ambiguous });
    }

    /// What the dictionary knows about a lower-case word.
    pub fn word(&self, word: &str) -> WordEntry {
        self.words.get(word).copied().unwrap_or_default()
    }

    /// Counts term occurrences per topic, longest match first, left to
    /// right, and marks matched tokens. A match credits every topic that has
    /// that exact term; inside code only technical topics count, once each.
    pub fn match_terms(&self, doc: &mut Document<'_>) -> Vec<TopicHits> {
        let mut hits: Vec<TopicHits> = Vec::new();
        let mut slots: Vec<Option<usize>> = vec![None; self.topics.len()];
        let mut i = 0;
        while i < doc.tokens.len() {
            let Some(group) = doc.word(&doc.tokens[i]).terms else {
                i += 1;
                continue;
            };
            let terms = &self.term_groups[group as usize];
            let following = &doc.tokens[i + 1..];
            let continues = |term: &&Term| {
                following.len() >= term.rest.len()
                    && following.iter().zip(term.rest.iter()).all(|(t, w)| t.token.joined && t.token.text == w)
            };
            let Some(span) = terms.iter().filter(continues).map(|t| t.rest.len()).max() else {
                i += 1;
                continue;
            };
            let in_code = doc.tokens[i].code;
            for term in terms.iter().filter(|t| t.rest.len() == span).filter(continues) {
                if in_code && !self.topics[term.topic].technical {
                    continue;
                }
                let index = match slots[term.topic] {
                    Some(index) => index,
                    None => {
                        slots[term.topic] = Some(hits.len());
                        hits.push(TopicHits {
                            topic: term.topic,
                            strong: 0,
                            ambiguous: 0,
                            first: i,
                            counted_in_code: false,
                        });
                        hits.len() - 1
                    }
                };
                if in_code {
                    if hits[index].counted_in_code {
                        continue;
                    }
                    hits[index].counted_in_code = true;
                }
                if term.ambiguous {
                    hits[index].ambiguous += 1;
                } else {
                    hits[index].strong += 1;
                }
            }
            for token in &mut doc.tokens[i..=i + span] {
                token.matched = true;
            }
            i += span + 1;
        }
        hits
    }

    /// The platform whose host is `host` or its closest parent domain.
    pub fn platform_by_host(&self, host: &str) -> Option<&Platform> {
        let matches = |h: &str| host == h || host.strip_suffix(h).is_some_and(|sub| sub.ends_with('.'));
        self.platforms
            .iter()
            .filter_map(|p| p.hosts.iter().filter(|h| matches(h)).map(String::len).max().map(|len| (len, p)))
            .max_by_key(|&(len, _)| len)
            .map(|(_, p)| p)
    }

    /// The first platform one of whose aliases is a word of `name`
    /// ("chatgpt-extension-v2" names ChatGPT).
    pub fn platform_by_name(&self, name: &str) -> Option<&Platform> {
        let lower = lowercase(name);
        lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .find_map(|word| self.platforms.iter().find(|p| p.id == word || p.aliases.iter().any(|a| a == word)))
    }
}

fn unknown_key(entry: &Entry, table: &Table) -> String {
    format!("line {}: unknown key `{}` in [{}]", entry.line, entry.key, table.path.join("."))
}

fn string(entry: &Entry) -> Result<&str, String> {
    match &entry.value {
        Value::String(s) => Ok(s),
        other => Err(format!("line {}: `{}` must be a string, not {}", entry.line, entry.key, other.type_name())),
    }
}

fn strings(entry: &Entry) -> Result<Vec<&str>, String> {
    let not_strings = || format!("line {}: `{}` must be an array of strings", entry.line, entry.key);
    let Value::Array(items) = &entry.value else {
        return Err(not_strings());
    };
    items
        .iter()
        .map(|item| match item {
            Value::String(s) => Ok(s.as_str()),
            _ => Err(not_strings()),
        })
        .collect()
}

fn kind_named(entry: &Entry) -> Result<Kind, String> {
    let name = string(entry)?;
    Kind::from_name(name).ok_or_else(|| {
        let known: Vec<&str> = Kind::ALL.iter().map(|k| k.as_str()).collect();
        format!("line {}: unknown kind `{name}` (known: {})", entry.line, known.join(", "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_dictionary_loads() {
        let mut dictionary = Dictionary::default();
        dictionary.extend_from_toml(BUILTIN_TOML).expect("built-in dictionary");
        assert!(dictionary.platforms.len() >= 10);
        assert!(dictionary.topics.len() >= 40);
        assert!(dictionary.word("the").stop && dictionary.word("und").stop && dictionary.word("的").stop);
        assert!(dictionary.word("shop").generic && !dictionary.word("shop").stop);
        assert_eq!(dictionary.language_aliases.get("rs").map(String::as_str), Some("rust"));
        for topic in &dictionary.topics {
            assert_eq!(topic.tag, normalize_tag(&topic.tag));
        }
    }

    #[test]
    fn extends_and_overrides() {
        let mut dictionary = Dictionary::clone(&Dictionary::builtin());
        let extra = r#"
[platforms.chatgpt]
hosts = ["chat.example-proxy.net"]

[platforms.kagi]
name = "Kagi Assistant"
kind = "conversation"
hosts = ["kagi.com"]
tags = ["kagi"]

[tags.rust]
min_hits = 3

[tags.homelab]
terms = ["proxmox", "home lab"]
"#;
        dictionary.extend_from_toml(extra).unwrap();
        assert_eq!(
            dictionary.platform_by_host("chat.example-proxy.net").map(|p| p.kind),
            Some(Kind::ChatgptConversation)
        );
        assert_eq!(dictionary.platform_by_host("kagi.com").map(|p| p.name.as_str()), Some("Kagi Assistant"));
        let rust = dictionary.topics.iter().find(|t| t.tag == "rust").unwrap();
        assert!(rust.min_hits == 3 && rust.technical);
        assert!(dictionary.word("proxmox").terms.is_some());
    }

    #[test]
    fn rejects_bad_dictionaries() {
        let error = |text: &str| Dictionary::default().extend_from_toml(text).unwrap_err().0;
        assert_eq!(error("[colours]\nred = 1"), "line 1: unknown table [colours]");
        assert_eq!(error("[tags.x]\nterm = [\"a\"]"), "line 2: unknown key `term` in [tags.x]");
        assert_eq!(error("[tags.x]\nterms = \"a\""), "line 2: `terms` must be an array of strings");
        assert_eq!(error("[tags.x]\nmin_hits = 0"), "line 2: min_hits must be an integer from 1 to 1000");
        assert!(error("[platforms.p]\nkind = \"blog\"").starts_with("line 2: unknown kind `blog`"));
        assert_eq!(error("[platforms.p]\nhosts = []"), "line 1: new platform [platforms.p] needs a kind");
        assert_eq!(error("[tags.\"!!\"]"), "line 1: [tags.…] needs a tag with letters or digits");
    }

    #[test]
    fn most_specific_host_wins() {
        let dictionary = Dictionary::builtin();
        assert_eq!(dictionary.platform_by_host("gemini.google.com").map(|p| p.id.as_str()), Some("gemini"));
        assert_eq!(dictionary.platform_by_host("gist.github.com").map(|p| p.id.as_str()), Some("github"));
        assert_eq!(dictionary.platform_by_host("notgithub.com"), None);
        assert_eq!(dictionary.platform_by_name("chatgpt-extension-v2").map(|p| p.id.as_str()), Some("chatgpt"));
    }
}
