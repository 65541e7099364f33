//! A small blocking KMIP client over any byte stream (a TLS stream in
//! practice): frames binary TTLV messages and reads responses with the same
//! bounded decoder the server uses. Used by keybridge's tests and tools.

use std::io::{Read, Write};

use crate::binary::{self, DecodeLimits, HEADER_LEN};
use crate::error::{Error, Result};
use crate::message::{parse_response, ProtocolVersion, RequestMessage, ResponseItem};
use crate::ttlv::Ttlv;

/// A KMIP client on a connected stream.
pub struct Client<S: Read + Write> {
    stream: S,
    limits: DecodeLimits,
    pub version: ProtocolVersion,
    /// The Authentication structure every request made with [`Client::call`]
    /// carries (see [`crate::message::authentication`]); None sends none.
    pub authentication: Option<Ttlv>,
}

impl<S: Read + Write> Client<S> {
    /// A client speaking `version` on `stream`.
    pub fn new(stream: S, version: ProtocolVersion) -> Client<S> {
        Client {
            stream,
            limits: DecodeLimits {
                max_message_len: 16 << 20,
                ..DecodeLimits::default()
            },
            version,
            authentication: None,
        }
    }

    /// The underlying stream.
    pub fn stream_mut(&mut self) -> &mut S {
        &mut self.stream
    }

    fn io(e: std::io::Error) -> Error {
        Error::Io {
            path: "KMIP connection".into(),
            source: e,
        }
    }

    /// Sends raw bytes and reads one framed response message.
    pub fn round_trip_bytes(&mut self, request: &[u8]) -> Result<Ttlv> {
        self.stream.write_all(request).map_err(Self::io)?;
        self.stream.flush().map_err(Self::io)?;
        self.read_message()
    }

    /// Reads one framed message.
    pub fn read_message(&mut self) -> Result<Ttlv> {
        let mut header = [0u8; HEADER_LEN];
        self.stream.read_exact(&mut header).map_err(Self::io)?;
        let rest = binary::remaining_message_len(&header, &self.limits)?;
        let mut buf = header.to_vec();
        buf.resize(HEADER_LEN + rest, 0);
        self.stream
            .read_exact(&mut buf[HEADER_LEN..])
            .map_err(Self::io)?;
        binary::decode_with_limits(&buf, &self.limits)
    }

    /// Sends a whole message tree and returns the response tree.
    pub fn send(&mut self, message: &Ttlv) -> Result<Ttlv> {
        let bytes = binary::encode(message)?;
        self.round_trip_bytes(&bytes)
    }

    /// Sends one operation with its payload; returns the response item.
    pub fn call(&mut self, operation: u32, payload: Ttlv) -> Result<ResponseItem> {
        let mut req = RequestMessage::build(self.version, vec![(operation, payload)]);
        if let Some(auth) = &self.authentication {
            crate::message::set_authentication(&mut req, auth.clone());
        }
        let resp = self.send(&req)?;
        let (_, mut items) = parse_response(&resp)?;
        items
            .pop()
            .ok_or_else(|| Error::InvalidMessage("response without batch item".into()))
    }
}
