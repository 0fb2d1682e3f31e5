//! `memo-admin`: the native administration CLI for Memo.
//!
//! Applies the SQL migrations in `migrations/`, creates tenants and API keys,
//! lists and revokes keys, exports and imports. It talks to Postgres directly
//! (`DATABASE_URL`), never through the worker, so it also works before the
//! worker is deployed; it shares the worker's parsing, capture preparation
//! and statement text through the `memo-api` crate.

mod connect;
mod keys;
mod migrate;
mod transfer;

use clap::{Parser, Subcommand};
use memo_api::sql::upkeep::{UPKEEP_BATCH, UPKEEP_SQL};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "memo-admin", version, about)]
struct Cli {
    /// Postgres connection string, e.g. postgres://user:pw@127.0.0.1:5432/memo; another host than
    /// this machine needs sslmode=verify-full (or require; sslrootcert=FILE adds a CA) or an explicit
    /// sslmode=disable
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Apply every migration not yet applied, in order, each in its own transaction.
    Migrate,
    /// Manage tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Manage API keys.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Write every memory of a tenant as NDJSON (memo.export/1) to FILE or stdout.
    Export {
        #[arg(long)]
        tenant: String,
        #[arg(long, short)]
        output: Option<PathBuf>,
    },
    /// Import an NDJSON export (or plain captures) into a tenant; resumable.
    Import {
        #[arg(long)]
        tenant: String,
        file: PathBuf,
        /// Lines stored per statement.
        #[arg(long, default_value_t = 500)]
        batch: usize,
    },
    /// Run the upkeep the worker's Cron Trigger runs: delete idempotency records older than 24 hours.
    Prune,
    /// Ensure a tenant and a working key whose clear text is kept in FILE (for local development).
    DevKey {
        #[arg(long, default_value = "dev")]
        tenant: String,
        #[arg(long)]
        file: PathBuf,
    },
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Create a tenant (does nothing if it exists) and print its id.
    Create { name: String },
    /// Create each tenant (if new) with a new key, in one connection; prints
    /// `NAME<TAB>KEY` per tenant. For test suites that need many.
    CreateWithKeys {
        names: Vec<String>,
        #[arg(long)]
        key_name: Option<String>,
    },
    /// Set a tenant's own quotas (a number, or `default` for the worker's QUOTA_MEMORIES /
    /// QUOTA_BYTES); prints its quotas and usage.
    Quota {
        name: String,
        #[arg(long, value_parser = parse_quota)]
        memories: Option<QuotaValue>,
        #[arg(long, value_parser = parse_quota)]
        bytes: Option<QuotaValue>,
    },
}

/// A quota given on the command line: `None` is the worker's default.
#[derive(Clone, Copy, Debug)]
struct QuotaValue(Option<i64>);

fn parse_quota(raw: &str) -> Result<QuotaValue, String> {
    if raw == "default" {
        return Ok(QuotaValue(None));
    }
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .map(|n| QuotaValue(Some(n)))
        .ok_or_else(|| format!("{raw:?} is neither a number (0 or more) nor `default`"))
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Create a key for a tenant; prints only the new key on stdout.
    Create {
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        name: Option<String>,
    },
    /// List keys by prefix (the keys themselves are never stored).
    List {
        #[arg(long)]
        tenant: Option<String>,
    },
    /// Revoke the key with this prefix.
    Revoke { prefix: String },
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            // tokio-postgres shows a server error as just "db error", and a
            // TLS failure as just "error performing TLS handshake": the
            // server's message, or the causes (an unknown issuer, a name
            // mismatch), say why.
            match error.downcast_ref::<tokio_postgres::Error>().and_then(tokio_postgres::Error::as_db_error) {
                Some(db) => eprintln!("memo-admin: {} ({})", db.message(), db.code().code()),
                None => {
                    let mut message = error.to_string();
                    let mut source = error.source();
                    while let Some(cause) = source {
                        message = format!("{message}: {cause}");
                        source = cause.source();
                    }
                    eprintln!("memo-admin: {message}");
                }
            }
            ExitCode::FAILURE
        }
    }
}

type AnyError = Box<dyn std::error::Error + Send + Sync>;

/// Creates (or truncates) a file only its owner can read: exports, keys.
pub fn create_private(path: &std::path::Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = std::fs::OpenOptions::new().write(true).create(true).truncate(true).mode(0o600).open(path)?;
    // `mode` applies only to a new file; an existing one is narrowed too.
    file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    Ok(file)
}

async fn run(cli: Cli) -> Result<(), AnyError> {
    let (mut client, driver) = connect::connect(&cli.database_url).await?;
    match cli.command {
        Command::Migrate => {
            for name in migrate::apply(&mut client).await? {
                eprintln!("applied {name}");
            }
        }
        Command::Tenant(TenantCommand::Create { name }) => {
            println!("{}", keys::ensure_tenant(&client, &name).await?);
        }
        Command::Tenant(TenantCommand::CreateWithKeys { names, key_name }) => {
            for name in names {
                keys::ensure_tenant(&client, &name).await?;
                println!("{name}\t{}", keys::create(&client, &name, key_name.as_deref()).await?);
            }
        }
        Command::Tenant(TenantCommand::Quota { name, memories, bytes }) => {
            let set = |value: Option<QuotaValue>| (value.is_some(), value.and_then(|v| v.0));
            println!("{}", keys::quota(&client, &name, set(memories), set(bytes)).await?);
        }
        Command::Key(KeyCommand::Create { tenant, name }) => {
            println!("{}", keys::create(&client, &tenant, name.as_deref()).await?);
        }
        Command::Key(KeyCommand::List { tenant }) => {
            for key in keys::list(&client, tenant.as_deref()).await? {
                println!("{key}");
            }
        }
        Command::Key(KeyCommand::Revoke { prefix }) => keys::revoke(&client, &prefix).await?,
        Command::Export { tenant, output } => {
            let count = match output {
                Some(path) => {
                    transfer::export(&client, &tenant, &mut std::io::BufWriter::new(create_private(&path)?)).await?
                }
                None => transfer::export(&client, &tenant, &mut std::io::stdout().lock()).await?,
            };
            eprintln!("exported {count} memories");
        }
        Command::Import { tenant, file, batch } => {
            let report = transfer::import(&client, &tenant, &file, batch.max(1)).await?;
            eprintln!(
                "imported: {} new, {} updated, {} duplicate, {} rejected",
                report.created, report.updated, report.duplicate, report.rejected
            );
        }
        Command::Prune => {
            let mut pruned = 0;
            loop {
                let deleted: i64 = client.query_one(UPKEEP_SQL, &[&UPKEEP_BATCH]).await?.get(0);
                pruned += deleted;
                if deleted < i64::from(UPKEEP_BATCH) {
                    break;
                }
            }
            eprintln!("pruned {pruned} idempotency records");
        }
        Command::DevKey { tenant, file } => {
            println!("{}", keys::ensure_dev_key(&client, &tenant, &file).await?);
        }
    }
    drop(client);
    driver.await??;
    Ok(())
}
