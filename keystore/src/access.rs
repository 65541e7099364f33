//! Identities, groups and grants: who may do what with which object.
//!
//! Every object has an owner (the identity that created it). The owner may
//! do anything with it; anybody else needs a grant naming the operation,
//! made to them or to a group they belong to. Everything not granted is
//! denied. Identities are KMIP clients (their certificate's CN, optionally
//! with a password for the KMIP Username/Password credential) and token
//! users; groups gather identities.

use crate::error::{Error, Result};
use crate::key_store::KeyStore;
use crate::lifecycle;
use crate::secret::SecretBytes;
use crate::storage::{GrantRow, IdentityRow};
use serde::{Deserialize, Serialize};
use std::fmt;

/// An operation that can be granted. Bit values are keybridge's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[repr(u32)]
pub enum Operation {
    Get = 1 << 0,
    Locate = 1 << 1,
    Encrypt = 1 << 2,
    Decrypt = 1 << 3,
    Sign = 1 << 4,
    Verify = 1 << 5,
    Wrap = 1 << 6,
    Unwrap = 1 << 7,
    Derive = 1 << 8,
    Rekey = 1 << 9,
    Revoke = 1 << 10,
    Destroy = 1 << 11,
    Export = 1 << 12,
    GetAttributes = 1 << 13,
    ModifyAttributes = 1 << 14,
}

impl Operation {
    pub const ALL: [Operation; 15] = [
        Operation::Get,
        Operation::Locate,
        Operation::Encrypt,
        Operation::Decrypt,
        Operation::Sign,
        Operation::Verify,
        Operation::Wrap,
        Operation::Unwrap,
        Operation::Derive,
        Operation::Rekey,
        Operation::Revoke,
        Operation::Destroy,
        Operation::Export,
        Operation::GetAttributes,
        Operation::ModifyAttributes,
    ];

    /// The name used on the command line and in messages.
    pub fn name(self) -> &'static str {
        match self {
            Operation::Get => "get",
            Operation::Locate => "locate",
            Operation::Encrypt => "encrypt",
            Operation::Decrypt => "decrypt",
            Operation::Sign => "sign",
            Operation::Verify => "verify",
            Operation::Wrap => "wrap",
            Operation::Unwrap => "unwrap",
            Operation::Derive => "derive",
            Operation::Rekey => "rekey",
            Operation::Revoke => "revoke",
            Operation::Destroy => "destroy",
            Operation::Export => "export",
            Operation::GetAttributes => "get-attributes",
            Operation::ModifyAttributes => "modify-attributes",
        }
    }

    pub fn from_name(name: &str) -> Option<Operation> {
        Operation::ALL.into_iter().find(|o| o.name() == name)
    }
}

/// A set of operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Operations(pub u32);

impl Operations {
    pub fn contains(self, op: Operation) -> bool {
        self.0 & op as u32 != 0
    }

    /// Parses `"get,encrypt"` or `"all"`.
    pub fn parse(list: &str) -> Result<Operations> {
        let mut bits = 0;
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            if name == "all" {
                bits |= Operation::ALL.iter().fold(0, |acc, o| acc | *o as u32);
                continue;
            }
            let op = Operation::from_name(name).ok_or_else(|| {
                Error::InvalidArgument(format!(
                    "unknown operation {name:?}; one of: all, {}",
                    Operation::ALL.map(Operation::name).join(", ")
                ))
            })?;
            bits |= op as u32;
        }
        if bits == 0 {
            return Err(Error::InvalidArgument("no operation named".into()));
        }
        Ok(Operations(bits))
    }
}

impl fmt::Display for Operations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<_> = Operation::ALL
            .into_iter()
            .filter(|o| self.contains(*o))
            .map(Operation::name)
            .collect();
        f.write_str(&names.join(","))
    }
}

/// Vendor Identification and Attribute Name of the per-object MFA policy
/// (KMIP 2.x Vendor Attribute `keybridge` / `mfa-required`, kept in
/// [`Attributes::custom`](crate::object::Attributes::custom)). Its value is a
/// Text String listing the operations, as grants name them
/// (`destroy,get,decrypt`, or `all`), that need a one-time password.
pub const MFA_VENDOR: &str = "keybridge";
pub const MFA_ATTRIBUTE: &str = "mfa-required";
/// How the KMIP 1.x Custom Attribute `x-keybridge-mfa-required` is stored.
pub const MFA_VENDOR_1X: &str = "x";
pub const MFA_ATTRIBUTE_1X: &str = "keybridge-mfa-required";

/// The operations the object's MFA policy covers, None when it has none.
/// A policy value that cannot be read covers everything: a damaged policy
/// must not turn MFA off. Read by the KMIP server and the PKCS#11 module
/// alike, so the policy means the same whichever way a key is used.
pub fn mfa_policy(a: &crate::object::Attributes) -> Option<Operations> {
    let mut policy: Option<Operations> = None;
    for c in &a.custom {
        let ours = (c.vendor.as_deref() == Some(MFA_VENDOR) && c.name == MFA_ATTRIBUTE)
            || (c.vendor.as_deref() == Some(MFA_VENDOR_1X) && c.name == MFA_ATTRIBUTE_1X);
        if !ours {
            continue;
        }
        let parsed = match &c.value {
            crate::object::AttributeValue::TextString(s) => Operations::parse(s).ok(),
            _ => None,
        };
        let bits = parsed.map_or(u32::MAX, |p| p.0);
        policy = Some(Operations(policy.map_or(0, |p| p.0) | bits));
    }
    policy
}

/// Whether an MFA policy covers `op`; `get` and `export` cover each other
/// (both name taking the key out: KMIP Get, PKCS#11 C_WrapKey).
pub fn mfa_covers(policy: Option<Operations>, op: Operation) -> bool {
    let Some(p) = policy else {
        return false;
    };
    p.contains(op)
        || (op == Operation::Export && p.contains(Operation::Get))
        || (op == Operation::Get && p.contains(Operation::Export))
}

/// Settings of an identity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityInfo {
    /// Argon2id PHC string of the KMIP Username/Password credential.
    #[serde(default)]
    pub password_hash: Option<String>,
    /// Every request of this identity needs a fresh one-time password.
    #[serde(default)]
    pub always_requires_mfa: bool,
}

/// An identity or group as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub is_group: bool,
    pub created: lifecycle::Timestamp,
    pub info: IdentityInfo,
}

/// A grant as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub object: String,
    pub grantee: String,
    pub operations: Operations,
    pub granted_by: String,
}

fn identity_of(row: IdentityRow) -> Result<Identity> {
    let info = serde_json::from_slice(&row.info).map_err(|_| {
        Error::Integrity(format!("settings of identity {:?} are malformed", row.name))
    })?;
    Ok(Identity {
        name: row.name,
        is_group: row.is_group,
        created: row.created,
        info,
    })
}

fn check_name(name: &str) -> Result<()> {
    if name.is_empty() || name.len() > 256 || name.chars().any(char::is_control) {
        return Err(Error::InvalidArgument(
            "identity names are 1 to 256 printable characters".into(),
        ));
    }
    Ok(())
}

impl KeyStore {
    /// Adds an identity (`is_group` false) or a group.
    pub fn add_identity(&self, name: &str, is_group: bool) -> Result<()> {
        check_name(name)?;
        let info = serde_json::to_vec(&IdentityInfo::default())
            .map_err(|e| Error::Storage(format!("serialization: {e}")))?;
        self.store().insert_identity(&IdentityRow {
            name: name.to_string(),
            is_group,
            created: lifecycle::now(),
            info,
        })
    }

    pub fn identity(&self, name: &str) -> Result<Identity> {
        let row = self
            .store()
            .get_identity(name)?
            .ok_or_else(|| Error::NotFound(format!("identity {name:?}")))?;
        identity_of(row)
    }

    pub fn identities(&self) -> Result<Vec<Identity>> {
        self.store()
            .list_identities()?
            .into_iter()
            .map(identity_of)
            .collect()
    }

    /// Removes an identity or group, its memberships, the grants made to it
    /// and its OTP device.
    pub fn remove_identity(&self, name: &str) -> Result<()> {
        if self.store().delete_identity(name)? {
            Ok(())
        } else {
            Err(Error::NotFound(format!("identity {name:?}")))
        }
    }

    fn update_identity_info(&self, name: &str, f: impl FnOnce(&mut IdentityInfo)) -> Result<()> {
        let mut id = self.identity(name)?;
        f(&mut id.info);
        let info = serde_json::to_vec(&id.info)
            .map_err(|e| Error::Storage(format!("serialization: {e}")))?;
        self.store().update_identity(&IdentityRow {
            name: id.name,
            is_group: id.is_group,
            created: id.created,
            info,
        })
    }

    /// Sets whether every request of `name` needs a one-time password.
    pub fn set_always_requires_mfa(&self, name: &str, on: bool) -> Result<()> {
        self.update_identity_info(name, |i| i.always_requires_mfa = on)
    }

    /// Sets the password of the KMIP Username/Password credential (Argon2id).
    pub fn set_password(&self, name: &str, password: &SecretBytes) -> Result<()> {
        use argon2::password_hash::{PasswordHasher, SaltString};
        if password.len() < 8 {
            return Err(Error::InvalidArgument(
                "passwords have at least 8 characters".into(),
            ));
        }
        let salt = SaltString::encode_b64(&crate::crypto::random::random_bytes(16)?)
            .map_err(|e| Error::Crypto(format!("password salt: {e}")))?;
        let hash = argon2::Argon2::default()
            .hash_password(password.expose(), &salt)
            .map_err(|e| Error::Crypto(format!("password hashing: {e}")))?
            .to_string();
        self.update_identity_info(name, |i| i.password_hash = Some(hash))
    }

    /// Checks a password credential; `PinIncorrect` when it does not match
    /// or the identity has no password.
    pub fn check_password(&self, name: &str, password: &SecretBytes) -> Result<()> {
        use argon2::password_hash::{PasswordHash, PasswordVerifier};
        let id = self.identity(name).map_err(|_| Error::PinIncorrect)?;
        let stored = id.info.password_hash.ok_or(Error::PinIncorrect)?;
        let parsed = PasswordHash::new(&stored)
            .map_err(|_| Error::Integrity(format!("password hash of {name:?} is malformed")))?;
        argon2::Argon2::default()
            .verify_password(password.expose(), &parsed)
            .map_err(|_| Error::PinIncorrect)
    }

    pub fn add_to_group(&self, group: &str, member: &str) -> Result<()> {
        self.store().add_group_member(group, member)
    }

    pub fn remove_from_group(&self, group: &str, member: &str) -> Result<()> {
        if self.store().remove_group_member(group, member)? {
            Ok(())
        } else {
            Err(Error::NotFound(format!("{member:?} in group {group:?}")))
        }
    }

    /// Grants `operations` on `object` to an identity or group (replacing
    /// an earlier grant to the same grantee).
    pub fn grant(
        &self,
        object: &str,
        grantee: &str,
        operations: Operations,
        granted_by: &str,
    ) -> Result<()> {
        self.store().put_grant(&GrantRow {
            object: object.to_string(),
            grantee: grantee.to_string(),
            operations: operations.0,
            granted_by: granted_by.to_string(),
            created: lifecycle::now(),
        })
    }

    pub fn revoke_grant(&self, object: &str, grantee: &str) -> Result<()> {
        if self.store().delete_grant(object, grantee)? {
            Ok(())
        } else {
            Err(Error::NotFound(format!("grant on {object} to {grantee:?}")))
        }
    }

    /// Grants on `object`, or every grant.
    pub fn grants(&self, object: Option<&str>) -> Result<Vec<Grant>> {
        Ok(self
            .store()
            .grants(object)?
            .into_iter()
            .map(|g| Grant {
                object: g.object,
                grantee: g.grantee,
                operations: Operations(g.operations),
                granted_by: g.granted_by,
            })
            .collect())
    }

    /// The identity itself and the groups it belongs to, transitively.
    pub fn principals(&self, identity: &str) -> Result<Vec<String>> {
        let mut all = vec![identity.to_string()];
        let mut i = 0;
        while i < all.len() {
            for g in self.store().groups_of(&all[i])? {
                if !all.contains(&g) {
                    all.push(g);
                }
            }
            i += 1;
        }
        Ok(all)
    }

    /// Whether `identity` may perform `op` on `object` owned by `owner`:
    /// the owner always may; anybody else through a grant to them or to one
    /// of their groups. Default deny.
    pub fn is_permitted(
        &self,
        identity: &str,
        object: &str,
        owner: Option<&str>,
        op: Operation,
    ) -> Result<bool> {
        if owner == Some(identity) {
            return Ok(true);
        }
        let principals = self.principals(identity)?;
        Ok(self
            .store()
            .grants(Some(object))?
            .iter()
            .any(|g| principals.contains(&g.grantee) && Operations(g.operations).contains(op)))
    }

    /// The objects `identity` holds a grant for (any operation), with the
    /// union of what it may do with each.
    pub fn granted_objects(&self, identity: &str) -> Result<Vec<(String, Operations)>> {
        let mut out: Vec<(String, Operations)> = Vec::new();
        for g in self.store().grants_to(&self.principals(identity)?)? {
            match out.iter_mut().find(|(o, _)| *o == g.object) {
                Some((_, ops)) => ops.0 |= g.operations,
                None => out.push((g.object, Operations(g.operations))),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::object::{AttributeValue, Attributes, CustomAttribute, ObjectType};

    fn with_policy(vendor: &str, name: &str, value: AttributeValue) -> Attributes {
        let mut a = Attributes::new(ObjectType::SymmetricKey, 0);
        a.custom.push(CustomAttribute {
            vendor: Some(vendor.into()),
            name: name.into(),
            value,
        });
        a
    }

    #[test]
    fn mfa_policy_reads_both_forms_and_fails_closed() {
        assert_eq!(
            mfa_policy(&Attributes::new(ObjectType::SymmetricKey, 0)),
            None
        );
        let p = mfa_policy(&with_policy(
            MFA_VENDOR,
            MFA_ATTRIBUTE,
            AttributeValue::TextString("sign, get".into()),
        ));
        assert!(mfa_covers(p, Operation::Sign));
        assert!(mfa_covers(p, Operation::Export), "get covers export");
        assert!(!mfa_covers(p, Operation::Decrypt));
        let p1x = mfa_policy(&with_policy(
            MFA_VENDOR_1X,
            MFA_ATTRIBUTE_1X,
            AttributeValue::TextString("export".into()),
        ));
        assert!(mfa_covers(p1x, Operation::Get), "export covers get");
        // Unreadable: everything.
        let bad = mfa_policy(&with_policy(
            MFA_VENDOR,
            MFA_ATTRIBUTE,
            AttributeValue::TextString("sgin".into()),
        ));
        assert!(Operation::ALL.iter().all(|o| mfa_covers(bad, *o)));
        let not_text = mfa_policy(&with_policy(
            MFA_VENDOR,
            MFA_ATTRIBUTE,
            AttributeValue::Integer(1),
        ));
        assert!(mfa_covers(not_text, Operation::Derive));
        // Another vendor's attribute of that name is not ours.
        assert_eq!(
            mfa_policy(&with_policy(
                "acme",
                MFA_ATTRIBUTE,
                AttributeValue::TextString("sign".into())
            )),
            None
        );
    }
}
