//! C_Digest* (PKCS#11 3.0 §5.12): SHA-1, SHA-2 and SHA-3, and the saving
//! and restoring of a digest under way (C_GetOperationState /
//! C_SetOperationState, §5.6.5–5.6.6).
//!
//! OpenSSL's hash contexts cannot be exported, so a saved state is not the
//! hash's chaining value: it is the mechanism and the data fed so far. That
//! is only honest while the data is small, so the module keeps at most
//! [`MAX_SAVED`] bytes of it; a digest that has seen more, or has digested
//! a key with C_DigestKey (whose value must never leave the module), is
//! CKR_STATE_UNSAVEABLE. Restoring replays the data into a fresh context.

use super::{emit, Out};
use crate::error::{fail, Error, Result};
use crate::mechanism::{self, Mechanism, Param};
use crate::objects::in_session;
use cryptoki_sys::*;
use keystore::crypto::digest::{self, Digest, DigestAlgorithm};
use keystore::ObjectType;

/// The most data a digest keeps for C_GetOperationState, in bytes.
pub const MAX_SAVED: usize = 64 * 1024;

/// The first bytes of a saved digest state, with its format version.
const STATE_MAGIC: &[u8; 8] = b"KBDGST01";

/// A digest under way: the data seen so far lives in the hash state, and
/// while it is small and key-free, also in `saved` (see the module doc).
pub struct DigestOp {
    mech: CK_MECHANISM_TYPE,
    alg: DigestAlgorithm,
    ctx: Option<Digest>,
    saved: Option<Vec<u8>>,
}

/// C_DigestInit.
pub fn init(h: CK_SESSION_HANDLE, m: &Mechanism) -> Result<()> {
    in_session(h, |_, s| {
        if s.digest.is_some() {
            return fail(CKR_OPERATION_ACTIVE, "a digest is under way");
        }
        mechanism::require(m.ty, CKF_DIGEST)?;
        let alg = mechanism::digest_of(m.ty)
            .ok_or_else(|| Error::rv(CKR_MECHANISM_INVALID, "not a digest"))?;
        if !matches!(m.param, Param::None) && m.param != Param::Bytes(Vec::new()) {
            return fail(CKR_MECHANISM_PARAM_INVALID, "digests take no parameter");
        }
        s.digest = Some(DigestOp {
            mech: m.ty,
            alg,
            ctx: None,
            saved: Some(Vec::new()),
        });
        Ok(())
    })
}

/// C_Digest: single-part.
pub fn single(h: CK_SESSION_HANDLE, data: &[u8], out: Out<'_>) -> Result<usize> {
    in_session(h, |_, s| {
        let op = s
            .digest
            .as_ref()
            .ok_or_else(|| Error::rv(CKR_OPERATION_NOT_INITIALIZED, "no digest"))?;
        if op.ctx.is_some() {
            return fail(CKR_OPERATION_ACTIVE, "a multi-part digest is under way");
        }
        let len = op.alg.output_len();
        match out {
            None => Ok(len),
            Some(b) if b.len() < len => Err(Error::BufferTooSmall(len)),
            Some(b) => {
                let alg = op.alg;
                s.digest = None;
                emit(Some(b), &digest::digest(alg, data)?)
            }
        }
    })
}

/// Feeds `data`; `secret` data (a key's value) makes the state unsaveable.
fn feed(h: CK_SESSION_HANDLE, data: &[u8], secret: bool) -> Result<()> {
    in_session(h, |_, s| {
        let op = s
            .digest
            .as_mut()
            .ok_or_else(|| Error::rv(CKR_OPERATION_NOT_INITIALIZED, "no digest"))?;
        if op.ctx.is_none() {
            op.ctx = Some(Digest::new(op.alg)?);
        }
        op.saved = match op.saved.take() {
            Some(mut kept) if !secret && kept.len() + data.len() <= MAX_SAVED => {
                kept.extend_from_slice(data);
                Some(kept)
            }
            _ => None,
        };
        let r = match op.ctx.as_mut() {
            Some(c) => c.update(data).map_err(Error::from),
            None => Err(Error::general("digest context missing")),
        };
        if r.is_err() {
            s.digest = None;
        }
        r
    })
}

/// C_DigestUpdate.
pub fn update(h: CK_SESSION_HANDLE, data: &[u8]) -> Result<()> {
    feed(h, data, false)
}

/// C_DigestKey (§5.12.4): digests a secret key's value without revealing it.
pub fn digest_key(h: CK_SESSION_HANDLE, key: CK_OBJECT_HANDLE) -> Result<()> {
    let value = in_session(h, |m, s| {
        if s.digest.is_none() {
            return fail(CKR_OPERATION_NOT_INITIALIZED, "no digest");
        }
        let k = m
            .load(s, key)
            .map_err(|_| Error::rv(CKR_KEY_HANDLE_INVALID, "no such key"))?;
        if !matches!(
            k.attrs.object_type,
            ObjectType::SymmetricKey | ObjectType::SecretData
        ) {
            return fail(CKR_KEY_INDIGESTIBLE, "only secret keys can be digested");
        }
        k.value
            .clone()
            .ok_or_else(|| Error::rv(CKR_KEY_INDIGESTIBLE, "the key has no value"))
    })?;
    feed(h, value.expose(), true)
}

/// C_GetOperationState (§5.6.5) for a session whose only operation is a
/// digest: the state described in the module doc. Any other operation
/// under way, or a digest past [`MAX_SAVED`] bytes or fed a key, is
/// CKR_STATE_UNSAVEABLE; no operation at all is CKR_OPERATION_NOT_INITIALIZED.
pub fn get_state(h: CK_SESSION_HANDLE, out: Out<'_>) -> Result<usize> {
    in_session(h, |_, s| {
        let others = s.encrypt.is_some()
            || s.decrypt.is_some()
            || s.sign.is_some()
            || s.verify.is_some()
            || s.msg_encrypt.is_some()
            || s.msg_decrypt.is_some();
        let op = match (&s.digest, others) {
            (Some(op), false) => op,
            (None, false) => return fail(CKR_OPERATION_NOT_INITIALIZED, "no operation"),
            (_, true) => return fail(CKR_STATE_UNSAVEABLE, "only a digest's state can be saved"),
        };
        let kept = op.saved.as_ref().ok_or_else(|| {
            Error::rv(
                CKR_STATE_UNSAVEABLE,
                "the digest has seen a key or more than 64 KiB",
            )
        })?;
        let mut state = Vec::with_capacity(STATE_MAGIC.len() + 9 + kept.len());
        state.extend_from_slice(STATE_MAGIC);
        state.extend_from_slice(&(op.mech as u64).to_be_bytes());
        state.push(u8::from(op.ctx.is_some()));
        state.extend_from_slice(kept);
        match out {
            None => Ok(state.len()),
            Some(b) if b.len() < state.len() => Err(Error::BufferTooSmall(state.len())),
            Some(b) => emit(Some(b), &state),
        }
    })
}

/// C_SetOperationState (§5.6.6): restores a state from [`get_state`], in
/// this or another session, replacing any digest under way. A state this
/// module did not write is CKR_SAVED_STATE_INVALID; digests need no keys,
/// so a key handle is CKR_KEY_NOT_NEEDED.
pub fn set_state(
    h: CK_SESSION_HANDLE,
    state: &[u8],
    enc_key: CK_OBJECT_HANDLE,
    auth_key: CK_OBJECT_HANDLE,
) -> Result<()> {
    let invalid = || Error::rv(CKR_SAVED_STATE_INVALID, "not a keybridge digest state");
    let body = state.strip_prefix(STATE_MAGIC).ok_or_else(invalid)?;
    if body.len() < 9 || body.len() - 9 > MAX_SAVED {
        return Err(invalid());
    }
    let mut mech = [0u8; 8];
    mech.copy_from_slice(&body[..8]);
    let mech = u64::from_be_bytes(mech) as CK_MECHANISM_TYPE;
    let alg = mechanism::digest_of(mech).ok_or_else(invalid)?;
    let started = match body[8] {
        0 => false,
        1 => true,
        _ => return Err(invalid()),
    };
    let data = &body[9..];
    if !started && !data.is_empty() {
        return Err(invalid());
    }
    in_session(h, |_, s| {
        if enc_key != CK_INVALID_HANDLE || auth_key != CK_INVALID_HANDLE {
            return fail(CKR_KEY_NOT_NEEDED, "digest states need no key");
        }
        let ctx = if started {
            let mut c = Digest::new(alg)?;
            c.update(data)?;
            Some(c)
        } else {
            None
        };
        s.digest = Some(DigestOp {
            mech,
            alg,
            ctx,
            saved: Some(data.to_vec()),
        });
        Ok(())
    })
}

/// C_DigestFinal.
pub fn finish(h: CK_SESSION_HANDLE, out: Out<'_>) -> Result<usize> {
    in_session(h, |_, s| {
        let op = s
            .digest
            .as_mut()
            .ok_or_else(|| Error::rv(CKR_OPERATION_NOT_INITIALIZED, "no digest"))?;
        let len = op.alg.output_len();
        match out {
            None => Ok(len),
            Some(b) if b.len() < len => Err(Error::BufferTooSmall(len)),
            Some(b) => {
                let alg = op.alg;
                let ctx = op.ctx.take();
                s.digest = None;
                let d = match ctx {
                    Some(c) => c.finish()?,
                    None => digest::digest(alg, &[])?,
                };
                emit(Some(b), &d)
            }
        }
    })
}
