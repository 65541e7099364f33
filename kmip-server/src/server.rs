//! The listener: accepts TCP connections up to a limit, hands each to a task
//! ([`crate::connection`]), and shuts down gracefully on SIGINT / SIGTERM:
//! it stops accepting, tells every connection to finish its current request,
//! and waits for them (bounded).

use crate::error::{Error, Result};
use crate::tls::TlsFiles;
use keystore::{MasterSession, Partition};
use kmip::DecodeLimits;
use openssl::ssl::SslAcceptor;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub listen: String,
    pub tls: TlsFiles,
    pub max_connections: usize,
    pub idle_timeout: Duration,
    pub limits: DecodeLimits,
}

/// What every connection shares.
pub struct State {
    pub session: MasterSession,
    pub config: ServerConfig,
    /// Multi-part cryptographic operations in progress.
    pub streams: crate::streams::Streams,
    /// Opened partitions by identity, so the partition key is unwrapped once.
    partitions: Mutex<HashMap<String, Partition>>,
}

impl State {
    /// Shared state over an unlocked store; the TLS acceptor is kept apart
    /// (see [`run`]) so that the message path needs no certificates.
    pub fn new(config: ServerConfig, session: MasterSession) -> State {
        State {
            session,
            config,
            streams: crate::streams::Streams::new(),
            partitions: Mutex::new(HashMap::new()),
        }
    }

    /// The partition of `identity`: the one labelled with its CN, created on
    /// its first request. The PKCS#11 token of that label shows the same objects.
    pub fn partition(&self, identity: &str) -> Result<Partition> {
        if let Ok(map) = self.partitions.lock() {
            if let Some(p) = map.get(identity) {
                return Ok(p.clone());
            }
        }
        let p = self.session.partition_or_create(identity)?;
        if let Ok(mut map) = self.partitions.lock() {
            map.insert(identity.to_string(), p.clone());
        }
        Ok(p)
    }
}

impl State {
    /// An existing partition by label (the owner of a granted object), opened
    /// through the master session and kept like the identities' own.
    pub fn partition_by_label(&self, label: &str) -> Result<Partition> {
        if let Ok(map) = self.partitions.lock() {
            if let Some(p) = map.get(label) {
                return Ok(p.clone());
            }
        }
        let p = self.session.partition(label)?;
        if let Ok(mut map) = self.partitions.lock() {
            map.insert(label.to_string(), p.clone());
        }
        Ok(p)
    }
}

/// Runtime worker threads: TLS, framing, and the messages that only read,
/// answered on the worker that read them (`connection::answer`). Messages
/// that write wait for their durable commit on the blocking pool (up to
/// [`BLOCKING`] at once, so that many share one group commit). A few more
/// workers than cores: a worker the kernel preempts holds up fewer
/// connections, and fewer threads compete for the cores with the others.
pub const WORKERS: usize = 4;
/// Threads of the blocking pool: writes waiting for the disk at once.
pub const BLOCKING: usize = 16;

/// Runs the server until SIGINT or SIGTERM.
pub fn run(config: ServerConfig, session: MasterSession) -> Result<()> {
    let acceptor = Arc::new(crate::tls::acceptor(&config.tls)?);
    let state = Arc::new(State::new(config, session));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(WORKERS)
        .max_blocking_threads(BLOCKING)
        .enable_all()
        .build()
        .map_err(|e| Error::io("starting the runtime", e))?;
    rt.block_on(serve(state, acceptor))
}

async fn serve(state: Arc<State>, acceptor: Arc<SslAcceptor>) -> Result<()> {
    let listener = TcpListener::bind(&state.config.listen)
        .await
        .map_err(|e| Error::io(format!("listening on {}", state.config.listen), e))?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::io("reading the listening address", e))?;
    // Tests and scripts read this line to learn the port.
    println!("keybridge: KMIP server listening on {local}");
    use std::io::Write;
    let _ = std::io::stdout().flush();
    let slots = Arc::new(Semaphore::new(state.config.max_connections));
    let (stop_tx, stop_rx) = watch::channel(false);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| Error::io("installing the SIGTERM handler", e))?;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (tcp, peer) = match accepted {
                    Ok(c) => c,
                    Err(e) => {
                        eprintln!("keybridge: accept failed: {e}");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let Ok(permit) = slots.clone().try_acquire_owned() else {
                    eprintln!("keybridge: connection limit reached, refusing {peer}");
                    drop(tcp);
                    continue;
                };
                let st = state.clone();
                let tls = acceptor.clone();
                let stop = stop_rx.clone();
                tokio::spawn(async move {
                    crate::connection::handle(st, tls, tcp, peer, stop).await;
                    drop(permit);
                });
            }
            _ = tokio::signal::ctrl_c() => break,
            _ = term.recv() => break,
        }
    }
    eprintln!("keybridge: shutting down");
    let _ = stop_tx.send(true);
    drop(listener);
    let all = u32::try_from(state.config.max_connections).unwrap_or(u32::MAX);
    let _ = tokio::time::timeout(Duration::from_secs(10), slots.acquire_many(all)).await;
    Ok(())
}
