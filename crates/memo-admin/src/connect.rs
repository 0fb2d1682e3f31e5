//! How `memo-admin` reaches Postgres: over TLS when `DATABASE_URL` asks for
//! it, and never in clear to another machine unless it says so.
//!
//! memo-admin sends full exports and creates keys, so plaintext is refused
//! for any host that is not loopback (or a Unix socket) unless the URL says
//! `sslmode=disable`. `sslmode=require`, `verify-ca` and `verify-full` all
//! connect with rustls, verifying the server's certificate chain against the
//! webpki roots (plus the PEM file `sslrootcert` names, if any) and its host
//! name: stricter than libpq's `require`, which verifies nothing.
//! `sslmode=prefer` (libpq's default) may fall back to clear text silently,
//! so it counts as "not asked" for a remote host.

use super::AnyError;
use std::path::PathBuf;
use std::sync::Arc;
use tokio_postgres::config::{Host, SslMode};
use tokio_postgres::{Client, Config};

/// How a connection will travel.
#[derive(Debug, PartialEq, Eq)]
pub enum Transport {
    Clear,
    Tls { extra_roots: Option<PathBuf> },
}

/// What `DATABASE_URL` asks for: the driver's configuration and the transport.
#[derive(Debug)]
pub struct Plan {
    pub config: Config,
    pub transport: Transport,
}

/// Reads `DATABASE_URL` (URL or `key=value` form) and decides the transport.
pub fn plan(database_url: &str) -> Result<Plan, AnyError> {
    let (driver_url, sslmode, extra_roots) = take_tls_options(database_url)?;
    let mut config: Config = driver_url.parse()?;
    let transport = match sslmode.as_deref() {
        Some("disable") => Transport::Clear,
        Some("require" | "verify-ca" | "verify-full") => Transport::Tls { extra_roots },
        Some("prefer" | "allow") | None if all_loopback(&config) => Transport::Clear,
        Some("prefer" | "allow") | None => {
            return Err(format!(
                "refusing to connect to {} without TLS: add sslmode=verify-full (or require) to DATABASE_URL, \
                 or sslmode=disable to send everything in clear deliberately",
                hosts(&config)
            )
            .into())
        }
        Some(other) => return Err(format!("unknown sslmode {other:?}").into()),
    };
    config.ssl_mode(if transport == Transport::Clear { SslMode::Disable } else { SslMode::Require });
    Ok(Plan { config, transport })
}

/// Connects as planned; the connection runs on its own task.
pub async fn connect(database_url: &str) -> Result<(Client, tokio::task::JoinHandle<Result<(), AnyError>>), AnyError> {
    let Plan { config, transport } = plan(database_url)?;
    let (client, driver) = match transport {
        Transport::Clear => {
            let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
            (client, tokio::spawn(async move { connection.await.map_err(AnyError::from) }))
        }
        Transport::Tls { extra_roots } => {
            let tls = tokio_postgres_rustls::MakeRustlsConnect::new(tls_config(extra_roots.as_deref())?);
            let (client, connection) = config.connect(tls).await?;
            (client, tokio::spawn(async move { connection.await.map_err(AnyError::from) }))
        }
    };
    Ok((client, driver))
}

fn tls_config(extra_roots: Option<&std::path::Path>) -> Result<rustls::ClientConfig, AnyError> {
    use rustls::pki_types::{pem::PemObject, CertificateDer};
    let mut roots = rustls::RootCertStore { roots: webpki_roots::TLS_SERVER_ROOTS.to_vec() };
    if let Some(path) = extra_roots {
        for cert in CertificateDer::pem_file_iter(path).map_err(|e| format!("sslrootcert {}: {e}", path.display()))? {
            roots.add(cert.map_err(|e| format!("sslrootcert {}: {e}", path.display()))?)?;
        }
    }
    Ok(rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// Removes `sslmode` and `sslrootcert` from the connection string (the
/// driver knows neither `verify-*` nor `sslrootcert`); returns what is left
/// and the two values.
fn take_tls_options(database_url: &str) -> Result<(String, Option<String>, Option<PathBuf>), AnyError> {
    let mut sslmode = None;
    let mut root = None;
    let rest = if database_url.starts_with("postgres://") || database_url.starts_with("postgresql://") {
        let mut url = url::Url::parse(database_url).map_err(|e| format!("DATABASE_URL: {e}"))?;
        let mut kept = Vec::new();
        for (name, value) in url.query_pairs() {
            match &*name {
                "sslmode" => sslmode = Some(value.into_owned()),
                "sslrootcert" => root = Some(PathBuf::from(value.into_owned())),
                _ => kept.push((name.into_owned(), value.into_owned())),
            }
        }
        url.set_query(None);
        if !kept.is_empty() {
            url.query_pairs_mut().extend_pairs(kept);
        }
        url.to_string()
    } else {
        let mut kept = Vec::new();
        for part in database_url.split_whitespace() {
            match part.split_once('=') {
                Some(("sslmode", value)) => sslmode = Some(value.trim_matches('\'').to_owned()),
                Some(("sslrootcert", value)) => root = Some(PathBuf::from(value.trim_matches('\''))),
                _ => kept.push(part),
            }
        }
        kept.join(" ")
    };
    Ok((rest, sslmode, root))
}

/// Every host is this machine: loopback addresses, `localhost`, Unix sockets.
fn all_loopback(config: &Config) -> bool {
    let by_name = config.get_hosts().iter().all(|host| match host {
        Host::Tcp(name) => {
            name.eq_ignore_ascii_case("localhost")
                || name.trim_matches(['[', ']']).parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
        }
        #[cfg(unix)]
        Host::Unix(_) => true,
    });
    by_name && config.get_hostaddrs().iter().all(|addr| addr.is_loopback())
}

fn hosts(config: &Config) -> String {
    let names: Vec<String> = config
        .get_hosts()
        .iter()
        .map(|host| match host {
            Host::Tcp(name) => name.clone(),
            #[cfg(unix)]
            Host::Unix(path) => path.display().to_string(),
        })
        .collect();
    names.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transport(url: &str) -> Result<Transport, String> {
        plan(url).map(|p| p.transport).map_err(|e| e.to_string())
    }

    #[test]
    fn loopback_may_go_in_clear() {
        assert_eq!(transport("postgres://u:p@127.0.0.1:5432/memo"), Ok(Transport::Clear));
        assert_eq!(transport("postgres://u:p@localhost/memo?sslmode=prefer"), Ok(Transport::Clear));
        assert_eq!(transport("postgres://u:p@[::1]:5432/memo"), Ok(Transport::Clear));
        assert_eq!(transport("host=/var/run/postgresql user=u dbname=memo"), Ok(Transport::Clear));
    }

    #[test]
    fn remote_hosts_need_tls_or_an_explicit_disable() {
        for url in [
            "postgres://u:p@db.example.com/memo",
            "postgres://u:p@db.example.com/memo?sslmode=prefer",
            "host=10.0.0.5 user=u dbname=memo",
            "postgres://u:p@127.0.0.1,db.example.com/memo",
        ] {
            let error = transport(url).unwrap_err();
            assert!(error.contains("refusing") && error.contains("sslmode=disable"), "{url}: {error}");
        }
        assert_eq!(transport("postgres://u:p@db.example.com/memo?sslmode=disable"), Ok(Transport::Clear));
        assert_eq!(transport("host=db.example.com sslmode=disable user=u"), Ok(Transport::Clear));
    }

    #[test]
    fn tls_modes_use_tls_with_optional_extra_roots() {
        assert_eq!(
            transport("postgres://u:p@db.example.com/memo?sslmode=require"),
            Ok(Transport::Tls { extra_roots: None })
        );
        assert_eq!(
            transport(
                "postgres://u:p@db.example.com/memo?sslmode=verify-full&sslrootcert=/etc/ca.pem&application_name=x"
            ),
            Ok(Transport::Tls { extra_roots: Some("/etc/ca.pem".into()) })
        );
        assert_eq!(
            transport("host=127.0.0.1 sslmode=verify-ca sslrootcert=/ca.pem user=u"),
            Ok(Transport::Tls { extra_roots: Some("/ca.pem".into()) })
        );
        let plan = plan("postgres://u:p@db.example.com/memo?sslmode=verify-full&application_name=x").unwrap();
        assert_eq!(plan.config.get_application_name(), Some("x"));
        assert!(transport("postgres://u:p@db.example.com/memo?sslmode=sometimes").is_err());
    }
}
