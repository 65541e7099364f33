//! One process of the PKCS#11 load test: `p11-load TOKEN NAME THREADS SECONDS`.
//!
//! Logs in once, then each thread opens its own session and, until the time
//! is up, generates a token AES key with a unique label, encrypts with it
//! (CKM_AES_CBC_PAD), finds it and its signing key by their labels (exactly
//! one handle each, the one it has), reads the key's attributes, signs with its own P-256 key (CKM_ECDSA) and
//! destroys the AES key. Several such processes share one store. Prints
//! `ops NAME generate=.. encrypt=.. find=.. attributes=.. sign=.. destroy=.. errors=..`;
//! exits 1 if any operation failed.
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use hardening_tests::fixture::USER_PIN;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// DER of the P-256 curve OID (1.2.840.10045.3.1.7), CKA_EC_PARAMS.
const P256: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
/// Errors printed in full; the rest are only counted.
const ERRORS_SHOWN: u64 = 20;

#[derive(Default)]
struct Counts {
    generate: AtomicU64,
    encrypt: AtomicU64,
    find: AtomicU64,
    attributes: AtomicU64,
    sign: AtomicU64,
    destroy: AtomicU64,
    errors: AtomicU64,
}

impl Counts {
    fn error(&self, who: &str, e: String) {
        if self.errors.fetch_add(1, Ordering::Relaxed) < ERRORS_SHOWN {
            eprintln!("p11-load {who}: {e}");
        }
    }
}

type R<T> = Result<T, String>;

fn ctx<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> String {
    move |e| format!("{what}: {e}")
}

fn slot(p: &Pkcs11, label: &str) -> R<Slot> {
    for s in p
        .get_slots_with_initialized_token()
        .map_err(ctx("C_GetSlotList"))?
    {
        if p.get_token_info(s)
            .map_err(ctx("C_GetTokenInfo"))?
            .label()
            .trim_end()
            == label
        {
            return Ok(s);
        }
    }
    Err(format!("no token labelled {label:?}"))
}

/// One iteration on a fresh key; each step counted when it succeeded.
fn iteration(
    s: &Session,
    label: &str,
    (signer, signer_label): (ObjectHandle, &str),
    c: &Counts,
) -> R<()> {
    let key = s
        .generate_key(
            &Mechanism::AesKeyGen,
            &hardening_tests::aes_token_key(label),
        )
        .map_err(ctx("C_GenerateKey"))?;
    c.generate.fetch_add(1, Ordering::Relaxed);
    let ct = s
        .encrypt(&Mechanism::AesCbcPad([7u8; 16]), key, &[0x5a; 100])
        .map_err(ctx("C_Encrypt"))?;
    if ct.len() != 112 {
        return Err(format!("CBC-PAD of 100 bytes gave {} bytes", ct.len()));
    }
    c.encrypt.fetch_add(1, Ordering::Relaxed);
    let found = s
        .find_objects(&[
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::Label(label.as_bytes().to_vec()),
        ])
        .map_err(ctx("C_FindObjects"))?;
    if found != [key] {
        return Err(format!(
            "find by the unique label {label} returned {} handles",
            found.len()
        ));
    }
    // The signer was made before the other processes' keys: a find by its
    // label must still give exactly its one handle while they write.
    let signers = s
        .find_objects(&[
            Attribute::Class(ObjectClass::PRIVATE_KEY),
            Attribute::Label(signer_label.as_bytes().to_vec()),
        ])
        .map_err(ctx("C_FindObjects"))?;
    if signers != [signer] {
        return Err(format!(
            "find by the unique label {signer_label} returned {} handles",
            signers.len()
        ));
    }
    c.find.fetch_add(1, Ordering::Relaxed);
    let attrs = s
        .get_attributes(
            key,
            &[
                AttributeType::Label,
                AttributeType::ValueLen,
                AttributeType::KeyType,
                AttributeType::UniqueId,
            ],
        )
        .map_err(ctx("C_GetAttributeValue"))?;
    let label_ok = attrs
        .iter()
        .any(|a| matches!(a, Attribute::Label(l) if l == label.as_bytes()));
    let len_ok = attrs
        .iter()
        .any(|a| matches!(a, Attribute::ValueLen(n) if u64::from(*n) == 32));
    if !label_ok || !len_ok || attrs.len() != 4 {
        return Err(format!("attributes of {label} read back wrong"));
    }
    c.attributes.fetch_add(1, Ordering::Relaxed);
    let sig = s
        .sign(&Mechanism::Ecdsa, signer, &[0x42; 32])
        .map_err(ctx("C_Sign"))?;
    if sig.len() != 64 {
        return Err(format!("a P-256 signature has 64 bytes, got {}", sig.len()));
    }
    c.sign.fetch_add(1, Ordering::Relaxed);
    s.destroy_object(key).map_err(ctx("C_DestroyObject"))?;
    c.destroy.fetch_add(1, Ordering::Relaxed);
    Ok(())
}

fn thread(p: Pkcs11, slot: Slot, who: String, deadline: Instant, c: Arc<Counts>) -> R<()> {
    let s = p.open_rw_session(slot).map_err(ctx("C_OpenSession"))?;
    let signer_label = format!("{who}-signer");
    let (public, private) = s
        .generate_key_pair(
            &Mechanism::EccKeyPairGen,
            &[
                Attribute::Token(true),
                Attribute::EcParams(P256.to_vec()),
                Attribute::Verify(true),
                Attribute::Label(signer_label.clone().into_bytes()),
            ],
            &[
                Attribute::Token(true),
                Attribute::Private(true),
                Attribute::Sensitive(true),
                Attribute::Sign(true),
                Attribute::Label(signer_label.clone().into_bytes()),
            ],
        )
        .map_err(ctx("C_GenerateKeyPair"))?;
    let mut n = 0u64;
    while Instant::now() < deadline {
        n += 1;
        if let Err(e) = iteration(&s, &format!("{who}-{n}"), (private, &signer_label), &c) {
            c.error(&who, e);
        }
    }
    for h in [private, public] {
        if let Err(e) = s.destroy_object(h) {
            c.error(&who, format!("C_DestroyObject of the signer: {e}"));
        }
    }
    Ok(())
}

fn run(token: &str, name: &str, threads: u64, seconds: u64) -> R<Counts> {
    let module = hardening_tests::pkcs11_module()?;
    let p = Pkcs11::new(&module).map_err(ctx("loading the module"))?;
    p.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .map_err(ctx("C_Initialize"))?;
    let slot = slot(&p, token)?;
    // Login is per application: one login serves every session of the process.
    let login = p.open_rw_session(slot).map_err(ctx("C_OpenSession"))?;
    login
        .login(UserType::User, Some(&AuthPin::from(USER_PIN)))
        .map_err(ctx("C_Login"))?;
    let counts = Arc::new(Counts::default());
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (p, c) = (p.clone(), counts.clone());
            let who = format!("{name}-t{t}");
            std::thread::spawn(move || thread(p, slot, who, deadline, c))
        })
        .collect();
    for h in handles {
        match h.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => counts.error(name, e),
            Err(_) => counts.error(name, "a thread panicked".into()),
        }
    }
    login.logout().map_err(ctx("C_Logout"))?;
    drop(login);
    p.finalize().map_err(ctx("C_Finalize"))?;
    Arc::try_unwrap(counts).map_err(|_| "counters still shared".to_string())
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let parsed = match args.as_slice() {
        [token, name, threads, seconds] => match (threads.parse(), seconds.parse()) {
            (Ok(t), Ok(s)) => Some((token, name, t, s)),
            _ => None,
        },
        _ => None,
    };
    let Some((token, name, threads, seconds)) = parsed else {
        eprintln!("usage: p11-load TOKEN NAME THREADS SECONDS");
        std::process::exit(2);
    };
    match run(token, name, threads, seconds) {
        Ok(c) => {
            let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
            println!(
                "ops {name} generate={} encrypt={} find={} attributes={} sign={} destroy={} errors={}",
                g(&c.generate),
                g(&c.encrypt),
                g(&c.find),
                g(&c.attributes),
                g(&c.sign),
                g(&c.destroy),
                g(&c.errors)
            );
            if g(&c.errors) > 0 {
                std::process::exit(1);
            }
        }
        Err(e) => {
            eprintln!("p11-load {name}: {e}");
            std::process::exit(3);
        }
    }
}
