//! keybridge's KMIP protocol codec layer.
//!
//! - [`Ttlv`] / [`Value`]: the generic TTLV tree every message is parsed into,
//!   with typed accessors for operation handlers ([`ttlv`]).
//! - [`binary`]: the TTLV wire encoding (KMIP 2.1 §9.1) with a bounded decoder
//!   ([`DecodeLimits`]) and socket framing ([`binary::remaining_message_len`]).
//! - [`Tag`], [`tables`], [`enums`]: tag names and numbers and the
//!   enumerations of KMIP 1.0–2.1 as data tables.
//! - [`xml`]: the KMIP XML encoding (KMIP Profiles 2.1 §5.4) into and out of
//!   the tree, and [`Template`] trees that keep test-vector placeholders.
//! - [`json`]: the KMIP JSON encoding (KMIP Profiles 2.1 §5.5).
//! - [`vectors`]: reader of the OASIS KMIP XML test-vector files.
//!
//! No storage, no networking: those live in `kmip-server`.
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

pub mod attribute_names;
pub mod binary;
pub mod client;
pub mod enums;
mod error;
pub mod json;
pub mod message;
pub mod tables;
mod tag;
pub mod template;
pub mod ttlv;
pub mod vectors;
pub mod xml;

pub use binary::{decode, decode_with_limits, encode, DecodeLimits};
pub use error::{Error, Result};
pub use message::ProtocolVersion;
pub use tag::{ItemType, Tag};
pub use template::{Placeholder, PlaceholderKind, Template, TemplateValue};
pub use ttlv::{Ttlv, Value};
