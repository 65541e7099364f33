//! One client connection: the TLS handshake (identity = certificate CN),
//! then framed TTLV messages (KMIP 2.1 §9.1: read the 8-byte header of the
//! outer structure, then exactly its length), each answered in the version
//! it was sent in. A message that cannot be framed gets an error response
//! and the connection is closed, since the stream cannot be resynchronised.

use crate::server::State;
use kmip::binary::{self, HEADER_LEN};
use kmip::{ProtocolVersion, Ttlv};
use openssl::ssl::{Ssl, SslAcceptor};
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio::time::timeout;
use tokio_openssl::SslStream;

pub async fn handle(
    state: Arc<State>,
    acceptor: Arc<SslAcceptor>,
    tcp: TcpStream,
    peer: SocketAddr,
    mut stop: watch::Receiver<bool>,
) {
    let _ = tcp.set_nodelay(true);
    let idle = state.config.idle_timeout;
    let Ok(ssl) = Ssl::new(acceptor.context()) else {
        return;
    };
    let Ok(mut stream) = SslStream::new(ssl, tcp) else {
        return;
    };
    match timeout(idle, Pin::new(&mut stream).accept()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => {
            eprintln!("keybridge: TLS handshake with {peer} failed: {e}");
            return;
        }
        Err(_) => return,
    }
    let identity = match stream
        .ssl()
        .peer_certificate()
        .and_then(|c| crate::tls::identity(&c))
    {
        Some(cn) => cn,
        None => {
            eprintln!("keybridge: {peer}: client certificate has no subject CN; closing");
            return;
        }
    };
    let client = peer.to_string();
    loop {
        let mut header = [0u8; HEADER_LEN];
        tokio::select! {
            r = timeout(idle, stream.read_exact(&mut header)) => match r {
                Ok(Ok(_)) => {}
                _ => break, // closed, failed or idle too long
            },
            _ = stop.changed() => break,
        }
        if header.starts_with(b"POST ") {
            crate::http::serve(&mut stream, &header, &state, &identity, &client, &mut stop).await;
            break;
        }
        let rest = match binary::remaining_message_len(&header, &state.config.limits) {
            Ok(n) => n,
            Err(e) => {
                let resp = framing_error(&e);
                let _ = stream.write_all(&resp).await;
                break;
            }
        };
        let mut buf = header.to_vec();
        buf.resize(HEADER_LEN + rest, 0);
        match timeout(idle, stream.read_exact(&mut buf[HEADER_LEN..])).await {
            Ok(Ok(_)) => {}
            _ => break,
        }
        let bytes = answer(&state, &identity, &client, buf).await;
        if stream.write_all(&bytes).await.is_err() || stream.flush().await.is_err() {
            break;
        }
    }
    let _ = stream.shutdown().await;
}

/// The answer to one message. A message that only reads (a Get, an
/// Encrypt; `dispatch::only_reads`) is answered on this worker thread: it
/// takes tens of microseconds and never waits for the disk, and handing it
/// to another thread would cost two thread switches. One that changes
/// something waits for its durable commit, so it runs on the blocking pool
/// and leaves the few workers (`server::WORKERS`) serving reads meanwhile.
async fn answer(state: &Arc<State>, identity: &str, client: &str, bytes: Vec<u8>) -> Vec<u8> {
    let request = match binary::decode_with_limits(&bytes, &state.config.limits) {
        Ok(r) => r,
        Err(e) => return encode(&error_message(&e, ProtocolVersion::V1_0)),
    };
    if crate::dispatch::only_reads(&request) {
        return encode(&crate::dispatch::handle(state, identity, client, &request));
    }
    let (st, id, cl) = (state.clone(), identity.to_string(), client.to_string());
    let response = tokio::task::spawn_blocking(move || {
        encode(&crate::dispatch::handle(&st, &id, &cl, &request))
    })
    .await;
    response.unwrap_or_else(|_| {
        framing_error(&kmip::Error::InvalidMessage(
            "the request could not be completed".into(),
        ))
    })
}

/// Decodes, handles and encodes one message; every failure is a response.
pub(crate) fn respond(state: &State, identity: &str, client: &str, bytes: &[u8]) -> Vec<u8> {
    let response = match binary::decode_with_limits(bytes, &state.config.limits) {
        Ok(request) => crate::dispatch::handle(state, identity, client, &request),
        Err(e) => error_message(&e, ProtocolVersion::V1_0),
    };
    encode(&response)
}

fn encode(response: &Ttlv) -> Vec<u8> {
    kmip::encode(response).unwrap_or_else(|_| {
        framing_error(&kmip::Error::InvalidMessage("response too large".into()))
    })
}

/// The answer to a message that cannot be read (in `version`).
pub fn error_message(e: &kmip::Error, version: ProtocolVersion) -> Ttlv {
    let err = crate::error::Error::from(kmip::Error::InvalidMessage(e.to_string()));
    let (reason, message) = err.result(version);
    kmip::message::response_message(
        version,
        keystore::lifecycle::now(),
        &[kmip::message::ResponseBatchItem::failure(
            None, None, reason, message,
        )],
    )
}

fn framing_error(e: &kmip::Error) -> Vec<u8> {
    kmip::encode(&error_message(e, ProtocolVersion::V1_0)).unwrap_or_default()
}
