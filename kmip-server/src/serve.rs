//! `keybridge serve [--dev] [--listen ADDR]`: configuration → running server.

use crate::error::{Error, Result};
use crate::server::ServerConfig;
use crate::tls::TlsFiles;
use keystore::config::Config;
use kmip::DecodeLimits;
use std::time::Duration;

/// Arguments of `keybridge serve`.
#[derive(clap::Args, Debug)]
pub struct ServeArgs {
    /// Development mode: no configuration needed. Creates a local CA, a
    /// server and a client certificate in the data directory, prints their
    /// paths and a PyKMIP configuration, and listens on 127.0.0.1:5696.
    #[arg(long)]
    pub dev: bool,
    /// Address to listen on (overrides `[kmip] listen`); port 0 picks a free port.
    #[arg(long)]
    pub listen: Option<String>,
}

const DEFAULT_LISTEN: &str = "127.0.0.1:5696";

pub fn serve(args: ServeArgs) -> Result<()> {
    let config = Config::from_env()?;
    let k = &config.kmip;
    let listen = args
        .listen
        .clone()
        .or_else(|| k.listen.clone())
        .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
    let tls = if args.dev {
        let data = keystore::config::data_dir()?;
        std::fs::create_dir_all(&data)
            .map_err(|e| Error::io(format!("creating {}", data.display()), e))?;
        let files = crate::dev::ensure(&data)?;
        print!("{}", crate::dev::banner(&files, &listen));
        files.tls
    } else {
        let missing = |what: &str| {
            Error::Setup(format!(
                "[kmip] {what} is not configured (set it in $KEYBRIDGE_CONF, or use `keybridge serve --dev`)"
            ))
        };
        TlsFiles {
            cert: k.cert.clone().ok_or_else(|| missing("cert"))?,
            key: k.key.clone().ok_or_else(|| missing("key"))?,
            client_ca: k.client_ca.clone().ok_or_else(|| missing("client_ca"))?,
        }
    };
    if let Some(parent) = config.store_path()?.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
    }
    let session = config.unlock()?;
    let server = ServerConfig {
        listen,
        tls,
        max_connections: k.max_connections.unwrap_or(256).max(1),
        idle_timeout: Duration::from_secs(k.idle_timeout_seconds.unwrap_or(300).max(1)),
        limits: DecodeLimits {
            max_message_len: k.max_message_bytes.unwrap_or(1 << 20).max(64),
            ..DecodeLimits::default()
        },
    };
    crate::server::run(server, session)
}
