#![allow(clippy::unnecessary_cast)]
//! CKM_PKCS5_PBKD2 through C_GenerateKey with CK_PKCS5_PBKD2_PARAMS2
//! (PKCS#11 3.0 Current Mechanisms §2.37.5), against RFC 6070 (HMAC-SHA1)
//! and RFC 7914 §11 (HMAC-SHA256).

#[macro_use]
mod common;
use common::raw::*;
use common::*;
use cryptoki_sys::*;
use std::ffi::c_void;
use std::ptr::null_mut;

fn params(
    prf: CK_ULONG,
    password: &[u8],
    salt: &[u8],
    iterations: CK_ULONG,
) -> CK_PKCS5_PBKD2_PARAMS2 {
    CK_PKCS5_PBKD2_PARAMS2 {
        saltSource: CKZ_SALT_SPECIFIED,
        pSaltSourceData: salt.as_ptr() as *mut c_void,
        ulSaltSourceDataLen: salt.len() as CK_ULONG,
        iterations,
        prf,
        pPrfData: null_mut(),
        ulPrfDataLen: 0,
        pPassword: password.as_ptr() as *mut u8,
        ulPasswordLen: password.len() as CK_ULONG,
    }
}

/// Generates a readable generic secret of `len` bytes; the value or the CK_RV.
fn generate(
    r: &Raw,
    h: CK_SESSION_HANDLE,
    p: &CK_PKCS5_PBKD2_PARAMS2,
    len: CK_ULONG,
) -> Result<Vec<u8>, CK_RV> {
    let class: CK_ULONG = CKO_SECRET_KEY;
    let kt: CK_ULONG = CKK_GENERIC_SECRET;
    let no: CK_BBOOL = 0;
    let mut t = [
        attr(CKA_CLASS, &class),
        attr(CKA_KEY_TYPE, &kt),
        attr(CKA_VALUE_LEN, &len),
        attr(CKA_SENSITIVE, &no),
    ];
    let mut m = mech(CKM_PKCS5_PBKD2, Some(p));
    let mut k = 0;
    let rv = call!(
        r,
        C_GenerateKey(h, &mut m, t.as_mut_ptr(), t.len() as CK_ULONG, &mut k)
    );
    if rv != CKR_OK {
        return Err(rv);
    }
    let mut v = vec![0u8; len as usize];
    let mut a = [bytes_attr(CKA_VALUE, &v)];
    a[0].pValue = v.as_mut_ptr() as *mut c_void;
    assert_eq!(
        call!(r, C_GetAttributeValue(h, k, a.as_mut_ptr(), 1)),
        CKR_OK
    );
    Ok(v)
}

#[test]
fn pbkdf2_standard_vectors() {
    let st = Store::new();
    let r = load();
    init(&r, &st);
    let (_, h) = token_session(&r);
    let sha1 = CKP_PKCS5_PBKD2_HMAC_SHA1;
    // RFC 6070 §2, cases 1, 2, 3 and 5.
    for (pw, salt, c, len, dk) in [
        (
            &b"password"[..],
            &b"salt"[..],
            1,
            20,
            "0c60c80f961f0e71f3a9b524af6012062fe037a6",
        ),
        (
            b"password",
            b"salt",
            2,
            20,
            "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957",
        ),
        (
            b"password",
            b"salt",
            4096,
            20,
            "4b007901b765489abead49d926f721d065a429c1",
        ),
        (
            b"passwordPASSWORDpassword",
            b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
            4096,
            25,
            "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038",
        ),
        (
            b"pass\0word",
            b"sa\0lt",
            4096,
            16,
            "56fa6aa75548099dcc37d7f03425e0c3",
        ),
    ] {
        let p = params(sha1, pw, salt, c);
        assert_eq!(generate(&r, h, &p, len).unwrap(), hex(dk));
    }
    // RFC 7914 §11, PBKDF2-HMAC-SHA256 cases 1 and 2.
    let p = params(CKP_PKCS5_PBKD2_HMAC_SHA256, b"passwd", b"salt", 1);
    assert_eq!(
        generate(&r, h, &p, 64).unwrap(),
        hex("55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")
    );
    let p = params(CKP_PKCS5_PBKD2_HMAC_SHA256, b"Password", b"NaCl", 80000);
    assert_eq!(
        generate(&r, h, &p, 64).unwrap(),
        hex("4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d")
    );
    // Refusals: GOST PRF, zero iterations, a salt source other than specified.
    let p = params(CKP_PKCS5_PBKD2_HMAC_GOSTR3411, b"pw", b"salt", 1);
    assert_eq!(generate(&r, h, &p, 32), Err(CKR_MECHANISM_PARAM_INVALID));
    let p = params(sha1, b"pw", b"salt", 0);
    assert_eq!(generate(&r, h, &p, 32), Err(CKR_MECHANISM_PARAM_INVALID));
    let mut p = params(sha1, b"pw", b"salt", 1);
    p.saltSource = 0;
    assert_eq!(generate(&r, h, &p, 32), Err(CKR_MECHANISM_PARAM_INVALID));
    assert_eq!(call!(r, C_Finalize(null_mut())), CKR_OK);
}
