//! Time-based one-time passwords (RFC 6238, on HOTP of RFC 4226), as the
//! authenticator apps people already carry compute them.
//!
//! A [`TotpDevice`] is one enrolled authenticator: its secret, its
//! parameters, and the state that makes codes single-use and guessing
//! expensive — the last time step accepted (a code is never accepted twice,
//! nor one older than the last accepted), the count of consecutive failures
//! and, after [`MAX_FAILURES`], a lock-out whose length doubles with each
//! further failure. Codes are compared in constant time.

use crate::crypto::digest::DigestAlgorithm;
use crate::crypto::mac::hmac;
use crate::crypto::random::random_secret;
use crate::error::{Error, Result};
use crate::secret::{ct_eq, SecretBytes};
use serde::{Deserialize, Serialize};

/// Consecutive wrong codes after which the device is locked out.
pub const MAX_FAILURES: u32 = 5;
/// The first lock-out; each further failure doubles it, up to [`MAX_LOCKOUT_SECS`].
pub const FIRST_LOCKOUT_SECS: i64 = 30;
pub const MAX_LOCKOUT_SECS: i64 = 3600;
/// Time steps accepted on either side of now (clock drift, typing time).
pub const DRIFT_STEPS: i64 = 1;

/// RFC 6238 parameters; the defaults are what every authenticator app
/// supports: HMAC-SHA-1, 6 digits, 30-second steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpParams {
    pub algorithm: DigestAlgorithm,
    pub digits: u32,
    pub period_secs: u32,
}

impl Default for TotpParams {
    fn default() -> Self {
        TotpParams {
            algorithm: DigestAlgorithm::Sha1,
            digits: 6,
            period_secs: 30,
        }
    }
}

impl TotpParams {
    fn check(&self) -> Result<()> {
        if !(6..=8).contains(&self.digits) {
            return Err(Error::InvalidArgument(
                "TOTP codes have 6 to 8 digits".into(),
            ));
        }
        if self.period_secs == 0 {
            return Err(Error::InvalidArgument(
                "TOTP period must be positive".into(),
            ));
        }
        if !matches!(
            self.algorithm,
            DigestAlgorithm::Sha1 | DigestAlgorithm::Sha256 | DigestAlgorithm::Sha512
        ) {
            return Err(Error::Unsupported(
                "TOTP is defined with SHA-1, SHA-256 or SHA-512".into(),
            ));
        }
        Ok(())
    }

    /// The time step containing Unix time `t` (RFC 6238 §4.2, T0 = 0).
    pub fn step(&self, t: i64) -> i64 {
        t.div_euclid(i64::from(self.period_secs))
    }
}

/// HOTP (RFC 4226 §5.3): HMAC of the big-endian counter, dynamically
/// truncated to `digits` decimal digits.
pub fn hotp(secret: &[u8], counter: u64, params: &TotpParams) -> Result<String> {
    params.check()?;
    let mac = hmac(params.algorithm, secret, &counter.to_be_bytes())?;
    let last = *mac
        .last()
        .ok_or_else(|| Error::Crypto("empty HMAC".into()))?;
    let offset = usize::from(last & 0x0f);
    let word = mac
        .get(offset..offset + 4)
        .ok_or_else(|| Error::Crypto("HMAC too short for truncation".into()))?;
    let bin = u32::from_be_bytes([word[0] & 0x7f, word[1], word[2], word[3]]);
    let code = bin % 10u32.pow(params.digits);
    Ok(format!("{code:0width$}", width = params.digits as usize))
}

/// TOTP at Unix time `t` (RFC 6238 §4).
pub fn totp(secret: &[u8], t: i64, params: &TotpParams) -> Result<String> {
    let step = u64::try_from(params.step(t))
        .map_err(|_| Error::InvalidArgument("time before the Unix epoch".into()))?;
    hotp(secret, step, params)
}

/// One enrolled authenticator and its verification state.
#[derive(Clone, Serialize, Deserialize)]
pub struct TotpDevice {
    #[serde(with = "crate::serde_hex::secret")]
    secret: SecretBytes,
    pub params: TotpParams,
    /// Confirmed with two consecutive codes; unconfirmed devices verify nothing.
    pub confirmed: bool,
    /// The last time step whose code was accepted.
    pub last_step: Option<i64>,
    pub failures: u32,
    /// Unix time until which every code is refused.
    pub locked_until: Option<i64>,
}

impl std::fmt::Debug for TotpDevice {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TotpDevice")
            .field("params", &self.params)
            .field("confirmed", &self.confirmed)
            .field("last_step", &self.last_step)
            .field("failures", &self.failures)
            .field("locked_until", &self.locked_until)
            .finish_non_exhaustive()
    }
}

impl TotpDevice {
    /// A new, unconfirmed device with a fresh 160-bit secret (RFC 4226 §4).
    pub fn generate(params: TotpParams) -> Result<TotpDevice> {
        params.check()?;
        Ok(TotpDevice {
            secret: random_secret(20)?,
            params,
            confirmed: false,
            last_step: None,
            failures: 0,
            locked_until: None,
        })
    }

    /// A device with a known secret (import, tests).
    pub fn from_secret(secret: SecretBytes, params: TotpParams) -> Result<TotpDevice> {
        params.check()?;
        if secret.len() < 16 {
            return Err(Error::InvalidArgument(
                "TOTP secrets must be at least 128 bits".into(),
            ));
        }
        Ok(TotpDevice {
            secret,
            params,
            confirmed: false,
            last_step: None,
            failures: 0,
            locked_until: None,
        })
    }

    /// The `otpauth://totp/...` URI authenticator apps read (from a QR code).
    /// It contains the secret: show it to the enrolling user only.
    pub fn provisioning_uri(&self, issuer: &str, account: &str) -> String {
        let alg = match self.params.algorithm {
            DigestAlgorithm::Sha256 => "SHA256",
            DigestAlgorithm::Sha512 => "SHA512",
            _ => "SHA1",
        };
        format!(
            "otpauth://totp/{}:{}?secret={}&issuer={}&algorithm={alg}&digits={}&period={}",
            percent_encode(issuer),
            percent_encode(account),
            base32(self.secret.expose()),
            percent_encode(issuer),
            self.params.digits,
            self.params.period_secs
        )
    }

    /// Activates the device with two consecutive codes, as the user reads
    /// them off the app: proof that the app holds the secret and its clock
    /// is right.
    pub fn confirm(&mut self, first: &str, second: &str, now: i64) -> Result<()> {
        self.check_not_locked(now)?;
        let current = self.params.step(now);
        for step in (current - DRIFT_STEPS - 1)..=(current + DRIFT_STEPS) {
            if step < 0 {
                continue;
            }
            if self.code_matches(first, step)? && self.code_matches(second, step + 1)? {
                self.confirmed = true;
                self.last_step = Some(step + 1);
                self.failures = 0;
                self.locked_until = None;
                return Ok(());
            }
        }
        self.fail(now);
        Err(Error::PinIncorrect)
    }

    /// Checks a code: accepted once, within ±[`DRIFT_STEPS`] of now, and only
    /// for a step after the last accepted one. Failures count towards the
    /// lock-out. The caller persists the device afterwards, success or not.
    pub fn verify(&mut self, code: &str, now: i64) -> Result<()> {
        if !self.confirmed {
            return Err(Error::NotPermitted(
                "the OTP device is not confirmed yet".into(),
            ));
        }
        self.check_not_locked(now)?;
        let current = self.params.step(now);
        let mut matched = None;
        // Check every candidate step, not stopping early, so the time taken
        // does not tell which step matched.
        for step in (current - DRIFT_STEPS)..=(current + DRIFT_STEPS) {
            if step >= 0 && self.code_matches(code, step)? && matched.is_none() {
                matched = Some(step);
            }
        }
        match matched {
            Some(step) if self.last_step.is_none_or(|last| step > last) => {
                self.last_step = Some(step);
                self.failures = 0;
                self.locked_until = None;
                Ok(())
            }
            Some(_) => {
                // A replayed (or older) code is a failure like a wrong one.
                self.fail(now);
                Err(Error::NotPermitted(
                    "this one-time password was already used".into(),
                ))
            }
            None => {
                self.fail(now);
                Err(Error::PinIncorrect)
            }
        }
    }

    fn code_matches(&self, code: &str, step: i64) -> Result<bool> {
        let step =
            u64::try_from(step).map_err(|_| Error::InvalidArgument("negative time step".into()))?;
        let expected = hotp(self.secret.expose(), step, &self.params)?;
        Ok(ct_eq(expected.as_bytes(), code.trim().as_bytes()))
    }

    fn check_not_locked(&self, now: i64) -> Result<()> {
        match self.locked_until {
            Some(until) if now < until => Err(Error::PinLocked),
            _ => Ok(()),
        }
    }

    fn fail(&mut self, now: i64) {
        self.failures = self.failures.saturating_add(1);
        if self.failures >= MAX_FAILURES {
            let doublings = (self.failures - MAX_FAILURES).min(16);
            let secs = (FIRST_LOCKOUT_SECS << doublings).min(MAX_LOCKOUT_SECS);
            self.locked_until = Some(now + secs);
        }
    }
}

/// RFC 4648 base32 without padding, as otpauth URIs carry secrets.
pub fn base32(data: &[u8]) -> String {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for &b in data {
        buffer = (buffer << 8) | u32::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[((buffer >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[((buffer << (5 - bits)) & 31) as usize]));
    }
    out
}

/// RFC 4648 base32 decoding, as authenticator secrets are written: case and
/// `=` padding are ignored, any other character is an error.
pub fn base32_decode(text: &str) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for c in text.trim_end_matches('=').chars() {
        let v = match c.to_ascii_uppercase() {
            c @ 'A'..='Z' => c as u32 - 'A' as u32,
            c @ '2'..='7' => c as u32 - '2' as u32 + 26,
            _ => return Err(Error::InvalidArgument("not base32 text".into())),
        };
        buffer = (buffer << 5) | v;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    Ok(out)
}

/// The secret of an `otpauth://totp/...` URI (as an authenticator app reads
/// it from the QR code), for tools that act as the app.
pub fn secret_from_uri(uri: &str) -> Result<SecretBytes> {
    let query = uri
        .split_once('?')
        .map(|(_, q)| q)
        .ok_or_else(|| Error::InvalidArgument("otpauth URI without parameters".into()))?;
    let encoded = query
        .split('&')
        .find_map(|kv| kv.strip_prefix("secret="))
        .ok_or_else(|| Error::InvalidArgument("otpauth URI without a secret".into()))?;
    Ok(SecretBytes::new(base32_decode(encoded)?))
}

fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
#[path = "mfa_tests.rs"]
mod tests;
