//! Adjust Attribute (KMIP 2.1 §6.1.3) and Set Endpoint Role (§6.1.54)
//! against the real server over mutual TLS: each adjustable type, the
//! refusals (server-set attribute, wrong type, missing value, destroyed or
//! unknown object, another identity without the grant), an undone batch,
//! and KMIP 1.x clients, to whom both operations do not exist.

mod common;

use common::access_ops::*;
use common::Server;
use kmip::enums::{
    adjustment_type as at, batch_error_continuation_option as beco, cryptographic_algorithm as ca,
    cryptographic_usage_mask as um, endpoint_role as er, operation as op, query_function as qf,
    result_reason as rr, result_status as rs,
};
use kmip::message::ResponseItem;
use kmip::{ProtocolVersion, Tag, Ttlv, Value};

const VENDOR: &str = "acme";

fn vendor_attribute(name: &str, value: Ttlv) -> Ttlv {
    Ttlv::structure(
        Tag::Attribute,
        vec![
            Ttlv::text(Tag::VendorIdentification, VENDOR),
            Ttlv::text(Tag::AttributeName, name),
            Ttlv::new(Tag::AttributeValue, value.value),
        ],
    )
}

fn vendor_reference(name: &str) -> Ttlv {
    Ttlv::structure(
        Tag::AttributeReference,
        vec![
            Ttlv::text(Tag::VendorIdentification, VENDOR),
            Ttlv::text(Tag::AttributeName, name),
        ],
    )
}

fn std_reference(tag: Tag) -> Ttlv {
    Ttlv::enumeration(Tag::AttributeReference, tag.value())
}

fn add(c: &mut C, u: &str, attribute: Ttlv) {
    ok(
        c,
        op::AddAttribute,
        vec![uid(u), Ttlv::structure(Tag::NewAttribute, vec![attribute])],
    );
}

fn adjust(c: &mut C, u: &str, reference: Ttlv, kind: u32, amount: Option<Ttlv>) -> ResponseItem {
    let mut p = vec![
        uid(u),
        reference,
        Ttlv::enumeration(Tag::AdjustmentType, kind),
    ];
    p.extend(amount);
    call(c, op::AdjustAttribute, p)
}

fn adjusted(c: &mut C, u: &str, reference: Ttlv, kind: u32, amount: Option<Ttlv>) {
    let r = adjust(c, u, reference, kind, amount);
    assert_eq!(r.result_status, rs::Success, "{:?}", r.result_message);
    let p = r.payload.expect("payload");
    assert_eq!(uid_of(&p), u, "the answer names the object");
}

fn refused(r: &ResponseItem, reason: u32, what: &str) {
    assert_eq!(r.result_status, rs::OperationFailed, "{what}: {r:?}");
    assert_eq!(r.result_reason, Some(reason), "{what}: {r:?}");
}

/// The values the server holds for attribute `reference` of `u`.
fn values(c: &mut C, u: &str, reference: Ttlv) -> Vec<Value> {
    let p = ok(c, op::GetAttributes, vec![uid(u), reference.clone()]);
    let Some(attrs) = p.find(Tag::Attributes) else {
        return Vec::new();
    };
    let Ok(children) = attrs.children() else {
        return Vec::new();
    };
    children
        .iter()
        .map(|a| match a.find(Tag::AttributeValue) {
            Some(v) if a.tag == Tag::Attribute => v.value.clone(),
            _ => a.value.clone(),
        })
        .collect()
}

fn aes(c: &mut C, label: &str, pre_active: bool) -> String {
    create(
        c,
        ca::AES,
        128,
        um::Encrypt | um::Decrypt,
        label,
        pre_active,
    )
}

#[test]
fn adjusts_every_supported_type() {
    let s = Server::start();
    let mut c = s.client(V);
    let k = aes(&mut c, "adjust-types", true);
    add(
        &mut c,
        &k,
        vendor_attribute("count", Ttlv::integer(Tag::AttributeValue, 10)),
    );
    add(
        &mut c,
        &k,
        vendor_attribute("bytes", Ttlv::long_integer(Tag::AttributeValue, 1 << 40)),
    );
    add(
        &mut c,
        &k,
        vendor_attribute(
            "serial",
            Ttlv::big_integer(Tag::AttributeValue, vec![0, 0, 0, 0, 0, 0, 0, 0xFF]),
        ),
    );
    add(
        &mut c,
        &k,
        vendor_attribute("period", Ttlv::interval(Tag::AttributeValue, 3600)),
    );
    add(&mut c, &k, Ttlv::interval(Tag::RotateInterval, 86_400));
    let start = now() + 3600;
    add(&mut c, &k, Ttlv::date_time(Tag::ProcessStartDate, start));

    // Integer: up, down past zero, sign.
    let count = || vendor_reference("count");
    adjusted(
        &mut c,
        &k,
        count(),
        at::Increment,
        Some(Ttlv::integer(Tag::AdjustmentValue, 5)),
    );
    assert_eq!(values(&mut c, &k, count()), vec![Value::Integer(15)]);
    adjusted(
        &mut c,
        &k,
        count(),
        at::Decrement,
        Some(Ttlv::integer(Tag::AdjustmentValue, 20)),
    );
    assert_eq!(values(&mut c, &k, count()), vec![Value::Integer(-5)]);
    adjusted(&mut c, &k, count(), at::Negate, None);
    assert_eq!(values(&mut c, &k, count()), vec![Value::Integer(5)]);

    // Long Integer.
    adjusted(
        &mut c,
        &k,
        vendor_reference("bytes"),
        at::Decrement,
        Some(Ttlv::long_integer(Tag::AdjustmentValue, 1)),
    );
    assert_eq!(
        values(&mut c, &k, vendor_reference("bytes")),
        vec![Value::LongInteger((1 << 40) - 1)]
    );

    // Big Integer: 255 + 1 carries into the next byte; negated it is -256.
    adjusted(
        &mut c,
        &k,
        vendor_reference("serial"),
        at::Increment,
        Some(Ttlv::big_integer(
            Tag::AdjustmentValue,
            vec![0, 0, 0, 0, 0, 0, 0, 1],
        )),
    );
    assert_eq!(
        values(&mut c, &k, vendor_reference("serial")),
        vec![Value::BigInteger(vec![0, 0, 0, 0, 0, 0, 1, 0])]
    );
    adjusted(&mut c, &k, vendor_reference("serial"), at::Negate, None);
    assert_eq!(
        values(&mut c, &k, vendor_reference("serial")),
        vec![Value::BigInteger(vec![
            0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0
        ])]
    );

    // Interval, vendor and standard (Rotate Interval).
    adjusted(
        &mut c,
        &k,
        vendor_reference("period"),
        at::Decrement,
        Some(Ttlv::interval(Tag::AdjustmentValue, 600)),
    );
    assert_eq!(
        values(&mut c, &k, vendor_reference("period")),
        vec![Value::Interval(3000)]
    );
    adjusted(
        &mut c,
        &k,
        std_reference(Tag::RotateInterval),
        at::Increment,
        Some(Ttlv::interval(Tag::AdjustmentValue, 3600)),
    );
    assert_eq!(
        values(&mut c, &k, std_reference(Tag::RotateInterval)),
        vec![Value::Interval(90_000)]
    );

    // Date-Time, moved by an Interval: a stored lifecycle date and the
    // Activation Date of a Pre-Active key (which the key's state follows).
    adjusted(
        &mut c,
        &k,
        std_reference(Tag::ProcessStartDate),
        at::Increment,
        Some(Ttlv::interval(Tag::AdjustmentValue, 60)),
    );
    assert_eq!(
        values(&mut c, &k, std_reference(Tag::ProcessStartDate)),
        vec![Value::DateTime(start + 60)]
    );
    add(
        &mut c,
        &k,
        Ttlv::date_time(Tag::ActivationDate, now() + 86_400),
    );
    adjusted(
        &mut c,
        &k,
        std_reference(Tag::ActivationDate),
        at::Decrement,
        Some(Ttlv::interval(Tag::AdjustmentValue, 2 * 86_400)),
    );
    let state = values(&mut c, &k, std_reference(Tag::State));
    assert_eq!(
        state,
        vec![Value::Enumeration(2)],
        "an Activation Date moved into the past activates the key"
    );
}

#[test]
fn refusals() {
    let s = Server::start();
    let mut c = s.client(V);
    let k = aes(&mut c, "adjust-refusals", false);
    add(
        &mut c,
        &k,
        vendor_attribute("count", Ttlv::integer(Tag::AttributeValue, i32::MAX)),
    );
    add(
        &mut c,
        &k,
        vendor_attribute("note", Ttlv::text(Tag::AttributeValue, "text")),
    );
    let one = || Some(Ttlv::integer(Tag::AdjustmentValue, 1));
    let minute = || Some(Ttlv::interval(Tag::AdjustmentValue, 60));

    // Attributes only the server sets.
    for tag in [Tag::InitialDate, Tag::LastChangeDate] {
        let r = adjust(&mut c, &k, std_reference(tag), at::Increment, minute());
        refused(&r, rr::AttributeReadOnly, &format!("{tag:?}"));
    }
    // Types that cannot be adjusted, and amounts of the wrong type.
    let r = adjust(&mut c, &k, vendor_reference("note"), at::Increment, one());
    refused(&r, rr::InvalidField, "a Text String attribute");
    let r = adjust(
        &mut c,
        &k,
        std_reference(Tag::CryptographicAlgorithm),
        at::Increment,
        one(),
    );
    refused(&r, rr::InvalidField, "an Enumeration attribute");
    let r = adjust(
        &mut c,
        &k,
        vendor_reference("count"),
        at::Increment,
        minute(),
    );
    refused(&r, rr::InvalidField, "an Interval amount for an Integer");
    // Out of range, missing amount, no such attribute.
    let r = adjust(&mut c, &k, vendor_reference("count"), at::Increment, one());
    refused(&r, rr::NumericRange, "Integer overflow");
    let r = adjust(&mut c, &k, vendor_reference("count"), at::Decrement, None);
    refused(&r, rr::MissingData, "Decrement without an Adjustment Value");
    let r = adjust(&mut c, &k, vendor_reference("absent"), at::Increment, one());
    refused(&r, rr::AttributeNotFound, "an attribute the object lacks");
    // The Activation Date of an active key stays put.
    let r = adjust(
        &mut c,
        &k,
        std_reference(Tag::ActivationDate),
        at::Increment,
        minute(),
    );
    refused(
        &r,
        rr::WrongKeyLifecycleState,
        "Activation Date of an Active key",
    );
    // None of that changed anything.
    assert_eq!(
        values(&mut c, &k, vendor_reference("count")),
        vec![Value::Integer(i32::MAX)]
    );

    // Unknown and destroyed objects.
    let r = adjust(
        &mut c,
        "no-such-object",
        vendor_reference("count"),
        at::Increment,
        one(),
    );
    refused(&r, rr::ObjectNotFound, "an unknown object");
    let gone = aes(&mut c, "adjust-destroyed", true);
    add(
        &mut c,
        &gone,
        vendor_attribute("count", Ttlv::integer(Tag::AttributeValue, 1)),
    );
    ok(&mut c, op::Destroy, vec![uid(&gone)]);
    let r = adjust(
        &mut c,
        &gone,
        vendor_reference("count"),
        at::Increment,
        one(),
    );
    refused(&r, rr::ObjectDestroyed, "a destroyed object");
}

/// Another identity needs the grant Modify Attribute needs.
#[test]
fn another_identity_needs_the_modify_attributes_grant() {
    let s = Server::start();
    s.admin(&["identity", "add", "bob"], "");
    let mut alice = s.client_as("alice", V);
    let mut bob = s.client_as("bob", V);
    let k = aes(&mut alice, "adjust-shared", false);
    add(
        &mut alice,
        &k,
        vendor_attribute("count", Ttlv::integer(Tag::AttributeValue, 1)),
    );
    let one = || Some(Ttlv::integer(Tag::AdjustmentValue, 1));

    let r = adjust(
        &mut bob,
        &k,
        vendor_reference("count"),
        at::Increment,
        one(),
    );
    assert_not_found(&r, "without a grant");
    s.admin(&["grant", "add", &k, "bob", "get-attributes"], "");
    let r = adjust(
        &mut bob,
        &k,
        vendor_reference("count"),
        at::Increment,
        one(),
    );
    refused(&r, rr::PermissionDenied, "with only get-attributes");
    s.admin(&["grant", "add", &k, "bob", "modify-attributes"], "");
    adjusted(
        &mut bob,
        &k,
        vendor_reference("count"),
        at::Increment,
        one(),
    );
    s.admin(&["grant", "revoke", &k, "bob"], "");
    let r = adjust(
        &mut bob,
        &k,
        vendor_reference("count"),
        at::Increment,
        one(),
    );
    assert_not_found(&r, "after the grant went");

    assert_eq!(
        values(&mut alice, &k, vendor_reference("count")),
        vec![Value::Integer(2)],
        "only the granted adjustment happened"
    );
    let denied = audit_json(&s, "bob")
        .iter()
        .filter(|e| e["operation"] == "access.denied")
        .count();
    assert!(denied >= 2, "{denied} denials logged");
}

/// A batch with Undo takes an adjustment back when a later item fails.
#[test]
fn an_undone_batch_takes_the_adjustment_back() {
    let s = Server::start();
    let mut c = s.client(V);
    let k = aes(&mut c, "adjust-undo", false);
    add(
        &mut c,
        &k,
        vendor_attribute("count", Ttlv::integer(Tag::AttributeValue, 7)),
    );
    let item = |operation: u32, p: Vec<Ttlv>| {
        Ttlv::structure(
            Tag::BatchItem,
            vec![Ttlv::enumeration(Tag::Operation, operation), payload(p)],
        )
    };
    let message = Ttlv::structure(
        Tag::RequestMessage,
        vec![
            Ttlv::structure(
                Tag::RequestHeader,
                vec![
                    V.to_ttlv(),
                    Ttlv::enumeration(Tag::BatchErrorContinuationOption, beco::Undo),
                    Ttlv::integer(Tag::BatchCount, 2),
                ],
            ),
            item(
                op::AdjustAttribute,
                vec![
                    uid(&k),
                    vendor_reference("count"),
                    Ttlv::enumeration(Tag::AdjustmentType, at::Increment),
                    Ttlv::integer(Tag::AdjustmentValue, 100),
                ],
            ),
            item(op::Get, vec![uid("no-such-object")]),
        ],
    );
    let response = c.send(&message).expect("round trip");
    let status: Vec<u32> = response
        .find_all(Tag::BatchItem)
        .filter_map(|b| b.child_enumeration(Tag::ResultStatus).ok())
        .collect();
    assert_eq!(status, [rs::OperationUndone, rs::OperationFailed]);
    assert_eq!(
        values(&mut c, &k, vendor_reference("count")),
        vec![Value::Integer(7)]
    );
}

#[test]
fn set_endpoint_role_keeps_the_server_a_server() {
    let s = Server::start();
    let mut c = s.client(V);
    let p = ok(
        &mut c,
        op::SetEndpointRole,
        vec![Ttlv::enumeration(Tag::EndpointRole, er::Server)],
    );
    assert_eq!(
        p.child_enumeration(Tag::EndpointRole).ok(),
        Some(er::Server)
    );
    let r = call(
        &mut c,
        op::SetEndpointRole,
        vec![Ttlv::enumeration(Tag::EndpointRole, er::Client)],
    );
    refused(
        &r,
        rr::FeatureNotSupported,
        "asking the server to be a client",
    );
    let r = call(&mut c, op::SetEndpointRole, vec![]);
    refused(&r, rr::MissingData, "no Endpoint Role");
    let r = call(
        &mut c,
        op::SetEndpointRole,
        vec![Ttlv::enumeration(Tag::EndpointRole, 7)],
    );
    refused(&r, rr::InvalidField, "an undefined Endpoint Role");
    // The connection still serves.
    aes(&mut c, "after-endpoint-role", false);
}

#[test]
fn kmip_1x_clients_have_neither_operation() {
    let s = Server::start();
    let mut modern = s.client(V);
    let k = aes(&mut modern, "adjust-1x", false);
    add(
        &mut modern,
        &k,
        vendor_attribute("count", Ttlv::integer(Tag::AttributeValue, 1)),
    );
    let listed = |c: &mut C| -> Vec<u32> {
        let p = ok(
            c,
            op::Query,
            vec![Ttlv::enumeration(Tag::QueryFunction, qf::QueryOperations)],
        );
        p.find_all(Tag::Operation)
            .filter_map(|o| o.as_enumeration().ok())
            .collect()
    };
    let ops = listed(&mut modern);
    assert!(ops.contains(&op::AdjustAttribute), "{ops:?}");
    assert!(ops.contains(&op::SetEndpointRole), "{ops:?}");

    for version in [ProtocolVersion::V1_4, ProtocolVersion::V1_0] {
        let mut old = s.client(version);
        let r = adjust(
            &mut old,
            &k,
            vendor_reference("count"),
            at::Increment,
            Some(Ttlv::integer(Tag::AdjustmentValue, 1)),
        );
        refused(
            &r,
            rr::OperationNotSupported,
            &format!("Adjust over {version}"),
        );
        let r = call(
            &mut old,
            op::SetEndpointRole,
            vec![Ttlv::enumeration(Tag::EndpointRole, er::Server)],
        );
        refused(
            &r,
            rr::OperationNotSupported,
            &format!("Set Endpoint Role over {version}"),
        );
        let ops = listed(&mut old);
        assert!(ops.contains(&op::Get), "{ops:?}");
        assert!(!ops.contains(&op::AdjustAttribute), "{version}: {ops:?}");
        assert!(!ops.contains(&op::SetEndpointRole), "{version}: {ops:?}");
    }
    assert_eq!(
        values(&mut modern, &k, vendor_reference("count")),
        vec![Value::Integer(1)]
    );
}
