//! Binary TTLV encoding (KMIP 2.1 §9.1; identical in KMIP 1.x §9.1).
//!
//! Every item is `Tag (3 bytes) | Type (1) | Length (4, big-endian) | Value`,
//! with the value padded to a multiple of 8 bytes. The decoder is bounded by
//! [`DecodeLimits`]: it checks every declared length against the bytes
//! actually present before allocating, never recurses (an explicit stack
//! holds open structures), and returns a typed [`Error`] for every malformed
//! input instead of panicking.

use crate::error::{Error, Result};
use crate::tag::{ItemType, Tag};
use crate::ttlv::{Ttlv, Value};

/// Size of an item header: tag, type and length.
pub const HEADER_LEN: usize = 8;

/// Bounds applied while decoding untrusted input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DecodeLimits {
    /// Largest accepted message, header included, in bytes.
    pub max_message_len: usize,
    /// Deepest accepted nesting of Structures (the message itself is depth 1).
    pub max_depth: usize,
    /// Largest accepted number of items (of any type) in one message.
    pub max_items: usize,
}

impl Default for DecodeLimits {
    /// 1 MiB, 64 levels, 100,000 items.
    fn default() -> Self {
        DecodeLimits {
            max_message_len: 1 << 20,
            max_depth: 64,
            max_items: 100_000,
        }
    }
}

/// Nesting bound for the (recursive) encoder. Trees decoded by this crate
/// are far shallower; the bound turns a runaway hand-built tree into an error
/// rather than a stack overflow.
pub const MAX_ENCODE_DEPTH: usize = 512;

/// Encodes one item (normally a Request or Response Message) to bytes.
pub fn encode(item: &Ttlv) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    encode_into(item, &mut out)?;
    Ok(out)
}

/// Appends the encoding of `item` to `out`.
pub fn encode_into(item: &Ttlv, out: &mut Vec<u8>) -> Result<()> {
    encode_item(item, out, 1)
}

fn pad_len(len: usize) -> usize {
    (8 - len % 8) % 8
}

fn length_u32(tag: Tag, len: usize) -> Result<u32> {
    u32::try_from(len).map_err(|_| Error::ValueTooLong { tag, len })
}

fn encode_item(item: &Ttlv, out: &mut Vec<u8>, depth: usize) -> Result<()> {
    if depth > MAX_ENCODE_DEPTH {
        return Err(Error::TooDeep {
            offset: out.len(),
            max: MAX_ENCODE_DEPTH,
        });
    }
    out.extend_from_slice(&item.tag.to_bytes());
    out.push(item.item_type().to_byte());
    let len_at = out.len();
    out.extend_from_slice(&[0; 4]);
    let value_start = out.len();
    let write_fixed4 = |out: &mut Vec<u8>, b: [u8; 4]| {
        out.extend_from_slice(&b);
        out.extend_from_slice(&[0; 4]);
        4usize
    };
    let len = match &item.value {
        Value::Structure(children) => {
            for child in children {
                encode_item(child, out, depth + 1)?;
            }
            out.len() - value_start
        }
        Value::Integer(v) => write_fixed4(out, v.to_be_bytes()),
        Value::Enumeration(v) => write_fixed4(out, v.to_be_bytes()),
        Value::Interval(v) => write_fixed4(out, v.to_be_bytes()),
        Value::LongInteger(v) | Value::DateTime(v) | Value::DateTimeExtended(v) => {
            out.extend_from_slice(&v.to_be_bytes());
            8
        }
        Value::Boolean(b) => {
            out.extend_from_slice(&u64::from(*b).to_be_bytes());
            8
        }
        Value::BigInteger(bytes) => {
            // §9.1.1.4: pad with leading sign-extended bytes to a multiple of 8.
            let fill = pad_len(bytes.len());
            let sign = match bytes.first() {
                Some(b) if b & 0x80 != 0 => 0xFF,
                _ => 0x00,
            };
            out.extend(std::iter::repeat_n(sign, fill));
            out.extend_from_slice(bytes);
            bytes.len() + fill
        }
        Value::TextString(s) => write_padded(out, s.as_bytes()),
        Value::ByteString(b) => write_padded(out, b),
    };
    let len32 = length_u32(item.tag, len)?;
    out[len_at..len_at + 4].copy_from_slice(&len32.to_be_bytes());
    Ok(())
}

fn write_padded(out: &mut Vec<u8>, bytes: &[u8]) -> usize {
    out.extend_from_slice(bytes);
    out.extend(std::iter::repeat_n(0u8, pad_len(bytes.len())));
    bytes.len()
}

/// From the first 8 bytes of a message (the header of its outer Structure),
/// how many more bytes the whole message needs. Used for framing on a
/// socket: read 8 bytes, call this, read exactly that many more, then
/// [`decode_with_limits`]. Refuses a message larger than
/// `limits.max_message_len`, a non-Structure, or a length not a multiple of 8.
pub fn remaining_message_len(header: &[u8; HEADER_LEN], limits: &DecodeLimits) -> Result<usize> {
    let tag = Tag::from_bytes([header[0], header[1], header[2]]);
    let item_type = ItemType::from_byte(header[3]).ok_or(Error::UnknownItemType {
        offset: 3,
        byte: header[3],
    })?;
    if item_type != ItemType::Structure {
        return Err(Error::NotAStructureMessage { found: item_type });
    }
    let len = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
    let total = u64::from(len) + HEADER_LEN as u64;
    if total > limits.max_message_len as u64 {
        return Err(Error::MessageTooLarge {
            len: total,
            max: limits.max_message_len,
        });
    }
    if !len.is_multiple_of(8) {
        return Err(Error::InvalidLength {
            offset: 0,
            tag,
            item_type,
            len,
        });
    }
    usize::try_from(len).map_err(|_| Error::MessageTooLarge {
        len: total,
        max: limits.max_message_len,
    })
}

/// Decodes exactly one item filling `bytes`, with the default [`DecodeLimits`].
pub fn decode(bytes: &[u8]) -> Result<Ttlv> {
    decode_with_limits(bytes, &DecodeLimits::default())
}

/// An open Structure on the decoder's stack.
struct Frame {
    tag: Tag,
    /// Offset one past the structure's last byte.
    end: usize,
    children: Vec<Ttlv>,
}

/// Decodes exactly one item filling `bytes` (trailing bytes are an error).
pub fn decode_with_limits(bytes: &[u8], limits: &DecodeLimits) -> Result<Ttlv> {
    if bytes.len() > limits.max_message_len {
        return Err(Error::MessageTooLarge {
            len: bytes.len() as u64,
            max: limits.max_message_len,
        });
    }
    let mut stack: Vec<Frame> = Vec::new();
    let mut pos = 0usize;
    let mut items = 0usize;
    loop {
        // Close every structure that ends here; the root closing ends decoding.
        while let Some(top) = stack.last() {
            if pos < top.end {
                break;
            }
            let Some(frame) = stack.pop() else { break };
            let done = Ttlv::structure(frame.tag, frame.children);
            match stack.last_mut() {
                Some(parent) => parent.children.push(done),
                None => return finish(done, pos, bytes.len()),
            }
        }
        // The region the next item must fit in: its parent, or the input.
        // (Every open structure was checked to end within the input.)
        let limit = stack.last().map_or(bytes.len(), |f| f.end);
        let start = pos;
        let overrun = |needed: usize, tag: Tag| -> Error {
            if limit == bytes.len() {
                Error::Truncated {
                    offset: start,
                    needed: needed as u64,
                    available: bytes.len() - start,
                }
            } else {
                Error::StructureOverrun { offset: start, tag }
            }
        };
        let Some(header) = bytes
            .get(pos..pos + HEADER_LEN)
            .filter(|_| pos + HEADER_LEN <= limit)
        else {
            let parent = stack.last().map_or(Tag(0), |f| f.tag);
            return Err(overrun(HEADER_LEN, parent));
        };
        let tag = Tag::from_bytes([header[0], header[1], header[2]]);
        let item_type = ItemType::from_byte(header[3]).ok_or(Error::UnknownItemType {
            offset: start + 3,
            byte: header[3],
        })?;
        let len = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
        pos += HEADER_LEN;
        items += 1;
        if items > limits.max_items {
            return Err(Error::TooManyItems {
                max: limits.max_items,
            });
        }
        let bad_len = || Error::InvalidLength {
            offset: start,
            tag,
            item_type,
            len,
        };
        // A message declaring more than the limit is refused as such, before
        // looking at whether its bytes are all there.
        if stack.is_empty() && HEADER_LEN as u64 + u64::from(len) > limits.max_message_len as u64 {
            return Err(Error::MessageTooLarge {
                len: HEADER_LEN as u64 + u64::from(len),
                max: limits.max_message_len,
            });
        }
        // Length on the wire including padding, checked against the type.
        let padded: usize = match item_type {
            ItemType::Integer | ItemType::Enumeration | ItemType::Interval => {
                if len != 4 {
                    return Err(bad_len());
                }
                8
            }
            ItemType::LongInteger
            | ItemType::Boolean
            | ItemType::DateTime
            | ItemType::DateTimeExtended => {
                if len != 8 {
                    return Err(bad_len());
                }
                8
            }
            ItemType::Structure | ItemType::BigInteger => {
                if len % 8 != 0 {
                    return Err(bad_len());
                }
                len as usize
            }
            ItemType::TextString | ItemType::ByteString => {
                let l = len as usize;
                l + pad_len(l)
            }
        };
        // Bounds before any allocation: the declared length must fit both the
        // enclosing structure and the bytes actually received.
        let value_end = pos.checked_add(padded).ok_or_else(bad_len)?;
        if value_end > limit {
            return Err(overrun(value_end - start, tag));
        }
        if item_type == ItemType::Structure {
            if stack.len() >= limits.max_depth {
                return Err(Error::TooDeep {
                    offset: start,
                    max: limits.max_depth,
                });
            }
            stack.push(Frame {
                tag,
                end: value_end,
                children: Vec::new(),
            });
            continue;
        }
        let raw = &bytes[pos..value_end];
        let value = decode_primitive(item_type, len as usize, raw, tag, start)?;
        pos = value_end;
        let item = Ttlv::new(tag, value);
        match stack.last_mut() {
            Some(parent) => parent.children.push(item),
            None => return finish(item, pos, bytes.len()),
        }
    }
}

fn finish(item: Ttlv, pos: usize, total: usize) -> Result<Ttlv> {
    if pos == total {
        Ok(item)
    } else {
        Err(Error::TrailingBytes {
            offset: pos,
            count: total - pos,
        })
    }
}

fn check_zero(padding: &[u8], tag: Tag, offset: usize) -> Result<()> {
    if padding.iter().all(|b| *b == 0) {
        Ok(())
    } else {
        Err(Error::NonZeroPadding { offset, tag })
    }
}

fn be4(raw: &[u8]) -> [u8; 4] {
    let mut b = [0u8; 4];
    b.copy_from_slice(&raw[..4]);
    b
}

fn be8(raw: &[u8]) -> [u8; 8] {
    let mut b = [0u8; 8];
    b.copy_from_slice(&raw[..8]);
    b
}

/// Decodes a primitive value from `raw` (value plus padding, length already
/// checked against the type by the caller).
fn decode_primitive(
    item_type: ItemType,
    len: usize,
    raw: &[u8],
    tag: Tag,
    offset: usize,
) -> Result<Value> {
    let (value, padding) = raw.split_at(len.min(raw.len()));
    check_zero(padding, tag, offset)?;
    Ok(match item_type {
        ItemType::Integer => Value::Integer(i32::from_be_bytes(be4(value))),
        ItemType::Enumeration => Value::Enumeration(u32::from_be_bytes(be4(value))),
        ItemType::Interval => Value::Interval(u32::from_be_bytes(be4(value))),
        ItemType::LongInteger => Value::LongInteger(i64::from_be_bytes(be8(value))),
        ItemType::DateTime => Value::DateTime(i64::from_be_bytes(be8(value))),
        ItemType::DateTimeExtended => Value::DateTimeExtended(i64::from_be_bytes(be8(value))),
        ItemType::Boolean => match u64::from_be_bytes(be8(value)) {
            0 => Value::Boolean(false),
            1 => Value::Boolean(true),
            other => {
                return Err(Error::InvalidBoolean {
                    offset,
                    tag,
                    value: other,
                })
            }
        },
        ItemType::BigInteger => Value::BigInteger(value.to_vec()),
        ItemType::ByteString => Value::ByteString(value.to_vec()),
        ItemType::TextString => match std::str::from_utf8(value) {
            Ok(s) => Value::TextString(s.to_owned()),
            Err(_) => return Err(Error::InvalidUtf8 { offset, tag }),
        },
        ItemType::Structure => Value::Structure(Vec::new()),
    })
}
