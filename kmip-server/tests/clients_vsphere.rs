//! VMware vSphere (vCenter Server as a KMIP client of a "standard key
//! provider"; closed source: this follows VMware's public vSphere Security
//! documentation on VM encryption and key servers). vCenter speaks KMIP 1.1;
//! it starts every connection with Discover Versions, checks the server with
//! Query, asks for a new AES-256 key encryption key per VM or host with
//! Create and tags the key with KMIP custom attributes (`x-` names: vendor,
//! product, product version, component, the VM or host name and its
//! identifier), reads those back with Get Attributes, and Gets the key (by
//! its identifier only, which is all vCenter stores) to hand it to ESXi
//! hosts; keys are activated.

mod common;

use common::wire::{self, attr, enumeration, int, template, text, uid, uid_of, Header};
use common::Server;
use kmip::enums::{operation as op, query_function as qf, state};
use kmip::{ProtocolVersion, Tag, Ttlv};

const V: ProtocolVersion = ProtocolVersion::new(1, 1);

const CUSTOM: &[(&str, &str)] = &[
    ("x-Vendor", "VMware, Inc."),
    ("x-Product", "VMware vSphere"),
    ("x-Product_Version", "8.0.2"),
    ("x-Component", "Virtual Machine"),
    ("x-Name", "finance-db-01"),
    ("x-Identifier", "5029a1f6-3c0e-4a8f-9d61-2b7e0c3f4a11"),
];

/// A new vCenter connection: Discover Versions first, listing 1.1 and 1.0.
fn connect(s: &Server) -> wire::Conn {
    let mut c = s.client_as("vcenter", V);
    let p = wire::ok(
        &mut c,
        V,
        &Header::default(),
        op::DiscoverVersions,
        vec![V.to_ttlv(), ProtocolVersion::V1_0.to_ttlv()],
    );
    let versions: Vec<ProtocolVersion> = p
        .find_all(Tag::ProtocolVersion)
        .map(|v| ProtocolVersion::from_ttlv(v).unwrap())
        .collect();
    assert_eq!(
        versions,
        vec![V, ProtocolVersion::V1_0],
        "the versions both speak, in vCenter's order"
    );
    c
}

fn get_attributes(c: &mut wire::Conn, id: &str, names: &[&str]) -> Ttlv {
    let mut p = vec![uid(id)];
    p.extend(names.iter().map(|n| Ttlv::text(Tag::AttributeName, *n)));
    let r = wire::ok(c, V, &Header::default(), op::GetAttributes, p);
    assert_eq!(uid_of(&r), id);
    r
}

#[test]
fn vcenter_discover_query_create_with_custom_attributes_get_activate() {
    let s = Server::start();
    let mut c = connect(&s);

    let p = wire::ok(
        &mut c,
        V,
        &Header::default(),
        op::Query,
        vec![
            Ttlv::enumeration(Tag::QueryFunction, qf::QueryOperations),
            Ttlv::enumeration(Tag::QueryFunction, qf::QueryObjects),
        ],
    );
    let ops: Vec<u32> = p
        .find_all(Tag::Operation)
        .map(|o| o.as_enumeration().unwrap())
        .collect();
    for needed in [
        op::DiscoverVersions,
        op::Query,
        op::Create,
        op::GetAttributes,
        op::Get,
        op::Activate,
    ] {
        assert!(ops.contains(&needed), "Query lists operation {needed:#x}");
    }
    assert!(p
        .find_all(Tag::ObjectType)
        .any(|t| t.as_enumeration().ok() == Some(2)));

    let mut attrs = vec![
        attr("Cryptographic Algorithm", enumeration(3)),
        attr("Cryptographic Length", int(256)),
        attr("Cryptographic Usage Mask", int(4 | 8)),
    ];
    attrs.extend(CUSTOM.iter().map(|(n, v)| attr(n, text(v))));
    let p = wire::ok(
        &mut c,
        V,
        &Header::default(),
        op::Create,
        vec![Ttlv::enumeration(Tag::ObjectType, 2), template(attrs)],
    );
    let id = uid_of(&p);

    // The custom attributes come back by name, as given.
    let names: Vec<&str> = CUSTOM.iter().map(|(n, _)| *n).collect();
    let r = get_attributes(&mut c, &id, &names);
    for (n, v) in CUSTOM {
        let got = wire::attribute_value(&r, n).unwrap_or_else(|| panic!("{n} missing: {r:?}"));
        assert_eq!(got.as_text().unwrap(), *v, "{n}");
    }
    // One at a time too, and the standard ones beside them.
    let r = get_attributes(&mut c, &id, &["x-Name", "Cryptographic Length"]);
    assert_eq!(
        wire::attribute_value(&r, "x-Name")
            .unwrap()
            .as_text()
            .unwrap(),
        "finance-db-01"
    );
    assert_eq!(
        wire::attribute_value(&r, "Cryptographic Length")
            .unwrap()
            .as_integer()
            .unwrap(),
        256
    );

    // Get Attribute List names them as they were set.
    let r = wire::ok(
        &mut c,
        V,
        &Header::default(),
        op::GetAttributeList,
        vec![uid(&id)],
    );
    let listed: Vec<&str> = r
        .find_all(Tag::AttributeName)
        .map(|n| n.as_text().unwrap())
        .collect();
    for n in &names {
        assert!(listed.contains(n), "{n} not in {listed:?}");
    }
    // A 1.x Delete Attribute by an `x-` name removes exactly that one.
    wire::ok(
        &mut c,
        V,
        &Header::default(),
        op::DeleteAttribute,
        vec![uid(&id), Ttlv::text(Tag::AttributeName, "x-Identifier")],
    );
    let r = get_attributes(&mut c, &id, &["x-Identifier", "x-Vendor"]);
    assert!(wire::attribute_value(&r, "x-Identifier").is_none());
    assert!(wire::attribute_value(&r, "x-Vendor").is_some());

    wire::ok(&mut c, V, &Header::default(), op::Activate, vec![uid(&id)]);
    let r = get_attributes(&mut c, &id, &["State"]);
    assert_eq!(
        wire::attribute_value(&r, "State")
            .unwrap()
            .as_enumeration()
            .unwrap(),
        state::Active
    );

    // vCenter hands the key to a host from another connection, which again
    // starts with Discover Versions.
    let mut later = connect(&s);
    let p = wire::ok(&mut later, V, &Header::default(), op::Get, vec![uid(&id)]);
    assert_eq!(uid_of(&p), id);
    let (format, key) = wire::key_material(&p, Tag::SymmetricKey);
    assert_eq!(format, 1, "Raw");
    assert_eq!(key.len(), 32, "AES-256");
    let mut third = connect(&s);
    let p = wire::ok(&mut third, V, &Header::default(), op::Get, vec![uid(&id)]);
    assert_eq!(wire::key_material(&p, Tag::SymmetricKey).1, key);
}
