//! Key lifecycle: the KMIP states, their transitions and dates.
//!
//! KMIP 2.1 §3.48 (State) and the state diagram of KMIP 1.4 §3.22, following
//! NIST SP 800-57 Part 1 §7. Time-driven transitions (Activation Date,
//! Deactivation Date reached) are applied when the state is read, so a key
//! never stays usable past its deactivation date because nobody touched it.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Seconds since the Unix epoch, the resolution of a KMIP Date-Time.
pub type Timestamp = i64;

/// Now, as a KMIP Date-Time.
pub fn now() -> Timestamp {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// KMIP State enumeration; the discriminants are the KMIP values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[repr(u32)]
pub enum State {
    PreActive = 1,
    Active = 2,
    Deactivated = 3,
    Compromised = 4,
    Destroyed = 5,
    DestroyedCompromised = 6,
}

impl State {
    /// The KMIP enumeration value.
    pub fn to_kmip(self) -> u32 {
        self as u32
    }

    /// From a KMIP enumeration value.
    pub fn from_kmip(v: u32) -> Option<State> {
        Some(match v {
            1 => State::PreActive,
            2 => State::Active,
            3 => State::Deactivated,
            4 => State::Compromised,
            5 => State::Destroyed,
            6 => State::DestroyedCompromised,
            _ => return None,
        })
    }

    /// True once the key material is gone.
    pub fn is_destroyed(self) -> bool {
        matches!(self, State::Destroyed | State::DestroyedCompromised)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            State::PreActive => "Pre-Active",
            State::Active => "Active",
            State::Deactivated => "Deactivated",
            State::Compromised => "Compromised",
            State::Destroyed => "Destroyed",
            State::DestroyedCompromised => "Destroyed Compromised",
        })
    }
}

/// What a caller wants to do with an object, as far as its state is concerned
/// (SP 800-57: "protect" applies cryptographic protection, "process" removes or
/// checks it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Usage {
    /// Encrypt, sign, wrap, MAC generation, derivation of new keys.
    Protect,
    /// Decrypt, verify, unwrap, MAC verification.
    Process,
    /// Read the key material out (KMIP Get, PKCS#11 value read or wrap-out).
    Export,
}

impl fmt::Display for Usage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Usage::Protect => "protect (encrypt, sign, wrap, MAC)",
            Usage::Process => "process (decrypt, verify, unwrap)",
            Usage::Export => "export of key material",
        })
    }
}

/// KMIP Revocation Reason Code (KMIP 2.1 §11.45), as far as the lifecycle cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum RevocationReason {
    Unspecified,
    KeyCompromise,
    CaCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    PrivilegeWithdrawn,
}

impl RevocationReason {
    fn is_compromise(self) -> bool {
        matches!(
            self,
            RevocationReason::KeyCompromise | RevocationReason::CaCompromise
        )
    }
}

/// State and dates of one managed object (KMIP 2.1 §4: Initial Date,
/// Activation Date, Deactivation Date, Destroy Date, Compromise Occurrence
/// Date, Compromise Date, Last Change Date, Process Start / Protect Stop Date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lifecycle {
    pub state: State,
    pub initial_date: Timestamp,
    pub activation_date: Option<Timestamp>,
    pub deactivation_date: Option<Timestamp>,
    pub destroy_date: Option<Timestamp>,
    pub compromise_occurrence_date: Option<Timestamp>,
    pub compromise_date: Option<Timestamp>,
    pub process_start_date: Option<Timestamp>,
    pub protect_stop_date: Option<Timestamp>,
    pub revocation_reason: Option<RevocationReason>,
    pub revocation_message: Option<String>,
    pub last_change_date: Timestamp,
}

impl Lifecycle {
    /// A new object: Pre-Active, or Active at once when an Activation Date at
    /// or before `now` is given (KMIP: "an object created with an Activation
    /// Date in the past is Active").
    pub fn new(now: Timestamp, activation_date: Option<Timestamp>) -> Lifecycle {
        let mut lc = Lifecycle {
            state: State::PreActive,
            initial_date: now,
            activation_date,
            deactivation_date: None,
            destroy_date: None,
            compromise_occurrence_date: None,
            compromise_date: None,
            process_start_date: None,
            protect_stop_date: None,
            revocation_reason: None,
            revocation_message: None,
            last_change_date: now,
        };
        lc.refresh(now);
        lc
    }

    /// Applies the time-driven transitions due by `now`; returns true when the
    /// state changed (the caller then persists it).
    pub fn refresh(&mut self, now: Timestamp) -> bool {
        let before = self.state;
        if self.state == State::PreActive && self.activation_date.is_some_and(|d| d <= now) {
            self.state = State::Active;
        }
        if self.state == State::Active && self.deactivation_date.is_some_and(|d| d <= now) {
            self.state = State::Deactivated;
        }
        if self.state != before {
            self.last_change_date = now;
            true
        } else {
            false
        }
    }

    /// KMIP Activate: Pre-Active → Active, Activation Date set to now.
    pub fn activate(&mut self, now: Timestamp) -> Result<()> {
        self.refresh(now);
        if self.state != State::PreActive {
            return Err(self.wrong("Activate"));
        }
        self.state = State::Active;
        self.activation_date = Some(now);
        self.last_change_date = now;
        Ok(())
    }

    /// KMIP Revoke. A compromise reason moves any state to Compromised (or
    /// Destroyed → Destroyed Compromised); any other reason moves Active to
    /// Deactivated and is refused elsewhere (a Pre-Active key is destroyed,
    /// not revoked, unless compromised).
    pub fn revoke(
        &mut self,
        now: Timestamp,
        reason: RevocationReason,
        message: Option<String>,
        compromise_occurrence_date: Option<Timestamp>,
    ) -> Result<()> {
        self.refresh(now);
        if reason.is_compromise() {
            self.state = match self.state {
                State::PreActive | State::Active | State::Deactivated => State::Compromised,
                State::Destroyed => State::DestroyedCompromised,
                State::Compromised | State::DestroyedCompromised => {
                    return Err(self.wrong("Revoke (compromise)"))
                }
            };
            self.compromise_date = Some(now);
            self.compromise_occurrence_date = Some(compromise_occurrence_date.unwrap_or(now));
        } else {
            if self.state != State::Active {
                return Err(self.wrong("Revoke"));
            }
            self.state = State::Deactivated;
            self.deactivation_date = Some(now);
        }
        self.revocation_reason = Some(reason);
        self.revocation_message = message;
        self.last_change_date = now;
        Ok(())
    }

    /// KMIP Destroy: refused while Active (revoke first), as KMIP 1.4 §4.21
    /// and its state diagram require.
    pub fn destroy(&mut self, now: Timestamp) -> Result<()> {
        self.refresh(now);
        self.state = match self.state {
            State::PreActive | State::Deactivated => State::Destroyed,
            State::Compromised => State::DestroyedCompromised,
            State::Active | State::Destroyed | State::DestroyedCompromised => {
                return Err(self.wrong("Destroy"))
            }
        };
        self.destroy_date = Some(now);
        self.last_change_date = now;
        Ok(())
    }

    /// Whether the state (and the process-start / protect-stop dates) allow
    /// `usage` at `now`.
    pub fn check(&self, usage: Usage, now: Timestamp) -> Result<()> {
        let mut lc = self.clone();
        lc.refresh(now);
        let ok = match (lc.state, usage) {
            (State::Active, Usage::Protect) => lc.protect_stop_date.is_none_or(|d| now < d),
            (State::Active, Usage::Process) => lc.process_start_date.is_none_or(|d| now >= d),
            (State::Deactivated | State::Compromised, Usage::Process) => true,
            (
                State::PreActive | State::Active | State::Deactivated | State::Compromised,
                Usage::Export,
            ) => true,
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(Error::WrongState {
                operation: usage.to_string(),
                state: lc.state,
            })
        }
    }

    fn wrong(&self, operation: &str) -> Error {
        Error::WrongState {
            operation: operation.to_string(),
            state: self.state,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Timestamp = 1_700_000_000;

    #[test]
    fn new_object_is_pre_active_unless_activation_date_passed() {
        assert_eq!(Lifecycle::new(T, None).state, State::PreActive);
        assert_eq!(Lifecycle::new(T, Some(T + 10)).state, State::PreActive);
        assert_eq!(Lifecycle::new(T, Some(T)).state, State::Active);
        assert_eq!(Lifecycle::new(T, Some(T - 10)).state, State::Active);
    }

    #[test]
    fn dates_drive_transitions() {
        let mut lc = Lifecycle::new(T, Some(T + 10));
        lc.deactivation_date = Some(T + 20);
        assert!(lc.check(Usage::Protect, T + 5).is_err());
        assert!(lc.check(Usage::Protect, T + 15).is_ok());
        assert!(lc.check(Usage::Protect, T + 25).is_err());
        assert!(lc.check(Usage::Process, T + 25).is_ok());
        assert!(lc.refresh(T + 25));
        assert_eq!(lc.state, State::Deactivated);
    }

    #[test]
    fn full_symmetric_lifecycle() {
        let mut lc = Lifecycle::new(T, None);
        assert!(matches!(
            lc.check(Usage::Protect, T),
            Err(Error::WrongState {
                state: State::PreActive,
                ..
            })
        ));
        lc.activate(T + 1).unwrap();
        assert_eq!(lc.activation_date, Some(T + 1));
        lc.check(Usage::Protect, T + 1).unwrap();
        assert!(lc.destroy(T + 2).is_err(), "an Active key is not destroyed");
        assert!(lc.activate(T + 2).is_err(), "activate twice");
        lc.revoke(T + 3, RevocationReason::CessationOfOperation, None, None)
            .unwrap();
        assert_eq!(lc.state, State::Deactivated);
        assert!(lc.check(Usage::Protect, T + 3).is_err());
        lc.check(Usage::Process, T + 3).unwrap();
        lc.destroy(T + 4).unwrap();
        assert_eq!(lc.state, State::Destroyed);
        assert!(lc.check(Usage::Export, T + 4).is_err());
        assert!(lc.check(Usage::Process, T + 4).is_err());
        lc.revoke(T + 5, RevocationReason::KeyCompromise, None, Some(T))
            .unwrap();
        assert_eq!(lc.state, State::DestroyedCompromised);
        assert_eq!(lc.compromise_occurrence_date, Some(T));
    }

    #[test]
    fn compromise_paths() {
        let mut lc = Lifecycle::new(T, None);
        assert!(lc
            .revoke(T, RevocationReason::Unspecified, None, None)
            .is_err());
        lc.revoke(
            T,
            RevocationReason::KeyCompromise,
            Some("leaked".into()),
            None,
        )
        .unwrap();
        assert_eq!(lc.state, State::Compromised);
        assert!(lc.check(Usage::Protect, T).is_err());
        lc.check(Usage::Process, T).unwrap();
        lc.destroy(T + 1).unwrap();
        assert_eq!(lc.state, State::DestroyedCompromised);
        assert!(lc.destroy(T + 2).is_err());
    }

    #[test]
    fn protect_stop_and_process_start() {
        let mut lc = Lifecycle::new(T, Some(T));
        lc.protect_stop_date = Some(T + 10);
        lc.process_start_date = Some(T + 5);
        assert!(lc.check(Usage::Process, T + 1).is_err());
        lc.check(Usage::Process, T + 5).unwrap();
        lc.check(Usage::Protect, T + 9).unwrap();
        assert!(lc.check(Usage::Protect, T + 10).is_err());
    }

    #[test]
    fn kmip_values_round_trip() {
        for v in 1..=6 {
            assert_eq!(State::from_kmip(v).unwrap().to_kmip(), v);
        }
        assert!(State::from_kmip(0).is_none());
        assert!(State::from_kmip(7).is_none());
    }
}
