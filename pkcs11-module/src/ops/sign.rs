//! C_Sign* and C_Verify* (PKCS#11 3.0 §5.13–5.14) with MAC mechanisms
//! (HMAC over every digest and AES-CMAC, each with its _GENERAL form) and
//! the asymmetric signatures of [`super::sign_asym`].

use super::sign_asym::{self, AsymOp};
use super::{emit, Out};
use crate::attrs::{key_type_of, Obj};
use crate::error::{fail, Error, Result};
use crate::key_cache::Version;
use crate::key_use::KeyUse;
use crate::mechanism::{self, Mechanism, Param};
use crate::objects::in_session;
use crate::session::Session;
use cryptoki_sys::*;
use keystore::access::Operation;
use keystore::crypto::mac::{Mac, MacAlgorithm};
use keystore::lifecycle::Usage;
use keystore::object::UsageMask;
use keystore::{Algorithm, ObjectType, SecretBytes};

enum Engine {
    Mac {
        alg: MacAlgorithm,
        key: SecretBytes,
        /// The context made at Init (which checks the key) and used by the
        /// first C_Sign / C_SignUpdate; None once consumed.
        ctx: Option<Mac>,
        /// C_SignUpdate / C_VerifyUpdate has been called.
        parts: bool,
    },
    Asym(AsymOp),
}

/// A signature or verification under way.
pub struct SignOp {
    engine: Engine,
    /// Output length in bytes (the _GENERAL length, else the full MAC).
    out_len: usize,
    /// The key, for the audit log and the context-specific login.
    key_use: KeyUse,
}

impl SignOp {
    pub fn key_use(&self) -> &KeyUse {
        &self.key_use
    }
}

fn mac_setup(m: &Mechanism, k: &Obj) -> Result<(MacAlgorithm, usize)> {
    let (alg, general) = if let Some((d, general)) = mechanism::hmac_of(m.ty) {
        let ok = match (k.attrs.algorithm, k.attrs.object_type) {
            (_, ObjectType::SecretData) => true,
            (Some(Algorithm::GenericSecret), _) => true,
            (Some(Algorithm::Hmac(kd)), _) => kd == d,
            _ => false,
        };
        if !ok {
            return fail(
                CKR_KEY_TYPE_INCONSISTENT,
                "an HMAC or generic secret key is needed",
            );
        }
        (MacAlgorithm::Hmac(d), general)
    } else if m.ty == CKM_AES_CMAC || m.ty == CKM_AES_CMAC_GENERAL {
        if key_type_of(&k.attrs) != Some(CKK_AES) {
            return fail(CKR_KEY_TYPE_INCONSISTENT, "an AES key is needed");
        }
        (MacAlgorithm::CmacAes, m.ty == CKM_AES_CMAC_GENERAL)
    } else {
        return fail(CKR_MECHANISM_INVALID, format!("mechanism {:#x}", m.ty));
    };
    let full = alg.output_len();
    let len = match (&m.param, general) {
        (Param::MacLen(n), true) if (1..=full).contains(n) => *n,
        (_, true) => return fail(CKR_MECHANISM_PARAM_INVALID, "MAC length"),
        (Param::None, false) => full,
        (Param::Bytes(b), false) if b.is_empty() => full,
        (_, false) => return fail(CKR_MECHANISM_PARAM_INVALID, "no parameter expected"),
    };
    Ok((alg, len))
}

fn op_slot(s: &mut Session, sign: bool) -> &mut Option<SignOp> {
    if sign {
        &mut s.sign
    } else {
        &mut s.verify
    }
}

/// C_SignInit / C_VerifyInit.
pub fn init(h: CK_SESSION_HANDLE, m: &Mechanism, key: CK_OBJECT_HANDLE, sign: bool) -> Result<()> {
    in_session(h, |md, s| {
        if op_slot(s, sign).is_some() {
            return fail(CKR_OPERATION_ACTIVE, "an operation is under way");
        }
        let (flag, usage, bits) = if sign {
            (
                CKF_SIGN,
                Usage::Protect,
                UsageMask::SIGN | UsageMask::MAC_GENERATE,
            )
        } else {
            (
                CKF_VERIFY,
                Usage::Process,
                UsageMask::VERIFY | UsageMask::MAC_VERIFY,
            )
        };
        mechanism::require(m.ty, flag)?;
        let v = Version::read_now(md);
        let k = md.load_key_at(s, key, usage, v)?;
        // The key's type is checked before its usage flags (an X25519 key
        // asked to sign is CKR_KEY_TYPE_INCONSISTENT).
        let asym_op = if sign_asym::is_asym(m.ty) {
            Some(sign_asym::setup(m, &k, sign)?)
        } else {
            None
        };
        if k.attrs.usage.0 & bits == 0 {
            return fail(CKR_KEY_FUNCTION_NOT_PERMITTED, "the key may not do that");
        }
        mechanism::allowed(&k.attrs, m.ty)?;
        let key_use = KeyUse::new(
            md,
            s.slot,
            if sign {
                Operation::Sign
            } else {
                Operation::Verify
            },
            &k,
            m.ty,
            v,
        )?;
        // A context-specific login counts only after this Init (§5.6.8).
        s.context_login = false;
        if let Some(op) = asym_op {
            *op_slot(s, sign) = Some(SignOp {
                out_len: op.out_len,
                engine: Engine::Asym(op),
                key_use,
            });
            return Ok(());
        }
        let (alg, out_len) = mac_setup(m, &k)?;
        let key = k.value.clone().unwrap_or_default();
        // Check the key now (CMAC needs 16, 24 or 32 bytes); the context
        // serves the operation.
        let ctx = Mac::new(alg, key.expose())
            .map_err(|e| Error::rv(CKR_KEY_SIZE_RANGE, e.to_string()))?;
        *op_slot(s, sign) = Some(SignOp {
            engine: Engine::Mac {
                alg,
                key,
                ctx: Some(ctx),
                parts: false,
            },
            out_len,
            key_use,
        });
        Ok(())
    })
}

fn compute_once(op: &mut SignOp, data: &[u8]) -> Result<Vec<u8>> {
    match &mut op.engine {
        Engine::Mac { alg, key, ctx, .. } => {
            let mut m = match ctx.take() {
                Some(c) => c,
                None => Mac::new(*alg, key.expose())?,
            };
            m.update(data)?;
            let mut t = m.finish()?;
            t.truncate(op.out_len);
            Ok(t)
        }
        Engine::Asym(a) => a.sign_once(data),
    }
}

/// Whether C_*Update has been called on `op`.
fn multi_part(op: &SignOp) -> bool {
    match &op.engine {
        Engine::Mac { parts, .. } => *parts,
        Engine::Asym(a) => a.multi_part(),
    }
}

/// C_Sign.
pub fn sign(h: CK_SESSION_HANDLE, data: &[u8], out: Out<'_>) -> Result<usize> {
    in_session(h, |md, s| {
        let op = s
            .sign
            .as_ref()
            .ok_or_else(|| Error::rv(CKR_OPERATION_NOT_INITIALIZED, "no signature"))?;
        if multi_part(op) {
            return fail(CKR_OPERATION_ACTIVE, "a multi-part signature is under way");
        }
        let len = op.out_len;
        match out {
            None => Ok(len),
            Some(b) if b.len() < len => Err(Error::BufferTooSmall(len)),
            Some(b) => {
                // CKA_ALWAYS_AUTHENTICATE (§4.9) or the identity's MFA
                // policy: refused, the operation stays for the login.
                op.key_use
                    .check_login_recorded(md, s.slot, s.context_login)?;
                let mut op = s.sign.take().ok_or_else(|| Error::general("gone"))?;
                s.context_login = false;
                let r = compute_once(&mut op, data).and_then(|sig| emit(Some(b), &sig));
                op.key_use.record(md, s.slot, &r);
                r
            }
        }
    })
}

/// C_SignUpdate / C_VerifyUpdate.
pub fn update(h: CK_SESSION_HANDLE, data: &[u8], sign: bool) -> Result<()> {
    in_session(h, |_, s| {
        let slot = op_slot(s, sign);
        let op = slot
            .as_mut()
            .ok_or_else(|| Error::rv(CKR_OPERATION_NOT_INITIALIZED, "no operation"))?;
        let r = match &mut op.engine {
            Engine::Mac {
                alg,
                key,
                ctx,
                parts,
            } => (|| {
                *parts = true;
                if ctx.is_none() {
                    *ctx = Some(Mac::new(*alg, key.expose())?);
                }
                match ctx.as_mut() {
                    Some(c) => c.update(data),
                    None => Ok(()),
                }
            })()
            .map_err(Error::from),
            Engine::Asym(a) => a.update(data),
        };
        if r.is_err() {
            *slot = None;
        }
        r
    })
}

fn finish_mac(op: SignOp) -> Result<Vec<u8>> {
    let out_len = op.out_len;
    let (alg, key, ctx) = match op.engine {
        Engine::Mac { alg, key, ctx, .. } => (alg, key, ctx),
        Engine::Asym(a) => return a.sign_final(),
    };
    let ctx = match ctx {
        Some(c) => c,
        None => Mac::new(alg, key.expose())?,
    };
    let mut t = ctx.finish()?;
    t.truncate(out_len);
    Ok(t)
}

/// C_SignFinal.
pub fn sign_final(h: CK_SESSION_HANDLE, out: Out<'_>) -> Result<usize> {
    in_session(h, |md, s| {
        let op = s
            .sign
            .as_ref()
            .ok_or_else(|| Error::rv(CKR_OPERATION_NOT_INITIALIZED, "no signature"))?;
        let len = op.out_len;
        match out {
            None => Ok(len),
            Some(b) if b.len() < len => Err(Error::BufferTooSmall(len)),
            Some(b) => {
                let key_use = op.key_use.clone();
                key_use.check_login_recorded(md, s.slot, s.context_login)?;
                let op = s.sign.take().ok_or_else(|| Error::general("gone"))?;
                s.context_login = false;
                let r = finish_mac(op).and_then(|sig| emit(Some(b), &sig));
                key_use.record(md, s.slot, &r);
                r
            }
        }
    })
}

fn check_tag(expected: &[u8], sig: &[u8]) -> Result<()> {
    if sig.len() != expected.len() {
        return fail(CKR_SIGNATURE_LEN_RANGE, "wrong MAC length");
    }
    if !keystore::secret::ct_eq(expected, sig) {
        return fail(CKR_SIGNATURE_INVALID, "MAC mismatch");
    }
    Ok(())
}

/// Takes the verification under way for its last call: refused (and left
/// in place for the login) when its key needs a context-specific login.
fn take_verify(md: &crate::state::Module, s: &mut Session) -> Result<SignOp> {
    let op = s
        .verify
        .take()
        .ok_or_else(|| Error::rv(CKR_OPERATION_NOT_INITIALIZED, "no verification"))?;
    if let Err(e) = op.key_use.check_login_recorded(md, s.slot, s.context_login) {
        s.verify = Some(op);
        return Err(e);
    }
    s.context_login = false;
    Ok(op)
}

/// C_Verify.
pub fn verify(h: CK_SESSION_HANDLE, data: &[u8], sig: &[u8]) -> Result<()> {
    in_session(h, |md, s| {
        if s.verify.as_ref().is_some_and(multi_part) {
            return fail(
                CKR_OPERATION_ACTIVE,
                "a multi-part verification is under way",
            );
        }
        let mut op = take_verify(md, s)?;
        let r = match &op.engine {
            Engine::Asym(a) => a.verify_once(data, sig),
            Engine::Mac { .. } => compute_once(&mut op, data).and_then(|t| check_tag(&t, sig)),
        };
        op.key_use.record(md, s.slot, &r);
        r
    })
}

/// C_VerifyFinal.
pub fn verify_final(h: CK_SESSION_HANDLE, sig: &[u8]) -> Result<()> {
    in_session(h, |md, s| {
        let op = take_verify(md, s)?;
        let key_use = op.key_use.clone();
        let r = match op.engine {
            Engine::Asym(a) => a.verify_final(sig),
            Engine::Mac { .. } => finish_mac(op).and_then(|t| check_tag(&t, sig)),
        };
        key_use.record(md, s.slot, &r);
        r
    })
}
