//! The C ABI: the only `extern "C"` and `unsafe` code of the crate.
//!
//! Every export is a short shim: it copies the caller's arguments into safe
//! values (checking null pointers and lengths), calls a safe function of
//! the crate, writes the results back under the two-call size convention,
//! and runs inside [`guard`], which catches panics so that a bug returns
//! CKR_GENERAL_ERROR instead of unwinding into the host application.
#![allow(non_snake_case)]
#![allow(clippy::missing_safety_doc)]

pub mod digest;
pub mod encryption;
pub mod general;
pub mod keymgmt;
pub mod message;
pub mod object;
pub mod process;
pub mod random;
pub mod session;
pub mod signing;
pub mod slot;
pub mod wal_index;

use crate::attrs::{encode_nested, is_nested, Template};
use crate::error::{Error, Result};
use crate::mechanism::{CounterFormat, KdfData, Mechanism, Param};
use crate::ops::Out;
use cryptoki_sys::*;
use keystore::SecretBytes;
use std::panic::{catch_unwind, AssertUnwindSafe};

/// Largest length accepted from a caller for one buffer (1 GiB): anything
/// larger is a corrupted length, not data.
const MAX_LEN: CK_ULONG = 1 << 30;

/// Runs `f`, mapping its error to the CK_RV in the one place that does it,
/// and turning a panic into CKR_GENERAL_ERROR.
pub fn guard(function: &str, f: impl FnOnce() -> Result<()>) -> CK_RV {
    // Before C_Initialize only these answer; every other function says
    // CKR_CRYPTOKI_NOT_INITIALIZED whatever its arguments (§5.4).
    const NEED_NO_MODULE: [&str; 5] = [
        "C_Initialize",
        "C_Finalize",
        "C_GetFunctionList",
        "C_GetInterfaceList",
        "C_GetInterface",
    ];
    let f = move || {
        if !NEED_NO_MODULE.contains(&function) && !crate::state::initialized() {
            return Err(Error::rv(
                CKR_CRYPTOKI_NOT_INITIALIZED,
                "C_Initialize was not called",
            ));
        }
        f()
    };
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => CKR_OK,
        Ok(Err(e)) => {
            let rv = e.code();
            if let Ok(m) = crate::state::module() {
                if rv != CKR_BUFFER_TOO_SMALL {
                    m.log.line(function, &e.to_string());
                }
            }
            rv
        }
        Err(_) => {
            if let Ok(m) = crate::state::module() {
                m.log.line(function, "internal error (panic caught)");
            }
            CKR_GENERAL_ERROR
        }
    }
}

/// A caller's input bytes. NULL is accepted only with length 0.
pub unsafe fn bytes<'a>(p: *const CK_BYTE, len: CK_ULONG) -> Result<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if p.is_null() || len > MAX_LEN {
        return Err(Error::args("null or oversized input buffer"));
    }
    // SAFETY: the caller promises `p` points to `len` readable bytes (the
    // PKCS#11 contract for every input buffer); non-null and bounded above.
    Ok(unsafe { std::slice::from_raw_parts(p, len as usize) })
}

/// A PIN. NULL is accepted only with length 0.
pub unsafe fn pin(p: *const CK_UTF8CHAR, len: CK_ULONG) -> Result<SecretBytes> {
    // SAFETY: as for `bytes`, same contract.
    Ok(SecretBytes::from_slice(unsafe { bytes(p, len) }?))
}

/// Runs `f` with the caller's output buffer (`p` with capacity `*p_len`)
/// and stores the length written or needed in `*p_len` (§5.2).
pub unsafe fn with_out(
    p: *mut CK_BYTE,
    p_len: *mut CK_ULONG,
    f: impl FnOnce(Out<'_>) -> Result<usize>,
) -> Result<()> {
    if p_len.is_null() {
        return Err(Error::args("null length pointer"));
    }
    // SAFETY: `p_len` is non-null and points to a CK_ULONG (PKCS#11 contract).
    let cap = unsafe { *p_len };
    let out: Out<'_> = if p.is_null() {
        None
    } else {
        if cap > MAX_LEN * 4 {
            return Err(Error::args("oversized output buffer"));
        }
        // SAFETY: the caller promises `p` points to `*p_len` writable bytes.
        Some(unsafe { std::slice::from_raw_parts_mut(p, cap as usize) })
    };
    let r = f(out);
    let n = match &r {
        Ok(n) => *n,
        Err(Error::BufferTooSmall(n)) => *n,
        Err(_) => return r.map(|_| ()),
    };
    // SAFETY: checked non-null above.
    unsafe { *p_len = n as CK_ULONG };
    r.map(|_| ())
}

/// Writes a value to a caller's non-null out-pointer.
pub unsafe fn put<T>(p: *mut T, v: T) -> Result<()> {
    if p.is_null() {
        return Err(Error::args("null output pointer"));
    }
    // SAFETY: non-null, and the caller promises it points to a writable T.
    unsafe { p.write(v) };
    Ok(())
}

/// Copies a caller's template, nested templates included.
pub unsafe fn template(p: *const CK_ATTRIBUTE, n: CK_ULONG) -> Result<Template> {
    unsafe { template_depth(p, n, 0) }
}

unsafe fn template_depth(p: *const CK_ATTRIBUTE, n: CK_ULONG, depth: u8) -> Result<Template> {
    if n == 0 {
        return Ok(Template::default());
    }
    if p.is_null() || n > 4096 || depth > 2 {
        return Err(Error::args("null or oversized template"));
    }
    // SAFETY: the caller promises `p` points to `n` CK_ATTRIBUTEs.
    let attrs = unsafe { std::slice::from_raw_parts(p, n as usize) };
    let mut t = Template::default();
    for a in attrs {
        let value = if is_nested(a.type_) {
            let count = a.ulValueLen as usize / std::mem::size_of::<CK_ATTRIBUTE>();
            // SAFETY: a nested template's value is an array of CK_ATTRIBUTE
            // whose byte length is ulValueLen (PKCS#11 3.0 §4.9).
            let inner = unsafe {
                template_depth(
                    a.pValue as *const CK_ATTRIBUTE,
                    count as CK_ULONG,
                    depth + 1,
                )
            }?;
            encode_nested(&inner)
        } else {
            // SAFETY: `pValue` points to `ulValueLen` bytes (PKCS#11 contract).
            unsafe { bytes(a.pValue as *const u8, a.ulValueLen) }
                .map_err(|_| Error::rv(CKR_ATTRIBUTE_VALUE_INVALID, "null attribute value"))?
                .to_vec()
        };
        t.push(a.type_, value);
    }
    Ok(t)
}

fn param_size<T>(len: CK_ULONG) -> Result<()> {
    if len as usize != std::mem::size_of::<T>() {
        return Err(Error::rv(CKR_MECHANISM_PARAM_INVALID, "parameter size"));
    }
    Ok(())
}

/// Copies a caller's mechanism; `structured` says whether the parameter is
/// read as the mechanism's structure (false for message-based init, whose
/// per-message parameters come later).
pub unsafe fn mechanism(p: *const CK_MECHANISM, structured: bool) -> Result<Mechanism> {
    if p.is_null() {
        return Err(Error::args("null mechanism"));
    }
    // SAFETY: non-null; the caller promises a CK_MECHANISM.
    let m = unsafe { &*p };
    let (pp, len) = (m.pParameter, m.ulParameterLen);
    if pp.is_null() || len == 0 || !structured {
        return Ok(Mechanism {
            ty: m.mechanism,
            param: Param::None,
        });
    }
    let param = match m.mechanism {
        CKM_AES_GCM => {
            param_size::<CK_GCM_PARAMS>(len)?;
            // SAFETY: size checked; the caller promises a CK_GCM_PARAMS.
            let g = unsafe { &*(pp as *const CK_GCM_PARAMS) };
            // SAFETY: IV and AAD pointers with their lengths, per CK_GCM_PARAMS.
            let iv = unsafe { bytes(g.pIv, g.ulIvLen) }
                .map_err(|_| Error::rv(CKR_MECHANISM_PARAM_INVALID, "GCM IV"))?;
            // SAFETY: as above.
            let aad = unsafe { bytes(g.pAAD, g.ulAADLen) }
                .map_err(|_| Error::rv(CKR_MECHANISM_PARAM_INVALID, "GCM AAD"))?;
            Param::Gcm {
                iv: iv.to_vec(),
                aad: aad.to_vec(),
                tag_bits: g.ulTagBits as usize,
            }
        }
        CKM_AES_CTR => {
            param_size::<CK_AES_CTR_PARAMS>(len)?;
            // SAFETY: size checked; the caller promises a CK_AES_CTR_PARAMS.
            let c = unsafe { &*(pp as *const CK_AES_CTR_PARAMS) };
            Param::Ctr {
                counter_bits: c.ulCounterBits as usize,
                cb: c.cb,
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
        | CKM_SHA3_512_HMAC_GENERAL => {
            param_size::<CK_ULONG>(len)?;
            // SAFETY: size checked; CK_MAC_GENERAL_PARAMS is a CK_ULONG.
            Param::MacLen(unsafe { (pp as *const CK_ULONG).read_unaligned() } as usize)
        }
        CKM_EXTRACT_KEY_FROM_KEY | CKM_CONCATENATE_BASE_AND_KEY => {
            param_size::<CK_ULONG>(len)?;
            // SAFETY: size checked; CK_EXTRACT_PARAMS and CK_OBJECT_HANDLE are CK_ULONG.
            let v = unsafe { (pp as *const CK_ULONG).read_unaligned() };
            if m.mechanism == CKM_EXTRACT_KEY_FROM_KEY {
                Param::Ulong(v)
            } else {
                Param::Handle(v)
            }
        }
        CKM_AES_ECB_ENCRYPT_DATA
        | CKM_CONCATENATE_BASE_AND_DATA
        | CKM_CONCATENATE_DATA_AND_BASE
        | CKM_XOR_BASE_AND_DATA => {
            param_size::<CK_KEY_DERIVATION_STRING_DATA>(len)?;
            // SAFETY: size checked; the caller promises the structure.
            let d = unsafe { &*(pp as *const CK_KEY_DERIVATION_STRING_DATA) };
            // SAFETY: data pointer and length of the structure.
            let data = unsafe { bytes(d.pData, d.ulLen) }
                .map_err(|_| Error::rv(CKR_MECHANISM_PARAM_INVALID, "derivation data"))?;
            Param::DeriveData(data.to_vec())
        }
        CKM_AES_CBC_ENCRYPT_DATA => {
            param_size::<CK_AES_CBC_ENCRYPT_DATA_PARAMS>(len)?;
            // SAFETY: size checked; the caller promises the structure.
            let d = unsafe { &*(pp as *const CK_AES_CBC_ENCRYPT_DATA_PARAMS) };
            // SAFETY: data pointer and length of the structure.
            let data = unsafe { bytes(d.pData, d.length) }
                .map_err(|_| Error::rv(CKR_MECHANISM_PARAM_INVALID, "derivation data"))?;
            Param::CbcEncryptData {
                iv: d.iv,
                data: data.to_vec(),
            }
        }
        CKM_RSA_PKCS_OAEP => {
            param_size::<CK_RSA_PKCS_OAEP_PARAMS>(len)?;
            // SAFETY: size checked; the caller promises a CK_RSA_PKCS_OAEP_PARAMS.
            let o = unsafe { &*(pp as *const CK_RSA_PKCS_OAEP_PARAMS) };
            let label = if o.source == 0 || o.ulSourceDataLen == 0 {
                Vec::new()
            } else {
                // SAFETY: the source data pointer and length of the structure.
                unsafe { bytes(o.pSourceData as *const u8, o.ulSourceDataLen) }
                    .map_err(|_| Error::rv(CKR_MECHANISM_PARAM_INVALID, "OAEP label"))?
                    .to_vec()
            };
            if o.source != 0 && o.source != CKZ_DATA_SPECIFIED {
                return Err(Error::rv(CKR_MECHANISM_PARAM_INVALID, "OAEP source"));
            }
            Param::Oaep {
                hash: o.hashAlg,
                mgf: o.mgf,
                label,
            }
        }
        CKM_RSA_PKCS_PSS
        | CKM_SHA1_RSA_PKCS_PSS
        | CKM_SHA224_RSA_PKCS_PSS
        | CKM_SHA256_RSA_PKCS_PSS
        | CKM_SHA384_RSA_PKCS_PSS
        | CKM_SHA512_RSA_PKCS_PSS => {
            param_size::<CK_RSA_PKCS_PSS_PARAMS>(len)?;
            // SAFETY: size checked; the caller promises a CK_RSA_PKCS_PSS_PARAMS.
            let p = unsafe { &*(pp as *const CK_RSA_PKCS_PSS_PARAMS) };
            Param::Pss {
                hash: p.hashAlg,
                mgf: p.mgf,
                salt_len: p.sLen as usize,
            }
        }
        CKM_ECDH1_DERIVE | CKM_ECDH1_COFACTOR_DERIVE => {
            param_size::<CK_ECDH1_DERIVE_PARAMS>(len)?;
            // SAFETY: size checked; the caller promises a CK_ECDH1_DERIVE_PARAMS.
            let d = unsafe { &*(pp as *const CK_ECDH1_DERIVE_PARAMS) };
            // SAFETY: shared data pointer and length of the structure.
            let shared = unsafe { bytes(d.pSharedData, d.ulSharedDataLen) }
                .map_err(|_| Error::rv(CKR_MECHANISM_PARAM_INVALID, "ECDH shared data"))?;
            // SAFETY: public data pointer and length of the structure.
            let public = unsafe { bytes(d.pPublicData, d.ulPublicDataLen) }
                .map_err(|_| Error::rv(CKR_MECHANISM_PARAM_INVALID, "ECDH public data"))?;
            Param::Ecdh {
                kdf: d.kdf,
                shared: shared.to_vec(),
                public: public.to_vec(),
            }
        }
        CKM_EDDSA => {
            param_size::<CK_EDDSA_PARAMS>(len)?;
            // SAFETY: size checked; the caller promises a CK_EDDSA_PARAMS.
            let e = unsafe { &*(pp as *const CK_EDDSA_PARAMS) };
            // SAFETY: context pointer and length of the structure.
            let context = unsafe { bytes(e.pContextData, e.ulContextDataLen) }
                .map_err(|_| Error::rv(CKR_MECHANISM_PARAM_INVALID, "EdDSA context"))?;
            Param::Eddsa {
                prehash: e.phFlag != 0,
                context: context.to_vec(),
            }
        }
        CKM_HKDF_DERIVE | CKM_HKDF_DATA => {
            param_size::<CK_HKDF_PARAMS>(len)?;
            // SAFETY: size checked; the caller promises a CK_HKDF_PARAMS.
            let h = unsafe { &*(pp as *const CK_HKDF_PARAMS) };
            let salt = if h.ulSaltType == CKF_HKDF_SALT_DATA {
                // SAFETY: salt pointer and length of the structure.
                unsafe { bytes(h.pSalt, h.ulSaltLen) }
                    .map_err(|_| Error::rv(CKR_MECHANISM_PARAM_INVALID, "HKDF salt"))?
                    .to_vec()
            } else {
                Vec::new()
            };
            // SAFETY: info pointer and length of the structure.
            let info = unsafe { bytes(h.pInfo, h.ulInfoLen) }
                .map_err(|_| Error::rv(CKR_MECHANISM_PARAM_INVALID, "HKDF info"))?;
            Param::Hkdf {
                extract: h.bExtract != 0,
                expand: h.bExpand != 0,
                prf: h.prfHashMechanism,
                salt_type: h.ulSaltType,
                salt,
                salt_key: h.hSaltKey,
                info: info.to_vec(),
            }
        }
        CKM_PKCS5_PBKD2 => {
            // PARAMS2 only: the 2.x CK_PKCS5_PBKD2_PARAMS has the same size
            // but a pointer for the password length, which then fails the
            // bounds check of `bytes` below.
            param_size::<CK_PKCS5_PBKD2_PARAMS2>(len)?;
            // SAFETY: size checked; the caller promises a CK_PKCS5_PBKD2_PARAMS2.
            let p = unsafe { &*(pp as *const CK_PKCS5_PBKD2_PARAMS2) };
            if p.saltSource != CKZ_SALT_SPECIFIED {
                return Err(Error::rv(CKR_MECHANISM_PARAM_INVALID, "PBKDF2 salt source"));
            }
            // SAFETY: salt pointer and length of the structure.
            let salt = unsafe { bytes(p.pSaltSourceData as *const u8, p.ulSaltSourceDataLen) }
                .map_err(|_| Error::rv(CKR_MECHANISM_PARAM_INVALID, "PBKDF2 salt"))?;
            // SAFETY: password pointer and length of the structure.
            let password = unsafe { bytes(p.pPassword, p.ulPasswordLen) }
                .map_err(|_| Error::rv(CKR_MECHANISM_PARAM_INVALID, "PBKDF2 password"))?;
            Param::Pbkdf2 {
                salt: salt.to_vec(),
                iterations: p.iterations,
                prf: p.prf,
                password: password.to_vec(),
            }
        }
        // Double-pipeline mode has the counter mode's structure (§2.42.3).
        CKM_SP800_108_COUNTER_KDF | CKM_SP800_108_DOUBLE_PIPELINE_KDF => {
            param_size::<CK_SP800_108_KDF_PARAMS>(len)?;
            // SAFETY: size checked; the caller promises a CK_SP800_108_KDF_PARAMS.
            let k = unsafe { &*(pp as *const CK_SP800_108_KDF_PARAMS) };
            Param::Kbkdf {
                prf: k.prfType,
                // SAFETY: the data parameter array and its count.
                data: unsafe { kdf_data(k.pDataParams, k.ulNumberOfDataParams) }?,
                iv: Vec::new(),
                // SAFETY: the derived-key array and its count.
                additional: unsafe {
                    derived_keys(k.pAdditionalDerivedKeys, k.ulAdditionalDerivedKeys)
                }?,
            }
        }
        CKM_SP800_108_FEEDBACK_KDF => {
            param_size::<CK_SP800_108_FEEDBACK_KDF_PARAMS>(len)?;
            // SAFETY: size checked; the caller promises a CK_SP800_108_FEEDBACK_KDF_PARAMS.
            let k = unsafe { &*(pp as *const CK_SP800_108_FEEDBACK_KDF_PARAMS) };
            // SAFETY: IV pointer and length of the structure.
            let iv = unsafe { bytes(k.pIV, k.ulIVLen) }
                .map_err(|_| Error::rv(CKR_MECHANISM_PARAM_INVALID, "KDF IV"))?;
            Param::Kbkdf {
                prf: k.prfType,
                // SAFETY: the data parameter array and its count.
                data: unsafe { kdf_data(k.pDataParams, k.ulNumberOfDataParams) }?,
                iv: iv.to_vec(),
                // SAFETY: the derived-key array and its count.
                additional: unsafe {
                    derived_keys(k.pAdditionalDerivedKeys, k.ulAdditionalDerivedKeys)
                }?,
            }
        }
        // IVs and unknown parameters: plain bytes.
        // SAFETY: `pParameter` points to `ulParameterLen` bytes.
        _ => Param::Bytes(unsafe { bytes(pp as *const u8, len) }?.to_vec()),
    };
    Ok(Mechanism {
        ty: m.mechanism,
        param,
    })
}

/// The most additional keys one SP 800-108 derivation makes.
const MAX_ADDITIONAL_KEYS: CK_ULONG = 16;

/// The templates of the CK_DERIVED_KEY array of an SP 800-108 KDF
/// (PKCS#11 3.0 Current Mechanisms §2.42.2); each needs a handle pointer.
unsafe fn derived_keys(p: *const CK_DERIVED_KEY, n: CK_ULONG) -> Result<Vec<Template>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    if p.is_null() || n > MAX_ADDITIONAL_KEYS {
        return Err(Error::rv(
            CKR_MECHANISM_PARAM_INVALID,
            "additional derived keys",
        ));
    }
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n as usize {
        // SAFETY: `p` points to `n` CK_DERIVED_KEYs (PKCS#11 contract), n bounded above.
        let d = unsafe { &*p.add(i) };
        if d.phKey.is_null() {
            return Err(Error::rv(
                CKR_MECHANISM_PARAM_INVALID,
                "null derived key handle pointer",
            ));
        }
        // SAFETY: the template pointer and count of the CK_DERIVED_KEY.
        out.push(unsafe { template(d.pTemplate, d.ulAttributeCount) }?);
    }
    Ok(out)
}

/// Writes the handles of additional SP 800-108 keys into the caller's
/// CK_DERIVED_KEY array, in order; `p` is a mechanism [`mechanism`] has
/// already read (so its parameter and the array were checked).
pub unsafe fn put_derived_keys(p: *const CK_MECHANISM, handles: &[CK_OBJECT_HANDLE]) -> Result<()> {
    if handles.is_empty() || p.is_null() {
        return Ok(());
    }
    // SAFETY: non-null; read before by `mechanism`.
    let m = unsafe { &*p };
    let (keys, n) = match m.mechanism {
        CKM_SP800_108_COUNTER_KDF | CKM_SP800_108_DOUBLE_PIPELINE_KDF => {
            // SAFETY: `mechanism` checked the parameter's size for this type.
            let k = unsafe { &*(m.pParameter as *const CK_SP800_108_KDF_PARAMS) };
            (k.pAdditionalDerivedKeys, k.ulAdditionalDerivedKeys)
        }
        CKM_SP800_108_FEEDBACK_KDF => {
            // SAFETY: as above.
            let k = unsafe { &*(m.pParameter as *const CK_SP800_108_FEEDBACK_KDF_PARAMS) };
            (k.pAdditionalDerivedKeys, k.ulAdditionalDerivedKeys)
        }
        _ => return Err(Error::general("additional keys from another mechanism")),
    };
    if keys.is_null() || (n as usize) != handles.len() {
        return Err(Error::general("additional keys changed under the call"));
    }
    for (i, h) in handles.iter().enumerate() {
        // SAFETY: `keys` holds `n` CK_DERIVED_KEYs whose phKey `derived_keys` checked.
        unsafe { put((*keys.add(i)).phKey, *h) }?;
    }
    Ok(())
}

/// Copies the CK_PRF_DATA_PARAM array of an SP 800-108 KDF (PKCS#11 3.0
/// Current Mechanisms §2.42.2). A value whose size does not match its type
/// is CKR_MECHANISM_PARAM_INVALID.
unsafe fn kdf_data(p: *const CK_PRF_DATA_PARAM, n: CK_ULONG) -> Result<Vec<KdfData>> {
    let invalid = |what: &str| Error::rv(CKR_MECHANISM_PARAM_INVALID, what.to_string());
    if n == 0 || p.is_null() || n > 64 {
        return Err(invalid("SP 800-108 data parameters"));
    }
    let mut out = Vec::with_capacity(n as usize);
    for i in 0..n as usize {
        // SAFETY: `p` points to `n` CK_PRF_DATA_PARAMs (PKCS#11 contract), n checked above.
        let d = unsafe { &*p.add(i) };
        let (v, vlen) = (d.pValue, d.ulValueLen);
        let counter = |v: *const std::os::raw::c_void| -> Result<CounterFormat> {
            param_size::<CK_SP800_108_COUNTER_FORMAT>(vlen)?;
            if v.is_null() {
                return Err(invalid("counter format"));
            }
            // SAFETY: non-null and of the structure's size.
            let c = unsafe { &*(v as *const CK_SP800_108_COUNTER_FORMAT) };
            Ok(CounterFormat {
                little_endian: c.bLittleEndian != 0,
                width_bits: c.ulWidthInBits,
            })
        };
        out.push(match d.type_ {
            CK_SP800_108_ITERATION_VARIABLE if v.is_null() && vlen == 0 => KdfData::Iteration(None),
            CK_SP800_108_ITERATION_VARIABLE => KdfData::Iteration(Some(counter(v)?)),
            CK_SP800_108_OPTIONAL_COUNTER => KdfData::Counter(counter(v)?),
            CK_SP800_108_DKM_LENGTH => {
                param_size::<CK_SP800_108_DKM_LENGTH_FORMAT>(vlen)?;
                if v.is_null() {
                    return Err(invalid("DKM length format"));
                }
                // SAFETY: non-null and of the structure's size.
                let f = unsafe { &*(v as *const CK_SP800_108_DKM_LENGTH_FORMAT) };
                KdfData::DkmLength {
                    method: f.dkmLengthMethod,
                    format: CounterFormat {
                        little_endian: f.bLittleEndian != 0,
                        width_bits: f.ulWidthInBits,
                    },
                }
            }
            CK_SP800_108_BYTE_ARRAY => KdfData::Bytes(
                // SAFETY: value pointer and length of the parameter.
                unsafe { bytes(v as *const u8, vlen) }
                    .map_err(|_| invalid("byte array"))?
                    .to_vec(),
            ),
            _ => return Err(invalid("SP 800-108 data parameter type")),
        });
    }
    Ok(out)
}

/// Copies `s` blank-padded into a fixed-size CK_UTF8CHAR field.
pub fn pad(field: &mut [u8], s: &str) {
    field.fill(b' ');
    let mut n = s.len().min(field.len());
    while !s.is_char_boundary(n) {
        n -= 1;
    }
    field[..n].copy_from_slice(&s.as_bytes()[..n]);
}

/// Writes a list of CK_ULONG-sized items under the two-call convention
/// (slot lists, mechanism lists, object handles).
pub unsafe fn put_list(p: *mut CK_ULONG, p_count: *mut CK_ULONG, items: &[CK_ULONG]) -> Result<()> {
    if p_count.is_null() {
        return Err(Error::args("null count pointer"));
    }
    if !p.is_null() {
        // SAFETY: non-null count pointer.
        let cap = unsafe { *p_count } as usize;
        if cap < items.len() {
            // SAFETY: as above.
            unsafe { *p_count = items.len() as CK_ULONG };
            return Err(Error::BufferTooSmall(items.len()));
        }
        // SAFETY: the caller promises room for `cap` >= items.len() entries.
        unsafe { std::ptr::copy_nonoverlapping(items.as_ptr(), p, items.len()) };
    }
    // SAFETY: non-null count pointer.
    unsafe { *p_count = items.len() as CK_ULONG };
    Ok(())
}
