//! `analyze()` on the benchmark's input, `N` times: for instruction counts,
//! which, unlike times, do not depend on what else the machine is doing.
//!
//! ```sh
//! cargo build --release -p memo-core --example analyze_repeat
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/analyze_repeat 4096 21
//! ```
//!
//! Instructions per call: (count at `N` − count at 1) / (`N` − 1), which
//! leaves out loading the dictionary and building the input.

#[path = "../benches/analyze/input.rs"]
mod input;

use memo_core::Analyzer;

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().expect("usage: analyze_repeat BYTES N"));
    let (size, n) = (args.next().unwrap_or(4096), args.next().unwrap_or(1));
    let content = input::input(size);
    let analyzer = Analyzer::new();
    let extras = input::Extras::default();
    let capture = extras.capture(&content);
    for _ in 0..n {
        std::hint::black_box(analyzer.analyze(std::hint::black_box(&capture)));
    }
}
