//! Key-based key derivation: CKM_HKDF_DERIVE and CKM_HKDF_DATA (PKCS#11
//! 3.0 Current Mechanisms §2.43.3–2.43.4, RFC 5869) and the SP 800-108
//! KDFs in counter, feedback and double-pipeline mode (§2.42). The derived
//! key's sensitivity follows its sources, as for the simple derivations
//! (`derive::store_derived`); CKM_HKDF_DATA makes a data object instead
//! ([`hkdf_data_allowed`] says from which keys).

use super::derive::{prepare_derived, secret_value, store_derived, store_derived_data};
use crate::attrs::{key_type_of, Obj, Template};
use crate::error::{fail, Error, Result};
use crate::key_use::KeyCall;
use crate::mechanism::{self, CounterFormat, KdfData, Mechanism, Param};
use crate::session::Session;
use crate::state::Module;
use cryptoki_sys::*;
use keystore::access::Operation;
use keystore::crypto::derive::{hkdf_expand, hkdf_extract};
use keystore::crypto::{Mac, MacAlgorithm};
use keystore::lifecycle::Usage;
use keystore::object::UsageMask;
use zeroize::Zeroizing;

/// The largest key this module derives, in bytes.
const MAX_DERIVED: usize = 512;

/// Whether `ty` is one of this module's mechanisms.
pub fn is_kdf(ty: CK_MECHANISM_TYPE) -> bool {
    matches!(
        ty,
        CKM_HKDF_DERIVE
            | CKM_HKDF_DATA
            | CKM_SP800_108_COUNTER_KDF
            | CKM_SP800_108_FEEDBACK_KDF
            | CKM_SP800_108_DOUBLE_PIPELINE_KDF
    )
}

fn param_invalid<T>(what: &str) -> Result<T> {
    fail(CKR_MECHANISM_PARAM_INVALID, what.to_string())
}

/// CKA_VALUE_LEN of the template, required and bounded.
fn wanted_len(t: &Template) -> Result<usize> {
    let len = t
        .ulong(CKA_VALUE_LEN)?
        .ok_or_else(|| Error::rv(CKR_TEMPLATE_INCOMPLETE, "CKA_VALUE_LEN is required"))?
        as usize;
    if len == 0 || len > MAX_DERIVED {
        return fail(CKR_TEMPLATE_INCONSISTENT, "CKA_VALUE_LEN out of range");
    }
    Ok(len)
}

/// C_DeriveKey with CKM_HKDF_DERIVE or an SP 800-108 KDF; `base` is loaded
/// and usable. Returns the key's handle and those of the SP 800-108
/// additional keys, in the order of their CK_DERIVED_KEYs.
pub fn derive(
    md: &Module,
    s: &Session,
    call: &mut KeyCall,
    m: &Mechanism,
    base: &Obj,
    t: &Template,
) -> Result<(CK_OBJECT_HANDLE, Vec<CK_OBJECT_HANDLE>)> {
    if !base.attrs.usage.contains(UsageMask::DERIVE_KEY) {
        return fail(CKR_KEY_FUNCTION_NOT_PERMITTED, "CKA_DERIVE is false");
    }
    mechanism::allowed(&base.attrs, m.ty)?;
    let key = secret_value(base, CKR_KEY_TYPE_INCONSISTENT)?;
    let mut sources = vec![base.clone()];
    let material: Zeroizing<Vec<u8>> = match (m.ty, &m.param) {
        (
            CKM_HKDF_DERIVE | CKM_HKDF_DATA,
            Param::Hkdf {
                extract,
                expand,
                prf,
                salt_type,
                salt,
                salt_key,
                info,
            },
        ) => {
            let hash = mechanism::digest_of(*prf)
                .ok_or_else(|| Error::rv(CKR_MECHANISM_PARAM_INVALID, "HKDF hash"))?;
            let salt: Zeroizing<Vec<u8>> = match *salt_type {
                CKF_HKDF_SALT_NULL => Zeroizing::new(Vec::new()),
                CKF_HKDF_SALT_DATA if !salt.is_empty() => Zeroizing::new(salt.clone()),
                CKF_HKDF_SALT_KEY if *extract => {
                    let k = md.load_key(s, *salt_key, Usage::Protect).map_err(|_| {
                        Error::rv(CKR_MECHANISM_PARAM_INVALID, "no such HKDF salt key")
                    })?;
                    call.uses(md, s.slot, &[(&k, Operation::Derive, Some("salt key"))])?;
                    let v = secret_value(&k, CKR_MECHANISM_PARAM_INVALID)?;
                    sources.push(Obj::clone(&k));
                    v
                }
                _ => return param_invalid("HKDF salt type"),
            };
            if m.ty == CKM_HKDF_DATA {
                hkdf_data_allowed(&sources, *expand, info)?;
            }
            match (*extract, *expand) {
                (true, false) => Zeroizing::new(hkdf_extract(hash, &key, &salt)?.expose().to_vec()),
                (true, true) => {
                    let len = wanted_len(t)?;
                    let prk = hkdf_extract(hash, &key, &salt)?;
                    hkdf_len_ok(len, hash.output_len())?;
                    Zeroizing::new(
                        hkdf_expand(hash, prk.expose(), info, len)?
                            .expose()
                            .to_vec(),
                    )
                }
                (false, true) => {
                    let len = wanted_len(t)?;
                    hkdf_len_ok(len, hash.output_len())?;
                    Zeroizing::new(hkdf_expand(hash, &key, info, len)?.expose().to_vec())
                }
                (false, false) => return param_invalid("HKDF with neither extract nor expand"),
            }
        }
        (
            CKM_SP800_108_COUNTER_KDF
            | CKM_SP800_108_FEEDBACK_KDF
            | CKM_SP800_108_DOUBLE_PIPELINE_KDF,
            Param::Kbkdf {
                prf,
                data,
                iv,
                additional,
            },
        ) => {
            let prf = prf_of(*prf)?;
            if prf == MacAlgorithm::CmacAes && key_type_of(&base.attrs) != Some(CKK_AES) {
                return fail(CKR_KEY_TYPE_INCONSISTENT, "AES-CMAC needs an AES base key");
            }
            let mode = match m.ty {
                CKM_SP800_108_FEEDBACK_KDF => KbkdfMode::Feedback(iv.as_slice()),
                CKM_SP800_108_DOUBLE_PIPELINE_KDF => KbkdfMode::DoublePipeline,
                _ => KbkdfMode::Counter,
            };
            let templates: Vec<&Template> = std::iter::once(t).chain(additional).collect();
            let lens = templates
                .iter()
                .map(|t| wanted_len(t))
                .collect::<Result<Vec<_>>>()?;
            let keys = kbkdf(prf, &key, data, mode, &lens)?;
            // Every key is checked before any is stored.
            let prepared = templates
                .iter()
                .zip(keys)
                .map(|(t, k)| {
                    prepare_derived(md, s, t, &sources, k.to_vec(), CKK_GENERIC_SECRET, true)
                })
                .collect::<Result<Vec<_>>>()?;
            let mut handles = Vec::with_capacity(prepared.len());
            for (token, a, value) in prepared {
                handles.push(md.store_new(s, token, a, Some(value))?);
            }
            let first = handles.remove(0);
            return Ok((first, handles));
        }
        _ => return param_invalid("derivation parameter"),
    };
    let h = if m.ty == CKM_HKDF_DATA {
        store_derived_data(md, s, t, &sources, material)?
    } else {
        store_derived(
            md,
            s,
            t,
            &sources,
            material.to_vec(),
            CKK_GENERIC_SECRET,
            true,
        )?
    };
    Ok((h, Vec::new()))
}

/// CKM_HKDF_DATA (§2.43.4) writes its output into a CKO_DATA object, whose
/// CKA_VALUE anyone with the session can read. From sources that are all
/// readable keys (not sensitive, extractable) that reveals nothing new, so
/// any derivation is allowed. From a sensitive or unextractable source it
/// would pull key material into the clear, so only what §2.43.4 requires
/// every token to support is allowed: an expansion whose pInfo starts with
/// "tls1.3 iv", which this module also accepts in its RFC 8446 §7.1
/// HkdfLabel form (length, then the label "tls13 iv"), the TLS 1.3 record
/// IV (RFC 8446 §7.3). Anything else is CKR_MECHANISM_PARAM_INVALID.
fn hkdf_data_allowed(sources: &[Obj], expand: bool, info: &[u8]) -> Result<()> {
    let secret = sources
        .iter()
        .any(|k| k.attrs.flags.sensitive || !k.attrs.flags.extractable);
    if !secret {
        return Ok(());
    }
    let tls13_iv = info.starts_with(b"tls1.3 iv")
        || (info.len() >= 11 && info[2] == 8 && &info[3..11] == b"tls13 iv");
    if expand && tls13_iv {
        Ok(())
    } else {
        param_invalid(
            "CKM_HKDF_DATA from a sensitive or unextractable key derives only the TLS 1.3 IV",
        )
    }
}

fn hkdf_len_ok(len: usize, hash_len: usize) -> Result<()> {
    if len > 255 * hash_len {
        return fail(CKR_TEMPLATE_INCONSISTENT, "HKDF output too long");
    }
    Ok(())
}

/// The PRF of an SP 800-108 KDF (CK_SP800_108_PRF_TYPE): HMAC with SHA-1,
/// SHA-2 or SHA-3, or AES-CMAC.
fn prf_of(ty: CK_MECHANISM_TYPE) -> Result<MacAlgorithm> {
    if ty == CKM_AES_CMAC {
        return Ok(MacAlgorithm::CmacAes);
    }
    match mechanism::hmac_of(ty) {
        Some((hash, false)) => Ok(MacAlgorithm::Hmac(hash)),
        _ => param_invalid("SP 800-108 PRF"),
    }
}

/// `value` in `f.width_bits` bits, big- or little-endian; None if it does
/// not fit or the width is not whole bytes up to 64 bits.
fn encode(value: u64, f: CounterFormat) -> Option<Vec<u8>> {
    let w = f.width_bits as usize;
    if w == 0 || !w.is_multiple_of(8) || w > 64 || (w < 64 && value >> w != 0) {
        return None;
    }
    let be = value.to_be_bytes();
    let mut out = be[8 - w / 8..].to_vec();
    if f.little_endian {
        out.reverse();
    }
    Some(out)
}

/// The SP 800-108r1 mode of a KDF (§2.42): what the iteration variable
/// stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KbkdfMode<'a> {
    /// §4.1, CKM_SP800_108_COUNTER_KDF: the counter [i].
    Counter,
    /// §4.2, CKM_SP800_108_FEEDBACK_KDF: K(i-1), with K(0) the IV.
    Feedback(&'a [u8]),
    /// §4.3, CKM_SP800_108_DOUBLE_PIPELINE_KDF: A(i) of the first pipeline,
    /// A(0) being the fixed input data and A(i) = PRF(K, A(i-1)).
    DoublePipeline,
}

/// SP 800-108r1 KDF in counter, feedback or double-pipeline mode: each PRF
/// input of the second (or only) pipeline is the data parameters in the
/// caller's order, the iteration variable standing for [i], K(i-1) or A(i)
/// as `mode` says, an optional counter for [i]. In double-pipeline mode the
/// fixed input data A(0) is the other parameters — byte arrays and the DKM
/// length — in their order, without the iteration variable and counter.
/// Counters start at 1. Layouts the standard does not allow — no or
/// several iteration variables, a counter format on a chaining value, an
/// optional counter in counter mode, widths that are not whole bytes — are
/// CKR_MECHANISM_PARAM_INVALID.
///
/// One call makes a key of each length in `lens` (the first is the key of
/// C_DeriveKey, the others its additional keys, §2.42.2). Each key starts
/// on a fresh PRF block, so with CK_SP800_108_DKM_LENGTH_SUM_OF_SEGMENTS
/// [L] is the total of every key rounded up to whole blocks, and with
/// SUM_OF_KEYS the total of the key lengths; [L] is in bits, as SP 800-108
/// defines it.
pub fn kbkdf(
    prf: MacAlgorithm,
    key: &[u8],
    data: &[KdfData],
    mode: KbkdfMode<'_>,
    lens: &[usize],
) -> Result<Vec<Zeroizing<Vec<u8>>>> {
    let chained = mode != KbkdfMode::Counter;
    let iterations = data
        .iter()
        .filter(|d| matches!(d, KdfData::Iteration(_)))
        .count();
    let counters = data
        .iter()
        .filter(|d| matches!(d, KdfData::Counter(_)))
        .count();
    let dkms = data
        .iter()
        .filter(|d| matches!(d, KdfData::DkmLength { .. }))
        .count();
    if iterations != 1 || dkms > 1 || counters > usize::from(chained) {
        return param_invalid("SP 800-108 data parameter layout");
    }
    for d in data {
        match d {
            KdfData::Iteration(Some(_)) if chained => {
                return param_invalid("a chaining iteration variable takes no format")
            }
            KdfData::Iteration(None) if !chained => {
                return param_invalid("the counter needs a format")
            }
            KdfData::DkmLength { method, .. }
                if !matches!(
                    *method,
                    CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS | CK_SP800_108_DKM_LENGTH_SUM_OF_SEGMENTS
                ) =>
            {
                return param_invalid("DKM length method")
            }
            _ => {}
        }
    }
    if key.is_empty() || lens.is_empty() || lens.iter().any(|&l| l == 0 || l > MAX_DERIVED) {
        return param_invalid("SP 800-108 key or length");
    }
    let h = prf.output_len();
    let blocks: Vec<usize> = lens.iter().map(|l| l.div_ceil(h)).collect();
    let n: usize = blocks.iter().sum();
    let sum_of_keys: usize = lens.iter().sum();
    // The bytes of a parameter other than the iteration variable, for block i.
    let fixed_part = |d: &KdfData, i: u64| -> Result<Zeroizing<Vec<u8>>> {
        Ok(Zeroizing::new(match d {
            KdfData::Iteration(Some(f)) | KdfData::Counter(f) => encode(i, *f)
                .ok_or_else(|| Error::rv(CKR_MECHANISM_PARAM_INVALID, "counter width"))?,
            KdfData::DkmLength { method, format } => {
                let bytes = if *method == CK_SP800_108_DKM_LENGTH_SUM_OF_SEGMENTS {
                    n * h
                } else {
                    sum_of_keys
                };
                encode(bytes as u64 * 8, *format)
                    .ok_or_else(|| Error::rv(CKR_MECHANISM_PARAM_INVALID, "DKM length width"))?
            }
            KdfData::Bytes(b) => b.clone(),
            KdfData::Iteration(None) => Vec::new(),
        }))
    };
    let mut stream = Zeroizing::new(Vec::with_capacity(n * h));
    // K(i-1) in feedback mode, A(i-1) in double-pipeline mode.
    let mut previous = Zeroizing::new(match mode {
        KbkdfMode::Feedback(iv) => iv.to_vec(),
        KbkdfMode::DoublePipeline => {
            let mut a0 = Vec::new();
            for d in data {
                if !matches!(d, KdfData::Iteration(_) | KdfData::Counter(_)) {
                    a0.extend_from_slice(&fixed_part(d, 0)?);
                }
            }
            a0
        }
        KbkdfMode::Counter => Vec::new(),
    });
    for i in 1..=n as u64 {
        if mode == KbkdfMode::DoublePipeline {
            let mut first = Mac::new(prf, key)?;
            first.update(&previous)?;
            previous = Zeroizing::new(first.finish()?);
        }
        let mut mac = Mac::new(prf, key)?;
        for d in data {
            match d {
                KdfData::Iteration(None) => mac.update(&previous)?,
                d => mac.update(&fixed_part(d, i)?)?,
            }
        }
        let k = Zeroizing::new(mac.finish()?);
        stream.extend_from_slice(&k);
        if let KbkdfMode::Feedback(_) = mode {
            previous = k;
        }
    }
    let mut at = 0;
    Ok(lens
        .iter()
        .zip(blocks)
        .map(|(&len, b)| {
            let k = Zeroizing::new(stream[at..at + len].to_vec());
            at += b * h;
            k
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use keystore::crypto::derive::{
        sp800_108_counter, sp800_108_double_pipeline, sp800_108_feedback,
    };
    use keystore::crypto::DigestAlgorithm;

    const BE32: CounterFormat = CounterFormat {
        little_endian: false,
        width_bits: 32,
    };

    #[test]
    fn counter_mode_matches_keystore() {
        let prf = MacAlgorithm::Hmac(DigestAlgorithm::Sha256);
        let key = [0x0bu8; 32];
        let fixed = b"label\0context\x00\x00\x02\x00".to_vec();
        let data = [
            KdfData::Iteration(Some(BE32)),
            KdfData::Bytes(fixed.clone()),
        ];
        for len in [16, 32, 64, 70] {
            let ours = kbkdf(prf, &key, &data, KbkdfMode::Counter, &[len])
                .unwrap()
                .remove(0);
            let theirs = sp800_108_counter(prf, &key, &fixed, 32, len).unwrap();
            assert_eq!(ours.as_slice(), theirs.expose());
        }
    }

    #[test]
    fn feedback_mode_matches_keystore() {
        let prf = MacAlgorithm::CmacAes;
        let key = [0x42u8; 16];
        let iv = [7u8; 16];
        let fixed = b"fixed input".to_vec();
        let data = [
            KdfData::Iteration(None),
            KdfData::Counter(BE32),
            KdfData::Bytes(fixed.clone()),
        ];
        let ours = kbkdf(prf, &key, &data, KbkdfMode::Feedback(&iv), &[40])
            .unwrap()
            .remove(0);
        let theirs = sp800_108_feedback(prf, &key, &iv, &fixed, Some(32), 40).unwrap();
        assert_eq!(ours.as_slice(), theirs.expose());
    }

    #[test]
    fn dkm_length_is_encoded_in_bits() {
        let prf = MacAlgorithm::Hmac(DigestAlgorithm::Sha256);
        let key = [1u8; 32];
        let data = [
            KdfData::Iteration(Some(BE32)),
            KdfData::Bytes(b"L".to_vec()),
            KdfData::DkmLength {
                method: CK_SP800_108_DKM_LENGTH_SUM_OF_KEYS,
                format: BE32,
            },
        ];
        let fixed = [b"L".as_slice(), &(40u32 * 8).to_be_bytes()].concat();
        let ours = kbkdf(prf, &key, &data, KbkdfMode::Counter, &[40])
            .unwrap()
            .remove(0);
        let theirs = sp800_108_counter(prf, &key, &fixed, 32, 40).unwrap();
        assert_eq!(ours.as_slice(), theirs.expose());
    }

    #[test]
    fn bad_layouts_are_refused() {
        let prf = MacAlgorithm::Hmac(DigestAlgorithm::Sha256);
        let key = [1u8; 32];
        let odd = CounterFormat {
            little_endian: false,
            width_bits: 12,
        };
        for (data, mode) in [
            (vec![KdfData::Bytes(vec![1])], KbkdfMode::Counter),
            (vec![KdfData::Iteration(Some(odd))], KbkdfMode::Counter),
            (vec![KdfData::Iteration(None)], KbkdfMode::Counter),
            (
                vec![KdfData::Iteration(Some(BE32))],
                KbkdfMode::Feedback(&[]),
            ),
            (
                vec![KdfData::Iteration(Some(BE32)), KdfData::Counter(BE32)],
                KbkdfMode::Counter,
            ),
            // Double pipeline: A(i) takes no format, one counter at most.
            (
                vec![KdfData::Iteration(Some(BE32))],
                KbkdfMode::DoublePipeline,
            ),
            (
                vec![
                    KdfData::Iteration(None),
                    KdfData::Counter(BE32),
                    KdfData::Counter(BE32),
                ],
                KbkdfMode::DoublePipeline,
            ),
            (
                vec![KdfData::Bytes(b"no iteration".to_vec())],
                KbkdfMode::DoublePipeline,
            ),
        ] {
            let e = kbkdf(prf, &key, &data, mode, &[32]).unwrap_err();
            assert_eq!(e.code(), CKR_MECHANISM_PARAM_INVALID);
        }
    }

    #[test]
    fn double_pipeline_matches_keystore() {
        // The key store's double-pipeline KDF takes the fixed input as one
        // string and puts A(i) || [i] before it; the PKCS#11 layout with the
        // same order must give the same bytes.
        let fixed = b"label\0context".to_vec();
        for (prf, key) in [
            (
                MacAlgorithm::Hmac(DigestAlgorithm::Sha256),
                vec![0x0bu8; 32],
            ),
            (MacAlgorithm::CmacAes, vec![0x42u8; 16]),
        ] {
            for counter in [None, Some(BE32)] {
                let mut data = vec![KdfData::Iteration(None)];
                data.extend(counter.map(KdfData::Counter));
                data.push(KdfData::Bytes(fixed.clone()));
                for len in [16, 32, 70] {
                    let ours = kbkdf(prf, &key, &data, KbkdfMode::DoublePipeline, &[len])
                        .unwrap()
                        .remove(0);
                    let theirs =
                        sp800_108_double_pipeline(prf, &key, &fixed, counter.map(|_| 32), len)
                            .unwrap();
                    assert_eq!(
                        ours.as_slice(),
                        theirs.expose(),
                        "{prf:?} {counter:?} {len}"
                    );
                }
            }
        }
    }

    #[test]
    fn additional_keys_start_on_fresh_blocks() {
        let prf = MacAlgorithm::Hmac(DigestAlgorithm::Sha256);
        let key = [9u8; 32];
        let fixed = b"fixed".to_vec();
        let data = [
            KdfData::Iteration(Some(BE32)),
            KdfData::Bytes(fixed.clone()),
        ];
        let keys = kbkdf(prf, &key, &data, KbkdfMode::Counter, &[16, 40, 32]).unwrap();
        // Blocks: key 1 takes block 1, key 2 blocks 2-3, key 3 block 4.
        let stream = sp800_108_counter(prf, &key, &fixed, 32, 4 * 32).unwrap();
        let st = stream.expose();
        assert_eq!(keys[0].as_slice(), &st[..16]);
        assert_eq!(keys[1].as_slice(), &st[32..72]);
        assert_eq!(keys[2].as_slice(), &st[96..128]);
    }

    #[test]
    fn counters_encode_either_endianness() {
        let le16 = CounterFormat {
            little_endian: true,
            width_bits: 16,
        };
        assert_eq!(encode(0x0102, le16), Some(vec![0x02, 0x01]));
        assert_eq!(encode(0x0102, BE32), Some(vec![0, 0, 1, 2]));
        assert_eq!(
            encode(
                256,
                CounterFormat {
                    little_endian: false,
                    width_bits: 8
                }
            ),
            None
        );
    }
}
