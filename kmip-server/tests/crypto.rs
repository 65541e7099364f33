//! The cryptographic operations over the real server: Encrypt / Decrypt
//! (server-chosen IVs, AEAD tags, multi-part with Correlation Values), Sign /
//! Signature Verify (ECDSA with DER signatures, RSA-PSS), MAC / MAC Verify,
//! Hash, RNG Retrieve, and the refusals (usage mask, lifecycle, foreign
//! Correlation Values).

mod common;

use kmip::client::Client;
use kmip::enums::{
    block_cipher_mode as bcm, cryptographic_algorithm as ca, hashing_algorithm as ha,
    operation as op, padding_method as pm, result_reason as rr, result_status as rs,
    validity_indicator as vi,
};
use kmip::{ProtocolVersion, Tag, Ttlv};
use std::io::{Read, Write};

fn payload(children: Vec<Ttlv>) -> Ttlv {
    Ttlv::structure(Tag::RequestPayload, children)
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn uid(p: &Ttlv) -> Ttlv {
    Ttlv::text(Tag::UniqueIdentifier, p.as_text().unwrap())
}

fn params(children: Vec<Ttlv>) -> Ttlv {
    Ttlv::structure(Tag::CryptographicParameters, children)
}

/// Calls and returns the payload, failing the test with the server's message.
fn ok<S: Read + Write>(c: &mut Client<S>, operation: u32, p: Vec<Ttlv>) -> Ttlv {
    let r = c.call(operation, payload(p)).unwrap();
    assert_eq!(r.result_status, rs::Success, "{:?}", r.result_message);
    r.payload.unwrap()
}

/// Calls and returns the Result Reason of the expected failure.
fn fails<S: Read + Write>(c: &mut Client<S>, operation: u32, p: Vec<Ttlv>) -> u32 {
    let r = c.call(operation, payload(p)).unwrap();
    assert_eq!(r.result_status, rs::OperationFailed, "unexpected success");
    r.result_reason.unwrap()
}

/// An active symmetric key of `alg`/`bits` with `mask`.
fn create_key<S: Read + Write>(c: &mut Client<S>, alg: u32, bits: i32, mask: i32) -> Ttlv {
    let p = ok(
        c,
        op::Create,
        vec![
            Ttlv::enumeration(Tag::ObjectType, 2),
            Ttlv::structure(
                Tag::Attributes,
                vec![
                    Ttlv::enumeration(Tag::CryptographicAlgorithm, alg),
                    Ttlv::integer(Tag::CryptographicLength, bits),
                    Ttlv::integer(Tag::CryptographicUsageMask, mask),
                    Ttlv::date_time(Tag::ActivationDate, now() - 60),
                ],
            ),
        ],
    );
    uid(p.child(Tag::UniqueIdentifier).unwrap())
}

/// An active key pair: (private, public).
fn create_pair<S: Read + Write>(c: &mut Client<S>, alg: u32, bits: i32) -> (Ttlv, Ttlv) {
    let p = ok(
        c,
        op::CreateKeyPair,
        vec![
            Ttlv::structure(
                Tag::CommonAttributes,
                vec![
                    Ttlv::enumeration(Tag::CryptographicAlgorithm, alg),
                    Ttlv::integer(Tag::CryptographicLength, bits),
                    Ttlv::date_time(Tag::ActivationDate, now() - 60),
                ],
            ),
            Ttlv::structure(
                Tag::PrivateKeyAttributes,
                vec![Ttlv::integer(Tag::CryptographicUsageMask, 0x01 | 0x08)],
            ),
            Ttlv::structure(
                Tag::PublicKeyAttributes,
                vec![Ttlv::integer(Tag::CryptographicUsageMask, 0x02 | 0x04)],
            ),
        ],
    );
    (
        uid(p.child(Tag::PrivateKeyUniqueIdentifier).unwrap()),
        uid(p.child(Tag::PublicKeyUniqueIdentifier).unwrap()),
    )
}

fn bytes(p: &Ttlv, tag: Tag) -> Vec<u8> {
    p.child_bytes(tag).unwrap().to_vec()
}

#[test]
fn gcm_with_a_server_chosen_iv_round_trips_and_a_wrong_tag_fails() {
    let server = common::Server::start();
    let mut c = server.client(ProtocolVersion::V2_1);
    let key = create_key(&mut c, ca::AES, 256, 0x04 | 0x08);
    let gcm = || params(vec![Ttlv::enumeration(Tag::BlockCipherMode, bcm::GCM)]);
    let aad = Ttlv::bytes(
        Tag::AuthenticatedEncryptionAdditionalData,
        b"header".to_vec(),
    );
    let e = ok(
        &mut c,
        op::Encrypt,
        vec![
            key.clone(),
            gcm(),
            Ttlv::bytes(Tag::Data, b"attack at dawn".to_vec()),
            aad.clone(),
        ],
    );
    let iv = bytes(&e, Tag::IVCounterNonce);
    assert_eq!(iv.len(), 12, "the server chose a 96-bit IV and returned it");
    let tag = bytes(&e, Tag::AuthenticatedEncryptionTag);
    assert_eq!(tag.len(), 16);
    let ct = bytes(&e, Tag::Data);
    assert_ne!(ct, b"attack at dawn");
    let decrypt = |tag: Vec<u8>| {
        vec![
            key.clone(),
            gcm(),
            Ttlv::bytes(Tag::Data, ct.clone()),
            Ttlv::bytes(Tag::IVCounterNonce, iv.clone()),
            aad.clone(),
            Ttlv::bytes(Tag::AuthenticatedEncryptionTag, tag),
        ]
    };
    let d = ok(&mut c, op::Decrypt, decrypt(tag.clone()));
    assert_eq!(bytes(&d, Tag::Data), b"attack at dawn");
    let mut bad = tag;
    bad[0] ^= 1;
    assert_eq!(
        fails(&mut c, op::Decrypt, decrypt(bad)),
        rr::CryptographicFailure
    );
}

#[test]
fn multi_part_cbc_equals_single_shot_and_correlation_values_are_bound() {
    let server = common::Server::start();
    let mut c = server.client(ProtocolVersion::V2_1);
    let key = create_key(&mut c, ca::AES, 128, 0x04 | 0x08);
    let other = create_key(&mut c, ca::AES, 128, 0x04 | 0x08);
    let cbc = || {
        params(vec![
            Ttlv::enumeration(Tag::BlockCipherMode, bcm::CBC),
            Ttlv::enumeration(Tag::PaddingMethod, pm::PKCS5),
        ])
    };
    let iv = Ttlv::bytes(Tag::IVCounterNonce, vec![7u8; 16]);
    let message: Vec<u8> = (0..50u8).collect();
    let whole = ok(
        &mut c,
        op::Encrypt,
        vec![
            key.clone(),
            cbc(),
            Ttlv::bytes(Tag::Data, message.clone()),
            iv.clone(),
        ],
    );
    let first = ok(
        &mut c,
        op::Encrypt,
        vec![
            key.clone(),
            cbc(),
            Ttlv::bytes(Tag::Data, message[..20].to_vec()),
            iv,
            Ttlv::boolean(Tag::InitIndicator, true),
        ],
    );
    let cv = bytes(&first, Tag::CorrelationValue);
    let mut streamed = bytes(&first, Tag::Data);
    // Another key cannot continue this stream.
    assert_eq!(
        fails(
            &mut c,
            op::Encrypt,
            vec![
                other,
                Ttlv::bytes(Tag::Data, Vec::new()),
                Ttlv::bytes(Tag::CorrelationValue, cv.clone()),
            ],
        ),
        rr::InvalidCorrelationValue
    );
    let middle = ok(
        &mut c,
        op::Encrypt,
        vec![
            key.clone(),
            Ttlv::bytes(Tag::Data, message[20..40].to_vec()),
            Ttlv::bytes(Tag::CorrelationValue, cv.clone()),
        ],
    );
    streamed.extend(bytes(&middle, Tag::Data));
    let last = ok(
        &mut c,
        op::Encrypt,
        vec![
            key.clone(),
            Ttlv::bytes(Tag::Data, message[40..].to_vec()),
            Ttlv::bytes(Tag::CorrelationValue, cv.clone()),
            Ttlv::boolean(Tag::FinalIndicator, true),
        ],
    );
    streamed.extend(bytes(&last, Tag::Data));
    assert_eq!(streamed, bytes(&whole, Tag::Data));
    // A finished stream is gone.
    assert_eq!(
        fails(
            &mut c,
            op::Encrypt,
            vec![
                key,
                Ttlv::bytes(Tag::Data, Vec::new()),
                Ttlv::bytes(Tag::CorrelationValue, cv),
            ],
        ),
        rr::InvalidCorrelationValue
    );
}

#[test]
fn usage_mask_and_lifecycle_are_enforced() {
    let server = common::Server::start();
    let mut c = server.client(ProtocolVersion::V2_1);
    let encrypt_only = create_key(&mut c, ca::AES, 128, 0x04);
    let ecb = || params(vec![Ttlv::enumeration(Tag::BlockCipherMode, bcm::ECB)]);
    let block = || Ttlv::bytes(Tag::Data, vec![0u8; 16]);
    ok(
        &mut c,
        op::Encrypt,
        vec![encrypt_only.clone(), ecb(), block()],
    );
    assert_eq!(
        fails(&mut c, op::Decrypt, vec![encrypt_only, ecb(), block()]),
        rr::IncompatibleCryptographicUsageMask
    );
    // A key never activated (Pre-Active) protects nothing.
    let p = ok(
        &mut c,
        op::Create,
        vec![
            Ttlv::enumeration(Tag::ObjectType, 2),
            Ttlv::structure(
                Tag::Attributes,
                vec![
                    Ttlv::enumeration(Tag::CryptographicAlgorithm, ca::AES),
                    Ttlv::integer(Tag::CryptographicLength, 128),
                    Ttlv::integer(Tag::CryptographicUsageMask, 0x04),
                ],
            ),
        ],
    );
    let pre_active = uid(p.child(Tag::UniqueIdentifier).unwrap());
    assert_eq!(
        fails(&mut c, op::Encrypt, vec![pre_active, ecb(), block()]),
        rr::WrongKeyLifecycleState
    );
}

#[test]
fn ecdsa_signatures_are_der_and_verify() {
    let server = common::Server::start();
    let mut c = server.client(ProtocolVersion::V2_1);
    let (private, public) = create_pair(&mut c, ca::EC, 256);
    let p = || {
        params(vec![Ttlv::enumeration(
            Tag::DigitalSignatureAlgorithm,
            kmip::enums::digital_signature_algorithm::ECDSAWithSHA256,
        )])
    };
    let data = || Ttlv::bytes(Tag::Data, b"signed message".to_vec());
    let s = ok(&mut c, op::Sign, vec![private, p(), data()]);
    let sig = bytes(&s, Tag::SignatureData);
    assert_eq!(sig[0], 0x30, "a DER SEQUENCE");
    let verify = |data: Ttlv, sig: Vec<u8>| {
        vec![
            public.clone(),
            p(),
            data,
            Ttlv::bytes(Tag::SignatureData, sig),
        ]
    };
    let v = ok(&mut c, op::SignatureVerify, verify(data(), sig.clone()));
    assert_eq!(
        v.child_enumeration(Tag::ValidityIndicator).unwrap(),
        vi::Valid
    );
    let v = ok(
        &mut c,
        op::SignatureVerify,
        verify(Ttlv::bytes(Tag::Data, b"other message".to_vec()), sig),
    );
    assert_eq!(
        v.child_enumeration(Tag::ValidityIndicator).unwrap(),
        vi::Invalid
    );
}

#[test]
fn rsa_oaep_and_pss() {
    let server = common::Server::start();
    let mut c = server.client(ProtocolVersion::V2_1);
    let (private, public) = create_pair(&mut c, ca::RSA, 2048);
    let oaep = || {
        params(vec![
            Ttlv::enumeration(Tag::PaddingMethod, pm::OAEP),
            Ttlv::enumeration(Tag::HashingAlgorithm, ha::SHA_256),
            Ttlv::enumeration(Tag::MaskGeneratorHashingAlgorithm, ha::SHA_256),
        ])
    };
    let e = ok(
        &mut c,
        op::Encrypt,
        vec![
            public.clone(),
            oaep(),
            Ttlv::bytes(Tag::Data, b"key".to_vec()),
        ],
    );
    let ct = bytes(&e, Tag::Data);
    assert_eq!(ct.len(), 256);
    let d = ok(
        &mut c,
        op::Decrypt,
        vec![private.clone(), oaep(), Ttlv::bytes(Tag::Data, ct)],
    );
    assert_eq!(bytes(&d, Tag::Data), b"key");
    let pss = || {
        params(vec![
            Ttlv::enumeration(Tag::PaddingMethod, pm::PSS),
            Ttlv::enumeration(Tag::HashingAlgorithm, ha::SHA_256),
        ])
    };
    let s = ok(
        &mut c,
        op::Sign,
        vec![private, pss(), Ttlv::bytes(Tag::Data, b"m".to_vec())],
    );
    let v = ok(
        &mut c,
        op::SignatureVerify,
        vec![
            public,
            pss(),
            Ttlv::bytes(Tag::Data, b"m".to_vec()),
            Ttlv::bytes(Tag::SignatureData, bytes(&s, Tag::SignatureData)),
        ],
    );
    assert_eq!(
        v.child_enumeration(Tag::ValidityIndicator).unwrap(),
        vi::Valid
    );
}

#[test]
fn mac_hash_and_rng() {
    let server = common::Server::start();
    let mut c = server.client(ProtocolVersion::V2_1);
    let key = create_key(&mut c, ca::HMAC_SHA256, 256, 0x80 | 0x100);
    let data = || Ttlv::bytes(Tag::Data, b"abc".to_vec());
    let m = ok(&mut c, op::MAC, vec![key.clone(), data()]);
    let tag = bytes(&m, Tag::MACData);
    assert_eq!(tag.len(), 32);
    let v = ok(
        &mut c,
        op::MACVerify,
        vec![key.clone(), data(), Ttlv::bytes(Tag::MACData, tag.clone())],
    );
    assert_eq!(
        v.child_enumeration(Tag::ValidityIndicator).unwrap(),
        vi::Valid
    );
    let mut bad = tag;
    bad[31] ^= 0x80;
    let v = ok(
        &mut c,
        op::MACVerify,
        vec![key, data(), Ttlv::bytes(Tag::MACData, bad)],
    );
    assert_eq!(
        v.child_enumeration(Tag::ValidityIndicator).unwrap(),
        vi::Invalid
    );
    // FIPS 180-4 example: SHA-256("abc").
    let h = ok(
        &mut c,
        op::Hash,
        vec![
            params(vec![Ttlv::enumeration(Tag::HashingAlgorithm, ha::SHA_256)]),
            data(),
        ],
    );
    assert_eq!(
        hex::encode(bytes(&h, Tag::Data)),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    let r1 = ok(
        &mut c,
        op::RNGRetrieve,
        vec![Ttlv::integer(Tag::DataLength, 32)],
    );
    let r2 = ok(
        &mut c,
        op::RNGRetrieve,
        vec![Ttlv::integer(Tag::DataLength, 32)],
    );
    assert_eq!(bytes(&r1, Tag::Data).len(), 32);
    assert_ne!(bytes(&r1, Tag::Data), bytes(&r2, Tag::Data));
    assert_eq!(
        fails(
            &mut c,
            op::RNGRetrieve,
            vec![Ttlv::integer(Tag::DataLength, 1 << 30)]
        ),
        rr::InvalidField
    );
    // RNG Seed: every byte accepted and said so; random output goes on
    // (mixed with the seed, never replaced by it); an empty seed is refused.
    let seeded = ok(
        &mut c,
        op::RNGSeed,
        vec![Ttlv::bytes(Tag::Data, vec![0x42; 48])],
    );
    assert_eq!(
        seeded.child_integer(Tag::DataLength).unwrap(),
        48,
        "Data Length accepted"
    );
    let r3 = ok(
        &mut c,
        op::RNGRetrieve,
        vec![Ttlv::integer(Tag::DataLength, 32)],
    );
    let r4 = ok(
        &mut c,
        op::RNGRetrieve,
        vec![Ttlv::integer(Tag::DataLength, 32)],
    );
    assert_ne!(bytes(&r3, Tag::Data), bytes(&r4, Tag::Data));
    assert_eq!(
        fails(&mut c, op::RNGSeed, vec![Ttlv::bytes(Tag::Data, vec![])]),
        rr::InvalidField
    );
    let q = ok(
        &mut c,
        op::Query,
        vec![Ttlv::enumeration(
            Tag::QueryFunction,
            kmip::enums::query_function::QueryOperations,
        )],
    );
    assert!(q
        .find_all(Tag::Operation)
        .any(|o| o.as_enumeration().ok() == Some(op::RNGSeed)));
}

#[test]
fn ed25519_signs_and_xts_round_trips() {
    let server = common::Server::start();
    let mut c = server.client(ProtocolVersion::V2_1);
    let (private, public) = create_pair(&mut c, ca::Ed25519, 255);
    let data = || Ttlv::bytes(Tag::Data, b"pure EdDSA".to_vec());
    let s = ok(&mut c, op::Sign, vec![private, data()]);
    let sig = bytes(&s, Tag::SignatureData);
    assert_eq!(sig.len(), 64, "RFC 8032 signatures are 64 bytes");
    let v = ok(
        &mut c,
        op::SignatureVerify,
        vec![public, data(), Ttlv::bytes(Tag::SignatureData, sig)],
    );
    assert_eq!(
        v.child_enumeration(Tag::ValidityIndicator).unwrap(),
        vi::Valid
    );

    // XTS-AES-128: a 256-bit key (two AES-128 keys, as the AX profile
    // creates them); the tweak travels as the IV/Counter/Nonce.
    let key = create_key(&mut c, ca::AES, 256, 0x04 | 0x08);
    let xts = || params(vec![Ttlv::enumeration(Tag::BlockCipherMode, bcm::XTS)]);
    let sector: Vec<u8> = (0..=255u8).cycle().take(512).collect();
    let e = ok(
        &mut c,
        op::Encrypt,
        vec![key.clone(), xts(), Ttlv::bytes(Tag::Data, sector.clone())],
    );
    let tweak = bytes(&e, Tag::IVCounterNonce);
    assert_eq!(tweak.len(), 16);
    let ct = bytes(&e, Tag::Data);
    assert_eq!(ct.len(), 512, "XTS keeps the length");
    let d = ok(
        &mut c,
        op::Decrypt,
        vec![
            key,
            xts(),
            Ttlv::bytes(Tag::Data, ct),
            Ttlv::bytes(Tag::IVCounterNonce, tweak),
        ],
    );
    assert_eq!(bytes(&d, Tag::Data), sector);
}

#[test]
fn multi_part_mac_equals_single_shot() {
    let server = common::Server::start();
    let mut c = server.client(ProtocolVersion::V2_1);
    // AES-CMAC (the key is AES, so MAC means CMAC).
    let key = create_key(&mut c, ca::AES, 128, 0x80 | 0x100);
    let message: Vec<u8> = (0..100u8).collect();
    let whole = ok(
        &mut c,
        op::MAC,
        vec![key.clone(), Ttlv::bytes(Tag::Data, message.clone())],
    );
    let mac = bytes(&whole, Tag::MACData);
    assert_eq!(mac.len(), 16);
    let first = ok(
        &mut c,
        op::MACVerify,
        vec![
            key.clone(),
            Ttlv::bytes(Tag::Data, message[..33].to_vec()),
            Ttlv::boolean(Tag::InitIndicator, true),
        ],
    );
    let cv = bytes(&first, Tag::CorrelationValue);
    // A MAC Verify stream is not a MAC stream.
    assert_eq!(
        fails(
            &mut c,
            op::MAC,
            vec![
                key.clone(),
                Ttlv::bytes(Tag::Data, Vec::new()),
                Ttlv::bytes(Tag::CorrelationValue, cv.clone()),
            ],
        ),
        rr::InvalidCorrelationValue
    );
    let last = ok(
        &mut c,
        op::MACVerify,
        vec![
            key,
            Ttlv::bytes(Tag::Data, message[33..].to_vec()),
            Ttlv::bytes(Tag::CorrelationValue, cv),
            Ttlv::boolean(Tag::FinalIndicator, true),
            Ttlv::bytes(Tag::MACData, mac),
        ],
    );
    assert_eq!(
        last.child_enumeration(Tag::ValidityIndicator).unwrap(),
        vi::Valid
    );
}

/// Hash in pieces (Init Indicator, Correlation Value, Final Indicator)
/// gives the single-shot digest; a Hash stream belongs to the identity
/// that started it and is gone once finished.
#[test]
fn multi_part_hash_equals_single_shot() {
    let server = common::Server::start();
    let mut c = server.client(ProtocolVersion::V2_1);
    let sha256 = || params(vec![Ttlv::enumeration(Tag::HashingAlgorithm, ha::SHA_256)]);
    // FIPS 180-4 two-block example.
    let message = b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".to_vec();
    let first = ok(
        &mut c,
        op::Hash,
        vec![
            sha256(),
            Ttlv::bytes(Tag::Data, message[..10].to_vec()),
            Ttlv::boolean(Tag::InitIndicator, true),
        ],
    );
    assert!(first.find(Tag::Data).is_none(), "no digest before the end");
    let cv = bytes(&first, Tag::CorrelationValue);
    let mut other = server.client_as("someone-else", ProtocolVersion::V2_1);
    assert_eq!(
        fails(
            &mut other,
            op::Hash,
            vec![
                Ttlv::bytes(Tag::Data, message[10..].to_vec()),
                Ttlv::bytes(Tag::CorrelationValue, cv.clone()),
                Ttlv::boolean(Tag::FinalIndicator, true),
            ],
        ),
        rr::InvalidCorrelationValue
    );
    let middle = ok(
        &mut c,
        op::Hash,
        vec![
            Ttlv::bytes(Tag::Data, message[10..40].to_vec()),
            Ttlv::bytes(Tag::CorrelationValue, cv.clone()),
        ],
    );
    assert_eq!(bytes(&middle, Tag::CorrelationValue), cv);
    let last = ok(
        &mut c,
        op::Hash,
        vec![
            Ttlv::bytes(Tag::Data, message[40..].to_vec()),
            Ttlv::bytes(Tag::CorrelationValue, cv.clone()),
            Ttlv::boolean(Tag::FinalIndicator, true),
        ],
    );
    assert_eq!(
        hex::encode(bytes(&last, Tag::Data)),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
    assert_eq!(
        fails(
            &mut c,
            op::Hash,
            vec![
                Ttlv::bytes(Tag::Data, Vec::new()),
                Ttlv::bytes(Tag::CorrelationValue, cv),
                Ttlv::boolean(Tag::FinalIndicator, true),
            ],
        ),
        rr::InvalidCorrelationValue,
        "a finished stream cannot be continued"
    );
    // Starting needs the algorithm.
    assert_eq!(
        fails(
            &mut c,
            op::Hash,
            vec![
                Ttlv::bytes(Tag::Data, message),
                Ttlv::boolean(Tag::InitIndicator, true),
            ],
        ),
        rr::MissingData
    );
}
