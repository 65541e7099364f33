//! A PKCS#11 client of keybridge's module for the crash test, run as its own
//! process so the test can SIGKILL it at any instruction.
//!
//! `p11-writer init TOKEN`: C_InitToken on the empty slot, C_InitPIN.
//! `p11-writer crash TOKEN NAME SEED`: loops until killed: C_Login (sometimes
//! a wrong PIN first), generate token AES keys with unique labels,
//! C_SetAttributeValue(CKA_LABEL), C_DestroyObject, C_Logout; every
//! operation announced before and acknowledged after success (see
//! `hardening_tests::acks`).
//! `p11-writer verify TOKEN`: C_Login still works, and the module shows the
//! token objects listed on stdin (`uid label kcv` lines), and no others.
//!
//! The module is `KEYBRIDGE_PKCS11_MODULE` (set by the test) and finds its
//! store through `KEYBRIDGE_CONF`. Exit 3 on any unexpected PKCS#11 error.
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use hardening_tests::acks::{acknowledge, announce, Op};
use hardening_tests::fixture::{SO_PIN, USER_PIN};
use hardening_tests::Rng;

type R<T> = Result<T, String>;

fn ctx(what: &str) -> impl Fn(Error) -> String + '_ {
    move |e| format!("{what}: {e}")
}

fn io(e: std::io::Error) -> String {
    format!("stdout: {e}")
}

fn load() -> R<Pkcs11> {
    let module = hardening_tests::pkcs11_module()?;
    let p = Pkcs11::new(&module).map_err(ctx("loading the module"))?;
    p.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .map_err(ctx("C_Initialize"))?;
    Ok(p)
}

/// The slot whose token is labelled `label`.
pub fn token_slot(p: &Pkcs11, label: &str) -> R<Slot> {
    for s in p
        .get_slots_with_initialized_token()
        .map_err(ctx("C_GetSlotList"))?
    {
        let info = p.get_token_info(s).map_err(ctx("C_GetTokenInfo"))?;
        if info.label().trim_end() == label {
            return Ok(s);
        }
    }
    Err(format!("no token labelled {label:?}"))
}

fn init(label: &str) -> R<()> {
    let p = load()?;
    let mut empty = None;
    for s in p.get_slots_with_token().map_err(ctx("C_GetSlotList"))? {
        let info = p.get_token_info(s).map_err(ctx("C_GetTokenInfo"))?;
        if !info.token_initialized() {
            empty = Some(s);
        }
    }
    let slot = empty.ok_or("no empty slot")?;
    p.init_token(slot, &AuthPin::from(SO_PIN), label)
        .map_err(ctx("C_InitToken"))?;
    let slot = token_slot(&p, label)?;
    let s = p.open_rw_session(slot).map_err(ctx("C_OpenSession"))?;
    s.login(UserType::So, Some(&AuthPin::from(SO_PIN)))
        .map_err(ctx("SO C_Login"))?;
    s.init_pin(&AuthPin::from(USER_PIN))
        .map_err(ctx("C_InitPIN"))?;
    drop(s);
    p.finalize().map_err(ctx("C_Finalize"))
}

/// C_Login still works after the kills, and the module shows the token
/// objects the store holds. Stdin: `count N` (the token's secret keys in the
/// store: the module must show as many), then `uid label kcv` lines: a find
/// by each label gives one handle, with that CKA_UNIQUE_ID and a key that
/// encrypts to that check value.
fn verify(label: &str) -> R<()> {
    use std::io::BufRead;
    let p = load()?;
    let s = p
        .open_rw_session(token_slot(&p, label)?)
        .map_err(ctx("C_OpenSession"))?;
    s.login(UserType::User, Some(&AuthPin::from(USER_PIN)))
        .map_err(ctx("C_Login"))?;
    let mut lines = std::io::stdin().lock().lines();
    let first = lines
        .next()
        .transpose()
        .map_err(|e| format!("stdin: {e}"))?;
    let expected: usize = first
        .as_deref()
        .and_then(|l| l.strip_prefix("count "))
        .and_then(|n| n.parse().ok())
        .ok_or("the first line is `count N`")?;
    let mut checked = 0usize;
    for line in lines {
        let line = line.map_err(|e| format!("stdin: {e}"))?;
        let [uid, key_label, kcv] = line.split_whitespace().collect::<Vec<_>>()[..] else {
            return Err(format!("expected `uid label kcv`, got {line:?}"));
        };
        let h = find_one(&s, key_label)?;
        if unique_id(&s, h)? != uid {
            return Err(format!("the key labelled {key_label} is not {uid}"));
        }
        let block = s
            .encrypt(&Mechanism::AesEcb, h, &[0u8; 16])
            .map_err(ctx("C_Encrypt(CKM_AES_ECB)"))?;
        if hardening_tests::check_value_of_block(&block)? != kcv {
            return Err(format!("{uid}: the module's key differs from the store's"));
        }
        checked += 1;
    }
    let keys = s
        .find_objects(&[Attribute::Class(ObjectClass::SECRET_KEY)])
        .map_err(ctx("C_FindObjects"))?;
    if keys.len() != expected {
        return Err(format!(
            "the module shows {} secret keys, the store {expected}",
            keys.len()
        ));
    }
    println!("secret keys {expected}, checked {checked}");
    s.logout().map_err(ctx("C_Logout"))?;
    drop(s);
    p.finalize().map_err(ctx("C_Finalize"))
}

/// An object this writer created and has not destroyed.
struct Live {
    uid: String,
    label: String,
}

/// The one handle of the object labelled `label`; two would be a bug.
fn find_one(s: &Session, label: &str) -> R<ObjectHandle> {
    let found = s
        .find_objects(&[
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::Label(label.as_bytes().to_vec()),
        ])
        .map_err(ctx("C_FindObjects"))?;
    match found.as_slice() {
        [h] => Ok(*h),
        other => Err(format!(
            "find by the unique label {label} returned {} handles",
            other.len()
        )),
    }
}

fn unique_id(s: &Session, h: ObjectHandle) -> R<String> {
    let attrs = s
        .get_attributes(h, &[AttributeType::UniqueId])
        .map_err(ctx("C_GetAttributeValue(CKA_UNIQUE_ID)"))?;
    match attrs.as_slice() {
        [Attribute::UniqueId(u)] => String::from_utf8(u.clone()).map_err(|e| e.to_string()),
        _ => Err("no CKA_UNIQUE_ID".into()),
    }
}

fn create(s: &Session, label: &str) -> R<Live> {
    announce(&Op::Create {
        uid: "-".into(),
        label: label.into(),
        kcv: "-".into(),
    })
    .map_err(io)?;
    let mut template = hardening_tests::aes_token_key(label);
    template.push(Attribute::Extractable(false));
    let h = s
        .generate_key(&Mechanism::AesKeyGen, &template)
        .map_err(ctx("C_GenerateKey"))?;
    let block = s
        .encrypt(&Mechanism::AesEcb, h, &[0u8; 16])
        .map_err(ctx("C_Encrypt(CKM_AES_ECB)"))?;
    let kcv = hardening_tests::check_value_of_block(&block)?;
    let uid = unique_id(s, h)?;
    acknowledge(&Op::Create {
        uid: uid.clone(),
        label: label.into(),
        kcv,
    })
    .map_err(io)?;
    Ok(Live {
        uid,
        label: label.into(),
    })
}

fn crash_loop(token: &str, name: &str, seed: u64) -> R<()> {
    let p = load()?;
    let slot = token_slot(&p, token)?;
    let mut rng = Rng::new(seed);
    let mut live: Vec<Live> = Vec::new();
    let mut n = 0u64;
    loop {
        let s = p.open_rw_session(slot).map_err(ctx("C_OpenSession"))?;
        // A wrong PIN now and then; the right one follows at once, so the
        // failure count is reset long before the lockout.
        if rng.chance(25) {
            match s.login(UserType::User, Some(&AuthPin::from("not-the-user-pin"))) {
                Err(Error::Pkcs11(RvError::PinIncorrect, _)) => {}
                other => return Err(format!("a wrong PIN gave {other:?}")),
            }
        }
        announce(&Op::Login).map_err(io)?;
        s.login(UserType::User, Some(&AuthPin::from(USER_PIN)))
            .map_err(ctx("C_Login"))?;
        acknowledge(&Op::Login).map_err(io)?;
        for _ in 0..=rng.below(3) {
            n += 1;
            live.push(create(&s, &format!("{name}-{n}"))?);
        }
        if !live.is_empty() && rng.chance(70) {
            let i = rng.below(live.len() as u64) as usize;
            if let Some(o) = live.get_mut(i) {
                n += 1;
                let label = format!("{name}-{n}");
                let h = find_one(&s, &o.label)?;
                announce(&Op::Label {
                    uid: o.uid.clone(),
                    label: label.clone(),
                })
                .map_err(io)?;
                s.update_attributes(h, &[Attribute::Label(label.as_bytes().to_vec())])
                    .map_err(ctx("C_SetAttributeValue(CKA_LABEL)"))?;
                acknowledge(&Op::Label {
                    uid: o.uid.clone(),
                    label: label.clone(),
                })
                .map_err(io)?;
                o.label = label;
            }
        }
        if live.len() > 2 && rng.chance(50) {
            let i = rng.below(live.len() as u64) as usize;
            let o = live.swap_remove(i);
            let h = find_one(&s, &o.label)?;
            announce(&Op::Destroy { uid: o.uid.clone() }).map_err(io)?;
            s.destroy_object(h).map_err(ctx("C_DestroyObject"))?;
            acknowledge(&Op::Destroy { uid: o.uid }).map_err(io)?;
        }
        s.logout().map_err(ctx("C_Logout"))?;
    }
}

fn run(args: &[String]) -> R<()> {
    match args {
        [mode, token] if mode == "init" => init(token),
        [mode, token] if mode == "verify" => verify(token),
        [mode, token, name, seed] if mode == "crash" => {
            let seed = seed.parse().map_err(|_| "SEED is a number".to_string())?;
            crash_loop(token, name, seed)
        }
        _ => Err("usage: p11-writer init TOKEN | verify TOKEN | crash TOKEN NAME SEED".into()),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = run(&args) {
        eprintln!("p11-writer: {e}");
        std::process::exit(3);
    }
}
