//! Prints the search statement and, for each query string given, the values
//! the worker would bind, as JSON `{sql, bindings: [[$2, …, $19], …]}`; so
//! `tests/search-plans.test.mjs` runs `EXPLAIN` on exactly what the worker
//! sends. `cargo run --quiet --example search_sql -- 'q=rust&tag=async' …`

use memo::config::Limits;
use memo::db::search::{Bindings, SQL};
use memo::http::Params;
use memo::routes::search::SearchRequest;
use worker::Url;

fn main() {
    let limits = Limits::default();
    let requests: Vec<SearchRequest> = std::env::args()
        .skip(1)
        .map(|query_string| {
            let url = Url::parse(&format!("http://search.invalid/v1/search?{query_string}")).expect("a query string");
            let params: Params = url.query_pairs().into_owned().collect();
            SearchRequest::parse(&params, &limits).unwrap_or_else(|e| panic!("{query_string}: {e:?}"))
        })
        .collect();
    let bindings: Vec<Bindings> =
        requests.iter().map(|r| Bindings::new(&r.query, r.limit, r.cursor, r.ranked_matches)).collect();
    println!("{}", serde_json::json!({ "sql": SQL, "bindings": bindings }));
}
