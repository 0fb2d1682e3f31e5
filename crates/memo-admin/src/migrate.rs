//! A small recorded, idempotent migration runner.
//!
//! Migrations are the `migrations/*.sql` files, compiled into the binary so a
//! built `memo-admin` carries the schema it belongs to. Each is applied once,
//! in a transaction, and recorded with a checksum; an applied migration whose
//! file later changed is an error rather than silently skipped.

use sha2::{Digest, Sha256};
use tokio_postgres::Client;

pub struct Migration {
    pub name: &'static str,
    pub sql: &'static str,
}

pub const MIGRATIONS: &[Migration] = &[
    Migration { name: "0001_initial", sql: include_str!("../../../migrations/0001_initial.sql") },
    Migration { name: "0002_search", sql: include_str!("../../../migrations/0002_search.sql") },
    Migration { name: "0003_capture", sql: include_str!("../../../migrations/0003_capture.sql") },
    Migration { name: "0004_client_check", sql: include_str!("../../../migrations/0004_client_check.sql") },
    Migration { name: "0005_upsert_function", sql: include_str!("../../../migrations/0005_upsert_function.sql") },
    Migration { name: "0006_search_keys", sql: include_str!("../../../migrations/0006_search_keys.sql") },
    Migration {
        name: "0007_search_part_function",
        sql: include_str!("../../../migrations/0007_search_part_function.sql"),
    },
    Migration {
        name: "0008_keys_query_generic_plan",
        sql: include_str!("../../../migrations/0008_keys_query_generic_plan.sql"),
    },
    Migration { name: "0009_snippet_window", sql: include_str!("../../../migrations/0009_snippet_window.sql") },
    Migration { name: "0010_search_plan_cache", sql: include_str!("../../../migrations/0010_search_plan_cache.sql") },
    Migration { name: "0011_search_inline", sql: include_str!("../../../migrations/0011_search_inline.sql") },
    Migration { name: "0012_capture_brief", sql: include_str!("../../../migrations/0012_capture_brief.sql") },
    Migration { name: "0013_quotas_upkeep", sql: include_str!("../../../migrations/0013_quotas_upkeep.sql") },
    Migration {
        name: "0014_search_keys_bounded",
        sql: include_str!("../../../migrations/0014_search_keys_bounded.sql"),
    },
    Migration { name: "0015_tags", sql: include_str!("../../../migrations/0015_tags.sql") },
    Migration { name: "0016_tag_edits", sql: include_str!("../../../migrations/0016_tag_edits.sql") },
    Migration { name: "0017_text_rules", sql: include_str!("../../../migrations/0017_text_rules.sql") },
    Migration { name: "0018_tag_counts_cascade", sql: include_str!("../../../migrations/0018_tag_counts_cascade.sql") },
    Migration { name: "0019_capture_cost", sql: include_str!("../../../migrations/0019_capture_cost.sql") },
    Migration { name: "0020_sharded_counters", sql: include_str!("../../../migrations/0020_sharded_counters.sql") },
];

/// Serialises concurrent runners (two `npm test` runs on one database).
const LOCK_ID: i64 = 0x6d656d6f; // "memo"

/// Applies what is missing; returns the names applied now.
pub async fn apply(client: &mut Client) -> Result<Vec<&'static str>, super::AnyError> {
    client
        .batch_execute(
            "create table if not exists schema_migrations (
                 name text primary key,
                 checksum bytea not null,
                 applied_at timestamptz not null default now())",
        )
        .await?;
    client.execute("select pg_advisory_lock($1)", &[&LOCK_ID]).await?;
    let result = apply_locked(client).await;
    client.execute("select pg_advisory_unlock($1)", &[&LOCK_ID]).await?;
    result
}

async fn apply_locked(client: &mut Client) -> Result<Vec<&'static str>, super::AnyError> {
    let mut applied_now = Vec::new();
    for migration in MIGRATIONS {
        let checksum = Sha256::digest(migration.sql.as_bytes()).to_vec();
        let recorded =
            client.query_opt("select checksum from schema_migrations where name = $1", &[&migration.name]).await?;
        if let Some(row) = recorded {
            let recorded: Vec<u8> = row.get(0);
            if recorded != checksum {
                return Err(format!(
                    "migration {} was changed after it was applied; add a new migration instead",
                    migration.name
                )
                .into());
            }
            continue;
        }
        let tx = client.transaction().await?;
        tx.batch_execute(migration.sql).await?;
        tx.execute("insert into schema_migrations (name, checksum) values ($1, $2)", &[&migration.name, &checksum])
            .await?;
        tx.commit().await?;
        applied_now.push(migration.name);
    }
    Ok(applied_now)
}

#[cfg(test)]
#[path = "migrate_tests.rs"]
mod tests;
