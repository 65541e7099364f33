//! Who may do what over KMIP: the credentials of the Request Header
//! (KMIP 2.1 §2.1.2 Credential: Username and Password, One Time Password),
//! grants between identities (default deny), and the one-time-password
//! policies of identities and objects.
//!
//! The client's certificate CN is its identity; its own objects live in the
//! partition of that label. A Unique Identifier is global, so a request may
//! name an object of another partition: [`authorize`] finds where it is and
//! lets the operation run there only if a grant permits it
//! ([`keystore::KeyStore::is_permitted`]); otherwise the object is reported
//! not found, as if it did not exist.

use crate::dispatch::Ctx;
use crate::error::{Error, Result};
use crate::server::State;
use keystore::access::{Operation, Operations};
use keystore::audit::AuditEntry;
use keystore::{ManagedObject, Partition, SecretBytes};
use kmip::enums::{credential_type as ct, operation as op, result_reason as rr};
use kmip::{Tag, Ttlv, Value};

/// Vendor Identification and Attribute Name of the per-object MFA policy
/// (KMIP 2.x Vendor Attribute); a KMIP 1.x client uses the Custom Attribute
/// `x-keybridge-mfa-required`. Its value is a Text String listing the
/// operations (as `keybridge grant` names them: `destroy,get,decrypt`, or
/// `all`) that need a One Time Password credential. Defined and parsed in
/// [`keystore::access`], which the PKCS#11 module reads too.
pub use keystore::access::{MFA_ATTRIBUTE, MFA_VENDOR};

/// What the Request Header's credentials established.
#[derive(Debug, Clone, Copy, Default)]
pub struct Authenticated {
    /// A One Time Password was presented and accepted for this message.
    pub otp: bool,
}

/// Appends an authentication or MFA event to the audit log.
pub fn record(
    state: &State,
    identity: &str,
    client: &str,
    operation: &str,
    object: Option<&str>,
    result: &str,
) {
    let mut entry = AuditEntry::now(identity, operation, object, result);
    entry.client = Some(client.to_string());
    if let Err(e) = state.session.key_store().audit(&entry) {
        eprintln!("keybridge: audit log write failed: {e}");
    }
}

fn not_authenticated(message: impl Into<String>) -> Error {
    Error::kmip(rr::AuthenticationNotSuccessful, message)
}

/// One Credential of the Request Header, as far as keybridge reads it.
struct Credential {
    username: String,
    password: Option<SecretBytes>,
    otp: Option<SecretBytes>,
}

fn credentials(request: &Ttlv) -> Result<Vec<Credential>> {
    let Some(auth) = request.path(&[Tag::RequestHeader, Tag::Authentication]) else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for c in auth.find_all(Tag::Credential) {
        let kind = c.child_enumeration(Tag::CredentialType)?;
        let value = c.child_structure(Tag::CredentialValue)?;
        let secret = |tag: Tag| -> Result<Option<SecretBytes>> {
            Ok(value
                .opt_child_text(tag)?
                .map(|s| SecretBytes::from_slice(s.as_bytes())))
        };
        match kind {
            ct::UsernameAndPassword => out.push(Credential {
                username: value.child_text(Tag::Username)?.to_string(),
                password: secret(Tag::Password)?,
                otp: None,
            }),
            ct::OneTimePassword => out.push(Credential {
                username: value.child_text(Tag::Username)?.to_string(),
                password: secret(Tag::Password)?,
                otp: Some(
                    secret(Tag::OneTimePassword)?
                        .ok_or_else(|| not_authenticated("One Time Password credential without a One Time Password"))?,
                ),
            }),
            other => {
                return Err(not_authenticated(format!(
                    "Credential Type {} is not supported; use Username and Password or One Time Password",
                    ct::TABLE.name_of(other).unwrap_or("(unknown)")
                )))
            }
        }
    }
    Ok(out)
}

/// Checks the Request Header's credentials of `identity` (the certificate
/// CN): a Username must be that CN (the certificate already says who the
/// client is; a credential adds a factor, it cannot name someone else); an
/// identity with a password must present it; a One Time Password is
/// verified (and spent) on the identity's partition; an identity that
/// always requires MFA must present one. Every refusal and every OTP
/// outcome is audited, without the secrets.
pub fn authenticate(
    state: &State,
    identity: &str,
    client: &str,
    request: &Ttlv,
) -> Result<Authenticated> {
    let outcome = check_credentials(state, identity, client, request);
    if let Err(e) = &outcome {
        let (_, message) = e.result(kmip::ProtocolVersion::V2_1);
        record(
            state,
            identity,
            client,
            "kmip:authenticate",
            None,
            &format!("refused: {message}"),
        );
    }
    outcome
}

fn check_credentials(
    state: &State,
    identity: &str,
    client: &str,
    request: &Ttlv,
) -> Result<Authenticated> {
    let creds = credentials(request)?;
    for c in &creds {
        if c.username != identity {
            return Err(not_authenticated(
                "the credential's Username is not the client certificate's CN",
            ));
        }
    }
    let ks = state.session.key_store();
    let info = match ks.identity(identity) {
        Ok(i) => Some(i.info),
        Err(keystore::Error::NotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    let has_password = info.as_ref().is_some_and(|i| i.password_hash.is_some());
    if has_password {
        let presented: Vec<&SecretBytes> =
            creds.iter().filter_map(|c| c.password.as_ref()).collect();
        if presented.is_empty() {
            return Err(not_authenticated(
                "this identity has a password: send a Username and Password credential",
            ));
        }
        for p in presented {
            ks.check_password(identity, p)
                .map_err(|_| not_authenticated("wrong password"))?;
        }
    }
    let mut auth = Authenticated::default();
    if let Some(code) = creds.iter().find_map(|c| c.otp.as_ref()) {
        let code = std::str::from_utf8(code.expose())
            .map_err(|_| not_authenticated("the One Time Password is not text"))?;
        let partition = state.partition(identity)?;
        let verified = partition.verify_otp(identity, code, keystore::lifecycle::now());
        let (result, refusal) = match verified {
            Ok(()) => ("ok".to_string(), None),
            Err(keystore::Error::PinLocked) => (
                "refused: locked".to_string(),
                Some("too many wrong one-time passwords: the OTP device is locked for now"),
            ),
            Err(keystore::Error::PinIncorrect) => (
                "refused: wrong code".to_string(),
                Some("wrong one-time password"),
            ),
            Err(keystore::Error::NotFound(_)) => (
                "refused: no device".to_string(),
                Some("no OTP device is enrolled for this identity"),
            ),
            Err(keystore::Error::NotPermitted(m)) => {
                let refusal = if m.contains("already used") {
                    "this one-time password was already used"
                } else {
                    "the OTP device is not confirmed"
                };
                (format!("refused: {m}"), Some(refusal))
            }
            Err(e) => return Err(e.into()),
        };
        record(state, identity, client, "mfa.verify", None, &result);
        if let Some(message) = refusal {
            return Err(not_authenticated(message));
        }
        auth.otp = true;
    }
    if info.is_some_and(|i| i.always_requires_mfa) && !auth.otp {
        return Err(Error::kmip(
            rr::PermissionDenied,
            "a one-time password is required for every request of this identity: \
             send a One Time Password credential",
        ));
    }
    Ok(auth)
}

/// The permission a KMIP operation needs on the object it names; None for
/// operations that name no existing object (Create, Register, Locate, ...).
/// Get needs `export` instead of `get` when the object is secret (see
/// [`authorize`]).
pub fn permission(operation: u32) -> Option<Operation> {
    Some(match operation {
        op::Get | op::Export => Operation::Get,
        op::Check | op::GetAttributes | op::GetAttributeList | op::ObtainLease => {
            Operation::GetAttributes
        }
        op::AddAttribute
        | op::ModifyAttribute
        | op::DeleteAttribute
        | op::SetAttribute
        | op::AdjustAttribute
        | op::Activate
        | op::Archive
        | op::Recover
        | op::GetUsageAllocation => Operation::ModifyAttributes,
        op::Revoke => Operation::Revoke,
        op::Destroy => Operation::Destroy,
        op::Encrypt => Operation::Encrypt,
        op::Decrypt => Operation::Decrypt,
        op::Sign | op::MAC => Operation::Sign,
        op::SignatureVerify | op::MACVerify => Operation::Verify,
        op::ReKey | op::ReKeyKeyPair => Operation::Rekey,
        op::DeriveKey => Operation::Derive,
        // Certify names the public key to certify and adds a Certificate
        // Link to it; the CA key it signs with is checked for `sign` by
        // [`partition_for`].
        op::Certify => Operation::ModifyAttributes,
        _ => return None,
    })
}

/// The operations the object's MFA policy covers (empty when it has none).
/// A policy value that cannot be read covers everything: a damaged policy
/// must not turn MFA off.
pub fn mfa_policy(obj: &ManagedObject) -> Operations {
    keystore::access::mfa_policy(&obj.attributes).unwrap_or_default()
}

/// Whether a request payload names the MFA policy attribute (to add,
/// change or delete it).
fn touches_mfa_policy(payload: &Ttlv) -> bool {
    match &payload.value {
        Value::TextString(s) => s == MFA_ATTRIBUTE || s == "x-keybridge-mfa-required",
        Value::Structure(children) => children.iter().any(touches_mfa_policy),
        _ => false,
    }
}

fn object_not_found(uid: &str) -> Error {
    Error::Store(keystore::Error::NotFound(format!("object {uid}")))
}

fn mfa_required(what: &str, uid: &str) -> Error {
    Error::kmip(
        rr::PermissionDenied,
        format!(
            "a one-time password is required to {what} object {uid}: \
             send a One Time Password credential"
        ),
    )
}

/// Decides whether `ctx.identity` may run `operation` on the object the
/// payload names, and points `ctx.partition` at the partition holding it.
/// Objects in the caller's own partition are theirs; objects elsewhere need
/// a grant, and are reported not found without one (unless the caller holds
/// some other grant on it, when Permission Denied says what is missing).
/// Then the object's MFA policy is applied.
pub fn authorize(ctx: &mut Ctx<'_>, operation: u32, payload: &Ttlv) -> Result<()> {
    let Some(mut need) = permission(operation) else {
        return Ok(());
    };
    // Re-key Key Pair names the pair by its private key.
    let field = if operation == op::ReKeyKeyPair {
        Tag::PrivateKeyUniqueIdentifier
    } else {
        Tag::UniqueIdentifier
    };
    // Without a usable Unique Identifier the operation reports the problem.
    let Ok(uid) = ctx.uid_in(payload, field) else {
        return Ok(());
    };
    let ks = ctx.server.session.key_store().clone();
    let modifies = matches!(
        operation,
        op::AddAttribute
            | op::ModifyAttribute
            | op::DeleteAttribute
            | op::SetAttribute
            | op::AdjustAttribute
    );
    // Most requests name one of the caller's own objects: found in its own
    // partition (labelled with its identity), with no look-up of where the
    // object lives.
    let (label, own, partition, obj) = match ctx.partition.get(&uid) {
        Ok(obj) => (ctx.identity.to_string(), true, ctx.partition.clone(), obj),
        Err(_) => {
            let Some(label) = ks.partition_of(&uid)? else {
                return Ok(());
            };
            let own = label == ctx.identity;
            let partition = if own {
                ctx.partition.clone()
            } else {
                ctx.server.partition_by_label(&label)?
            };
            let Ok(obj) = partition.get(&uid) else {
                if own {
                    return Ok(());
                }
                return Err(object_not_found(&uid));
            };
            (label, own, partition, obj)
        }
    };
    if need == Operation::Get && obj.attributes.object_type.is_secret() {
        // The value of a secret leaves the server.
        need = Operation::Export;
    }
    if !own {
        let owner = obj
            .attributes
            .owner
            .clone()
            .unwrap_or_else(|| label.clone());
        if !ks.is_permitted(ctx.identity, &uid, Some(&owner), need)? {
            let knows = ks
                .granted_objects(ctx.identity)?
                .iter()
                .any(|(o, _)| *o == uid);
            // The client is told "not found"; the log says why.
            record(
                ctx.server,
                ctx.identity,
                ctx.client,
                "access.denied",
                Some(&uid),
                &format!("denied: no {} grant", need.name()),
            );
            if knows {
                return Err(Error::kmip(
                    rr::PermissionDenied,
                    format!(
                        "identity {} has no {} grant on object {uid}",
                        ctx.identity,
                        need.name()
                    ),
                ));
            }
            return Err(object_not_found(&uid));
        }
        // Other keys the request uses must be in the same partition and
        // granted too: the wrapping key of a Get.
        if matches!(operation, op::Get | op::Export) {
            if let Some(spec) = payload.find(Tag::KeyWrappingSpecification) {
                for info in [
                    Tag::EncryptionKeyInformation,
                    Tag::MACSignatureKeyInformation,
                ] {
                    let Some(k) = spec
                        .find(info)
                        .and_then(|i| i.find(Tag::UniqueIdentifier))
                        .and_then(|u| u.as_text().ok())
                    else {
                        continue;
                    };
                    let owner_of_k = partition
                        .get(k)
                        .ok()
                        .map(|o| o.attributes.owner.unwrap_or_else(|| label.clone()));
                    let allowed = match owner_of_k {
                        Some(o) => ks.is_permitted(ctx.identity, k, Some(&o), Operation::Wrap)?,
                        None => false,
                    };
                    if !allowed {
                        record(
                            ctx.server,
                            ctx.identity,
                            ctx.client,
                            "access.denied",
                            Some(k),
                            "denied: no wrap grant",
                        );
                        return Err(object_not_found(k));
                    }
                }
            }
        }
        if modifies && touches_mfa_policy(payload) {
            return Err(Error::kmip(
                rr::PermissionDenied,
                format!("only the owner of object {uid} may change its MFA policy"),
            ));
        }
    }
    let policy = mfa_policy(&obj);
    let covered = policy.contains(need)
        || (need == Operation::Export && policy.contains(Operation::Get))
        || (matches!(operation, op::Get | op::Export) && policy.contains(Operation::Export));
    if covered && !ctx.otp {
        record(
            ctx.server,
            ctx.identity,
            ctx.client,
            "mfa.required",
            Some(&uid),
            &format!("refused: {} needs a one-time password", need.name()),
        );
        return Err(mfa_required(need.name(), &uid));
    }
    if policy.0 != 0 && !ctx.otp && modifies && touches_mfa_policy(payload) {
        return Err(mfa_required("change the MFA policy of", &uid));
    }
    ctx.partition = partition;
    ctx.opened = Some(obj);
    Ok(())
}

/// The partition holding `uid`, a second object an operation uses beside
/// the one it names (the CA key of Certify), when `ctx.identity` may use it
/// for `need`: by the rules of [`authorize`], its own objects, others with
/// a grant of `need` (without one: not found, the log says why), and not
/// without a One Time Password when the object's MFA policy covers `need`.
pub fn partition_for(ctx: &Ctx<'_>, uid: &str, need: Operation) -> Result<Partition> {
    let ks = ctx.server.session.key_store().clone();
    let label = ks.partition_of(uid)?.ok_or_else(|| object_not_found(uid))?;
    let own = label == ctx.identity;
    let partition = ctx.server.partition_by_label(&label)?;
    let obj = partition.get(uid).map_err(|_| object_not_found(uid))?;
    if !own {
        let owner = obj.attributes.owner.as_deref().unwrap_or(&label);
        if !ks.is_permitted(ctx.identity, uid, Some(owner), need)? {
            record(
                ctx.server,
                ctx.identity,
                ctx.client,
                "access.denied",
                Some(uid),
                &format!("denied: no {} grant", need.name()),
            );
            return Err(object_not_found(uid));
        }
    }
    if mfa_policy(&obj).contains(need) && !ctx.otp {
        record(
            ctx.server,
            ctx.identity,
            ctx.client,
            "mfa.required",
            Some(uid),
            &format!("refused: {} needs a one-time password", need.name()),
        );
        return Err(mfa_required(need.name(), uid));
    }
    Ok(partition)
}

/// Whether Locate may return `obj` to `ctx.identity`: objects in the
/// caller's own partition always, others with a grant of `locate`; and not
/// without a One Time Password when the object's policy covers locate.
pub fn may_locate(ctx: &Ctx<'_>, obj: &ManagedObject, label: &str) -> Result<bool> {
    if label != ctx.identity {
        let owner = obj.attributes.owner.as_deref().unwrap_or(label);
        let ks = ctx.server.session.key_store();
        if !ks.is_permitted(ctx.identity, &obj.uid, Some(owner), Operation::Locate)? {
            return Ok(false);
        }
    }
    Ok(ctx.otp || !mfa_policy(obj).contains(Operation::Locate))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_object_operation_needs_a_permission() {
        for o in [
            op::Get,
            op::Export,
            op::Check,
            op::GetAttributes,
            op::GetAttributeList,
            op::AddAttribute,
            op::ModifyAttribute,
            op::DeleteAttribute,
            op::SetAttribute,
            op::AdjustAttribute,
            op::Activate,
            op::Revoke,
            op::Destroy,
            op::Archive,
            op::Recover,
            op::ObtainLease,
            op::GetUsageAllocation,
            op::Encrypt,
            op::Decrypt,
            op::Sign,
            op::SignatureVerify,
            op::MAC,
            op::MACVerify,
            op::ReKey,
            op::ReKeyKeyPair,
            op::Certify,
            op::DeriveKey,
        ] {
            assert!(permission(o).is_some(), "{o:#x}");
        }
        for o in [
            op::Create,
            op::Register,
            op::Locate,
            op::Query,
            op::SetEndpointRole,
        ] {
            assert!(permission(o).is_none());
        }
    }

    #[test]
    fn the_policy_attribute_is_found_anywhere_in_a_payload() {
        let p = Ttlv::structure(
            Tag::RequestPayload,
            vec![Ttlv::structure(
                Tag::Attribute,
                vec![
                    Ttlv::text(Tag::VendorIdentification, "keybridge"),
                    Ttlv::text(Tag::AttributeName, "mfa-required"),
                ],
            )],
        );
        assert!(touches_mfa_policy(&p));
        assert!(!touches_mfa_policy(&Ttlv::structure(
            Tag::RequestPayload,
            vec![Ttlv::text(Tag::AttributeName, "x-other")]
        )));
    }
}
