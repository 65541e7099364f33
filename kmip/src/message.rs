//! The message layer: Request and Response Messages, their headers and batch
//! items (KMIP 2.1 §8 and §7; KMIP 1.4 §7). Payloads stay [`Ttlv`] trees:
//! operation handlers read them with the typed accessors of [`crate::ttlv`].
//!
//! The protocol version is a property of each message, not of a connection:
//! a server parses it from every request and echoes it in the response.

use crate::enums::{batch_error_continuation_option as beco, result_status};
use crate::error::{Error, Result};
use crate::tag::Tag;
use crate::ttlv::Ttlv;
use crate::ttlv::Value;

/// Protocol Version (KMIP 2.1 §7.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ProtocolVersion {
    pub major: i32,
    pub minor: i32,
}

impl ProtocolVersion {
    pub const V1_0: ProtocolVersion = ProtocolVersion::new(1, 0);
    pub const V1_2: ProtocolVersion = ProtocolVersion::new(1, 2);
    pub const V1_4: ProtocolVersion = ProtocolVersion::new(1, 4);
    pub const V2_0: ProtocolVersion = ProtocolVersion::new(2, 0);
    pub const V2_1: ProtocolVersion = ProtocolVersion::new(2, 1);

    pub const fn new(major: i32, minor: i32) -> ProtocolVersion {
        ProtocolVersion { major, minor }
    }

    /// KMIP 2.x messages carry attributes as tagged items, 1.x as
    /// name/value pairs.
    pub fn is_2x(self) -> bool {
        self.major >= 2
    }

    /// Reads a `ProtocolVersion` structure.
    pub fn from_ttlv(t: &Ttlv) -> Result<ProtocolVersion> {
        Ok(ProtocolVersion::new(
            t.child_integer(Tag::ProtocolVersionMajor)?,
            t.child_integer(Tag::ProtocolVersionMinor)?,
        ))
    }

    /// The `ProtocolVersion` structure.
    pub fn to_ttlv(self) -> Ttlv {
        Ttlv::structure(
            Tag::ProtocolVersion,
            vec![
                Ttlv::integer(Tag::ProtocolVersionMajor, self.major),
                Ttlv::integer(Tag::ProtocolVersionMinor, self.minor),
            ],
        )
    }
}

impl std::fmt::Display for ProtocolVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Request Header (KMIP 2.1 §8.2), the fields a server acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestHeader {
    pub version: ProtocolVersion,
    pub maximum_response_size: Option<i32>,
    pub client_correlation_value: Option<String>,
    pub asynchronous_indicator: bool,
    pub batch_order_option: Option<bool>,
    /// Batch Error Continuation Option; Stop when absent.
    pub batch_error_continuation: u32,
    pub batch_count: i32,
}

/// One Batch Item of a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestBatchItem {
    pub operation: u32,
    pub unique_batch_item_id: Option<Vec<u8>>,
    /// The Request Payload (an empty structure when absent).
    pub payload: Ttlv,
}

/// A parsed Request Message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestMessage {
    pub header: RequestHeader,
    pub items: Vec<RequestBatchItem>,
}

impl RequestMessage {
    /// Reads the version alone, for answering a request whose other parts
    /// are malformed in the version the client speaks.
    pub fn peek_version(t: &Ttlv) -> Option<ProtocolVersion> {
        t.path(&[Tag::RequestHeader, Tag::ProtocolVersion])
            .and_then(|v| ProtocolVersion::from_ttlv(v).ok())
    }

    /// Parses a Request Message tree. Batch Count must equal the number of
    /// Batch Items (KMIP 2.1 §8.2).
    pub fn from_ttlv(t: &Ttlv) -> Result<RequestMessage> {
        if t.tag != Tag::RequestMessage {
            return Err(Error::InvalidMessage(format!(
                "expected RequestMessage, found {}",
                t.tag
            )));
        }
        let h = t.child_structure(Tag::RequestHeader)?;
        let version = ProtocolVersion::from_ttlv(h.child_structure(Tag::ProtocolVersion)?)?;
        let header = RequestHeader {
            version,
            maximum_response_size: h.opt_child_integer(Tag::MaximumResponseSize)?,
            client_correlation_value: h
                .opt_child_text(Tag::ClientCorrelationValue)?
                .map(str::to_owned),
            asynchronous_indicator: h
                .opt_child_boolean(Tag::AsynchronousIndicator)?
                .unwrap_or(false),
            batch_order_option: h.opt_child_boolean(Tag::BatchOrderOption)?,
            batch_error_continuation: h
                .opt_child_enumeration(Tag::BatchErrorContinuationOption)?
                .unwrap_or(beco::Stop),
            batch_count: h.child_integer(Tag::BatchCount)?,
        };
        let mut items = Vec::new();
        for b in t.find_all(Tag::BatchItem) {
            b.children()?;
            let payload = match b.opt_child_structure(Tag::RequestPayload)? {
                Some(p) => p.clone(),
                None => Ttlv::structure(Tag::RequestPayload, Vec::new()),
            };
            items.push(RequestBatchItem {
                operation: b.child_enumeration(Tag::Operation)?,
                unique_batch_item_id: b
                    .opt_child_bytes(Tag::UniqueBatchItemID)?
                    .map(<[u8]>::to_vec),
                payload,
            });
        }
        if items.is_empty() {
            return Err(Error::MissingField {
                parent: Tag::RequestMessage,
                tag: Tag::BatchItem,
            });
        }
        if usize::try_from(header.batch_count).ok() != Some(items.len()) {
            return Err(Error::InvalidMessage(format!(
                "Batch Count {} but {} Batch Items",
                header.batch_count,
                items.len()
            )));
        }
        Ok(RequestMessage { header, items })
    }

    /// Builds a request (a client's view): one batch item per operation.
    pub fn build(version: ProtocolVersion, items: Vec<(u32, Ttlv)>) -> Ttlv {
        let mut header = vec![version.to_ttlv()];
        header.push(Ttlv::integer(Tag::BatchCount, items.len() as i32));
        let mut children = vec![Ttlv::structure(Tag::RequestHeader, header)];
        for (op, payload) in items {
            children.push(Ttlv::structure(
                Tag::BatchItem,
                vec![Ttlv::enumeration(Tag::Operation, op), payload],
            ));
        }
        Ttlv::structure(Tag::RequestMessage, children)
    }
}

/// A Username and Password Credential (KMIP 2.1 §2.1.2, Credential Type 1).
pub fn password_credential(username: &str, password: Option<&str>) -> Ttlv {
    let mut value = vec![Ttlv::text(Tag::Username, username)];
    if let Some(p) = password {
        value.push(Ttlv::text(Tag::Password, p));
    }
    credential(crate::enums::credential_type::UsernameAndPassword, value)
}

/// A One Time Password Credential (KMIP 2.0 §2.1.2, Credential Type 4).
pub fn otp_credential(username: &str, password: Option<&str>, otp: &str) -> Ttlv {
    let mut value = vec![Ttlv::text(Tag::Username, username)];
    if let Some(p) = password {
        value.push(Ttlv::text(Tag::Password, p));
    }
    value.push(Ttlv::text(Tag::OneTimePassword, otp));
    credential(crate::enums::credential_type::OneTimePassword, value)
}

fn credential(kind: u32, value: Vec<Ttlv>) -> Ttlv {
    Ttlv::structure(
        Tag::Credential,
        vec![
            Ttlv::enumeration(Tag::CredentialType, kind),
            Ttlv::structure(Tag::CredentialValue, value),
        ],
    )
}

/// The Authentication structure of a Request Header holding `credentials`.
pub fn authentication(credentials: Vec<Ttlv>) -> Ttlv {
    Ttlv::structure(Tag::Authentication, credentials)
}

/// Puts `authentication` into a Request Message built by
/// [`RequestMessage::build`], before the Batch Count (KMIP 2.1 §8.2 order).
pub fn set_authentication(message: &mut Ttlv, authentication: Ttlv) {
    let Value::Structure(children) = &mut message.value else {
        return;
    };
    for c in children.iter_mut() {
        if c.tag != Tag::RequestHeader {
            continue;
        }
        if let Value::Structure(h) = &mut c.value {
            h.retain(|f| f.tag != Tag::Authentication);
            let at = h
                .iter()
                .position(|f| f.tag == Tag::BatchCount)
                .unwrap_or(h.len());
            h.insert(at, authentication);
        }
        return;
    }
}

/// One Batch Item of a response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseBatchItem {
    pub operation: Option<u32>,
    pub unique_batch_item_id: Option<Vec<u8>>,
    pub result_status: u32,
    pub result_reason: Option<u32>,
    pub result_message: Option<String>,
    pub payload: Option<Ttlv>,
}

impl ResponseBatchItem {
    /// A successful item with its payload.
    pub fn success(operation: u32, id: Option<Vec<u8>>, payload: Ttlv) -> ResponseBatchItem {
        ResponseBatchItem {
            operation: Some(operation),
            unique_batch_item_id: id,
            result_status: result_status::Success,
            result_reason: None,
            result_message: None,
            payload: Some(payload),
        }
    }

    /// A failed item.
    pub fn failure(
        operation: Option<u32>,
        id: Option<Vec<u8>>,
        reason: u32,
        message: impl Into<String>,
    ) -> ResponseBatchItem {
        ResponseBatchItem {
            operation,
            unique_batch_item_id: id,
            result_status: result_status::OperationFailed,
            result_reason: Some(reason),
            result_message: Some(message.into()),
            payload: None,
        }
    }

    pub fn to_ttlv(&self) -> Ttlv {
        let mut c = Vec::new();
        if let Some(op) = self.operation {
            c.push(Ttlv::enumeration(Tag::Operation, op));
        }
        if let Some(id) = &self.unique_batch_item_id {
            c.push(Ttlv::bytes(Tag::UniqueBatchItemID, id.clone()));
        }
        c.push(Ttlv::enumeration(Tag::ResultStatus, self.result_status));
        if let Some(r) = self.result_reason {
            c.push(Ttlv::enumeration(Tag::ResultReason, r));
        }
        if let Some(m) = &self.result_message {
            c.push(Ttlv::text(Tag::ResultMessage, m.clone()));
        }
        if let Some(p) = &self.payload {
            c.push(p.clone());
        }
        Ttlv::structure(Tag::BatchItem, c)
    }
}

/// Builds a Response Message (KMIP 2.1 §8.3).
pub fn response_message(
    version: ProtocolVersion,
    time_stamp: i64,
    items: &[ResponseBatchItem],
) -> Ttlv {
    let header = Ttlv::structure(
        Tag::ResponseHeader,
        vec![
            version.to_ttlv(),
            Ttlv::date_time(Tag::TimeStamp, time_stamp),
            Ttlv::integer(Tag::BatchCount, items.len() as i32),
        ],
    );
    let mut c = vec![header];
    c.extend(items.iter().map(ResponseBatchItem::to_ttlv));
    Ttlv::structure(Tag::ResponseMessage, c)
}

/// A response batch item as a client reads it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseItem {
    pub operation: Option<u32>,
    pub result_status: u32,
    pub result_reason: Option<u32>,
    pub result_message: Option<String>,
    pub payload: Option<Ttlv>,
}

/// Reads the batch items of a Response Message (a client's view).
pub fn parse_response(t: &Ttlv) -> Result<(ProtocolVersion, Vec<ResponseItem>)> {
    let h = t.child_structure(Tag::ResponseHeader)?;
    let version = ProtocolVersion::from_ttlv(h.child_structure(Tag::ProtocolVersion)?)?;
    let mut items = Vec::new();
    for b in t.find_all(Tag::BatchItem) {
        items.push(ResponseItem {
            operation: b.opt_child_enumeration(Tag::Operation)?,
            result_status: b.child_enumeration(Tag::ResultStatus)?,
            result_reason: b.opt_child_enumeration(Tag::ResultReason)?,
            result_message: b.opt_child_text(Tag::ResultMessage)?.map(str::to_owned),
            payload: b.opt_child_structure(Tag::ResponsePayload)?.cloned(),
        });
    }
    Ok((version, items))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enums::operation;

    #[test]
    fn request_round_trip() {
        let t = RequestMessage::build(
            ProtocolVersion::V1_2,
            vec![(
                operation::Get,
                Ttlv::structure(
                    Tag::RequestPayload,
                    vec![Ttlv::text(Tag::UniqueIdentifier, "x")],
                ),
            )],
        );
        let m = RequestMessage::from_ttlv(&t).unwrap();
        assert_eq!(m.header.version, ProtocolVersion::V1_2);
        assert_eq!(m.header.batch_error_continuation, beco::Stop);
        assert_eq!(m.items.len(), 1);
        assert_eq!(m.items[0].operation, operation::Get);
    }

    #[test]
    fn batch_count_must_match() {
        let mut t = RequestMessage::build(ProtocolVersion::V2_0, vec![]);
        assert!(RequestMessage::from_ttlv(&t).is_err());
        t.push(Ttlv::structure(
            Tag::BatchItem,
            vec![Ttlv::enumeration(Tag::Operation, operation::Query)],
        ))
        .unwrap();
        assert!(RequestMessage::from_ttlv(&t).is_err(), "count 0, one item");
    }
}
