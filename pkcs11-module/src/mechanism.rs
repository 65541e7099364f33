//! The mechanisms keybridge offers (C_GetMechanismList / C_GetMechanismInfo,
//! PKCS#11 3.0 §5.5.8–5.5.9) and their parameters in safe form.
//!
//! A new mechanism is a row in [`MECHANISMS`], a [`Param`] variant if it
//! takes a new parameter structure (read in `ffi::mechanism`), and a branch
//! in the operation module that dispatches on the mechanism type.

use crate::error::{fail, Result};
use cryptoki_sys::*;
use keystore::crypto::digest::DigestAlgorithm;

/// A mechanism parameter, copied out of the caller's memory by the FFI layer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Param {
    None,
    /// Raw bytes: an IV (CBC), or a structure the mechanism does not use.
    Bytes(Vec<u8>),
    /// CK_GCM_PARAMS.
    Gcm {
        iv: Vec<u8>,
        aad: Vec<u8>,
        tag_bits: usize,
    },
    /// CK_AES_CTR_PARAMS.
    Ctr {
        counter_bits: usize,
        cb: [u8; 16],
    },
    /// CK_MAC_GENERAL_PARAMS: the output length in bytes.
    MacLen(usize),
    /// CK_KEY_DERIVATION_STRING_DATA.
    DeriveData(Vec<u8>),
    /// A CK_ULONG parameter (CK_EXTRACT_PARAMS: a bit index).
    Ulong(CK_ULONG),
    /// A CK_OBJECT_HANDLE parameter (CKM_CONCATENATE_BASE_AND_KEY).
    Handle(CK_OBJECT_HANDLE),
    /// CK_AES_CBC_ENCRYPT_DATA_PARAMS.
    CbcEncryptData {
        iv: [u8; 16],
        data: Vec<u8>,
    },
    /// CK_RSA_PKCS_OAEP_PARAMS: hash mechanism, MGF (CKG_), label.
    Oaep {
        hash: CK_MECHANISM_TYPE,
        mgf: CK_ULONG,
        label: Vec<u8>,
    },
    /// CK_RSA_PKCS_PSS_PARAMS: hash mechanism, MGF (CKG_), salt length.
    Pss {
        hash: CK_MECHANISM_TYPE,
        mgf: CK_ULONG,
        salt_len: usize,
    },
    /// CK_ECDH1_DERIVE_PARAMS: KDF (CKD_), shared data, the peer's public data.
    Ecdh {
        kdf: CK_ULONG,
        shared: Vec<u8>,
        public: Vec<u8>,
    },
    /// CK_EDDSA_PARAMS: prehash flag and context.
    Eddsa {
        prehash: bool,
        context: Vec<u8>,
    },
    /// CK_HKDF_PARAMS (PKCS#11 3.0 Current Mechanisms §2.43.9), for
    /// CKM_HKDF_DERIVE and CKM_HKDF_DATA.
    Hkdf {
        extract: bool,
        expand: bool,
        prf: CK_MECHANISM_TYPE,
        salt_type: CK_ULONG,
        salt: Vec<u8>,
        salt_key: CK_OBJECT_HANDLE,
        info: Vec<u8>,
    },
    /// CK_PKCS5_PBKD2_PARAMS2 (§2.37.5): salt (CKZ_SALT_SPECIFIED), iteration
    /// count, PRF (CKP_PKCS5_PBKD2_HMAC_*), password.
    Pbkdf2 {
        salt: Vec<u8>,
        iterations: CK_ULONG,
        prf: CK_ULONG,
        password: Vec<u8>,
    },
    /// CK_SP800_108_KDF_PARAMS (counter and double-pipeline mode) and
    /// CK_SP800_108_FEEDBACK_KDF_PARAMS (§2.42.3–2.42.4); `iv` is empty
    /// outside feedback mode; `additional` holds
    /// the templates of the CK_DERIVED_KEYs (the FFI layer writes their
    /// handles back).
    Kbkdf {
        prf: CK_MECHANISM_TYPE,
        data: Vec<KdfData>,
        iv: Vec<u8>,
        additional: Vec<crate::attrs::Template>,
    },
}

/// One CK_PRF_DATA_PARAM of an SP 800-108 KDF (§2.42.2).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KdfData {
    /// CK_SP800_108_ITERATION_VARIABLE: the counter (counter mode, with
    /// its format) or the chaining value (feedback, double pipeline).
    Iteration(Option<CounterFormat>),
    /// CK_SP800_108_OPTIONAL_COUNTER.
    Counter(CounterFormat),
    /// CK_SP800_108_DKM_LENGTH: method (CK_SP800_108_DKM_LENGTH_SUM_OF_*) and format.
    DkmLength {
        method: CK_ULONG,
        format: CounterFormat,
    },
    /// CK_SP800_108_BYTE_ARRAY.
    Bytes(Vec<u8>),
}

/// CK_SP800_108_COUNTER_FORMAT (and the format part of CK_SP800_108_DKM_LENGTH_FORMAT).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CounterFormat {
    pub little_endian: bool,
    pub width_bits: CK_ULONG,
}

/// A mechanism with its parameter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mechanism {
    pub ty: CK_MECHANISM_TYPE,
    pub param: Param,
}

/// One row of the mechanism table (CK_MECHANISM_INFO). Key sizes are in
/// bytes for symmetric keys, as PKCS#11 3.0 Current Mechanisms specifies.
pub struct MechInfo {
    pub ty: CK_MECHANISM_TYPE,
    pub min: CK_ULONG,
    pub max: CK_ULONG,
    pub flags: CK_FLAGS,
}

const ENC: CK_FLAGS = CKF_ENCRYPT | CKF_DECRYPT;
const WRAP: CK_FLAGS = CKF_WRAP | CKF_UNWRAP;
const MAC: CK_FLAGS = CKF_SIGN | CKF_VERIFY;

macro_rules! m {
    ($ty:expr, $min:expr, $max:expr, $flags:expr) => {
        MechInfo {
            ty: $ty,
            min: $min,
            max: $max,
            flags: $flags,
        }
    };
}

/// Every mechanism, in the order C_GetMechanismList returns them.
pub const MECHANISMS: &[MechInfo] = &[
    m!(CKM_AES_KEY_GEN, 16, 32, CKF_GENERATE),
    m!(CKM_AES_ECB, 16, 32, ENC | WRAP),
    m!(CKM_AES_CBC, 16, 32, ENC | WRAP),
    m!(CKM_AES_CBC_PAD, 16, 32, ENC | WRAP),
    m!(CKM_AES_CTR, 16, 32, ENC),
    m!(
        CKM_AES_GCM,
        16,
        32,
        ENC | CKF_MESSAGE_ENCRYPT | CKF_MESSAGE_DECRYPT | CKF_MULTI_MESSAGE
    ),
    m!(CKM_AES_CMAC, 16, 32, MAC),
    m!(CKM_AES_CMAC_GENERAL, 16, 32, MAC),
    m!(CKM_AES_KEY_WRAP, 16, 32, ENC | WRAP),
    m!(CKM_AES_KEY_WRAP_KWP, 16, 32, ENC | WRAP),
    // Unwrap only: see `ops::keymgmt::unwrap_legacy_pad`.
    m!(CKM_AES_KEY_WRAP_PAD, 16, 32, CKF_UNWRAP),
    m!(CKM_AES_ECB_ENCRYPT_DATA, 16, 32, CKF_DERIVE),
    m!(CKM_AES_CBC_ENCRYPT_DATA, 16, 32, CKF_DERIVE),
    m!(CKM_CONCATENATE_BASE_AND_KEY, 1, 512, CKF_DERIVE),
    m!(CKM_CONCATENATE_BASE_AND_DATA, 1, 512, CKF_DERIVE),
    m!(CKM_CONCATENATE_DATA_AND_BASE, 1, 512, CKF_DERIVE),
    m!(CKM_XOR_BASE_AND_DATA, 1, 512, CKF_DERIVE),
    m!(CKM_EXTRACT_KEY_FROM_KEY, 1, 512, CKF_DERIVE),
    m!(CKM_HKDF_DERIVE, 1, 512, CKF_DERIVE),
    m!(CKM_HKDF_DATA, 1, 512, CKF_DERIVE),
    m!(CKM_PKCS5_PBKD2, 1, 512, CKF_GENERATE),
    m!(CKM_SP800_108_COUNTER_KDF, 1, 512, CKF_DERIVE),
    m!(CKM_SP800_108_FEEDBACK_KDF, 1, 512, CKF_DERIVE),
    m!(CKM_SP800_108_DOUBLE_PIPELINE_KDF, 1, 512, CKF_DERIVE),
    m!(CKM_SHA_1, 0, 0, CKF_DIGEST),
    m!(CKM_SHA224, 0, 0, CKF_DIGEST),
    m!(CKM_SHA256, 0, 0, CKF_DIGEST),
    m!(CKM_SHA384, 0, 0, CKF_DIGEST),
    m!(CKM_SHA512, 0, 0, CKF_DIGEST),
    m!(CKM_SHA3_224, 0, 0, CKF_DIGEST),
    m!(CKM_SHA3_256, 0, 0, CKF_DIGEST),
    m!(CKM_SHA3_384, 0, 0, CKF_DIGEST),
    m!(CKM_SHA3_512, 0, 0, CKF_DIGEST),
    m!(CKM_SHA_1_HMAC, 1, 512, MAC),
    m!(CKM_SHA_1_HMAC_GENERAL, 1, 512, MAC),
    m!(CKM_SHA224_HMAC, 1, 512, MAC),
    m!(CKM_SHA224_HMAC_GENERAL, 1, 512, MAC),
    m!(CKM_SHA256_HMAC, 1, 512, MAC),
    m!(CKM_SHA256_HMAC_GENERAL, 1, 512, MAC),
    m!(CKM_SHA384_HMAC, 1, 512, MAC),
    m!(CKM_SHA384_HMAC_GENERAL, 1, 512, MAC),
    m!(CKM_SHA512_HMAC, 1, 512, MAC),
    m!(CKM_SHA512_HMAC_GENERAL, 1, 512, MAC),
    m!(CKM_SHA3_224_HMAC, 1, 512, MAC),
    m!(CKM_SHA3_224_HMAC_GENERAL, 1, 512, MAC),
    m!(CKM_SHA3_256_HMAC, 1, 512, MAC),
    m!(CKM_SHA3_256_HMAC_GENERAL, 1, 512, MAC),
    m!(CKM_SHA3_384_HMAC, 1, 512, MAC),
    m!(CKM_SHA3_384_HMAC_GENERAL, 1, 512, MAC),
    m!(CKM_SHA3_512_HMAC, 1, 512, MAC),
    m!(CKM_SHA3_512_HMAC_GENERAL, 1, 512, MAC),
    m!(CKM_GENERIC_SECRET_KEY_GEN, 1, 512, CKF_GENERATE),
    m!(CKM_SHA_1_KEY_GEN, 1, 512, CKF_GENERATE),
    m!(CKM_SHA224_KEY_GEN, 1, 512, CKF_GENERATE),
    m!(CKM_SHA256_KEY_GEN, 1, 512, CKF_GENERATE),
    m!(CKM_SHA384_KEY_GEN, 1, 512, CKF_GENERATE),
    m!(CKM_SHA512_KEY_GEN, 1, 512, CKF_GENERATE),
    m!(CKM_SHA3_224_KEY_GEN, 1, 512, CKF_GENERATE),
    m!(CKM_SHA3_256_KEY_GEN, 1, 512, CKF_GENERATE),
    m!(CKM_SHA3_384_KEY_GEN, 1, 512, CKF_GENERATE),
    m!(CKM_SHA3_512_KEY_GEN, 1, 512, CKF_GENERATE),
    // Asymmetric mechanisms: sizes in bits (RSA modulus, EC field), as
    // PKCS#11 3.0 Current Mechanisms §2.1 and §2.3 say.
    m!(CKM_RSA_PKCS_KEY_PAIR_GEN, 2048, 4096, CKF_GENERATE_KEY_PAIR),
    m!(CKM_RSA_PKCS, 1024, 16384, ENC | SIG | WRAP),
    m!(CKM_RSA_X_509, 1024, 16384, ENC | SIG),
    m!(CKM_RSA_PKCS_OAEP, 1024, 16384, ENC | WRAP),
    m!(CKM_RSA_PKCS_PSS, 1024, 16384, SIG),
    m!(CKM_SHA1_RSA_PKCS, 1024, 16384, SIG),
    m!(CKM_SHA224_RSA_PKCS, 1024, 16384, SIG),
    m!(CKM_SHA256_RSA_PKCS, 1024, 16384, SIG),
    m!(CKM_SHA384_RSA_PKCS, 1024, 16384, SIG),
    m!(CKM_SHA512_RSA_PKCS, 1024, 16384, SIG),
    m!(CKM_SHA1_RSA_PKCS_PSS, 1024, 16384, SIG),
    m!(CKM_SHA224_RSA_PKCS_PSS, 1024, 16384, SIG),
    m!(CKM_SHA256_RSA_PKCS_PSS, 1024, 16384, SIG),
    m!(CKM_SHA384_RSA_PKCS_PSS, 1024, 16384, SIG),
    m!(CKM_SHA512_RSA_PKCS_PSS, 1024, 16384, SIG),
    m!(
        CKM_EC_KEY_PAIR_GEN,
        256,
        521,
        CKF_GENERATE_KEY_PAIR | EC_CAPS
    ),
    m!(CKM_ECDSA, 256, 521, SIG | EC_CAPS),
    m!(CKM_ECDSA_SHA1, 256, 521, SIG | EC_CAPS),
    m!(CKM_ECDSA_SHA224, 256, 521, SIG | EC_CAPS),
    m!(CKM_ECDSA_SHA256, 256, 521, SIG | EC_CAPS),
    m!(CKM_ECDSA_SHA384, 256, 521, SIG | EC_CAPS),
    m!(CKM_ECDSA_SHA512, 256, 521, SIG | EC_CAPS),
    m!(CKM_ECDH1_DERIVE, 255, 521, CKF_DERIVE | EC_CAPS),
    m!(CKM_ECDH1_COFACTOR_DERIVE, 256, 521, CKF_DERIVE | EC_CAPS),
    m!(CKM_EC_EDWARDS_KEY_PAIR_GEN, 255, 448, CKF_GENERATE_KEY_PAIR),
    m!(CKM_EDDSA, 255, 448, SIG),
    m!(
        CKM_EC_MONTGOMERY_KEY_PAIR_GEN,
        255,
        448,
        CKF_GENERATE_KEY_PAIR
    ),
];

const SIG: CK_FLAGS = CKF_SIGN | CKF_VERIFY;
/// What our EC mechanisms accept: prime curves named by OID, uncompressed points.
const EC_CAPS: CK_FLAGS = CKF_EC_F_P | CKF_EC_OID | CKF_EC_UNCOMPRESS;

/// The table row of `ty`, or CKR_MECHANISM_INVALID.
pub fn info(ty: CK_MECHANISM_TYPE) -> Result<&'static MechInfo> {
    match MECHANISMS.iter().find(|m| m.ty == ty) {
        Some(m) => Ok(m),
        None => fail(CKR_MECHANISM_INVALID, format!("mechanism {ty:#x}")),
    }
}

/// Checks that `ty` exists and supports `flag` (CKF_ENCRYPT, ...).
pub fn require(ty: CK_MECHANISM_TYPE, flag: CK_FLAGS) -> Result<()> {
    if info(ty)?.flags & flag == 0 {
        return fail(
            CKR_MECHANISM_INVALID,
            format!("mechanism {ty:#x} does not do that"),
        );
    }
    Ok(())
}

/// The hash of a digest mechanism.
pub fn digest_of(ty: CK_MECHANISM_TYPE) -> Option<DigestAlgorithm> {
    use DigestAlgorithm as D;
    Some(match ty {
        CKM_SHA_1 => D::Sha1,
        CKM_SHA224 => D::Sha224,
        CKM_SHA256 => D::Sha256,
        CKM_SHA384 => D::Sha384,
        CKM_SHA512 => D::Sha512,
        CKM_SHA3_224 => D::Sha3_224,
        CKM_SHA3_256 => D::Sha3_256,
        CKM_SHA3_384 => D::Sha3_384,
        CKM_SHA3_512 => D::Sha3_512,
        _ => return None,
    })
}

/// The hash of an HMAC mechanism and whether it is the _GENERAL form.
pub fn hmac_of(ty: CK_MECHANISM_TYPE) -> Option<(DigestAlgorithm, bool)> {
    use DigestAlgorithm as D;
    Some(match ty {
        CKM_SHA_1_HMAC => (D::Sha1, false),
        CKM_SHA_1_HMAC_GENERAL => (D::Sha1, true),
        CKM_SHA224_HMAC => (D::Sha224, false),
        CKM_SHA224_HMAC_GENERAL => (D::Sha224, true),
        CKM_SHA256_HMAC => (D::Sha256, false),
        CKM_SHA256_HMAC_GENERAL => (D::Sha256, true),
        CKM_SHA384_HMAC => (D::Sha384, false),
        CKM_SHA384_HMAC_GENERAL => (D::Sha384, true),
        CKM_SHA512_HMAC => (D::Sha512, false),
        CKM_SHA512_HMAC_GENERAL => (D::Sha512, true),
        CKM_SHA3_224_HMAC => (D::Sha3_224, false),
        CKM_SHA3_224_HMAC_GENERAL => (D::Sha3_224, true),
        CKM_SHA3_256_HMAC => (D::Sha3_256, false),
        CKM_SHA3_256_HMAC_GENERAL => (D::Sha3_256, true),
        CKM_SHA3_384_HMAC => (D::Sha3_384, false),
        CKM_SHA3_384_HMAC_GENERAL => (D::Sha3_384, true),
        CKM_SHA3_512_HMAC => (D::Sha3_512, false),
        CKM_SHA3_512_HMAC_GENERAL => (D::Sha3_512, true),
        _ => return None,
    })
}

/// Checks CKA_ALLOWED_MECHANISMS of a key against `ty` (PKCS#11 3.0 §4.8).
pub fn allowed(a: &keystore::Attributes, ty: CK_MECHANISM_TYPE) -> Result<()> {
    match &a.allowed_mechanisms {
        Some(list) if !list.is_empty() && !list.contains(&(ty as u64)) => fail(
            CKR_MECHANISM_INVALID,
            format!("mechanism {ty:#x} is not in the key's CKA_ALLOWED_MECHANISMS"),
        ),
        _ => Ok(()),
    }
}
