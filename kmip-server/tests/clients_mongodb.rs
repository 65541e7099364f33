//! MongoDB as a KMIP client of the real server, request by request.
//!
//! - mongod encryption at rest (MongoDB Enterprise). The KMIP client is in
//!   the enterprise module, absent from the public mongodb/mongo repository;
//!   these follow MongoDB's public documentation (KMIP 1.2 by default, 1.0
//!   with `kmipUseLegacyProtocol`, `kmipActivateKeys`,
//!   `kmipKeyStatePollingSeconds`) and a public copy of that module in the
//!   pmeredit/mongo fork (`src/mongo/db/modules/enterprise/src/kmip/
//!   kmip_request.cpp`, `kmip_service.cpp`, `kmip_key_active_periodic_job.cpp`):
//!   headers carry only the version and Batch Count; Discover Versions has an
//!   empty payload; Create sends three 1.x Attributes (AES, 256,
//!   Encrypt|Decrypt) and no Name; Get must return a 256-bit key; the poll is
//!   Get Attributes with the single Attribute Name "State" and a key that is
//!   not Active shuts the node down; Encrypt (audit log key) sends only the
//!   Unique Identifier and Data, and Decrypt adds the IV the server returned.
//!   Its response parser scans forward for each field it wants: a Get's Key
//!   Block must have Cryptographic Algorithm and Length after the Key Value,
//!   Encrypt's IV must follow the Data, a failure needs a Result Message.
//! - libmongocrypt (client-side field level encryption, kms-message
//!   `src/kms_kmip_request.c` and `kms_kmip_response.c` in
//!   mongodb/libmongocrypt): Register of 96 bytes of Secret Data with only a
//!   Cryptographic Usage Mask of 0, Activate and Get with KMIP 1.0 headers;
//!   "delegated" mode: Create of an AES-256 key and Encrypt/Decrypt in
//!   AES-CBC with PKCS5 padding and Random IV, with KMIP 1.2 headers, reading
//!   the IV/Counter/Nonce the server generated.

mod common;

use common::wire::{self, attr, enumeration, int, template, uid, uid_of, Header};
use common::Server;
use kmip::enums::{operation as op, state};
use kmip::{ProtocolVersion, Tag, Ttlv};

const V1_0: ProtocolVersion = ProtocolVersion::V1_0;
const V1_2: ProtocolVersion = ProtocolVersion::V1_2;

/// One mongod request, with the response read the way mongod's parser
/// reads it: it scans forward for Protocol Version, Time Stamp and Batch
/// Count, then Operation and Result Status, then (success) the payload or
/// (failure) Result Reason and Result Message, both required.
fn mongod(c: &mut wire::Conn, v: ProtocolVersion, op: u32, payload: Vec<Ttlv>) -> Ttlv {
    let resp = wire::exchange(c, v, &Header::default(), op, payload);
    wire::assert_subsequence(
        resp.child(Tag::ResponseHeader).unwrap(),
        &[Tag::ProtocolVersion, Tag::TimeStamp, Tag::BatchCount],
    );
    let item = resp.child(Tag::BatchItem).unwrap();
    wire::assert_subsequence(
        item,
        &[Tag::Operation, Tag::ResultStatus, Tag::ResponsePayload],
    );
    let p = item.child(Tag::ResponsePayload).unwrap().clone();
    match op {
        op::Get => {
            // The key must be followed by its algorithm and length.
            wire::assert_subsequence(
                &p,
                &[Tag::ObjectType, Tag::UniqueIdentifier, Tag::SymmetricKey],
            );
            let kb = p.path(&[Tag::SymmetricKey, Tag::KeyBlock]).unwrap();
            wire::assert_subsequence(
                kb,
                &[
                    Tag::KeyFormatType,
                    Tag::KeyValue,
                    Tag::CryptographicAlgorithm,
                    Tag::CryptographicLength,
                ],
            );
            assert_eq!(
                kb.child_enumeration(Tag::CryptographicAlgorithm).unwrap(),
                3
            );
            assert_eq!(kb.child_integer(Tag::CryptographicLength).unwrap(), 256);
        }
        op::Encrypt => {
            wire::assert_subsequence(&p, &[Tag::UniqueIdentifier, Tag::Data, Tag::IVCounterNonce])
        }
        op::Decrypt => wire::assert_subsequence(&p, &[Tag::UniqueIdentifier, Tag::Data]),
        op::GetAttributes => wire::assert_subsequence(&p, &[Tag::UniqueIdentifier, Tag::Attribute]),
        _ => wire::assert_subsequence(&p, &[Tag::UniqueIdentifier]),
    }
    p
}

/// The Create both mongod and libmongocrypt send: a Symmetric Key, AES,
/// 256 bits, usage Encrypt | Decrypt, as three 1.x Attributes.
fn create_aes_256(c: &mut wire::Conn, v: ProtocolVersion) -> String {
    let p = mongod(
        c,
        v,
        op::Create,
        vec![
            Ttlv::enumeration(Tag::ObjectType, 2),
            template(vec![
                attr("Cryptographic Algorithm", enumeration(3)),
                attr("Cryptographic Length", int(256)),
                attr("Cryptographic Usage Mask", int(4 | 8)),
            ]),
        ],
    );
    assert_eq!(p.child_enumeration(Tag::ObjectType).unwrap(), 2);
    uid_of(&p)
}

/// mongod's key state poll: Get Attributes naming "State".
fn poll_state(c: &mut wire::Conn, v: ProtocolVersion, id: &str) -> u32 {
    let p = mongod(
        c,
        v,
        op::GetAttributes,
        vec![uid(id), Ttlv::text(Tag::AttributeName, "State")],
    );
    assert_eq!(uid_of(&p), id);
    wire::attribute_value(&p, "State")
        .expect("State in the response")
        .as_enumeration()
        .unwrap()
}

fn mongod_master_key_lifecycle(v: ProtocolVersion) {
    let s = Server::start();
    let mut c = s.client_as("mongod", v);
    let p = wire::ok(&mut c, v, &Header::default(), op::DiscoverVersions, vec![]);
    assert!(p
        .find_all(Tag::ProtocolVersion)
        .any(|x| ProtocolVersion::from_ttlv(x).ok() == Some(v)));
    let id = create_aes_256(&mut c, v);
    assert_eq!(poll_state(&mut c, v, &id), state::PreActive);
    let p = mongod(&mut c, v, op::Activate, vec![uid(&id)]);
    assert_eq!(uid_of(&p), id);
    let p = mongod(&mut c, v, op::Get, vec![uid(&id)]);
    assert_eq!(uid_of(&p), id);
    assert_eq!(p.child_enumeration(Tag::ObjectType).unwrap(), 2);
    let (format, key) = wire::key_material(&p, Tag::SymmetricKey);
    assert_eq!(format, 1, "Raw key format");
    assert_eq!(key.len(), 32, "an AES-256 master key");
    assert_eq!(poll_state(&mut c, v, &id), state::Active);
    // A later mongod start (a new connection) gets the same key.
    let mut again = s.client_as("mongod", v);
    let p = mongod(&mut again, v, op::Get, vec![uid(&id)]);
    assert_eq!(wire::key_material(&p, Tag::SymmetricKey).1, key);
    // The operator revokes the key: the next poll reports it not Active,
    // which is what makes mongod stop using it.
    wire::ok(
        &mut again,
        v,
        &Header::default(),
        op::Revoke,
        vec![
            uid(&id),
            Ttlv::structure(
                Tag::RevocationReason,
                vec![Ttlv::enumeration(Tag::RevocationReasonCode, 5)],
            ),
        ],
    );
    assert_eq!(poll_state(&mut c, v, &id), state::Deactivated);
}

#[test]
fn mongod_encryption_at_rest_kmip_1_2() {
    mongod_master_key_lifecycle(V1_2);
}

#[test]
fn mongod_encryption_at_rest_legacy_kmip_1_0() {
    mongod_master_key_lifecycle(V1_0);
}

#[test]
fn libmongocrypt_register_96_byte_secret_data_and_get() {
    let s = Server::start();
    let mut c = s.client_as("libmongocrypt", V1_0);
    let secret: Vec<u8> = (0..96u8).map(|i| i.wrapping_mul(37) ^ 0x5a).collect();
    let p = wire::ok(
        &mut c,
        V1_0,
        &Header::default(),
        op::Register,
        vec![
            Ttlv::enumeration(Tag::ObjectType, 7),
            template(vec![attr("Cryptographic Usage Mask", int(0))]),
            Ttlv::structure(
                Tag::SecretData,
                vec![
                    Ttlv::enumeration(Tag::SecretDataType, 2),
                    wire::key_block(2, &secret, None),
                ],
            ),
        ],
    );
    let id = uid_of(&p);
    let p = wire::ok(
        &mut c,
        V1_0,
        &Header::default(),
        op::Activate,
        vec![uid(&id)],
    );
    assert_eq!(uid_of(&p), id);
    let p = wire::ok(&mut c, V1_0, &Header::default(), op::Get, vec![uid(&id)]);
    assert_eq!(uid_of(&p), id);
    assert_eq!(p.child_enumeration(Tag::ObjectType).unwrap(), 7);
    let (format, got) = wire::key_material(&p, Tag::SecretData);
    assert_eq!(format, 2, "Opaque, as registered");
    assert_eq!(got, secret, "the 96 bytes libmongocrypt stored");
}

fn cbc_params(random_iv: bool) -> Ttlv {
    let mut p = vec![
        Ttlv::enumeration(Tag::BlockCipherMode, 1),
        Ttlv::enumeration(Tag::PaddingMethod, 3),
        Ttlv::enumeration(Tag::CryptographicAlgorithm, 3),
    ];
    if random_iv {
        p.push(Ttlv::boolean(Tag::RandomIV, true));
    }
    Ttlv::structure(Tag::CryptographicParameters, p)
}

#[test]
fn libmongocrypt_delegated_encrypt_decrypt_with_server_generated_iv() {
    let s = Server::start();
    let mut c = s.client_as("libmongocrypt", V1_2);
    let id = create_aes_256(&mut c, V1_2);
    wire::ok(
        &mut c,
        V1_0,
        &Header::default(),
        op::Activate,
        vec![uid(&id)],
    );
    // The data key libmongocrypt wraps: 96 bytes.
    let dek: Vec<u8> = (0..96u8).collect();
    let encrypt = |c: &mut wire::Conn| {
        let p = wire::ok(
            c,
            V1_2,
            &Header::default(),
            op::Encrypt,
            vec![
                uid(&id),
                cbc_params(true),
                Ttlv::bytes(Tag::Data, dek.clone()),
            ],
        );
        assert_eq!(uid_of(&p), id);
        let iv = p.child_bytes(Tag::IVCounterNonce).unwrap().to_vec();
        let data = p.child_bytes(Tag::Data).unwrap().to_vec();
        (iv, data)
    };
    let (iv, ciphertext) = encrypt(&mut c);
    assert_eq!(iv.len(), 16, "the server returns the IV it generated");
    assert_eq!(
        ciphertext.len(),
        112,
        "96 bytes + a full PKCS#5 padding block"
    );
    assert_ne!(&ciphertext[..96], &dek[..]);
    let (iv2, ciphertext2) = encrypt(&mut c);
    assert_ne!(iv, iv2, "a fresh IV per Encrypt");
    assert_ne!(ciphertext, ciphertext2);
    let decrypt = |c: &mut wire::Conn, iv: &[u8], data: &[u8]| {
        let p = wire::ok(
            c,
            V1_2,
            &Header::default(),
            op::Decrypt,
            vec![
                uid(&id),
                cbc_params(false),
                Ttlv::bytes(Tag::Data, data.to_vec()),
                Ttlv::bytes(Tag::IVCounterNonce, iv.to_vec()),
            ],
        );
        p.child_bytes(Tag::Data).unwrap().to_vec()
    };
    assert_eq!(decrypt(&mut c, &iv, &ciphertext), dek);
    assert_eq!(decrypt(&mut c, &iv2, &ciphertext2), dek);
    // The IV matters: decrypting with another IV does not give the key back.
    let mut other = iv.clone();
    other[0] ^= 1;
    let r = wire::one(
        &mut c,
        V1_2,
        &Header::default(),
        op::Decrypt,
        vec![
            uid(&id),
            cbc_params(false),
            Ttlv::bytes(Tag::Data, ciphertext.clone()),
            Ttlv::bytes(Tag::IVCounterNonce, other),
        ],
    );
    let wrong = r
        .payload
        .and_then(|p| p.child_bytes(Tag::Data).ok().map(<[u8]>::to_vec));
    assert_ne!(wrong, Some(dek));
}

/// mongod's audit log key: Encrypt and Decrypt without Cryptographic
/// Parameters. KMIP 2.1 §6.1.18 lets the server take them from the key's
/// Cryptographic Parameters attribute, and fail when the key has none.
#[test]
fn mongod_audit_log_encrypt_without_parameters() {
    let s = Server::start();
    let mut c = s.client_as("mongod", V1_2);
    let bare = create_aes_256(&mut c, V1_2);
    mongod(&mut c, V1_2, op::Activate, vec![uid(&bare)]);
    let r = wire::one(
        &mut c,
        V1_2,
        &Header::default(),
        op::Encrypt,
        vec![uid(&bare), Ttlv::bytes(Tag::Data, vec![7; 32])],
    );
    assert_eq!(
        r.result_reason,
        Some(kmip::enums::result_reason::MissingData),
        "{:?}",
        r.result_message
    );
    // mongod's parser needs a Result Message after the Result Reason.
    assert!(r.result_message.is_some_and(|m| !m.is_empty()));
    // The operator's key carries its Cryptographic Parameters (CBC, PKCS5,
    // Random IV): mongod's bare Encrypt works and returns the IV.
    let p = mongod(
        &mut c,
        V1_2,
        op::Create,
        vec![
            Ttlv::enumeration(Tag::ObjectType, 2),
            template(vec![
                attr("Cryptographic Algorithm", enumeration(3)),
                attr("Cryptographic Length", int(256)),
                attr("Cryptographic Usage Mask", int(4 | 8)),
                Ttlv::structure(
                    Tag::Attribute,
                    vec![
                        Ttlv::text(Tag::AttributeName, "Cryptographic Parameters"),
                        Ttlv::structure(
                            Tag::AttributeValue,
                            vec![
                                Ttlv::enumeration(Tag::BlockCipherMode, 1),
                                Ttlv::enumeration(Tag::PaddingMethod, 3),
                                Ttlv::boolean(Tag::RandomIV, true),
                            ],
                        ),
                    ],
                ),
            ]),
        ],
    );
    let id = uid_of(&p);
    mongod(&mut c, V1_2, op::Activate, vec![uid(&id)]);
    let log_key = vec![0x3c; 32];
    let p = mongod(
        &mut c,
        V1_2,
        op::Encrypt,
        vec![uid(&id), Ttlv::bytes(Tag::Data, log_key.clone())],
    );
    let iv = p.child_bytes(Tag::IVCounterNonce).expect("IV").to_vec();
    let data = p.child_bytes(Tag::Data).unwrap().to_vec();
    assert_eq!((iv.len(), data.len()), (16, 48));
    let p = mongod(
        &mut c,
        V1_2,
        op::Decrypt,
        vec![
            uid(&id),
            Ttlv::bytes(Tag::Data, data),
            Ttlv::bytes(Tag::IVCounterNonce, iv),
        ],
    );
    assert_eq!(p.child_bytes(Tag::Data).unwrap(), log_key);
}
