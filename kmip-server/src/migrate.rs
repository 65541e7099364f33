//! `keybridge migrate`: moves a PKCS#11 token's objects (a SoftHSM2 token,
//! say) into a keybridge token through PKCS#11 alone, with the `cryptoki`
//! crate on both modules.
//!
//! **Transport.** No key is ever in the clear in this process:
//!
//! 1. keybridge generates an RSA-3072 key pair as session objects; the
//!    private half is sensitive, unextractable and may only unwrap.
//! 2. Its public half (modulus and exponent, public by nature) is created in
//!    the source token as a session object.
//! 3. The source generates an AES-256 session key and wraps it under that
//!    public key with CKM_RSA_PKCS_OAEP (SHA-1, MGF1-SHA-1: SoftHSM2 2.6.1
//!    offers no other OAEP hash for wrapping); keybridge unwraps it as a
//!    sensitive, unextractable session key that may only unwrap.
//! 4. Each extractable secret or private key is wrapped by the source with
//!    that AES key and unwrapped by keybridge into a token object, with the
//!    source's CKA_LABEL, CKA_ID, usage and flag attributes in the unwrap
//!    template (PKCS#11 3.0 §5.14.3–5.14.4). The wrapping is RFC 5649, which
//!    SoftHSM2 2.6.1 offers only as CKM_AES_KEY_WRAP_PAD (0x210A, its
//!    PKCS#11 2.40-era meaning; PKCS#11 3.0 calls RFC 5649
//!    CKM_AES_KEY_WRAP_KWP, 0x210B, and gives 0x210A to PKCS#7 padding then
//!    RFC 3394). The cryptoki crate 0.12 cannot name 0x210B either, so
//!    keybridge is asked to unwrap with 0x210A too: it accepts both readings,
//!    told apart by their integrity check values (`ops::keymgmt` in the module).
//!    Private keys travel as PKCS#8 PrivateKeyInfo.
//!
//! Public keys, certificates and data objects are copied by value
//! (C_GetAttributeValue, C_CreateObject). Unextractable keys cannot leave
//! their token: they are listed as not movable. The transport objects are
//! session objects of both tokens and are destroyed at the end.
//!
//! Every object created in keybridge is recorded in the audit log
//! (`migrate.import`, with the source token, label and id).

use crate::error::{Error, Result};
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsOaepParams, PkcsOaepSource};
use cryptoki::mechanism::{Mechanism, MechanismType};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, UserType};
use cryptoki::types::AuthPin;
use keystore::audit::AuditEntry;
use std::io::BufRead;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct MigrateArgs {
    /// The source PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so).
    #[arg(long)]
    from_module: PathBuf,
    /// The source token's label.
    #[arg(long)]
    from_token: String,
    /// Environment variable holding the source user PIN (else: first line of stdin).
    #[arg(long)]
    from_pin_env: Option<String>,
    /// keybridge's PKCS#11 module (default: libkeybridge_pkcs11.so beside this program).
    #[arg(long)]
    to_module: Option<PathBuf>,
    /// The keybridge token's label (default: the source token's label).
    #[arg(long)]
    to_token: Option<String>,
    /// Environment variable holding the keybridge user PIN (else: next line of stdin).
    #[arg(long)]
    to_pin_env: Option<String>,
    /// Lists what would move and how, and changes nothing.
    #[arg(long)]
    dry_run: bool,
}

/// How an object moves, or why it does not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Wrapped by the source, unwrapped by keybridge.
    Wrap,
    /// Read and created again (not secret).
    ByValue,
    /// Stays where it is (the reason).
    NotMovable(String),
}

/// One row of the summary.
#[derive(Clone, Debug)]
pub struct Row {
    pub class: String,
    pub label: String,
    pub id: String,
    pub plan: Plan,
    /// "moved", "dry run", "already present", "failed: ..." or the reason it stays.
    pub result: String,
    /// CKA_UNIQUE_ID of the keybridge object, once created.
    pub unique_id: Option<String>,
}

fn ck(context: &str) -> impl Fn(cryptoki::error::Error) -> Error + '_ {
    move |e| Error::Setup(format!("{context}: {e}"))
}

fn read_pin(env: Option<&str>, stdin: &mut impl BufRead, what: &str) -> Result<AuthPin> {
    if let Some(var) = env {
        return std::env::var(var)
            .map(AuthPin::from)
            .map_err(|_| Error::Setup(format!("{what} PIN: ${var} is not set")));
    }
    let mut line = String::new();
    stdin
        .read_line(&mut line)
        .map_err(|e| Error::io(format!("{what} PIN from stdin"), e))?;
    let pin = line.trim_end_matches(['\r', '\n']).to_string();
    if pin.is_empty() {
        return Err(Error::Setup(format!(
            "{what} PIN: give --{what}-pin-env VAR or a line on stdin"
        )));
    }
    Ok(AuthPin::from(pin))
}

/// Loads a module and logs the user into the token labelled `label`.
fn open(module: &Path, label: &str, pin: &AuthPin) -> Result<(Pkcs11, Session)> {
    let name = module.display().to_string();
    let p = Pkcs11::new(module).map_err(ck(&name))?;
    p.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK))
        .map_err(ck(&name))?;
    let slot = p
        .get_slots_with_initialized_token()
        .map_err(ck(&name))?
        .into_iter()
        .find(|s| {
            p.get_token_info(*s)
                .map(|t| t.label().trim_end() == label)
                .unwrap_or(false)
        })
        .ok_or_else(|| Error::Setup(format!("{name}: no token labelled {label:?}")))?;
    let s = p.open_rw_session(slot).map_err(ck(&name))?;
    s.login(UserType::User, Some(pin))
        .map_err(ck(&format!("{name}: login to {label:?}")))?;
    Ok((p, s))
}

/// `libkeybridge_pkcs11.so` beside the running program.
fn default_module() -> Result<PathBuf> {
    let exe = std::env::current_exe().map_err(|e| Error::io("locating keybridge", e))?;
    let p = exe.with_file_name("libkeybridge_pkcs11.so");
    if p.exists() {
        Ok(p)
    } else {
        Err(Error::Setup(format!(
            "{} is missing: give --to-module",
            p.display()
        )))
    }
}

fn class_name(c: ObjectClass) -> String {
    match c {
        ObjectClass::SECRET_KEY => "secret key".into(),
        ObjectClass::PRIVATE_KEY => "private key".into(),
        ObjectClass::PUBLIC_KEY => "public key".into(),
        ObjectClass::CERTIFICATE => "certificate".into(),
        ObjectClass::DATA => "data".into(),
        other => format!("class {other}"),
    }
}

/// Reads the attributes of `types` the object has (others are left out).
fn read(s: &Session, h: ObjectHandle, types: &[AttributeType]) -> Result<Vec<Attribute>> {
    s.get_attributes(h, types)
        .map_err(ck("C_GetAttributeValue"))
}

fn bool_of(attrs: &[Attribute], ty: AttributeType) -> Option<bool> {
    attrs.iter().find_map(|a| match (a, ty) {
        (Attribute::Extractable(b), AttributeType::Extractable)
        | (Attribute::Token(b), AttributeType::Token) => Some(*b),
        _ => None,
    })
}

/// The flag and usage attributes a key of `class` keeps when it moves.
fn key_flags(class: ObjectClass) -> &'static [AttributeType] {
    use AttributeType as T;
    match class {
        ObjectClass::SECRET_KEY => &[
            T::Private,
            T::Sensitive,
            T::Extractable,
            T::Encrypt,
            T::Decrypt,
            T::Sign,
            T::Verify,
            T::Wrap,
            T::Unwrap,
            T::Derive,
            T::Modifiable,
        ],
        ObjectClass::PRIVATE_KEY => &[
            T::Private,
            T::Sensitive,
            T::Extractable,
            T::Decrypt,
            T::Sign,
            T::Unwrap,
            T::Derive,
            T::AlwaysAuthenticate,
            T::Modifiable,
        ],
        ObjectClass::PUBLIC_KEY => &[
            T::Private,
            T::Encrypt,
            T::Verify,
            T::Wrap,
            T::Derive,
            T::Modifiable,
        ],
        _ => &[T::Private, T::Modifiable],
    }
}

/// The value attributes of a public key, certificate or data object.
fn value_attrs(class: ObjectClass, key_type: Option<KeyType>) -> Vec<AttributeType> {
    use AttributeType as T;
    match class {
        ObjectClass::PUBLIC_KEY if key_type == Some(KeyType::RSA) => {
            vec![T::KeyType, T::Modulus, T::PublicExponent]
        }
        ObjectClass::PUBLIC_KEY => vec![T::KeyType, T::EcParams, T::EcPoint],
        ObjectClass::CERTIFICATE => vec![
            T::CertificateType,
            T::Value,
            T::Subject,
            T::Issuer,
            T::SerialNumber,
        ],
        _ => vec![T::Value, T::Application],
    }
}

/// What the migration does with one source object.
fn plan(class: ObjectClass, extractable: Option<bool>) -> Plan {
    match class {
        ObjectClass::SECRET_KEY | ObjectClass::PRIVATE_KEY => match extractable {
            Some(true) => Plan::Wrap,
            _ => Plan::NotMovable("CKA_EXTRACTABLE is false".into()),
        },
        ObjectClass::PUBLIC_KEY | ObjectClass::CERTIFICATE | ObjectClass::DATA => Plan::ByValue,
        _ => Plan::NotMovable("class not migrated".into()),
    }
}

/// The transport keys of one run: the source's AES key and keybridge's
/// copy of it, plus the session objects to destroy afterwards.
struct Transport {
    source_kek: ObjectHandle,
    target_kek: ObjectHandle,
    source_objects: Vec<ObjectHandle>,
    target_objects: Vec<ObjectHandle>,
}

fn oaep() -> Mechanism<'static> {
    Mechanism::RsaPkcsOaep(PkcsOaepParams::new(
        MechanismType::SHA1,
        PkcsMgfType::MGF1_SHA1,
        PkcsOaepSource::empty(),
    ))
}

/// Steps 1–3 of the module documentation.
fn establish(source: &Session, target: &Session) -> Result<Transport> {
    let (rsa_pub, rsa_priv) = target
        .generate_key_pair(
            &Mechanism::RsaPkcsKeyPairGen,
            &[
                Attribute::Token(false),
                Attribute::ModulusBits(3072.into()),
                Attribute::PublicExponent(vec![1, 0, 1]),
                Attribute::Wrap(true),
                Attribute::Encrypt(false),
                Attribute::Verify(false),
            ],
            &[
                Attribute::Token(false),
                Attribute::Private(true),
                Attribute::Sensitive(true),
                Attribute::Extractable(false),
                Attribute::Unwrap(true),
                Attribute::Decrypt(false),
                Attribute::Sign(false),
            ],
        )
        .map_err(ck("keybridge: generating the RSA transport key pair"))?;
    // On an error the session objects go when the sessions close.
    let mut source_objects = Vec::new();
    let mut target_objects = vec![rsa_pub, rsa_priv];
    let public = read(
        target,
        rsa_pub,
        &[AttributeType::Modulus, AttributeType::PublicExponent],
    )?;
    let mut template = vec![
        Attribute::Class(ObjectClass::PUBLIC_KEY),
        Attribute::KeyType(KeyType::RSA),
        Attribute::Token(false),
        Attribute::Wrap(true),
        Attribute::Encrypt(false),
        Attribute::Verify(false),
    ];
    template.extend(public);
    let source_rsa = source
        .create_object(&template)
        .map_err(ck("source: importing the transport public key"))?;
    source_objects.push(source_rsa);
    let source_aes = source
        .generate_key(
            &Mechanism::AesKeyGen,
            &[
                Attribute::Token(false),
                Attribute::ValueLen(32.into()),
                Attribute::Sensitive(true),
                Attribute::Extractable(true),
                Attribute::Wrap(true),
                Attribute::Encrypt(false),
                Attribute::Decrypt(false),
            ],
        )
        .map_err(ck("source: generating the AES transport key"))?;
    source_objects.push(source_aes);
    let wrapped = source
        .wrap_key(&oaep(), source_rsa, source_aes)
        .map_err(ck("source: wrapping the AES transport key with RSA-OAEP"))?;
    let target_aes = target
        .unwrap_key(
            &oaep(),
            rsa_priv,
            &wrapped,
            &[
                Attribute::Class(ObjectClass::SECRET_KEY),
                Attribute::KeyType(KeyType::AES),
                Attribute::Token(false),
                Attribute::Sensitive(true),
                Attribute::Extractable(false),
                Attribute::Unwrap(true),
                Attribute::Encrypt(false),
                Attribute::Decrypt(false),
            ],
        )
        .map_err(ck("keybridge: unwrapping the AES transport key"))?;
    target_objects.push(target_aes);
    Ok(Transport {
        source_kek: source_aes,
        target_kek: target_aes,
        source_objects,
        target_objects,
    })
}

/// Finds an object of the same class, label and id already in keybridge.
fn existing(target: &Session, identity: &[Attribute]) -> Result<Option<ObjectHandle>> {
    Ok(target
        .find_objects(identity)
        .map_err(ck("keybridge: C_FindObjects"))?
        .into_iter()
        .next())
}

fn unique_id(target: &Session, h: ObjectHandle) -> Option<String> {
    match read(target, h, &[AttributeType::UniqueId]).ok()?.first() {
        Some(Attribute::UniqueId(v)) => Some(String::from_utf8_lossy(v).into_owned()),
        _ => None,
    }
}

/// Moves one object that `plan` says can move.
fn move_one(
    source: &Session,
    target: &Session,
    transport: Option<&Transport>,
    h: ObjectHandle,
    class: ObjectClass,
    plan: &Plan,
    identity: &[Attribute],
) -> Result<ObjectHandle> {
    let key_type = match read(source, h, &[AttributeType::KeyType])?.first() {
        Some(Attribute::KeyType(k)) => Some(*k),
        _ => None,
    };
    let mut template = identity.to_vec();
    template.push(Attribute::Token(true));
    template.extend(read(source, h, key_flags(class))?);
    match plan {
        Plan::Wrap => {
            let t = transport.ok_or_else(|| Error::Setup("no transport key".into()))?;
            let kt = key_type.ok_or_else(|| Error::Setup("the key has no CKA_KEY_TYPE".into()))?;
            template.push(Attribute::KeyType(kt));
            let wrapped = source
                .wrap_key(&Mechanism::AesKeyWrapPad, t.source_kek, h)
                .map_err(ck("source: C_WrapKey"))?;
            target
                .unwrap_key(&Mechanism::AesKeyWrapPad, t.target_kek, &wrapped, &template)
                .map_err(ck("keybridge: C_UnwrapKey"))
        }
        Plan::ByValue => {
            template.extend(read(source, h, &value_attrs(class, key_type))?);
            target
                .create_object(&template)
                .map_err(ck("keybridge: C_CreateObject"))
        }
        Plan::NotMovable(why) => Err(Error::Setup(why.clone())),
    }
}

/// Runs the migration between two open sessions and returns the summary.
/// With `dry_run`, nothing is created in either token.
pub fn migrate_sessions(source: &Session, target: &Session, dry_run: bool) -> Result<Vec<Row>> {
    let objects = source
        .find_objects(&[Attribute::Token(true)])
        .map_err(ck("source: C_FindObjects"))?;
    let mut work = Vec::new();
    for h in objects {
        let a = read(
            source,
            h,
            &[
                AttributeType::Class,
                AttributeType::Label,
                AttributeType::Id,
                AttributeType::Extractable,
            ],
        )?;
        let class = a.iter().find_map(|x| match x {
            Attribute::Class(c) => Some(*c),
            _ => None,
        });
        let Some(class) = class else { continue };
        let identity: Vec<Attribute> = std::iter::once(Attribute::Class(class))
            .chain(
                a.iter()
                    .filter(|x| matches!(x, Attribute::Label(_) | Attribute::Id(_)))
                    .cloned(),
            )
            .collect();
        let label = a.iter().find_map(|x| match x {
            Attribute::Label(l) => Some(String::from_utf8_lossy(l).into_owned()),
            _ => None,
        });
        let id = a.iter().find_map(|x| match x {
            Attribute::Id(i) => Some(hex::encode(i)),
            _ => None,
        });
        let p = plan(class, bool_of(&a, AttributeType::Extractable));
        let row = Row {
            class: class_name(class),
            label: label.unwrap_or_default(),
            id: id.unwrap_or_default(),
            result: match &p {
                Plan::NotMovable(why) => format!("not movable: {why}"),
                _ if dry_run => "dry run".into(),
                _ => String::new(),
            },
            plan: p,
            unique_id: None,
        };
        work.push((h, class, identity, row));
    }
    // Secret keys first, then private keys, public keys, certificates, data.
    let order = |c: &ObjectClass| match *c {
        ObjectClass::SECRET_KEY => 0,
        ObjectClass::PRIVATE_KEY => 1,
        ObjectClass::PUBLIC_KEY => 2,
        ObjectClass::CERTIFICATE => 3,
        _ => 4,
    };
    work.sort_by_key(|(_, c, _, r)| (order(c), r.label.clone(), r.id.clone()));
    if dry_run {
        return Ok(work.into_iter().map(|w| w.3).collect());
    }
    let transport = if work.iter().any(|w| w.3.plan == Plan::Wrap) {
        Some(establish(source, target)?)
    } else {
        None
    };
    let mut rows = Vec::new();
    for (h, class, identity, mut row) in work {
        if !row.result.is_empty() {
            rows.push(row);
            continue;
        }
        // Only objects with a label or an id can be recognised on a re-run.
        let known = if identity.len() > 1 {
            existing(target, &identity)?
        } else {
            None
        };
        match known {
            Some(found) => {
                row.result = "already present".into();
                row.unique_id = unique_id(target, found);
            }
            None => {
                match move_one(
                    source,
                    target,
                    transport.as_ref(),
                    h,
                    class,
                    &row.plan,
                    &identity,
                ) {
                    Ok(new) => {
                        row.result = "moved".into();
                        row.unique_id = unique_id(target, new);
                    }
                    Err(e) => row.result = format!("failed: {e}"),
                }
            }
        }
        rows.push(row);
    }
    if let Some(t) = transport {
        for h in t.source_objects {
            let _ = source.destroy_object(h);
        }
        for h in t.target_objects {
            let _ = target.destroy_object(h);
        }
    }
    Ok(rows)
}

fn print_summary(rows: &[Row]) {
    let how = |p: &Plan| match p {
        Plan::Wrap => "wrapped",
        Plan::ByValue => "by value",
        Plan::NotMovable(_) => "-",
    };
    println!(
        "{:<12} {:<24} {:<18} {:<9} result",
        "class", "label", "id", "how"
    );
    for r in rows {
        println!(
            "{:<12} {:<24} {:<18} {:<9} {}",
            r.class,
            r.label,
            r.id,
            how(&r.plan),
            r.result
        );
    }
    let count = |f: &dyn Fn(&Row) -> bool| rows.iter().filter(|r| f(r)).count();
    if rows.iter().any(|r| r.result == "dry run") {
        println!(
            "would move by wrapping: {}, by value: {}; not movable: {} (nothing changed)",
            count(&|r| r.plan == Plan::Wrap),
            count(&|r| r.plan == Plan::ByValue),
            count(&|r| matches!(r.plan, Plan::NotMovable(_))),
        );
        return;
    }
    println!(
        "moved by wrapping: {}, by value: {}, already present: {}, not movable: {}, failed: {}",
        count(&|r| r.plan == Plan::Wrap && r.result == "moved"),
        count(&|r| r.plan == Plan::ByValue && r.result == "moved"),
        count(&|r| r.result == "already present"),
        count(&|r| matches!(r.plan, Plan::NotMovable(_))),
        count(&|r| r.result.starts_with("failed")),
    );
}

/// `keybridge migrate`.
pub fn migrate(args: MigrateArgs) -> Result<()> {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let from_pin = read_pin(args.from_pin_env.as_deref(), &mut input, "from")?;
    let to_pin = read_pin(args.to_pin_env.as_deref(), &mut input, "to")?;
    let to_module = match args.to_module {
        Some(p) => p,
        None => default_module()?,
    };
    let to_token = args.to_token.unwrap_or_else(|| args.from_token.clone());
    let rows = {
        let (_src_ctx, source) = open(&args.from_module, &args.from_token, &from_pin)?;
        let (_dst_ctx, target) = open(&to_module, &to_token, &to_pin)?;
        migrate_sessions(&source, &target, args.dry_run)?
        // Both modules are finalized here. keybridge's module carries its own
        // copy of SQLite; this process must not open the store file with a
        // second copy while the module has it open (POSIX locks are per
        // process, so the two copies would not see each other's locks).
    };
    print_summary(&rows);
    if !args.dry_run {
        let ks = keystore::config::Config::from_env()?.open_store()?;
        let who = crate::admin::admin_identity();
        for r in rows.iter().filter(|r| r.result == "moved") {
            let mut e = AuditEntry::now(&who, "migrate.import", r.unique_id.as_deref(), "ok");
            e.detail = Some(format!(
                "from {} token {:?}: {} label {:?} id {} ({})",
                args.from_module.display(),
                args.from_token,
                r.class,
                r.label,
                r.id,
                if r.plan == Plan::Wrap {
                    "wrapped"
                } else {
                    "by value"
                }
            ));
            ks.audit(&e)?;
        }
    }
    let failed = rows
        .iter()
        .filter(|r| r.result.starts_with("failed"))
        .count();
    if failed > 0 {
        return Err(Error::Setup(format!("{failed} object(s) failed to move")));
    }
    Ok(())
}
