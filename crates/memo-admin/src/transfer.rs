//! `memo-admin export` and `memo-admin import`: the worker's NDJSON format
//! (`memo.export/1`), straight from and to the database, for any size.
//!
//! Both reuse the worker's own code: export lines come from
//! `StoredMemory::export_line`, import lines are parsed and analysed by
//! `memo_api::prepare::Prepared` and stored by the worker's upsert statement, so
//! an import here and `POST /v1/import` behave the same. Imports are
//! resumable: after each stored batch the byte offset is written to
//! `FILE.import-progress`, and a rerun continues from there (a rerun from
//! the start is safe too, as duplicates are not stored twice).

use super::AnyError;
use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};
use memo_api::domain::export::{ExportEnd, SCHEMA};
use memo_api::limits::Limits;
use memo_api::prepare::Prepared;
use memo_api::sql::memories::{
    memory_from_row, outcome_from_row, Outcome, UpsertParams, MEMORY_COLUMNS, UPSERT_MEMORIES_BODY,
};
use serde_json::Value;
use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use tokio_postgres::types::{ToSql, Type};
use tokio_postgres::Client;

const EXPORT_PAGE: i64 = 500;

async fn tenant_exists(client: &Client, tenant: &str) -> Result<(), AnyError> {
    match client.query_opt("select 1 from tenants where name = $1", &[&tenant]).await? {
        Some(_) => Ok(()),
        None => Err(format!("no tenant named {tenant:?}").into()),
    }
}

/// Writes every memory of `tenant` to `out`, newest first, then the end line.
pub async fn export(client: &Client, tenant: &str, out: &mut dyn Write) -> Result<u64, AnyError> {
    tenant_exists(client, tenant).await?;
    let sql = format!(
        "select {MEMORY_COLUMNS} from memories m join tenants t on t.id = m.tenant_id
         where t.name = $1 and ($2::timestamptz is null or (m.created_at, m.id) < ($2, $3))
         order by m.created_at desc, m.id desc limit {EXPORT_PAGE}"
    );
    let progress = ProgressBar::new_spinner().with_message("exporting");
    let mut after: (Option<chrono::DateTime<Utc>>, Option<uuid::Uuid>) = (None, None);
    let mut count = 0u64;
    loop {
        let rows = client.query(&sql, &[&tenant, &after.0, &after.1]).await?;
        for row in &rows {
            let stored = memory_from_row(row).ok_or("a memory row without an id")?;
            serde_json::to_writer(&mut *out, &stored.export_line())?;
            out.write_all(b"\n")?;
            after = (Some(stored.memory.created_at), Some(stored.memory.id));
        }
        count += rows.len() as u64;
        progress.set_message(format!("{count} memories exported"));
        if (rows.len() as i64) < EXPORT_PAGE {
            break;
        }
    }
    serde_json::to_writer(&mut *out, &ExportEnd { schema: SCHEMA, end: true, count })?;
    out.write_all(b"\n")?;
    out.flush()?;
    progress.finish_and_clear();
    Ok(count)
}

/// Totals of an import.
#[derive(Default, Debug)]
pub struct Report {
    pub created: u64,
    pub updated: u64,
    pub duplicate: u64,
    pub rejected: u64,
}

fn progress_file(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(".import-progress");
    PathBuf::from(name)
}

/// Imports `file` into `tenant` in batches of `batch` lines; rejected lines
/// are reported on stderr by line number and skipped.
pub async fn import(client: &Client, tenant: &str, file: &Path, batch: usize) -> Result<Report, AnyError> {
    tenant_exists(client, tenant).await?;
    let sql = format!("with caller as (select id as tenant_id from tenants where name = $1){UPSERT_MEMORIES_BODY}");
    let checkpoint = progress_file(file);
    let (mut offset, mut line_number) = match std::fs::read_to_string(&checkpoint) {
        Ok(text) => {
            let mut parts = text.split_whitespace().map(str::parse::<u64>);
            match (parts.next(), parts.next()) {
                (Some(Ok(offset)), Some(Ok(line))) => (offset, line),
                _ => {
                    return Err(
                        format!("{} is not a progress file; delete it to start over", checkpoint.display()).into()
                    )
                }
            }
        }
        Err(_) => (0, 0),
    };
    if offset > 0 {
        eprintln!("resuming at line {} ({})", line_number + 1, checkpoint.display());
    }
    let mut reader = BufReader::new(File::open(file)?);
    let size = reader.get_ref().metadata()?.len();
    reader.seek(SeekFrom::Start(offset))?;
    let progress = ProgressBar::new(size).with_position(offset);
    progress.set_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {msg} ({eta})").map_err(|e| e.to_string())?,
    );
    let (limits, analyzer) = (Limits::default(), memo_core::Analyzer::new());
    let mut report = Report::default();
    let mut text = String::new();
    loop {
        let mut prepared = Vec::with_capacity(batch);
        let mut read_until = offset;
        while prepared.len() < batch {
            text.clear();
            let read = reader.read_line(&mut text)?;
            if read == 0 {
                break;
            }
            read_until += read as u64;
            line_number += 1;
            let line = text.trim();
            if line.is_empty() {
                continue;
            }
            let parsed = match serde_json::from_str::<Value>(line) {
                Ok(Value::Object(map)) if map.get("end") == Some(&Value::Bool(true)) => continue,
                Ok(Value::Object(map)) => Prepared::import(map, &limits, &analyzer, Utc::now())
                    .map_err(|e| format!("{}: {}", e.field, e.message)),
                Ok(_) => Err("not a JSON object".to_owned()),
                Err(error) => Err(format!("not JSON: {error}")),
            };
            match parsed {
                Ok(item) => prepared.push(item),
                Err(why) => {
                    report.rejected += 1;
                    progress.suspend(|| eprintln!("line {line_number}: {why}"));
                }
            }
        }
        if !prepared.is_empty() {
            let inserts: Vec<_> = prepared.iter().map(Prepared::insert).collect();
            let params = UpsertParams::new(&inserts);
            let mut all: Vec<(&(dyn ToSql + Sync), Type)> = vec![(&tenant, Type::TEXT)];
            all.extend(params.as_params());
            // Brief rows: the report needs only what each line did.
            all.push((&false, Type::BOOL));
            for row in client.query_typed(&sql, &all).await? {
                match outcome_from_row(&row) {
                    Outcome::Created => report.created += 1,
                    Outcome::Updated => report.updated += 1,
                    Outcome::Duplicate => report.duplicate += 1,
                }
            }
        }
        offset = read_until;
        std::fs::write(&checkpoint, format!("{offset} {line_number}\n"))?;
        progress.set_position(offset);
        progress.set_message(format!("{} new, {} duplicate", report.created, report.duplicate));
        if prepared.len() < batch && offset >= size {
            break;
        }
    }
    progress.finish_and_clear();
    std::fs::remove_file(&checkpoint)?;
    Ok(report)
}
