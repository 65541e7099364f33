//! Enumerations of the message layer and of operations (KMIP 2.1 §11; the
//! 1.x values are unchanged in 2.x). Values written as in the spec's tables.

enumeration! {
    /// Operation (KMIP 2.1 §11).
    operation = "Operation" {
        Create = 0x01, CreateKeyPair = 0x02, Register = 0x03, ReKey = 0x04,
        DeriveKey = 0x05, Certify = 0x06, ReCertify = 0x07, Locate = 0x08,
        Check = 0x09, Get = 0x0A, GetAttributes = 0x0B, GetAttributeList = 0x0C,
        AddAttribute = 0x0D, ModifyAttribute = 0x0E, DeleteAttribute = 0x0F,
        ObtainLease = 0x10, GetUsageAllocation = 0x11, Activate = 0x12,
        Revoke = 0x13, Destroy = 0x14, Archive = 0x15, Recover = 0x16,
        Validate = 0x17, Query = 0x18, Cancel = 0x19, Poll = 0x1A, Notify = 0x1B,
        Put = 0x1C, ReKeyKeyPair = 0x1D, DiscoverVersions = 0x1E, Encrypt = 0x1F,
        Decrypt = 0x20, Sign = 0x21, SignatureVerify = 0x22, MAC = 0x23,
        MACVerify = 0x24, RNGRetrieve = 0x25, RNGSeed = 0x26, Hash = 0x27,
        CreateSplitKey = 0x28, JoinSplitKey = 0x29, Import = 0x2A, Export = 0x2B,
        // KMIP 2.0
        Log = 0x2C, Login = 0x2D, Logout = 0x2E, DelegatedLogin = 0x2F,
        AdjustAttribute = 0x30, SetAttribute = 0x31, SetEndpointRole = 0x32,
        PKCS_11 = 0x33, Interop = 0x34, ReProvision = 0x35,
        // KMIP 2.1
        SetDefaults = 0x36, SetConstraints = 0x37, GetConstraints = 0x38,
        QueryAsynchronousRequests = 0x39, Process = 0x3A, Ping = 0x3B,
    }
}

enumeration! {
    /// Result Status (KMIP 2.1 §11).
    result_status = "Result Status" {
        Success = 0x00, OperationFailed = 0x01, OperationPending = 0x02,
        OperationUndone = 0x03,
    }
}

enumeration! {
    /// Result Reason (KMIP 2.1 §11).
    result_reason = "Result Reason" {
        ItemNotFound = 0x01, ResponseTooLarge = 0x02,
        AuthenticationNotSuccessful = 0x03, InvalidMessage = 0x04,
        OperationNotSupported = 0x05, MissingData = 0x06, InvalidField = 0x07,
        FeatureNotSupported = 0x08, OperationCanceledByRequester = 0x09,
        CryptographicFailure = 0x0A, IllegalOperation = 0x0B,
        PermissionDenied = 0x0C, ObjectArchived = 0x0D, IndexOutOfBounds = 0x0E,
        ApplicationNamespaceNotSupported = 0x0F, KeyFormatTypeNotSupported = 0x10,
        KeyCompressionTypeNotSupported = 0x11, EncodingOptionError = 0x12,
        KeyValueNotPresent = 0x13, AttestationRequired = 0x14,
        AttestationFailed = 0x15, Sensitive = 0x16, NotExtractable = 0x17,
        ObjectAlreadyExists = 0x18,
        // KMIP 2.0
        InvalidTicket = 0x19, UsageLimitExceeded = 0x1A, NumericRange = 0x1B,
        InvalidDataType = 0x1C, ReadOnlyAttribute = 0x1D,
        MultiValuedAttribute = 0x1E, UnsupportedAttribute = 0x1F,
        AttributeInstanceNotFound = 0x20, AttributeNotFound = 0x21,
        AttributeReadOnly = 0x22, AttributeSingleValued = 0x23,
        BadCryptographicParameters = 0x24, BadPassword = 0x25, CodecError = 0x26,
        IllegalObjectType = 0x28, IncompatibleCryptographicUsageMask = 0x29,
        InternalServerError = 0x2A, InvalidAsynchronousCorrelationValue = 0x2B,
        InvalidAttribute = 0x2C, InvalidAttributeValue = 0x2D,
        InvalidCorrelationValue = 0x2E, InvalidCSR = 0x2F, InvalidObjectType = 0x30,
        KeyWrapTypeNotSupported = 0x32, MissingInitializationVector = 0x34,
        NonUniqueNameAttribute = 0x35, ObjectDestroyed = 0x36,
        ObjectNotFound = 0x37, NotAuthorised = 0x39, ServerLimitExceeded = 0x3A,
        UnknownEnumeration = 0x3B, UnknownMessageExtension = 0x3C,
        UnknownTag = 0x3D, UnsupportedCryptographicParameters = 0x3E,
        UnsupportedProtocolVersion = 0x3F, WrappingObjectArchived = 0x40,
        WrappingObjectDestroyed = 0x41, WrappingObjectNotFound = 0x42,
        WrongKeyLifecycleState = 0x43, ProtectionStorageUnavailable = 0x44,
        PKCS_11CodecError = 0x45, PKCS_11InvalidFunction = 0x46,
        PKCS_11InvalidInterface = 0x47,
        PrivateProtectionStorageUnavailable = 0x48,
        PublicProtectionStorageUnavailable = 0x49,
        // KMIP 2.1
        UnknownObjectGroup = 0x4A, ConstraintViolation = 0x4B,
        DuplicateProcessRequest = 0x4C,
        GeneralFailure = 0x100,
    }
}

enumeration! {
    /// Batch Error Continuation Option (KMIP 2.1 §11).
    batch_error_continuation_option = "Batch Error Continuation Option" {
        Continue = 0x01, Stop = 0x02, Undo = 0x03,
    }
}

enumeration! {
    /// Query Function (KMIP 2.1 §11).
    query_function = "Query Function" {
        QueryOperations = 0x01, QueryObjects = 0x02, QueryServerInformation = 0x03,
        QueryApplicationNamespaces = 0x04, QueryExtensionList = 0x05,
        QueryExtensionMap = 0x06, QueryAttestationTypes = 0x07, QueryRNGs = 0x08,
        QueryValidations = 0x09, QueryProfiles = 0x0A, QueryCapabilities = 0x0B,
        QueryClientRegistrationMethods = 0x0C, QueryDefaultsInformation = 0x0D,
        QueryStorageProtectionMasks = 0x0E,
    }
}

enumeration! {
    /// Cancellation Result (KMIP 2.1 §11).
    cancellation_result = "Cancellation Result" {
        Canceled = 0x01, UnableToCancel = 0x02, Completed = 0x03, Failed = 0x04,
        Unavailable = 0x05,
    }
}

enumeration! {
    /// Put Function (KMIP 1.4 §9.1.3.2).
    put_function = "Put Function" { New = 0x01, Replace = 0x02, }
}

enumeration! {
    /// Encoding Option (KMIP 2.1 §11).
    encoding_option = "Encoding Option" { NoEncoding = 0x01, TTLVEncoding = 0x02, }
}

enumeration! {
    /// Credential Type (KMIP 2.1 §11).
    credential_type = "Credential Type" {
        UsernameAndPassword = 0x01, Device = 0x02, Attestation = 0x03,
        OneTimePassword = 0x04, HashedPassword = 0x05, Ticket = 0x06,
    }
}

enumeration! {
    /// Unique Identifier as an enumeration (KMIP 2.1 §11): refers to an
    /// object created earlier in the same batch.
    unique_identifier = "Unique Identifier" {
        IDPlaceholder = 0x01, Certify = 0x02, Create = 0x03, CreateKeyPair = 0x04,
        CreateKeyPairPrivateKey = 0x05, CreateKeyPairPublicKey = 0x06,
        CreateSplitKey = 0x07, DeriveKey = 0x08, Import = 0x09,
        JoinSplitKey = 0x0A, Locate = 0x0B, Register = 0x0C, ReKey = 0x0D,
        ReCertify = 0x0E, ReKeyKeyPair = 0x0F, ReKeyKeyPairPrivateKey = 0x10,
        ReKeyKeyPairPublicKey = 0x11,
    }
}

enumeration! {
    /// Interop Function (KMIP 2.1 §11).
    interop_function = "Interop Function" { Begin = 0x01, End = 0x02, Reset = 0x03, }
}

enumeration! {
    /// Adjustment Type (KMIP 2.1 §11).
    adjustment_type = "Adjustment Type" { Increment = 0x01, Decrement = 0x02, Negate = 0x03, }
}

enumeration! {
    /// Endpoint Role (KMIP 2.1 §11).
    endpoint_role = "Endpoint Role" { Client = 0x01, Server = 0x02, }
}

enumeration! {
    /// Ticket Type (KMIP 2.1 §11).
    ticket_type = "Ticket Type" { Login = 0x01, }
}

enumeration! {
    /// Processing Stage (KMIP 2.1 §11).
    processing_stage = "Processing Stage" { Submitted = 0x01, InProcess = 0x02, Completed = 0x03, }
}

enumeration! {
    /// PKCS#11 Function (KMIP 2.1 §11): the functions in the order of the
    /// PKCS#11 function list, numbered from 1.
    pkcs_11_function = "PKCS#11 Function" {
        C_Initialize = 1, C_Finalize = 2, C_GetInfo = 3, C_GetFunctionList = 4,
        C_GetSlotList = 5, C_GetSlotInfo = 6, C_GetTokenInfo = 7,
        C_GetMechanismList = 8, C_GetMechanismInfo = 9, C_InitToken = 10,
        C_InitPIN = 11, C_SetPIN = 12, C_OpenSession = 13, C_CloseSession = 14,
        C_CloseAllSessions = 15, C_GetSessionInfo = 16, C_GetOperationState = 17,
        C_SetOperationState = 18, C_Login = 19, C_Logout = 20, C_CreateObject = 21,
        C_CopyObject = 22, C_DestroyObject = 23, C_GetObjectSize = 24,
        C_GetAttributeValue = 25, C_SetAttributeValue = 26, C_FindObjectsInit = 27,
        C_FindObjects = 28, C_FindObjectsFinal = 29, C_EncryptInit = 30,
        C_Encrypt = 31, C_EncryptUpdate = 32, C_EncryptFinal = 33,
        C_DecryptInit = 34, C_Decrypt = 35, C_DecryptUpdate = 36,
        C_DecryptFinal = 37, C_DigestInit = 38, C_Digest = 39, C_DigestUpdate = 40,
        C_DigestKey = 41, C_DigestFinal = 42, C_SignInit = 43, C_Sign = 44,
        C_SignUpdate = 45, C_SignFinal = 46, C_SignRecoverInit = 47,
        C_SignRecover = 48, C_VerifyInit = 49, C_Verify = 50, C_VerifyUpdate = 51,
        C_VerifyFinal = 52, C_VerifyRecoverInit = 53, C_VerifyRecover = 54,
        C_DigestEncryptUpdate = 55, C_DecryptDigestUpdate = 56,
        C_SignEncryptUpdate = 57, C_DecryptVerifyUpdate = 58, C_GenerateKey = 59,
        C_GenerateKeyPair = 60, C_WrapKey = 61, C_UnwrapKey = 62, C_DeriveKey = 63,
        C_SeedRandom = 64, C_GenerateRandom = 65, C_GetFunctionStatus = 66,
        C_CancelFunction = 67, C_WaitForSlotEvent = 68,
    }
}

enumeration! {
    /// PKCS#11 Return Code (KMIP 2.1 §11): the PKCS#11 `CKR_` values.
    pkcs_11_return_code = "PKCS#11 Return Code" {
        OK = 0x00, CANCEL = 0x01, HOST_MEMORY = 0x02, SLOT_ID_INVALID = 0x03,
        GENERAL_ERROR = 0x05, FUNCTION_FAILED = 0x06, ARGUMENTS_BAD = 0x07,
        NO_EVENT = 0x08, NEED_TO_CREATE_THREADS = 0x09, CANT_LOCK = 0x0A,
    }
}
