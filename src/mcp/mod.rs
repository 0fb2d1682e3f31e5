//! `/mcp`: Memo as a Model Context Protocol server, so AI agents can save and
//! recall memories with the same API keys, tenants and limits as the REST
//! API. Hand-rolled JSON-RPC: the Rust MCP SDK needs a runtime a wasm worker
//! does not have.
//!
//! `transport` speaks HTTP, [`protocol`] JSON-RPC, `server` dispatches the
//! methods to `tools` and `resources`, which reach memories only through
//! `store`.

mod args;
pub mod protocol;
mod resources;
mod server;
mod store;
mod tools;
mod transport;

pub use transport::handle;

use memo_api::error::ApiError;
use protocol::{RpcError, INTERNAL_ERROR};

/// A failure the client cannot fix as a JSON-RPC error; the detail is logged only.
fn internal_error(error: &ApiError) -> RpcError {
    worker::console_error!("mcp: {}: {}", error.code(), error.log_detail().unwrap_or_default());
    match error {
        ApiError::DatabaseUnavailable { retry_after_seconds, .. } => {
            RpcError::new(INTERNAL_ERROR, format!("the database is unavailable; retry in {retry_after_seconds} s"))
        }
        _ => RpcError::new(INTERNAL_ERROR, format!("internal error ({})", error.code())),
    }
}
