//! KMIP 1.x Templates: registered, found, read back, and applied by the
//! requests that name them (KMIP 1.4 §2.2.6 Template, §2.1.8
//! Template-Attribute), refused in KMIP 2.x, where Templates are gone.

mod common;

use kmip::enums::{
    cryptographic_algorithm as ca, object_type as ot, operation as op, result_reason as rr,
    result_status as rs,
};
use kmip::{ProtocolVersion, Tag, Ttlv};

type C = kmip::client::Client<openssl::ssl::SslStream<std::net::TcpStream>>;

fn payload(children: Vec<Ttlv>) -> Ttlv {
    Ttlv::structure(Tag::RequestPayload, children)
}

fn attribute(name: &str, value: Ttlv) -> Ttlv {
    Ttlv::structure(
        Tag::Attribute,
        vec![
            Ttlv::text(Tag::AttributeName, name),
            Ttlv::new(Tag::AttributeValue, value.value),
        ],
    )
}

fn name(n: &str) -> Ttlv {
    Ttlv::structure(
        Tag::Name,
        vec![
            Ttlv::text(Tag::NameValue, n),
            Ttlv::enumeration(Tag::NameType, 1),
        ],
    )
}

fn call(c: &mut C, operation: u32, p: Vec<Ttlv>) -> kmip::message::ResponseItem {
    c.call(operation, payload(p)).unwrap()
}

fn ok(c: &mut C, operation: u32, p: Vec<Ttlv>) -> Ttlv {
    let r = call(c, operation, p);
    assert_eq!(r.result_status, rs::Success, "{:?}", r.result_message);
    r.payload.unwrap()
}

/// The value of the 1.x attribute `name` of `uid`.
fn attribute_value(c: &mut C, uid: &str, name: &str) -> Option<Ttlv> {
    let p = ok(
        c,
        op::GetAttributes,
        vec![
            Ttlv::text(Tag::UniqueIdentifier, uid),
            Ttlv::text(Tag::AttributeName, name),
        ],
    );
    let value = p
        .find_all(Tag::Attribute)
        .find(|a| a.child_text(Tag::AttributeName).ok() == Some(name))
        .and_then(|a| a.find(Tag::AttributeValue).cloned());
    value
}

#[test]
fn templates_are_registered_and_applied_by_name() {
    let server = common::Server::start();
    let mut c = server.client(ProtocolVersion::V1_4);
    let held = vec![
        attribute(
            "Cryptographic Algorithm",
            Ttlv::enumeration(Tag::CryptographicAlgorithm, ca::AES),
        ),
        attribute(
            "Cryptographic Length",
            Ttlv::integer(Tag::CryptographicLength, 128),
        ),
        attribute(
            "Cryptographic Usage Mask",
            Ttlv::integer(Tag::CryptographicUsageMask, 0x0C),
        ),
    ];
    let template_uid = ok(
        &mut c,
        op::Register,
        vec![
            Ttlv::enumeration(Tag::ObjectType, ot::Template),
            Ttlv::structure(
                Tag::TemplateAttribute,
                vec![attribute("Name", name("aes-template"))],
            ),
            Ttlv::structure(Tag::Template, held.clone()),
        ],
    )
    .child_text(Tag::UniqueIdentifier)
    .unwrap()
    .to_string();

    // Read back as registered, and found by type and by name.
    let got = ok(
        &mut c,
        op::Get,
        vec![Ttlv::text(Tag::UniqueIdentifier, &template_uid)],
    );
    assert_eq!(
        got.child_enumeration(Tag::ObjectType).unwrap(),
        ot::Template
    );
    assert_eq!(
        got.child_structure(Tag::Template)
            .unwrap()
            .find_all(Tag::Attribute)
            .count(),
        3
    );
    let found = ok(
        &mut c,
        op::Locate,
        vec![attribute(
            "Object Type",
            Ttlv::enumeration(Tag::ObjectType, ot::Template),
        )],
    );
    let found: Vec<&str> = found
        .find_all(Tag::UniqueIdentifier)
        .map(|u| u.as_text().unwrap())
        .collect();
    assert_eq!(found, [template_uid.as_str()]);

    // Create naming it: the template's attributes, the request's own
    // overriding them (256 bits), and not the template's Name.
    let key = ok(
        &mut c,
        op::Create,
        vec![
            Ttlv::enumeration(Tag::ObjectType, ot::SymmetricKey),
            Ttlv::structure(
                Tag::TemplateAttribute,
                vec![
                    name("aes-template"),
                    attribute(
                        "Cryptographic Length",
                        Ttlv::integer(Tag::CryptographicLength, 256),
                    ),
                ],
            ),
        ],
    )
    .child_text(Tag::UniqueIdentifier)
    .unwrap()
    .to_string();
    assert_eq!(
        attribute_value(&mut c, &key, "Cryptographic Algorithm")
            .unwrap()
            .as_enumeration()
            .unwrap(),
        ca::AES
    );
    assert_eq!(
        attribute_value(&mut c, &key, "Cryptographic Length")
            .unwrap()
            .as_integer()
            .unwrap(),
        256
    );
    assert_eq!(
        attribute_value(&mut c, &key, "Cryptographic Usage Mask")
            .unwrap()
            .as_integer()
            .unwrap(),
        0x0C
    );
    assert!(attribute_value(&mut c, &key, "Name").is_none());

    // An unknown name is not found.
    let r = call(
        &mut c,
        op::Create,
        vec![
            Ttlv::enumeration(Tag::ObjectType, ot::SymmetricKey),
            Ttlv::structure(Tag::TemplateAttribute, vec![name("no-such-template")]),
        ],
    );
    assert_eq!(
        r.result_reason,
        Some(rr::ItemNotFound),
        "{:?}",
        r.result_message
    );

    // Destroyed, it is no longer applied.
    ok(
        &mut c,
        op::Destroy,
        vec![Ttlv::text(Tag::UniqueIdentifier, &template_uid)],
    );
    let r = call(
        &mut c,
        op::Create,
        vec![
            Ttlv::enumeration(Tag::ObjectType, ot::SymmetricKey),
            Ttlv::structure(Tag::TemplateAttribute, vec![name("aes-template")]),
        ],
    );
    assert_eq!(
        r.result_reason,
        Some(rr::ItemNotFound),
        "{:?}",
        r.result_message
    );

    // KMIP 2.x: no Templates, and Query lists none.
    let mut c2 = server.client(ProtocolVersion::V2_1);
    let r = call(
        &mut c2,
        op::Register,
        vec![
            Ttlv::enumeration(Tag::ObjectType, ot::Template),
            Ttlv::structure(Tag::Attributes, vec![]),
            Ttlv::structure(Tag::Template, held),
        ],
    );
    assert_eq!(
        r.result_reason,
        Some(rr::InvalidObjectType),
        "{:?}",
        r.result_message
    );
    let lists_template = |c: &mut C| {
        ok(
            c,
            op::Query,
            vec![Ttlv::enumeration(
                Tag::QueryFunction,
                kmip::enums::query_function::QueryObjects,
            )],
        )
        .find_all(Tag::ObjectType)
        .any(|t| t.as_enumeration().ok() == Some(ot::Template))
    };
    assert!(lists_template(&mut c));
    assert!(!lists_template(&mut c2));
}
