//! PKCS#11 mechanisms with their parameters (in the safe form the FFI layer
//! copies them into, `mechanism::Param`, one variant per parameter
//! structure exactly as `ffi::mechanism` maps mechanism types to them)
//! through the module's operations on real keys: C_EncryptInit/C_Encrypt,
//! C_DecryptInit/C_Decrypt, C_SignInit/C_Sign, C_VerifyInit/C_Verify,
//! C_DigestInit/C_Digest, C_DeriveKey, C_GenerateKey, C_WrapKey,
//! C_UnwrapKey. Nothing may panic, hang or allocate without bound.
//!
//! Input: operation byte, key byte, mechanism (an index into [`MECHS`], or
//! a raw type), then the parameter fields read in order (integers as u64 LE,
//! byte strings with a one-byte length), then the data.
#![no_main]

#[path = "common/pkcs11.rs"]
mod common;

use cryptoki_sys::*;
use keybridge_pkcs11::attrs::{bbool, ulong, Template};
use keybridge_pkcs11::mechanism::{CounterFormat, KdfData, Mechanism, Param};
use keybridge_pkcs11::{objects, ops};
use keystore::crypto::cipher::Direction;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

static MODULE: OnceLock<common::Module> = OnceLock::new();

const MECHS: &[CK_MECHANISM_TYPE] = &[
    CKM_AES_ECB,
    CKM_AES_CBC,
    CKM_AES_CBC_PAD,
    CKM_AES_CTR,
    CKM_AES_GCM,
    CKM_AES_KEY_WRAP,
    CKM_AES_KEY_WRAP_KWP,
    CKM_AES_CMAC,
    CKM_AES_CMAC_GENERAL,
    CKM_SHA256_HMAC,
    CKM_SHA256_HMAC_GENERAL,
    CKM_SHA512_HMAC_GENERAL,
    CKM_SHA3_256_HMAC_GENERAL,
    CKM_EXTRACT_KEY_FROM_KEY,
    CKM_CONCATENATE_BASE_AND_KEY,
    CKM_AES_ECB_ENCRYPT_DATA,
    CKM_CONCATENATE_BASE_AND_DATA,
    CKM_CONCATENATE_DATA_AND_BASE,
    CKM_XOR_BASE_AND_DATA,
    CKM_AES_CBC_ENCRYPT_DATA,
    CKM_RSA_PKCS,
    CKM_RSA_X_509,
    CKM_RSA_PKCS_OAEP,
    CKM_RSA_PKCS_PSS,
    CKM_SHA256_RSA_PKCS_PSS,
    CKM_SHA256_RSA_PKCS,
    CKM_ECDSA,
    CKM_ECDSA_SHA256,
    CKM_ECDH1_DERIVE,
    CKM_ECDH1_COFACTOR_DERIVE,
    CKM_EDDSA,
    CKM_HKDF_DERIVE,
    CKM_HKDF_DATA,
    CKM_PKCS5_PBKD2,
    CKM_SP800_108_COUNTER_KDF,
    CKM_SP800_108_FEEDBACK_KDF,
    CKM_SHA256,
    CKM_SHA3_512,
    CKM_AES_KEY_GEN,
    CKM_GENERIC_SECRET_KEY_GEN,
    CKM_SHA256_KEY_DERIVATION,
];

/// Reads the input front to back; past the end everything is zero/empty.
struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> u8 {
        let (b, rest) = self.0.split_first().map_or((0, &[][..]), |(b, r)| (*b, r));
        self.0 = rest;
        b
    }
    fn ulong(&mut self) -> CK_ULONG {
        // One byte picks small values (the interesting ones) or a full u64.
        match self.byte() {
            0xff => {
                let n = self.0.len().min(8);
                let mut b = [0u8; 8];
                b[..n].copy_from_slice(&self.0[..n]);
                self.0 = &self.0[n..];
                u64::from_le_bytes(b) as CK_ULONG
            }
            0xfe => CK_ULONG::MAX,
            v => CK_ULONG::from(v),
        }
    }
    fn bytes(&mut self) -> Vec<u8> {
        let n = usize::from(self.byte()).min(self.0.len());
        let (v, rest) = self.0.split_at(n);
        self.0 = rest;
        v.to_vec()
    }
    fn format(&mut self) -> CounterFormat {
        CounterFormat {
            little_endian: self.byte() & 1 == 1,
            width_bits: self.ulong(),
        }
    }
}

/// The parameter `ffi::mechanism` would produce for `ty`.
fn param(ty: CK_MECHANISM_TYPE, i: &mut Input<'_>) -> Param {
    if i.byte() & 0x80 != 0 {
        return Param::None; // NULL pParameter
    }
    match ty {
        CKM_AES_GCM => Param::Gcm {
            iv: i.bytes(),
            aad: i.bytes(),
            tag_bits: i.ulong() as usize,
        },
        CKM_AES_CTR => {
            let mut cb = [0u8; 16];
            let v = i.bytes();
            let n = v.len().min(16);
            cb[..n].copy_from_slice(&v[..n]);
            Param::Ctr {
                counter_bits: i.ulong() as usize,
                cb,
            }
        }
        CKM_AES_CMAC_GENERAL
        | CKM_SHA_1_HMAC_GENERAL
        | CKM_SHA224_HMAC_GENERAL
        | CKM_SHA256_HMAC_GENERAL
        | CKM_SHA384_HMAC_GENERAL
        | CKM_SHA512_HMAC_GENERAL
        | CKM_SHA3_224_HMAC_GENERAL
        | CKM_SHA3_256_HMAC_GENERAL
        | CKM_SHA3_384_HMAC_GENERAL
        | CKM_SHA3_512_HMAC_GENERAL => Param::MacLen(i.ulong() as usize),
        CKM_EXTRACT_KEY_FROM_KEY => Param::Ulong(i.ulong()),
        CKM_CONCATENATE_BASE_AND_KEY => Param::Handle(i.ulong()),
        CKM_AES_ECB_ENCRYPT_DATA
        | CKM_CONCATENATE_BASE_AND_DATA
        | CKM_CONCATENATE_DATA_AND_BASE
        | CKM_XOR_BASE_AND_DATA => Param::DeriveData(i.bytes()),
        CKM_AES_CBC_ENCRYPT_DATA => {
            let mut iv = [0u8; 16];
            let v = i.bytes();
            let n = v.len().min(16);
            iv[..n].copy_from_slice(&v[..n]);
            Param::CbcEncryptData {
                iv,
                data: i.bytes(),
            }
        }
        CKM_RSA_PKCS_OAEP => Param::Oaep {
            hash: i.ulong(),
            mgf: i.ulong(),
            label: i.bytes(),
        },
        CKM_RSA_PKCS_PSS
        | CKM_SHA1_RSA_PKCS_PSS
        | CKM_SHA224_RSA_PKCS_PSS
        | CKM_SHA256_RSA_PKCS_PSS
        | CKM_SHA384_RSA_PKCS_PSS
        | CKM_SHA512_RSA_PKCS_PSS => Param::Pss {
            hash: i.ulong(),
            mgf: i.ulong(),
            salt_len: i.ulong() as usize,
        },
        CKM_ECDH1_DERIVE | CKM_ECDH1_COFACTOR_DERIVE => Param::Ecdh {
            kdf: i.ulong(),
            shared: i.bytes(),
            public: i.bytes(),
        },
        CKM_EDDSA => Param::Eddsa {
            prehash: i.byte() & 1 == 1,
            context: i.bytes(),
        },
        CKM_HKDF_DERIVE => Param::Hkdf {
            extract: i.byte() & 1 == 1,
            expand: i.byte() & 1 == 1,
            prf: i.ulong(),
            salt_type: i.ulong(),
            salt: i.bytes(),
            salt_key: i.ulong(),
            info: i.bytes(),
        },
        CKM_PKCS5_PBKD2 => Param::Pbkdf2 {
            salt: i.bytes(),
            // PBKDF2 cost is the caller's choice; keep each input fast.
            iterations: i.ulong() % 64,
            prf: i.ulong(),
            password: i.bytes(),
        },
        CKM_SP800_108_COUNTER_KDF | CKM_SP800_108_FEEDBACK_KDF => {
            let prf = i.ulong();
            let n = i.byte() % 6;
            let data = (0..n)
                .map(|_| match i.byte() % 5 {
                    0 => KdfData::Iteration(None),
                    1 => KdfData::Iteration(Some(i.format())),
                    2 => KdfData::Counter(i.format()),
                    3 => KdfData::DkmLength {
                        method: i.ulong(),
                        format: i.format(),
                    },
                    _ => KdfData::Bytes(i.bytes()),
                })
                .collect();
            let iv = if ty == CKM_SP800_108_FEEDBACK_KDF {
                i.bytes()
            } else {
                Vec::new()
            };
            let additional = (0..i.byte() % 3).map(|_| template(i)).collect();
            Param::Kbkdf {
                prf,
                data,
                iv,
                additional,
            }
        }
        _ => Param::Bytes(i.bytes()),
    }
}

/// A small template for a derived, generated or unwrapped key.
fn template(i: &mut Input<'_>) -> Template {
    let mut t = Template::default();
    let f = i.byte();
    if f & 1 != 0 {
        t.push(CKA_CLASS, ulong(CKO_SECRET_KEY));
    }
    if f & 2 != 0 {
        t.push(
            CKA_KEY_TYPE,
            ulong(if f & 4 != 0 {
                CKK_AES
            } else {
                CKK_GENERIC_SECRET
            }),
        );
    }
    if f & 8 != 0 {
        t.push(CKA_VALUE_LEN, ulong(i.ulong()));
    }
    if f & 16 != 0 {
        t.push(CKA_EXTRACTABLE, bbool(true));
    }
    if f & 32 != 0 {
        t.push(CKA_TOKEN, bbool(true));
    }
    t
}

fuzz_target!(|data: &[u8]| {
    let m = MODULE.get_or_init(common::module);
    let mut i = Input(data);
    let op = i.byte();
    let key = m.keys.pick(i.byte());
    let sel = i.byte();
    let ty = match MECHS.get(usize::from(sel)) {
        Some(t) => *t,
        None => i.ulong(),
    };
    let mech = Mechanism {
        ty,
        param: param(ty, &mut i),
    };
    let h = m.session();
    let mut out = vec![0u8; i.0.len() + 1024];
    let input = i.0;
    let mut new_keys = Vec::new();
    match op % 9 {
        0 | 1 => {
            let dir = if op % 9 == 0 {
                Direction::Encrypt
            } else {
                Direction::Decrypt
            };
            if ops::crypt::init(h, &mech, key, dir).is_ok() {
                let _ = ops::crypt::single(h, dir, input, Some(&mut out));
            }
        }
        2 => {
            if ops::sign::init(h, &mech, key, true).is_ok() {
                let _ = ops::sign::sign(h, input, Some(&mut out));
            }
        }
        3 => {
            if ops::sign::init(h, &mech, key, false).is_ok() {
                let (d, s) = input.split_at(input.len() / 2);
                let _ = ops::sign::verify(h, d, s);
            }
        }
        4 => {
            if ops::digest::init(h, &mech).is_ok() {
                let _ = ops::digest::single(h, input, Some(&mut out));
            }
        }
        5 => {
            let mut ti = Input(input);
            if let Ok((k, extra)) = ops::keymgmt::derive_key(h, &mech, key, &template(&mut ti)) {
                new_keys.push(k);
                new_keys.extend(extra);
            }
        }
        6 => {
            let mut ti = Input(input);
            if let Ok(k) = ops::keymgmt::generate_key(h, &mech, &template(&mut ti)) {
                new_keys.push(k);
            }
        }
        7 => {
            let _ = ops::keymgmt::wrap_key(h, &mech, key, m.keys.pick(op / 9), Some(&mut out));
        }
        _ => {
            let mut ti = Input(input);
            let t = template(&mut ti);
            if let Ok(k) = ops::keymgmt::unwrap_key(h, &mech, key, ti.0, &t) {
                new_keys.push(k);
            }
        }
    }
    for k in new_keys {
        let _ = objects::destroy_object(h, k);
    }
    m.close(h);
});
