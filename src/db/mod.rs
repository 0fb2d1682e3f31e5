//! The worker's Postgres connection: one fresh connection per request
//! through the Hyperdrive binding `DB`, bounded in time, on which the
//! statements of `memo_api::sql` run (it is their [`Connection`]).
//!
//! Nothing is shared across requests: workerd forbids I/O on behalf of another
//! request, and Hyperdrive pools for us in production. Statements are sent
//! with `query_typed` (an unnamed statement, so no separate prepare round
//! trip). A statement that does not end in time is cancelled.

pub mod socket;

use crate::config::Config;
use futures_util::future::{select, Either};
use memo_api::error::{ApiError, FieldError, Quota};
use memo_api::sql::{Connection, Param, QuotaDefaults};
use socket::{PgStream, SocketHandle, StartTls};
use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::time::Duration;
use tokio_postgres::{Client, Row};
use worker::{Delay, Env};

/// How long a request waits for its connection to end after its answer is ready.
const CLOSE_TIMEOUT: Duration = Duration::from_millis(500);

/// A live connection for the length of one request.
pub struct Db {
    client: Client,
    /// Resolves when the connection task has ended.
    connection_ended: futures_channel::oneshot::Receiver<()>,
    /// The connection's socket, to close it when a statement will not end.
    socket: SocketHandle,
    /// Where the connection went, for a cancel request on a second socket.
    host: String,
    port: u16,
    connect_timeout: Duration,
    query_timeout: Duration,
    retry_after_seconds: u64,
    /// `QUOTA_MEMORIES` and `QUOTA_BYTES`, for statements that store memories.
    quota_defaults: QuotaDefaults,
    /// Time spent connecting (socket + startup + auth), for `/v1/stats`.
    pub connect_ms: f64,
    /// Time spent in statements so far, from sending one to its last row.
    statements_ms: Cell<f64>,
    /// Statements sent so far: round trips after connecting.
    statements: Cell<u32>,
}

impl Db {
    pub async fn connect(env: &Env, config: &Config) -> Result<Db, ApiError> {
        let unavailable =
            |detail: String| ApiError::DatabaseUnavailable { detail, retry_after_seconds: config.retry_after_seconds };
        let started = worker::Date::now().as_millis();
        let hyperdrive = env.hyperdrive("DB").map_err(|e| ApiError::Internal(format!("hyperdrive binding DB: {e}")))?;
        let pg_config = hyperdrive
            .connection_string()
            .parse::<tokio_postgres::Config>()
            .map_err(|e| ApiError::Internal(format!("hyperdrive connection string: {e}")))?;
        let (stream, handle) =
            PgStream::open(&hyperdrive.host(), hyperdrive.port()).map_err(|e| unavailable(format!("socket: {e}")))?;
        let connecting = pg_config.connect_raw(stream, StartTls);
        let timeout = Duration::from_millis(config.db_connect_timeout_ms);
        let Some(connected) = within(timeout, connecting).await else {
            handle.close();
            return Err(unavailable(format!("connect timed out after {timeout:?}")));
        };
        let (client, connection) = connected.map_err(|e| connect_failed(e, config.retry_after_seconds))?;
        let (ended, connection_ended) = futures_channel::oneshot::channel();
        wasm_bindgen_futures::spawn_local(async move {
            if let Err(error) = connection.await {
                worker::console_warn!("postgres connection ended with an error: {}", loggable(&error));
            }
            let _ = ended.send(());
        });
        Ok(Db {
            client,
            connection_ended,
            socket: handle,
            host: hyperdrive.host(),
            port: hyperdrive.port(),
            connect_timeout: timeout,
            query_timeout: Duration::from_millis(config.db_query_timeout_ms),
            retry_after_seconds: config.retry_after_seconds,
            quota_defaults: QuotaDefaults {
                memories: i64::try_from(config.quota_memories).unwrap_or(i64::MAX),
                bytes: i64::try_from(config.quota_bytes).unwrap_or(i64::MAX),
            },
            connect_ms: (worker::Date::now().as_millis() - started) as f64,
            statements_ms: Cell::new(0.0),
            statements: Cell::new(0),
        })
    }

    /// Ends the connection (Terminate, then the socket closes) and waits,
    /// briefly, for its task to finish. A task still waiting on the socket
    /// when the request ends is never woken again, and what it holds is
    /// never freed: the runtime's memory grew with every request.
    pub async fn close(self) {
        let Db { client, connection_ended, socket, .. } = self;
        drop(client);
        if within(CLOSE_TIMEOUT, connection_ended).await.is_none() {
            socket.close();
        }
    }

    /// Time spent in statements so far.
    pub fn statements_ms(&self) -> f64 {
        self.statements_ms.get()
    }

    /// Statements sent so far.
    pub fn statements(&self) -> u32 {
        self.statements.get()
    }

    async fn query_within_timeout(&self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>, ApiError> {
        let mut statement = pin!(self.client.query_typed(sql, params));
        match within(self.query_timeout, statement.as_mut()).await {
            Some(result) => result.map_err(|e| classify(e, self.retry_after_seconds)),
            None => {
                self.cancel_running_statement().await;
                // Wait (briefly) for the cancelled statement's error: with no
                // answer pending, the connection closes as soon as the client
                // is dropped. If the cancel did not arrive, close the socket:
                // a connection task waiting for an answer would keep it (and
                // its backend) open after the request, until garbage collection.
                if within(self.connect_timeout, statement).await.is_none() {
                    self.socket.close();
                }
                Err(ApiError::DatabaseUnavailable {
                    detail: format!("statement timed out after {:?}", self.query_timeout),
                    retry_after_seconds: self.retry_after_seconds,
                })
            }
        }
    }

    /// Asks Postgres to cancel the statement this connection is running.
    ///
    /// Dropping the client is not enough: the server goes on executing (or
    /// waiting for a lock) and would commit a write the caller was told had
    /// failed, holding a backend all the while. A cancel request goes over a
    /// second connection, as the protocol requires. Best effort, bounded by the
    /// connect timeout: if it fails, the statement may still finish.
    async fn cancel_running_statement(&self) {
        let token = self.client.cancel_token();
        let Ok((stream, handle)) = PgStream::open(&self.host, self.port) else {
            worker::console_warn!("could not open a socket to cancel a timed-out statement");
            return;
        };
        let cancelling = token.cancel_query_raw(stream, StartTls);
        let outcome = match within(self.connect_timeout, cancelling).await {
            Some(done) => done.map_err(|e| loggable(&e)),
            None => {
                handle.close();
                Err("timed out".into())
            }
        };
        if let Err(error) = outcome {
            worker::console_warn!("could not cancel a timed-out statement: {error}");
        }
    }
}

impl Connection for Db {
    /// Runs one statement, bounded by the query timeout.
    async fn query(&self, sql: &str, params: &[Param<'_>]) -> Result<Vec<Row>, ApiError> {
        let started = worker::Date::now().as_millis();
        self.statements.set(self.statements.get() + 1);
        let result = self.query_within_timeout(sql, params).await;
        self.statements_ms.set(self.statements_ms.get() + (worker::Date::now().as_millis() - started) as f64);
        result
    }

    fn quota_defaults(&self) -> QuotaDefaults {
        self.quota_defaults
    }
}

/// `Some(output)` if `future` finishes within `timeout`.
async fn within<F: Future>(timeout: Duration, future: F) -> Option<F::Output> {
    match select(pin!(future), pin!(Delay::from(timeout))).await {
        Either::Left((output, _)) => Some(output),
        Either::Right(_) => None,
    }
}

/// What a log may say of a Postgres error: for a server error its SQLSTATE
/// and a fixed message, never the server's text, which can quote what a user
/// sent (a tsquery syntax error quotes the query, a constraint error the
/// row); for a client-side error (I/O, protocol) its description.
pub fn loggable(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("server error, SQLSTATE {}", db.code().code()),
        None => error.to_string(),
    }
}

/// The error `memo_check_quota` (migrations/0013_quotas_upkeep.sql) raises
/// when a statement would leave a tenant over a quota: SQLSTATE MQ001, the
/// quota's name as detail and its value as hint, both set by that function.
fn quota_exceeded(error: &tokio_postgres::Error) -> Option<ApiError> {
    let db = error.as_db_error().filter(|db| db.code().code() == "MQ001")?;
    let quota = match db.detail() {
        Some("memories") => Quota::Memories,
        Some("bytes") => Quota::Bytes,
        _ => return None,
    };
    let limit = db.hint().and_then(|hint| hint.parse().ok()).unwrap_or_default();
    Some(ApiError::QuotaExceeded { quota, limit })
}

/// A failed connect (README, "Database connection"): classified as any
/// error, its log detail naming the cause. Before the first statement
/// nothing a request sent has reached the server, so the server's message
/// (a refused password, a full pooler) or the client's cause (a method the
/// worker cannot do) quotes at most the connection's own user, database and
/// address, never a password.
fn connect_failed(error: tokio_postgres::Error, retry_after_seconds: u64) -> ApiError {
    let cause = match error.as_db_error() {
        Some(db) => Some(db.message().to_owned()),
        None => std::error::Error::source(&error).map(ToString::to_string),
    };
    let mut classified = classify(error, retry_after_seconds);
    if let (Some(cause), ApiError::Internal(detail) | ApiError::DatabaseUnavailable { detail, .. }) =
        (cause, &mut classified)
    {
        detail.push_str(&format!(": {cause}"));
    }
    classified
}

/// Connection trouble and server overload are "unavailable, retry"; anything
/// else is a bug to log.
fn classify(error: tokio_postgres::Error, retry_after_seconds: u64) -> ApiError {
    // The one unique key a request can collide with is a tenant's content
    // (`memories_content`): a patch giving a memory the content of another.
    if error.code().is_some_and(|code| code.code() == "23505") {
        return ApiError::InvalidField(FieldError::new(
            "content",
            "another of your memories already holds this content",
        ));
    }
    let transient = match error.code() {
        Some(code) => {
            let code = code.code();
            code.starts_with("08") || code.starts_with("53") || code.starts_with("57P")
        }
        None => {
            error.is_closed() || std::error::Error::source(&error).is_some_and(|source| source.is::<std::io::Error>())
        }
    };
    if let Some(quota) = quota_exceeded(&error) {
        return quota;
    }
    let detail = loggable(&error);
    if transient {
        ApiError::DatabaseUnavailable { detail, retry_after_seconds }
    } else {
        ApiError::Internal(format!("postgres: {detail}"))
    }
}
