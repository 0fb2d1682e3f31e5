//! How search statements are run: the worker's call of `memo_search`, and
//! the search statement's calls of `memo_search_part` (`deferred_part!`),
//! both functions of migration 0014.
//!
//! A statement's `$1` is the caller: the key's hash in a statement the
//! worker sends as it is (`authed!`), their tenant in one that another runs
//! after authenticating them (`tenant_scope!`). `$2` is every parameter as
//! one JSON value, `[{name, type, value}, …]` in the table's order
//! (`params::Bindings::all`), and `$3`… are the same parameters one by one
//! (`params::PARAMS`). The functions take the statement, the tenant and that
//! one value, prepare the statement once per server connection with the
//! types the value names, and execute it with its values, so a new
//! parameter needs no new function signature.

use crate::sql::authed;

/// The argument types of `memo_search`: the statement, the caller's tenant,
/// the parameters (`$2`). A test compares them with `pg_proc`.
pub const MEMO_SEARCH_ARGS: [&str; 3] = ["text", "uuid", "jsonb"];

/// The argument types of `memo_search_part`: the part's statement, the
/// tenant, the search's parameters, and the names and values the part sees
/// differently (`deferred_part!`).
pub const MEMO_SEARCH_PART_ARGS: [&str; 4] = ["text", "uuid", "jsonb", "jsonb"];

/// How the worker runs a search statement (`$3`, `shape::statement`) that
/// `shape::runs_prepared`: it authenticates the caller (`authed!`, with the
/// key's hash in `$1`, as every statement does) and hands their tenant and
/// the parameters (`$2`) to `memo_search`, which prepares the statement once
/// per server connection and runs its generic plan. Like every statement of
/// the API it may write (the key's last use), so a pool that caches reads
/// (Hyperdrive) sees it as it sees the others, not as a bare `select` of a
/// function it cannot classify. The rows are those of `SELECT_PAGE`, named
/// and typed here (a column that `SELECT_PAGE` gains must be added here too,
/// or every search fails: the search tests would).
pub const RUN_PREPARED: &str = authed!(
    "select hit.* from caller cross join lateral memo_search($3::text, caller.tenant_id, $2::jsonb)
     as hit(id uuid, title text, tags text[], kind text, source text, url text, metadata jsonb,
         captured_at timestamptz, created_at timestamptz, updated_at timestamptz, capture_count int4,
         user_tags text[], title_by_user bool, tags_by_user bool, conversation_key text,
         content text, start text, content_length int4,
         tier int4, score float4, newest timestamptz, snippet text, place int8, bytes_through int8, found int8)"
);
