//! Memo: a memory-capture service as a Cloudflare Worker.
//!
//! A request enters at [`fetch`], is routed in [`router`], authenticated in
//! [`auth`] (and by the database in the same statement), parsed into
//! [`domain`] types, titled and tagged by the `memo-core` crate, and stored or
//! found by the SQL in [`db`]. Handlers live in [`routes`], a module per
//! resource; every failure is an [`error::ApiError`].

pub mod auth;
pub mod config;
pub mod cors;
pub mod db;
pub mod http;
pub mod idempotency;
pub mod isolate;
pub mod mcp;
pub mod rate_limit;
pub mod router;
pub mod routes;

use worker::{event, Context, Env, Request, Response, Result, ScheduleContext, ScheduledEvent};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    console_error_panic_hook::set_once();
    Ok(router::handle(req, env).await)
}

/// The Cron Trigger (`[triggers] crons` in wrangler.toml): the upkeep.
#[event(scheduled)]
async fn scheduled(event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    console_error_panic_hook::set_once();
    router::upkeep(&event.cron(), env).await;
}
