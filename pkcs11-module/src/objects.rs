//! Object management (PKCS#11 3.0 §5.7): creating, copying, destroying,
//! reading and changing attributes, and searching. Token objects live in
//! the store's partition; session objects in this process's memory.

use crate::attrs::{self, AttrOut, Obj, Template};
use crate::error::{fail, Error, Result};
use crate::key_cache::{Loaded, Version};
use crate::key_use::{self, Management};
use crate::session::Session;
use crate::state::{module, Module, ObjRef, SessionObject};
use crate::template::{self, Phase};
use cryptoki_sys::*;
use keystore::lifecycle::Usage;
use keystore::{Attributes, Filter, ObjectType, SecretBytes};
use std::sync::Arc;

impl Module {
    fn obj_ref(&self, h: CK_OBJECT_HANDLE) -> Result<ObjRef> {
        self.objects
            .lock()
            .by_handle
            .get(&h)
            .cloned()
            .ok_or_else(|| Error::rv(CKR_OBJECT_HANDLE_INVALID, format!("no object {h}")))
    }

    /// The object `h` as session `s` may see it. Token objects opened under
    /// a login come from the login's cache when the store still holds them
    /// unchanged ([`crate::key_cache`]).
    pub fn load(&self, s: &Session, h: CK_OBJECT_HANDLE) -> Result<Arc<Loaded>> {
        self.load_at(s, h, Version::Now)
    }

    /// [`Module::load`] with the store version read by the caller for this
    /// call (one read serves the key and the identity's policy).
    pub fn load_at(&self, s: &Session, h: CK_OBJECT_HANDLE, v: Version) -> Result<Arc<Loaded>> {
        let r = self.obj_ref(h)?;
        let invalid = || Error::rv(CKR_OBJECT_HANDLE_INVALID, format!("no object {h}"));
        if r.slot != s.slot {
            return Err(invalid());
        }
        let o = match &r.session {
            Some(_) => {
                let so = self
                    .objects
                    .lock()
                    .session_objects
                    .get(&r.uid)
                    .cloned()
                    .ok_or_else(invalid)?;
                Loaded::new(Obj {
                    uid: r.uid.clone(),
                    attrs: so.attrs,
                    value: so.value,
                    token: false,
                })
            }
            None => self
                .load_token_object(s.slot, &r.uid, v)
                .map_err(|e| match e {
                    Error::Store(keystore::Error::NotFound(_)) => invalid(),
                    e => e,
                })?,
        };
        if o.attrs.flags.private && !self.user_logged_in(s.slot) {
            return Err(invalid());
        }
        Ok(o)
    }

    /// A token object of `slot`: from the login's cache if still current,
    /// else read, opened and (under a login) cached.
    fn load_token_object(&self, slot: CK_SLOT_ID, uid: &str, v: Version) -> Result<Arc<Loaded>> {
        let open = || -> Result<Arc<Loaded>> {
            let mo = self.partition(slot)?.get(uid)?;
            Ok(Loaded::new(Obj {
                uid: mo.uid,
                attrs: mo.attributes,
                value: mo.value,
                token: true,
            }))
        };
        let Some(version) = v.read(self) else {
            return open();
        };
        let Some(watch) = &self.watch else {
            return open();
        };
        let hit = self.with_login_cache(slot, |c| c.and_then(|c| c.get(uid, version, watch)));
        if let Some(hit) = hit {
            return Ok(hit);
        }
        let Some(cache) = self.login_cache(slot) else {
            return open();
        };
        // The row first, then the object: a change in between leaves the
        // cached row older than the store's, so the next use reopens it.
        let row = self.ks.store().get_object(uid)?;
        let loaded = open()?;
        if let Some(row) = row {
            cache.put(&row, version, loaded.clone());
        }
        Ok(loaded)
    }

    /// Drops `uid` from the cache of `slot`'s login (changed or destroyed
    /// by this process; other processes' changes are found by version).
    pub fn forget_cached(&self, slot: CK_SLOT_ID, uid: &str) {
        if let Some(cache) = self.login_cache(slot) {
            cache.forget(uid);
        }
    }

    /// The key `h` for a cryptographic use: it must be visible, hold a value
    /// and be in a state that permits `usage` now.
    pub fn load_key(&self, s: &Session, h: CK_OBJECT_HANDLE, usage: Usage) -> Result<Arc<Loaded>> {
        self.load_key_at(s, h, usage, Version::Now)
    }

    /// [`Module::load_key`] at the caller's store version.
    pub fn load_key_at(
        &self,
        s: &Session,
        h: CK_OBJECT_HANDLE,
        usage: Usage,
        v: Version,
    ) -> Result<Arc<Loaded>> {
        let o = self.load_at(s, h, v)?;
        let key_invalid = |m: &str| Error::rv(CKR_KEY_HANDLE_INVALID, m.to_string());
        if o.value.is_none() {
            return Err(key_invalid("the key has no value"));
        }
        o.attrs
            .lifecycle
            .check(usage, keystore::lifecycle::now())
            .map_err(|e| Error::rv(CKR_KEY_FUNCTION_NOT_PERMITTED, e.to_string()))?;
        Ok(o)
    }

    /// Stores a new object for session `s` and returns its handle.
    pub fn store_new(
        &self,
        s: &Session,
        token: bool,
        attrs: Attributes,
        value: Option<SecretBytes>,
    ) -> Result<CK_OBJECT_HANDLE> {
        let user = self.login_user(s.slot);
        if attrs.flags.private && user != Some(CKU_USER) {
            return fail(CKR_USER_NOT_LOGGED_IN, "private objects need the user");
        }
        let private = attrs.flags.private;
        if token {
            if !s.rw {
                return fail(CKR_SESSION_READ_ONLY, "token objects need a R/W session");
            }
            let p = self.partition(s.slot)?;
            if !p.is_unlocked() {
                return fail(CKR_USER_NOT_LOGGED_IN, "token objects need a login");
            }
            let uid = p.create(attrs, value)?;
            Ok(self.objects.lock().handle_for(s.slot, &uid, None, private))
        } else {
            let uid = uuid::Uuid::new_v4().to_string();
            let mut objects = self.objects.lock();
            objects
                .session_objects
                .insert(uid.clone(), SessionObject { attrs, value });
            Ok(objects.handle_for(s.slot, &uid, Some(s.handle), private))
        }
    }

    /// Rewrites the attributes of `o` with `change`.
    pub fn update(
        &self,
        s: &Session,
        o: &Obj,
        change: impl Fn(&mut Attributes) -> Result<()>,
    ) -> Result<()> {
        if o.token {
            if !s.rw {
                return fail(CKR_SESSION_READ_ONLY, "token objects need a R/W session");
            }
            let p = self.partition(s.slot)?;
            if !p.is_unlocked() {
                return fail(
                    CKR_USER_NOT_LOGGED_IN,
                    "changing token objects needs a login",
                );
            }
            let mut inner: Option<Error> = None;
            let r = p.update(&o.uid, |mo| {
                change(&mut mo.attributes).map_err(|e| {
                    let msg = e.to_string();
                    inner = Some(e);
                    keystore::Error::NotPermitted(msg)
                })
            });
            self.forget_cached(s.slot, &o.uid);
            match (r, inner) {
                (Ok(_), _) => Ok(()),
                (Err(_), Some(e)) => Err(e),
                (Err(keystore::Error::NotPermitted(m)), None) => fail(CKR_ATTRIBUTE_READ_ONLY, m),
                (Err(e), None) => Err(e.into()),
            }
        } else {
            let mut objects = self.objects.lock();
            let so = objects
                .session_objects
                .get_mut(&o.uid)
                .ok_or_else(|| Error::rv(CKR_OBJECT_HANDLE_INVALID, "session object gone"))?;
            let mut a = so.attrs.clone();
            change(&mut a)?;
            a.track_sensitivity();
            so.attrs = a;
            Ok(())
        }
    }
}

fn with_session<T>(
    h: CK_SESSION_HANDLE,
    f: impl FnOnce(&Module, &mut Session) -> Result<T>,
) -> Result<T> {
    let m = module()?;
    let s = m.session(h)?;
    let mut s = s.lock();
    f(&m, &mut s)
}

/// Splits a creation template into (token?, attributes, value) for a new
/// object of the template's class (C_CreateObject).
fn build_object(
    m: &Module,
    s: &Session,
    t: &Template,
) -> Result<(bool, Attributes, Option<SecretBytes>)> {
    let object_type = template::object_type_of(t, None)?;
    let token = t.bool(CKA_TOKEN)?.unwrap_or(false);
    let mut a = template::new_attributes(object_type);
    let so = m.login_user(s.slot) == Some(CKU_SO);
    let value = t.get(CKA_VALUE).map(SecretBytes::from_slice);
    if object_type == ObjectType::SymmetricKey {
        let kt = t
            .ulong(CKA_KEY_TYPE)?
            .ok_or_else(|| Error::rv(CKR_TEMPLATE_INCOMPLETE, "CKA_KEY_TYPE is required"))?;
        let alg = attrs::secret_algorithm(kt)?;
        let v = value
            .as_ref()
            .ok_or_else(|| Error::rv(CKR_TEMPLATE_INCOMPLETE, "CKA_VALUE is required"))?;
        attrs::check_secret_len(alg, v.len(), CKR_ATTRIBUTE_VALUE_INVALID)?;
        a.algorithm = Some(alg);
        a.length = Some((v.len() * 8) as u32);
    }
    let value = match object_type {
        ObjectType::PublicKey | ObjectType::PrivateKey => {
            a.usage = crate::ops::keypair::default_usage(
                object_type == ObjectType::PrivateKey,
                t.ulong(CKA_KEY_TYPE)?.unwrap_or(CKK_RSA),
            );
            Some(crate::asym::import(&mut a, t)?)
        }
        ObjectType::Certificate => Some(crate::asym::cert::import(t)?),
        _ => value,
    };
    // CKA_SENSITIVE's default is token-specific and may depend on other
    // attributes (PKCS#11 3.0 §4.10, secret key attributes). A secret
    // key whose value the caller supplied here is not sensitive unless the
    // template says so: the caller holds that value already, and portable
    // applications that want it protected set CKA_SENSITIVE, since they
    // cannot rely on a default. Keys generated, derived or unwrapped in the
    // token, and imported private keys, stay sensitive by default.
    if object_type == ObjectType::SymmetricKey && t.get(CKA_SENSITIVE).is_none() {
        a.flags.sensitive = false;
    }
    template::apply(&mut a, t, Phase::Create, so)?;
    // Imported, not generated: the store-maintained flags start false.
    a.flags.local = false;
    a.flags.always_sensitive = false;
    a.flags.never_extractable = false;
    let value = value.or_else(|| Some(SecretBytes::new(Vec::new())));
    Ok((token, a, value))
}

/// C_CreateObject (§5.7.1).
pub fn create_object(h: CK_SESSION_HANDLE, t: &Template) -> Result<CK_OBJECT_HANDLE> {
    with_session(h, |m, s| {
        let (token, a, value) = build_object(m, s, t)?;
        m.store_new(s, token, a, value)
    })
}

/// The object `obj` of a management call (C_CopyObject, C_DestroyObject,
/// C_SetAttributeValue). A call that fails to find it still consumes the
/// session's armed context-specific login, like one that finds it
/// ([`key_use::manage`]).
fn load_managed(m: &Module, s: &mut Session, obj: CK_OBJECT_HANDLE) -> Result<Arc<Loaded>> {
    let o = m.load(s, obj);
    if o.is_err() {
        s.armed_context_login = false;
    }
    o
}

/// C_CopyObject (§5.7.2). Needs the armed context-specific login when the
/// object's MFA policy covers `get` or `export` ([`key_use::manage`]).
pub fn copy_object(
    h: CK_SESSION_HANDLE,
    obj: CK_OBJECT_HANDLE,
    t: &Template,
) -> Result<CK_OBJECT_HANDLE> {
    with_session(h, |m, s| {
        let o = load_managed(m, s, obj)?;
        let detail = Some(key_use::attribute_types(t));
        key_use::manage(m, s, &o, Management::Copy, detail, |m, s| {
            if !o.attrs.flags.copyable {
                return fail(CKR_ACTION_PROHIBITED, "CKA_COPYABLE is false");
            }
            let mut a = o.attrs.clone();
            let so = m.login_user(s.slot) == Some(CKU_SO);
            template::apply(&mut a, t, Phase::Copy, so)?;
            a.track_sensitivity();
            let token = t.bool(CKA_TOKEN)?.unwrap_or(o.token);
            let now = keystore::lifecycle::now();
            a.lifecycle.initial_date = now;
            a.lifecycle.last_change_date = now;
            m.store_new(s, token, a, o.value.clone())
        })
    })
}

/// C_DestroyObject (§5.7.3). Needs the armed context-specific login when
/// the object's MFA policy covers `destroy`, or for a private or secret key
/// of an identity with `always_requires_mfa`; audited for keys
/// ([`key_use::manage`]).
pub fn destroy_object(h: CK_SESSION_HANDLE, obj: CK_OBJECT_HANDLE) -> Result<()> {
    with_session(h, |m, s| {
        let o = load_managed(m, s, obj)?;
        key_use::manage(m, s, &o, Management::Destroy, None, |m, s| {
            if !o.attrs.flags.destroyable {
                return fail(CKR_ACTION_PROHIBITED, "CKA_DESTROYABLE is false");
            }
            if o.token {
                if !s.rw {
                    return fail(CKR_SESSION_READ_ONLY, "token objects need a R/W session");
                }
                let p = m.partition(s.slot)?;
                if !p.is_unlocked() {
                    return fail(
                        CKR_USER_NOT_LOGGED_IN,
                        "destroying token objects needs a login",
                    );
                }
                p.delete(&o.uid)?;
                m.forget_cached(s.slot, &o.uid);
            }
            m.objects.lock().forget(obj);
            Ok(())
        })
    })
}

/// C_GetObjectSize (§5.7.4): the size of the stored record, approximately.
pub fn object_size(h: CK_SESSION_HANDLE, obj: CK_OBJECT_HANDLE) -> Result<CK_ULONG> {
    with_session(h, |m, s| {
        let o = m.load(s, obj)?;
        let attrs = serde_json::to_vec(&o.attrs).map(|v| v.len()).unwrap_or(0);
        Ok((attrs + o.value.as_ref().map_or(0, |v| v.len())) as CK_ULONG)
    })
}

/// C_GetAttributeValue (§5.7.5): one result per requested type. Not gated
/// by a `get-attributes` MFA policy (see [`key_use::Management`]).
pub fn attribute_values(
    h: CK_SESSION_HANDLE,
    obj: CK_OBJECT_HANDLE,
    types: &[CK_ATTRIBUTE_TYPE],
) -> Result<Vec<AttrOut>> {
    with_session(h, |m, s| {
        let o = m.load(s, obj)?;
        types
            .iter()
            .map(|t| match *t {
                // True when any use needs the context-specific login, also
                // by the key's or the identity's MFA policy (see
                // crate::key_use::always_authenticate).
                CKA_ALWAYS_AUTHENTICATE => {
                    Ok(match crate::key_use::always_authenticate(m, s.slot, &o)? {
                        Some(b) => AttrOut::Value(attrs::bbool(b)),
                        None => attrs::get(&o, *t),
                    })
                }
                _ => Ok(attrs::get(&o, *t)),
            })
            .collect()
    })
}

/// C_SetAttributeValue (§5.7.6). Needs the armed context-specific login
/// when the object's MFA policy covers `modify-attributes`; audited for
/// keys with the attribute types, never their values ([`key_use::manage`]).
pub fn set_attribute_values(
    h: CK_SESSION_HANDLE,
    obj: CK_OBJECT_HANDLE,
    t: &Template,
) -> Result<()> {
    with_session(h, |m, s| {
        let o = load_managed(m, s, obj)?;
        let detail = Some(key_use::attribute_types(t));
        key_use::manage(m, s, &o, Management::ModifyAttributes, detail, |m, s| {
            if !o.attrs.flags.modifiable {
                return fail(CKR_ACTION_PROHIBITED, "CKA_MODIFIABLE is false");
            }
            let so = m.login_user(s.slot) == Some(CKU_SO);
            m.update(s, &o, |a| template::apply(a, t, Phase::Set, so))
        })
    })
}

/// C_FindObjectsInit (§5.7.7): the matching handles are collected now.
pub fn find_init(h: CK_SESSION_HANDLE, t: &Template) -> Result<()> {
    with_session(h, |m, s| {
        if s.find.is_some() {
            return fail(CKR_OPERATION_ACTIVE, "a search is under way");
        }
        let user = m.user_logged_in(s.slot);
        let mut found = Vec::new();
        let p = m.partition(s.slot)?;
        let mut filter = Filter::default();
        if let Some(l) = t.get(CKA_LABEL) {
            match String::from_utf8(l.to_vec()) {
                Ok(l) => filter.label = Some(l),
                Err(_) => {
                    s.find = Some(Vec::new());
                    return Ok(());
                }
            }
        }
        if let Some(id) = t.get(CKA_ID) {
            filter.key_id = Some(id.to_vec());
        }
        for mo in p.find(&filter)? {
            if mo.attributes.flags.private && !user {
                continue;
            }
            // A key the KMIP server keeps without a usable algorithm, or a
            // KMIP Template: not a PKCS#11 object.
            if crate::asym::is_unusable_key(&mo.attributes)
                || mo.attributes.object_type == keystore::ObjectType::Template
            {
                continue;
            }
            let o = Obj {
                uid: mo.uid,
                attrs: mo.attributes,
                value: mo.value,
                token: true,
            };
            if attrs::matches(&o, t) {
                let private = o.attrs.flags.private;
                found.push(m.objects.lock().handle_for(s.slot, &o.uid, None, private));
            }
        }
        let objects = m.objects.lock();
        let mut session_found: Vec<CK_OBJECT_HANDLE> = objects
            .by_handle
            .iter()
            .filter(|(_, r)| r.slot == s.slot && r.session.is_some())
            .filter_map(|(hh, r)| {
                let so = objects.session_objects.get(&r.uid)?;
                if so.attrs.flags.private && !user {
                    return None;
                }
                let o = Obj {
                    uid: r.uid.clone(),
                    attrs: so.attrs.clone(),
                    value: so.value.clone(),
                    token: false,
                };
                attrs::matches(&o, t).then_some(*hh)
            })
            .collect();
        session_found.sort_unstable();
        found.extend(session_found);
        s.find = Some(found);
        Ok(())
    })
}

/// C_FindObjects (§5.7.8): up to `max` more handles.
pub fn find_next(h: CK_SESSION_HANDLE, max: usize) -> Result<Vec<CK_OBJECT_HANDLE>> {
    with_session(h, |_, s| {
        let list = s
            .find
            .as_mut()
            .ok_or_else(|| Error::rv(CKR_OPERATION_NOT_INITIALIZED, "no search"))?;
        let n = max.min(list.len());
        Ok(list.drain(..n).collect())
    })
}

/// C_FindObjectsFinal (§5.7.9).
pub fn find_final(h: CK_SESSION_HANDLE) -> Result<()> {
    with_session(h, |_, s| {
        if s.find.take().is_none() {
            return fail(CKR_OPERATION_NOT_INITIALIZED, "no search");
        }
        Ok(())
    })
}

/// Runs `f` with the module and the locked session `h`.
pub fn in_session<T>(
    h: CK_SESSION_HANDLE,
    f: impl FnOnce(&Module, &mut Session) -> Result<T>,
) -> Result<T> {
    with_session(h, f)
}
