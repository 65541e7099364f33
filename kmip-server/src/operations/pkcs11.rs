//! PKCS#11 (KMIP 2.1 §6.1.37): PKCS#11 function calls carried in KMIP.
//!
//! keybridge answers the library functions a remote PKCS#11 client begins
//! and ends with: `C_Initialize` opens a PKCS#11 context on the server,
//! named by the Correlation Value of the answer; `C_GetInfo` describes the
//! interface; `C_Finalize` closes the context. Every other function is
//! answered with `CKR_FUNCTION_NOT_SUPPORTED` in the PKCS#11 Return Code:
//! applications reach keybridge's tokens through its PKCS#11 module, which
//! reads the same store, not through calls tunnelled in KMIP. A context
//! belongs to the identity that opened it and lapses after
//! [`crate::streams::STREAM_TTL`] unused, like a multi-part operation.
//!
//! Parameters travel as the PKCS#11 structures laid out without padding,
//! `CK_ULONG` as 8 bytes little-endian (the layout of the KMIP PKCS#11
//! profile's test case for `C_GetInfo`).

use crate::dispatch::Ctx;
use crate::error::Result;
use crate::streams::StreamState;
use kmip::enums::{operation as op, pkcs_11_function as func};
use kmip::{Tag, Ttlv};

/// PKCS#11 v2.40 return values (PKCS#11 2.40 §3.6, `CK_RV`), as the
/// PKCS#11 Return Code enumeration carries them.
mod ckr {
    pub const OK: u32 = 0x00;
    pub const ARGUMENTS_BAD: u32 = 0x07;
    pub const FUNCTION_NOT_SUPPORTED: u32 = 0x54;
    pub const CRYPTOKI_NOT_INITIALIZED: u32 = 0x190;
}

/// The PKCS#11 version the interface reports (the KMIP 2.1 PKCS#11
/// operation refers to PKCS#11 v2.40).
const CRYPTOKI_VERSION: [u8; 2] = [2, 40];
/// Largest C_Initialize argument block accepted.
const MAX_INIT_ARGS: usize = 256;

/// The PKCS#11 operation.
pub fn pkcs11(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    let function = payload.child_enumeration(Tag::PKCS_11Function)?;
    let interface = payload.opt_child_text(Tag::PKCS_11Interface)?;
    let correlation = payload.opt_child_bytes(Tag::CorrelationValue)?;
    let input = payload.opt_child_bytes(Tag::PKCS_11InputParameters)?;
    let mut out = Vec::new();
    if let Some(i) = interface {
        out.push(Ttlv::text(Tag::PKCS_11Interface, i.to_string()));
    }
    out.push(Ttlv::enumeration(Tag::PKCS_11Function, function));
    let (rv, cv, output) = match function {
        func::C_Initialize => {
            // The arguments (CK_C_INITIALIZE_ARGS: locking callbacks,
            // flags) concern the caller's process; none applies here.
            if input.is_some_and(|i| i.len() > MAX_INIT_ARGS) {
                (ckr::ARGUMENTS_BAD, None, None)
            } else {
                let cv =
                    ctx.streams
                        .put(None, ctx.identity, "", op::PKCS_11, StreamState::Pkcs11)?;
                (ckr::OK, Some(cv), None)
            }
        }
        func::C_Finalize => match correlation {
            Some(cv) if ctx.streams.take(cv, ctx.identity, "", op::PKCS_11).is_ok() => {
                (ckr::OK, None, None)
            }
            _ => (ckr::CRYPTOKI_NOT_INITIALIZED, None, None),
        },
        // Only C_Initialize's answer names the context.
        func::C_GetInfo => match correlation {
            Some(cv) if ctx.streams.renew(cv, ctx.identity, "", op::PKCS_11) => {
                (ckr::OK, None, Some(ck_info()))
            }
            _ => (ckr::CRYPTOKI_NOT_INITIALIZED, None, None),
        },
        _ => (ckr::FUNCTION_NOT_SUPPORTED, None, None),
    };
    if let Some(cv) = cv {
        out.push(Ttlv::bytes(Tag::CorrelationValue, cv));
    }
    if let Some(o) = output {
        out.push(Ttlv::bytes(Tag::PKCS_11OutputParameters, o));
    }
    out.push(Ttlv::enumeration(Tag::PKCS_11ReturnCode, rv));
    Ok(out)
}

/// `CK_INFO` (PKCS#11 2.40 §3.1): version, manufacturer, flags, library
/// description and version; text fields blank-padded to 32 bytes.
fn ck_info() -> Vec<u8> {
    let mut info = Vec::with_capacity(76);
    info.extend_from_slice(&CRYPTOKI_VERSION);
    info.extend_from_slice(&padded("keybridge"));
    info.extend_from_slice(&0u64.to_le_bytes());
    info.extend_from_slice(&padded("keybridge KMIP PKCS#11"));
    info.push(version_part(env!("CARGO_PKG_VERSION_MAJOR")));
    info.push(version_part(env!("CARGO_PKG_VERSION_MINOR")));
    info
}

fn padded(s: &str) -> [u8; 32] {
    let mut field = [b' '; 32];
    let n = s.len().min(32);
    field[..n].copy_from_slice(&s.as_bytes()[..n]);
    field
}

fn version_part(s: &str) -> u8 {
    s.parse().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ck_info_layout() {
        let i = ck_info();
        assert_eq!(i.len(), 2 + 32 + 8 + 32 + 2);
        assert_eq!(&i[..2], &[2, 40]);
        assert_eq!(&i[2..11], b"keybridge");
        assert!(i[11..34].iter().all(|&b| b == b' '));
        assert_eq!(&i[34..42], &[0; 8]);
    }
}
