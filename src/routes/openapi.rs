//! `GET /openapi.json`: the API's OpenAPI 3.1 description, compiled in so
//! the served contract is always the one this build was tested against. No
//! key needed: it describes the API, it holds no data.

use crate::http::Reply;
use memo_api::error::ApiError;

/// `openapi/openapi.json` at the root of the repository.
pub const DOCUMENT: &str = include_str!("../../openapi/openapi.json");

pub fn openapi() -> Result<Reply, ApiError> {
    Ok(Reply { status: 200, body: DOCUMENT.as_bytes().to_vec(), headers: Vec::new(), stream: None })
}

#[cfg(test)]
mod tests {
    use super::DOCUMENT;
    use crate::router::{resolve, Endpoint};
    use serde_json::Value;
    use worker::Method;

    fn document() -> Value {
        serde_json::from_str(DOCUMENT).expect("openapi/openapi.json is JSON")
    }

    /// A concrete path for a templated one (`{id}` → a UUID).
    fn concrete(path: &str) -> String {
        path.replace("{id}", "00000000-0000-0000-0000-000000000000")
    }

    #[test]
    fn every_described_operation_is_routed() {
        let document = document();
        let paths = document["paths"].as_object().expect("paths");
        for (path, item) in paths {
            for method in item.as_object().expect("path item").keys().filter(|k| *k != "parameters") {
                let parsed = Method::from(method.to_uppercase());
                let path_with_id = concrete(path);
                let endpoint = resolve(&parsed, &path_with_id);
                assert!(
                    matches!(endpoint, Ok(e) if !matches!(e, Endpoint::Preflight { .. })),
                    "{method} {path} is described but not routed"
                );
            }
        }
    }

    #[test]
    fn every_route_is_described() {
        let document = document();
        let described = |method: &str, path: &str| document["paths"][path].get(method).is_some();
        for (method, path) in [
            ("get", "/health"),
            ("get", "/openapi.json"),
            ("get", "/"),
            ("post", "/memory"),
            ("get", "/memories"),
            ("get", "/search"),
            ("get", "/v1/memories"),
            ("post", "/v1/memories"),
            ("post", "/v1/memories/batch"),
            ("get", "/v1/export"),
            ("post", "/v1/import"),
            ("get", "/v1/memories/{id}"),
            ("patch", "/v1/memories/{id}"),
            ("delete", "/v1/memories/{id}"),
            ("get", "/v1/search"),
            ("get", "/v1/stats"),
        ] {
            assert!(described(method, path), "{method} {path} is routed but not described");
        }
    }
}
