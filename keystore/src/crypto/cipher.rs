//! Symmetric encryption: AES (ECB, CBC, CBC-PAD, CTR, GCM, XTS), ChaCha20,
//! ChaCha20-Poly1305 and Triple DES CBC, one-shot and streaming.
//!
//! PKCS#11 3.0 §5.8–5.9 (`C_Encrypt*`, `C_Decrypt*`) with the mechanisms of
//! PKCS#11 3.0 Current Mechanisms §2.10 (AES), §2.14 (GCM), §2.59–2.60
//! (ChaCha20, ChaCha20-Poly1305); KMIP 2.1 §6.1.17 (Encrypt) and §6.1.14
//! (Decrypt), including their streaming form (Init / Correlation Value / Final).
//!
//! AEAD output is `ciphertext || tag`; decryption takes the same layout and
//! returns no plaintext at all unless the tag verifies. RSA encryption lives
//! in [`super::rsa_crypt`] and is re-exported here.

use openssl::cipher::{Cipher, CipherRef};
use openssl::cipher_ctx::CipherCtx;
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;
use zeroize::{Zeroize, Zeroizing};

pub use super::rsa_crypt::{rsa_decrypt, rsa_encrypt, RsaPadding};
use crate::error::{Error, Result};

/// A symmetric cipher with its mode and per-message parameters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CipherMode {
    /// AES-ECB (SP 800-38A §6.1); data must be a multiple of 16 bytes.
    AesEcb,
    /// AES-CBC without padding (SP 800-38A §6.2); 16-byte IV, data a multiple of 16.
    AesCbc { iv: Vec<u8> },
    /// AES-CBC with PKCS#7 padding (`CKM_AES_CBC_PAD`, RFC 5652 §6.3); 16-byte IV.
    AesCbcPad { iv: Vec<u8> },
    /// AES-CTR (SP 800-38A §6.5). `iv` is the 16-byte initial counter block;
    /// the whole block is incremented as one 128-bit big-endian counter.
    AesCtr { iv: Vec<u8> },
    /// AES-GCM (SP 800-38D). IV of 1..=256 bytes (12 recommended); tag of
    /// 4, 8 or 12..=16 bytes (SP 800-38D §5.2.1.2).
    AesGcm {
        iv: Vec<u8>,
        aad: Vec<u8>,
        tag_len: usize,
    },
    /// AES-XTS (IEEE 1619, SP 800-38E). The key is two AES keys (32 or 64
    /// bytes, halves distinct); `tweak` is 16 bytes (the data unit sequence
    /// number, little-endian); the data is one data unit of 16 bytes to 16 MiB.
    AesXts { tweak: Vec<u8> },
    /// ChaCha20 (RFC 8439 §2.4) with a 12-byte nonce and 32-bit block counter,
    /// or the original 8-byte nonce and 64-bit counter (`CKM_CHACHA20`).
    ChaCha20 { nonce: Vec<u8>, counter: u64 },
    /// ChaCha20-Poly1305 AEAD (RFC 8439 §2.8), 12-byte nonce, 16-byte tag.
    ChaCha20Poly1305 { nonce: Vec<u8>, aad: Vec<u8> },
    /// Three-key Triple DES in CBC mode (SP 800-67, SP 800-38A); 8-byte IV,
    /// data a multiple of 8.
    TripleDesCbc { iv: Vec<u8> },
    /// Triple DES CBC with PKCS#7 padding (`CKM_DES3_CBC_PAD`).
    TripleDesCbcPad { iv: Vec<u8> },
}

/// Which way a [`CipherContext`] runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Direction {
    Encrypt,
    Decrypt,
}

/// How a mode consumes data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// A block mode; without padding the total length must be a block multiple.
    Block { block: usize, pad: bool },
    /// A stream mode (CTR, ChaCha20): any length.
    Stream,
    /// An AEAD mode with a tag of `tag_len` bytes appended.
    Aead { tag_len: usize },
    /// XTS: the whole input is one data unit, processed at the end.
    Xts,
}

/// XTS data unit bounds: at least one block, at most 2^20 blocks (IEEE 1619 §5.1).
const XTS_MIN_LEN: usize = 16;
const XTS_MAX_LEN: usize = 16 << 20;
/// Largest slice handed to `EVP_CipherUpdate` at once (it takes an `int`).
const MAX_CHUNK: usize = 1 << 28;

impl CipherMode {
    fn shape(&self) -> Shape {
        match self {
            CipherMode::AesEcb | CipherMode::AesCbc { .. } => Shape::Block {
                block: 16,
                pad: false,
            },
            CipherMode::AesCbcPad { .. } => Shape::Block {
                block: 16,
                pad: true,
            },
            CipherMode::TripleDesCbc { .. } => Shape::Block {
                block: 8,
                pad: false,
            },
            CipherMode::TripleDesCbcPad { .. } => Shape::Block {
                block: 8,
                pad: true,
            },
            CipherMode::AesCtr { .. } | CipherMode::ChaCha20 { .. } => Shape::Stream,
            CipherMode::AesGcm { tag_len, .. } => Shape::Aead { tag_len: *tag_len },
            CipherMode::ChaCha20Poly1305 { .. } => Shape::Aead { tag_len: 16 },
            CipherMode::AesXts { .. } => Shape::Xts,
        }
    }

    /// An upper bound on the output of a one-shot [`encrypt`] or [`decrypt`]
    /// of `input_len` bytes (for PKCS#11 length queries).
    pub fn output_len_bound(&self, direction: Direction, input_len: usize) -> usize {
        bound(self.shape(), direction, input_len)
    }
}

fn bound(shape: Shape, direction: Direction, pending: usize) -> usize {
    match (shape, direction) {
        (Shape::Block { block, pad: true }, Direction::Encrypt) => {
            (pending - pending % block).saturating_add(block)
        }
        (Shape::Aead { tag_len }, Direction::Encrypt) => pending.saturating_add(tag_len),
        (Shape::Aead { tag_len }, Direction::Decrypt) => pending.saturating_sub(tag_len),
        _ => pending,
    }
}

fn check_len(what: &str, got: usize, want: &[usize]) -> Result<()> {
    if want.contains(&got) {
        return Ok(());
    }
    let list: Vec<String> = want.iter().map(|w| w.to_string()).collect();
    Err(Error::InvalidArgument(format!(
        "{what} must be {} bytes, got {got}",
        list.join(" or ")
    )))
}

/// An OpenSSL cipher fetched from its provider once per process.
///
/// Given a built-in `EVP_CIPHER` (`Cipher::aes_256_gcm()`), OpenSSL 3 looks
/// the algorithm up in its provider tables again at every
/// `EVP_CipherInit_ex` (an "implicit fetch"): for 4 KiB of AES-GCM that
/// lookup costs a fifth of the encryption. A fetched cipher is used as is.
/// When the fetch fails (no provider has the algorithm) the built-in one
/// is used, and OpenSSL reports the error where it always did.
pub(crate) struct Fetched {
    name: &'static str,
    builtin: fn() -> &'static CipherRef,
    fetched: OnceLock<Option<Cipher>>,
}

impl Fetched {
    const fn new(name: &'static str, builtin: fn() -> &'static CipherRef) -> Fetched {
        Fetched {
            name,
            builtin,
            fetched: OnceLock::new(),
        }
    }

    /// The cipher, fetched on first use.
    pub(crate) fn get(&'static self) -> &'static CipherRef {
        match self
            .fetched
            .get_or_init(|| Cipher::fetch(None, self.name, None).ok())
        {
            Some(c) => c,
            None => (self.builtin)(),
        }
    }
}

/// The ciphers of [`CipherMode`], by OpenSSL name.
pub(crate) mod fetched {
    use super::Fetched;
    use openssl::cipher::Cipher;

    pub(crate) static AES_128_ECB: Fetched = Fetched::new("AES-128-ECB", Cipher::aes_128_ecb);
    pub(crate) static AES_192_ECB: Fetched = Fetched::new("AES-192-ECB", Cipher::aes_192_ecb);
    pub(crate) static AES_256_ECB: Fetched = Fetched::new("AES-256-ECB", Cipher::aes_256_ecb);
    pub(crate) static AES_128_CBC: Fetched = Fetched::new("AES-128-CBC", Cipher::aes_128_cbc);
    pub(crate) static AES_192_CBC: Fetched = Fetched::new("AES-192-CBC", Cipher::aes_192_cbc);
    pub(crate) static AES_256_CBC: Fetched = Fetched::new("AES-256-CBC", Cipher::aes_256_cbc);
    pub(crate) static AES_128_CTR: Fetched = Fetched::new("AES-128-CTR", Cipher::aes_128_ctr);
    pub(crate) static AES_192_CTR: Fetched = Fetched::new("AES-192-CTR", Cipher::aes_192_ctr);
    pub(crate) static AES_256_CTR: Fetched = Fetched::new("AES-256-CTR", Cipher::aes_256_ctr);
    pub(crate) static AES_128_GCM: Fetched = Fetched::new("AES-128-GCM", Cipher::aes_128_gcm);
    pub(crate) static AES_192_GCM: Fetched = Fetched::new("AES-192-GCM", Cipher::aes_192_gcm);
    pub(crate) static AES_256_GCM: Fetched = Fetched::new("AES-256-GCM", Cipher::aes_256_gcm);
    pub(crate) static AES_128_XTS: Fetched = Fetched::new("AES-128-XTS", Cipher::aes_128_xts);
    pub(crate) static AES_256_XTS: Fetched = Fetched::new("AES-256-XTS", Cipher::aes_256_xts);
    pub(crate) static CHACHA20: Fetched = Fetched::new("ChaCha20", Cipher::chacha20);
    pub(crate) static CHACHA20_POLY1305: Fetched =
        Fetched::new("ChaCha20-Poly1305", Cipher::chacha20_poly1305);
    pub(crate) static DES_EDE3_CBC: Fetched = Fetched::new("DES-EDE3-CBC", Cipher::des_ede3_cbc);
}

fn aes(key: &[u8], by_len: [&'static Fetched; 3]) -> Result<&'static CipherRef> {
    check_len("AES key", key.len(), &[16, 24, 32])?;
    Ok(match key.len() {
        16 => by_len[0].get(),
        24 => by_len[1].get(),
        _ => by_len[2].get(),
    })
}

/// The OpenSSL cipher, the IV to give it, and the AAD of a checked mode.
type Setup<'m> = (&'static CipherRef, Option<Vec<u8>>, &'m [u8]);

/// Checks key and parameters and returns what OpenSSL needs.
fn setup<'m>(key: &[u8], mode: &'m CipherMode) -> Result<Setup<'m>> {
    Ok(match mode {
        CipherMode::AesEcb => (
            aes(
                key,
                [
                    &fetched::AES_128_ECB,
                    &fetched::AES_192_ECB,
                    &fetched::AES_256_ECB,
                ],
            )?,
            None,
            &[],
        ),
        CipherMode::AesCbc { iv } | CipherMode::AesCbcPad { iv } => {
            let c = aes(
                key,
                [
                    &fetched::AES_128_CBC,
                    &fetched::AES_192_CBC,
                    &fetched::AES_256_CBC,
                ],
            )?;
            check_len("AES-CBC IV", iv.len(), &[16])?;
            (c, Some(iv.clone()), &[])
        }
        CipherMode::AesCtr { iv } => {
            let c = aes(
                key,
                [
                    &fetched::AES_128_CTR,
                    &fetched::AES_192_CTR,
                    &fetched::AES_256_CTR,
                ],
            )?;
            check_len("AES-CTR initial counter block", iv.len(), &[16])?;
            (c, Some(iv.clone()), &[])
        }
        CipherMode::AesGcm { iv, aad, tag_len } => {
            let c = aes(
                key,
                [
                    &fetched::AES_128_GCM,
                    &fetched::AES_192_GCM,
                    &fetched::AES_256_GCM,
                ],
            )?;
            if iv.is_empty() || iv.len() > 256 {
                return Err(Error::InvalidArgument(format!(
                    "AES-GCM IV must be 1 to 256 bytes, got {}",
                    iv.len()
                )));
            }
            check_len("AES-GCM tag", *tag_len, &[4, 8, 12, 13, 14, 15, 16])?;
            (c, Some(iv.clone()), aad.as_slice())
        }
        CipherMode::AesXts { tweak } => {
            check_len("AES-XTS key", key.len(), &[32, 64])?;
            let (k1, k2) = key.split_at(key.len() / 2);
            if crate::secret::ct_eq(k1, k2) {
                return Err(Error::InvalidArgument(
                    "AES-XTS key halves must differ (SP 800-38E)".into(),
                ));
            }
            check_len("AES-XTS tweak", tweak.len(), &[16])?;
            let c = if key.len() == 32 {
                fetched::AES_128_XTS.get()
            } else {
                fetched::AES_256_XTS.get()
            };
            (c, Some(tweak.clone()), &[])
        }
        CipherMode::ChaCha20 { nonce, counter } => {
            check_len("ChaCha20 key", key.len(), &[32])?;
            check_len("ChaCha20 nonce", nonce.len(), &[8, 12])?;
            // OpenSSL's 16-byte IV is state words 12..15: the block counter
            // (little-endian) followed by the nonce.
            let mut iv = Vec::with_capacity(16);
            if nonce.len() == 12 {
                let c = u32::try_from(*counter).map_err(|_| {
                    Error::InvalidArgument(
                        "ChaCha20 counter must fit 32 bits with a 12-byte nonce".into(),
                    )
                })?;
                iv.extend_from_slice(&c.to_le_bytes());
            } else {
                iv.extend_from_slice(&counter.to_le_bytes());
            }
            iv.extend_from_slice(nonce);
            (fetched::CHACHA20.get(), Some(iv), &[])
        }
        CipherMode::ChaCha20Poly1305 { nonce, aad } => {
            check_len("ChaCha20-Poly1305 key", key.len(), &[32])?;
            check_len("ChaCha20-Poly1305 nonce", nonce.len(), &[12])?;
            (
                fetched::CHACHA20_POLY1305.get(),
                Some(nonce.clone()),
                aad.as_slice(),
            )
        }
        CipherMode::TripleDesCbc { iv } | CipherMode::TripleDesCbcPad { iv } => {
            check_len("Triple DES key", key.len(), &[24])?;
            check_len("Triple DES IV", iv.len(), &[8])?;
            (fetched::DES_EDE3_CBC.get(), Some(iv.clone()), &[])
        }
    })
}

/// A streaming encryption or decryption (`C_EncryptInit`/`Update`/`Final`).
///
/// [`update`](Self::update) returns what can be released so far;
/// [`finish`](Self::finish) consumes the context and returns the rest. AEAD
/// decryption and XTS return nothing before `finish`: AEAD plaintext is only
/// released after its tag verifies, and an XTS data unit is processed whole.
pub struct CipherContext {
    ctx: CipherCtx,
    direction: Direction,
    shape: Shape,
    /// Bytes accepted and not yet returned.
    held: usize,
    total_in: usize,
    /// Input kept until `finish` (AEAD decryption, XTS).
    buffer: Zeroizing<Vec<u8>>,
}

impl std::fmt::Debug for CipherContext {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CipherContext")
            .field("direction", &self.direction)
            .field("shape", &self.shape)
            .field("total_in", &self.total_in)
            .finish_non_exhaustive()
    }
}

impl CipherContext {
    /// Starts an operation with `key` (raw bytes) in `mode`.
    pub fn new(key: &[u8], mode: &CipherMode, direction: Direction) -> Result<Self> {
        let (cipher, iv, aad) = setup(key, mode)?;
        let mut ctx = CipherCtx::new()?;
        let init = |ctx: &mut CipherCtx,
                    c: Option<&CipherRef>,
                    k: Option<&[u8]>,
                    iv: Option<&[u8]>| match direction {
            Direction::Encrypt => ctx.encrypt_init(c, k, iv),
            Direction::Decrypt => ctx.decrypt_init(c, k, iv),
        };
        // Lengths were checked by `setup`, so the openssl crate's length
        // assertions cannot fire. One call sets cipher, key and IV, unless
        // a GCM IV is not of the cipher's default length: that length is
        // set between the cipher and the key.
        match (mode, &iv) {
            (CipherMode::AesGcm { .. }, Some(iv)) if iv.len() != cipher.iv_length() => {
                init(&mut ctx, Some(cipher), None, None)?;
                ctx.set_iv_length(iv.len())?;
                init(&mut ctx, None, Some(key), Some(iv))?;
            }
            _ => init(&mut ctx, Some(cipher), Some(key), iv.as_deref())?,
        }
        let shape = mode.shape();
        if let Shape::Block { pad, .. } = shape {
            ctx.set_padding(pad);
        }
        if !aad.is_empty() {
            for chunk in aad.chunks(MAX_CHUNK) {
                ctx.cipher_update(chunk, None)?;
            }
        }
        Ok(CipherContext {
            ctx,
            direction,
            shape,
            held: 0,
            total_in: 0,
            buffer: Zeroizing::new(Vec::new()),
        })
    }

    fn buffers_input(&self) -> bool {
        matches!(
            (self.shape, self.direction),
            (Shape::Xts, _) | (Shape::Aead { .. }, Direction::Decrypt)
        )
    }

    /// Runs `data` through OpenSSL and appends the output to `out`.
    fn feed(&mut self, data: &[u8], out: &mut Vec<u8>) -> Result<()> {
        for chunk in data.chunks(MAX_CHUNK) {
            self.ctx.cipher_update_vec(chunk, out)?;
        }
        Ok(())
    }

    /// Processes more input and returns the output available so far.
    pub fn update(&mut self, data: &[u8]) -> Result<Vec<u8>> {
        self.total_in = self
            .total_in
            .checked_add(data.len())
            .ok_or_else(|| Error::InvalidArgument("input too long".into()))?;
        if self.buffers_input() {
            if self.shape == Shape::Xts && self.total_in > XTS_MAX_LEN {
                return Err(Error::InvalidArgument(format!(
                    "AES-XTS data unit is limited to {XTS_MAX_LEN} bytes"
                )));
            }
            self.buffer.extend_from_slice(data);
            self.held = self.buffer.len();
            return Ok(Vec::new());
        }
        let mut out = Vec::with_capacity(data.len() + 16);
        self.feed(data, &mut out)?;
        self.held = (self.held + data.len()).saturating_sub(out.len());
        Ok(out)
    }

    /// Completes the operation and returns the remaining output (for AEAD
    /// encryption, the tag; for AEAD decryption and XTS, everything).
    pub fn finish(mut self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        match self.shape {
            Shape::Block { block, pad } => {
                let misaligned = !self.total_in.is_multiple_of(block);
                if (!pad || self.direction == Direction::Decrypt) && misaligned
                    || (pad && self.direction == Direction::Decrypt && self.total_in == 0)
                {
                    return Err(Error::InvalidArgument(format!(
                        "{} length must be a {}multiple of the {block}-byte block",
                        if self.direction == Direction::Encrypt {
                            "plaintext"
                        } else {
                            "ciphertext"
                        },
                        if pad { "non-zero " } else { "" },
                    )));
                }
                if let Err(e) = self.ctx.cipher_final_vec(&mut out) {
                    return Err(if pad && self.direction == Direction::Decrypt {
                        Error::DecryptionFailed("invalid padding".into())
                    } else {
                        e.into()
                    });
                }
            }
            Shape::Stream => {
                self.ctx.cipher_final_vec(&mut out)?;
            }
            Shape::Xts => {
                if self.buffer.len() < XTS_MIN_LEN {
                    return Err(Error::InvalidArgument(format!(
                        "AES-XTS data unit must be at least {XTS_MIN_LEN} bytes"
                    )));
                }
                let data = std::mem::take(&mut *self.buffer);
                let data = Zeroizing::new(data);
                self.feed(&data, &mut out)?;
                self.ctx.cipher_final_vec(&mut out)?;
            }
            Shape::Aead { tag_len } => match self.direction {
                Direction::Encrypt => {
                    self.ctx.cipher_final_vec(&mut out)?;
                    let mut tag = vec![0u8; tag_len];
                    self.ctx.tag(&mut tag)?;
                    out.extend_from_slice(&tag);
                }
                Direction::Decrypt => {
                    let data = Zeroizing::new(std::mem::take(&mut *self.buffer));
                    if data.len() < tag_len {
                        return Err(Error::DecryptionFailed(
                            "ciphertext shorter than its tag".into(),
                        ));
                    }
                    let (ct, tag) = data.split_at(data.len() - tag_len);
                    self.feed(ct, &mut out)?;
                    self.ctx.set_tag(tag)?;
                    if self.ctx.cipher_final_vec(&mut out).is_err() {
                        out.zeroize();
                        return Err(Error::DecryptionFailed(
                            "authentication tag mismatch".into(),
                        ));
                    }
                }
            },
        }
        Ok(out)
    }

    /// Processes the rest of the input, `data`, and completes the
    /// operation, writing the output to `out`; returns its length. `out`
    /// must hold [`output_len_bound`](Self::output_len_bound)`(data.len())`
    /// bytes. Stream and AEAD encryption write straight into `out` (a
    /// one-shot C_Encrypt then neither allocates nor copies its output);
    /// the other modes go through [`update`](Self::update) and
    /// [`finish`](Self::finish), whose output is wiped after the copy.
    pub fn finish_into(mut self, data: &[u8], out: &mut [u8]) -> Result<usize> {
        let need = self.output_len_bound(data.len());
        if out.len() < need {
            return Err(Error::InvalidArgument(format!(
                "output buffer of {} bytes, {need} needed",
                out.len()
            )));
        }
        let direct = matches!(
            (self.shape, self.direction),
            (Shape::Stream, _) | (Shape::Aead { .. }, Direction::Encrypt)
        );
        if !direct || self.held != 0 || data.len() > MAX_CHUNK {
            let mut v = Zeroizing::new(self.update(data)?);
            v.extend_from_slice(&Zeroizing::new(self.finish()?));
            let dst = out
                .get_mut(..v.len())
                .ok_or_else(|| Error::InvalidArgument("output longer than its bound".into()))?;
            dst.copy_from_slice(&v);
            return Ok(v.len());
        }
        // Block size 1 (stream ciphers, GCM): OpenSSL writes exactly the
        // input's length at update and nothing at final, so the openssl
        // crate's output-size checks hold for `out`.
        let mut n = self.ctx.cipher_update(data, Some(out))?;
        let rest = out
            .get_mut(n..)
            .ok_or_else(|| Error::InvalidArgument("cipher wrote past its output".into()))?;
        n += self.ctx.cipher_final(rest)?;
        if let Shape::Aead { tag_len } = self.shape {
            let tag = out
                .get_mut(n..n + tag_len)
                .ok_or_else(|| Error::InvalidArgument("no room for the tag".into()))?;
            self.ctx.tag(tag)?;
            n += tag_len;
        }
        Ok(n)
    }

    /// An upper bound on what `update` of `input_len` more bytes followed
    /// by `finish` can return in total.
    pub fn output_len_bound(&self, input_len: usize) -> usize {
        bound(
            self.shape,
            self.direction,
            self.held.saturating_add(input_len),
        )
    }
}

/// One-shot encryption of `data` with `key` in `mode`. AEAD modes return
/// `ciphertext || tag`.
pub fn encrypt(key: &[u8], mode: &CipherMode, data: &[u8]) -> Result<Vec<u8>> {
    let mut ctx = CipherContext::new(key, mode, Direction::Encrypt)?;
    let mut out = ctx.update(data)?;
    out.extend(ctx.finish()?);
    Ok(out)
}

/// One-shot decryption. A wrong AEAD tag or bad padding is
/// [`Error::DecryptionFailed`]; a ciphertext of impossible length is
/// [`Error::InvalidArgument`].
pub fn decrypt(key: &[u8], mode: &CipherMode, data: &[u8]) -> Result<Vec<u8>> {
    let mut ctx = CipherContext::new(key, mode, Direction::Decrypt)?;
    let mut out = ctx.update(data)?;
    match ctx.finish() {
        Ok(rest) => {
            out.extend(rest);
            Ok(out)
        }
        Err(e) => {
            out.zeroize();
            Err(e)
        }
    }
}

#[cfg(test)]
#[path = "cipher_tests.rs"]
mod tests;
