//! Get with a Key Wrapping Specification, Re-key and Derive Key over the
//! real server, checked against the primitives' standards (RFC 3394 unwrap,
//! RFC 5869 test case 1).

mod common;

use kmip::enums::{
    block_cipher_mode as bcm, cryptographic_algorithm as ca, derivation_method as dm,
    encoding_option, hashing_algorithm as ha, link_type, operation as op, result_status as rs,
    wrapping_method,
};
use kmip::{ProtocolVersion, Tag, Ttlv};

fn payload(children: Vec<Ttlv>) -> Ttlv {
    Ttlv::structure(Tag::RequestPayload, children)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

type C = kmip::client::Client<openssl::ssl::SslStream<std::net::TcpStream>>;

fn ok(c: &mut C, operation: u32, p: Vec<Ttlv>) -> Ttlv {
    let r = c.call(operation, payload(p)).unwrap();
    assert_eq!(r.result_status, rs::Success, "{:?}", r.result_message);
    r.payload.unwrap()
}

fn uid_of(p: &Ttlv) -> String {
    p.child_text(Tag::UniqueIdentifier).unwrap().to_string()
}

fn uid(u: &str) -> Ttlv {
    Ttlv::text(Tag::UniqueIdentifier, u)
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

fn create(c: &mut C, alg: u32, bits: i32, mask: i32, extra: Vec<Ttlv>) -> String {
    let mut attributes = vec![
        Ttlv::enumeration(Tag::CryptographicAlgorithm, alg),
        Ttlv::integer(Tag::CryptographicLength, bits),
        Ttlv::integer(Tag::CryptographicUsageMask, mask),
        Ttlv::date_time(Tag::ActivationDate, now() - 60),
    ];
    attributes.extend(extra);
    uid_of(&ok(
        c,
        op::Create,
        vec![
            Ttlv::enumeration(Tag::ObjectType, 2),
            Ttlv::structure(Tag::Attributes, attributes),
        ],
    ))
}

/// The raw key material of a symmetric key (Get without wrapping).
fn material(c: &mut C, u: &str) -> Vec<u8> {
    let p = ok(c, op::Get, vec![uid(u)]);
    p.require_path(&[
        Tag::SymmetricKey,
        Tag::KeyBlock,
        Tag::KeyValue,
        Tag::KeyMaterial,
    ])
    .unwrap()
    .as_bytes()
    .unwrap()
    .to_vec()
}

#[test]
fn get_wraps_with_nist_key_wrap() {
    let server = common::Server::start();
    let mut c = server.client(ProtocolVersion::V2_1);
    let kek = create(&mut c, ca::AES, 256, 0x10, vec![]);
    let key = create(&mut c, ca::AES, 128, 0x04, vec![]);
    let spec = Ttlv::structure(
        Tag::KeyWrappingSpecification,
        vec![
            Ttlv::enumeration(Tag::WrappingMethod, wrapping_method::Encrypt),
            Ttlv::structure(
                Tag::EncryptionKeyInformation,
                vec![
                    uid(&kek),
                    Ttlv::structure(
                        Tag::CryptographicParameters,
                        vec![Ttlv::enumeration(Tag::BlockCipherMode, bcm::NISTKeyWrap)],
                    ),
                ],
            ),
            Ttlv::enumeration(Tag::EncodingOption, encoding_option::NoEncoding),
        ],
    );
    let p = ok(&mut c, op::Get, vec![uid(&key), spec]);
    let block = p.require_path(&[Tag::SymmetricKey, Tag::KeyBlock]).unwrap();
    let wrapped = block.child_bytes(Tag::KeyValue).unwrap();
    assert_eq!(wrapped.len(), 24, "RFC 3394 adds 8 bytes");
    assert_eq!(
        block
            .require_path(&[Tag::KeyWrappingData, Tag::WrappingMethod])
            .unwrap()
            .as_enumeration()
            .unwrap(),
        wrapping_method::Encrypt
    );
    let kek_bytes = material(&mut c, &kek);
    let unwrapped = keystore::crypto::aes_key_unwrap(&kek_bytes, wrapped).unwrap();
    assert_eq!(unwrapped.expose(), material(&mut c, &key).as_slice());
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let k = openssl::pkey::PKey::hmac(key).unwrap();
    let mut s = openssl::sign::Signer::new(openssl::hash::MessageDigest::sha256(), &k).unwrap();
    s.update(data).unwrap();
    s.sign_to_vec().unwrap()
}

fn key_information(tag: Tag, key: &str, params: Vec<Ttlv>) -> Ttlv {
    let mut children = vec![uid(key)];
    if !params.is_empty() {
        children.push(Ttlv::structure(Tag::CryptographicParameters, params));
    }
    Ttlv::structure(tag, children)
}

/// MAC/sign wrapping: the Key Value stays and the Key Wrapping Data carries
/// the HMAC of the key material; Encrypt then MAC/sign MACs the wrapped
/// bytes; a sensitive key is not handed out merely MACed; a method without
/// the key information it needs is refused.
#[test]
fn get_with_mac_sign_wrapping() {
    let server = common::Server::start();
    let mut c = server.client(ProtocolVersion::V2_1);
    let kek = create(&mut c, ca::AES, 256, 0x10, vec![]);
    let mac_key = create(&mut c, ca::HMAC_SHA256, 256, 0x80, vec![]);
    let key = create(&mut c, ca::AES, 128, 0x04, vec![]);
    let mac_bytes = material(&mut c, &mac_key);
    let plain = material(&mut c, &key);
    let mac_info = || key_information(Tag::MACSignatureKeyInformation, &mac_key, vec![]);
    let no_encoding = || Ttlv::enumeration(Tag::EncodingOption, encoding_option::NoEncoding);

    let spec = Ttlv::structure(
        Tag::KeyWrappingSpecification,
        vec![
            Ttlv::enumeration(Tag::WrappingMethod, wrapping_method::MACSign),
            mac_info(),
            no_encoding(),
        ],
    );
    let p = ok(&mut c, op::Get, vec![uid(&key), spec]);
    let block = p.require_path(&[Tag::SymmetricKey, Tag::KeyBlock]).unwrap();
    let kept = block
        .require_path(&[Tag::KeyValue, Tag::KeyMaterial])
        .unwrap()
        .as_bytes()
        .unwrap();
    assert_eq!(kept, plain.as_slice(), "MAC/sign leaves the Key Value");
    let data = block.child_structure(Tag::KeyWrappingData).unwrap();
    assert_eq!(
        data.child_enumeration(Tag::WrappingMethod).unwrap(),
        wrapping_method::MACSign
    );
    assert_eq!(
        data.child_bytes(Tag::MACSignature).unwrap(),
        hmac_sha256(&mac_bytes, &plain).as_slice()
    );

    let spec = Ttlv::structure(
        Tag::KeyWrappingSpecification,
        vec![
            Ttlv::enumeration(Tag::WrappingMethod, wrapping_method::EncryptThenMACSign),
            key_information(
                Tag::EncryptionKeyInformation,
                &kek,
                vec![Ttlv::enumeration(Tag::BlockCipherMode, bcm::NISTKeyWrap)],
            ),
            mac_info(),
            no_encoding(),
        ],
    );
    let p = ok(&mut c, op::Get, vec![uid(&key), spec]);
    let block = p.require_path(&[Tag::SymmetricKey, Tag::KeyBlock]).unwrap();
    let wrapped = block.child_bytes(Tag::KeyValue).unwrap().to_vec();
    let unwrapped = keystore::crypto::aes_key_unwrap(&material(&mut c, &kek), &wrapped).unwrap();
    assert_eq!(unwrapped.expose(), plain.as_slice());
    let data = block.child_structure(Tag::KeyWrappingData).unwrap();
    assert_eq!(
        data.child_bytes(Tag::MACSignature).unwrap(),
        hmac_sha256(&mac_bytes, &wrapped).as_slice(),
        "the MAC is over the wrapped bytes"
    );

    let sensitive = create(
        &mut c,
        ca::AES,
        128,
        0x04,
        vec![Ttlv::boolean(Tag::Sensitive, true)],
    );
    let refused = |c: &mut C, target: &str, spec: Vec<Ttlv>| {
        let r = c
            .call(
                op::Get,
                payload(vec![
                    uid(target),
                    Ttlv::structure(Tag::KeyWrappingSpecification, spec),
                ]),
            )
            .unwrap();
        assert_eq!(r.result_status, rs::OperationFailed);
        r.result_reason.unwrap()
    };
    assert_eq!(
        refused(
            &mut c,
            &sensitive,
            vec![
                Ttlv::enumeration(Tag::WrappingMethod, wrapping_method::MACSign),
                mac_info(),
            ]
        ),
        kmip::enums::result_reason::Sensitive
    );
    assert_eq!(
        refused(
            &mut c,
            &key,
            vec![Ttlv::enumeration(
                Tag::WrappingMethod,
                wrapping_method::MACSign
            )]
        ),
        kmip::enums::result_reason::InvalidField
    );
    // The MAC key must be allowed to generate MACs.
    assert_eq!(
        refused(
            &mut c,
            &key,
            vec![
                Ttlv::enumeration(Tag::WrappingMethod, wrapping_method::MACSign),
                key_information(Tag::MACSignatureKeyInformation, &kek, vec![]),
            ]
        ),
        kmip::enums::result_reason::IncompatibleCryptographicUsageMask
    );
}

#[test]
fn rekey_replaces_and_links() {
    let server = common::Server::start();
    let mut c = server.client(ProtocolVersion::V2_1);
    let old = create(&mut c, ca::AES, 256, 0x0C, vec![name("rekeyed")]);
    let new = uid_of(&ok(&mut c, op::ReKey, vec![uid(&old)]));
    assert_ne!(new, old);
    assert_ne!(material(&mut c, &new), material(&mut c, &old));
    let found = ok(
        &mut c,
        op::Locate,
        vec![Ttlv::structure(Tag::Attributes, vec![name("rekeyed")])],
    );
    let found: Vec<&str> = found
        .find_all(Tag::UniqueIdentifier)
        .map(|u| u.as_text().unwrap())
        .collect();
    assert_eq!(found, [new.as_str()], "the name moved to the new key");
    let links = |c: &mut C, u: &str| {
        let p = ok(
            c,
            op::GetAttributes,
            vec![
                uid(u),
                Ttlv::enumeration(Tag::AttributeReference, Tag::Link.value()),
            ],
        );
        p.path(&[Tag::Attributes])
            .map(|a| {
                a.find_all(Tag::Link)
                    .map(|l| {
                        (
                            l.child_enumeration(Tag::LinkType).unwrap(),
                            l.child_text(Tag::LinkedObjectIdentifier)
                                .unwrap()
                                .to_string(),
                        )
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    assert!(links(&mut c, &old).contains(&(link_type::ReplacementObjectLink, new.clone())));
    assert!(links(&mut c, &new).contains(&(link_type::ReplacedObjectLink, old.clone())));
}

/// Registers `material` as an active symmetric key of `alg` that may derive.
fn register_derivation_base(c: &mut C, material: Vec<u8>, alg: u32) -> String {
    let bits = material.len() as i32 * 8;
    uid_of(&ok(
        c,
        op::Register,
        vec![
            Ttlv::enumeration(Tag::ObjectType, 2),
            Ttlv::structure(
                Tag::Attributes,
                vec![
                    Ttlv::integer(Tag::CryptographicUsageMask, 0x200),
                    Ttlv::date_time(Tag::ActivationDate, now() - 60),
                ],
            ),
            Ttlv::structure(
                Tag::SymmetricKey,
                vec![Ttlv::structure(
                    Tag::KeyBlock,
                    vec![
                        Ttlv::enumeration(Tag::KeyFormatType, 1),
                        Ttlv::structure(
                            Tag::KeyValue,
                            vec![Ttlv::bytes(Tag::KeyMaterial, material)],
                        ),
                        Ttlv::enumeration(Tag::CryptographicAlgorithm, alg),
                        Ttlv::integer(Tag::CryptographicLength, bits),
                    ],
                )],
            ),
        ],
    ))
}

#[test]
fn derive_key_with_hkdf_matches_rfc5869() {
    let server = common::Server::start();
    let mut c = server.client(ProtocolVersion::V2_1);
    // RFC 5869 Appendix A.1.
    let ikm = vec![0x0b; 22];
    let base = register_derivation_base(&mut c, ikm, ca::HMAC_SHA256);
    let derived = uid_of(&ok(
        &mut c,
        op::DeriveKey,
        vec![
            Ttlv::enumeration(Tag::ObjectType, 2),
            uid(&base),
            Ttlv::enumeration(Tag::DerivationMethod, dm::HKDF),
            Ttlv::structure(
                Tag::DerivationParameters,
                vec![
                    Ttlv::structure(
                        Tag::CryptographicParameters,
                        vec![Ttlv::enumeration(Tag::HashingAlgorithm, ha::SHA_256)],
                    ),
                    Ttlv::bytes(
                        Tag::DerivationData,
                        hex::decode("f0f1f2f3f4f5f6f7f8f9").unwrap(),
                    ),
                    Ttlv::bytes(
                        Tag::Salt,
                        hex::decode("000102030405060708090a0b0c").unwrap(),
                    ),
                ],
            ),
            Ttlv::structure(
                Tag::Attributes,
                vec![
                    Ttlv::enumeration(Tag::CryptographicAlgorithm, ca::HMAC_SHA256),
                    Ttlv::integer(Tag::CryptographicLength, 42 * 8),
                ],
            ),
        ],
    ));
    assert_eq!(
        hex::encode(material(&mut c, &derived)),
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    );
}

/// Derive Key by encryption: the FIPS-197 Appendix C.1 AES-128 block as
/// Derivation Data under the Appendix key, ECB, gives the Appendix
/// ciphertext as the new key; a mode that needs an IV without one, and
/// data of another length than the new key, are refused.
#[test]
fn derive_key_by_encryption_matches_fips197() {
    let server = common::Server::start();
    let mut c = server.client(ProtocolVersion::V2_1);
    let base = register_derivation_base(
        &mut c,
        hex::decode("000102030405060708090a0b0c0d0e0f").unwrap(),
        ca::AES,
    );
    let derive = |c: &mut C, mode: u32, data: &str, bits: i32| {
        c.call(
            op::DeriveKey,
            payload(vec![
                Ttlv::enumeration(Tag::ObjectType, 2),
                uid(&base),
                Ttlv::enumeration(Tag::DerivationMethod, dm::ENCRYPT),
                Ttlv::structure(
                    Tag::DerivationParameters,
                    vec![
                        Ttlv::structure(
                            Tag::CryptographicParameters,
                            vec![Ttlv::enumeration(Tag::BlockCipherMode, mode)],
                        ),
                        Ttlv::bytes(Tag::DerivationData, hex::decode(data).unwrap()),
                    ],
                ),
                Ttlv::structure(
                    Tag::Attributes,
                    vec![
                        Ttlv::enumeration(Tag::CryptographicAlgorithm, ca::AES),
                        Ttlv::integer(Tag::CryptographicLength, bits),
                    ],
                ),
            ]),
        )
        .unwrap()
    };
    let r = derive(&mut c, bcm::ECB, "00112233445566778899aabbccddeeff", 128);
    assert_eq!(r.result_status, rs::Success, "{:?}", r.result_message);
    let derived = uid_of(&r.payload.unwrap());
    assert_eq!(
        hex::encode(material(&mut c, &derived)),
        "69c4e0d86a7b0430d8cdb78070b4c55a"
    );
    let r = derive(&mut c, bcm::CBC, "00112233445566778899aabbccddeeff", 128);
    assert_eq!(
        r.result_reason,
        Some(kmip::enums::result_reason::MissingData),
        "{:?}",
        r.result_message
    );
    let r = derive(&mut c, bcm::ECB, "00112233445566778899aabbccddeeff", 256);
    assert_eq!(
        r.result_reason,
        Some(kmip::enums::result_reason::InvalidField),
        "{:?}",
        r.result_message
    );
}

/// Register of a key block wrapped by a key keybridge holds: unwrapped
/// (RFC 3394, Key Material bytes or the TTLV Key Value) and stored; a Get
/// returns the plain key. A key that may not unwrap, and bytes that do not
/// unwrap, are refused.
#[test]
fn register_unwraps_a_wrapped_key_block() {
    let server = common::Server::start();
    let mut c = server.client(ProtocolVersion::V2_1);
    let kek = create(&mut c, ca::AES, 256, 0x30, vec![]);
    let wrap_only = create(&mut c, ca::AES, 256, 0x10, vec![]);
    let kek_bytes = material(&mut c, &kek);
    let key = hex::decode("00112233445566778899aabbccddeeff").unwrap();
    let register = |c: &mut C, wrapped: Vec<u8>, by: &str, encoding: u32| {
        c.call(
            op::Register,
            payload(vec![
                Ttlv::enumeration(Tag::ObjectType, 2),
                Ttlv::structure(
                    Tag::Attributes,
                    vec![Ttlv::integer(Tag::CryptographicUsageMask, 0x04)],
                ),
                Ttlv::structure(
                    Tag::SymmetricKey,
                    vec![Ttlv::structure(
                        Tag::KeyBlock,
                        vec![
                            Ttlv::enumeration(Tag::KeyFormatType, 1),
                            Ttlv::bytes(Tag::KeyValue, wrapped),
                            Ttlv::enumeration(Tag::CryptographicAlgorithm, ca::AES),
                            Ttlv::integer(Tag::CryptographicLength, 128),
                            Ttlv::structure(
                                Tag::KeyWrappingData,
                                vec![
                                    Ttlv::enumeration(
                                        Tag::WrappingMethod,
                                        wrapping_method::Encrypt,
                                    ),
                                    key_information(
                                        Tag::EncryptionKeyInformation,
                                        by,
                                        vec![Ttlv::enumeration(
                                            Tag::BlockCipherMode,
                                            bcm::NISTKeyWrap,
                                        )],
                                    ),
                                    Ttlv::enumeration(Tag::EncodingOption, encoding),
                                ],
                            ),
                        ],
                    )],
                ),
            ]),
        )
        .unwrap()
    };
    let raw = keystore::crypto::aes_key_wrap(&kek_bytes, &key).unwrap();
    let r = register(&mut c, raw.clone(), &kek, encoding_option::NoEncoding);
    assert_eq!(r.result_status, rs::Success, "{:?}", r.result_message);
    assert_eq!(material(&mut c, &uid_of(&r.payload.unwrap())), key);

    let value = kmip::encode(&Ttlv::structure(
        Tag::KeyValue,
        vec![Ttlv::bytes(Tag::KeyMaterial, key.clone())],
    ))
    .unwrap();
    let ttlv = keystore::crypto::aes_key_wrap(&kek_bytes, &value).unwrap();
    let r = register(&mut c, ttlv, &kek, encoding_option::TTLVEncoding);
    assert_eq!(r.result_status, rs::Success, "{:?}", r.result_message);
    assert_eq!(material(&mut c, &uid_of(&r.payload.unwrap())), key);

    let r = register(&mut c, raw.clone(), &wrap_only, encoding_option::NoEncoding);
    assert_eq!(
        r.result_reason,
        Some(kmip::enums::result_reason::IncompatibleCryptographicUsageMask),
        "{:?}",
        r.result_message
    );
    let mut bad = raw;
    bad[3] ^= 1;
    let r = register(&mut c, bad, &kek, encoding_option::NoEncoding);
    assert_eq!(
        r.result_reason,
        Some(kmip::enums::result_reason::CryptographicFailure),
        "{:?}",
        r.result_message
    );
}
