//! C_GenerateKeyPair (PKCS#11 3.0 §5.14.2) with RSA_PKCS_KEY_PAIR_GEN,
//! EC_KEY_PAIR_GEN, EC_EDWARDS_KEY_PAIR_GEN and EC_MONTGOMERY_KEY_PAIR_GEN
//! (Current Mechanisms §2.1.4, §2.3.5, §2.3.7, §2.3.9). Both halves share
//! one CKA_ID (the caller's, else a random one), so a certificate stored
//! later with that id pairs with them.

use crate::asym::{self, Kind};
use crate::attrs::{ulong, Template};
use crate::error::{fail, Error, Result};
use crate::mechanism::{self, Mechanism, Param};
use crate::objects::in_session;
use crate::template::{self, Phase};
use cryptoki_sys::*;
use keystore::crypto::generate::{self, KeyPairSpec, RSA_MAX_BITS, RSA_MIN_BITS};
use keystore::crypto::keys::RawKeyKind;
use keystore::crypto::random;
use keystore::object::UsageMask;
use keystore::{keygen, Attributes, ObjectType, SecretBytes};

/// The usages a new key of type `kt` has unless its template says
/// otherwise: what the key type can do (RSA everything, EC sign and
/// derive, Edwards sign, Montgomery derive).
pub fn default_usage(private: bool, kt: CK_KEY_TYPE) -> UsageMask {
    let bits = match (kt, private) {
        (CKK_RSA, false) => UsageMask::ENCRYPT | UsageMask::VERIFY | UsageMask::WRAP_KEY,
        (CKK_RSA, true) => UsageMask::DECRYPT | UsageMask::SIGN | UsageMask::UNWRAP_KEY,
        (CKK_EC, false) | (CKK_EC_EDWARDS, false) => UsageMask::VERIFY,
        (CKK_EC, true) => UsageMask::SIGN | UsageMask::DERIVE_KEY,
        (CKK_EC_EDWARDS, true) => UsageMask::SIGN,
        (CKK_EC_MONTGOMERY, _) => UsageMask::DERIVE_KEY,
        _ => 0,
    };
    UsageMask(bits)
}

/// The key pair the mechanism and the templates ask for.
fn spec_of(m: &Mechanism, public: &Template, private: &Template) -> Result<(Kind, KeyPairSpec)> {
    let ec_params = || {
        public
            .get(CKA_EC_PARAMS)
            .or_else(|| private.get(CKA_EC_PARAMS))
    };
    let kind_from = |want: CK_KEY_TYPE, default: Option<Kind>| -> Result<Kind> {
        let kind = match (ec_params(), default) {
            (Some(p), _) => asym::parse_ec_params(p)?,
            (None, Some(k)) => k,
            (None, None) => return fail(CKR_TEMPLATE_INCOMPLETE, "CKA_EC_PARAMS is required"),
        };
        if kind.key_type() != want {
            return fail(
                CKR_TEMPLATE_INCONSISTENT,
                "CKA_EC_PARAMS names a curve of another key type",
            );
        }
        Ok(kind)
    };
    let kind = match m.ty {
        CKM_RSA_PKCS_KEY_PAIR_GEN => {
            let bits = public.ulong(CKA_MODULUS_BITS)?.ok_or_else(|| {
                Error::rv(CKR_TEMPLATE_INCOMPLETE, "CKA_MODULUS_BITS is required")
            })?;
            if !(RSA_MIN_BITS as CK_ULONG..=RSA_MAX_BITS as CK_ULONG).contains(&bits)
                || bits % 8 != 0
            {
                return fail(
                    CKR_KEY_SIZE_RANGE,
                    format!("RSA keys are {RSA_MIN_BITS} to {RSA_MAX_BITS} bits, multiples of 8"),
                );
            }
            let spec = KeyPairSpec::Rsa {
                bits: bits as u32,
                public_exponent: public.get(CKA_PUBLIC_EXPONENT).map(<[u8]>::to_vec),
            };
            return Ok((Kind::Rsa, spec));
        }
        CKM_EC_KEY_PAIR_GEN => kind_from(CKK_EC, None)?,
        CKM_EC_EDWARDS_KEY_PAIR_GEN => {
            kind_from(CKK_EC_EDWARDS, Some(Kind::Raw(RawKeyKind::Ed25519)))?
        }
        CKM_EC_MONTGOMERY_KEY_PAIR_GEN => {
            kind_from(CKK_EC_MONTGOMERY, Some(Kind::Raw(RawKeyKind::X25519)))?
        }
        _ => return fail(CKR_MECHANISM_INVALID, format!("mechanism {:#x}", m.ty)),
    };
    let spec = kind
        .spec()
        .ok_or_else(|| Error::general("no spec for the kind"))?;
    Ok((kind, spec))
}

/// Checks CKA_CLASS and CKA_KEY_TYPE of a half's template.
fn check_half(t: &Template, class: CK_OBJECT_CLASS, kt: CK_KEY_TYPE) -> Result<()> {
    if t.ulong(CKA_CLASS)?.is_some_and(|c| c != class) {
        return fail(CKR_TEMPLATE_INCONSISTENT, "wrong CKA_CLASS for this half");
    }
    if t.ulong(CKA_KEY_TYPE)?.is_some_and(|k| k != kt) {
        return fail(CKR_TEMPLATE_INCONSISTENT, "CKA_KEY_TYPE does not match");
    }
    Ok(())
}

/// Builds the attributes of one half from its template.
fn half(
    t: &Template,
    object_type: ObjectType,
    kind: Kind,
    mech: CK_MECHANISM_TYPE,
    so: bool,
) -> Result<Attributes> {
    let mut a = template::new_attributes(object_type);
    a.usage = default_usage(object_type == ObjectType::PrivateKey, kind.key_type());
    template::apply(&mut a, t, Phase::Generate, so)?;
    a.pkcs11_extra
        .insert(CKA_KEY_GEN_MECHANISM as u64, ulong(mech));
    Ok(a)
}

/// C_GenerateKeyPair: returns (public, private) handles.
pub fn generate_key_pair(
    h: CK_SESSION_HANDLE,
    m: &Mechanism,
    public_t: &Template,
    private_t: &Template,
) -> Result<(CK_OBJECT_HANDLE, CK_OBJECT_HANDLE)> {
    in_session(h, |md, s| {
        mechanism::require(m.ty, CKF_GENERATE_KEY_PAIR)?;
        if !matches!(m.param, Param::None) && m.param != Param::Bytes(Vec::new()) {
            return fail(
                CKR_MECHANISM_PARAM_INVALID,
                "key pair generation takes no parameter",
            );
        }
        let (kind, spec) = spec_of(m, public_t, private_t)?;
        let kt = kind.key_type();
        check_half(public_t, CKO_PUBLIC_KEY, kt)?;
        check_half(private_t, CKO_PRIVATE_KEY, kt)?;
        let so = md.login_user(s.slot) == Some(CKU_SO);
        let mut public = half(public_t, ObjectType::PublicKey, kind, m.ty, so)?;
        let mut private = half(private_t, ObjectType::PrivateKey, kind, m.ty, so)?;
        let public_token = public_t.bool(CKA_TOKEN)?.unwrap_or(false);
        let private_token = private_t.bool(CKA_TOKEN)?.unwrap_or(false);
        if public_token {
            super::keymgmt::precheck_token(md, s, &public)?;
        }
        if private_token {
            super::keymgmt::precheck_token(md, s, &private)?;
        }
        if public_token && private_token {
            // Both in the store: linked halves, written together.
            let p = md.partition(s.slot)?;
            let ids = keygen::generate_key_pair(&p, &spec, private.clone(), public.clone())?;
            let mut objects = md.objects.lock();
            let hp = objects.handle_for(s.slot, &ids.public, None, public.flags.private);
            let hk = objects.handle_for(s.slot, &ids.private, None, private.flags.private);
            return Ok((hp, hk));
        }
        let kp = generate::generate_key_pair(spec.clone())?;
        let (alg, len, curve) = keygen::pair_algorithm(&spec);
        let key_id = match private.key_id.clone().or_else(|| public.key_id.clone()) {
            Some(id) => id,
            None => random::random_bytes(16)?,
        };
        for a in [&mut public, &mut private] {
            a.algorithm = Some(alg);
            a.length = Some(len);
            a.curve = curve;
            a.key_id = Some(key_id.clone());
            a.flags.local = true;
            a.flags.always_sensitive = a.flags.sensitive;
            a.flags.never_extractable = !a.flags.extractable;
        }
        let hp = md.store_new(
            s,
            public_token,
            public,
            Some(SecretBytes::new(kp.public_spki)),
        )?;
        match md.store_new(s, private_token, private, Some(kp.private_pkcs8)) {
            Ok(hk) => Ok((hp, hk)),
            Err(e) => {
                // Leave no half pair behind.
                if let Ok(o) = md.load(s, hp) {
                    if o.token {
                        if let Ok(p) = md.partition(s.slot) {
                            let _ = p.delete(&o.uid);
                        }
                    }
                }
                md.objects.lock().forget(hp);
                Err(e)
            }
        }
    })
}
