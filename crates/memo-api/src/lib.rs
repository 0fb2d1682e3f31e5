//! Memo's API without its transport: what a request means and what it does
//! to the database, with no worker or JavaScript types, so all of it builds
//! and is tested natively.
//!
//! - [`domain`]: request input parsed into valid-by-construction types
//!   (`domain::capture_body` parses a capture's body);
//! - [`prepare`]: a parsed capture made ready to store, titled, typed and
//!   tagged by `memo-core` (or as an export kept it);
//! - [`sql`]: every statement's text, its parameters and the mapping of its
//!   rows, run on a [`sql::Connection`];
//! - [`error`]: the one error enum, with its status and JSON body;
//! - [`limits`] and [`key`]: the input limits and the API key's digest.
//!
//! The worker (the root crate) serves it over HTTP and MCP; `memo-admin`
//! uses its statements and preparation for export and import.

pub mod domain;
pub mod error;
pub mod key;
pub mod limits;
pub mod prepare;
pub mod sql;
