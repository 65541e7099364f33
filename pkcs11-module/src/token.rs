//! Slots and tokens (PKCS#11 3.0 §5.5): one slot per partition in the
//! store plus one empty slot whose token C_InitToken creates.

use crate::audit;
use crate::error::{fail, Error, Result};
use crate::state::{module, Module};
use cryptoki_sys::*;
use keystore::hierarchy::KdfParams;
use keystore::{PinRole, SecretBytes, MAX_PIN_FAILURES};

/// Shortest and longest PIN accepted (bytes).
pub const MIN_PIN_LEN: usize = 4;
pub const MAX_PIN_LEN: usize = 255;

/// Manufacturer shown in CK_INFO, CK_SLOT_INFO and CK_TOKEN_INFO.
pub const MANUFACTURER: &str = "keybridge";

/// C_GetSlotList (§5.5.2). Every slot holds a token (the empty slot an
/// uninitialized one), so `token_present` changes nothing.
pub fn slot_list() -> Result<Vec<CK_SLOT_ID>> {
    let m = module()?;
    m.refresh_slots()?;
    let n = m.slots.read().len();
    Ok((0..=n as CK_SLOT_ID).collect())
}

/// What CK_SLOT_INFO and CK_TOKEN_INFO need to know of a slot.
pub struct TokenInfo {
    pub label: String,
    pub initialized: bool,
    pub serial: String,
    pub flags: CK_FLAGS,
    pub session_count: usize,
    pub rw_session_count: usize,
}

/// C_GetSlotInfo (§5.5.3): the slot description.
pub fn slot_description(slot: CK_SLOT_ID) -> Result<String> {
    let m = module()?;
    Ok(match m.slot_label(slot)? {
        Some(l) => format!("keybridge slot {slot} ({l})"),
        None => format!("keybridge slot {slot} (empty)"),
    })
}

/// C_GetTokenInfo (§5.5.4).
pub fn token_info(slot: CK_SLOT_ID) -> Result<TokenInfo> {
    let m = module()?;
    let sessions = m.sessions_on(slot);
    let session_count = sessions.len();
    let rw_session_count = sessions.iter().filter(|(_, rw)| *rw).count();
    let Some(label) = m.slot_label(slot)? else {
        return Ok(TokenInfo {
            label: String::new(),
            initialized: false,
            serial: format!("empty{slot}"),
            flags: CKF_RNG | CKF_LOGIN_REQUIRED,
            session_count,
            rw_session_count,
        });
    };
    let info = m.ks.partition_info(&label).map_err(|e| match e {
        keystore::Error::NotFound(_) => Error::rv(CKR_TOKEN_NOT_PRESENT, "token vanished"),
        e => e.into(),
    })?;
    let mut flags = CKF_RNG | CKF_LOGIN_REQUIRED | CKF_TOKEN_INITIALIZED;
    if info.user_pin_set {
        flags |= CKF_USER_PIN_INITIALIZED;
    }
    let f = info.user_pin_failures;
    if f >= MAX_PIN_FAILURES {
        flags |= CKF_USER_PIN_LOCKED;
    } else if f + 1 == MAX_PIN_FAILURES {
        flags |= CKF_USER_PIN_FINAL_TRY | CKF_USER_PIN_COUNT_LOW;
    } else if f > 0 {
        flags |= CKF_USER_PIN_COUNT_LOW;
    }
    if info.so_pin_failures > 0 {
        flags |= CKF_SO_PIN_COUNT_LOW;
    }
    let serial: String = info.id.chars().filter(|c| *c != '-').take(16).collect();
    Ok(TokenInfo {
        label,
        initialized: true,
        serial,
        flags,
        session_count,
        rw_session_count,
    })
}

fn check_pin(pin: &SecretBytes) -> Result<()> {
    if pin.len() < MIN_PIN_LEN || pin.len() > MAX_PIN_LEN {
        return fail(CKR_PIN_LEN_RANGE, "PIN length out of range");
    }
    Ok(())
}

/// The Argon2id parameters for a new PIN: the recommended ones, unless the
/// configuration asks for the test-only cheap setting.
fn pin_kdf() -> Result<KdfParams> {
    if module()?.insecure_test_pin_kdf {
        return Ok(KdfParams::insecure_for_tests()?);
    }
    Ok(KdfParams::recommended()?)
}

/// The token label from the 32 blank-padded bytes of C_InitToken.
pub fn label_from_padded(raw: &[u8]) -> Result<String> {
    let s = std::str::from_utf8(raw)
        .map_err(|_| Error::args("the token label is not UTF-8"))?
        .trim_end_matches([' ', '\0'])
        .to_string();
    if s.is_empty() {
        return fail(CKR_ARGUMENTS_BAD, "the token label is blank");
    }
    Ok(s)
}

/// C_InitToken (§5.5.5). On the empty slot: creates a partition with this
/// SO PIN. On an initialized token: the SO PIN must match; every object and
/// the user PIN are removed and the token is relabelled.
pub fn init_token(slot: CK_SLOT_ID, so_pin: &SecretBytes, label: &str) -> Result<()> {
    let m = module()?;
    let previous = m.slot_label(slot).ok().flatten();
    let r = init_token_in(&m, slot, so_pin, label);
    // Under the new label; the detail says what the token was.
    let detail = match previous {
        Some(old) => format!("slot {slot}, token {old:?} reinitialized"),
        None => format!("slot {slot}, new token"),
    };
    audit::record_as(
        &m,
        &format!("pkcs11:{label}"),
        "C_InitToken",
        None,
        &audit::outcome(&r),
        Some(detail),
    );
    r
}

fn init_token_in(m: &Module, slot: CK_SLOT_ID, so_pin: &SecretBytes, label: &str) -> Result<()> {
    check_pin(so_pin)?;
    if !m.sessions_on(slot).is_empty() {
        return fail(CKR_SESSION_EXISTS, "close the token's sessions first");
    }
    match m.slot_label(slot)? {
        None => {
            m.ks.create_partition_with_so_pin(label, so_pin, pin_kdf()?)
                .map_err(|e| match e {
                    keystore::Error::AlreadyExists(_) => Error::rv(
                        CKR_FUNCTION_FAILED,
                        format!("a token labelled {label:?} already exists"),
                    ),
                    e => e.into(),
                })?;
            m.slots.write(|slots| {
                if !slots.iter().any(|l| l == label) {
                    slots.push(label.to_string());
                }
            });
        }
        Some(current) => {
            let p =
                m.ks.login(&current, PinRole::SecurityOfficer, so_pin)
                    .map_err(|e| match e {
                        // NotFound: a partition made over KMIP has no SO PIN.
                        keystore::Error::PinIncorrect | keystore::Error::NotFound(_) => {
                            Error::rv(CKR_PIN_INCORRECT, "wrong SO PIN")
                        }
                        e => e.into(),
                    })?;
            m.ks.wipe_partition(&p)?;
            m.ks.relabel_partition(&p, label).map_err(|e| match e {
                keystore::Error::AlreadyExists(_) => Error::rv(
                    CKR_FUNCTION_FAILED,
                    format!("a token labelled {label:?} already exists"),
                ),
                e => e.into(),
            })?;
            let i = slot as usize;
            m.slots.write(|slots| slots[i] = label.to_string());
            m.logins.write(|l| l.remove(&slot));
            let mut objects = m.objects.lock();
            let stale: Vec<_> = objects
                .by_handle
                .iter()
                .filter(|(_, r)| r.slot == slot)
                .map(|(h, _)| *h)
                .collect();
            for h in stale {
                objects.forget(h);
            }
        }
    }
    Ok(())
}

/// C_InitPIN (§5.5.6): the SO sets the user PIN (which also unlocks it).
pub fn init_pin(h: CK_SESSION_HANDLE, pin: &SecretBytes) -> Result<()> {
    let m = module()?;
    let s = m.session(h)?;
    let (slot, rw) = {
        let s = s.lock();
        (s.slot, s.rw)
    };
    let r = init_pin_in(&m, slot, rw, pin);
    let detail = Some("CKU_USER PIN set by CKU_SO".to_string());
    audit::record(&m, slot, "C_InitPIN", None, &audit::outcome(&r), detail);
    r
}

fn init_pin_in(m: &Module, slot: CK_SLOT_ID, rw: bool, pin: &SecretBytes) -> Result<()> {
    let logins = m.logins.read();
    let login = match logins.get(&slot) {
        Some(l) if l.user == CKU_SO => l,
        _ => return fail(CKR_USER_NOT_LOGGED_IN, "C_InitPIN needs the SO"),
    };
    if !rw {
        return fail(CKR_SESSION_READ_ONLY, "read-only session");
    }
    check_pin(pin)?;
    let partition = login.partition.clone();
    drop(logins);
    m.ks.set_pin(&partition, PinRole::User, pin, pin_kdf()?)?;
    Ok(())
}

/// C_SetPIN (§5.5.7): the logged-in user or SO changes their own PIN; with
/// nobody logged in, the user PIN (the old one proves it).
pub fn set_pin(h: CK_SESSION_HANDLE, old: &SecretBytes, new: &SecretBytes) -> Result<()> {
    let m = module()?;
    let s = m.session(h)?;
    let (slot, rw) = {
        let s = s.lock();
        (s.slot, s.rw)
    };
    let user = match m.login_user(slot) {
        Some(CKU_SO) => CKU_SO,
        _ => CKU_USER,
    };
    let r = set_pin_in(&m, slot, rw, old, new);
    let detail = Some(audit::user_type_name(user));
    audit::record(&m, slot, "C_SetPIN", None, &audit::outcome(&r), detail);
    r
}

fn set_pin_in(
    m: &Module,
    slot: CK_SLOT_ID,
    rw: bool,
    old: &SecretBytes,
    new: &SecretBytes,
) -> Result<()> {
    if !rw {
        return fail(CKR_SESSION_READ_ONLY, "read-only session");
    }
    check_pin(new)?;
    let role = match m.login_user(slot) {
        Some(CKU_SO) => PinRole::SecurityOfficer,
        _ => PinRole::User,
    };
    let label = m.token_label(slot)?;
    let p = m.ks.login(&label, role, old)?;
    m.ks.set_pin(&p, role, new, pin_kdf()?)?;
    Ok(())
}
