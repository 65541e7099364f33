//! Generating keys into a partition: what KMIP Create / Create Key Pair and
//! PKCS#11 C_GenerateKey / C_GenerateKeyPair share.
//!
//! The caller passes the attribute templates it parsed from its protocol;
//! this module fills in what generation decides (algorithm, length, curve,
//! CKA_LOCAL, ALWAYS_SENSITIVE / NEVER_EXTRACTABLE at creation, the links
//! and shared key id of a pair) and stores the result.

use crate::crypto::generate::{self, Curve, KeyPairSpec, SymmetricAlgorithm};
use crate::crypto::random;
use crate::error::Result;
use crate::object::{Algorithm, Attributes, Link, LinkType, ObjectType};
use crate::partition::Partition;

/// The identifiers of a stored key pair.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPairIds {
    pub private: String,
    pub public: String,
}

fn mark_generated(a: &mut Attributes) {
    a.flags.local = true;
    a.flags.always_sensitive = a.flags.sensitive;
    a.flags.never_extractable = !a.flags.extractable;
}

/// The store's algorithm for a symmetric generation algorithm.
pub fn symmetric_algorithm(alg: SymmetricAlgorithm) -> Algorithm {
    match alg {
        SymmetricAlgorithm::Aes => Algorithm::Aes,
        SymmetricAlgorithm::GenericSecret => Algorithm::GenericSecret,
        SymmetricAlgorithm::Hmac(d) => Algorithm::Hmac(d),
        SymmetricAlgorithm::ChaCha20 => Algorithm::ChaCha20,
        SymmetricAlgorithm::TripleDes => Algorithm::TripleDes,
    }
}

/// Generates a secret key of `bits` and stores it with `template`.
pub fn generate_secret_key(
    partition: &Partition,
    alg: SymmetricAlgorithm,
    bits: u32,
    mut template: Attributes,
) -> Result<String> {
    let value = generate::generate_secret(alg, bits)?;
    template.object_type = ObjectType::SymmetricKey;
    template.algorithm = Some(symmetric_algorithm(alg));
    template.length = Some(bits);
    mark_generated(&mut template);
    partition.create(template, Some(value))
}

/// The store's algorithm, length and curve of a key pair spec.
pub fn pair_algorithm(spec: &KeyPairSpec) -> (Algorithm, u32, Option<Curve>) {
    match spec {
        KeyPairSpec::Rsa { bits, .. } => (Algorithm::Rsa, *bits, None),
        KeyPairSpec::Ec(c) => (Algorithm::Ec, c.bits(), Some(*c)),
        KeyPairSpec::Ed25519 => (Algorithm::Ed25519, 255, None),
        KeyPairSpec::Ed448 => (Algorithm::Ed448, 448, None),
        KeyPairSpec::X25519 => (Algorithm::X25519, 255, None),
        KeyPairSpec::X448 => (Algorithm::X448, 448, None),
    }
}

/// Generates a key pair and stores both halves, linked to each other and
/// sharing one key id (CKA_ID) — the caller's, or a fresh random one.
pub fn generate_key_pair(
    partition: &Partition,
    spec: &KeyPairSpec,
    mut private: Attributes,
    mut public: Attributes,
) -> Result<KeyPairIds> {
    let kp = generate::generate_key_pair(spec.clone())?;
    let (alg, len, curve) = pair_algorithm(spec);
    let key_id = match private.key_id.clone().or_else(|| public.key_id.clone()) {
        Some(id) => id,
        None => random::random_bytes(16)?,
    };
    let private_uid = uuid::Uuid::new_v4().to_string();
    let public_uid = uuid::Uuid::new_v4().to_string();
    for (a, class) in [
        (&mut private, ObjectType::PrivateKey),
        (&mut public, ObjectType::PublicKey),
    ] {
        a.object_type = class;
        a.algorithm = Some(alg);
        a.length = Some(len);
        a.curve = curve;
        a.key_id = Some(key_id.clone());
        mark_generated(a);
    }
    private.links.push(Link {
        link_type: LinkType::PublicKey,
        target: public_uid.clone(),
    });
    public.links.push(Link {
        link_type: LinkType::PrivateKey,
        target: private_uid.clone(),
    });
    partition.create_with_uid(
        &public_uid,
        public,
        Some(crate::SecretBytes::new(kp.public_spki)),
    )?;
    if let Err(e) = partition.create_with_uid(&private_uid, private, Some(kp.private_pkcs8)) {
        // Leave no half pair behind.
        let _ = partition.delete(&public_uid);
        return Err(e);
    }
    Ok(KeyPairIds {
        private: private_uid,
        public: public_uid,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::keys;
    use crate::hierarchy::SoftwareMasterKey;
    use crate::key_store::KeyStore;
    use crate::lifecycle;
    use std::sync::Arc;

    fn partition() -> (tempfile::TempDir, Partition) {
        let d = tempfile::tempdir().unwrap();
        let ks = KeyStore::open(&d.path().join("s.db")).unwrap();
        let m = SoftwareMasterKey::from_key_file(&d.path().join("m.key")).unwrap();
        let p = ks
            .unlock(Arc::new(m))
            .unwrap()
            .create_partition("t")
            .unwrap();
        (d, p)
    }

    #[test]
    fn secret_key_gets_generation_attributes() {
        let (_d, p) = partition();
        let mut t = Attributes::new(ObjectType::SymmetricKey, lifecycle::now());
        t.flags.extractable = false;
        let uid = generate_secret_key(&p, SymmetricAlgorithm::Aes, 192, t).unwrap();
        let o = p.get(&uid).unwrap();
        assert_eq!(o.value.unwrap().len(), 24);
        let a = o.attributes;
        assert_eq!((a.algorithm, a.length), (Some(Algorithm::Aes), Some(192)));
        assert!(a.flags.local && a.flags.always_sensitive && a.flags.never_extractable);
    }

    #[test]
    fn key_pair_halves_are_linked_and_share_an_id() {
        let (_d, p) = partition();
        let now = lifecycle::now();
        let ids = generate_key_pair(
            &p,
            &KeyPairSpec::Ec(Curve::P384),
            Attributes::new(ObjectType::PrivateKey, now),
            Attributes::new(ObjectType::PublicKey, now),
        )
        .unwrap();
        let private = p.get(&ids.private).unwrap();
        let public = p.get(&ids.public).unwrap();
        assert_eq!(
            private.attributes.link(LinkType::PublicKey),
            Some(ids.public.as_str())
        );
        assert_eq!(
            public.attributes.link(LinkType::PrivateKey),
            Some(ids.private.as_str())
        );
        assert_eq!(private.attributes.key_id, public.attributes.key_id);
        assert_eq!(public.attributes.curve, Some(Curve::P384));
        let derived = keys::public_from_private(private.value.unwrap().expose()).unwrap();
        assert_eq!(derived, public.value.unwrap().expose());
    }

    #[test]
    fn invalid_lengths_store_nothing() {
        let (_d, p) = partition();
        let now = lifecycle::now();
        assert!(generate_secret_key(
            &p,
            SymmetricAlgorithm::Aes,
            100,
            Attributes::new(ObjectType::SymmetricKey, now)
        )
        .is_err());
        assert!(generate_key_pair(
            &p,
            &KeyPairSpec::Rsa {
                bits: 1000,
                public_exponent: None
            },
            Attributes::new(ObjectType::PrivateKey, now),
            Attributes::new(ObjectType::PublicKey, now),
        )
        .is_err());
        assert!(p.find(&Default::default()).unwrap().is_empty());
    }
}
