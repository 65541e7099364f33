//! Cryptographic enumerations and bit masks (KMIP 2.1 §11 and §12; the 1.x
//! values are unchanged in 2.x).

enumeration! {
    /// Cryptographic Algorithm (KMIP 2.1 §11).
    cryptographic_algorithm = "Cryptographic Algorithm" {
        DES = 0x01, DES3 = 0x02, AES = 0x03, RSA = 0x04, DSA = 0x05, ECDSA = 0x06,
        HMAC_SHA1 = 0x07, HMAC_SHA224 = 0x08, HMAC_SHA256 = 0x09,
        HMAC_SHA384 = 0x0A, HMAC_SHA512 = 0x0B, HMAC_MD5 = 0x0C, DH = 0x0D,
        ECDH = 0x0E, ECMQV = 0x0F, Blowfish = 0x10, Camellia = 0x11, CAST5 = 0x12,
        IDEA = 0x13, MARS = 0x14, RC2 = 0x15, RC4 = 0x16, RC5 = 0x17,
        SKIPJACK = 0x18, Twofish = 0x19, EC = 0x1A, OneTimePad = 0x1B,
        ChaCha20 = 0x1C, Poly1305 = 0x1D, ChaCha20Poly1305 = 0x1E,
        SHA3_224 = 0x1F, SHA3_256 = 0x20, SHA3_384 = 0x21, SHA3_512 = 0x22,
        HMAC_SHA3_224 = 0x23, HMAC_SHA3_256 = 0x24, HMAC_SHA3_384 = 0x25,
        HMAC_SHA3_512 = 0x26, SHAKE_128 = 0x27, SHAKE_256 = 0x28,
        // KMIP 2.0
        ARIA = 0x29, SEED = 0x2A, SM2 = 0x2B, SM3 = 0x2C, SM4 = 0x2D,
        GOST_R_34_10_2012 = 0x2E, GOST_R_34_11_2012 = 0x2F,
        GOST_R_34_13_2015 = 0x30, GOST_28147_89 = 0x31, XMSS = 0x32,
        SPHINCS_256 = 0x33, McEliece = 0x34, McEliece_6960119 = 0x35,
        McEliece_8192128 = 0x36, Ed25519 = 0x37, Ed448 = 0x38,
    }
}

enumeration! {
    /// Block Cipher Mode (KMIP 2.1 §11).
    block_cipher_mode = "Block Cipher Mode" {
        CBC = 0x01, ECB = 0x02, PCBC = 0x03, CFB = 0x04, OFB = 0x05, CTR = 0x06,
        CMAC = 0x07, CCM = 0x08, GCM = 0x09, CBC_MAC = 0x0A, XTS = 0x0B,
        AESKeyWrapPadding = 0x0C, NISTKeyWrap = 0x0D, X9_102AESKW = 0x0E,
        X9_102TDKW = 0x0F, X9_102AKW1 = 0x10, X9_102AKW2 = 0x11, AEAD = 0x12,
    }
}

enumeration! {
    /// Padding Method (KMIP 2.1 §11).
    padding_method = "Padding Method" {
        None = 0x01, OAEP = 0x02, PKCS5 = 0x03, SSL3 = 0x04, Zeros = 0x05,
        ANSIX9_23 = 0x06, ISO10126 = 0x07, PKCS1v1_5 = 0x08, X9_31 = 0x09,
        PSS = 0x0A,
    }
}

enumeration! {
    /// Hashing Algorithm (KMIP 2.1 §11); also Mask Generator Hashing Algorithm.
    hashing_algorithm = "Hashing Algorithm" {
        MD2 = 0x01, MD4 = 0x02, MD5 = 0x03, SHA_1 = 0x04, SHA_224 = 0x05,
        SHA_256 = 0x06, SHA_384 = 0x07, SHA_512 = 0x08, RIPEMD_160 = 0x09,
        Tiger = 0x0A, Whirlpool = 0x0B, SHA_512_224 = 0x0C, SHA_512_256 = 0x0D,
        SHA3_224 = 0x0E, SHA3_256 = 0x0F, SHA3_384 = 0x10, SHA3_512 = 0x11,
    }
}

enumeration! {
    /// Digital Signature Algorithm (KMIP 2.1 §11).
    digital_signature_algorithm = "Digital Signature Algorithm" {
        MD2WithRSAEncryption = 0x01, MD5WithRSAEncryption = 0x02,
        SHA_1WithRSAEncryption = 0x03, SHA_224WithRSAEncryption = 0x04,
        SHA_256WithRSAEncryption = 0x05, SHA_384WithRSAEncryption = 0x06,
        SHA_512WithRSAEncryption = 0x07, RSASSA_PSS = 0x08, DSAWithSHA_1 = 0x09,
        DSAWithSHA224 = 0x0A, DSAWithSHA256 = 0x0B, ECDSAWithSHA_1 = 0x0C,
        ECDSAWithSHA224 = 0x0D, ECDSAWithSHA256 = 0x0E, ECDSAWithSHA384 = 0x0F,
        ECDSAWithSHA512 = 0x10, SHA3_256WithRSAEncryption = 0x11,
        SHA3_384WithRSAEncryption = 0x12, SHA3_512WithRSAEncryption = 0x13,
    }
}

enumeration! {
    /// Recommended Curve (KMIP 2.1 §11).
    recommended_curve = "Recommended Curve" {
        P_192 = 0x01, K_163 = 0x02, B_163 = 0x03, P_224 = 0x04, K_233 = 0x05,
        B_233 = 0x06, P_256 = 0x07, K_283 = 0x08, B_283 = 0x09, P_384 = 0x0A,
        K_409 = 0x0B, B_409 = 0x0C, P_521 = 0x0D, K_571 = 0x0E, B_571 = 0x0F,
        SECP112R1 = 0x10, SECP112R2 = 0x11, SECP128R1 = 0x12, SECP128R2 = 0x13,
        SECP160K1 = 0x14, SECP160R1 = 0x15, SECP160R2 = 0x16, SECP192K1 = 0x17,
        SECP224K1 = 0x18, SECP256K1 = 0x19, SECT113R1 = 0x1A, SECT113R2 = 0x1B,
        SECT131R1 = 0x1C, SECT131R2 = 0x1D, SECT163R1 = 0x1E, SECT193R1 = 0x1F,
        SECT193R2 = 0x20, SECT239K1 = 0x21, ANSIX9P192V2 = 0x22,
        ANSIX9P192V3 = 0x23, ANSIX9P239V1 = 0x24, ANSIX9P239V2 = 0x25,
        ANSIX9P239V3 = 0x26, ANSIX9C2PNB163V1 = 0x27, ANSIX9C2PNB163V2 = 0x28,
        ANSIX9C2PNB163V3 = 0x29, ANSIX9C2PNB176V1 = 0x2A, ANSIX9C2TNB191V1 = 0x2B,
        ANSIX9C2TNB191V2 = 0x2C, ANSIX9C2TNB191V3 = 0x2D, ANSIX9C2PNB208W1 = 0x2E,
        ANSIX9C2TNB239V1 = 0x2F, ANSIX9C2TNB239V2 = 0x30, ANSIX9C2TNB239V3 = 0x31,
        ANSIX9C2PNB272W1 = 0x32, ANSIX9C2PNB304W1 = 0x33, ANSIX9C2TNB359V1 = 0x34,
        ANSIX9C2PNB368W1 = 0x35, ANSIX9C2TNB431R1 = 0x36, BRAINPOOLP160R1 = 0x37,
        BRAINPOOLP160T1 = 0x38, BRAINPOOLP192R1 = 0x39, BRAINPOOLP192T1 = 0x3A,
        BRAINPOOLP224R1 = 0x3B, BRAINPOOLP224T1 = 0x3C, BRAINPOOLP256R1 = 0x3D,
        BRAINPOOLP256T1 = 0x3E, BRAINPOOLP320R1 = 0x3F, BRAINPOOLP320T1 = 0x40,
        BRAINPOOLP384R1 = 0x41, BRAINPOOLP384T1 = 0x42, BRAINPOOLP512R1 = 0x43,
        BRAINPOOLP512T1 = 0x44, CURVE25519 = 0x45, CURVE448 = 0x46,
    }
}

enumeration! {
    /// Derivation Method (KMIP 2.1 §11).
    derivation_method = "Derivation Method" {
        PBKDF2 = 0x01, HASH = 0x02, HMAC = 0x03, ENCRYPT = 0x04,
        NIST800_108_C = 0x05, NIST800_108_F = 0x06, NIST800_108_DPI = 0x07,
        AsymmetricKey = 0x08, AWSSignatureVersion4 = 0x09, HKDF = 0x0A,
    }
}

enumeration! {
    /// Mask Generator (KMIP 2.1 §11).
    mask_generator = "Mask Generator" { MGF1 = 0x01, }
}

enumeration! {
    /// RNG Algorithm (KMIP 2.1 §11).
    rng_algorithm = "RNG Algorithm" {
        Unspecified = 0x01, FIPS186_2 = 0x02, DRBG = 0x03, NRBG = 0x04,
        ANSIX9_31 = 0x05, ANSIX9_62 = 0x06,
    }
}

enumeration! {
    /// DRBG Algorithm (KMIP 2.1 §11).
    drbg_algorithm = "DRBG Algorithm" {
        Unspecified = 0x01, Dual_EC = 0x02, Hash = 0x03, HMAC = 0x04, CTR = 0x05,
    }
}

enumeration! {
    /// FIPS186 Variation (KMIP 2.1 §11).
    fips186_variation = "FIPS186 Variation" {
        Unspecified = 0x01, GPXOriginal = 0x02, GPXChangeNotice = 0x03,
        XOriginal = 0x04, XChangeNotice = 0x05, KPQOriginal = 0x06,
        KPQChangeNotice = 0x07,
    }
}

enumeration! {
    /// RNG Mode (KMIP 2.1 §11).
    rng_mode = "RNG Mode" {
        Unspecified = 0x01, SharedInstantiation = 0x02, NonSharedInstantiation = 0x03,
    }
}

// ---- bit masks (Integer items whose bits have names; KMIP 2.1 §12) ----------

enumeration! {
    /// Cryptographic Usage Mask bits (KMIP 2.1 §12).
    cryptographic_usage_mask = "Cryptographic Usage Mask" {
        Sign = 0x01, Verify = 0x02, Encrypt = 0x04, Decrypt = 0x08, WrapKey = 0x10,
        UnwrapKey = 0x20, Export = 0x40, MACGenerate = 0x80, MACVerify = 0x100,
        DeriveKey = 0x200, ContentCommitment = 0x400, KeyAgreement = 0x800,
        CertificateSign = 0x1000, CRLSign = 0x2000, GenerateCryptogram = 0x4000,
        ValidateCryptogram = 0x8000, TranslateEncrypt = 0x10000,
        TranslateDecrypt = 0x20000, TranslateWrap = 0x40000,
        TranslateUnwrap = 0x80000, Authenticate = 0x100000,
        Unrestricted = 0x200000, FPEEncrypt = 0x400000, FPEDecrypt = 0x800000,
    }
}

enumeration! {
    /// Protection Storage Mask bits (KMIP 2.1 §12).
    protection_storage_mask = "Protection Storage Mask" {
        Software = 0x01, Hardware = 0x02, OnProcessor = 0x04, OnSystem = 0x08,
        OffSystem = 0x10, Hypervisor = 0x20, OperatingSystem = 0x40,
        Container = 0x80, OnPremises = 0x100, OffPremises = 0x200,
        SelfManaged = 0x400, Outsourced = 0x800, Validated = 0x1000,
        SameJurisdiction = 0x2000,
    }
}

enumeration! {
    /// Storage Status Mask bits (KMIP 2.1 §12).
    storage_status_mask = "Storage Status Mask" {
        OnLineStorage = 0x01, ArchivalStorage = 0x02, DestroyedStorage = 0x04,
    }
}
