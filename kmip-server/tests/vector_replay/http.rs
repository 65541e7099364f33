//! The MSGENC profiles' transport: KMIP messages in HTTP/1.1 POST requests
//! to `/kmip` over the same TLS connection (KMIP Profiles 2.1 §5.3–§5.5),
//! encoded as binary TTLV, JSON or XML.

use kmip::Ttlv;
use openssl::ssl::SslStream;
use std::io::{Read, Write};
use std::net::TcpStream;

pub(crate) use kmip_server::http::Encoding;

/// The body encoding of an MSGENC file, by its name: MSGENC-HTTPS → binary
/// TTLV, MSGENC-JSON → JSON, MSGENC-XML → XML.
pub(crate) fn encoding_for_file(name: &str) -> Option<Encoding> {
    if name.starts_with("MSGENC-HTTPS") {
        Some(Encoding::Ttlv)
    } else if name.starts_with("MSGENC-JSON") {
        Some(Encoding::Json)
    } else if name.starts_with("MSGENC-XML") {
        Some(Encoding::Xml)
    } else {
        None
    }
}

/// Sends `request` as one POST and reads the answer (which must come back
/// in the encoding it was sent in).
pub(crate) fn post(
    stream: &mut SslStream<TcpStream>,
    encoding: Encoding,
    request: &Ttlv,
) -> Result<Ttlv, String> {
    let body = encoding.encode(request).map_err(|e| e.to_string())?;
    let head = format!(
        "POST /kmip HTTP/1.1\r\nHost: localhost\r\nContent-Type: {}\r\nContent-Length: {}\r\n\r\n",
        encoding.content_type(),
        body.len()
    );
    stream
        .write_all(head.as_bytes())
        .map_err(|e| e.to_string())?;
    stream.write_all(&body).map_err(|e| e.to_string())?;
    stream.flush().map_err(|e| e.to_string())?;
    let mut got: Vec<u8> = Vec::new();
    let end = loop {
        if let Some(i) = got.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the server closed the connection".into());
        }
        got.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&got[..end]).to_string();
    if !head.starts_with("HTTP/1.1 200 ") {
        return Err(format!(
            "HTTP answer: {}",
            head.lines().next().unwrap_or("")
        ));
    }
    let header = |name: &str| {
        head.lines().find_map(|l| {
            l.split_once(':')
                .filter(|(n, _)| n.trim().eq_ignore_ascii_case(name))
                .map(|(_, v)| v.trim().to_string())
        })
    };
    if header("content-type").as_deref() != Some(encoding.content_type()) {
        return Err(format!("answer Content-Type {:?}", header("content-type")));
    }
    let len: usize = header("content-length")
        .and_then(|v| v.parse().ok())
        .ok_or("answer without Content-Length")?;
    let mut body = got.split_off(end + 4);
    while body.len() < len {
        let mut chunk = vec![0u8; len - body.len()];
        let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("the answer body was cut short".into());
        }
        body.extend_from_slice(&chunk[..n]);
    }
    encoding
        .decode(&body, &kmip::DecodeLimits::default())
        .map_err(|e| e.to_string())
}
