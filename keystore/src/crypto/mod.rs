//! Cryptography on key material, through OpenSSL.
//!
//! Every primitive here is a thin, typed wrapper over the `openssl` crate
//! (system OpenSSL 3.0), except RFC 3394/5649 key wrap, which uses `aes-kw`,
//! and the EdDSA variants OpenSSL 3.0 lacks (`eddsa`: `ed25519-dalek`,
//! `curve25519-dalek`, `ed448-goldilocks`).
//! The conventions, shared by all submodules:
//!
//! * secret keys are raw bytes ([`SecretBytes`](crate::secret::SecretBytes) when
//!   this module produces them);
//! * private asymmetric keys are unencrypted PKCS#8 DER (RFC 5208) in
//!   [`SecretBytes`](crate::secret::SecretBytes);
//! * public keys are SubjectPublicKeyInfo DER (RFC 5280 §4.1.2.7) in `Vec<u8>`.
//!
//! Malformed input (wrong key or IV length, undecodable key, bad padding) is
//! an [`Error`](crate::error::Error), never a panic: lengths are checked
//! before the `openssl` crate, which asserts on some of them, sees them.
//! No error message carries key bytes.

pub mod cipher;
pub mod derive;
pub mod digest;
mod eddsa;
pub mod generate;
pub mod keys;
pub mod mac;
pub mod random;
pub mod rsa_crypt;
pub mod sign;
pub mod sign_stream;
pub mod wrap;

pub use cipher::{decrypt, encrypt, CipherContext, CipherMode, Direction};
pub use derive::{
    ecdh, hkdf, hkdf_expand, hkdf_extract, pbkdf2, sp800_108_counter, sp800_108_double_pipeline,
    sp800_108_feedback, Prf,
};
pub use digest::{digest, Digest, DigestAlgorithm};
pub use generate::{
    generate_key_pair, generate_secret, Curve, KeyPair, KeyPairSpec, SymmetricAlgorithm,
};
pub use keys::{AsymmetricKind, RawKeyKind, RsaPrivateComponents};
pub use mac::{cmac_aes, hmac, mac, mac_verify, Mac, MacAlgorithm};
pub use random::{random_bytes, random_secret};
pub use rsa_crypt::{rsa_decrypt, rsa_encrypt, RsaPadding};
pub use sign::{
    sign, verify, EcdsaEncoding, SignContext, SignatureScheme, SigningKey, VerifyContext,
    VerifyingKey,
};
pub use wrap::{aes_key_unwrap, aes_key_unwrap_pad, aes_key_wrap, aes_key_wrap_pad};
