//! C_Encrypt* and C_Decrypt* (PKCS#11 3.0 §5.8–5.9) with the AES mechanisms
//! and RSA (PKCS#1 v1.5, OAEP and raw; Current Mechanisms §2.1.6–2.1.9, single-part).

use super::{emit, keeps_operation, Out};
use crate::attrs::{key_type_of, Obj};
use crate::error::{fail, Error, Result};
use crate::key_cache::Version;
use crate::key_use::KeyUse;
use crate::mechanism::{self, Mechanism, Param};
use crate::objects::in_session;
use crate::session::Session;
use cryptoki_sys::*;
use keystore::access::Operation;
use keystore::crypto::cipher::{self, CipherContext, CipherMode, Direction};
use keystore::crypto::rsa_crypt::{self, RsaPadding};
use keystore::crypto::wrap;
use keystore::lifecycle::Usage;
use keystore::object::UsageMask;
use keystore::SecretBytes;
use zeroize::Zeroizing;

/// What a cipher operation does.
pub enum CryptKind {
    Cipher(CipherMode),
    /// RFC 3394 (`pad = false`) or RFC 5649 key wrap, single-part only.
    KeyWrap {
        pad: bool,
    },
    /// RSA encryption with a public key, decryption with a private key.
    Rsa(RsaPadding),
}

/// An encryption or decryption under way.
pub struct CryptOp {
    key: SecretBytes,
    kind: CryptKind,
    dir: Direction,
    /// The cipher context, made at Init (which checks key and parameters)
    /// and used by C_Encrypt or the first C_EncryptUpdate.
    ctx: Option<CipherContext>,
    /// C_EncryptUpdate / C_DecryptUpdate has been called.
    parts: bool,
    /// The key, for the audit log and the context-specific login
    /// (CKA_ALWAYS_AUTHENTICATE, §4.9, or the identity's MFA policy).
    key_use: KeyUse,
}

impl CryptOp {
    pub fn key_use(&self) -> &KeyUse {
        &self.key_use
    }
}

/// The cipher of an AES mechanism with its parameter.
pub fn cipher_kind(m: &Mechanism) -> Result<CryptKind> {
    let bad = |msg: &str| Error::rv(CKR_MECHANISM_PARAM_INVALID, msg.to_string());
    let no_param = matches!(&m.param, Param::None) || m.param == Param::Bytes(Vec::new());
    Ok(match (m.ty, &m.param) {
        (CKM_AES_ECB, _) if no_param => CryptKind::Cipher(CipherMode::AesEcb),
        (CKM_AES_CBC, Param::Bytes(iv)) if iv.len() == 16 => {
            CryptKind::Cipher(CipherMode::AesCbc { iv: iv.clone() })
        }
        (CKM_AES_CBC_PAD, Param::Bytes(iv)) if iv.len() == 16 => {
            CryptKind::Cipher(CipherMode::AesCbcPad { iv: iv.clone() })
        }
        (CKM_AES_CTR, Param::Ctr { counter_bits, cb }) if (1..=128).contains(counter_bits) => {
            CryptKind::Cipher(CipherMode::AesCtr { iv: cb.to_vec() })
        }
        (CKM_AES_GCM, Param::Gcm { iv, aad, tag_bits }) => {
            let tag_len = tag_bits / 8;
            if tag_bits % 8 != 0 || !matches!(tag_len, 4 | 8 | 12..=16) {
                return Err(bad("GCM tag length"));
            }
            if iv.is_empty() || iv.len() > 256 {
                return Err(bad("GCM IV length"));
            }
            CryptKind::Cipher(CipherMode::AesGcm {
                iv: iv.clone(),
                aad: aad.clone(),
                tag_len,
            })
        }
        (CKM_AES_KEY_WRAP, _) if no_param => CryptKind::KeyWrap { pad: false },
        (CKM_AES_KEY_WRAP, Param::Bytes(iv)) if iv == &[0xA6; 8] => {
            CryptKind::KeyWrap { pad: false }
        }
        (CKM_AES_KEY_WRAP_KWP, _) if no_param => CryptKind::KeyWrap { pad: true },
        (CKM_AES_KEY_WRAP_KWP, Param::Bytes(iv)) if iv == &[0xA6, 0x59, 0x59, 0xA6] => {
            CryptKind::KeyWrap { pad: true }
        }
        (CKM_RSA_PKCS, _) if no_param => CryptKind::Rsa(RsaPadding::Pkcs1v15),
        (CKM_RSA_X_509, _) if no_param => CryptKind::Rsa(RsaPadding::Raw),
        (CKM_RSA_PKCS_OAEP, Param::Oaep { hash, mgf, label }) => {
            let hash = mechanism::digest_of(*hash)
                .filter(|d| {
                    use keystore::crypto::digest::DigestAlgorithm as D;
                    matches!(d, D::Sha1 | D::Sha224 | D::Sha256 | D::Sha384 | D::Sha512)
                })
                .ok_or_else(|| bad("OAEP hash"))?;
            CryptKind::Rsa(RsaPadding::Oaep {
                hash,
                mgf1: super::sign_asym::mgf1_of(*mgf)?,
                label: label.clone(),
            })
        }
        (CKM_RSA_PKCS | CKM_RSA_X_509 | CKM_RSA_PKCS_OAEP, _) => {
            return Err(bad("mechanism parameter"))
        }
        (
            CKM_AES_ECB | CKM_AES_CBC | CKM_AES_CBC_PAD | CKM_AES_CTR | CKM_AES_GCM
            | CKM_AES_KEY_WRAP | CKM_AES_KEY_WRAP_KWP,
            _,
        ) => return Err(bad("mechanism parameter")),
        _ => return fail(CKR_MECHANISM_INVALID, format!("mechanism {:#x}", m.ty)),
    })
}

/// Checks that `key` is an AES key allowed to do `usage_bit` with `m`.
pub fn check_aes_key(key: &Obj, m: &Mechanism, usage_bit: u32) -> Result<()> {
    if key_type_of(&key.attrs) != Some(CKK_AES) {
        return fail(CKR_KEY_TYPE_INCONSISTENT, "an AES key is needed");
    }
    if !key.attrs.usage.contains(usage_bit) {
        return fail(
            CKR_KEY_FUNCTION_NOT_PERMITTED,
            "the key's attributes forbid this use",
        );
    }
    mechanism::allowed(&key.attrs, m.ty)
}

/// Checks that `key` may do `usage_bit` with the cipher `kind` and returns
/// the key bytes the cipher runs on (for RSA encryption the public key,
/// also when the caller names the private half).
pub fn key_for(kind: &CryptKind, key: &Obj, m: &Mechanism, usage_bit: u32) -> Result<SecretBytes> {
    let CryptKind::Rsa(_) = kind else {
        check_aes_key(key, m, usage_bit)?;
        return Ok(key.value.clone().unwrap_or_default());
    };
    if crate::asym::kind_of(&key.attrs) != Some(crate::asym::Kind::Rsa) {
        return fail(CKR_KEY_TYPE_INCONSISTENT, "an RSA key is needed");
    }
    let private = key.attrs.object_type == keystore::ObjectType::PrivateKey;
    let encrypts = usage_bit & (UsageMask::ENCRYPT | UsageMask::WRAP_KEY) != 0;
    if !encrypts && !private {
        return fail(CKR_KEY_TYPE_INCONSISTENT, "decryption needs a private key");
    }
    if !key.attrs.usage.contains(usage_bit) {
        return fail(
            CKR_KEY_FUNCTION_NOT_PERMITTED,
            "the key's attributes forbid this use",
        );
    }
    mechanism::allowed(&key.attrs, m.ty)?;
    if encrypts {
        Ok(SecretBytes::new(crate::asym::spki(key)?))
    } else {
        Ok(key.value.clone().unwrap_or_default())
    }
}

/// Runs a whole cipher in one call (also used by wrap, unwrap and derive).
pub fn run_once(
    kind: &CryptKind,
    key: &[u8],
    dir: Direction,
    data: &[u8],
) -> Result<Zeroizing<Vec<u8>>> {
    let r = match (kind, dir) {
        (CryptKind::Cipher(mode), Direction::Encrypt) => cipher::encrypt(key, mode, data),
        (CryptKind::Cipher(mode), Direction::Decrypt) => cipher::decrypt(key, mode, data),
        (CryptKind::KeyWrap { pad: false }, Direction::Encrypt) => wrap::aes_key_wrap(key, data),
        (CryptKind::KeyWrap { pad: true }, Direction::Encrypt) => wrap::aes_key_wrap_pad(key, data),
        (CryptKind::KeyWrap { pad: false }, Direction::Decrypt) => {
            wrap::aes_key_unwrap(key, data).map(|s| s.expose().to_vec())
        }
        (CryptKind::KeyWrap { pad: true }, Direction::Decrypt) => {
            wrap::aes_key_unwrap_pad(key, data).map(|s| s.expose().to_vec())
        }
        (CryptKind::Rsa(p), Direction::Encrypt) => rsa_crypt::rsa_encrypt(key, p, data),
        (CryptKind::Rsa(p), Direction::Decrypt) => {
            rsa_crypt::rsa_decrypt(key, p, data).map(|s| s.expose().to_vec())
        }
    };
    r.map(Zeroizing::new).map_err(|e| data_error(e, dir))
}

/// The return code of a cipher failure on caller data.
pub fn data_error(e: keystore::Error, dir: Direction) -> Error {
    match (e, dir) {
        (keystore::Error::InvalidArgument(m), Direction::Encrypt) => {
            Error::rv(CKR_DATA_LEN_RANGE, m)
        }
        (keystore::Error::InvalidArgument(m), Direction::Decrypt) => {
            Error::rv(CKR_ENCRYPTED_DATA_LEN_RANGE, m)
        }
        (keystore::Error::DecryptionFailed(m), _) => Error::rv(CKR_ENCRYPTED_DATA_INVALID, m),
        (e, _) => e.into(),
    }
}

/// What a direction asks of a key: its lifecycle use, its CKA_ENCRYPT /
/// CKA_DECRYPT usage bit, and the operation grants and MFA policies name.
pub(crate) fn key_use_of(dir: Direction) -> (Usage, u32, Operation) {
    match dir {
        Direction::Encrypt => (Usage::Protect, UsageMask::ENCRYPT, Operation::Encrypt),
        Direction::Decrypt => (Usage::Process, UsageMask::DECRYPT, Operation::Decrypt),
    }
}

fn op_slot(s: &mut Session, dir: Direction) -> &mut Option<CryptOp> {
    match dir {
        Direction::Encrypt => &mut s.encrypt,
        Direction::Decrypt => &mut s.decrypt,
    }
}

/// C_EncryptInit / C_DecryptInit.
pub fn init(
    h: CK_SESSION_HANDLE,
    m: &Mechanism,
    key: CK_OBJECT_HANDLE,
    dir: Direction,
) -> Result<()> {
    in_session(h, |md, s| {
        if op_slot(s, dir).is_some() {
            return fail(CKR_OPERATION_ACTIVE, "an operation is under way");
        }
        let flag = match dir {
            Direction::Encrypt => CKF_ENCRYPT,
            Direction::Decrypt => CKF_DECRYPT,
        };
        let (usage, bit, op) = key_use_of(dir);
        mechanism::require(m.ty, flag)?;
        let v = Version::read_now(md);
        let k = md.load_key_at(s, key, usage, v)?;
        let kind = cipher_kind(m)?;
        let value = key_for(&kind, &k, m, bit)?;
        let key_use = KeyUse::new(md, s.slot, op, &k, m.ty, v)?;
        // A context-specific login counts only after this Init (§5.6.8).
        s.context_login = false;
        let ctx = match &kind {
            // Reject a bad key or parameter now rather than at the first
            // update; the context then serves the operation.
            CryptKind::Cipher(mode) => Some(
                CipherContext::new(value.expose(), mode, dir)
                    .map_err(|e| Error::rv(CKR_MECHANISM_PARAM_INVALID, e.to_string()))?,
            ),
            _ => None,
        };
        *op_slot(s, dir) = Some(CryptOp {
            key: value,
            kind,
            dir,
            ctx,
            parts: false,
            key_use,
        });
        Ok(())
    })
}

/// C_Encrypt / C_Decrypt: a whole message in one call.
pub fn single(h: CK_SESSION_HANDLE, dir: Direction, data: &[u8], out: Out<'_>) -> Result<usize> {
    in_session(h, |md, s| {
        let (authenticated, slot_id) = (s.context_login, s.slot);
        let slot = op_slot(s, dir);
        let op = slot
            .as_mut()
            .ok_or_else(|| Error::rv(CKR_OPERATION_NOT_INITIALIZED, "no operation"))?;
        if op.parts {
            return fail(CKR_OPERATION_ACTIVE, "a multi-part operation is under way");
        }
        op.key_use
            .check_login_recorded(md, slot_id, authenticated)?;
        let query = out.is_none();
        if let (true, Some(n)) = (query, exact_len(op, data.len())) {
            return Ok(n);
        }
        let r = match (out, exact_len(op, data.len())) {
            (Some(buf), Some(n)) if buf.len() < n => Err(Error::BufferTooSmall(n)),
            (Some(buf), Some(_)) => run_single_into(op, data, buf),
            (out, _) => run_single(op, data).and_then(|v| emit(out, v.bytes())),
        };
        if !keeps_operation(query, &r) {
            op.key_use.record(md, slot_id, &r);
            *op_slot(s, dir) = None;
            s.context_login = false;
        }
        r
    })
}

/// The output length of a whole `len`-byte message when the mode knows it
/// without running (every AES mode but CBC-PAD decryption, whose padding
/// is known only after decrypting): a length query then costs nothing.
fn exact_len(op: &CryptOp, len: usize) -> Option<usize> {
    match (&op.kind, op.dir) {
        (CryptKind::Cipher(CipherMode::AesCbcPad { .. }), Direction::Decrypt) => None,
        (CryptKind::Cipher(mode), dir) => Some(mode.output_len_bound(dir, len)),
        _ => None,
    }
}

/// The output of a whole message: ciphertext is not secret (and wiping
/// each 4 KiB page byte by byte would cost more than encrypting it);
/// plaintext is wiped when dropped.
enum SingleOut {
    Ciphertext(Vec<u8>),
    Plaintext(Zeroizing<Vec<u8>>),
}

impl SingleOut {
    fn bytes(&self) -> &[u8] {
        match self {
            SingleOut::Ciphertext(v) => v,
            SingleOut::Plaintext(v) => v,
        }
    }
}

/// C_Encrypt / C_Decrypt's whole message, on the context made at Init.
fn run_single(op: &mut CryptOp, data: &[u8]) -> Result<SingleOut> {
    let dir = op.dir;
    let CryptKind::Cipher(mode) = &op.kind else {
        return run_once(&op.kind, op.key.expose(), dir, data).map(SingleOut::Plaintext);
    };
    let mut ctx = match op.ctx.take() {
        Some(c) => c,
        None => CipherContext::new(op.key.expose(), mode, dir)?,
    };
    match dir {
        Direction::Encrypt => {
            let mut v = ctx.update(data).map_err(|e| data_error(e, dir))?;
            v.extend(ctx.finish().map_err(|e| data_error(e, dir))?);
            Ok(SingleOut::Ciphertext(v))
        }
        Direction::Decrypt => {
            let mut v = Zeroizing::new(ctx.update(data).map_err(|e| data_error(e, dir))?);
            let rest = Zeroizing::new(ctx.finish().map_err(|e| data_error(e, dir))?);
            v.extend_from_slice(&rest);
            Ok(SingleOut::Plaintext(v))
        }
    }
}

/// C_Encrypt / C_Decrypt's whole message straight into the caller's
/// buffer, which holds its known length (see [`exact_len`]).
fn run_single_into(op: &mut CryptOp, data: &[u8], buf: &mut [u8]) -> Result<usize> {
    let dir = op.dir;
    let CryptKind::Cipher(mode) = &op.kind else {
        return run_single(op, data).and_then(|v| emit(Some(buf), v.bytes()));
    };
    let ctx = match op.ctx.take() {
        Some(c) => c,
        None => CipherContext::new(op.key.expose(), mode, dir)?,
    };
    ctx.finish_into(data, buf).map_err(|e| data_error(e, dir))
}

/// C_EncryptUpdate / C_DecryptUpdate. The audit entry is written when the
/// operation ends, not per part.
pub fn update(h: CK_SESSION_HANDLE, dir: Direction, data: &[u8], out: Out<'_>) -> Result<usize> {
    in_session(h, |md, s| {
        let (authenticated, slot_id) = (s.context_login, s.slot);
        let slot = op_slot(s, dir);
        let op = slot
            .as_mut()
            .ok_or_else(|| Error::rv(CKR_OPERATION_NOT_INITIALIZED, "no operation"))?;
        op.key_use
            .check_login_recorded(md, slot_id, authenticated)?;
        let r = update_op(op, data, out);
        if r.is_err() && !matches!(r, Err(Error::BufferTooSmall(_))) {
            op.key_use.record(md, slot_id, &r);
            *slot = None;
            s.context_login = false;
        }
        r
    })
}

fn context(op: &mut CryptOp) -> Result<&mut CipherContext> {
    let CryptKind::Cipher(mode) = &op.kind else {
        return fail(
            CKR_MECHANISM_INVALID,
            "key wrap and RSA are single-part only",
        );
    };
    if op.ctx.is_none() {
        op.ctx = Some(CipherContext::new(op.key.expose(), mode, op.dir)?);
    }
    op.ctx
        .as_mut()
        .ok_or_else(|| Error::general("cipher context missing"))
}

fn update_op(op: &mut CryptOp, data: &[u8], out: Out<'_>) -> Result<usize> {
    op.parts = true;
    let dir = op.dir;
    let ctx = context(op)?;
    let bound = ctx.output_len_bound(data.len());
    match out {
        None => Ok(bound),
        Some(buf) if buf.len() < bound => Err(Error::BufferTooSmall(bound)),
        Some(buf) => {
            let v = Zeroizing::new(ctx.update(data).map_err(|e| data_error(e, dir))?);
            emit(Some(buf), &v)
        }
    }
}

/// C_EncryptFinal / C_DecryptFinal.
pub fn finish(h: CK_SESSION_HANDLE, dir: Direction, out: Out<'_>) -> Result<usize> {
    in_session(h, |md, s| {
        let (authenticated, slot_id) = (s.context_login, s.slot);
        let slot = op_slot(s, dir);
        let op = slot
            .as_mut()
            .ok_or_else(|| Error::rv(CKR_OPERATION_NOT_INITIALIZED, "no operation"))?;
        let bound = match context(op) {
            Ok(ctx) => ctx.output_len_bound(0),
            Err(e) => {
                let r = Err(e);
                op.key_use.record(md, slot_id, &r);
                *slot = None;
                return r;
            }
        };
        match out {
            None => Ok(bound),
            Some(buf) if buf.len() < bound => Err(Error::BufferTooSmall(bound)),
            Some(buf) => {
                op.key_use
                    .check_login_recorded(md, slot_id, authenticated)?;
                let Some(op) = slot.take() else {
                    return Err(Error::general("operation vanished"));
                };
                s.context_login = false;
                let key_use = op.key_use;
                let r = op
                    .ctx
                    .ok_or_else(|| Error::general("cipher context missing"))
                    .and_then(|ctx| {
                        let v = Zeroizing::new(ctx.finish().map_err(|e| data_error(e, dir))?);
                        emit(Some(buf), &v)
                    });
                key_use.record(md, slot_id, &r);
                r
            }
        }
    })
}
