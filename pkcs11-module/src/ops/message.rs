//! Message-based encryption (PKCS#11 3.0 §5.10–5.11) with AES-GCM:
//! C_MessageEncryptInit, C_EncryptMessage, C_EncryptMessageBegin/Next,
//! C_MessageEncryptFinal and their decryption twins. Per-message
//! parameters are CK_GCM_MESSAGE_PARAMS; the IV may be generated here and
//! the tag is returned through the parameter.

use super::crypt::{check_aes_key, data_error};
use super::{emit, Out};
use crate::error::{fail, Error, Result};
use crate::mechanism::{self, Mechanism};
use crate::objects::in_session;
use crate::session::Session;
use cryptoki_sys::*;
use keystore::crypto::cipher::{self, CipherContext, CipherMode, Direction};
use keystore::SecretBytes;
use zeroize::Zeroizing;

/// CK_GCM_MESSAGE_PARAMS in safe form.
#[derive(Clone, Debug, Default)]
pub struct GcmMessage {
    pub iv: Vec<u8>,
    pub iv_fixed_bits: usize,
    pub generator: CK_GENERATOR_FUNCTION,
    pub tag_bits: usize,
    /// The tag: read for decryption, written for encryption.
    pub tag: Vec<u8>,
}

/// A message-based operation under way.
pub struct MsgOp {
    key: SecretBytes,
    dir: Direction,
    counter: u64,
    /// A multi-part message between Begin and the END_OF_MESSAGE Next.
    part: Option<(CipherContext, usize)>,
}

fn slot(s: &mut Session, dir: Direction) -> &mut Option<MsgOp> {
    match dir {
        Direction::Encrypt => &mut s.msg_encrypt,
        Direction::Decrypt => &mut s.msg_decrypt,
    }
}

/// C_MessageEncryptInit / C_MessageDecryptInit.
pub fn init(
    h: CK_SESSION_HANDLE,
    m: &Mechanism,
    key: CK_OBJECT_HANDLE,
    dir: Direction,
) -> Result<()> {
    in_session(h, |md, s| {
        if slot(s, dir).is_some() {
            return fail(CKR_OPERATION_ACTIVE, "an operation is under way");
        }
        let flag = match dir {
            Direction::Encrypt => CKF_MESSAGE_ENCRYPT,
            Direction::Decrypt => CKF_MESSAGE_DECRYPT,
        };
        let (usage, bit, op) = super::crypt::key_use_of(dir);
        mechanism::require(m.ty, flag)?;
        let k = md.load_key(s, key, usage)?;
        check_aes_key(&k, m, bit)?;
        if crate::key_use::needs_context_login(md, s.slot, &k, op)? {
            // A message-based operation has no per-use login point.
            return fail(
                CKR_KEY_FUNCTION_NOT_PERMITTED,
                "the key needs a context-specific login before each use: \
                 use C_EncryptInit/C_DecryptInit",
            );
        }
        *slot(s, dir) = Some(MsgOp {
            key: k.value.clone().unwrap_or_default(),
            dir,
            counter: 0,
            part: None,
        });
        Ok(())
    })
}

/// The IV of this message, generated as the parameter asks.
fn message_iv(op: &mut MsgOp, p: &GcmMessage) -> Result<Vec<u8>> {
    if p.iv.is_empty() || p.iv.len() > 256 {
        return fail(CKR_MECHANISM_PARAM_INVALID, "GCM IV length");
    }
    if op.dir == Direction::Decrypt || p.generator == CKG_NO_GENERATE {
        return Ok(p.iv.clone());
    }
    let fixed = p.iv_fixed_bits.div_ceil(8);
    if fixed > p.iv.len() || !p.iv_fixed_bits.is_multiple_of(8) {
        return fail(CKR_MECHANISM_PARAM_INVALID, "fixed IV bits");
    }
    let mut iv = p.iv[..fixed].to_vec();
    let rest = p.iv.len() - fixed;
    match p.generator {
        CKG_GENERATE_RANDOM => iv.extend(keystore::crypto::random::random_bytes(rest)?),
        CKG_GENERATE_COUNTER | CKG_GENERATE => {
            op.counter += 1;
            let c = op.counter.to_be_bytes();
            let n = rest.min(8);
            iv.extend(std::iter::repeat_n(0u8, rest - n));
            iv.extend_from_slice(&c[8 - n..]);
        }
        _ => return fail(CKR_MECHANISM_PARAM_INVALID, "IV generator"),
    }
    Ok(iv)
}

fn tag_len(p: &GcmMessage) -> Result<usize> {
    let n = p.tag_bits / 8;
    if !p.tag_bits.is_multiple_of(8) || !matches!(n, 4 | 8 | 12..=16) {
        return fail(CKR_MECHANISM_PARAM_INVALID, "GCM tag length");
    }
    Ok(n)
}

/// C_EncryptMessage / C_DecryptMessage: one whole message. Returns the
/// output length; on encryption `p.iv` and `p.tag` are set for the caller.
pub fn single(
    h: CK_SESSION_HANDLE,
    dir: Direction,
    p: &mut GcmMessage,
    aad: &[u8],
    data: &[u8],
    out: Out<'_>,
) -> Result<usize> {
    in_session(h, |_, s| {
        let op = slot(s, dir)
            .as_mut()
            .ok_or_else(|| Error::rv(CKR_OPERATION_NOT_INITIALIZED, "no message operation"))?;
        if op.part.is_some() {
            return fail(CKR_OPERATION_ACTIVE, "a multi-part message is under way");
        }
        let tl = tag_len(p)?;
        let len = data.len();
        let buf = match out {
            None => return Ok(len),
            Some(b) if b.len() < len => return Err(Error::BufferTooSmall(len)),
            Some(b) => b,
        };
        let iv = message_iv(op, p)?;
        let mode = CipherMode::AesGcm {
            iv: iv.clone(),
            aad: aad.to_vec(),
            tag_len: tl,
        };
        match dir {
            Direction::Encrypt => {
                let ct = cipher::encrypt(op.key.expose(), &mode, data)
                    .map_err(|e| data_error(e, dir))?;
                let (body, tag) = ct.split_at(ct.len() - tl);
                p.iv = iv;
                p.tag = tag.to_vec();
                emit(Some(buf), body)
            }
            Direction::Decrypt => {
                if p.tag.len() != tl {
                    return fail(CKR_MECHANISM_PARAM_INVALID, "tag length");
                }
                let mut input = data.to_vec();
                input.extend_from_slice(&p.tag);
                let pt = Zeroizing::new(
                    cipher::decrypt(op.key.expose(), &mode, &input)
                        .map_err(|e| data_error(e, dir))?,
                );
                emit(Some(buf), &pt)
            }
        }
    })
}

/// C_EncryptMessageBegin / C_DecryptMessageBegin.
pub fn begin(h: CK_SESSION_HANDLE, dir: Direction, p: &mut GcmMessage, aad: &[u8]) -> Result<()> {
    in_session(h, |_, s| {
        let op = slot(s, dir)
            .as_mut()
            .ok_or_else(|| Error::rv(CKR_OPERATION_NOT_INITIALIZED, "no message operation"))?;
        if op.part.is_some() {
            return fail(CKR_OPERATION_ACTIVE, "a multi-part message is under way");
        }
        let tl = tag_len(p)?;
        let iv = message_iv(op, p)?;
        let mode = CipherMode::AesGcm {
            iv: iv.clone(),
            aad: aad.to_vec(),
            tag_len: tl,
        };
        let ctx = CipherContext::new(op.key.expose(), &mode, dir)
            .map_err(|e| Error::rv(CKR_MECHANISM_PARAM_INVALID, e.to_string()))?;
        p.iv = iv;
        op.part = Some((ctx, tl));
        Ok(())
    })
}

/// C_EncryptMessageNext / C_DecryptMessageNext. With `end`, the message is
/// finished: the tag is written to (encryption) or checked against (decryption) `p.tag`.
pub fn next(
    h: CK_SESSION_HANDLE,
    dir: Direction,
    p: &mut GcmMessage,
    data: &[u8],
    out: Out<'_>,
    end: bool,
) -> Result<usize> {
    in_session(h, |_, s| {
        let op = slot(s, dir)
            .as_mut()
            .ok_or_else(|| Error::rv(CKR_OPERATION_NOT_INITIALIZED, "no message operation"))?;
        let Some((ctx, tl)) = op.part.as_mut() else {
            return fail(CKR_OPERATION_NOT_INITIALIZED, "call C_*MessageBegin first");
        };
        let tl = *tl;
        // GCM encryption streams (the tag goes to the parameter, not the
        // output); decryption releases plaintext only once the tag verified.
        let need = match (dir, end) {
            (Direction::Encrypt, _) => data.len(),
            (Direction::Decrypt, true) => ctx.output_len_bound(data.len() + tl),
            (Direction::Decrypt, false) => 0,
        };
        let buf = match out {
            None => return Ok(need),
            Some(b) if b.len() < need => return Err(Error::BufferTooSmall(need)),
            Some(b) => b,
        };
        let mut produced = Zeroizing::new(ctx.update(data).map_err(|e| data_error(e, dir))?);
        if end {
            let Some((ctx, _)) = op.part.take() else {
                return Err(Error::general("message context vanished"));
            };
            let mut ctx = ctx;
            if dir == Direction::Decrypt {
                if p.tag.len() != tl {
                    return fail(CKR_MECHANISM_PARAM_INVALID, "tag length");
                }
                produced.extend(ctx.update(&p.tag).map_err(|e| data_error(e, dir))?);
            }
            let last = ctx.finish().map_err(|e| data_error(e, dir))?;
            produced.extend_from_slice(&last);
            if dir == Direction::Encrypt {
                let cut = produced.len().saturating_sub(tl);
                p.tag = produced[cut..].to_vec();
                produced.truncate(cut);
            }
        }
        emit(Some(buf), &produced)
    })
}

/// C_MessageEncryptFinal / C_MessageDecryptFinal.
pub fn finish(h: CK_SESSION_HANDLE, dir: Direction) -> Result<()> {
    in_session(h, |_, s| {
        if slot(s, dir).take().is_none() {
            return fail(CKR_OPERATION_NOT_INITIALIZED, "no message operation");
        }
        Ok(())
    })
}
