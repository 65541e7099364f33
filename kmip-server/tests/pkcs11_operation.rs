//! The PKCS#11 operation (KMIP 2.1 §6.1.37) against the real server:
//! C_Initialize opens a context named by its Correlation Value, C_GetInfo
//! answers a CK_INFO, C_Finalize closes the context; other functions are
//! answered CKR_FUNCTION_NOT_SUPPORTED; a context is its identity's only.

mod common;

use kmip::enums::{operation as op, pkcs_11_function as func, result_status as rs};
use kmip::{ProtocolVersion, Tag, Ttlv};

const CKR_OK: u32 = 0;
const CKR_FUNCTION_NOT_SUPPORTED: u32 = 0x54;
const CKR_CRYPTOKI_NOT_INITIALIZED: u32 = 0x190;

fn call<S: std::io::Read + std::io::Write>(
    c: &mut kmip::client::Client<S>,
    function: u32,
    cv: Option<&[u8]>,
) -> Ttlv {
    let mut p = vec![Ttlv::enumeration(Tag::PKCS_11Function, function)];
    if let Some(cv) = cv {
        p.push(Ttlv::bytes(Tag::CorrelationValue, cv.to_vec()));
    }
    let r = c
        .call(op::PKCS_11, Ttlv::structure(Tag::RequestPayload, p))
        .unwrap();
    assert_eq!(r.result_status, rs::Success, "{:?}", r.result_message);
    let payload = r.payload.unwrap();
    assert_eq!(
        payload.child_enumeration(Tag::PKCS_11Function).unwrap(),
        function
    );
    payload
}

fn rv(p: &Ttlv) -> u32 {
    p.child_enumeration(Tag::PKCS_11ReturnCode).unwrap()
}

#[test]
fn initialize_get_info_finalize() {
    let server = common::Server::start();
    let mut c = server.client(ProtocolVersion::V2_1);
    assert_eq!(
        rv(&call(&mut c, func::C_GetInfo, Some(&[0u8; 16]))),
        CKR_CRYPTOKI_NOT_INITIALIZED
    );
    let init = call(&mut c, func::C_Initialize, None);
    assert_eq!(rv(&init), CKR_OK);
    let cv = init.child_bytes(Tag::CorrelationValue).unwrap().to_vec();

    // Another identity cannot use this context.
    let mut other = server.client_as("pkcs11-other", ProtocolVersion::V2_1);
    assert_eq!(
        rv(&call(&mut other, func::C_GetInfo, Some(&cv))),
        CKR_CRYPTOKI_NOT_INITIALIZED
    );

    let info = call(&mut c, func::C_GetInfo, Some(&cv));
    assert_eq!(rv(&info), CKR_OK);
    let ck_info = info.child_bytes(Tag::PKCS_11OutputParameters).unwrap();
    assert_eq!(ck_info.len(), 76);
    assert_eq!(&ck_info[..2], &[2, 40]);
    assert!(ck_info[2..].starts_with(b"keybridge "));
    // The context stays open after C_GetInfo.
    assert_eq!(rv(&call(&mut c, func::C_GetInfo, Some(&cv))), CKR_OK);

    assert_eq!(
        rv(&call(&mut c, func::C_OpenSession, Some(&cv))),
        CKR_FUNCTION_NOT_SUPPORTED
    );
    assert_eq!(rv(&call(&mut c, func::C_Finalize, Some(&cv))), CKR_OK);
    assert_eq!(
        rv(&call(&mut c, func::C_GetInfo, Some(&cv))),
        CKR_CRYPTOKI_NOT_INITIALIZED,
        "finalized"
    );
}
