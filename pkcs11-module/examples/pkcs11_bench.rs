//! Side-by-side throughput of keybridge's PKCS#11 module, SoftHSM2 and raw
//! OpenSSL (the `openssl` crate, no PKCS#11 layer), in one run:
//!
//! ```text
//! cargo build --release -p pkcs11-module
//! cargo run --release -p pkcs11-module --example pkcs11_bench
//! ```
//!
//! The keybridge module is `$KEYBRIDGE_MODULE` or `<target>/release/
//! libkeybridge_pkcs11.so`; SoftHSM2 is `$SOFTHSM2_MODULE` or
//! `/usr/lib/softhsm/libsofthsm2.so`. Each runs on a fresh token in a
//! temporary directory. Each figure is operations per second over about
//! `$BENCH_SECONDS` (default 1) seconds of wall time; ratios are keybridge
//! over the other. A benchmark, never a test: nothing here asserts a speed.
//!
//! The OpenSSL column is the `openssl` crate's ordinary API with what the
//! module also keeps between operations made once, outside the timed loop:
//! the keys, and for AES-GCM the cipher fetched from OpenSSL's provider
//! (the module keeps its ciphers fetched). Per message, AES-GCM is a new
//! `CipherCtx` with one `encrypt_init`, `cipher_update`, `cipher_final`
//! and `tag`; HMAC, RSA and ECDSA a new `Signer` over
//! `MessageDigest::sha256()` (OpenSSL looks SHA-256 up in its provider at
//! each one; the module's HMAC-SHA256 is computed by the `hmac`/`sha2`
//! crates and does no such look-up, which is most of its lead there).
//!
//! The multi-thread rows run each thread on its own session (the login is
//! the application's, so every session is logged in), started together.
//! `$BENCH_LIBS` (default `keybridge,softhsm,openssl`) picks the columns
//! measured and `$BENCH_FIND_OBJECTS` (default 10000) the number of token
//! objects searched, for quicker runs while working; the issue's figures
//! are with the defaults. After the table, each target of the issue with
//! the measured ratio.

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::aead::GcmParams;
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use std::path::PathBuf;
use std::time::{Duration, Instant};

const SO_PIN: &str = "abcdef654321";
const USER_PIN: &str = "fedcba123456";
fn find_objects() -> usize {
    std::env::var("BENCH_FIND_OBJECTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000)
}

/// Whether `$BENCH_LIBS` asks for `lib`.
fn wanted(lib: &str) -> bool {
    std::env::var("BENCH_LIBS").map_or(true, |v| v.split(',').any(|x| x.trim() == lib))
}
/// DER of the P-256 curve OID (1.2.840.10045.3.1.7).
const P256: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

type Row = (&'static str, Option<f64>, Option<f64>, Option<f64>);

fn budget() -> Duration {
    let s: f64 = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1.0);
    Duration::from_secs_f64(s)
}

/// Runs `f` until the budget is spent; operations per second, or None if
/// an operation failed (the error is printed).
fn rate<E: std::fmt::Debug>(what: &str, mut f: impl FnMut() -> Result<(), E>) -> Option<f64> {
    let b = budget();
    if let Err(e) = f() {
        eprintln!("  {what}: {e:?}");
        return None;
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < b {
        if let Err(e) = f() {
            eprintln!("  {what}: {e:?}");
            return None;
        }
        n += 1;
    }
    Some(n as f64 / start.elapsed().as_secs_f64())
}

/// The same operation on `threads` threads at once, each with its own
/// state from `make`; total operations per second.
fn rate_threads<S, E: std::fmt::Debug>(
    what: &str,
    threads: usize,
    make: impl Fn() -> S + Sync,
    op: impl Fn(&mut S) -> Result<(), E> + Sync,
) -> Option<f64> {
    let start = std::sync::Barrier::new(threads);
    let results: Vec<Option<f64>> = std::thread::scope(|sc| {
        let hs: Vec<_> = (0..threads)
            .map(|_| {
                sc.spawn(|| {
                    let mut st = make();
                    start.wait();
                    rate(what, || op(&mut st))
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().ok().flatten()).collect()
    });
    results.into_iter().sum()
}

/// A PKCS#11 library with an initialized token, logged in, and the keys
/// of the benchmark.
struct Token {
    p: Pkcs11,
    slot: cryptoki::slot::Slot,
    aes: ObjectHandle,
    hmac: ObjectHandle,
    rsa: ObjectHandle,
    ec: ObjectHandle,
}

impl Token {
    /// The token and the session that holds the login: closing an
    /// application's last session logs it out (PKCS#11 3.0 §5.6.4).
    fn open(lib: &str, label: &str) -> (Token, Session) {
        let p = Pkcs11::new(lib).expect("load module");
        p.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
            .expect("C_Initialize");
        let slot = p.get_slots_with_token().expect("slots").remove(0);
        let so = AuthPin::new(SO_PIN.into());
        p.init_token(slot, &so, label).expect("C_InitToken");
        let s = p.open_rw_session(slot).expect("session");
        s.login(UserType::So, Some(&so)).expect("SO login");
        s.init_pin(&AuthPin::new(USER_PIN.into()))
            .expect("C_InitPIN");
        s.logout().expect("logout");
        s.login(UserType::User, Some(&AuthPin::new(USER_PIN.into())))
            .expect("user login");
        let aes = s
            .generate_key(
                &Mechanism::AesKeyGen,
                &[
                    Attribute::Token(true),
                    Attribute::ValueLen(32.into()),
                    Attribute::Encrypt(true),
                    Attribute::Decrypt(true),
                ],
            )
            .expect("AES key");
        let hmac = s
            .create_object(&[
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::GENERIC_SECRET),
                Attribute::Token(true),
                Attribute::Value(vec![0x5c; 32]),
                Attribute::Sign(true),
                Attribute::Verify(true),
            ])
            .expect("HMAC key");
        let (_, rsa) = s
            .generate_key_pair(
                &Mechanism::RsaPkcsKeyPairGen,
                &[
                    Attribute::Token(true),
                    Attribute::ModulusBits(2048.into()),
                    Attribute::PublicExponent(vec![1, 0, 1]),
                ],
                &[Attribute::Token(true), Attribute::Sign(true)],
            )
            .expect("RSA key pair");
        let (_, ec) = s
            .generate_key_pair(
                &Mechanism::EccKeyPairGen,
                &[Attribute::Token(true), Attribute::EcParams(P256.to_vec())],
                &[Attribute::Token(true), Attribute::Sign(true)],
            )
            .expect("EC key pair");
        let t = Token {
            p,
            slot,
            aes,
            hmac,
            rsa,
            ec,
        };
        (t, s)
    }

    /// A new session; the login is the application's, shared by all.
    fn session(&self) -> Session {
        self.p.open_rw_session(self.slot).expect("session")
    }
}

fn gcm_encrypt(
    s: &Session,
    k: ObjectHandle,
    iv: &mut u64,
    data: &[u8],
) -> cryptoki::error::Result<()> {
    *iv += 1;
    let mut nonce = [0u8; 12];
    nonce[4..].copy_from_slice(&iv.to_be_bytes());
    let m = Mechanism::AesGcm(GcmParams::new(&mut nonce, &[], 128.into())?);
    s.encrypt(&m, k, data).map(drop)
}

fn rsa_sign(s: &Session, k: ObjectHandle, data: &[u8]) -> cryptoki::error::Result<()> {
    s.sign(&Mechanism::Sha256RsaPkcs, k, data).map(drop)
}

/// The single-threaded figures and the 1-vs-2-thread figures of one library.
fn bench_token(t: &Token, name: &str) -> Vec<Option<f64>> {
    eprintln!("{name}: measuring");
    let s = t.session();
    let page = vec![0xa5u8; 4096];
    let kib = vec![0x3cu8; 1024];
    let mut iv = 0u64;
    let mut out = vec![
        rate("AES-256-GCM", || gcm_encrypt(&s, t.aes, &mut iv, &page)),
        rate("HMAC-SHA256", || {
            s.sign(&Mechanism::Sha256Hmac, t.hmac, &kib).map(drop)
        }),
        rate("RSA sign", || rsa_sign(&s, t.rsa, &kib)),
        rate("ECDSA sign", || {
            s.sign(&Mechanism::EcdsaSha256, t.ec, &kib).map(drop)
        })
        .or_else(|| {
            // SoftHSM2 2.6 has CKM_ECDSA but not CKM_ECDSA_SHA256.
            eprintln!("  {name}: ECDSA as CKM_ECDSA over a SHA-256 computed here");
            rate("ECDSA sign", || {
                s.sign(&Mechanism::Ecdsa, t.ec, &openssl::sha::sha256(&kib))
                    .map(drop)
            })
        }),
        rate("token AES keygen", || {
            s.generate_key(
                &Mechanism::AesKeyGen,
                &[Attribute::Token(true), Attribute::ValueLen(32.into())],
            )
            .map(drop)
        }),
    ];
    let n_objects = find_objects();
    eprintln!("{name}: creating {n_objects} token objects");
    let start = Instant::now();
    let mut created = true;
    for i in 0..n_objects {
        let r = s.create_object(&[
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(KeyType::AES),
            Attribute::Token(true),
            Attribute::Value(vec![(i % 251) as u8; 16]),
            Attribute::Label(format!("object-{i}").into_bytes()),
        ]);
        if let Err(e) = r {
            eprintln!("  creating object {i}: {e:?}");
            created = false;
            break;
        }
    }
    eprintln!("{name}: created in {:.1} s", start.elapsed().as_secs_f64());
    out.push(if created {
        let mut i = 0usize;
        rate("C_FindObjects", || {
            i = (i + 7919) % n_objects;
            let label = format!("object-{i}").into_bytes();
            let found = s.find_objects(&[Attribute::Label(label)])?;
            if found.len() == 1 {
                Ok(())
            } else {
                Err(cryptoki::error::Error::InvalidValue)
            }
        })
    } else {
        None
    });
    for threads in [1, 2] {
        out.push(rate_threads(
            "RSA sign",
            threads,
            || t.session(),
            |s| rsa_sign(s, t.rsa, &kib),
        ));
    }
    for threads in [1, 2] {
        out.push(rate_threads(
            "AES-GCM",
            threads,
            || (t.session(), 0u64),
            |(s, iv)| gcm_encrypt(s, t.aes, iv, &page),
        ));
    }
    out
}

/// The same operations with the `openssl` crate directly.
fn bench_openssl() -> Vec<Option<f64>> {
    use openssl::cipher::Cipher;
    use openssl::cipher_ctx::CipherCtx;
    use openssl::ec::{EcGroup, EcKey};
    use openssl::hash::MessageDigest;
    use openssl::nid::Nid;
    use openssl::pkey::PKey;
    use openssl::rsa::Rsa;
    use openssl::sign::Signer;
    eprintln!("OpenSSL: measuring");
    let page = vec![0xa5u8; 4096];
    let kib = vec![0x3cu8; 1024];
    let key = [7u8; 32];
    let rsa = PKey::from_rsa(Rsa::generate(2048).expect("RSA")).expect("pkey");
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1).expect("P-256");
    let ec = PKey::from_ec_key(EcKey::generate(&group).expect("EC")).expect("pkey");
    let hmac = PKey::hmac(&[0x5c; 32]).expect("HMAC key");
    // Fetched once like the keys, as the module keeps its ciphers: given
    // `Cipher::aes_256_gcm()`, OpenSSL 3 would look the algorithm up in
    // its provider tables again at every init.
    let aes_gcm = Cipher::fetch(None, "AES-256-GCM", None).expect("AES-256-GCM");
    let gcm = |iv: &mut u64| -> Result<(), openssl::error::ErrorStack> {
        *iv += 1;
        let mut nonce = [0u8; 12];
        nonce[4..].copy_from_slice(&iv.to_be_bytes());
        let mut ctx = CipherCtx::new()?;
        ctx.encrypt_init(Some(&aes_gcm), Some(&key), Some(&nonce))?;
        let mut out = Vec::with_capacity(page.len() + 16);
        ctx.cipher_update_vec(&page, &mut out)?;
        ctx.cipher_final_vec(&mut out)?;
        let mut tag = [0u8; 16];
        ctx.tag(&mut tag)?;
        out.extend_from_slice(&tag);
        Ok(())
    };
    let rsa_sign = || {
        let mut sg = Signer::new(MessageDigest::sha256(), &rsa)?;
        sg.update(&kib)?;
        sg.sign_to_vec().map(drop)
    };
    let mut iv = 0u64;
    let mut out = vec![
        rate("AES-256-GCM", || gcm(&mut iv)),
        rate("HMAC-SHA256", || {
            let mut sg = Signer::new(MessageDigest::sha256(), &hmac)?;
            sg.update(&kib)?;
            sg.sign_to_vec().map(drop)
        }),
        rate("RSA sign", rsa_sign),
        rate("ECDSA sign", || {
            let mut sg = Signer::new(MessageDigest::sha256(), &ec)?;
            sg.update(&kib)?;
            sg.sign_to_vec().map(drop)
        }),
        // No token: key generation is 32 random bytes; no objects to find.
        rate("AES keygen (random bytes)", || {
            let mut k = [0u8; 32];
            openssl::rand::rand_bytes(&mut k)
        }),
        None,
    ];
    for threads in [1, 2] {
        out.push(rate_threads("RSA sign", threads, || (), |_| rsa_sign()));
    }
    for threads in [1, 2] {
        out.push(rate_threads("AES-GCM", threads, || 0u64, gcm));
    }
    out
}

fn target_dir() -> PathBuf {
    // The example binary lives in <target>/release/examples/.
    std::env::current_exe()
        .ok()
        .and_then(|p| p.parent()?.parent().map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("target/release"))
}

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path().display();
    let kb_module = std::env::var("KEYBRIDGE_MODULE").unwrap_or_else(|_| {
        target_dir()
            .join("libkeybridge_pkcs11.so")
            .display()
            .to_string()
    });
    let hsm_module = std::env::var("SOFTHSM2_MODULE")
        .unwrap_or_else(|_| "/usr/lib/softhsm/libsofthsm2.so".to_string());
    let kb_conf = dir.path().join("keybridge.toml");
    std::fs::write(
        &kb_conf,
        format!(
            "[store]\npath = \"{d}/store.db\"\n[master_key]\nfile = \"{d}/master.key\"\n\
             [pkcs11]\nlog_file = \"{d}/pkcs11.log\"\n"
        ),
    )
    .expect("keybridge config");
    std::fs::create_dir(dir.path().join("softhsm")).expect("SoftHSM2 token dir");
    let hsm_conf = dir.path().join("softhsm2.conf");
    std::fs::write(
        &hsm_conf,
        format!(
            "directories.tokendir = {d}/softhsm\nobjectstore.backend = file\nlog.level = ERROR\n"
        ),
    )
    .expect("SoftHSM2 config");
    std::env::set_var("KEYBRIDGE_CONF", &kb_conf);
    std::env::set_var("SOFTHSM2_CONF", &hsm_conf);

    let kb = wanted("keybridge").then(|| Token::open(&kb_module, "bench"));
    let kb_rows = match &kb {
        Some((kb, _login)) => bench_token(kb, "keybridge"),
        None => Vec::new(),
    };
    let hsm_rows = if !wanted("softhsm") {
        Vec::new()
    } else if std::path::Path::new(&hsm_module).exists() {
        let (hsm, _hsm_login) = Token::open(&hsm_module, "bench");
        bench_token(&hsm, "SoftHSM2")
    } else {
        eprintln!("SoftHSM2 not found at {hsm_module}: its column is empty");
        Vec::new()
    };
    let ossl_rows = if wanted("openssl") {
        bench_openssl()
    } else {
        Vec::new()
    };

    let names = [
        "AES-256-GCM encrypt 4 KiB",
        "HMAC-SHA256 1 KiB",
        "RSA-2048 sign (SHA256_RSA_PKCS)",
        "ECDSA P-256 sign (ECDSA_SHA256)",
        "token AES-256 key generation",
        "C_FindObjects by label (Init+Find+Final)",
        "RSA-2048 sign, 1 thread",
        "RSA-2048 sign, 2 threads",
        "AES-256-GCM 4 KiB, 1 thread",
        "AES-256-GCM 4 KiB, 2 threads",
    ];
    let rows: Vec<Row> = names
        .iter()
        .enumerate()
        .map(|(i, n)| {
            (
                *n,
                kb_rows.get(i).copied().flatten(),
                hsm_rows.get(i).copied().flatten(),
                ossl_rows.get(i).copied().flatten(),
            )
        })
        .collect();
    let f = |v: Option<f64>| v.map_or("n/a".to_string(), |v| format!("{v:.0}"));
    let r = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
        _ => "n/a".to_string(),
    };
    println!("| operation (ops/s) | keybridge | SoftHSM2 | OpenSSL | kb/SoftHSM2 | kb/OpenSSL |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (n, kb, hsm, ossl) in rows {
        println!(
            "| {n} | {} | {} | {} | {} | {} |",
            f(kb),
            f(hsm),
            f(ossl),
            r(kb, hsm),
            r(kb, ossl)
        );
    }
    print_targets(&kb_rows, &hsm_rows, &ossl_rows);
    if let Some((kb, login)) = kb {
        drop(login);
        let _ = kb.p.finalize();
    }
}

/// The issue's targets with the ratios measured (SoftHSM2's own ratio in
/// brackets where it has one).
fn print_targets(kb: &[Option<f64>], hsm: &[Option<f64>], ossl: &[Option<f64>]) {
    let at = |v: &[Option<f64>], i: usize| v.get(i).copied().flatten();
    let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
        (Some(a), Some(b)) if b > 0.0 => Some(a / b),
        _ => None,
    };
    let show = |r: Option<f64>| r.map_or("n/a".to_string(), |r| format!("{r:.2}"));
    println!();
    println!("| target | keybridge | [SoftHSM2] |");
    println!("|---|---:|---:|");
    for (what, i, goal) in [
        ("AES-256-GCM 4 KiB vs OpenSSL (>= 0.6)", 0, 0.6),
        ("HMAC-SHA256 1 KiB vs OpenSSL (>= 0.6)", 1, 0.6),
        ("RSA-2048 sign vs OpenSSL (>= 0.9)", 2, 0.9),
        ("ECDSA P-256 sign vs OpenSSL (>= 0.9)", 3, 0.9),
    ] {
        let k = ratio(at(kb, i), at(ossl, i));
        let mark = if k.is_some_and(|k| k >= goal) {
            "met"
        } else {
            "NOT met"
        };
        println!(
            "| {what} | {} {mark} | [{}] |",
            show(k),
            show(ratio(at(hsm, i), at(ossl, i)))
        );
    }
    let keygen = ratio(at(kb, 4), at(hsm, 4));
    println!(
        "| token key generation vs SoftHSM2 (>= 2) | {} {} | |",
        show(keygen),
        if keygen.is_some_and(|k| k >= 2.0) {
            "met"
        } else {
            "NOT met"
        }
    );
    let ms = |v: Option<f64>| v.map(|ops| 1000.0 / ops);
    let find = ms(at(kb, 5));
    println!(
        "| find by label, ms per search (< 1) | {} {} | [{}] |",
        show(find),
        if find.is_some_and(|f| f < 1.0) {
            "met"
        } else {
            "NOT met"
        },
        show(ms(at(hsm, 5)))
    );
    for (what, i) in [
        ("RSA sign 2 threads / 1 (>= 1.7)", 6),
        ("AES-GCM 2 threads / 1 (>= 1.7)", 8),
    ] {
        let k = ratio(at(kb, i + 1), at(kb, i));
        let mark = if k.is_some_and(|k| k >= 1.7) {
            "met"
        } else {
            "NOT met"
        };
        println!(
            "| {what} | {} {mark} | [{}] |",
            show(k),
            show(ratio(at(hsm, i + 1), at(hsm, i)))
        );
    }
    println!(
        "(OpenSSL itself, 2 threads / 1: RSA {}, AES-GCM {}; the machine's cores bound every column)",
        show(ratio(at(ossl, 7), at(ossl, 6))),
        show(ratio(at(ossl, 9), at(ossl, 8)))
    );
}
