//! Administration of identities, grants and OTP devices.

use crate::admin::{admin_identity, audited, unlock};
use clap::Subcommand;
use keystore::access::Operations;
use keystore::mfa::TotpParams;
use keystore::{lifecycle, Result, SecretBytes};
use std::io::BufRead;

#[derive(Subcommand)]
pub enum IdentityCommand {
    /// Adds an identity (a KMIP client's certificate CN, a token user) or a group.
    Add {
        name: String,
        /// Make it a group.
        #[arg(long)]
        group: bool,
        /// Read a password for the KMIP Username/Password credential from stdin.
        #[arg(long)]
        password_stdin: bool,
        /// Every request of this identity needs a one-time password.
        #[arg(long)]
        always_mfa: bool,
    },
    /// Lists identities and groups.
    List,
    /// Removes an identity or group, with its grants and OTP device.
    Remove { name: String },
    /// Puts an identity (or group) into a group.
    Join { group: String, member: String },
    /// Takes an identity (or group) out of a group.
    Leave { group: String, member: String },
}

#[derive(Subcommand)]
pub enum GrantCommand {
    /// Grants operations on an object to an identity or group.
    Add {
        /// The object's unique identifier.
        object: String,
        grantee: String,
        /// Comma-separated: get, locate, encrypt, decrypt, sign, verify, wrap,
        /// unwrap, derive, rekey, revoke, destroy, export, get-attributes,
        /// modify-attributes, or all.
        operations: String,
    },
    /// Lists grants, of one object or all.
    List {
        #[arg(long)]
        object: Option<String>,
    },
    /// Withdraws a grant.
    Revoke { object: String, grantee: String },
}

#[derive(Subcommand)]
pub enum MfaCommand {
    /// Creates a TOTP device for an identity and shows it as a QR code and
    /// an otpauth:// URI for an authenticator app. The device works once
    /// confirmed.
    Enroll {
        identity: String,
        /// Print only the otpauth:// URI.
        #[arg(long)]
        uri_only: bool,
    },
    /// Activates the device with two consecutive codes from the app.
    Confirm {
        identity: String,
        code: String,
        next_code: String,
    },
    /// Shows whether a device is enrolled, confirmed or locked.
    Status { identity: String },
    /// Removes an identity's device.
    Disable { identity: String },
}

pub(crate) fn read_secret_line() -> Result<SecretBytes> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| keystore::Error::io("reading stdin", e))?;
    let secret = SecretBytes::from_slice(line.trim_end_matches(['\r', '\n']).as_bytes());
    zeroize::Zeroize::zeroize(&mut line);
    Ok(secret)
}

pub fn identity(cmd: IdentityCommand) -> Result<()> {
    let (_, session) = unlock()?;
    let ks = session.key_store().clone();
    match cmd {
        IdentityCommand::Add {
            name,
            group,
            password_stdin,
            always_mfa,
        } => {
            audited(&ks, "identity.add", Some(&name), || {
                ks.add_identity(&name, group)?;
                if password_stdin {
                    ks.set_password(&name, &read_secret_line()?)?;
                }
                if always_mfa {
                    ks.set_always_requires_mfa(&name, true)?;
                }
                Ok(())
            })?;
        }
        IdentityCommand::List => {
            println!(
                "{:<32}  {:<8}  {:<8}  always MFA",
                "name", "kind", "password"
            );
            for i in ks.identities()? {
                println!(
                    "{:<32}  {:<8}  {:<8}  {}",
                    i.name,
                    if i.is_group { "group" } else { "identity" },
                    if i.info.password_hash.is_some() {
                        "set"
                    } else {
                        "-"
                    },
                    if i.info.always_requires_mfa {
                        "yes"
                    } else {
                        "no"
                    }
                );
            }
        }
        IdentityCommand::Remove { name } => {
            audited(&ks, "identity.remove", Some(&name), || {
                ks.remove_identity(&name)
            })?;
        }
        IdentityCommand::Join { group, member } => {
            audited(&ks, "group.join", Some(&member), || {
                ks.add_to_group(&group, &member)
            })?;
        }
        IdentityCommand::Leave { group, member } => {
            audited(&ks, "group.leave", Some(&member), || {
                ks.remove_from_group(&group, &member)
            })?;
        }
    }
    Ok(())
}

pub fn grant(cmd: GrantCommand) -> Result<()> {
    let (_, session) = unlock()?;
    let ks = session.key_store().clone();
    match cmd {
        GrantCommand::Add {
            object,
            grantee,
            operations,
        } => {
            let ops = Operations::parse(&operations)?;
            audited(&ks, "grant.add", Some(&object), || {
                ks.grant(&object, &grantee, ops, &admin_identity())
            })?;
        }
        GrantCommand::List { object } => {
            println!("{:<36}  {:<24}  operations", "object", "grantee");
            for g in ks.grants(object.as_deref())? {
                println!("{:<36}  {:<24}  {}", g.object, g.grantee, g.operations);
            }
        }
        GrantCommand::Revoke { object, grantee } => {
            audited(&ks, "grant.revoke", Some(&object), || {
                ks.revoke_grant(&object, &grantee)
            })?;
        }
    }
    Ok(())
}

pub fn mfa(cmd: MfaCommand) -> Result<()> {
    let (_, session) = unlock()?;
    let ks = session.key_store().clone();
    match cmd {
        MfaCommand::Enroll { identity, uri_only } => {
            let p = session.partition_or_create(&identity)?;
            let device = audited(&ks, "mfa.enroll", Some(&identity), || {
                p.enroll_otp(&identity, TotpParams::default())
            })?;
            let uri = device.provisioning_uri("keybridge", &identity);
            if uri_only {
                println!("{uri}");
            } else {
                let qr = qrcode::QrCode::new(uri.as_bytes())
                    .map_err(|e| keystore::Error::InvalidArgument(format!("QR code: {e}")))?;
                println!(
                    "{}",
                    qr.render::<qrcode::render::unicode::Dense1x2>()
                        .quiet_zone(true)
                        .build()
                );
                println!("{uri}");
                println!(
                    "Scan it with an authenticator app, then: keybridge mfa confirm {identity} <code> <next code>"
                );
            }
        }
        MfaCommand::Confirm {
            identity,
            code,
            next_code,
        } => {
            let p = session.partition(&identity)?;
            audited(&ks, "mfa.confirm", Some(&identity), || {
                p.confirm_otp(&identity, &code, &next_code, lifecycle::now())
                    .map_err(|e| match e {
                        keystore::Error::PinIncorrect => keystore::Error::NotPermitted(
                            "the codes are not two consecutive codes of this device; \
                             check the app's clock and try again"
                                .into(),
                        ),
                        other => other,
                    })
            })?;
            println!("OTP device of {identity} confirmed");
        }
        MfaCommand::Status { identity } => {
            let p = session.partition(&identity)?;
            match p.otp_status(&identity)? {
                None => println!("{identity}: no OTP device"),
                Some(s) => println!(
                    "{identity}: {}, {} recent failures{}",
                    if s.confirmed {
                        "confirmed"
                    } else {
                        "awaiting confirmation"
                    },
                    s.failures,
                    s.locked_until
                        .filter(|t| *t > lifecycle::now())
                        .map(|t| format!(", locked for {} s", t - lifecycle::now()))
                        .unwrap_or_default()
                ),
            }
        }
        MfaCommand::Disable { identity } => {
            let p = session.partition(&identity)?;
            audited(&ks, "mfa.disable", Some(&identity), || {
                p.disable_otp(&identity)
            })?;
        }
    }
    Ok(())
}
