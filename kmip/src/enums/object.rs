//! Enumerations describing managed objects and their attributes (KMIP 2.1 §11;
//! the 1.x values are unchanged in 2.x).

enumeration! {
    /// Object Type (KMIP 2.1 §11).
    object_type = "Object Type" {
        Certificate = 0x01, SymmetricKey = 0x02, PublicKey = 0x03, PrivateKey = 0x04,
        SplitKey = 0x05, Template = 0x06, SecretData = 0x07, OpaqueObject = 0x08,
        PGPKey = 0x09, CertificateRequest = 0x0A,
    }
}

enumeration! {
    /// Key Format Type (KMIP 2.1 §11).
    key_format_type = "Key Format Type" {
        Raw = 0x01, Opaque = 0x02, PKCS_1 = 0x03, PKCS_8 = 0x04, X_509 = 0x05,
        ECPrivateKey = 0x06, TransparentSymmetricKey = 0x07,
        TransparentDSAPrivateKey = 0x08, TransparentDSAPublicKey = 0x09,
        TransparentRSAPrivateKey = 0x0A, TransparentRSAPublicKey = 0x0B,
        TransparentDHPrivateKey = 0x0C, TransparentDHPublicKey = 0x0D,
        TransparentECDSAPrivateKey = 0x0E, TransparentECDSAPublicKey = 0x0F,
        TransparentECDHPrivateKey = 0x10, TransparentECDHPublicKey = 0x11,
        TransparentECMQVPrivateKey = 0x12, TransparentECMQVPublicKey = 0x13,
        TransparentECPrivateKey = 0x14, TransparentECPublicKey = 0x15,
        PKCS_12 = 0x16, PKCS_10 = 0x17,
    }
}

enumeration! {
    /// Key Compression Type (KMIP 2.1 §11).
    key_compression_type = "Key Compression Type" {
        ECPublicKeyTypeUncompressed = 0x01,
        ECPublicKeyTypeX9_62CompressedPrime = 0x02,
        ECPublicKeyTypeX9_62CompressedChar2 = 0x03,
        ECPublicKeyTypeX9_62Hybrid = 0x04,
    }
}

enumeration! {
    /// State (KMIP 2.1 §11).
    state = "State" {
        PreActive = 0x01, Active = 0x02, Deactivated = 0x03, Compromised = 0x04,
        Destroyed = 0x05, DestroyedCompromised = 0x06,
    }
}

enumeration! {
    /// Name Type (KMIP 2.1 §11).
    name_type = "Name Type" { UninterpretedTextString = 0x01, URI = 0x02, }
}

enumeration! {
    /// Alternative Name Type (KMIP 2.1 §11).
    alternative_name_type = "Alternative Name Type" {
        UninterpretedTextString = 0x01, URI = 0x02, ObjectSerialNumber = 0x03,
        EmailAddress = 0x04, DNSName = 0x05, X_500DistinguishedName = 0x06,
        IPAddress = 0x07,
    }
}

enumeration! {
    /// Link Type (KMIP 2.1 §11).
    link_type = "Link Type" {
        CertificateLink = 0x101, PublicKeyLink = 0x102, PrivateKeyLink = 0x103,
        DerivationBaseObjectLink = 0x104, DerivedKeyLink = 0x105,
        ReplacementObjectLink = 0x106, ReplacedObjectLink = 0x107,
        ParentLink = 0x108, ChildLink = 0x109, PreviousLink = 0x10A,
        NextLink = 0x10B, PKCS_12CertificateLink = 0x10C,
        PKCS_12PasswordLink = 0x10D, WrappingKeyLink = 0x10E,
    }
}

enumeration! {
    /// Revocation Reason Code (KMIP 2.1 §11).
    revocation_reason_code = "Revocation Reason Code" {
        Unspecified = 0x01, KeyCompromise = 0x02, CACompromise = 0x03,
        AffiliationChanged = 0x04, Superseded = 0x05, CessationOfOperation = 0x06,
        PrivilegeWithdrawn = 0x07,
    }
}

enumeration! {
    /// Certificate Type (KMIP 2.1 §11).
    certificate_type = "Certificate Type" { X_509 = 0x01, PGP = 0x02, }
}

enumeration! {
    /// Certificate Request Type (KMIP 2.1 §11).
    certificate_request_type = "Certificate Request Type" {
        CRMF = 0x01, PKCS_10 = 0x02, PEM = 0x03, PGP = 0x04,
    }
}

enumeration! {
    /// Secret Data Type (KMIP 2.1 §11).
    secret_data_type = "Secret Data Type" {
        Password = 0x01, Seed = 0x02, FunctionalSecret = 0x03,
    }
}

enumeration! {
    /// Opaque Data Type (KMIP 2.1 §11): the spec defines no values; the
    /// vectors use extensions (`0x80000001`), written in hex.
    opaque_data_type = "Opaque Data Type" {}
}

enumeration! {
    /// Split Key Method (KMIP 2.1 §11).
    split_key_method = "Split Key Method" {
        XOR = 0x01, PolynomialSharingGF2_16 = 0x02, PolynomialSharingPrimeField = 0x03,
        PolynomialSharingGF2_8 = 0x04,
    }
}

enumeration! {
    /// Wrapping Method (KMIP 2.1 §11).
    wrapping_method = "Wrapping Method" {
        Encrypt = 0x01, MACSign = 0x02, EncryptThenMACSign = 0x03,
        MACSignThenEncrypt = 0x04, TR_31 = 0x05,
    }
}

enumeration! {
    /// Key Role Type (KMIP 2.1 §11).
    key_role_type = "Key Role Type" {
        BDK = 0x01, CVK = 0x02, DEK = 0x03, MKAC = 0x04, MKSMC = 0x05, MKSMI = 0x06,
        MKDAC = 0x07, MKDN = 0x08, MKCP = 0x09, MKOTH = 0x0A, KEK = 0x0B,
        MAC16609 = 0x0C, MAC97971 = 0x0D, MAC97972 = 0x0E, MAC97973 = 0x0F,
        MAC97974 = 0x10, MAC97975 = 0x11, ZPK = 0x12, PVKIBM = 0x13, PVKPVV = 0x14,
        PVKOTH = 0x15, DUKPT = 0x16, IV = 0x17, TRKBK = 0x18,
    }
}

enumeration! {
    /// Object Group Member (KMIP 2.1 §11).
    object_group_member = "Object Group Member" {
        GroupMemberFresh = 0x01, GroupMemberDefault = 0x02,
    }
}

enumeration! {
    /// Key Value Location Type (KMIP 1.4 §9.1.3.2).
    key_value_location_type = "Key Value Location Type" {
        UninterpretedTextString = 0x01, URI = 0x02,
    }
}

enumeration! {
    /// Validity Indicator (KMIP 2.1 §11).
    validity_indicator = "Validity Indicator" { Valid = 0x01, Invalid = 0x02, Unknown = 0x03, }
}

enumeration! {
    /// Usage Limits Unit (KMIP 2.1 §11).
    usage_limits_unit = "Usage Limits Unit" { Byte = 0x01, Object = 0x02, }
}

enumeration! {
    /// Attestation Type (KMIP 2.1 §11).
    attestation_type = "Attestation Type" {
        TPMQuote = 0x01, TCGIntegrityReport = 0x02, SAMLAssertion = 0x03,
    }
}

enumeration! {
    /// Protection Level (KMIP 2.1 §11).
    protection_level = "Protection Level" { High = 0x01, Low = 0x02, }
}

enumeration! {
    /// NIST Key Type (KMIP 2.1 §11).
    nist_key_type = "NIST Key Type" {
        PrivateSignatureKey = 0x01, PublicSignatureVerificationKey = 0x02,
        SymmetricAuthenticationKey = 0x03, PrivateAuthenticationKey = 0x04,
        PublicAuthenticationKey = 0x05, SymmetricDataEncryptionKey = 0x06,
        SymmetricKeyWrappingKey = 0x07, SymmetricRandomNumberGenerationKey = 0x08,
        SymmetricMasterKey = 0x09, PrivateKeyTransportKey = 0x0A,
        PublicKeyTransportKey = 0x0B, SymmetricKeyAgreementKey = 0x0C,
        PrivateStaticKeyAgreementKey = 0x0D, PublicStaticKeyAgreementKey = 0x0E,
        PrivateEphemeralKeyAgreementKey = 0x0F, PublicEphemeralKeyAgreementKey = 0x10,
        SymmetricAuthorizationKey = 0x11, PrivateAuthorizationKey = 0x12,
        PublicAuthorizationKey = 0x13,
    }
}

enumeration! {
    /// Key Wrap Type (KMIP 2.1 §11).
    key_wrap_type = "Key Wrap Type" { NotWrapped = 0x01, AsRegistered = 0x02, }
}

enumeration! {
    /// Unwrap Mode (KMIP 2.1 §11).
    unwrap_mode = "Unwrap Mode" { Unspecified = 0x01, Processed = 0x02, NotProcessed = 0x03, }
}

enumeration! {
    /// Destroy Action (KMIP 2.1 §11).
    destroy_action = "Destroy Action" {
        Unspecified = 0x01, KeyMaterialDeleted = 0x02, KeyMaterialShredded = 0x03,
        MetaDataDeleted = 0x04, MetaDataShredded = 0x05, Deleted = 0x06,
        Shredded = 0x07,
    }
}

enumeration! {
    /// Shredding Algorithm (KMIP 2.1 §11).
    shredding_algorithm = "Shredding Algorithm" {
        Unspecified = 0x01, Cryptographic = 0x02, Unsupported = 0x03,
    }
}

enumeration! {
    /// Client Registration Method (KMIP 2.1 §11).
    client_registration_method = "Client Registration Method" {
        Unspecified = 0x01, ServerPreGenerated = 0x02, ServerOnDemand = 0x03,
        ClientGenerated = 0x04, ClientRegistered = 0x05,
    }
}

enumeration! {
    /// Validation Authority Type (KMIP 2.1 §11).
    validation_authority_type = "Validation Authority Type" {
        Unspecified = 0x01, NISTCMVP = 0x02, CommonCriteria = 0x03,
    }
}

enumeration! {
    /// Validation Type (KMIP 2.1 §11).
    validation_type = "Validation Type" {
        Unspecified = 0x01, Hardware = 0x02, Software = 0x03, Firmware = 0x04,
        Hybrid = 0x05,
    }
}
