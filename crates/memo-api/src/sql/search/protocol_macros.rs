//! The macros of the protocol for calling `memo_search_part` ([`super::protocol`]),
//! apart so that the SQL fragments can use them.

/// The caller as a value (`$1`, their tenant), for a statement that another
/// one runs after authenticating them: a prepared search statement
/// (`protocol::RUN_PREPARED`) and a deferred part.
macro_rules! tenant_scope {
    () => {
        "with caller as (select $1::uuid as tenant_id)"
    };
}

/// The rows of the part of a search whose statement is `$statement` (a
/// parameter), as a relation `$alias` with `$columns`, run by
/// `memo_search_part` (migration 0014) only when `$when` holds, so that
/// Postgres plans the part only then. The part gets the search's parameters
/// (`$2`, all of them as one value, `params::PARAMS`), with `newest` set to
/// when the caller's newest memory was made (`fragments::PART_SCOPE`) and
/// `$overrides` (SQL: more name and value pairs of `jsonb_build_object`, each
/// after a comma) for the values the part sees differently.
macro_rules! deferred_part {
    ($statement:literal, $alias:literal, $columns:literal, $overrides:expr, $when:expr) => {
        concat!(
            "select * from memo_search_part(",
            $statement,
            "::text, (select tenant_id from caller), $2::jsonb,
                 jsonb_build_object('newest', (select made from newest)",
            $overrides,
            ")) as ",
            $alias,
            $columns,
            "
         where ",
            $when
        )
    };
}
