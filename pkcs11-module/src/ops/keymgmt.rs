//! Key management (PKCS#11 3.0 §5.14): C_GenerateKey, C_WrapKey,
//! C_UnwrapKey and C_DeriveKey for secret keys (wrapped under AES or RSA);
//! C_UnwrapKey also takes private keys (a PKCS#8 PrivateKeyInfo wrapped
//! under AES, for instance with CKM_AES_KEY_WRAP_KWP, RFC 5649).
//! C_GenerateKeyPair is in [`super::keypair`], ECDH in [`super::ecdh`].

use super::crypt::{cipher_kind, key_for, run_once, CryptKind};
use super::{emit, Out};
use crate::asym::{self, Kind};
use crate::attrs::{self, decode_nested, key_type_of, ulong, Obj, Template};
use crate::error::{fail, Error, Result};
use crate::key_use::KeyCall;
use crate::mechanism::{self, Mechanism, Param};
use crate::objects::in_session;
use crate::session::Session;
use crate::state::Module;
use crate::template::{self, Phase};
use cryptoki_sys::*;
use keystore::access::Operation;
use keystore::crypto::cipher::{CipherMode, Direction};
use keystore::crypto::digest::DigestAlgorithm;
use keystore::crypto::generate::{self, SymmetricAlgorithm};
use keystore::crypto::keys::{self, AsymmetricKind, RawKeyKind};
use keystore::crypto::wrap;
use keystore::lifecycle::Usage;
use keystore::object::UsageMask;
use keystore::{keygen, Algorithm, ObjectType, SecretBytes};

/// The key type a secret key generation mechanism makes.
fn keygen_type(ty: CK_MECHANISM_TYPE) -> Result<CK_KEY_TYPE> {
    Ok(match ty {
        CKM_AES_KEY_GEN => CKK_AES,
        CKM_GENERIC_SECRET_KEY_GEN => CKK_GENERIC_SECRET,
        CKM_SHA_1_KEY_GEN => CKK_SHA_1_HMAC,
        CKM_SHA224_KEY_GEN => CKK_SHA224_HMAC,
        CKM_SHA256_KEY_GEN => CKK_SHA256_HMAC,
        CKM_SHA384_KEY_GEN => CKK_SHA384_HMAC,
        CKM_SHA512_KEY_GEN => CKK_SHA512_HMAC,
        CKM_SHA3_224_KEY_GEN => CKK_SHA3_224_HMAC,
        CKM_SHA3_256_KEY_GEN => CKK_SHA3_256_HMAC,
        CKM_SHA3_384_KEY_GEN => CKK_SHA3_384_HMAC,
        CKM_SHA3_512_KEY_GEN => CKK_SHA3_512_HMAC,
        _ => return fail(CKR_MECHANISM_INVALID, format!("mechanism {ty:#x}")),
    })
}

fn symmetric(alg: Algorithm) -> Result<SymmetricAlgorithm> {
    Ok(match alg {
        Algorithm::Aes => SymmetricAlgorithm::Aes,
        Algorithm::GenericSecret => SymmetricAlgorithm::GenericSecret,
        Algorithm::Hmac(d) => SymmetricAlgorithm::Hmac(d),
        Algorithm::ChaCha20 => SymmetricAlgorithm::ChaCha20,
        Algorithm::TripleDes => SymmetricAlgorithm::TripleDes,
        _ => return fail(CKR_TEMPLATE_INCONSISTENT, "not a secret key type"),
    })
}

/// Checks CKA_CLASS and CKA_KEY_TYPE of `t` against what is being made.
fn check_class_and_type(t: &Template, key_type: CK_KEY_TYPE) -> Result<()> {
    if t.ulong(CKA_CLASS)?.is_some_and(|c| c != CKO_SECRET_KEY) {
        return fail(CKR_TEMPLATE_INCONSISTENT, "only secret keys here");
    }
    if t.ulong(CKA_KEY_TYPE)?.is_some_and(|k| k != key_type) {
        return fail(CKR_TEMPLATE_INCONSISTENT, "key type does not match");
    }
    Ok(())
}

/// C_GenerateKey (§5.14.1).
pub fn generate_key(h: CK_SESSION_HANDLE, m: &Mechanism, t: &Template) -> Result<CK_OBJECT_HANDLE> {
    in_session(h, |md, s| {
        mechanism::require(m.ty, CKF_GENERATE)?;
        if m.ty == CKM_PKCS5_PBKD2 {
            return super::pbkdf2::generate(md, s, m, t);
        }
        if !matches!(m.param, Param::None) && m.param != Param::Bytes(Vec::new()) {
            return fail(
                CKR_MECHANISM_PARAM_INVALID,
                "key generation takes no parameter",
            );
        }
        let kt = keygen_type(m.ty)?;
        check_class_and_type(t, kt)?;
        let alg = attrs::secret_algorithm(kt)?;
        let len = match (t.ulong(CKA_VALUE_LEN)?, alg) {
            (Some(n), _) => n as usize,
            (None, Algorithm::Hmac(d)) => d.output_len(),
            (None, _) => return fail(CKR_TEMPLATE_INCOMPLETE, "CKA_VALUE_LEN is required"),
        };
        attrs::check_secret_len(alg, len, CKR_KEY_SIZE_RANGE)?;
        let mut a = template::new_attributes(ObjectType::SymmetricKey);
        let so = md.login_user(s.slot) == Some(CKU_SO);
        template::apply(&mut a, t, Phase::Generate, so)?;
        a.pkcs11_extra
            .insert(CKA_KEY_GEN_MECHANISM as u64, ulong(m.ty));
        let token = t.bool(CKA_TOKEN)?.unwrap_or(false);
        let bits = (len * 8) as u32;
        let sym = symmetric(alg)?;
        if token {
            precheck_token(md, s, &a)?;
            let p = md.partition(s.slot)?;
            let uid = keygen::generate_secret_key(&p, sym, bits, a.clone())?;
            return Ok(md
                .objects
                .lock()
                .handle_for(s.slot, &uid, None, a.flags.private));
        }
        let value = generate::generate_secret(sym, bits)?;
        a.object_type = ObjectType::SymmetricKey;
        a.algorithm = Some(keygen::symmetric_algorithm(sym));
        a.length = Some(bits);
        a.flags.local = true;
        a.flags.always_sensitive = a.flags.sensitive;
        a.flags.never_extractable = !a.flags.extractable;
        md.store_new(s, false, a, Some(value))
    })
}

/// The checks [`Module::store_new`] makes, for paths that store otherwise.
pub(crate) fn precheck_token(md: &Module, s: &Session, a: &keystore::Attributes) -> Result<()> {
    if !s.rw {
        return fail(CKR_SESSION_READ_ONLY, "token objects need a R/W session");
    }
    if a.flags.private && !md.user_logged_in(s.slot) {
        return fail(CKR_USER_NOT_LOGGED_IN, "private objects need the user");
    }
    if !md.partition(s.slot)?.is_unlocked() {
        return fail(CKR_USER_NOT_LOGGED_IN, "token objects need a login");
    }
    Ok(())
}

/// Block modes without their own padding take key values zero-padded to
/// the block (PKCS#11 3.0 Current Mechanisms §2.10.3 for wrapping).
fn pads_with_zeros(kind: &CryptKind) -> bool {
    matches!(
        kind,
        CryptKind::Cipher(CipherMode::AesEcb) | CryptKind::Cipher(CipherMode::AesCbc { .. })
    )
}

/// The cipher of a wrapping mechanism; CKM_AES_KEY_WRAP_PAD (unwrap only)
/// is checked like RFC 5649 and decrypted by [`unwrap_legacy_pad`].
fn kek_kind(m: &Mechanism) -> Result<CryptKind> {
    if m.ty != CKM_AES_KEY_WRAP_PAD {
        return cipher_kind(m);
    }
    if !matches!(m.param, Param::None) && m.param != Param::Bytes(Vec::new()) {
        return fail(
            CKR_MECHANISM_PARAM_INVALID,
            "CKM_AES_KEY_WRAP_PAD takes no parameter",
        );
    }
    Ok(CryptKind::KeyWrap { pad: true })
}

/// Unwraps with CKM_AES_KEY_WRAP_PAD (0x210A), which means two things.
/// PKCS#11 3.0 Current Mechanisms (AES key wrap, §2.14) defines it as PKCS#7 padding then
/// RFC 3394 (deprecated in 3.1 for CKM_AES_KEY_WRAP_PKCS7); SoftHSM2 2.6.1
/// and other 2.40-era tokens emit RFC 5649 under that number (PKCS#11 3.0's
/// CKM_AES_KEY_WRAP_KWP), and clients such as the
/// cryptoki crate 0.12 can name no other RFC 5649 mechanism. The two carry
/// different integrity check values (A65959A6‖length against A6A6A6A6A6A6A6A6),
/// so a blob can pass only the one it was made with: RFC 5649 is tried
/// first, then RFC 3394 with PKCS#7 padding removed. keybridge never wraps
/// with 0x210A (the mechanism is listed with CKF_UNWRAP alone).
fn unwrap_legacy_pad(kek: &[u8], wrapped: &[u8]) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let invalid = || Error::rv(CKR_WRAPPED_KEY_INVALID, "integrity check failed");
    if wrapped.len() < 16 || !wrapped.len().is_multiple_of(8) {
        return fail(CKR_WRAPPED_KEY_LEN_RANGE, "wrapped key length");
    }
    if let Ok(plain) = wrap::aes_key_unwrap_pad(kek, wrapped) {
        return Ok(zeroize::Zeroizing::new(plain.expose().to_vec()));
    }
    let padded = wrap::aes_key_unwrap(kek, wrapped).map_err(|_| invalid())?;
    let p = padded.expose();
    let n = p.last().map_or(0, |&b| b as usize);
    if n == 0 || n > 16 || n > p.len() || p[p.len() - n..].iter().any(|&b| b as usize != n) {
        return Err(invalid());
    }
    Ok(zeroize::Zeroizing::new(p[..p.len() - n].to_vec()))
}

/// Loads and checks the wrapping or unwrapping key.
fn load_kek(
    md: &Module,
    s: &Session,
    h: CK_OBJECT_HANDLE,
    m: &Mechanism,
    wrap: bool,
) -> Result<(Obj, SecretBytes)> {
    let (usage, bit, bad_handle, bad_type) = if wrap {
        (
            Usage::Protect,
            UsageMask::WRAP_KEY,
            CKR_WRAPPING_KEY_HANDLE_INVALID,
            CKR_WRAPPING_KEY_TYPE_INCONSISTENT,
        )
    } else {
        (
            Usage::Process,
            UsageMask::UNWRAP_KEY,
            CKR_UNWRAPPING_KEY_HANDLE_INVALID,
            CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT,
        )
    };
    let k = md.load_key(s, h, usage).map_err(|e| match e.code() {
        CKR_OBJECT_HANDLE_INVALID | CKR_KEY_HANDLE_INVALID => Error::rv(bad_handle, "no such key"),
        _ => e,
    })?;
    let kind = kek_kind(m)?;
    let v = key_for(&kind, &k, m, bit).map_err(|e| match e.code() {
        CKR_KEY_TYPE_INCONSISTENT => Error::rv(bad_type, "the key does not fit the mechanism"),
        _ => e,
    })?;
    Ok((Obj::clone(&k), v))
}

/// C_WrapKey (§5.14.3). A key leaves only wrapped, only if extractable,
/// only under a trusted key when it says CKA_WRAP_WITH_TRUSTED, and only if
/// it satisfies the wrapping key's CKA_WRAP_TEMPLATE.
pub fn wrap_key(
    h: CK_SESSION_HANDLE,
    m: &Mechanism,
    wrapping: CK_OBJECT_HANDLE,
    key: CK_OBJECT_HANDLE,
    out: Out<'_>,
) -> Result<usize> {
    in_session(h, |md, s| {
        let mut call = KeyCall::start(s, "wrap", m.ty);
        let query = out.is_none();
        let r = wrap(md, s, &mut call, m, wrapping, key, out);
        call.finish(md, s, &r, super::keeps_operation(query, &r));
        r
    })
}

/// C_WrapKey once the session is found; `call` gates and audits the keys.
fn wrap(
    md: &Module,
    s: &mut Session,
    call: &mut KeyCall,
    m: &Mechanism,
    wrapping: CK_OBJECT_HANDLE,
    key: CK_OBJECT_HANDLE,
    out: Out<'_>,
) -> Result<usize> {
    mechanism::require(m.ty, CKF_WRAP)?;
    let (kek, kv) = load_kek(md, s, wrapping, m, true)?;
    let k = md
        .load(s, key)
        .map_err(|_| Error::rv(CKR_KEY_HANDLE_INVALID, "no such key"))?;
    // Wrapping a key out is taking it out (`get`/`export` of the policy).
    call.uses(
        md,
        s.slot,
        &[
            (&k, Operation::Export, None),
            (&kek, Operation::Wrap, Some("wrapping key")),
        ],
    )?;
    if !matches!(
        k.attrs.object_type,
        ObjectType::SymmetricKey | ObjectType::SecretData
    ) {
        return fail(CKR_KEY_NOT_WRAPPABLE, "only secret keys are wrapped here");
    }
    if !k.attrs.flags.extractable {
        return fail(CKR_KEY_UNEXTRACTABLE, "CKA_EXTRACTABLE is false");
    }
    if k.attrs.flags.wrap_with_trusted && !kek.attrs.flags.trusted {
        return fail(CKR_KEY_NOT_WRAPPABLE, "needs a CKA_TRUSTED wrapping key");
    }
    if let Some(wt) = kek.attrs.pkcs11_extra.get(&(CKA_WRAP_TEMPLATE as u64)) {
        if !template::satisfies(&k, &decode_nested(wt)) {
            return fail(
                CKR_KEY_NOT_WRAPPABLE,
                "the key does not match CKA_WRAP_TEMPLATE",
            );
        }
    }
    k.attrs
        .lifecycle
        .check(Usage::Export, keystore::lifecycle::now())
        .map_err(|e| Error::rv(CKR_KEY_NOT_WRAPPABLE, e.to_string()))?;
    let value = k
        .value
        .clone()
        .ok_or_else(|| Error::rv(CKR_KEY_NOT_WRAPPABLE, "the key has no value"))?;
    let kind = cipher_kind(m)?;
    let mut data = zeroize::Zeroizing::new(value.expose().to_vec());
    if pads_with_zeros(&kind) && data.len() % 16 != 0 {
        let n = 16 - data.len() % 16;
        data.extend(std::iter::repeat_n(0u8, n));
    }
    let wrapped =
        run_once(&kind, kv.expose(), Direction::Encrypt, &data).map_err(|e| match e.code() {
            CKR_DATA_LEN_RANGE => Error::rv(CKR_KEY_SIZE_RANGE, e.to_string()),
            _ => e,
        })?;
    emit(out, &wrapped)
}

/// Builds the attributes of a key arriving by unwrap or derivation.
pub(crate) fn arriving_key(
    md: &Module,
    s: &Session,
    t: &Template,
    default_type: CK_KEY_TYPE,
    mut value: Vec<u8>,
) -> Result<(bool, keystore::Attributes, SecretBytes)> {
    if t.ulong(CKA_CLASS)?.is_some_and(|c| c != CKO_SECRET_KEY) {
        return fail(CKR_TEMPLATE_INCONSISTENT, "only secret keys here");
    }
    let kt = t.ulong(CKA_KEY_TYPE)?.unwrap_or(default_type);
    let alg = attrs::secret_algorithm(kt)
        .map_err(|_| Error::rv(CKR_TEMPLATE_INCONSISTENT, format!("key type {kt:#x}")))?;
    if let Some(n) = t.ulong(CKA_VALUE_LEN)? {
        let n = n as usize;
        if n > value.len() {
            return fail(
                CKR_TEMPLATE_INCONSISTENT,
                "CKA_VALUE_LEN exceeds the material",
            );
        }
        value.truncate(n);
    } else if alg == Algorithm::Aes && !matches!(value.len(), 16 | 24 | 32) {
        return fail(CKR_TEMPLATE_INCOMPLETE, "CKA_VALUE_LEN is needed");
    }
    let value = SecretBytes::new(value);
    attrs::check_secret_len(alg, value.len(), CKR_TEMPLATE_INCONSISTENT)?;
    let mut a = template::new_attributes(ObjectType::SymmetricKey);
    a.algorithm = Some(alg);
    a.length = Some((value.len() * 8) as u32);
    let so = md.login_user(s.slot) == Some(CKU_SO);
    template::apply(&mut a, t, Phase::Unwrap, so)?;
    a.flags.local = false;
    a.flags.always_sensitive = false;
    a.flags.never_extractable = false;
    Ok((t.bool(CKA_TOKEN)?.unwrap_or(false), a, value))
}

/// C_UnwrapKey (§5.14.4).
pub fn unwrap_key(
    h: CK_SESSION_HANDLE,
    m: &Mechanism,
    unwrapping: CK_OBJECT_HANDLE,
    wrapped: &[u8],
    t: &Template,
) -> Result<CK_OBJECT_HANDLE> {
    in_session(h, |md, s| {
        let mut call = KeyCall::start(s, "unwrap", m.ty);
        let r = unwrap(md, s, &mut call, m, unwrapping, wrapped, t);
        call.finish(md, s, &r, false);
        r
    })
}

/// C_UnwrapKey once the session is found; `call` gates and audits the key.
fn unwrap(
    md: &Module,
    s: &mut Session,
    call: &mut KeyCall,
    m: &Mechanism,
    unwrapping: CK_OBJECT_HANDLE,
    wrapped: &[u8],
    t: &Template,
) -> Result<CK_OBJECT_HANDLE> {
    mechanism::require(m.ty, CKF_UNWRAP)?;
    let (kek, kv) = load_kek(md, s, unwrapping, m, false)?;
    call.uses(md, s.slot, &[(&kek, Operation::Unwrap, None)])?;
    let t = match kek.attrs.pkcs11_extra.get(&(CKA_UNWRAP_TEMPLATE as u64)) {
        Some(ut) => template::merge(t, &decode_nested(ut))?,
        None => t.clone(),
    };
    if !t.has(CKA_KEY_TYPE) {
        return fail(CKR_TEMPLATE_INCOMPLETE, "CKA_KEY_TYPE is required");
    }
    let plain = if m.ty == CKM_AES_KEY_WRAP_PAD {
        unwrap_legacy_pad(kv.expose(), wrapped)
    } else {
        run_once(&cipher_kind(m)?, kv.expose(), Direction::Decrypt, wrapped)
    }
    .map_err(|e| match e.code() {
        CKR_ENCRYPTED_DATA_LEN_RANGE => Error::rv(CKR_WRAPPED_KEY_LEN_RANGE, e.to_string()),
        CKR_ENCRYPTED_DATA_INVALID => Error::rv(CKR_WRAPPED_KEY_INVALID, e.to_string()),
        _ => e,
    })?;
    let (token, a, value) = match t.ulong(CKA_CLASS)? {
        Some(CKO_PRIVATE_KEY) => arriving_private_key(md, s, &t, &plain)?,
        _ => arriving_key(md, s, &t, CKK_GENERIC_SECRET, plain.to_vec())?,
    };
    md.store_new(s, token, a, Some(value))
}

/// The asymmetric kind of a decoded private key.
fn kind_of_private(k: AsymmetricKind) -> (Kind, u32) {
    match k {
        AsymmetricKind::Rsa { bits } => (Kind::Rsa, bits),
        AsymmetricKind::Ec(c) => (Kind::Ec(c), 0),
        AsymmetricKind::Ed25519 => (Kind::Raw(RawKeyKind::Ed25519), 0),
        AsymmetricKind::Ed448 => (Kind::Raw(RawKeyKind::Ed448), 0),
        AsymmetricKind::X25519 => (Kind::Raw(RawKeyKind::X25519), 0),
        AsymmetricKind::X448 => (Kind::Raw(RawKeyKind::X448), 0),
    }
}

/// Builds a private key arriving by C_UnwrapKey (§5.14.4): the unwrapped
/// bytes are a PKCS#8 PrivateKeyInfo (RFC 5208, the encoding PKCS#11 gives
/// wrapped private keys, and what SoftHSM2 emits). The template
/// must name CKA_KEY_TYPE, which must match the key; key material and the
/// attributes computed from it (CKA_MODULUS, CKA_EC_PARAMS, ...) come from
/// the payload, never from the template.
fn arriving_private_key(
    md: &Module,
    s: &Session,
    t: &Template,
    plain: &[u8],
) -> Result<(bool, keystore::Attributes, SecretBytes)> {
    let kt = t
        .ulong(CKA_KEY_TYPE)?
        .ok_or_else(|| Error::rv(CKR_TEMPLATE_INCOMPLETE, "CKA_KEY_TYPE is required"))?;
    if t.has(CKA_VALUE_LEN) {
        return fail(
            CKR_TEMPLATE_INCONSISTENT,
            "CKA_VALUE_LEN is not a private key attribute",
        );
    }
    if let Some(at) = t.0.iter().find(|a| asym::is_component(a.ty)) {
        return fail(
            CKR_TEMPLATE_INCONSISTENT,
            format!("attribute {:#x} comes from the wrapped key", at.ty),
        );
    }
    let not_pkcs8 = || Error::rv(CKR_WRAPPED_KEY_INVALID, "not a PKCS#8 private key");
    // Decoded and re-encoded by OpenSSL, so the store keeps a canonical
    // PKCS#8 whatever the wrapping token emitted (OpenSSL wipes its copy).
    let pkey = openssl::pkey::PKey::private_key_from_pkcs8(plain).map_err(|_| not_pkcs8())?;
    let der = SecretBytes::new(pkey.private_key_to_pkcs8().map_err(|_| not_pkcs8())?);
    let described = keys::describe_private(der.expose())
        .map_err(|e| Error::rv(CKR_WRAPPED_KEY_INVALID, format!("unwrapped key: {e}")))?;
    let (kind, bits) = kind_of_private(described);
    if kind.key_type() != kt {
        return fail(
            CKR_TEMPLATE_INCONSISTENT,
            "CKA_KEY_TYPE does not match the unwrapped key",
        );
    }
    let mut a = template::new_attributes(ObjectType::PrivateKey);
    a.usage = super::keypair::default_usage(true, kt);
    let (alg, len, curve) = kind.store_fields(bits);
    a.algorithm = Some(alg);
    a.length = Some(len);
    a.curve = curve;
    let so = md.login_user(s.slot) == Some(CKU_SO);
    template::apply(&mut a, t, Phase::Unwrap, so)?;
    a.flags.local = false;
    a.flags.always_sensitive = false;
    a.flags.never_extractable = false;
    Ok((t.bool(CKA_TOKEN)?.unwrap_or(false), a, der))
}

/// C_DeriveKey (§5.14.5) with AES_ECB_ENCRYPT_DATA and AES_CBC_ENCRYPT_DATA
/// here, and the simple derivations of [`super::derive`].
pub fn derive_key(
    h: CK_SESSION_HANDLE,
    m: &Mechanism,
    base: CK_OBJECT_HANDLE,
    t: &Template,
) -> Result<(CK_OBJECT_HANDLE, Vec<CK_OBJECT_HANDLE>)> {
    in_session(h, |md, s| {
        let mut call = KeyCall::start(s, "derive", m.ty);
        let r = if super::kdf::is_kdf(m.ty) {
            // KDFs may make additional keys (SP 800-108, §2.42).
            mechanism::require(m.ty, CKF_DERIVE).and_then(|()| {
                let k = md.load_key(s, base, Usage::Protect)?;
                call.uses(md, s.slot, &[(&k, Operation::Derive, None)])?;
                super::kdf::derive(md, s, &mut call, m, &k, t)
            })
        } else {
            derive(md, s, &mut call, m, base, t).map(|h| (h, Vec::new()))
        };
        call.finish(md, s, &r, false);
        r
    })
}

/// C_DeriveKey once the session is found; `call` gates and audits the keys.
fn derive(
    md: &Module,
    s: &mut Session,
    call: &mut KeyCall,
    m: &Mechanism,
    base: CK_OBJECT_HANDLE,
    t: &Template,
) -> Result<CK_OBJECT_HANDLE> {
    mechanism::require(m.ty, CKF_DERIVE)?;
    let k = md.load_key(s, base, Usage::Protect)?;
    call.uses(md, s.slot, &[(&k, Operation::Derive, None)])?;
    if super::derive::is_simple(m.ty) {
        return super::derive::simple(md, s, call, m, &k, t);
    }
    if super::ecdh::is_ecdh(m.ty) {
        return super::ecdh::derive(md, s, m, &k, t);
    }
    if key_type_of(&k.attrs) != Some(CKK_AES) {
        return fail(CKR_KEY_TYPE_INCONSISTENT, "an AES base key is needed");
    }
    if !k.attrs.usage.contains(UsageMask::DERIVE_KEY) {
        return fail(CKR_KEY_FUNCTION_NOT_PERMITTED, "CKA_DERIVE is false");
    }
    mechanism::allowed(&k.attrs, m.ty)?;
    let (mode, data) = match (&m.param, m.ty) {
        (Param::DeriveData(d), CKM_AES_ECB_ENCRYPT_DATA) => (CipherMode::AesEcb, d),
        (Param::CbcEncryptData { iv, data }, CKM_AES_CBC_ENCRYPT_DATA) => {
            (CipherMode::AesCbc { iv: iv.to_vec() }, data)
        }
        _ => return fail(CKR_MECHANISM_PARAM_INVALID, "derivation parameter"),
    };
    if data.is_empty() || data.len() % 16 != 0 {
        return fail(CKR_MECHANISM_PARAM_INVALID, "data must be whole AES blocks");
    }
    let t = match k.attrs.pkcs11_extra.get(&(CKA_DERIVE_TEMPLATE as u64)) {
        Some(dt) => template::merge(t, &decode_nested(dt))?,
        None => t.clone(),
    };
    let kv = k.value.clone().unwrap_or_default();
    let out = run_once(
        &CryptKind::Cipher(mode),
        kv.expose(),
        Direction::Encrypt,
        data,
    )?;
    let (token, mut a, value) = arriving_key(md, s, &t, CKK_GENERIC_SECRET, out.to_vec())?;
    a.flags.always_sensitive = k.attrs.flags.always_sensitive && a.flags.sensitive;
    a.flags.never_extractable = k.attrs.flags.never_extractable && !a.flags.extractable;
    md.store_new(s, token, a, Some(value))
}

/// The digest a HMAC key type is bound to (for issue 4's sign mechanisms).
#[allow(dead_code)]
pub fn hmac_digest(kt: CK_KEY_TYPE) -> Option<DigestAlgorithm> {
    match attrs::secret_algorithm(kt).ok()? {
        Algorithm::Hmac(d) => Some(d),
        _ => None,
    }
}
