//! Administration commands: run on the machine that holds the store and its
//! master key, recorded in the audit log as `admin:<user>`.

use clap::{Subcommand, ValueEnum};
use keystore::audit::AuditEntry;
use keystore::config::Config;
use keystore::crypto::{Curve, DigestAlgorithm, KeyPairSpec, SymmetricAlgorithm};
use keystore::hierarchy::KdfParams;
use keystore::lifecycle::{self, RevocationReason};
use keystore::object::{Attributes, ObjectType, UsageMask};
use keystore::{keygen, Error, Filter, KeyStore, MasterSession, PinRole, Result};

/// The partition admin commands use unless told otherwise.
pub const DEFAULT_PARTITION: &str = "default";

#[derive(Subcommand)]
pub enum PartitionCommand {
    /// Creates a partition.
    Create { label: String },
    /// Lists partitions.
    List,
    /// Sets a PIN of a partition's PKCS#11 token, read from stdin (first
    /// line): so a KMIP identity's objects can be used through the module.
    SetPin {
        label: String,
        /// Set the security officer PIN instead of the user PIN.
        #[arg(long)]
        so: bool,
    },
}

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Generates a key (or key pair) in a partition.
    Create {
        /// Name (KMIP Name, PKCS#11 CKA_LABEL).
        #[arg(long)]
        name: String,
        #[arg(long, value_enum)]
        algorithm: KeyAlgorithm,
        /// Key length in bits (AES 128/192/256, RSA 2048–4096, HMAC/generic 8–4096).
        #[arg(long)]
        length: Option<u32>,
        #[arg(long, default_value = DEFAULT_PARTITION)]
        partition: String,
        /// Leave the key Pre-Active instead of activating it.
        #[arg(long)]
        pre_active: bool,
    },
    /// Lists the objects of a partition.
    List {
        #[arg(long, default_value = DEFAULT_PARTITION)]
        partition: String,
    },
    /// Revokes a key (it can still decrypt and verify, no longer encrypt or sign).
    Revoke {
        uid: String,
        #[arg(long, default_value = DEFAULT_PARTITION)]
        partition: String,
        /// The key was compromised.
        #[arg(long)]
        compromised: bool,
    },
    /// Destroys a key's material (its attributes stay for the record).
    Destroy {
        uid: String,
        #[arg(long, default_value = DEFAULT_PARTITION)]
        partition: String,
    },
    /// Makes KMIP operations on an object need a One Time Password
    /// credential (the vendor attribute keybridge/mfa-required).
    RequireMfa {
        uid: String,
        /// Comma-separated operations (destroy, get, export, decrypt, sign,
        /// ..., or all), or `none` to remove the policy.
        #[arg(long = "for")]
        operations: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
pub enum KeyAlgorithm {
    Aes,
    HmacSha256,
    HmacSha512,
    Generic,
    Rsa,
    EcP256,
    EcP384,
    EcP521,
    Ed25519,
    Ed448,
    X25519,
}

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Checks the hash chain of the whole log; exits non-zero if it is broken.
    Verify,
    /// Prints log records, oldest first.
    Show {
        #[arg(long)]
        identity: Option<String>,
        #[arg(long)]
        object: Option<String>,
        /// Only records from this many seconds ago on.
        #[arg(long)]
        since_seconds: Option<i64>,
        /// Only records from this time on: RFC 3339 (2026-11-23T16:00:00Z)
        /// or a number of seconds ago.
        #[arg(long)]
        since: Option<String>,
        /// One JSON object per line (seq, time, identity, operation, object,
        /// result, client, detail).
        #[arg(long)]
        json: bool,
    },
}

/// `admin:<login name>`, else `admin:uid=<uid>` (no USER in cron, CI, containers).
pub(crate) fn admin_identity() -> String {
    use std::os::unix::fs::MetadataExt;
    match std::env::var("USER").or_else(|_| std::env::var("LOGNAME")) {
        Ok(name) if !name.is_empty() => format!("admin:{name}"),
        _ => match std::fs::metadata("/proc/self") {
            Ok(m) => format!("admin:uid={}", m.uid()),
            Err(_) => "admin:unknown".into(),
        },
    }
}

pub(crate) fn unlock() -> Result<(Config, MasterSession)> {
    let config = Config::from_env()?;
    let session = config.unlock()?;
    Ok((config, session))
}

/// Runs `op` and records it, success or failure, in the audit log.
pub(crate) fn audited<T>(
    ks: &KeyStore,
    operation: &str,
    object: Option<&str>,
    op: impl FnOnce() -> Result<T>,
) -> Result<T> {
    let out = op();
    let result = match &out {
        Ok(_) => "ok".to_string(),
        Err(e) => e.to_string(),
    };
    ks.audit(&AuditEntry::now(
        &admin_identity(),
        operation,
        object,
        &result,
    ))?;
    out
}

pub fn init() -> Result<()> {
    let config = Config::from_env()?;
    let path = config.store_path()?;
    let ks = config.open_store()?;
    let fresh = !ks.is_initialized()?;
    let master = config.master_key(&ks)?;
    let description = master.description();
    let session = ks.unlock(master)?;
    session.partition_or_create(DEFAULT_PARTITION)?;
    ks.audit(&AuditEntry::now(&admin_identity(), "init", None, "ok"))?;
    println!("store:      {}", path.display());
    println!("master key: {description}");
    println!(
        "{}",
        if fresh {
            "initialized a new store"
        } else {
            "store already initialized; master key checked"
        }
    );
    Ok(())
}

pub fn partition(cmd: PartitionCommand) -> Result<()> {
    let (_, session) = unlock()?;
    let ks = session.key_store().clone();
    match cmd {
        PartitionCommand::Create { label } => {
            let p = audited(&ks, "partition.create", Some(&label), || {
                session.create_partition(&label)
            })?;
            println!("{}", p.id());
        }
        PartitionCommand::SetPin { label, so } => {
            let p = session.partition(&label)?;
            let role = if so {
                PinRole::SecurityOfficer
            } else {
                PinRole::User
            };
            let pin = crate::admin_access::read_secret_line()?;
            audited(&ks, "partition.set-pin", Some(&label), || {
                ks.set_pin(&p, role, &pin, KdfParams::recommended()?)
            })?;
            println!("{} PIN of {label} set", if so { "SO" } else { "user" });
        }
        PartitionCommand::List => {
            println!("{:<36}  {:<20}  {:<8}  user PIN", "id", "label", "adopted");
            for p in ks.partitions()? {
                println!(
                    "{:<36}  {:<20}  {:<8}  {}",
                    p.id,
                    p.label,
                    p.adopted,
                    if p.user_pin_set { "set" } else { "-" }
                );
            }
        }
    }
    Ok(())
}

fn usage_for(class: ObjectType, alg: KeyAlgorithm) -> UsageMask {
    use KeyAlgorithm::*;
    let bits = match (class, alg) {
        (ObjectType::SymmetricKey, Aes) => {
            UsageMask::ENCRYPT | UsageMask::DECRYPT | UsageMask::WRAP_KEY | UsageMask::UNWRAP_KEY
        }
        (ObjectType::SymmetricKey, _) => {
            UsageMask::MAC_GENERATE | UsageMask::MAC_VERIFY | UsageMask::DERIVE_KEY
        }
        (ObjectType::PrivateKey, X25519) => UsageMask::KEY_AGREEMENT | UsageMask::DERIVE_KEY,
        (ObjectType::PublicKey, X25519) => UsageMask::KEY_AGREEMENT,
        (ObjectType::PrivateKey, Rsa) => {
            UsageMask::SIGN | UsageMask::DECRYPT | UsageMask::UNWRAP_KEY
        }
        (ObjectType::PublicKey, Rsa) => {
            UsageMask::VERIFY | UsageMask::ENCRYPT | UsageMask::WRAP_KEY
        }
        (ObjectType::PrivateKey, _) => UsageMask::SIGN,
        (_, _) => UsageMask::VERIFY,
    };
    UsageMask(bits)
}

fn template(class: ObjectType, name: &str, alg: KeyAlgorithm) -> Attributes {
    let mut a = Attributes::new(class, lifecycle::now());
    a.names.push(name.to_string());
    a.usage = usage_for(class, alg);
    a.owner = Some(admin_identity());
    a
}

fn create_key(
    session: &MasterSession,
    name: &str,
    alg: KeyAlgorithm,
    length: Option<u32>,
    partition: &str,
    pre_active: bool,
) -> Result<Vec<String>> {
    use KeyAlgorithm::*;
    let p = session.partition_or_create(partition)?;
    let symmetric = |s: SymmetricAlgorithm, default: u32| -> Result<Vec<String>> {
        let t = template(ObjectType::SymmetricKey, name, alg);
        Ok(vec![keygen::generate_secret_key(
            &p,
            s,
            length.unwrap_or(default),
            t,
        )?])
    };
    let pair = |spec: KeyPairSpec| -> Result<Vec<String>> {
        if length.is_some() && !matches!(spec, KeyPairSpec::Rsa { .. }) {
            return Err(Error::InvalidArgument(
                "--length applies to AES, HMAC, generic and RSA keys only".into(),
            ));
        }
        let ids = keygen::generate_key_pair(
            &p,
            &spec,
            template(ObjectType::PrivateKey, name, alg),
            template(ObjectType::PublicKey, name, alg),
        )?;
        Ok(vec![ids.private, ids.public])
    };
    let uids = match alg {
        Aes => symmetric(SymmetricAlgorithm::Aes, 256)?,
        HmacSha256 => symmetric(SymmetricAlgorithm::Hmac(DigestAlgorithm::Sha256), 256)?,
        HmacSha512 => symmetric(SymmetricAlgorithm::Hmac(DigestAlgorithm::Sha512), 512)?,
        Generic => symmetric(SymmetricAlgorithm::GenericSecret, 256)?,
        Rsa => pair(KeyPairSpec::Rsa {
            bits: length.unwrap_or(3072),
            public_exponent: None,
        })?,
        EcP256 => pair(KeyPairSpec::Ec(Curve::P256))?,
        EcP384 => pair(KeyPairSpec::Ec(Curve::P384))?,
        EcP521 => pair(KeyPairSpec::Ec(Curve::P521))?,
        Ed25519 => pair(KeyPairSpec::Ed25519)?,
        Ed448 => pair(KeyPairSpec::Ed448)?,
        X25519 => pair(KeyPairSpec::X25519)?,
    };
    if !pre_active {
        for uid in &uids {
            p.activate(uid)?;
        }
    }
    Ok(uids)
}

pub fn key(cmd: KeyCommand) -> Result<()> {
    let (_, session) = unlock()?;
    let ks = session.key_store().clone();
    match cmd {
        KeyCommand::Create {
            name,
            algorithm,
            length,
            partition,
            pre_active,
        } => {
            let uids = match create_key(&session, &name, algorithm, length, &partition, pre_active)
            {
                Ok(uids) => uids,
                Err(e) => {
                    let mut entry =
                        AuditEntry::now(&admin_identity(), "key.create", None, &e.to_string());
                    entry.detail = Some(format!("name={name}"));
                    ks.audit(&entry)?;
                    return Err(e);
                }
            };
            for uid in uids {
                let mut entry = AuditEntry::now(&admin_identity(), "key.create", Some(&uid), "ok");
                entry.detail = Some(format!("name={name}"));
                ks.audit(&entry)?;
                println!("{uid}");
            }
        }
        KeyCommand::List { partition } => {
            let p = session.partition(&partition)?;
            println!(
                "{:<36}  {:<13}  {:<10}  {:>6}  {:<12}  name",
                "unique identifier", "type", "algorithm", "bits", "state"
            );
            for o in p.find(&Filter::default())? {
                let a = &o.attributes;
                let alg = match (a.algorithm, a.curve) {
                    (_, Some(c)) => c.name().to_string(),
                    (Some(alg), None) => alg.to_string(),
                    (None, None) => "-".into(),
                };
                println!(
                    "{:<36}  {:<13}  {:<10}  {:>6}  {:<12}  {}",
                    o.uid,
                    a.object_type.to_string(),
                    alg,
                    a.length.map_or("-".into(), |l| l.to_string()),
                    a.lifecycle.state.to_string(),
                    a.label().unwrap_or("")
                );
            }
        }
        KeyCommand::Revoke {
            uid,
            partition,
            compromised,
        } => {
            let p = session.partition(&partition)?;
            let reason = if compromised {
                RevocationReason::KeyCompromise
            } else {
                RevocationReason::CessationOfOperation
            };
            let o = audited(&ks, "key.revoke", Some(&uid), || {
                p.revoke(&uid, reason, None, None)
            })?;
            println!("{uid}: {}", o.attributes.lifecycle.state);
        }
        KeyCommand::Destroy { uid, partition } => {
            let p = session.partition(&partition)?;
            let o = audited(&ks, "key.destroy", Some(&uid), || p.destroy(&uid))?;
            println!("{uid}: {}", o.attributes.lifecycle.state);
        }
        KeyCommand::RequireMfa { uid, operations } => {
            let ops = if operations == "none" {
                None
            } else {
                Some(keystore::access::Operations::parse(&operations)?)
            };
            audited(&ks, "key.require-mfa", Some(&uid), || {
                let label = ks
                    .partition_of(&uid)?
                    .ok_or_else(|| keystore::Error::NotFound(format!("object {uid}")))?;
                let p = session.partition(&label)?;
                p.update(&uid, |o| {
                    let a = &mut o.attributes;
                    a.custom.retain(|c| {
                        !(c.vendor.as_deref() == Some(crate::access::MFA_VENDOR)
                            && c.name == crate::access::MFA_ATTRIBUTE)
                    });
                    if let Some(ops) = ops {
                        a.custom.push(keystore::object::CustomAttribute {
                            vendor: Some(crate::access::MFA_VENDOR.into()),
                            name: crate::access::MFA_ATTRIBUTE.into(),
                            value: keystore::object::AttributeValue::TextString(ops.to_string()),
                        });
                    }
                    Ok(())
                })
            })?;
            match ops {
                Some(ops) => println!("{uid}: one-time password required for {ops}"),
                None => println!("{uid}: no MFA policy"),
            }
        }
    }
    Ok(())
}

pub fn audit(cmd: AuditCommand) -> Result<()> {
    let config = Config::from_env()?;
    let ks = config.open_store()?;
    match cmd {
        AuditCommand::Verify => {
            let report = ks.verify_audit()?;
            println!(
                "audit log intact: {} records, head {}",
                report.records,
                hex::encode(report.head_hash)
            );
        }
        AuditCommand::Show {
            identity,
            object,
            since_seconds,
            since,
            json,
        } => {
            let mut since_ms = since_seconds.map(|s| (lifecycle::now() - s) * 1000);
            if let Some(s) = since {
                let t = parse_since(&s)?;
                since_ms = Some(since_ms.map_or(t, |m| m.max(t)));
            }
            let mut from = 1;
            loop {
                let page = ks.store().audit_records(from, 1000)?;
                let Some(last) = page.last() else { break };
                from = last.seq + 1;
                for r in page {
                    let e = &r.entry;
                    if identity.as_ref().is_some_and(|i| *i != e.identity)
                        || object
                            .as_ref()
                            .is_some_and(|o| Some(o) != e.object.as_ref())
                        || since_ms.is_some_and(|t| e.time_ms < t)
                    {
                        continue;
                    }
                    let time = humantime::format_rfc3339_millis(
                        std::time::UNIX_EPOCH
                            + std::time::Duration::from_millis(e.time_ms.max(0) as u64),
                    );
                    if json {
                        println!(
                            "{}",
                            serde_json::json!({
                                "seq": r.seq,
                                "time": time.to_string(),
                                "time_ms": e.time_ms,
                                "identity": e.identity,
                                "operation": e.operation,
                                "object": e.object,
                                "result": e.result,
                                "client": e.client,
                                "detail": e.detail,
                            })
                        );
                        continue;
                    }
                    println!(
                        "{:>6}  {}  {:<20}  {:<18}  {:<36}  {}",
                        r.seq,
                        time,
                        e.identity,
                        e.operation,
                        e.object.as_deref().unwrap_or("-"),
                        e.result
                    );
                }
            }
        }
    }
    Ok(())
}

/// `--since`: an RFC 3339 time, or seconds ago; milliseconds since the epoch.
fn parse_since(s: &str) -> Result<i64> {
    if let Ok(secs) = s.parse::<i64>() {
        return Ok((lifecycle::now() - secs) * 1000);
    }
    let t = humantime::parse_rfc3339_weak(s).map_err(|_| {
        keystore::Error::InvalidArgument(format!(
            "--since {s:?}: expected an RFC 3339 time (2026-11-23T16:00:00Z) or seconds ago"
        ))
    })?;
    let d = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| keystore::Error::InvalidArgument(format!("--since {s:?} is before 1970")))?;
    Ok(i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod since_tests {
    use super::parse_since;

    #[test]
    fn since_takes_rfc3339_or_seconds_ago() {
        assert_eq!(
            parse_since("2026-11-23T16:00:00Z").ok(),
            Some(1_795_449_600_000)
        );
        let ago = parse_since("60").unwrap();
        let now = keystore::lifecycle::now() * 1000;
        assert!((now - 61_000..=now - 59_000).contains(&ago));
        assert!(parse_since("yesterday").is_err());
    }
}
