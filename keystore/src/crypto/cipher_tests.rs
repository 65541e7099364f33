//! Tests of [`super`]: NIST SP 800-38A/38D, IEEE 1619, RFC 8439 and SP 800-67
//! vectors, round trips in every mode, streaming and negative cases.

use super::*;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

const SP800_38A_PT: &str = "6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 \
                            30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710";
const K128: &str = "2b7e151628aed2a6abf7158809cf4f3c";
const K256: &str = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";

fn check(key: &[u8], mode: &CipherMode, pt: &[u8], ct: &[u8]) {
    assert_eq!(encrypt(key, mode, pt).unwrap(), ct, "encrypt {mode:?}");
    assert_eq!(decrypt(key, mode, ct).unwrap(), pt, "decrypt {mode:?}");
    // Streaming, in awkward pieces, gives the same result.
    for (dir, input, want) in [(Direction::Encrypt, pt, ct), (Direction::Decrypt, ct, pt)] {
        let mut c = CipherContext::new(key, mode, dir).unwrap();
        let bound = c.output_len_bound(input.len());
        let mut out = Vec::new();
        for piece in input.chunks(7) {
            out.extend(c.update(piece).unwrap());
        }
        out.extend(c.finish().unwrap());
        assert_eq!(out, want, "stream {dir:?} {mode:?}");
        assert!(
            out.len() <= bound,
            "bound {bound} < {} for {mode:?}",
            out.len()
        );
        assert!(mode.output_len_bound(dir, input.len()) >= out.len());
        // Whole, into a caller's buffer of exactly the bound.
        let c = CipherContext::new(key, mode, dir).unwrap();
        let mut buf = vec![0u8; mode.output_len_bound(dir, input.len())];
        let n = c.finish_into(input, &mut buf).unwrap();
        assert_eq!(&buf[..n], want, "finish_into {dir:?} {mode:?}");
        if let Some(short) = buf.len().checked_sub(1) {
            let c = CipherContext::new(key, mode, dir).unwrap();
            assert!(matches!(
                c.finish_into(input, &mut buf[..short]),
                Err(Error::InvalidArgument(_))
            ));
        }
    }
}

/// SP 800-38A F.1.1 (ECB-AES128) and F.1.5 (ECB-AES256).
#[test]
fn sp800_38a_ecb() {
    check(
        &h(K128),
        &CipherMode::AesEcb,
        &h(SP800_38A_PT),
        &h(
            "3ad77bb40d7a3660a89ecaf32466ef97 f5d3d58503b9699de785895a96fdbaaf \
            43b1cd7f598ece23881b00e3ed030688 7b0c785e27e8ad3f8223207104725dd4",
        ),
    );
    check(
        &h(K256),
        &CipherMode::AesEcb,
        &h(SP800_38A_PT),
        &h(
            "f3eed1bdb5d2a03c064b5a7e3db181f8 591ccb10d410ed26dc5ba74a31362870 \
            b6ed21b99ca6f4f9f153e7b1beafed1d 23304b7a39f9f3ff067d8d8f9e24ecc7",
        ),
    );
}

/// SP 800-38A F.2.1 (CBC-AES128) and F.2.5 (CBC-AES256).
#[test]
fn sp800_38a_cbc() {
    let iv = h("000102030405060708090a0b0c0d0e0f");
    check(
        &h(K128),
        &CipherMode::AesCbc { iv: iv.clone() },
        &h(SP800_38A_PT),
        &h(
            "7649abac8119b246cee98e9b12e9197d 5086cb9b507219ee95db113a917678b2 \
            73bed6b8e3c1743b7116e69e22229516 3ff1caa1681fac09120eca307586e1a7",
        ),
    );
    check(
        &h(K256),
        &CipherMode::AesCbc { iv },
        &h(SP800_38A_PT),
        &h(
            "f58c4c04d6e5f1ba779eabfb5f7bfbd6 9cfc4e967edb808d679f777bc6702c7d \
            39f23369a9d9bacfa530e26304231461 b2eb05e2c39be9fcda6c19078c6a9d1b",
        ),
    );
}

/// SP 800-38A F.5.1 (CTR-AES128).
#[test]
fn sp800_38a_ctr() {
    check(
        &h(K128),
        &CipherMode::AesCtr {
            iv: h("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"),
        },
        &h(SP800_38A_PT),
        &h(
            "874d6191b620e3261bef6864990db6ce 9806f66b7970fdff8617187bb9fffdff \
            5ae4df3edbd5d35e5b4f09020db03eab 1e031dda2fbe03d1792170a0f3009cee",
        ),
    );
}

/// The GCM specification's test cases 2 and 4 (McGrew & Viega, used by
/// SP 800-38D validation): zero key/IV, and a 60-byte message with AAD.
#[test]
fn gcm_test_cases() {
    check(
        &[0u8; 16],
        &CipherMode::AesGcm {
            iv: vec![0u8; 12],
            aad: vec![],
            tag_len: 16,
        },
        &[0u8; 16],
        &h("0388dace60b6a392f328c2b971b2fe78 ab6e47d42cec13bdf53a67b21257bddf"),
    );
    let mode = CipherMode::AesGcm {
        iv: h("cafebabefacedbaddecaf888"),
        aad: h("feedfacedeadbeeffeedfacedeadbeefabaddad2"),
        tag_len: 16,
    };
    let key = h("feffe9928665731c6d6a8f9467308308");
    let pt = h(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
                1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    );
    let ct = h(
        "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e\
                21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091 \
                5bc94fbc3221a5db94fae95ae7121a47",
    );
    check(&key, &mode, &pt, &ct);
    // Truncated tag: the leading bytes of the full tag.
    let short = CipherMode::AesGcm {
        iv: h("cafebabefacedbaddecaf888"),
        aad: h("feedfacedeadbeeffeedfacedeadbeefabaddad2"),
        tag_len: 12,
    };
    check(&key, &short, &pt, &ct[..ct.len() - 4]);
}

/// The GCM specification's test cases 5 and 6: IVs of 8 and 60 bytes,
/// not the cipher's default 12, whose length is set before the key.
#[test]
fn gcm_test_cases_with_other_iv_lengths() {
    let key = h("feffe9928665731c6d6a8f9467308308");
    let aad = h("feedfacedeadbeeffeedfacedeadbeefabaddad2");
    let pt = h(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72\
                1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
    );
    let cases = [
        (
            h("cafebabefacedbad"),
            h(
                "61353b4c2806934a777ff51fa22a4755699b2a714fcdc6f83766e5f97b6c7423\
                 73806900e49f24b22b097544d4896b424989b5e1ebac0f07c23f4598\
                 3612d2e79e3b0785561be14aaca2fccb",
            ),
        ),
        (
            h(
                "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728\
                 c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b",
            ),
            h(
                "8ce24998625615b603a033aca13fb894be9112a5c3a211a8ba262a3cca7e2ca7\
                 01e4a9a4fba43c90ccdcb281d48c7c6fd62875d2aca417034c34aee5\
                 619cc5aefffe0bfa462af43c1699d050",
            ),
        ),
    ];
    for (iv, ct) in cases {
        let mode = CipherMode::AesGcm {
            iv,
            aad: aad.clone(),
            tag_len: 16,
        };
        check(&key, &mode, &pt, &ct);
    }
}

#[test]
fn gcm_rejects_tampering() {
    let key = [7u8; 32];
    let mode = CipherMode::AesGcm {
        iv: vec![1; 12],
        aad: b"header".to_vec(),
        tag_len: 16,
    };
    let ct = encrypt(&key, &mode, b"attack at dawn").unwrap();
    for i in [0, ct.len() - 1] {
        let mut bad = ct.clone();
        bad[i] ^= 1;
        assert!(
            matches!(decrypt(&key, &mode, &bad), Err(Error::DecryptionFailed(_))),
            "byte {i}"
        );
    }
    let other_aad = CipherMode::AesGcm {
        iv: vec![1; 12],
        aad: b"Header".to_vec(),
        tag_len: 16,
    };
    assert!(matches!(
        decrypt(&key, &other_aad, &ct),
        Err(Error::DecryptionFailed(_))
    ));
    assert!(matches!(
        decrypt(&[8u8; 32], &mode, &ct),
        Err(Error::DecryptionFailed(_))
    ));
    assert!(matches!(
        decrypt(&key, &mode, &ct[..10]),
        Err(Error::DecryptionFailed(_))
    ));
    // Streaming decryption releases nothing before the tag is checked.
    let mut c = CipherContext::new(&key, &mode, Direction::Decrypt).unwrap();
    assert!(c.update(&ct).unwrap().is_empty());
    assert_eq!(c.finish().unwrap(), b"attack at dawn");
    // Non-96-bit IVs work too (GHASH-derived J0).
    let long_iv = CipherMode::AesGcm {
        iv: vec![9; 60],
        aad: vec![],
        tag_len: 16,
    };
    let ct = encrypt(&key, &long_iv, b"x").unwrap();
    assert_eq!(decrypt(&key, &long_iv, &ct).unwrap(), b"x");
}

/// IEEE 1619-2007 Annex B, XTS-AES-128 vector 2 (vector 1 has equal key
/// halves, which OpenSSL 3 and SP 800-38E refuse).
#[test]
fn ieee1619_xts_vector_2() {
    let key = h("11111111111111111111111111111111 22222222222222222222222222222222");
    let mode = CipherMode::AesXts {
        tweak: h("33333333330000000000000000000000"),
    };
    check(
        &key,
        &mode,
        &h("4444444444444444444444444444444444444444444444444444444444444444"),
        &h("c454185e6a16936e39334038acef838bfb186fff7480adc4289382ecd6d394f0"),
    );
    // Ciphertext stealing: a length that is not a block multiple.
    let pt = vec![0x5a; 37];
    let ct = encrypt(&key, &mode, &pt).unwrap();
    assert_eq!(ct.len(), 37);
    assert_eq!(decrypt(&key, &mode, &ct).unwrap(), pt);
    assert!(matches!(
        encrypt(&key, &mode, &[0u8; 15]),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        encrypt(&[0x11; 32], &mode, &[0u8; 16]),
        Err(Error::InvalidArgument(_))
    ));
}

const SUNSCREEN: &[u8] = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.";

/// RFC 8439 §2.4.2 (ChaCha20, counter 1) and §2.8.2 (AEAD).
#[test]
fn rfc8439() {
    let key: Vec<u8> = (0u8..32).collect();
    check(
        &key,
        &CipherMode::ChaCha20 {
            nonce: h("000000000000004a00000000"),
            counter: 1,
        },
        SUNSCREEN,
        &h(
            "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b\
            f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8\
            07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736\
            5af90bbf74a35be6b40b8eedf2785e42874d",
        ),
    );
    let key: Vec<u8> = (0x80u8..0xa0).collect();
    let mode = CipherMode::ChaCha20Poly1305 {
        nonce: h("070000004041424344454647"),
        aad: h("50515253c0c1c2c3c4c5c6c7"),
    };
    let ct = h(
        "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6\
                3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36\
                92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc\
                3ff4def08e4b7a9de576d26586cec64b6116 1ae10b594f09e26a7e902ecbd0600691",
    );
    check(&key, &mode, SUNSCREEN, &ct);
    let mut bad = ct.clone();
    bad[5] ^= 0x80;
    assert!(matches!(
        decrypt(&key, &mode, &bad),
        Err(Error::DecryptionFailed(_))
    ));
    // 8-byte nonce with a 64-bit counter equals the 12-byte layout whose
    // first word is the counter's high half.
    let a = encrypt(
        &key,
        &CipherMode::ChaCha20 {
            nonce: h("0102030405060708"),
            counter: (5 << 32) | 9,
        },
        SUNSCREEN,
    )
    .unwrap();
    let b = encrypt(
        &key,
        &CipherMode::ChaCha20 {
            nonce: h("050000000102030405060708"),
            counter: 9,
        },
        SUNSCREEN,
    )
    .unwrap();
    assert_eq!(a, b);
    assert!(matches!(
        encrypt(
            &key,
            &CipherMode::ChaCha20 {
                nonce: vec![0; 12],
                counter: 1 << 32
            },
            b"x"
        ),
        Err(Error::InvalidArgument(_))
    ));
}

/// SP 800-67 Rev. 2 Appendix B example (three-key TDEA, ECB): with a zero
/// IV the first CBC block equals the first ECB block A826FD8CE53B855F.
#[test]
fn triple_des_sp800_67() {
    let key = h("0123456789abcdef 23456789abcdef01 456789abcdef0123");
    let pt = b"The qufck brown fox jump";
    let ct = encrypt(&key, &CipherMode::TripleDesCbc { iv: vec![0; 8] }, pt).unwrap();
    assert_eq!(&ct[..8], &h("a826fd8ce53b855f")[..]);
    assert_eq!(
        decrypt(&key, &CipherMode::TripleDesCbc { iv: vec![0; 8] }, &ct).unwrap(),
        pt
    );
    let padded = encrypt(
        &key,
        &CipherMode::TripleDesCbcPad { iv: vec![3; 8] },
        b"odd",
    )
    .unwrap();
    assert_eq!(padded.len(), 8);
    assert_eq!(
        decrypt(
            &key,
            &CipherMode::TripleDesCbcPad { iv: vec![3; 8] },
            &padded
        )
        .unwrap(),
        b"odd"
    );
}

#[test]
fn cbc_pad_round_trips_and_bad_padding() {
    let key = [0x42u8; 24];
    let mode = CipherMode::AesCbcPad { iv: vec![0; 16] };
    for len in [0usize, 1, 15, 16, 17, 100] {
        let pt = vec![0xabu8; len];
        let ct = encrypt(&key, &mode, &pt).unwrap();
        assert_eq!(ct.len(), (len / 16 + 1) * 16);
        assert!(mode.output_len_bound(Direction::Encrypt, len) >= ct.len());
        assert_eq!(decrypt(&key, &mode, &ct).unwrap(), pt);
    }
    // A final block that decrypts to invalid padding (a wrong key makes it
    // random: valid padding by chance has probability about 2^-8).
    let ct = encrypt(&key, &mode, b"sixteen byte msg").unwrap();
    let mut failures = 0;
    for k in 0u8..8 {
        match decrypt(&[k; 24], &mode, &ct) {
            Err(Error::DecryptionFailed(m)) => {
                assert_eq!(m, "invalid padding");
                failures += 1;
            }
            Ok(_) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert!(failures >= 6);
    assert!(matches!(
        decrypt(&key, &mode, &ct[..20]),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        decrypt(&key, &mode, &[]),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn unpadded_block_modes_need_whole_blocks() {
    for mode in [CipherMode::AesEcb, CipherMode::AesCbc { iv: vec![0; 16] }] {
        for dir in [Direction::Encrypt, Direction::Decrypt] {
            let r = match dir {
                Direction::Encrypt => encrypt(&[0u8; 16], &mode, &[0u8; 17]),
                Direction::Decrypt => decrypt(&[0u8; 16], &mode, &[0u8; 31]),
            };
            assert!(
                matches!(r, Err(Error::InvalidArgument(_))),
                "{mode:?} {dir:?}"
            );
        }
        assert!(encrypt(&[0u8; 16], &mode, &[]).unwrap().is_empty());
    }
    assert!(matches!(
        encrypt(
            &[0u8; 24],
            &CipherMode::TripleDesCbc { iv: vec![0; 8] },
            &[0u8; 12]
        ),
        Err(Error::InvalidArgument(_))
    ));
}

/// Wrong key, IV, nonce, tag or tweak lengths are errors, never panics.
#[test]
fn wrong_lengths_are_invalid_argument() {
    let cases: Vec<(Vec<u8>, CipherMode)> = vec![
        (vec![0; 15], CipherMode::AesEcb),
        (vec![0; 33], CipherMode::AesEcb),
        (vec![], CipherMode::AesCbc { iv: vec![0; 16] }),
        (vec![0; 16], CipherMode::AesCbc { iv: vec![0; 15] }),
        (vec![0; 16], CipherMode::AesCbcPad { iv: vec![0; 17] }),
        (vec![0; 16], CipherMode::AesCtr { iv: vec![0; 12] }),
        (
            vec![0; 16],
            CipherMode::AesGcm {
                iv: vec![],
                aad: vec![],
                tag_len: 16,
            },
        ),
        (
            vec![0; 16],
            CipherMode::AesGcm {
                iv: vec![0; 12],
                aad: vec![],
                tag_len: 17,
            },
        ),
        (
            vec![0; 16],
            CipherMode::AesGcm {
                iv: vec![0; 12],
                aad: vec![],
                tag_len: 0,
            },
        ),
        (
            vec![0; 16],
            CipherMode::AesGcm {
                iv: vec![0; 12],
                aad: vec![],
                tag_len: 10,
            },
        ),
        (vec![0; 16], CipherMode::AesXts { tweak: vec![0; 16] }),
        (
            (0u8..32).collect(),
            CipherMode::AesXts { tweak: vec![0; 8] },
        ),
        (
            vec![0; 16],
            CipherMode::ChaCha20 {
                nonce: vec![0; 12],
                counter: 0,
            },
        ),
        (
            vec![0; 32],
            CipherMode::ChaCha20 {
                nonce: vec![0; 16],
                counter: 0,
            },
        ),
        (
            vec![0; 32],
            CipherMode::ChaCha20Poly1305 {
                nonce: vec![0; 8],
                aad: vec![],
            },
        ),
        (
            vec![0; 31],
            CipherMode::ChaCha20Poly1305 {
                nonce: vec![0; 12],
                aad: vec![],
            },
        ),
        (vec![0; 16], CipherMode::TripleDesCbc { iv: vec![0; 8] }),
        (vec![0; 24], CipherMode::TripleDesCbcPad { iv: vec![0; 16] }),
    ];
    for (key, mode) in cases {
        for dir in [Direction::Encrypt, Direction::Decrypt] {
            let r = CipherContext::new(&key, &mode, dir);
            assert!(
                matches!(r, Err(Error::InvalidArgument(_))),
                "{mode:?} key {}",
                key.len()
            );
        }
        assert!(matches!(
            encrypt(&key, &mode, &[0u8; 32]),
            Err(Error::InvalidArgument(_))
        ));
    }
}

#[test]
fn every_mode_round_trips_random_data() {
    let data: Vec<u8> = (0..1000u32).map(|i| (i * 31 + 7) as u8).collect();
    let modes: Vec<(usize, CipherMode)> = vec![
        (16, CipherMode::AesEcb),
        (24, CipherMode::AesCbc { iv: vec![1; 16] }),
        (32, CipherMode::AesCbcPad { iv: vec![2; 16] }),
        (32, CipherMode::AesCtr { iv: vec![0xff; 16] }),
        (
            24,
            CipherMode::AesGcm {
                iv: vec![3; 12],
                aad: vec![4; 5],
                tag_len: 16,
            },
        ),
        (64, CipherMode::AesXts { tweak: vec![5; 16] }),
        (
            32,
            CipherMode::ChaCha20 {
                nonce: vec![6; 12],
                counter: 0,
            },
        ),
        (
            32,
            CipherMode::ChaCha20Poly1305 {
                nonce: vec![7; 12],
                aad: vec![],
            },
        ),
        (24, CipherMode::TripleDesCbc { iv: vec![8; 8] }),
        (24, CipherMode::TripleDesCbcPad { iv: vec![9; 8] }),
    ];
    for (klen, mode) in modes {
        let key: Vec<u8> = (0..klen as u8)
            .map(|i| i.wrapping_mul(13).wrapping_add(1))
            .collect();
        let input = &data[..992];
        let ct = encrypt(&key, &mode, input).unwrap();
        assert_ne!(&ct[..16], &input[..16], "{mode:?}");
        check(&key, &mode, input, &ct);
    }
}
