//! Prints, for each query string given, the search statement the worker
//! would send, the values it would bind and their Postgres types, as JSON
//! `[{sql, bindings: [$2, …], types: [$1, …], names: [$3, …], prepared, run, functions}, …]`
//! (`$2` is every parameter as one JSON value, given as its text;
//! `prepared`: run on its generic plan by `run`, the call of `memo_search`
//! with the key's hash as `$1`, `$2` and `sql` as `$3`); so
//! `tests/search-plans.test.mjs` runs `EXPLAIN` on exactly what the worker
//! sends. `cargo run --quiet --example search_sql -- 'q=rust&tag=async' …`

use memo::http::Params;
use memo::routes::search::SearchRequest;
use memo_api::limits::Limits;
use memo_api::sql::search::params::{self, Bindings, Inputs, PARAMS};
use memo_api::sql::search::protocol::{MEMO_SEARCH_ARGS, MEMO_SEARCH_PART_ARGS, RUN_PREPARED};
use memo_api::sql::search::shape::{runs_prepared, statement};
use worker::Url;

fn main() {
    let limits = Limits::default();
    let statements: Vec<serde_json::Value> = std::env::args()
        .skip(1)
        .map(|query_string| {
            let url = Url::parse(&format!("http://search.invalid/v1/search?{query_string}")).expect("a query string");
            let params: Params = url.query_pairs().into_owned().collect();
            let r = SearchRequest::parse(&params, &limits, std::time::SystemTime::now().into())
                .unwrap_or_else(|e| panic!("{query_string}: {e:?}"));
            let inputs =
                Inputs { query: &r.query, limit: r.limit, cursor: r.cursor, limits: r.limits, content: r.content };
            let bindings = Bindings::new(&inputs);
            let prepared = runs_prepared(&r.query);
            // `$1`: the key's hash, or the tenant in a statement that `RUN_PREPARED` runs.
            let caller = if prepared { "uuid" } else { "bytea" };
            let types: Vec<&str> = std::iter::once(caller).chain(params::types()).collect();
            serde_json::json!({
                "sql": statement(&r.query, r.limit, r.cursor, r.limits.ranked_matches),
                "bindings": bindings.to_json(),
                "types": types,
                "names": PARAMS.iter().map(|p| p.name).collect::<Vec<_>>(),
                "prepared": prepared,
                "run": RUN_PREPARED,
                "functions": {"memo_search": MEMO_SEARCH_ARGS, "memo_search_part": MEMO_SEARCH_PART_ARGS},
            })
        })
        .collect();
    println!("{}", serde_json::Value::Array(statements));
}
