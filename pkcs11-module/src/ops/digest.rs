//! C_Digest* (PKCS#11 3.0 §5.12): SHA-1, SHA-2 and SHA-3.

use super::{emit, Out};
use crate::error::{fail, Error, Result};
use crate::mechanism::{self, Mechanism, Param};
use crate::objects::in_session;
use cryptoki_sys::*;
use keystore::crypto::digest::{self, Digest, DigestAlgorithm};
use keystore::ObjectType;

/// A digest under way: the data seen so far lives in the hash state.
pub struct DigestOp {
    alg: DigestAlgorithm,
    ctx: Option<Digest>,
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
        s.digest = Some(DigestOp { alg, ctx: None });
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

fn feed(h: CK_SESSION_HANDLE, data: &[u8]) -> Result<()> {
    in_session(h, |_, s| {
        let op = s
            .digest
            .as_mut()
            .ok_or_else(|| Error::rv(CKR_OPERATION_NOT_INITIALIZED, "no digest"))?;
        if op.ctx.is_none() {
            op.ctx = Some(Digest::new(op.alg)?);
        }
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
    feed(h, data)
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
            .ok_or_else(|| Error::rv(CKR_KEY_INDIGESTIBLE, "the key has no value"))
    })?;
    feed(h, value.expose())
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
