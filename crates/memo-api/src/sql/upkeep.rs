//! SQL for the scheduled upkeep. The one statement here that is not a
//! tenant's: it runs from the Cron Trigger (no API key, so no `authed!`),
//! `memo-admin prune` and `npm run serve`'s timer, all through the function
//! `memo_upkeep` (migrations/0013_quotas_upkeep.sql), which owns the rule.

use super::Connection;
use crate::error::ApiError;
use tokio_postgres::types::Type;

/// The statement every upkeep runner sends, `$1` being [`UPKEEP_BATCH`].
pub const UPKEEP_SQL: &str = "select memo_upkeep($1)";
/// Expired records deleted per statement: one statement stays short however
/// long upkeep was skipped; a runner repeats while a batch comes back full.
pub const UPKEEP_BATCH: i32 = 10_000;
/// Statements one scheduled run sends at most (a backlog is finished by the
/// next runs).
const MAX_BATCHES_PER_RUN: usize = 10;

/// Runs the upkeep; returns how many records it deleted.
pub async fn run(db: &impl Connection) -> Result<i64, ApiError> {
    let mut pruned = 0;
    for _ in 0..MAX_BATCHES_PER_RUN {
        let rows = db.query(UPKEEP_SQL, &[(&UPKEEP_BATCH, Type::INT4)]).await?;
        let deleted: i64 = rows.first().map_or(0, |row| row.get(0));
        pruned += deleted;
        if deleted < i64::from(UPKEEP_BATCH) {
            break;
        }
    }
    Ok(pruned)
}
