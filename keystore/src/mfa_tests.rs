//! RFC 4226 / RFC 6238 vectors and the device's single-use and lock-out rules.
use super::*;

const SEED20: &[u8] = b"12345678901234567890";
const SEED32: &[u8] = b"12345678901234567890123456789012";
const SEED64: &[u8] = b"1234567890123456789012345678901234567890123456789012345678901234";

fn p(alg: DigestAlgorithm, digits: u32) -> TotpParams {
    TotpParams {
        algorithm: alg,
        digits,
        period_secs: 30,
    }
}

#[test]
fn rfc4226_appendix_d() {
    let expected = [
        "755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871",
        "520489",
    ];
    for (counter, code) in expected.iter().enumerate() {
        assert_eq!(
            hotp(SEED20, counter as u64, &TotpParams::default()).unwrap(),
            *code
        );
    }
}

#[test]
fn rfc6238_appendix_b() {
    use DigestAlgorithm::*;
    let table: &[(i64, &str, &str, &str)] = &[
        (59, "94287082", "46119246", "90693936"),
        (1111111109, "07081804", "68084774", "25091201"),
        (1111111111, "14050471", "67062674", "99943326"),
        (1234567890, "89005924", "91819424", "93441116"),
        (2000000000, "69279037", "90698825", "38618901"),
        (20000000000, "65353130", "77737706", "47863826"),
    ];
    for (t, sha1, sha256, sha512) in table {
        assert_eq!(
            totp(SEED20, *t, &p(Sha1, 8)).unwrap(),
            *sha1,
            "SHA-1 at {t}"
        );
        assert_eq!(
            totp(SEED32, *t, &p(Sha256, 8)).unwrap(),
            *sha256,
            "SHA-256 at {t}"
        );
        assert_eq!(
            totp(SEED64, *t, &p(Sha512, 8)).unwrap(),
            *sha512,
            "SHA-512 at {t}"
        );
    }
}

#[test]
fn rfc4648_base32_decoding_and_uri_secret() {
    for (text, bytes) in [
        ("", ""),
        ("MY======", "f"),
        ("MZXQ", "fo"),
        ("mzxw6", "foo"),
        ("MZXW6YTBOI", "foobar"),
    ] {
        assert_eq!(base32_decode(text).unwrap(), bytes.as_bytes());
    }
    assert!(base32_decode("MZ1W").is_err());
    let d = device();
    let secret = secret_from_uri(&d.provisioning_uri("i", "a")).unwrap();
    assert_eq!(secret.expose(), SEED20);
    assert!(secret_from_uri("otpauth://totp/x").is_err());
    assert!(secret_from_uri("otpauth://totp/x?issuer=y").is_err());
}

#[test]
fn rfc4648_base32() {
    assert_eq!(base32(b""), "");
    assert_eq!(base32(b"f"), "MY");
    assert_eq!(base32(b"fo"), "MZXQ");
    assert_eq!(base32(b"foo"), "MZXW6");
    assert_eq!(base32(b"foob"), "MZXW6YQ");
    assert_eq!(base32(b"fooba"), "MZXW6YTB");
    assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
}

fn device() -> TotpDevice {
    TotpDevice::from_secret(SecretBytes::from_slice(SEED20), TotpParams::default()).unwrap()
}

fn code(t: i64) -> String {
    totp(SEED20, t, &TotpParams::default()).unwrap()
}

const NOW: i64 = 1_800_000_000;

#[test]
fn provisioning_uri_carries_the_parameters() {
    let uri = device().provisioning_uri("keybridge", "alice@example.com");
    assert_eq!(
        uri,
        "otpauth://totp/keybridge:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\
         &issuer=keybridge&algorithm=SHA1&digits=6&period=30"
    );
    assert!(
        !format!("{:?}", device()).contains("GEZDGNBV"),
        "Debug hides the secret"
    );
}

#[test]
fn confirmation_needs_two_consecutive_codes() {
    let mut d = device();
    assert!(
        d.verify(&code(NOW), NOW).is_err(),
        "unconfirmed devices verify nothing"
    );
    assert!(
        d.confirm(&code(NOW), &code(NOW), NOW).is_err(),
        "same code twice"
    );
    assert!(
        d.confirm(&code(NOW), &code(NOW + 60), NOW).is_err(),
        "not consecutive"
    );
    d.confirm(&code(NOW - 30), &code(NOW), NOW).unwrap();
    assert!(d.confirmed);
    // The confirming codes are used up.
    assert!(d.verify(&code(NOW), NOW).is_err());
    d.verify(&code(NOW + 30), NOW + 30).unwrap();
}

fn confirmed() -> TotpDevice {
    let mut d = device();
    d.confirm(&code(NOW - 60), &code(NOW - 30), NOW - 30)
        .unwrap();
    d
}

#[test]
fn codes_are_single_use_and_drift_is_bounded() {
    let mut d = confirmed();
    d.verify(&code(NOW), NOW).unwrap();
    let replay = d.verify(&code(NOW), NOW).unwrap_err().to_string();
    assert!(replay.contains("already used"), "{replay}");
    // One step of drift either way is accepted, two are not.
    let mut d = confirmed();
    d.verify(&code(NOW + 30), NOW).unwrap();
    let mut d = confirmed();
    assert!(d.verify(&code(NOW + 90), NOW).is_err());
    let mut d = confirmed();
    d.verify(&code(NOW + 30), NOW + 60).unwrap();
    // An older code than the last accepted one is refused even inside the window.
    let mut d = confirmed();
    d.verify(&code(NOW + 30), NOW).unwrap();
    assert!(d.verify(&code(NOW), NOW).is_err());
}

#[test]
fn failures_lock_out_with_growing_backoff() {
    let mut d = confirmed();
    for i in 1..MAX_FAILURES {
        assert!(
            matches!(d.verify("000000", NOW), Err(Error::PinIncorrect)),
            "try {i}"
        );
        assert_eq!(d.locked_until, None);
    }
    assert!(matches!(d.verify("000000", NOW), Err(Error::PinIncorrect)));
    assert_eq!(d.locked_until, Some(NOW + FIRST_LOCKOUT_SECS));
    // Locked: even the right code is refused.
    assert!(matches!(
        d.verify(&code(NOW + 10), NOW + 10),
        Err(Error::PinLocked)
    ));
    // After the lock-out, one more failure locks for twice as long.
    let later = NOW + FIRST_LOCKOUT_SECS;
    assert!(matches!(
        d.verify("000000", later),
        Err(Error::PinIncorrect)
    ));
    assert_eq!(d.locked_until, Some(later + 2 * FIRST_LOCKOUT_SECS));
    // Backoff is capped.
    let mut t = later;
    for _ in 0..40 {
        t = d.locked_until.unwrap();
        let _ = d.verify("000000", t);
    }
    assert_eq!(d.locked_until, Some(t + MAX_LOCKOUT_SECS));
    // A right code after the lock-out clears the count.
    let t = d.locked_until.unwrap();
    d.verify(&code(t), t).unwrap();
    assert_eq!((d.failures, d.locked_until), (0, None));
}

#[test]
fn device_state_survives_serialization() {
    let d = confirmed();
    let json = serde_json::to_string(&d).unwrap();
    let mut back: TotpDevice = serde_json::from_str(&json).unwrap();
    assert_eq!(back.last_step, d.last_step);
    back.verify(&code(NOW), NOW).unwrap();
}

#[test]
fn bad_parameters_are_refused() {
    let bad = TotpParams {
        digits: 9,
        ..TotpParams::default()
    };
    assert!(TotpDevice::generate(bad).is_err());
    let bad = TotpParams {
        period_secs: 0,
        ..TotpParams::default()
    };
    assert!(TotpDevice::generate(bad).is_err());
    assert!(
        TotpDevice::from_secret(SecretBytes::from_slice(b"short"), TotpParams::default()).is_err()
    );
    let fresh = TotpDevice::generate(TotpParams::default()).unwrap();
    assert!(fresh.provisioning_uri("i", "a").contains("secret="));
}
