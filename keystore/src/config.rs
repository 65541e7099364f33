//! `keybridge.toml`: the configuration the module and the server share.
//!
//! Found through `KEYBRIDGE_CONF`; without it, everything lives in the
//! embedded default data directory, `$XDG_DATA_HOME/keybridge` (else
//! `~/.local/share/keybridge`).

use crate::error::{Error, Result};
use crate::hierarchy::{MasterKey, SoftwareMasterKey};
use crate::hsm::{HsmKeyLocation, IfMissing, Pkcs11MasterKey};
use crate::key_store::{KeyStore, MasterSession};
use crate::secret::SecretBytes;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The environment variable naming the configuration file.
pub const CONF_ENV: &str = "KEYBRIDGE_CONF";

/// The whole configuration file.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub store: StoreConfig,
    #[serde(default)]
    pub master_key: MasterKeyConfig,
    #[serde(default)]
    pub pkcs11: Pkcs11Config,
    #[serde(default)]
    pub kmip: KmipConfig,
}

/// `[kmip]`: the KMIP server (`keybridge serve`).
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct KmipConfig {
    /// Address to listen on; default `127.0.0.1:5696`.
    pub listen: Option<String>,
    /// Server certificate chain (PEM).
    pub cert: Option<PathBuf>,
    /// Server private key (PEM).
    pub key: Option<PathBuf>,
    /// CA certificates (PEM) that client certificates must chain to.
    pub client_ca: Option<PathBuf>,
    /// Most simultaneous connections; default 256.
    pub max_connections: Option<usize>,
    /// Seconds a connection may stay idle; default 300.
    pub idle_timeout_seconds: Option<u64>,
    /// Largest accepted request in bytes; default 1 MiB.
    pub max_message_bytes: Option<usize>,
}

/// `[pkcs11]`: settings only the PKCS#11 module reads.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Pkcs11Config {
    /// Append a line per failed PKCS#11 call (function, return code, reason;
    /// never a PIN, key or data) to this file. Default: no log.
    pub log_file: Option<PathBuf>,
    /// TEST ONLY: derive PIN keys with Argon2's minimum cost instead of the
    /// recommended 19 MiB / 2 passes, so test suites that set many PINs run
    /// fast. Never set it for a real store: it makes PINs cheap to guess.
    #[serde(default)]
    pub insecure_test_pin_kdf: bool,
}

/// `[store]`
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// The SQLite file; default `<data dir>/store.db`.
    pub path: Option<PathBuf>,
}

/// `[master_key]`: where the store master key comes from.
#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct MasterKeyConfig {
    /// `"file"` (default) or `"passphrase"`.
    #[serde(default)]
    pub source: MasterKeySource,
    /// For `file`: the key file; default `<data dir>/master.key`, created
    /// with mode 0600 on first use.
    pub file: Option<PathBuf>,
    /// For `passphrase`: the environment variable that holds it; default
    /// `KEYBRIDGE_MASTER_PASSPHRASE`.
    pub passphrase_env: Option<String>,
    /// For `pkcs11`: the HSM's PKCS#11 module.
    pub module: Option<PathBuf>,
    /// For `pkcs11`: the label of the token that holds the key.
    pub token_label: Option<String>,
    /// For `pkcs11`: the CKA_LABEL of the master key; default `keybridge-master-key`.
    pub key_label: Option<String>,
    /// For `pkcs11`: the environment variable holding the token's user PIN
    /// (default `KEYBRIDGE_HSM_PIN`), unless `pin_file` is given.
    pub pin_env: Option<String>,
    /// For `pkcs11`: a file (mode 0600) whose first line is the user PIN.
    pub pin_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum MasterKeySource {
    #[default]
    File,
    Passphrase,
    /// A non-extractable AES key inside a PKCS#11 HSM.
    Pkcs11,
}

impl Config {
    /// Reads the file named by `KEYBRIDGE_CONF`, or the defaults when unset.
    pub fn from_env() -> Result<Config> {
        match std::env::var_os(CONF_ENV) {
            Some(p) if !p.is_empty() => Config::load(Path::new(&p)),
            _ => Ok(Config::default()),
        }
    }

    /// Reads and checks a configuration file.
    pub fn load(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        Config::parse(&text).map_err(|e| match e {
            Error::InvalidArgument(m) => Error::InvalidArgument(format!("{}: {m}", path.display())),
            other => other,
        })
    }

    /// Parses configuration text.
    pub fn parse(text: &str) -> Result<Config> {
        toml::from_str(text)
            .map_err(|e| Error::InvalidArgument(format!("configuration: {}", e.message())))
    }

    /// The SQLite store file.
    pub fn store_path(&self) -> Result<PathBuf> {
        match &self.store.path {
            Some(p) => Ok(p.clone()),
            None => Ok(data_dir()?.join("store.db")),
        }
    }

    /// Opens the store.
    pub fn open_store(&self) -> Result<KeyStore> {
        KeyStore::open(&self.store_path()?)
    }

    /// Builds the configured master key for `ks` (passphrase parameters are
    /// kept in the store).
    pub fn master_key(&self, ks: &KeyStore) -> Result<Arc<dyn MasterKey>> {
        let m = &self.master_key;
        match m.source {
            MasterKeySource::File => {
                let path = match &m.file {
                    Some(p) => p.clone(),
                    None => data_dir()?.join("master.key"),
                };
                Ok(Arc::new(SoftwareMasterKey::from_key_file(&path)?))
            }
            MasterKeySource::Passphrase => {
                let var = m
                    .passphrase_env
                    .as_deref()
                    .unwrap_or("KEYBRIDGE_MASTER_PASSPHRASE");
                let pass = std::env::var(var).map_err(|_| {
                    Error::MasterKey(format!(
                        "passphrase source: environment variable {var} is not set"
                    ))
                })?;
                let pass = SecretBytes::new(pass.into_bytes());
                if pass.is_empty() {
                    return Err(Error::MasterKey(format!("passphrase in {var} is empty")));
                }
                Ok(Arc::new(SoftwareMasterKey::from_passphrase(
                    &pass,
                    &ks.master_kdf_params()?,
                )?))
            }
            MasterKeySource::Pkcs11 => {
                let missing = |key: &str| {
                    Error::MasterKey(format!("[master_key] source = \"pkcs11\" needs `{key}`"))
                };
                let location = HsmKeyLocation {
                    module: m.module.clone().ok_or_else(|| missing("module"))?,
                    token_label: m
                        .token_label
                        .clone()
                        .ok_or_else(|| missing("token_label"))?,
                    key_label: m
                        .key_label
                        .clone()
                        .unwrap_or_else(|| "keybridge-master-key".into()),
                };
                let pin = hsm_pin(m)?;
                // A store not yet bound to a master key gets a new one,
                // generated inside the HSM; a bound store must find its own.
                let if_missing = if ks.is_initialized()? {
                    IfMissing::Fail
                } else {
                    IfMissing::Generate
                };
                Ok(Arc::new(Pkcs11MasterKey::open(
                    &location, &pin, if_missing,
                )?))
            }
        }
    }

    /// Opens the store and unlocks it with the configured master key.
    pub fn unlock(&self) -> Result<MasterSession> {
        let ks = self.open_store()?;
        let master = self.master_key(&ks)?;
        ks.unlock(master)
    }
}

fn hsm_pin(m: &MasterKeyConfig) -> Result<SecretBytes> {
    let pin = match &m.pin_file {
        Some(path) => {
            use std::os::unix::fs::PermissionsExt;
            let origin = format!("HSM PIN file {}", path.display());
            let meta = std::fs::metadata(path).map_err(|e| Error::io(&origin, e))?;
            if meta.permissions().mode() & 0o077 != 0 {
                return Err(Error::MasterKey(format!(
                    "{origin} is accessible to other users; chmod 600 it"
                )));
            }
            let text = SecretBytes::new(std::fs::read(path).map_err(|e| Error::io(&origin, e))?);
            let first = text
                .expose()
                .split(|b| *b == b'\n')
                .next()
                .unwrap_or_default();
            let line = first.strip_suffix(b"\r").unwrap_or(first);
            SecretBytes::from_slice(line)
        }
        None => {
            let var = m.pin_env.as_deref().unwrap_or("KEYBRIDGE_HSM_PIN");
            let v = std::env::var(var).map_err(|_| {
                Error::MasterKey(format!("HSM PIN: environment variable {var} is not set"))
            })?;
            SecretBytes::new(v.into_bytes())
        }
    };
    if pin.is_empty() {
        return Err(Error::MasterKey("HSM PIN is empty".into()));
    }
    Ok(pin)
}

/// `$XDG_DATA_HOME/keybridge`, else `$HOME/.local/share/keybridge`.
pub fn data_dir() -> Result<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(x).join("keybridge"));
    }
    match std::env::var_os("HOME").filter(|v| !v.is_empty()) {
        Some(h) => Ok(PathBuf::from(h).join(".local/share/keybridge")),
        None => Err(Error::InvalidArgument(
            "neither XDG_DATA_HOME nor HOME is set: cannot place the default store".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_file_is_all_defaults() {
        assert_eq!(Config::parse("").unwrap(), Config::default());
    }

    #[test]
    fn full_file_parses() {
        let c = Config::parse(
            "[store]\npath = \"/tmp/x.db\"\n[master_key]\nsource = \"passphrase\"\npassphrase_env = \"PW\"\n",
        )
        .unwrap();
        assert_eq!(c.store_path().unwrap(), PathBuf::from("/tmp/x.db"));
        assert_eq!(c.master_key.source, MasterKeySource::Passphrase);
        assert_eq!(c.master_key.passphrase_env.as_deref(), Some("PW"));
    }

    #[test]
    fn kmip_section_parses() {
        let c = Config::parse(
            "[kmip]\nlisten = \"0.0.0.0:5696\"\ncert = \"/c.pem\"\nkey = \"/k.pem\"\nclient_ca = \"/ca.pem\"\nmax_connections = 8\n",
        )
        .unwrap();
        assert_eq!(c.kmip.listen.as_deref(), Some("0.0.0.0:5696"));
        assert_eq!(c.kmip.max_connections, Some(8));
        assert!(Config::parse("[kmip]\nlisen = \"x\"\n").is_err());
    }

    #[test]
    fn typos_are_errors_not_silently_ignored() {
        let e = Config::parse("[store]\npaht = \"/x\"\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("paht"), "{e}");
        assert!(Config::parse("[master_key]\nsource = \"hsm9\"\n").is_err());
    }
}
