//! Requests and helpers shared by the access-control tests: KMIP calls over
//! the test client, objects to act on, credentials, enrolled OTP devices.

use super::Server;
use keystore::mfa::{totp, TotpParams};
use kmip::enums::{
    block_cipher_mode as bcm, cryptographic_algorithm as ca, operation as op, padding_method as pm,
    result_reason as rr, result_status as rs,
};
use kmip::message::{authentication, ResponseItem};
use kmip::{ProtocolVersion, Tag, Ttlv};

pub type C = kmip::client::Client<openssl::ssl::SslStream<std::net::TcpStream>>;

pub const V: ProtocolVersion = ProtocolVersion::V2_1;

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub fn payload(children: Vec<Ttlv>) -> Ttlv {
    Ttlv::structure(Tag::RequestPayload, children)
}

pub fn call(c: &mut C, operation: u32, p: Vec<Ttlv>) -> ResponseItem {
    c.call(operation, payload(p)).unwrap()
}

pub fn ok(c: &mut C, operation: u32, p: Vec<Ttlv>) -> Ttlv {
    let r = call(c, operation, p);
    assert_eq!(r.result_status, rs::Success, "{:?}", r.result_message);
    r.payload.unwrap()
}

pub fn uid(u: &str) -> Ttlv {
    Ttlv::text(Tag::UniqueIdentifier, u)
}

pub fn uid_of(p: &Ttlv) -> String {
    p.child_text(Tag::UniqueIdentifier).unwrap().to_string()
}

pub fn name(n: &str) -> Ttlv {
    Ttlv::structure(
        Tag::Name,
        vec![
            Ttlv::text(Tag::NameValue, n),
            Ttlv::enumeration(Tag::NameType, 1),
        ],
    )
}

/// Creates a key as `c`; active unless `pre_active`.
pub fn create(c: &mut C, alg: u32, bits: i32, mask: u32, label: &str, pre_active: bool) -> String {
    let mut attributes = vec![
        Ttlv::enumeration(Tag::CryptographicAlgorithm, alg),
        Ttlv::integer(Tag::CryptographicLength, bits),
        Ttlv::integer(Tag::CryptographicUsageMask, mask as i32),
        name(label),
    ];
    if !pre_active {
        attributes.push(Ttlv::date_time(Tag::ActivationDate, now() - 60));
    }
    uid_of(&ok(
        c,
        op::Create,
        vec![
            Ttlv::enumeration(Tag::ObjectType, 2),
            Ttlv::structure(Tag::Attributes, attributes),
        ],
    ))
}

pub fn ecb() -> Ttlv {
    Ttlv::structure(
        Tag::CryptographicParameters,
        vec![
            Ttlv::enumeration(Tag::BlockCipherMode, bcm::ECB),
            Ttlv::enumeration(Tag::PaddingMethod, pm::PKCS5),
        ],
    )
}

pub fn hmac() -> Ttlv {
    Ttlv::structure(
        Tag::CryptographicParameters,
        vec![Ttlv::enumeration(
            Tag::CryptographicAlgorithm,
            ca::HMAC_SHA256,
        )],
    )
}

pub fn locate_by_name(c: &mut C, n: &str) -> Vec<String> {
    let p = ok(
        c,
        op::Locate,
        vec![Ttlv::structure(Tag::Attributes, vec![name(n)])],
    );
    p.find_all(Tag::UniqueIdentifier)
        .map(|u| u.as_text().unwrap().to_string())
        .collect()
}

pub fn assert_not_found(r: &ResponseItem, what: &str) {
    assert_eq!(r.result_status, rs::OperationFailed, "{what}: {r:?}");
    assert_eq!(r.result_reason, Some(rr::ObjectNotFound), "{what}: {r:?}");
}

/// Prepares an object as alice and returns bob's request about it.
pub type Request = Box<dyn Fn(&mut C, &mut C) -> (u32, Vec<Ttlv>)>;

/// One row of the grant matrix: what alice (the owner) prepares, the
/// request bob sends, and the grant that lets him.
pub fn with_auth(c: &mut C, credentials: Vec<Ttlv>) {
    c.authentication = Some(authentication(credentials));
}

pub fn audit_json(s: &Server, identity: &str) -> Vec<serde_json::Value> {
    s.admin(&["audit", "show", "--json", "--identity", identity], "")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// An enrolled, confirmed TOTP device of `who`: its secret and the current
/// step `s0`, confirmed with the codes of s0-2 and s0-1 so that the codes of
/// s0 and s0+1 are the next ones the server accepts.
pub struct Device {
    pub secret: Vec<u8>,
    pub s0: i64,
}

impl Device {
    pub fn enroll(s: &Server, who: &str) -> Device {
        // Keep clear of a step boundary so the confirmation codes stay valid.
        let into = now() % 30;
        if into > 24 {
            std::thread::sleep(std::time::Duration::from_secs((31 - into) as u64));
        }
        let uri = s.admin(&["mfa", "enroll", who, "--uri-only"], "");
        let d = Device {
            secret: keystore::mfa::secret_from_uri(uri.trim())
                .unwrap()
                .expose()
                .to_vec(),
            s0: now() / 30,
        };
        s.admin(
            &["mfa", "confirm", who, &d.code(d.s0 - 2), &d.code(d.s0 - 1)],
            "",
        );
        d
    }

    pub fn code(&self, step: i64) -> String {
        totp(&self.secret, step * 30, &TotpParams::default()).unwrap()
    }

    /// A code no step near now has.
    pub fn wrong(&self) -> String {
        let near: Vec<String> = (self.s0 - 3..=self.s0 + 3).map(|t| self.code(t)).collect();
        (0..1000)
            .map(|i| format!("{:06}", 123_457 + i))
            .find(|c| !near.contains(c))
            .unwrap()
    }
}
