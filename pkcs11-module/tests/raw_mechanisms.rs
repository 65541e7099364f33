#![allow(clippy::unnecessary_cast)]
//! Mechanisms the cryptoki crate cannot express (AES-CTR, KWP, SHA-3,
//! _GENERAL MACs, ECB_ENCRYPT_DATA, multi-part message-based GCM), driven
//! by raw calls with standard test vectors.

#[macro_use]
mod common;
use common::raw::*;
use common::*;
use cryptoki_sys::*;
use std::ffi::c_void;
use std::ptr::{null, null_mut};

#[test]
fn mechanisms_beyond_cryptoki() {
    let st = Store::new();
    let r = load();
    init(&r, &st);
    let (_, h) = token_session(&r);
    // SP 800-38A F.5.1 CTR-AES128.Encrypt, first block.
    let k = aes_key(&r, h, &hex("2b7e151628aed2a6abf7158809cf4f3c"));
    let ctr = CK_AES_CTR_PARAMS {
        ulCounterBits: 128,
        cb: hex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff").try_into().unwrap(),
    };
    let mut m = mech(CKM_AES_CTR, Some(&ctr));
    let ct = encrypt(&r, h, &mut m, k, &hex("6bc1bee22e409f96e93d7e117393172a"));
    assert_eq!(ct, hex("874d6191b620e3261bef6864990db6ce"));
    // RFC 5649 §6, 20-byte key.
    let kek = aes_key(
        &r,
        h,
        &hex("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8"),
    );
    let mut m = mech::<u8>(CKM_AES_KEY_WRAP_KWP, None);
    let w = encrypt(
        &r,
        h,
        &mut m,
        kek,
        &hex("c37b7e6492584340bed12207808941155068f738"),
    );
    assert_eq!(
        w,
        hex("138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a")
    );
    // SHA3-256("abc").
    let mut m = mech::<u8>(CKM_SHA3_256, None);
    assert_eq!(call!(r, C_DigestInit(h, &mut m)), CKR_OK);
    let mut d = [0u8; 32];
    let mut n: CK_ULONG = 32;
    assert_eq!(
        call!(
            r,
            C_Digest(h, b"abc".as_ptr() as *mut u8, 3, d.as_mut_ptr(), &mut n)
        ),
        CKR_OK
    );
    assert_eq!(
        d.to_vec(),
        hex("3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532")
    );
    // HMAC_GENERAL truncates (RFC 4231 test case 5 idea: 16 bytes of SHA-256).
    let len: CK_ULONG = 16;
    let mut m = mech(CKM_SHA256_HMAC_GENERAL, Some(&len));
    let hk = aes_key(&r, h, &[0x0c; 16]);
    let class: CK_ULONG = CKO_SECRET_KEY;
    let _ = class;
    assert_eq!(
        call!(r, C_SignInit(h, &mut m, hk)),
        CKR_KEY_TYPE_INCONSISTENT
    );
    let mut m = mech(CKM_AES_CMAC_GENERAL, Some(&len));
    assert_eq!(call!(r, C_SignInit(h, &mut m, hk)), CKR_OK);
    let mut sig = [0u8; 16];
    let mut n: CK_ULONG = 4;
    assert_eq!(
        call!(
            r,
            C_Sign(h, b"x".as_ptr() as *mut u8, 1, sig.as_mut_ptr(), &mut n)
        ),
        CKR_BUFFER_TOO_SMALL
    );
    assert_eq!(n, 16);
    assert_eq!(
        call!(
            r,
            C_Sign(h, b"x".as_ptr() as *mut u8, 1, sig.as_mut_ptr(), &mut n)
        ),
        CKR_OK
    );
    // AES_ECB_ENCRYPT_DATA derivation.
    let data = [7u8; 16];
    let p = CK_KEY_DERIVATION_STRING_DATA {
        pData: data.as_ptr() as *mut u8,
        ulLen: 16,
    };
    let mut m = mech(CKM_AES_ECB_ENCRYPT_DATA, Some(&p));
    let kt: CK_ULONG = CKK_AES;
    let no: CK_BBOOL = 0;
    let mut t = [attr(CKA_KEY_TYPE, &kt), attr(CKA_SENSITIVE, &no)];
    let mut dk = 0;
    assert_eq!(
        call!(r, C_DeriveKey(h, &mut m, k, t.as_mut_ptr(), 2, &mut dk)),
        CKR_OK
    );
    let mut v = [0u8; 16];
    let mut a = [CK_ATTRIBUTE {
        type_: CKA_VALUE,
        pValue: v.as_mut_ptr() as *mut c_void,
        ulValueLen: 16,
    }];
    assert_eq!(
        call!(r, C_GetAttributeValue(h, dk, a.as_mut_ptr(), 1)),
        CKR_OK
    );
    let mut m = mech::<u8>(CKM_AES_ECB, None);
    assert_eq!(encrypt(&r, h, &mut m, k, &data), v.to_vec());
    // Message-based GCM, multi-part, with a generated IV.
    let mut iv = [0u8; 12];
    let mut tag = [0u8; 16];
    let mut gp = CK_GCM_MESSAGE_PARAMS {
        pIv: iv.as_mut_ptr(),
        ulIvLen: 12,
        ulIvFixedBits: 32,
        ivGenerator: CKG_GENERATE_RANDOM,
        pTag: tag.as_mut_ptr(),
        ulTagBits: 128,
    };
    let mut m = mech::<u8>(CKM_AES_GCM, None);
    assert_eq!(call!(r, C_MessageEncryptInit(h, &mut m, k)), CKR_OK);
    let gpl = std::mem::size_of::<CK_GCM_MESSAGE_PARAMS>() as CK_ULONG;
    let gpp = &mut gp as *mut _ as *mut c_void;
    assert_eq!(
        call!(
            r,
            C_EncryptMessageBegin(h, gpp, gpl, b"aad".as_ptr() as *mut u8, 3)
        ),
        CKR_OK
    );
    let mut c1 = [0u8; 5];
    let mut n: CK_ULONG = 5;
    assert_eq!(
        call!(
            r,
            C_EncryptMessageNext(
                h,
                gpp,
                gpl,
                b"hello".as_ptr() as *mut u8,
                5,
                c1.as_mut_ptr(),
                &mut n,
                0
            )
        ),
        CKR_OK
    );
    let mut c2 = [0u8; 6];
    let mut n2: CK_ULONG = 6;
    assert_eq!(
        call!(
            r,
            C_EncryptMessageNext(
                h,
                gpp,
                gpl,
                b" world".as_ptr() as *mut u8,
                6,
                c2.as_mut_ptr(),
                &mut n2,
                CKF_END_OF_MESSAGE
            )
        ),
        CKR_OK
    );
    assert_eq!(call!(r, C_MessageEncryptFinal(h)), CKR_OK);
    assert_ne!(iv[4..], [0u8; 8], "the IV was generated");
    assert_ne!(tag, [0u8; 16], "the tag was returned");
    let mut ct = c1.to_vec();
    ct.extend_from_slice(&c2);
    assert_eq!(call!(r, C_MessageDecryptInit(h, &mut m, k)), CKR_OK);
    let mut dp = CK_GCM_MESSAGE_PARAMS {
        pIv: iv.as_mut_ptr(),
        ulIvLen: 12,
        ulIvFixedBits: 0,
        ivGenerator: CKG_NO_GENERATE,
        pTag: tag.as_mut_ptr(),
        ulTagBits: 128,
    };
    let mut pt = [0u8; 11];
    let mut n: CK_ULONG = 11;
    let dpp = &mut dp as *mut _ as *mut c_void;
    assert_eq!(
        call!(
            r,
            C_DecryptMessage(
                h,
                dpp,
                gpl,
                b"aad".as_ptr() as *mut u8,
                3,
                ct.as_mut_ptr(),
                11,
                pt.as_mut_ptr(),
                &mut n
            )
        ),
        CKR_OK
    );
    assert_eq!(&pt, b"hello world");
    // SAFETY: pTag points to `tag`, which is alive.
    unsafe { *dp.pTag ^= 1 };
    assert_eq!(
        call!(
            r,
            C_DecryptMessage(
                h,
                dpp,
                gpl,
                b"aad".as_ptr() as *mut u8,
                3,
                ct.as_mut_ptr(),
                11,
                pt.as_mut_ptr(),
                &mut n
            )
        ),
        CKR_ENCRYPTED_DATA_INVALID
    );
    assert_eq!(call!(r, C_SessionCancel(h, CKF_MESSAGE_DECRYPT)), CKR_OK);
    assert_eq!(
        call!(r, C_MessageDecryptFinal(h)),
        CKR_OPERATION_NOT_INITIALIZED
    );
    let mut info = CK_MECHANISM_INFO::default();
    assert_eq!(
        call!(r, C_GetMechanismInfo(0, CKM_AES_GCM, &mut info)),
        CKR_OK
    );
    assert_ne!(info.flags & CKF_MESSAGE_ENCRYPT, 0);
    assert_eq!((info.ulMinKeySize, info.ulMaxKeySize), (16, 32));
    assert_eq!(call!(r, C_Finalize(null_mut())), CKR_OK);
    let _ = null::<u8>();
}

/// CKM_SHA3_*_KEY_GEN (PKCS#11 3.0 §2.x SHA-3 key generation) make HMAC
/// keys of the matching CKK_SHA3_*_HMAC type, which the HMAC of that hash
/// takes and the HMAC of another hash refuses.
#[test]
fn sha3_key_generation() {
    let st = Store::new();
    let r = load();
    init(&r, &st);
    let (_, h) = token_session(&r);
    for (gen, key_type, hmac, other_hmac) in [
        (
            CKM_SHA3_224_KEY_GEN,
            CKK_SHA3_224_HMAC,
            CKM_SHA3_224_HMAC,
            CKM_SHA3_256_HMAC,
        ),
        (
            CKM_SHA3_256_KEY_GEN,
            CKK_SHA3_256_HMAC,
            CKM_SHA3_256_HMAC,
            CKM_SHA256_HMAC,
        ),
        (
            CKM_SHA3_384_KEY_GEN,
            CKK_SHA3_384_HMAC,
            CKM_SHA3_384_HMAC,
            CKM_SHA3_512_HMAC,
        ),
        (
            CKM_SHA3_512_KEY_GEN,
            CKK_SHA3_512_HMAC,
            CKM_SHA3_512_HMAC,
            CKM_SHA512_HMAC,
        ),
    ] {
        let mut info = CK_MECHANISM_INFO::default();
        assert_eq!(call!(r, C_GetMechanismInfo(0, gen, &mut info)), CKR_OK);
        assert_ne!(info.flags & CKF_GENERATE, 0);
        let len: CK_ULONG = 32;
        let yes: CK_BBOOL = 1;
        let mut t = [attr(CKA_VALUE_LEN, &len), attr(CKA_SIGN, &yes)];
        let mut m = mech::<u8>(gen, None);
        let mut k = 0;
        assert_eq!(
            call!(r, C_GenerateKey(h, &mut m, t.as_mut_ptr(), 2, &mut k)),
            CKR_OK
        );
        let mut got: CK_ULONG = 0;
        let mut q = [CK_ATTRIBUTE {
            type_: CKA_KEY_TYPE,
            pValue: &mut got as *mut CK_ULONG as *mut c_void,
            ulValueLen: std::mem::size_of::<CK_ULONG>() as CK_ULONG,
        }];
        assert_eq!(
            call!(r, C_GetAttributeValue(h, k, q.as_mut_ptr(), 1)),
            CKR_OK
        );
        assert_eq!(got, key_type);
        let mut m = mech::<u8>(hmac, None);
        assert_eq!(call!(r, C_SignInit(h, &mut m, k)), CKR_OK);
        let mut sig = [0u8; 64];
        let mut n: CK_ULONG = 64;
        assert_eq!(
            call!(
                r,
                C_Sign(h, b"x".as_ptr() as *mut u8, 1, sig.as_mut_ptr(), &mut n)
            ),
            CKR_OK
        );
        let mut m = mech::<u8>(other_hmac, None);
        assert_eq!(
            call!(r, C_SignInit(h, &mut m, k)),
            CKR_KEY_TYPE_INCONSISTENT
        );
    }
}

#[test]
fn wrap_and_unwrap_templates_and_trusted_wrapping() {
    let st = Store::new();
    let r = load();
    init(&r, &st);
    let (_, h) = token_session(&r);
    let yes: CK_BBOOL = 1;
    let no: CK_BBOOL = 0;
    let aes: CK_ULONG = CKK_AES;
    let class: CK_ULONG = CKO_SECRET_KEY;
    let kv = [9u8; 16];
    // A KEK whose unwrapped keys must be unextractable and which wraps AES keys only.
    let mut unwrap_t = [attr(CKA_EXTRACTABLE, &no)];
    let mut wrap_t = [attr(CKA_KEY_TYPE, &aes)];
    let mut t = [
        attr(CKA_CLASS, &class),
        attr(CKA_KEY_TYPE, &aes),
        bytes_attr(CKA_VALUE, &kv),
        CK_ATTRIBUTE {
            type_: CKA_UNWRAP_TEMPLATE,
            pValue: unwrap_t.as_mut_ptr() as *mut c_void,
            ulValueLen: std::mem::size_of_val(&unwrap_t) as CK_ULONG,
        },
        CK_ATTRIBUTE {
            type_: CKA_WRAP_TEMPLATE,
            pValue: wrap_t.as_mut_ptr() as *mut c_void,
            ulValueLen: std::mem::size_of_val(&wrap_t) as CK_ULONG,
        },
    ];
    let mut kek = 0;
    assert_eq!(
        call!(
            r,
            C_CreateObject(h, t.as_mut_ptr(), t.len() as CK_ULONG, &mut kek)
        ),
        CKR_OK
    );
    // The nested template reads back: size first, then the records.
    let mut q = [CK_ATTRIBUTE {
        type_: CKA_UNWRAP_TEMPLATE,
        pValue: null_mut(),
        ulValueLen: 0,
    }];
    assert_eq!(
        call!(r, C_GetAttributeValue(h, kek, q.as_mut_ptr(), 1)),
        CKR_OK
    );
    assert_eq!(
        q[0].ulValueLen as usize,
        std::mem::size_of::<CK_ATTRIBUTE>()
    );
    let mut inner = [CK_ATTRIBUTE {
        type_: 0,
        pValue: null_mut(),
        ulValueLen: 0,
    }];
    q[0].pValue = inner.as_mut_ptr() as *mut c_void;
    assert_eq!(
        call!(r, C_GetAttributeValue(h, kek, q.as_mut_ptr(), 1)),
        CKR_OK
    );
    assert_eq!((inner[0].type_, inner[0].ulValueLen), (CKA_EXTRACTABLE, 1));
    // Wrap an AES key; a generic secret does not match CKA_WRAP_TEMPLATE.
    let key = aes_key(&r, h, &[1; 16]);
    let mut m = mech::<u8>(CKM_AES_KEY_WRAP, None);
    let mut w = [0u8; 24];
    let mut n: CK_ULONG = 24;
    assert_eq!(
        call!(r, C_WrapKey(h, &mut m, kek, key, w.as_mut_ptr(), &mut n)),
        CKR_OK
    );
    let gen: CK_ULONG = CKK_GENERIC_SECRET;
    let mut g = [
        attr(CKA_CLASS, &class),
        attr(CKA_KEY_TYPE, &gen),
        bytes_attr(CKA_VALUE, &[2; 16]),
    ];
    let mut gk = 0;
    assert_eq!(
        call!(r, C_CreateObject(h, g.as_mut_ptr(), 3, &mut gk)),
        CKR_OK
    );
    let mut n2: CK_ULONG = 24;
    assert_eq!(
        call!(r, C_WrapKey(h, &mut m, kek, gk, w.as_mut_ptr(), &mut n2)),
        CKR_KEY_NOT_WRAPPABLE
    );
    // Unwrapping follows CKA_UNWRAP_TEMPLATE; a conflicting request is refused.
    let mut ut = [attr(CKA_KEY_TYPE, &aes), attr(CKA_EXTRACTABLE, &yes)];
    let mut out = 0;
    assert_eq!(
        call!(
            r,
            C_UnwrapKey(
                h,
                &mut m,
                kek,
                w.as_mut_ptr(),
                n,
                ut.as_mut_ptr(),
                2,
                &mut out
            )
        ),
        CKR_TEMPLATE_INCONSISTENT
    );
    assert_eq!(
        call!(
            r,
            C_UnwrapKey(
                h,
                &mut m,
                kek,
                w.as_mut_ptr(),
                n,
                ut.as_mut_ptr(),
                1,
                &mut out
            )
        ),
        CKR_OK
    );
    let mut e: CK_BBOOL = 1;
    let mut q = [CK_ATTRIBUTE {
        type_: CKA_EXTRACTABLE,
        pValue: &mut e as *mut CK_BBOOL as *mut c_void,
        ulValueLen: 1,
    }];
    assert_eq!(
        call!(r, C_GetAttributeValue(h, out, q.as_mut_ptr(), 1)),
        CKR_OK
    );
    assert_eq!(e, 0, "the unwrapped key follows the KEK's template");
    // CKA_WRAP_WITH_TRUSTED: only a CKA_TRUSTED key wraps it, and only the SO trusts.
    let mut pt = [
        attr(CKA_CLASS, &class),
        attr(CKA_KEY_TYPE, &aes),
        bytes_attr(CKA_VALUE, &[3; 16]),
        attr(CKA_TOKEN, &yes),
        attr(CKA_PRIVATE, &no),
    ];
    let (mut tkek, mut guarded) = (0, 0);
    assert_eq!(
        call!(r, C_CreateObject(h, pt.as_mut_ptr(), 5, &mut tkek)),
        CKR_OK
    );
    let mut gt = [
        attr(CKA_CLASS, &class),
        attr(CKA_KEY_TYPE, &aes),
        bytes_attr(CKA_VALUE, &[4; 16]),
        attr(CKA_TOKEN, &yes),
        attr(CKA_PRIVATE, &no),
        attr(CKA_WRAP_WITH_TRUSTED, &yes),
    ];
    assert_eq!(
        call!(r, C_CreateObject(h, gt.as_mut_ptr(), 6, &mut guarded)),
        CKR_OK
    );
    let mut n3: CK_ULONG = 24;
    assert_eq!(
        call!(
            r,
            C_WrapKey(h, &mut m, tkek, guarded, w.as_mut_ptr(), &mut n3)
        ),
        CKR_KEY_NOT_WRAPPABLE
    );
    let mut trust = [attr(CKA_TRUSTED, &yes)];
    assert_eq!(
        call!(r, C_SetAttributeValue(h, tkek, trust.as_mut_ptr(), 1)),
        CKR_ATTRIBUTE_READ_ONLY
    );
    let so = SO_PIN.as_bytes();
    let user = USER_PIN.as_bytes();
    assert_eq!(call!(r, C_Logout(h)), CKR_OK);
    assert_eq!(
        call!(
            r,
            C_Login(h, CKU_SO, so.as_ptr() as *mut u8, so.len() as CK_ULONG)
        ),
        CKR_OK
    );
    assert_eq!(
        call!(r, C_SetAttributeValue(h, tkek, trust.as_mut_ptr(), 1)),
        CKR_OK
    );
    assert_eq!(call!(r, C_Logout(h)), CKR_OK);
    assert_eq!(
        call!(
            r,
            C_Login(
                h,
                CKU_USER,
                user.as_ptr() as *mut u8,
                user.len() as CK_ULONG
            )
        ),
        CKR_OK
    );
    let mut n4: CK_ULONG = 24;
    assert_eq!(
        call!(
            r,
            C_WrapKey(h, &mut m, tkek, guarded, w.as_mut_ptr(), &mut n4)
        ),
        CKR_OK
    );
    assert_eq!(call!(r, C_Finalize(null_mut())), CKR_OK);
}

#[test]
fn dual_function_updates() {
    let st = Store::new();
    let r = load();
    init(&r, &st);
    let (_, h) = token_session(&r);
    let k = aes_key(&r, h, &[5; 16]);
    let data = [6u8; 32];
    let mut ecb = mech::<u8>(CKM_AES_ECB, None);
    let mut sha = mech::<u8>(CKM_SHA256, None);
    assert_eq!(call!(r, C_EncryptInit(h, &mut ecb, k)), CKR_OK);
    assert_eq!(call!(r, C_DigestInit(h, &mut sha)), CKR_OK);
    let mut ct = [0u8; 32];
    let mut n: CK_ULONG = 0;
    // A length query feeds nothing to the digest.
    assert_eq!(
        call!(
            r,
            C_DigestEncryptUpdate(h, data.as_ptr() as *mut u8, 32, null_mut(), &mut n)
        ),
        CKR_OK
    );
    assert_eq!(n, 32);
    assert_eq!(
        call!(
            r,
            C_DigestEncryptUpdate(h, data.as_ptr() as *mut u8, 32, ct.as_mut_ptr(), &mut n)
        ),
        CKR_OK
    );
    let mut d1 = [0u8; 32];
    let mut dn: CK_ULONG = 32;
    assert_eq!(call!(r, C_DigestFinal(h, d1.as_mut_ptr(), &mut dn)), CKR_OK);
    let mut tail = [0u8; 16];
    let mut tn: CK_ULONG = 16;
    assert_eq!(
        call!(r, C_EncryptFinal(h, tail.as_mut_ptr(), &mut tn)),
        CKR_OK
    );
    assert_eq!(tn, 0);
    assert_eq!(call!(r, C_DecryptInit(h, &mut ecb, k)), CKR_OK);
    assert_eq!(call!(r, C_DigestInit(h, &mut sha)), CKR_OK);
    let mut pt = [0u8; 32];
    let mut pn: CK_ULONG = 32;
    assert_eq!(
        call!(
            r,
            C_DecryptDigestUpdate(h, ct.as_mut_ptr(), 32, pt.as_mut_ptr(), &mut pn)
        ),
        CKR_OK
    );
    assert_eq!((pn, pt), (32, data));
    let mut d2 = [0u8; 32];
    assert_eq!(call!(r, C_DigestFinal(h, d2.as_mut_ptr(), &mut dn)), CKR_OK);
    assert_eq!(d1, d2, "both digests saw the plaintext once");
    assert_eq!(call!(r, C_Finalize(null_mut())), CKR_OK);
}
