//! Tag dictionaries: platforms with their hosts, topic and technology terms
//! matched on token and phrase boundaries, code-language aliases and stop
//! words.

use std::collections::{HashMap, HashSet};

use crate::text::{tokens, Token};
use crate::Kind;

/// A site or chat service recognised from the URL host, the `platform`
/// metadata or the capture source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Platform {
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
pub(crate) struct TopicTag {
    pub tag: String,
    /// How many term occurrences the text needs for the tag.
    pub min_hits: u32,
    /// Whether a match of this tag makes the text technical, which lets
    /// ambiguous terms of other tags count.
    pub technical: bool,
}

/// A term of a tag, keyed in the index by its first token.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Term {
    topic: usize,
    /// Tokens after the first.
    rest: Box<[String]>,
    /// Counts only in technical text ("rust", "go", "swift").
    ambiguous: bool,
}

/// All dictionaries of an analyzer.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dictionary {
    pub platforms: Vec<Platform>,
    pub topics: Vec<TopicTag>,
    terms: HashMap<String, Vec<Term>>,
    /// Code-fence info strings mapped to canonical language names.
    pub language_aliases: HashMap<String, String>,
    /// Info strings that name no language (`text`, `output`).
    pub non_languages: HashSet<String>,
    pub stop_words: HashSet<String>,
}

/// Occurrences of one tag's terms in a text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TopicHits {
    pub topic: usize,
    pub strong: u32,
    pub ambiguous: u32,
    /// Token index of the first occurrence.
    pub first: usize,
}

impl Dictionary {
    /// Index of the topic for `tag`, added if new.
    pub fn topic(&mut self, tag: &str, min_hits: u32, technical: bool) -> usize {
        let tag = crate::tags::normalize_tag(tag);
        if let Some(i) = self.topics.iter().position(|t| t.tag == tag) {
            self.topics[i].min_hits = min_hits;
            self.topics[i].technical = technical;
            return i;
        }
        self.topics.push(TopicTag {
            tag,
            min_hits,
            technical,
        });
        self.topics.len() - 1
    }

    /// Adds a term for a topic; terms are tokenised like text, so phrases
    /// and CJK words match as token sequences.
    pub fn add_term(&mut self, topic: usize, term: &str, ambiguous: bool) {
        let lower = crate::text::lowercase(term);
        let mut words = tokens(&lower).map(|t| t.text.to_owned());
        let Some(first) = words.next() else { return };
        let entry = Term {
            topic,
            rest: words.collect(),
            ambiguous,
        };
        let entries = self.terms.entry(first).or_default();
        if !entries.contains(&entry) {
            entries.push(entry);
        }
    }

    /// Counts term occurrences per topic, longest match first, left to
    /// right; `consumed` marks the tokens that matched.
    pub fn match_terms(&self, text: &[Token<'_>], consumed: &mut [bool]) -> Vec<TopicHits> {
        let mut hits: Vec<TopicHits> = Vec::new();
        let mut i = 0;
        while i < text.len() {
            let best = self.terms.get(text[i].text).and_then(|entries| {
                entries
                    .iter()
                    .filter(|term| continues(&text[i + 1..], &term.rest))
                    .max_by_key(|term| term.rest.len())
            });
            let Some(term) = best else {
                i += 1;
                continue;
            };
            let span = 1 + term.rest.len();
            consumed[i..i + span].iter_mut().for_each(|c| *c = true);
            let entry = match hits.iter_mut().find(|h| h.topic == term.topic) {
                Some(entry) => entry,
                None => {
                    hits.push(TopicHits {
                        topic: term.topic,
                        strong: 0,
                        ambiguous: 0,
                        first: i,
                    });
                    hits.last_mut().expect("just pushed")
                }
            };
            if term.ambiguous {
                entry.ambiguous += 1;
            } else {
                entry.strong += 1;
            }
            i += span;
        }
        hits
    }

    /// The platform whose host is `host` or a parent domain of it.
    pub fn platform_by_host(&self, host: &str) -> Option<&Platform> {
        self.platforms.iter().find(|p| {
            p.hosts.iter().any(|h| {
                host == h
                    || host
                        .strip_suffix(h.as_str())
                        .is_some_and(|sub| sub.ends_with('.'))
            })
        })
    }

    /// The platform one of whose aliases is a word of `name`
    /// ("chatgpt-extension-v2" names ChatGPT).
    pub fn platform_by_name(&self, name: &str) -> Option<&Platform> {
        let lower = crate::text::lowercase(name);
        lower
            .split(|c: char| !c.is_alphanumeric())
            .filter(|w| !w.is_empty())
            .find_map(|word| {
                self.platforms
                    .iter()
                    .find(|p| p.aliases.iter().any(|a| a == word))
            })
    }
}

fn continues(text: &[Token<'_>], rest: &[String]) -> bool {
    text.len() >= rest.len()
        && text
            .iter()
            .zip(rest)
            .all(|(token, word)| token.joined && token.text == word)
}

/// The dictionaries compiled into the crate.
pub(crate) fn builtin() -> Dictionary {
    let mut dictionary = Dictionary::default();
    for &(name, kind, hosts, aliases, tags) in BUILTIN_PLATFORMS {
        dictionary.platforms.push(Platform {
            name: name.to_owned(),
            kind,
            hosts: hosts.iter().map(|h| (*h).to_owned()).collect(),
            aliases: aliases.iter().map(|a| (*a).to_owned()).collect(),
            tags: tags.iter().map(|t| (*t).to_owned()).collect(),
        });
    }
    for &(tag, min_hits, technical, terms, ambiguous) in BUILTIN_TOPICS {
        let topic = dictionary.topic(tag, min_hits, technical);
        for term in terms {
            dictionary.add_term(topic, term, false);
        }
        for term in ambiguous {
            dictionary.add_term(topic, term, true);
        }
    }
    for &(alias, language) in LANGUAGE_ALIASES {
        dictionary
            .language_aliases
            .insert(alias.to_owned(), language.to_owned());
    }
    dictionary
        .non_languages
        .extend(NON_LANGUAGES.iter().map(|s| (*s).to_owned()));
    dictionary
        .stop_words
        .extend(STOP_WORDS.iter().map(|s| (*s).to_owned()));
    dictionary
}

type PlatformRow = (
    &'static str,
    Kind,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

const BUILTIN_PLATFORMS: &[PlatformRow] = &[
    (
        "ChatGPT",
        Kind::ChatgptConversation,
        &["chatgpt.com", "chat.openai.com"],
        &["chatgpt", "openai"],
        &["chatgpt", "openai"],
    ),
    (
        "Claude",
        Kind::ClaudeConversation,
        &["claude.ai"],
        &["claude", "anthropic"],
        &["claude", "anthropic"],
    ),
    (
        "Gemini",
        Kind::GeminiConversation,
        &["gemini.google.com", "bard.google.com"],
        &["gemini", "bard"],
        &["gemini", "google"],
    ),
    (
        "Perplexity",
        Kind::PerplexityConversation,
        &["perplexity.ai"],
        &["perplexity"],
        &["perplexity"],
    ),
    (
        "GitHub",
        Kind::WebPage,
        &["github.com"],
        &["github"],
        &["github"],
    ),
    (
        "Stack Overflow",
        Kind::WebPage,
        &["stackoverflow.com"],
        &["stackoverflow"],
        &["stack-overflow"],
    ),
];

type TopicRow = (
    &'static str,
    u32,
    bool,
    &'static [&'static str],
    &'static [&'static str],
);

const BUILTIN_TOPICS: &[TopicRow] = &[
    (
        "rust",
        1,
        true,
        &[
            "rustlang",
            "rustc",
            "cargo.toml",
            "borrow checker",
            "tokio",
            "serde",
        ],
        &["rust"],
    ),
    (
        "python",
        1,
        true,
        &["pip install", "django", "flask", "pandas", "numpy"],
        &["python"],
    ),
    (
        "javascript",
        1,
        true,
        &["javascript", "node.js", "nodejs", "npm"],
        &[],
    ),
    ("typescript", 1, true, &["typescript", "tsconfig"], &[]),
    ("json", 1, true, &["json"], &[]),
    (
        "testing",
        1,
        true,
        &[
            "unit test",
            "unit tests",
            "integration test",
            "integration tests",
            "test suite",
        ],
        &[],
    ),
    (
        "api",
        1,
        true,
        &["rest api", "api endpoint", "graphql"],
        &["api"],
    ),
    (
        "postgresql",
        1,
        true,
        &["postgres", "postgresql", "psql"],
        &[],
    ),
    (
        "docker",
        1,
        true,
        &["docker", "dockerfile", "docker compose"],
        &[],
    ),
    (
        "machine-learning",
        1,
        true,
        &["machine learning", "neural network", "机器学习", "機械学習"],
        &[],
    ),
];

const LANGUAGE_ALIASES: &[(&str, &str)] = &[
    ("rs", "rust"),
    ("py", "python"),
    ("python3", "python"),
    ("js", "javascript"),
    ("jsx", "javascript"),
    ("ts", "typescript"),
    ("tsx", "typescript"),
    ("sh", "shell"),
    ("bash", "shell"),
    ("zsh", "shell"),
    ("console", "shell"),
    ("shell-session", "shell"),
    ("c++", "cpp"),
    ("c#", "csharp"),
    ("golang", "go"),
    ("yml", "yaml"),
];

const NON_LANGUAGES: &[&str] = &["text", "txt", "plain", "plaintext", "output", "none", "raw"];

const STOP_WORDS: &[&str] = &[
    "the",
    "and",
    "for",
    "that",
    "this",
    "with",
    "you",
    "your",
    "are",
    "was",
    "were",
    "have",
    "has",
    "had",
    "not",
    "but",
    "can",
    "will",
    "would",
    "should",
    "could",
    "from",
    "they",
    "them",
    "their",
    "there",
    "what",
    "which",
    "when",
    "where",
    "who",
    "how",
    "why",
    "all",
    "any",
    "some",
    "into",
    "about",
    "also",
    "just",
    "like",
    "more",
    "most",
    "other",
    "than",
    "then",
    "these",
    "those",
    "use",
    "using",
    "used",
    "one",
    "two",
    "its",
    "it's",
    "our",
    "out",
    "get",
    "got",
    "here",
    "does",
    "did",
    "don't",
    "i'm",
    "let",
    "make",
    "need",
    "want",
    "each",
    "very",
    "much",
    "such",
    "only",
    "same",
    "user",
    "assistant",
    "said",
    "human",
];
