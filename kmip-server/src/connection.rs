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
        // Answered on this worker thread: a request takes tens of
        // microseconds (reads, audit commit) and waits for the disk only
        // when it changes something; handing it to the blocking pool cost
        // two thread switches per request. The runtime has enough workers
        // (`server::WORKERS`) that requests waiting for a commit leave the
        // others served.
        let bytes = respond(&state, &identity, &client, &buf);
        if stream.write_all(&bytes).await.is_err() || stream.flush().await.is_err() {
            break;
        }
    }
    let _ = stream.shutdown().await;
}

/// Decodes, handles and encodes one message; every failure is a response.
pub(crate) fn respond(state: &State, identity: &str, client: &str, bytes: &[u8]) -> Vec<u8> {
    let response = match binary::decode_with_limits(bytes, &state.config.limits) {
        Ok(request) => crate::dispatch::handle(state, identity, client, &request),
        Err(e) => error_message(&e, ProtocolVersion::V1_0),
    };
    kmip::encode(&response).unwrap_or_else(|_| {
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
