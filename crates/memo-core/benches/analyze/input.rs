//! Benchmark inputs: a realistic ChatGPT conversation (seed.md, with code,
//! SQL, lists, German and Chinese) repeated, each copy followed by a
//! paragraph of pseudo-words so the vocabulary grows with the size.
//!
//! `crates/memo-core-wasm/bench/input.mjs` builds byte-identical inputs for
//! the wasm benchmark.

use chrono::{TimeZone, Utc};
use memo_core::CaptureInput;
use serde_json::{json, Value};

pub const SEED: &str = include_str!("seed.md");

/// What comes with each benchmark capture besides its content: the
/// extension's metadata and one user tag.
pub struct Extras {
    metadata: Value,
    tags: Vec<String>,
}

impl Default for Extras {
    fn default() -> Extras {
        Extras {
            metadata: json!({"url": "https://chatgpt.com/c/6750a1b2", "messageCount": 4}),
            tags: vec!["work".to_owned()],
        }
    }
}

impl Extras {
    /// The capture of `content` as the ChatGPT extension sends it.
    pub fn capture<'a>(&'a self, content: &'a str) -> CaptureInput<'a> {
        CaptureInput {
            content,
            source: Some("chatgpt-extension-v2"),
            title: None,
            tags: &self.tags,
            metadata: Some(&self.metadata),
            captured_at: Utc.with_ymd_and_hms(2026, 11, 3, 9, 30, 0).unwrap(),
        }
    }
}

const SYLLABLES: [&str; 16] =
    ["ka", "lo", "mi", "ren", "sa", "tor", "vel", "qui", "dan", "pe", "shi", "zu", "mar", "io", "bel", "ten"];

/// A 32-bit linear congruential generator, easy to mirror in JavaScript.
struct Lcg(u32);

impl Lcg {
    fn next(&mut self) -> u32 {
        self.0 = self.0.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        self.0 >> 16
    }
}

/// `size` bytes of input, cut on a character boundary.
pub fn input(size: usize) -> String {
    let mut lcg = Lcg(0x2545_F491);
    let mut out = String::with_capacity(size + SEED.len() + 512);
    let mut note = 0;
    while out.len() < size {
        out.push_str(SEED);
        out.push_str(&format!("\nNote {note}:"));
        for _ in 0..40 {
            out.push(' ');
            for _ in 0..2 + lcg.next() % 3 {
                out.push_str(SYLLABLES[(lcg.next() % 16) as usize]);
            }
        }
        out.push_str(".\n\n");
        note += 1;
    }
    let mut end = size;
    while !out.is_char_boundary(end) {
        end -= 1;
    }
    out.truncate(end);
    out
}
