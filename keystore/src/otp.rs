//! OTP devices kept in the store, sealed under their identity's partition
//! key (AES key wrap with padding under a key derived for that identity),
//! so the secret is stored like a key and only that partition can use it.
//!
//! Verification is a compare-and-set on the device's revision: two requests
//! racing with the same code cannot both succeed, and every failure is
//! persisted before the answer is given.

use crate::error::{Error, Result};
use crate::mfa::{TotpDevice, TotpParams};
use crate::partition::Partition;
use crate::secret::SecretBytes;
use crate::storage::{IdentityRow, OtpDeviceRow};

/// How often a verification is retried when another request changed the
/// device between our read and our write.
const RETRIES: usize = 16;

/// What may be shown of a device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtpStatus {
    pub confirmed: bool,
    pub failures: u32,
    pub locked_until: Option<i64>,
    /// Digits of its codes (6 to 8), so a caller can split a code typed
    /// after a PIN.
    pub digits: u32,
}

fn wrap_label(identity: &str) -> String {
    format!("otp-device:{identity}")
}

impl Partition {
    fn seal_device(&self, identity: &str, device: &TotpDevice) -> Result<Vec<u8>> {
        let json = SecretBytes::new(
            serde_json::to_vec(device)
                .map_err(|e| Error::Storage(format!("serialization: {e}")))?,
        );
        let k = self.key()?.object_wrap_key(&wrap_label(identity))?;
        crate::crypto::wrap::aes_key_wrap_pad(k.expose(), json.expose())
    }

    fn open_device(&self, row: &OtpDeviceRow) -> Result<TotpDevice> {
        let tampered = || Error::Integrity(format!("OTP device of {:?} was altered", row.identity));
        if row.partition != self.id() {
            return Err(Error::NotFound(format!("OTP device of {:?}", row.identity)));
        }
        let k = self.key()?.object_wrap_key(&wrap_label(&row.identity))?;
        let json = crate::crypto::wrap::aes_key_unwrap_pad(k.expose(), &row.sealed)
            .map_err(|_| tampered())?;
        serde_json::from_slice(json.expose()).map_err(|_| tampered())
    }

    fn device_row(&self, identity: &str) -> Result<OtpDeviceRow> {
        self.store()
            .get_otp_device(identity)?
            .filter(|r| r.partition == self.id())
            .ok_or_else(|| Error::NotFound(format!("OTP device of {identity:?}")))
    }

    /// Creates a new, unconfirmed TOTP device for `identity` (replacing any
    /// earlier one) and returns it so its provisioning URI can be shown.
    /// The identity is registered if it was not yet.
    pub fn enroll_otp(&self, identity: &str, params: TotpParams) -> Result<TotpDevice> {
        self.key()?;
        if self.store().get_identity(identity)?.is_none() {
            let info = b"{}".to_vec();
            let row = IdentityRow {
                name: identity.to_string(),
                is_group: false,
                created: crate::lifecycle::now(),
                info,
            };
            match self.store().insert_identity(&row) {
                Ok(()) | Err(Error::AlreadyExists(_)) => {}
                Err(e) => return Err(e),
            }
        }
        let device = TotpDevice::generate(params)?;
        let sealed = self.seal_device(identity, &device)?;
        self.store().delete_otp_device(identity)?;
        let row = OtpDeviceRow {
            identity: identity.to_string(),
            partition: self.id().to_string(),
            sealed,
            revision: 1,
        };
        if !self.store().put_otp_device(&row)? {
            return Err(Error::Storage(format!(
                "OTP device of {identity:?} changed during enrollment; try again"
            )));
        }
        Ok(device)
    }

    /// Applies `f` to the stored device and writes the result back, whether
    /// `f` succeeded or not (failure counts must stick), retrying on races.
    fn with_device<F>(&self, identity: &str, mut f: F) -> Result<()>
    where
        F: FnMut(&mut TotpDevice) -> Result<()>,
    {
        for _ in 0..RETRIES {
            let row = self.device_row(identity)?;
            let mut device = self.open_device(&row)?;
            let outcome = f(&mut device);
            let next = OtpDeviceRow {
                sealed: self.seal_device(identity, &device)?,
                revision: row.revision + 1,
                ..row
            };
            if self.store().put_otp_device(&next)? {
                return outcome;
            }
        }
        Err(Error::Storage(format!(
            "OTP device of {identity:?} is busy; try again"
        )))
    }

    /// Activates the device with two consecutive codes.
    pub fn confirm_otp(&self, identity: &str, first: &str, second: &str, now: i64) -> Result<()> {
        self.with_device(identity, |d| d.confirm(first, second, now))
    }

    /// Accepts a code once (see [`TotpDevice::verify`]).
    pub fn verify_otp(&self, identity: &str, code: &str, now: i64) -> Result<()> {
        self.with_device(identity, |d| d.verify(code, now))
    }

    /// The device's state, without its secret; None when none is enrolled.
    pub fn otp_status(&self, identity: &str) -> Result<Option<OtpStatus>> {
        match self.device_row(identity) {
            Ok(row) => {
                let d = self.open_device(&row)?;
                Ok(Some(OtpStatus {
                    confirmed: d.confirmed,
                    failures: d.failures,
                    locked_until: d.locked_until,
                    digits: d.params.digits,
                }))
            }
            Err(Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Removes the device (an administrator's `mfa disable`).
    pub fn disable_otp(&self, identity: &str) -> Result<()> {
        self.key()?;
        self.device_row(identity)?;
        self.store().delete_otp_device(identity)?;
        Ok(())
    }
}
