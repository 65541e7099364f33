//! C_UnwrapKey of private keys (PKCS#11 3.0 §5.14.4): a PKCS#8
//! PrivateKeyInfo wrapped with CKM_AES_KEY_WRAP_KWP (RFC 5649), or with
//! CKM_AES_KEY_WRAP_PAD in either of its readings (RFC 5649 as SoftHSM2
//! emits it, PKCS#7 + RFC 3394 as PKCS#11 3.0 defines it), becomes an
//! RSA, EC or EdDSA private key; the template supplies class, key type,
//! label, id and flags, never key material (CKA_UNWRAP_TEMPLATE is merged
//! before the class is looked at: raw_mechanisms.rs tests it). The payloads
//! are made and the signatures checked by OpenSSL, not by keybridge.

#![allow(clippy::unnecessary_cast)]
#[macro_use]
mod common;
use common::raw::{self as raw_api, attr, bytes_attr, mech};
use common::*;
use cryptoki::error::{Error, RvError};
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use keystore::crypto::wrap::{aes_key_wrap, aes_key_wrap_pad};
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::ecdsa::EcdsaSig;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::rsa::Rsa;
use openssl::sign::Verifier;

const KEK: [u8; 32] = [0x42; 32];
const P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// CKM_AES_KEY_WRAP_PAD (0x210A): the only RFC 5649 mechanism the cryptoki
/// crate 0.12 can name; KWP (0x210B) is driven raw below.
fn kwp() -> Mechanism<'static> {
    Mechanism::AesKeyWrapPad
}

fn rv<T: std::fmt::Debug>(r: Result<T, Error>) -> RvError {
    match r {
        Err(Error::Pkcs11(rv, _)) => rv,
        other => panic!("expected a PKCS#11 error, got {other:?}"),
    }
}

fn kek(s: &Session, extra: &[Attribute]) -> ObjectHandle {
    let mut t = vec![
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::AES),
        Attribute::Token(false),
        Attribute::Value(KEK.to_vec()),
        Attribute::Unwrap(true),
    ];
    t.extend_from_slice(extra);
    s.create_object(&t).expect("KEK")
}

fn wrapped(k: &PKey<Private>) -> Vec<u8> {
    let der = k.private_key_to_pkcs8().expect("PKCS#8");
    aes_key_wrap_pad(&KEK, &der).expect("RFC 5649 wrap")
}

fn template(kt: KeyType, label: &str, id: &[u8]) -> Vec<Attribute> {
    vec![
        Attribute::Class(ObjectClass::PRIVATE_KEY),
        Attribute::KeyType(kt),
        Attribute::Token(true),
        Attribute::Label(label.as_bytes().to_vec()),
        Attribute::Id(id.to_vec()),
        Attribute::Sign(true),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
    ]
}

fn get(s: &Session, o: ObjectHandle, ty: AttributeType) -> Attribute {
    s.get_attributes(o, &[ty])
        .expect("C_GetAttributeValue")
        .remove(0)
}

fn verify(k: &PKey<Private>, md: Option<MessageDigest>, data: &[u8], sig: &[u8]) -> bool {
    let public = PKey::public_key_from_der(&k.public_key_to_der().expect("spki")).expect("pub");
    let mut v = match md {
        Some(md) => Verifier::new(md, &public),
        None => Verifier::new_without_digest(&public),
    }
    .expect("verifier");
    v.verify_oneshot(sig, data).expect("verify")
}

#[test]
fn rsa_ec_and_eddsa_private_keys_unwrap_with_rfc5649() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "unwrap-private");
    let s = user_session(&p, slot);
    let kek = kek(&s, &[]);
    let data = b"signed by a key that arrived wrapped";

    let rsa = PKey::from_rsa(Rsa::generate(2048).expect("rsa")).expect("pkey");
    let h = s
        .unwrap_key(
            &kwp(),
            kek,
            &wrapped(&rsa),
            &template(KeyType::RSA, "rsa", b"\x01"),
        )
        .expect("unwrap RSA");
    assert_eq!(
        get(&s, h, AttributeType::Label),
        Attribute::Label(b"rsa".to_vec())
    );
    assert_eq!(get(&s, h, AttributeType::Id), Attribute::Id(vec![1]));
    assert_eq!(
        get(&s, h, AttributeType::Modulus),
        Attribute::Modulus(rsa.rsa().expect("rsa").n().to_vec())
    );
    assert_eq!(
        get(&s, h, AttributeType::Sensitive),
        Attribute::Sensitive(true)
    );
    assert_eq!(get(&s, h, AttributeType::Local), Attribute::Local(false));
    assert_eq!(
        get(&s, h, AttributeType::AlwaysSensitive),
        Attribute::AlwaysSensitive(false)
    );
    assert_eq!(
        get(&s, h, AttributeType::NeverExtractable),
        Attribute::NeverExtractable(false)
    );
    assert_eq!(get(&s, h, AttributeType::Token), Attribute::Token(true));
    let sig = s.sign(&Mechanism::Sha256RsaPkcs, h, data).expect("sign");
    assert!(verify(&rsa, Some(MessageDigest::sha256()), data, &sig));

    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("P-256");
    let ec = PKey::from_ec_key(EcKey::generate(&group).expect("ec")).expect("pkey");
    let h = s
        .unwrap_key(
            &kwp(),
            kek,
            &wrapped(&ec),
            &template(KeyType::EC, "ec", b"\x02"),
        )
        .expect("unwrap EC");
    assert_eq!(
        get(&s, h, AttributeType::EcParams),
        Attribute::EcParams(P256.to_vec())
    );
    let sig = s.sign(&Mechanism::EcdsaSha256, h, data).expect("sign");
    assert_eq!(sig.len(), 64);
    let der = EcdsaSig::from_private_components(
        BigNum::from_slice(&sig[..32]).expect("r"),
        BigNum::from_slice(&sig[32..]).expect("s"),
    )
    .and_then(|e| e.to_der())
    .expect("DER signature");
    assert!(verify(&ec, Some(MessageDigest::sha256()), data, &der));

    let ed = PKey::generate_ed25519().expect("ed25519");
    let h = s
        .unwrap_key(
            &kwp(),
            kek,
            &wrapped(&ed),
            &template(KeyType::EC_EDWARDS, "ed", b"\x03"),
        )
        .expect("unwrap Ed25519");
    let eddsa = Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure));
    let sig = s.sign(&eddsa, h, data).expect("sign");
    assert!(verify(&ed, None, data, &sig));

    // Unwrapped without CKA_TOKEN it is a session object, and CKA_SENSITIVE
    // false is honoured.
    let mut t = template(KeyType::RSA, "rsa-session", b"\x04");
    t.retain(|a| !matches!(a, Attribute::Token(_) | Attribute::Sensitive(_)));
    t.push(Attribute::Sensitive(false));
    t.push(Attribute::Extractable(true));
    let h = s
        .unwrap_key(&kwp(), kek, &wrapped(&rsa), &t)
        .expect("unwrap");
    assert_eq!(get(&s, h, AttributeType::Token), Attribute::Token(false));
    assert_eq!(
        get(&s, h, AttributeType::PrivateExponent),
        Attribute::PrivateExponent(rsa.rsa().expect("rsa").d().to_vec())
    );
}

#[test]
fn private_key_unwrap_templates_follow_the_standard() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "unwrap-rules");
    let s = user_session(&p, slot);
    let kek_h = kek(&s, &[]);
    let rsa = PKey::from_rsa(Rsa::generate(2048).expect("rsa")).expect("pkey");
    let w = wrapped(&rsa);

    // The key type must be named, and must be the payload's.
    let mut t = template(KeyType::RSA, "x", b"x");
    t.retain(|a| !matches!(a, Attribute::KeyType(_)));
    assert_eq!(
        rv(s.unwrap_key(&kwp(), kek_h, &w, &t)),
        RvError::TemplateIncomplete
    );
    assert_eq!(
        rv(s.unwrap_key(&kwp(), kek_h, &w, &template(KeyType::EC, "x", b"x"))),
        RvError::TemplateInconsistent
    );
    // Key material comes from the payload only.
    let mut t = template(KeyType::RSA, "x", b"x");
    t.push(Attribute::Modulus(vec![1; 256]));
    assert_eq!(
        rv(s.unwrap_key(&kwp(), kek_h, &w, &t)),
        RvError::TemplateInconsistent
    );
    let mut t = template(KeyType::RSA, "x", b"x");
    t.push(Attribute::ValueLen(32.into()));
    assert_eq!(
        rv(s.unwrap_key(&kwp(), kek_h, &w, &t)),
        RvError::TemplateInconsistent
    );
    let mut t = template(KeyType::RSA, "x", b"x");
    t.push(Attribute::Value(vec![1; 32]));
    assert_eq!(
        rv(s.unwrap_key(&kwp(), kek_h, &w, &t)),
        RvError::TemplateInconsistent
    );
    // What unwraps must be PKCS#8, and intact.
    let junk = aes_key_wrap_pad(&KEK, &[0x30; 70]).expect("wrap");
    assert_eq!(
        rv(s.unwrap_key(&kwp(), kek_h, &junk, &template(KeyType::RSA, "x", b"x"))),
        RvError::WrappedKeyInvalid
    );
    let mut bad = w.clone();
    bad[10] ^= 1;
    assert_eq!(
        rv(s.unwrap_key(&kwp(), kek_h, &bad, &template(KeyType::RSA, "x", b"x"))),
        RvError::WrappedKeyInvalid
    );
    // No private key unwraps without a login.
    s.logout().expect("logout");
    assert!(s
        .unwrap_key(&kwp(), kek_h, &w, &template(KeyType::RSA, "x", b"x"))
        .is_err());
}

#[test]
fn pkcs11_3_0_reading_of_aes_key_wrap_pad_also_unwraps() {
    let st = Store::new();
    let p = st.pkcs11();
    let slot = init_token(&p, "unwrap-pkcs7");
    let s = user_session(&p, slot);
    let kek_h = kek(&s, &[]);
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("P-256");
    let ec = PKey::from_ec_key(EcKey::generate(&group).expect("ec")).expect("pkey");
    let mut der = ec.private_key_to_pkcs8().expect("PKCS#8");
    // PKCS#7 padding to whole AES blocks, then RFC 3394.
    let n = 16 - der.len() % 16;
    der.extend(std::iter::repeat_n(n as u8, n));
    let w = aes_key_wrap(&KEK, &der).expect("RFC 3394");
    let h = s
        .unwrap_key(&kwp(), kek_h, &w, &template(KeyType::EC, "ec7", b"\x07"))
        .expect("unwrap");
    let data = b"PKCS#7 then RFC 3394";
    let sig = s.sign(&Mechanism::EcdsaSha256, h, data).expect("sign");
    let der_sig = EcdsaSig::from_private_components(
        BigNum::from_slice(&sig[..32]).expect("r"),
        BigNum::from_slice(&sig[32..]).expect("s"),
    )
    .and_then(|e| e.to_der())
    .expect("DER signature");
    assert!(verify(&ec, Some(MessageDigest::sha256()), data, &der_sig));
    // keybridge does not wrap with the ambiguous number.
    let info = p
        .get_mechanism_info(slot, cryptoki::mechanism::MechanismType::AES_KEY_WRAP_PAD)
        .expect("mechanism info");
    assert!(info.unwrap() && !info.wrap() && !info.encrypt());
    assert_eq!(
        rv(s.wrap_key(&kwp(), kek_h, kek_h)),
        RvError::MechanismInvalid
    );
}

/// CKM_AES_KEY_WRAP_KWP (0x210B), which cryptoki 0.12 cannot name: raw calls.
#[test]
fn private_key_unwraps_with_kwp_raw() {
    use cryptoki_sys::*;
    let st = Store::new();
    let r = raw_api::load();
    raw_api::init(&r, &st);
    let (_, h) = raw_api::token_session(&r);
    let kek = raw_api::aes_key(&r, h, &KEK);
    let rsa = PKey::from_rsa(Rsa::generate(2048).expect("rsa")).expect("pkey");
    let w = wrapped(&rsa);
    let class: CK_ULONG = CKO_PRIVATE_KEY;
    let kt: CK_ULONG = CKK_RSA;
    let yes: CK_BBOOL = 1;
    let label = b"kwp-rsa";
    let mut t = [
        attr(CKA_CLASS, &class),
        attr(CKA_KEY_TYPE, &kt),
        attr(CKA_SIGN, &yes),
        bytes_attr(CKA_LABEL, label),
    ];
    let mut m = mech::<u8>(CKM_AES_KEY_WRAP_KWP, None);
    let mut k = 0;
    assert_eq!(
        call!(
            r,
            C_UnwrapKey(
                h,
                &mut m,
                kek,
                w.as_ptr() as *mut u8,
                w.len() as CK_ULONG,
                t.as_mut_ptr(),
                t.len() as CK_ULONG,
                &mut k
            )
        ),
        CKR_OK
    );
    let n = rsa.rsa().expect("rsa").n().to_vec();
    let mut buf = vec![0u8; n.len()];
    let mut a = [bytes_attr(CKA_MODULUS, &buf)];
    a[0].pValue = buf.as_mut_ptr() as *mut std::ffi::c_void;
    assert_eq!(
        call!(r, C_GetAttributeValue(h, k, a.as_mut_ptr(), 1)),
        CKR_OK
    );
    assert_eq!(buf, n);
    // A payload of the wrong key type for the template.
    let kt_ec: CK_ULONG = CKK_EC;
    t[1] = attr(CKA_KEY_TYPE, &kt_ec);
    assert_eq!(
        call!(
            r,
            C_UnwrapKey(
                h,
                &mut m,
                kek,
                w.as_ptr() as *mut u8,
                w.len() as CK_ULONG,
                t.as_mut_ptr(),
                t.len() as CK_ULONG,
                &mut k
            )
        ),
        CKR_TEMPLATE_INCONSISTENT
    );
    assert_eq!(call!(r, C_Finalize(std::ptr::null_mut())), CKR_OK);
}
