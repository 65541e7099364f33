//! KMIP over HTTPS (KMIP Profiles 2.1 §5.3; 1.4 §5.3): on the same TLS port,
//! a client that starts with `POST ` speaks HTTP/1.1 instead of raw TTLV.
//! Each request is `POST /kmip` with one KMIP message in the body, encoded
//! as the Content-Type says: `application/octet-stream` (binary TTLV),
//! `application/json` (§5.5) or `text/xml` / `application/xml` (§5.4). The
//! answer is `200 OK` with the response message in the same encoding; a
//! message that cannot be read is answered by a KMIP error message, as on
//! the TTLV port. HTTP-level faults get their status code (400, 404, 405,
//! 411, 413, 415, 505) and close the connection.

use crate::server::State;
use kmip::{ProtocolVersion, Ttlv};
use std::sync::Arc;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::watch;
use tokio::time::timeout;

/// Longest request line plus headers accepted.
const MAX_HEAD: usize = 8 * 1024;

/// How a KMIP message is encoded in a body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    Ttlv,
    Json,
    Xml,
}

impl Encoding {
    fn from_content_type(value: &str) -> Option<Encoding> {
        let media = value.split(';').next().unwrap_or("").trim();
        match media.to_ascii_lowercase().as_str() {
            "application/octet-stream" => Some(Encoding::Ttlv),
            "application/json" => Some(Encoding::Json),
            "text/xml" | "application/xml" => Some(Encoding::Xml),
            _ => None,
        }
    }

    /// The Content-Type of a body in this encoding.
    pub fn content_type(self) -> &'static str {
        match self {
            Encoding::Ttlv => "application/octet-stream",
            Encoding::Json => "application/json",
            Encoding::Xml => "text/xml",
        }
    }

    /// Reads one message; the error text goes into the KMIP error answer.
    pub fn decode(self, body: &[u8], limits: &kmip::DecodeLimits) -> Result<Ttlv, kmip::Error> {
        let text = || {
            std::str::from_utf8(body)
                .map_err(|_| kmip::Error::InvalidMessage("the body is not UTF-8".into()))
        };
        match self {
            Encoding::Ttlv => kmip::decode_with_limits(body, limits),
            Encoding::Json => kmip::json::from_str(text()?, limits),
            Encoding::Xml => {
                let mut items = kmip::xml::parse_items(text()?, limits)?;
                match (items.pop(), items.is_empty()) {
                    (Some(root), true) => root.to_ttlv(),
                    _ => Err(kmip::Error::UnexpectedXml(
                        "the body must hold exactly one message".into(),
                    )),
                }
            }
        }
    }

    /// Writes one message.
    pub fn encode(self, message: &Ttlv) -> Result<Vec<u8>, kmip::Error> {
        match self {
            Encoding::Ttlv => kmip::encode(message),
            Encoding::Json => kmip::json::to_string(message).map(String::into_bytes),
            Encoding::Xml => kmip::xml::to_string(message).map(String::into_bytes),
        }
    }
}

/// One parsed request head.
struct Head {
    encoding: Option<Encoding>,
    content_length: Option<usize>,
    close: bool,
}

/// An HTTP-level refusal: status line, then the connection closes.
struct Refusal(&'static str);

fn parse_head(head: &str) -> Result<Head, Refusal> {
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    let mut parts = request_line.split(' ');
    let (method, path, version) = (parts.next(), parts.next(), parts.next());
    let version = match version {
        Some(v @ ("HTTP/1.1" | "HTTP/1.0")) => v,
        Some(_) => return Err(Refusal("505 HTTP Version Not Supported")),
        None => return Err(Refusal("400 Bad Request")),
    };
    if method != Some("POST") {
        return Err(Refusal("405 Method Not Allowed"));
    }
    if path != Some("/kmip") {
        return Err(Refusal("404 Not Found"));
    }
    let mut out = Head {
        encoding: None,
        content_length: None,
        close: version == "HTTP/1.0",
    };
    for line in lines.filter(|l| !l.is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            return Err(Refusal("400 Bad Request"));
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-type" => {
                out.encoding = Some(
                    Encoding::from_content_type(value)
                        .ok_or(Refusal("415 Unsupported Media Type"))?,
                )
            }
            "content-length" => {
                let n = value
                    .parse::<usize>()
                    .map_err(|_| Refusal("400 Bad Request"))?;
                if out.content_length.is_some_and(|m| m != n) {
                    return Err(Refusal("400 Bad Request"));
                }
                out.content_length = Some(n);
            }
            // Bodies come with a Content-Length only.
            "transfer-encoding" => return Err(Refusal("411 Length Required")),
            "connection" => {
                if value.eq_ignore_ascii_case("close") {
                    out.close = true;
                } else if value.eq_ignore_ascii_case("keep-alive") {
                    out.close = false;
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Serves HTTP requests on `stream` until the client closes, idles out, an
/// HTTP fault ends it, or the server stops. `first` is what the connection
/// has read already.
pub async fn serve<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut S,
    first: &[u8],
    state: &Arc<State>,
    identity: &str,
    client: &str,
    stop: &mut watch::Receiver<bool>,
) {
    let idle = state.config.idle_timeout;
    let limits = state.config.limits;
    let mut buf: Vec<u8> = first.to_vec();
    loop {
        // The head: up to the empty line.
        let end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            if buf.len() > MAX_HEAD {
                let _ = refuse(stream, "431 Request Header Fields Too Large").await;
                return;
            }
            let mut chunk = [0u8; 2048];
            let n = tokio::select! {
                r = timeout(idle, stream.read(&mut chunk)) => match r {
                    Ok(Ok(n)) if n > 0 => n,
                    _ => return,
                },
                _ = stop.changed() => return,
            };
            buf.extend_from_slice(&chunk[..n]);
        };
        let head = match std::str::from_utf8(&buf[..end]) {
            Ok(h) => parse_head(h),
            Err(_) => Err(Refusal("400 Bad Request")),
        };
        let head = match head {
            Ok(h) => h,
            Err(Refusal(status)) => {
                let _ = refuse(stream, status).await;
                return;
            }
        };
        let Some(len) = head.content_length else {
            let _ = refuse(stream, "411 Length Required").await;
            return;
        };
        if len > limits.max_message_len {
            let _ = refuse(stream, "413 Content Too Large").await;
            return;
        }
        let encoding = head.encoding.unwrap_or(Encoding::Ttlv);
        buf.drain(..end + 4);
        while buf.len() < len {
            let mut chunk = vec![0u8; (len - buf.len()).min(64 * 1024)];
            match timeout(idle, stream.read(&mut chunk)).await {
                Ok(Ok(n)) if n > 0 => buf.extend_from_slice(&chunk[..n]),
                _ => return,
            }
        }
        let body: Vec<u8> = buf.drain(..len).collect();
        let st = state.clone();
        let (id, cl) = (identity.to_string(), client.to_string());
        let answer = tokio::task::spawn_blocking(move || {
            let response = match encoding.decode(&body, &st.config.limits) {
                Ok(request) => crate::dispatch::handle(&st, &id, &cl, &request),
                Err(e) => crate::connection::error_message(&e, ProtocolVersion::V1_0),
            };
            encoding.encode(&response)
        })
        .await;
        let Ok(Ok(bytes)) = answer else {
            let _ = refuse(stream, "500 Internal Server Error").await;
            return;
        };
        let reply = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {}\r\nContent-Length: {}\r\n{}\r\n",
            encoding.content_type(),
            bytes.len(),
            if head.close {
                "Connection: close\r\n"
            } else {
                ""
            }
        );
        if stream.write_all(reply.as_bytes()).await.is_err()
            || stream.write_all(&bytes).await.is_err()
            || stream.flush().await.is_err()
            || head.close
        {
            return;
        }
    }
}

async fn refuse<S: AsyncWrite + Unpin>(stream: &mut S, status: &str) -> std::io::Result<()> {
    let reply = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    stream.write_all(reply.as_bytes()).await?;
    stream.flush().await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads() {
        let ok = parse_head(
            "POST /kmip HTTP/1.1\r\nHost: x\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: 12",
        )
        .ok()
        .unwrap();
        assert_eq!(ok.encoding, Some(Encoding::Json));
        assert_eq!(ok.content_length, Some(12));
        assert!(!ok.close);
        for (head, status) in [
            ("GET /kmip HTTP/1.1", "405 Method Not Allowed"),
            ("POST /other HTTP/1.1", "404 Not Found"),
            ("POST /kmip HTTP/2", "505 HTTP Version Not Supported"),
            (
                "POST /kmip HTTP/1.1\r\nContent-Type: text/plain",
                "415 Unsupported Media Type",
            ),
            (
                "POST /kmip HTTP/1.1\r\nTransfer-Encoding: chunked",
                "411 Length Required",
            ),
            (
                "POST /kmip HTTP/1.1\r\nContent-Length: -1",
                "400 Bad Request",
            ),
            (
                "POST /kmip HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2",
                "400 Bad Request",
            ),
            ("POST /kmip HTTP/1.1\r\nno colon", "400 Bad Request"),
        ] {
            match parse_head(head) {
                Err(Refusal(s)) => assert_eq!(s, status, "{head}"),
                Ok(_) => panic!("{head} was accepted"),
            }
        }
        assert!(
            parse_head("POST /kmip HTTP/1.0\r\nContent-Length: 0")
                .ok()
                .unwrap()
                .close
        );
    }
}
