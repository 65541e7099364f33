//! A store master key that never leaves a PKCS#11 HSM.
//!
//! The key is a non-extractable AES-256 secret key on an HSM token (SoftHSM2
//! in the tests). Partition keys are wrapped and unwrapped *by the HSM*
//! (`C_WrapKey` / `C_UnwrapKey` with CKM_AES_KEY_WRAP_PAD, AES key wrap with
//! padding; SoftHSM2 implements it as RFC 5649), so the master key itself is
//! never in keybridge's memory: only partition keys pass through, as
//! short-lived session objects that are destroyed right after use.

use crate::error::{Error, Result};
use crate::hierarchy::{MasterKey, KEY_LEN};
use crate::secret::SecretBytes;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::Mechanism;
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::slot::Slot;
use cryptoki::types::AuthPin;
use parking_lot::Mutex;
use std::path::{Path, PathBuf};

/// Where the master key lives in the HSM.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HsmKeyLocation {
    /// The PKCS#11 module of the HSM.
    pub module: PathBuf,
    /// The token, by label.
    pub token_label: String,
    /// The master key's CKA_LABEL.
    pub key_label: String,
}

/// What to do when the token holds no key with that label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IfMissing {
    /// Refuse: the store was bound to a key that is gone.
    Fail,
    /// Generate it inside the HSM (a store that has no master key yet).
    Generate,
}

/// The master key held by a PKCS#11 token.
pub struct Pkcs11MasterKey {
    // Declared before `_context` so the session closes before C_Finalize.
    session: Mutex<Session>,
    key: ObjectHandle,
    description: String,
    _context: Pkcs11,
}

fn hsm_err(what: &str) -> impl Fn(cryptoki::error::Error) -> Error + '_ {
    move |e| Error::MasterKey(format!("HSM: {what}: {e}"))
}

impl Pkcs11MasterKey {
    /// Loads the module, logs in to the token as its user with `pin`, and
    /// finds (or, with [`IfMissing::Generate`], creates) the master key.
    /// Refuses a key that could leave the HSM (CKA_EXTRACTABLE true).
    pub fn open(
        loc: &HsmKeyLocation,
        pin: &SecretBytes,
        if_missing: IfMissing,
    ) -> Result<Pkcs11MasterKey> {
        let description = format!(
            "HSM key {:?} on token {:?} ({})",
            loc.key_label,
            loc.token_label,
            loc.module.display()
        );
        let context = load(&loc.module)?;
        let slot = find_token(&context, &loc.token_label)?;
        let session = context
            .open_rw_session(slot)
            .map_err(hsm_err("opening a session"))?;
        let pin = std::str::from_utf8(pin.expose())
            .map_err(|_| Error::MasterKey("HSM PIN is not UTF-8".into()))?;
        session
            .login(UserType::User, Some(&AuthPin::from(pin)))
            .map_err(hsm_err("login"))?;
        let found = session
            .find_objects(&[
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::Label(loc.key_label.as_bytes().to_vec()),
            ])
            .map_err(hsm_err("looking up the master key"))?;
        let key = match (found.as_slice(), if_missing) {
            ([one], _) => *one,
            ([], IfMissing::Generate) => generate(&session, &loc.key_label)?,
            ([], IfMissing::Fail) => {
                return Err(Error::MasterKey(format!(
                    "{description} not found: this store's master key is missing from the HSM"
                )))
            }
            (_, _) => {
                return Err(Error::MasterKey(format!(
                    "{description}: {} keys carry that label; it must name exactly one",
                    found.len()
                )))
            }
        };
        check_key(&session, key, &description)?;
        Ok(Pkcs11MasterKey {
            session: Mutex::new(session),
            key,
            description,
            _context: context,
        })
    }
}

fn load(module: &Path) -> Result<Pkcs11> {
    let context = Pkcs11::new(module)
        .map_err(|e| Error::MasterKey(format!("HSM: loading {}: {e}", module.display())))?;
    context
        .initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .map_err(hsm_err("C_Initialize"))?;
    Ok(context)
}

fn find_token(context: &Pkcs11, label: &str) -> Result<Slot> {
    let slots = context
        .get_slots_with_initialized_token()
        .map_err(hsm_err("listing slots"))?;
    for slot in slots {
        let info = context
            .get_token_info(slot)
            .map_err(hsm_err("reading token info"))?;
        if info.label().trim_end() == label {
            return Ok(slot);
        }
    }
    Err(Error::MasterKey(format!(
        "HSM: no initialized token labelled {label:?}"
    )))
}

/// A new AES-256 master key: on the token, private, sensitive, never
/// extractable, usable only to wrap and unwrap keys.
fn generate(session: &Session, label: &str) -> Result<ObjectHandle> {
    session
        .generate_key(
            &Mechanism::AesKeyGen,
            &[
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::AES),
                Attribute::ValueLen((KEY_LEN as u64).into()),
                Attribute::Token(true),
                Attribute::Private(true),
                Attribute::Sensitive(true),
                Attribute::Extractable(false),
                Attribute::Wrap(true),
                Attribute::Unwrap(true),
                Attribute::Encrypt(false),
                Attribute::Decrypt(false),
                Attribute::Label(label.as_bytes().to_vec()),
            ],
        )
        .map_err(hsm_err("generating the master key"))
}

fn check_key(session: &Session, key: ObjectHandle, description: &str) -> Result<()> {
    let attrs = session
        .get_attributes(
            key,
            &[
                AttributeType::Extractable,
                AttributeType::Wrap,
                AttributeType::Unwrap,
            ],
        )
        .map_err(hsm_err("reading the master key's attributes"))?;
    for a in attrs {
        match a {
            Attribute::Extractable(true) => {
                return Err(Error::MasterKey(format!(
                    "{description} is extractable; the master key must never leave the HSM"
                )))
            }
            Attribute::Wrap(false) | Attribute::Unwrap(false) => {
                return Err(Error::MasterKey(format!(
                    "{description} may not wrap and unwrap keys (CKA_WRAP/CKA_UNWRAP)"
                )))
            }
            _ => {}
        }
    }
    Ok(())
}

/// A session object holding a partition key in transit: extractable and
/// not sensitive, so its value can be wrapped out or read back once.
fn transit_template() -> Vec<Attribute> {
    vec![
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::GENERIC_SECRET),
        Attribute::Token(false),
        Attribute::Private(true),
        Attribute::Sensitive(false),
        Attribute::Extractable(true),
    ]
}

impl MasterKey for Pkcs11MasterKey {
    fn wrap(&self, key: &SecretBytes) -> Result<Vec<u8>> {
        let session = self.session.lock();
        let mut template = transit_template();
        template.push(Attribute::Value(key.expose().to_vec()));
        let transit = session
            .create_object(&template)
            .map_err(hsm_err("importing a key to wrap"))?;
        let wrapped = session
            .wrap_key(&Mechanism::AesKeyWrapPad, self.key, transit)
            .map_err(hsm_err("C_WrapKey"));
        let destroyed = session
            .destroy_object(transit)
            .map_err(hsm_err("destroying a transit key"));
        let wrapped = wrapped?;
        destroyed?;
        Ok(wrapped)
    }

    fn unwrap(&self, wrapped: &[u8]) -> Result<SecretBytes> {
        let session = self.session.lock();
        let transit = session
            .unwrap_key(
                &Mechanism::AesKeyWrapPad,
                self.key,
                wrapped,
                &transit_template(),
            )
            .map_err(|e| {
                Error::MasterKey(format!(
                    "{} does not open this store's keys (C_UnwrapKey: {e})",
                    self.description
                ))
            })?;
        let value = session
            .get_attributes(transit, &[AttributeType::Value])
            .map_err(hsm_err("reading an unwrapped key"));
        let destroyed = session
            .destroy_object(transit)
            .map_err(hsm_err("destroying a transit key"));
        let mut out = None;
        for a in value? {
            if let Attribute::Value(v) = a {
                out = Some(SecretBytes::new(v));
            }
        }
        destroyed?;
        out.ok_or_else(|| Error::MasterKey("HSM: unwrapped key has no value".into()))
    }

    fn description(&self) -> String {
        self.description.clone()
    }
}
