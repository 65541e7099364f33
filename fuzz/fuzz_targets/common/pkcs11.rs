//! A PKCS#11 module initialised in this process over a temporary store,
//! driven through the module's safe layer (the functions the `extern "C"`
//! shims of `keybridge_pkcs11::ffi` call once they have copied the caller's
//! template and mechanism out of C memory). The raw-pointer copy itself is
//! covered by the module's `raw_bad_input` tests, not here.

#![allow(dead_code)] // each target uses a part

use cryptoki_sys::*;
use keybridge_pkcs11::attrs::{bbool, ulong, Template};
use keybridge_pkcs11::mechanism::{Mechanism, Param};
use keybridge_pkcs11::{ops, session, state, token};
use keystore::SecretBytes;

/// The module's objects the fuzz inputs work on (token objects of one token).
pub struct Keys {
    pub aes: CK_OBJECT_HANDLE,
    pub generic: CK_OBJECT_HANDLE,
    pub ec_private: CK_OBJECT_HANDLE,
    pub ec_public: CK_OBJECT_HANDLE,
    pub rsa_private: CK_OBJECT_HANDLE,
    pub rsa_public: CK_OBJECT_HANDLE,
}

impl Keys {
    pub fn pick(&self, i: u8) -> CK_OBJECT_HANDLE {
        match i % 7 {
            0 => self.aes,
            1 => self.generic,
            2 => self.ec_private,
            3 => self.ec_public,
            4 => self.rsa_private,
            5 => self.rsa_public,
            _ => CK_OBJECT_HANDLE::from(i), // possibly no object at all
        }
    }
}

pub struct Module {
    pub slot: CK_SLOT_ID,
    pub keys: Keys,
    /// Keeps the user logged in while per-input sessions come and go.
    _anchor: CK_SESSION_HANDLE,
    _dir: tempfile::TempDir,
}

pub const P256_OID: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

fn t(items: &[(CK_ATTRIBUTE_TYPE, Vec<u8>)]) -> Template {
    let mut t = Template::default();
    for (ty, v) in items {
        t.push(*ty, v.clone());
    }
    t
}

fn mech(ty: CK_MECHANISM_TYPE) -> Mechanism {
    Mechanism {
        ty,
        param: Param::None,
    }
}

/// Initialises the module once per process (a store under /dev/shm when it
/// exists), makes a token with a user PIN and the keys of [`Keys`].
pub fn module() -> Module {
    let base = std::path::Path::new("/dev/shm");
    let dir = if base.is_dir() {
        tempfile::tempdir_in(base)
    } else {
        tempfile::tempdir()
    }
    .expect("temporary directory");
    let d = dir.path().display();
    let conf = format!(
        "[store]\npath = \"{d}/store.db\"\n[master_key]\nfile = \"{d}/master.key\"\n\
         [pkcs11]\ninsecure_test_pin_kdf = true\n"
    );
    state::initialize(Some(conf)).expect("C_Initialize");
    let slot = *token::slot_list()
        .expect("slots")
        .last()
        .expect("empty slot");
    let so_pin = SecretBytes::new(b"fuzz-so-pin".to_vec());
    let user_pin = SecretBytes::new(b"fuzz-user-pin".to_vec());
    token::init_token(slot, &so_pin, "fuzz").expect("C_InitToken");
    let rw = CKF_SERIAL_SESSION | CKF_RW_SESSION;
    let h = session::open_session(slot, rw).expect("C_OpenSession");
    session::login(h, CKU_SO, &so_pin).expect("SO login");
    token::init_pin(h, &user_pin).expect("C_InitPIN");
    session::logout(h).expect("logout");
    session::login(h, CKU_USER, &user_pin).expect("user login");
    let yes = || bbool(true);
    let secret = |len: CK_ULONG| {
        t(&[
            (CKA_TOKEN, yes()),
            (CKA_VALUE_LEN, ulong(len)),
            (CKA_ENCRYPT, yes()),
            (CKA_DECRYPT, yes()),
            (CKA_SIGN, yes()),
            (CKA_VERIFY, yes()),
            (CKA_WRAP, yes()),
            (CKA_UNWRAP, yes()),
            (CKA_DERIVE, yes()),
            (CKA_EXTRACTABLE, yes()),
            (CKA_SENSITIVE, bbool(false)),
        ])
    };
    let aes = ops::keymgmt::generate_key(h, &mech(CKM_AES_KEY_GEN), &secret(32)).expect("AES key");
    let generic = ops::keymgmt::generate_key(h, &mech(CKM_GENERIC_SECRET_KEY_GEN), &secret(32))
        .expect("generic secret");
    let public = |extra: (CK_ATTRIBUTE_TYPE, Vec<u8>)| {
        t(&[
            (CKA_TOKEN, yes()),
            (CKA_VERIFY, yes()),
            (CKA_ENCRYPT, yes()),
            (CKA_WRAP, yes()),
            extra,
        ])
    };
    let private = t(&[
        (CKA_TOKEN, yes()),
        (CKA_SIGN, yes()),
        (CKA_DECRYPT, yes()),
        (CKA_UNWRAP, yes()),
        (CKA_DERIVE, yes()),
        (CKA_EXTRACTABLE, yes()),
    ]);
    let (ec_public, ec_private) = ops::keypair::generate_key_pair(
        h,
        &mech(CKM_EC_KEY_PAIR_GEN),
        &public((CKA_EC_PARAMS, P256_OID.to_vec())),
        &private,
    )
    .expect("EC key pair");
    let (rsa_public, rsa_private) = ops::keypair::generate_key_pair(
        h,
        &mech(CKM_RSA_PKCS_KEY_PAIR_GEN),
        &public((CKA_MODULUS_BITS, ulong(2048))),
        &private,
    )
    .expect("RSA key pair");
    Module {
        slot,
        keys: Keys {
            aes,
            generic,
            ec_private,
            ec_public,
            rsa_private,
            rsa_public,
        },
        _anchor: h,
        _dir: dir,
    }
}

impl Module {
    /// A fresh read/write session; closing it drops its session objects
    /// and any operation an input left open.
    pub fn session(&self) -> CK_SESSION_HANDLE {
        session::open_session(self.slot, CKF_SERIAL_SESSION | CKF_RW_SESSION).expect("session")
    }

    pub fn close(&self, h: CK_SESSION_HANDLE) {
        session::close_session(h).expect("C_CloseSession");
    }
}
