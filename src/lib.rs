//! Memo's Cloudflare Worker: the HTTP shell around the `memo-api` crate.
//!
//! A request enters at `fetch` (below), is routed in [`router`] (with [`cors`] and
//! the [`rate_limit`]s), authenticated in [`auth`] (and by the database in
//! the same statement), its body read within limits by [`http`], and handed
//! to a handler in [`routes`] (a module per resource) or [`mcp`]. Handlers
//! parse input into `memo_api::domain` types, prepare captures with
//! `memo_api::prepare` (titles and tags by `memo-core`), and run the
//! statements of `memo_api::sql` on the request's connection, [`db::Db`].
//! Every failure is a `memo_api::error::ApiError`.

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
