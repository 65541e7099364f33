//! EDB Postgres Advanced Server TDE as a KMIP client (closed source; this
//! follows EDB's public TDE documentation and the `edb_tde_kmip_client.py`
//! glue script EDB ships, published in EDB's docs and images). initdb's
//! key-wrap command sends the cluster's data encryption key to Encrypt under
//! a master key given by Unique Identifier, with AES / CBC / PKCS5 padding
//! and Random IV, over PyKMIP's ProxyKmipClient (KMIP 1.2 headers), and
//! stores the returned IV followed by the ciphertext; the unwrap command at
//! every start splits that file and sends Decrypt with the same
//! Cryptographic Parameters (Random IV still set) plus the IV. The master key
//! is created beforehand with a Name and usage Encrypt | Decrypt, then
//! activated.

mod common;

use common::wire::{self, attr, enumeration, int, name_attr, template, uid, uid_of, Header};
use common::Server;
use kmip::enums::{operation as op, result_status as rs};
use kmip::{ProtocolVersion, Tag, Ttlv};

const V: ProtocolVersion = ProtocolVersion::V1_2;

fn params() -> Ttlv {
    Ttlv::structure(
        Tag::CryptographicParameters,
        vec![
            Ttlv::enumeration(Tag::BlockCipherMode, 1),
            Ttlv::enumeration(Tag::PaddingMethod, 3),
            Ttlv::enumeration(Tag::CryptographicAlgorithm, 3),
            Ttlv::boolean(Tag::RandomIV, true),
        ],
    )
}

fn master_key(c: &mut wire::Conn, name: &str) -> String {
    let p = wire::ok(
        c,
        V,
        &Header::default(),
        op::Create,
        vec![
            Ttlv::enumeration(Tag::ObjectType, 2),
            template(vec![
                attr("Cryptographic Algorithm", enumeration(3)),
                attr("Cryptographic Length", int(256)),
                attr("Cryptographic Usage Mask", int(4 | 8)),
                name_attr(name),
            ]),
        ],
    );
    let id = uid_of(&p);
    wire::ok(c, V, &Header::default(), op::Activate, vec![uid(&id)]);
    id
}

/// The wrap command: the file it writes (IV then ciphertext).
fn wrap(c: &mut wire::Conn, key: &str, dek: &[u8]) -> Vec<u8> {
    let p = wire::ok(
        c,
        V,
        &Header::default(),
        op::Encrypt,
        vec![uid(key), params(), Ttlv::bytes(Tag::Data, dek.to_vec())],
    );
    let iv = p
        .child_bytes(Tag::IVCounterNonce)
        .expect("server IV")
        .to_vec();
    assert_eq!(iv.len(), 16);
    let mut file = iv;
    file.extend_from_slice(p.child_bytes(Tag::Data).unwrap());
    file
}

fn unwrap_item(c: &mut wire::Conn, key: &str, file: &[u8]) -> kmip::message::ResponseItem {
    wire::one(
        c,
        V,
        &Header::default(),
        op::Decrypt,
        vec![
            uid(key),
            params(),
            Ttlv::bytes(Tag::Data, file[16..].to_vec()),
            Ttlv::bytes(Tag::IVCounterNonce, file[..16].to_vec()),
        ],
    )
}

#[test]
fn edb_tde_data_key_wrap_and_unwrap() {
    let s = Server::start();
    // Each wrap/unwrap command is a new process: a new connection.
    let key = master_key(&mut s.client_as("edb-tde", V), "edb-tde-master");
    for len in [16usize, 32, 33, 64] {
        let dek: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8).collect();
        let file = wrap(&mut s.client_as("edb-tde", V), &key, &dek);
        assert_eq!(
            file.len(),
            16 + (len / 16 + 1) * 16,
            "IV + padded ciphertext"
        );
        assert!(!file.windows(dek.len()).any(|w| w == dek.as_slice()));
        let r = unwrap_item(&mut s.client_as("edb-tde", V), &key, &file);
        assert_eq!(r.result_status, rs::Success, "{:?}", r.result_message);
        let plain = r.payload.unwrap().child_bytes(Tag::Data).unwrap().to_vec();
        assert_eq!(plain, dek, "the data key comes back at every start");
    }
}

#[test]
fn edb_tde_key_rotation_rewraps_under_a_new_master_key() {
    let s = Server::start();
    let mut c = s.client_as("edb-tde", V);
    let old = master_key(&mut c, "edb-master-1");
    let new = master_key(&mut c, "edb-master-2");
    let dek = vec![0xA5; 32];
    let file = wrap(&mut c, &old, &dek);
    // Rotation: unwrap with the old key, wrap with the new one.
    let r = unwrap_item(&mut c, &old, &file);
    let plain = r.payload.unwrap().child_bytes(Tag::Data).unwrap().to_vec();
    let rotated = wrap(&mut c, &new, &plain);
    let r = unwrap_item(&mut c, &new, &rotated);
    assert_eq!(r.payload.unwrap().child_bytes(Tag::Data).unwrap(), dek);
    // The old file does not open under the new key (padding check fails or
    // the bytes differ).
    let r = unwrap_item(&mut c, &new, &file);
    let wrong = r
        .payload
        .and_then(|p| p.child_bytes(Tag::Data).ok().map(<[u8]>::to_vec));
    assert_ne!(wrong, Some(dek));
    // A revoked (Deactivated) master key wraps no new data key: KMIP keeps
    // Deactivated keys for processing (Decrypt) only, not for protecting.
    wire::ok(
        &mut c,
        V,
        &Header::default(),
        op::Revoke,
        vec![
            uid(&old),
            Ttlv::structure(
                Tag::RevocationReason,
                vec![Ttlv::enumeration(Tag::RevocationReasonCode, 5)],
            ),
        ],
    );
    let r = wrap_item_after_revoke(&mut c, &old);
    assert_ne!(r.result_status, rs::Success);
}

fn wrap_item_after_revoke(c: &mut wire::Conn, key: &str) -> kmip::message::ResponseItem {
    wire::one(
        c,
        V,
        &Header::default(),
        op::Encrypt,
        vec![uid(key), params(), Ttlv::bytes(Tag::Data, vec![1; 32])],
    )
}
