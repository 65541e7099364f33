//! Reader of the OASIS KMIP XML test-vector files (KMIP Profiles 1.4 / 2.1
//! test cases; `shared/kmip-vectors`).
//!
//! A file is a `<KMIP>` element holding `<RequestMessage>` /
//! `<ResponseMessage>` pairs in order. Each message is read as a
//! [`Template`], keeping placeholders such as `$UNIQUE_IDENTIFIER_0` and
//! `$NOW` for a replay harness to fill in (see [`crate::template`]).

use std::path::{Path, PathBuf};

use crate::binary::DecodeLimits;
use crate::error::{Error, Result};
use crate::tag::Tag;
use crate::template::Template;
use crate::xml;

/// One request and the response the test case expects to it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    pub request: Template,
    pub response: Template,
}

/// One test-vector file.
#[derive(Clone, Debug)]
pub struct VectorFile {
    pub path: PathBuf,
    /// The test case's name: the file stem, e.g. `BL-M-1-21`.
    pub name: String,
    pub exchanges: Vec<Exchange>,
}

/// Limits for trusted vector files: the largest is ~60 KiB; allow headroom.
fn vector_limits() -> DecodeLimits {
    DecodeLimits {
        max_message_len: 16 << 20,
        ..DecodeLimits::default()
    }
}

/// Reads the exchanges of one vector document.
pub fn parse_str(xml_text: &str) -> Result<Vec<Exchange>> {
    let items = xml::parse_items(xml_text, &vector_limits())?;
    let mut exchanges = Vec::with_capacity(items.len() / 2);
    let mut iter = items.into_iter();
    while let Some(request) = iter.next() {
        if request.tag != Tag::RequestMessage {
            return Err(Error::UnexpectedXml(format!(
                "exchange {}: expected RequestMessage, found {}",
                exchanges.len(),
                request.tag
            )));
        }
        let response = match iter.next() {
            Some(r) if r.tag == Tag::ResponseMessage => r,
            Some(r) => {
                return Err(Error::UnexpectedXml(format!(
                    "exchange {}: expected ResponseMessage, found {}",
                    exchanges.len(),
                    r.tag
                )))
            }
            None => {
                return Err(Error::UnexpectedXml(format!(
                    "exchange {}: RequestMessage without ResponseMessage",
                    exchanges.len()
                )))
            }
        };
        exchanges.push(Exchange { request, response });
    }
    Ok(exchanges)
}

/// Reads one vector file.
pub fn load_file(path: &Path) -> Result<VectorFile> {
    let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
        path: path.display().to_string(),
        source,
    })?;
    let exchanges = parse_str(&text).map_err(|e| Error::InFile {
        path: path.display().to_string(),
        source: Box::new(e),
    })?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(VectorFile {
        path: path.to_owned(),
        name,
        exchanges,
    })
}

/// Reads every `*.xml` file of a directory, sorted by name. A missing or
/// unreadable directory, or any file that fails to parse, is an error.
pub fn load_dir(dir: &Path) -> Result<Vec<VectorFile>> {
    let io_err = |source| Error::Io {
        path: dir.display().to_string(),
        source,
    };
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io_err)? {
        let path = entry.map_err(io_err)?.path();
        if path.extension().is_some_and(|e| e == "xml") {
            paths.push(path);
        }
    }
    paths.sort();
    paths.iter().map(|p| load_file(p)).collect()
}
