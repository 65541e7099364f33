//! `keybridge migrate` from a SoftHSM2 token: the real binary moves an AES
//! key, RSA-2048 and EC P-256 key pairs and an X.509 certificate into a
//! keybridge token through PKCS#11 alone, keeps their labels, ids and
//! flags, lists the unextractable key as not movable, audits each object,
//! and a re-run moves nothing twice. The moved keys are the same keys: what
//! one token signs the other verifies, what one encrypts the other decrypts.
//!
//! Needs SoftHSM2, the keybridge module and the `keybridge` binary (cargo
//! builds both with the workspace; `KEYBRIDGE_BIN` / `KEYBRIDGE_PKCS11_MODULE`
//! override); missing any is a failure, not a skip.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{
    Attribute, AttributeType, CertificateType, KeyType, ObjectClass, ObjectHandle,
};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SOFTHSM: &str = "/usr/lib/softhsm/libsofthsm2.so";
const SO_PIN: &str = "so-pin-1234";
const SOURCE_PIN: &str = "source-pin-1234";
const TARGET_PIN: &str = "target-pin-5678";
const P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

fn beside_test(name: &str, env: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env) {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("test binary path");
    // target/<profile>/deps/migration-* → the module in deps/, the binary one up.
    let p = if name.ends_with(".so") {
        exe.with_file_name(name)
    } else {
        exe.parent()
            .and_then(Path::parent)
            .expect("target dir")
            .join(name)
    };
    assert!(
        p.exists(),
        "{} is missing: build the workspace first (or set {env})",
        p.display()
    );
    p
}

fn load(path: &Path, label: &str, pin: &str) -> (Pkcs11, Slot) {
    let p = Pkcs11::new(path).expect("load module");
    p.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .unwrap();
    let empty = p
        .get_all_slots()
        .unwrap()
        .into_iter()
        .find(|s| {
            !p.get_token_info(*s)
                .map(|t| t.token_initialized())
                .unwrap_or(true)
        })
        .expect("an empty slot");
    p.init_token(empty, &AuthPin::from(SO_PIN), label).unwrap();
    let slot = find_slot(&p, label);
    let s = p.open_rw_session(slot).unwrap();
    s.login(UserType::So, Some(&AuthPin::from(SO_PIN))).unwrap();
    s.init_pin(&AuthPin::from(pin)).unwrap();
    (p, slot)
}

fn find_slot(p: &Pkcs11, label: &str) -> Slot {
    p.get_slots_with_initialized_token()
        .unwrap()
        .into_iter()
        .find(|s| p.get_token_info(*s).unwrap().label().trim_end() == label)
        .expect("the token")
}

fn login(p: &Pkcs11, slot: Slot, pin: &str) -> Session {
    let s = p.open_rw_session(slot).unwrap();
    s.login(UserType::User, Some(&AuthPin::from(pin))).unwrap();
    s
}

fn key_attrs(label: &str, id: u8) -> Vec<Attribute> {
    vec![
        Attribute::Token(true),
        Attribute::Label(label.as_bytes().to_vec()),
        Attribute::Id(vec![id]),
    ]
}

/// A self-signed certificate over a throwaway P-256 key (openssl CLI).
fn certificate(dir: &Path) -> Vec<u8> {
    let out = dir.join("cert.der");
    let st = Command::new("openssl")
        .args(["req", "-x509", "-newkey", "ec", "-pkeyopt"])
        .arg("ec_paramgen_curve:P-256")
        .args(["-nodes", "-keyout"])
        .arg(dir.join("cert.key"))
        .args(["-subj", "/CN=migrated certificate", "-days", "2"])
        .args(["-outform", "DER", "-out"])
        .arg(&out)
        .output()
        .expect("run openssl");
    assert!(st.status.success(), "openssl req: {st:?}");
    std::fs::read(out).unwrap()
}

/// The DER subject of a certificate: the sixth element of TBSCertificate
/// (version [0], serial, signature, issuer, validity, subject).
fn subject_of(cert: &[u8]) -> Vec<u8> {
    fn tlv(b: &[u8]) -> (usize, usize) {
        // (header length, content length)
        match b[1] {
            n if n < 0x80 => (2, n as usize),
            0x81 => (3, b[2] as usize),
            0x82 => (4, ((b[2] as usize) << 8) | b[3] as usize),
            _ => panic!("long DER length"),
        }
    }
    let (h, _) = tlv(cert);
    let tbs = &cert[h..];
    let (h, _) = tlv(tbs);
    let mut p = &tbs[h..];
    for _ in 0..5 {
        let (hh, n) = tlv(p);
        p = &p[hh + n..];
    }
    let (hh, n) = tlv(p);
    p[..hh + n].to_vec()
}

struct Source {
    aes: ObjectHandle,
    rsa_pub: ObjectHandle,
    rsa_priv: ObjectHandle,
    ec_pub: ObjectHandle,
    ec_priv: ObjectHandle,
    cert: Vec<u8>,
}

fn fill_source(s: &Session, dir: &Path) -> Source {
    let mut t = key_attrs("app-aes", 0xa1);
    t.extend([
        Attribute::ValueLen(32.into()),
        Attribute::Sensitive(true),
        Attribute::Extractable(true),
        Attribute::Encrypt(true),
        Attribute::Decrypt(true),
        Attribute::Wrap(false),
    ]);
    let aes = s.generate_key(&Mechanism::AesKeyGen, &t).unwrap();
    let private = |label, id| {
        let mut t = key_attrs(label, id);
        t.extend([
            Attribute::Private(true),
            Attribute::Sensitive(true),
            Attribute::Extractable(true),
            Attribute::Sign(true),
        ]);
        t
    };
    let mut public = key_attrs("ssh-rsa", 0xb2);
    public.extend([
        Attribute::ModulusBits(2048.into()),
        Attribute::PublicExponent(vec![1, 0, 1]),
        Attribute::Verify(true),
        Attribute::Encrypt(true),
    ]);
    let mut priv_t = private("ssh-rsa", 0xb2);
    priv_t.push(Attribute::Decrypt(true));
    let (rsa_pub, rsa_priv) = s
        .generate_key_pair(&Mechanism::RsaPkcsKeyPairGen, &public, &priv_t)
        .unwrap();
    let mut public = key_attrs("tls-ec", 0xc3);
    public.extend([Attribute::EcParams(P256.to_vec()), Attribute::Verify(true)]);
    let (ec_pub, ec_priv) = s
        .generate_key_pair(&Mechanism::EccKeyPairGen, &public, &private("tls-ec", 0xc3))
        .unwrap();
    let cert = certificate(dir);
    let mut t = key_attrs("tls-ec-cert", 0xc3);
    t.extend([
        Attribute::Class(ObjectClass::CERTIFICATE),
        Attribute::CertificateType(CertificateType::X_509),
        Attribute::Subject(subject_of(&cert)),
        Attribute::Value(cert.clone()),
    ]);
    s.create_object(&t).unwrap();
    let mut t = key_attrs("hsm-only", 0xd4);
    t.extend([
        Attribute::ValueLen(32.into()),
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Encrypt(true),
    ]);
    s.generate_key(&Mechanism::AesKeyGen, &t).unwrap();
    Source {
        aes,
        rsa_pub,
        rsa_priv,
        ec_pub,
        ec_priv,
        cert,
    }
}

fn migrate(bin: &Path, module: &Path, extra: &[&str]) -> Output {
    let out = Command::new(bin)
        .arg("migrate")
        .args(["--from-module", SOFTHSM, "--from-token", "source"])
        .args(["--from-pin-env", "MIGRATE_SOURCE_PIN"])
        .arg("--to-module")
        .arg(module)
        .args(["--to-token", "target", "--to-pin-env", "MIGRATE_TARGET_PIN"])
        .args(extra)
        .env("MIGRATE_SOURCE_PIN", SOURCE_PIN)
        .env("MIGRATE_TARGET_PIN", TARGET_PIN)
        .output()
        .expect("run keybridge migrate");
    println!(
        "keybridge migrate {extra:?}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn find(s: &Session, class: ObjectClass, label: &str) -> Vec<ObjectHandle> {
    s.find_objects(&[
        Attribute::Class(class),
        Attribute::Label(label.as_bytes().to_vec()),
    ])
    .unwrap()
}

fn one(s: &Session, class: ObjectClass, label: &str) -> ObjectHandle {
    let found = find(s, class, label);
    assert_eq!(found.len(), 1, "{label}: exactly one {class}");
    found[0]
}

fn attr(s: &Session, h: ObjectHandle, ty: AttributeType) -> Attribute {
    s.get_attributes(h, &[ty])
        .unwrap()
        .pop()
        .unwrap_or_else(|| panic!("{ty} missing"))
}

#[test]
fn softhsm_token_moves_into_keybridge() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir_all(d.join("softhsm-tokens")).unwrap();
    std::fs::write(
        d.join("softhsm2.conf"),
        format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            d.join("softhsm-tokens").display()
        ),
    )
    .unwrap();
    std::fs::write(
        d.join("keybridge.toml"),
        format!(
            "[store]\npath = \"{0}/store.db\"\n[master_key]\nfile = \"{0}/master.key\"\n",
            d.display()
        ),
    )
    .unwrap();
    // Read by both modules here and by the migrate process.
    std::env::set_var("SOFTHSM2_CONF", d.join("softhsm2.conf"));
    std::env::set_var("KEYBRIDGE_CONF", d.join("keybridge.toml"));
    let bin = beside_test("keybridge", "KEYBRIDGE_BIN");
    let module = beside_test("libkeybridge_pkcs11.so", "KEYBRIDGE_PKCS11_MODULE");

    let (sh, sh_slot) = load(Path::new(SOFTHSM), "source", SOURCE_PIN);
    let (kb, kb_slot) = load(&module, "target", TARGET_PIN);
    let src = login(&sh, sh_slot, SOURCE_PIN);
    let source = fill_source(&src, d);

    // A dry run lists everything and changes nothing.
    let out = migrate(&bin, &module, &["--dry-run"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("hsm-only") && text.contains("not movable: CKA_EXTRACTABLE is false"));
    assert_eq!(text.matches("dry run").count(), 6, "{text}");
    let dst = login(&kb, kb_slot, TARGET_PIN);
    assert!(
        dst.find_objects(&[]).unwrap().is_empty(),
        "dry run created objects"
    );

    let out = migrate(&bin, &module, &[]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "moved by wrapping: 3, by value: 3, already present: 0, not movable: 1, failed: 0"
        ),
        "{text}"
    );
    assert!(text.contains("d4"), "the unmovable key's id is listed");

    // Exactly the six movable objects arrived, nothing else (no transport key).
    assert_eq!(dst.find_objects(&[]).unwrap().len(), 6);
    assert!(find(&dst, ObjectClass::SECRET_KEY, "hsm-only").is_empty());

    // The AES key: label, id, flags; SoftHSM encrypts, keybridge decrypts.
    let aes = one(&dst, ObjectClass::SECRET_KEY, "app-aes");
    assert_eq!(
        attr(&dst, aes, AttributeType::Id),
        Attribute::Id(vec![0xa1])
    );
    assert_eq!(
        attr(&dst, aes, AttributeType::KeyType),
        Attribute::KeyType(KeyType::AES)
    );
    assert_eq!(
        attr(&dst, aes, AttributeType::ValueLen),
        Attribute::ValueLen(32.into())
    );
    for (ty, want) in [
        (AttributeType::Sensitive, Attribute::Sensitive(true)),
        (AttributeType::Extractable, Attribute::Extractable(true)),
        (AttributeType::Encrypt, Attribute::Encrypt(true)),
        (AttributeType::Decrypt, Attribute::Decrypt(true)),
        (AttributeType::Wrap, Attribute::Wrap(false)),
        (AttributeType::Token, Attribute::Token(true)),
        (AttributeType::Local, Attribute::Local(false)),
    ] {
        assert_eq!(attr(&dst, aes, ty), want, "app-aes {ty}");
    }
    let iv = [7u8; 16];
    let data = b"encrypted in SoftHSM2, decrypted in keybridge";
    let ct = src
        .encrypt(&Mechanism::AesCbcPad(iv), source.aes, data)
        .unwrap();
    assert_eq!(
        dst.decrypt(&Mechanism::AesCbcPad(iv), aes, &ct).unwrap(),
        data
    );
    let ct = dst.encrypt(&Mechanism::AesCbcPad(iv), aes, data).unwrap();
    assert_eq!(
        src.decrypt(&Mechanism::AesCbcPad(iv), source.aes, &ct)
            .unwrap(),
        data
    );

    // RSA: the moved private key signs what SoftHSM's public key verifies,
    // and SoftHSM's private key signs what the moved public key verifies.
    let rsa = one(&dst, ObjectClass::PRIVATE_KEY, "ssh-rsa");
    let rsa_pub = one(&dst, ObjectClass::PUBLIC_KEY, "ssh-rsa");
    for h in [rsa, rsa_pub] {
        assert_eq!(attr(&dst, h, AttributeType::Id), Attribute::Id(vec![0xb2]));
        assert_eq!(
            attr(&dst, h, AttributeType::Modulus),
            attr(&src, source.rsa_pub, AttributeType::Modulus)
        );
    }
    for (ty, want) in [
        (AttributeType::Sign, Attribute::Sign(true)),
        (AttributeType::Decrypt, Attribute::Decrypt(true)),
        (AttributeType::Sensitive, Attribute::Sensitive(true)),
        (AttributeType::Private, Attribute::Private(true)),
        (AttributeType::Extractable, Attribute::Extractable(true)),
    ] {
        assert_eq!(attr(&dst, rsa, ty), want, "ssh-rsa {ty}");
    }
    assert_eq!(
        attr(&dst, rsa_pub, AttributeType::Verify),
        Attribute::Verify(true)
    );
    let msg = b"moved, not copied in the clear";
    let m = Mechanism::Sha256RsaPkcs;
    let sig = dst.sign(&m, rsa, msg).unwrap();
    src.verify(&m, source.rsa_pub, msg, &sig).unwrap();
    let sig = src.sign(&m, source.rsa_priv, msg).unwrap();
    dst.verify(&m, rsa_pub, msg, &sig).unwrap();

    // EC P-256 likewise.
    let ec = one(&dst, ObjectClass::PRIVATE_KEY, "tls-ec");
    let ec_pub = one(&dst, ObjectClass::PUBLIC_KEY, "tls-ec");
    assert_eq!(attr(&dst, ec, AttributeType::Id), Attribute::Id(vec![0xc3]));
    assert_eq!(
        attr(&dst, ec, AttributeType::EcParams),
        Attribute::EcParams(P256.to_vec())
    );
    assert_eq!(
        attr(&dst, ec_pub, AttributeType::EcPoint),
        attr(&src, source.ec_pub, AttributeType::EcPoint)
    );
    // SoftHSM2 2.6.1 has no CKM_ECDSA_SHA256: both sign the SHA-256 digest.
    let m = Mechanism::Ecdsa;
    let digest = src.digest(&Mechanism::Sha256, msg).unwrap();
    let sig = dst.sign(&m, ec, &digest).unwrap();
    src.verify(&m, source.ec_pub, &digest, &sig).unwrap();
    let sig = src.sign(&m, source.ec_priv, &digest).unwrap();
    dst.verify(&m, ec_pub, &digest, &sig).unwrap();

    // The certificate, by value.
    let cert = one(&dst, ObjectClass::CERTIFICATE, "tls-ec-cert");
    assert_eq!(
        attr(&dst, cert, AttributeType::Value),
        Attribute::Value(source.cert.clone())
    );
    assert_eq!(
        attr(&dst, cert, AttributeType::Id),
        Attribute::Id(vec![0xc3])
    );

    // A second run recognises everything by class, label and id.
    let out = migrate(&bin, &module, &[]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(
            "moved by wrapping: 0, by value: 0, already present: 6, not movable: 1, failed: 0"
        ),
        "{text}"
    );
    assert_eq!(dst.find_objects(&[]).unwrap().len(), 6);

    // One audit entry per moved object, none for the re-run.
    let out = Command::new(&bin)
        .args(["audit", "show", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let log = String::from_utf8_lossy(&out.stdout);
    let entries: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("\"migrate.import\""))
        .collect();
    assert_eq!(entries.len(), 6, "{log}");
    assert!(entries
        .iter()
        .any(|l| l.contains("ssh-rsa") && l.contains("wrapped")));
    let out = Command::new(&bin)
        .args(["audit", "verify"])
        .output()
        .unwrap();
    assert!(out.status.success(), "audit chain intact");
}
