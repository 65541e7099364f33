/*
 * keybridge_pkcs11.h - PKCS#11 for C applications of keybridge's module
 * (libkeybridge_pkcs11.so).
 *
 * Part 1 declares keybridge's vendor-defined constants. keybridge defines
 * no vendor attributes, mechanisms or return codes yet; its vendor range is
 * reserved below so that future ones never collide with other vendors' use
 * of CKA_VENDOR_DEFINED / CKM_VENDOR_DEFINED / CKR_VENDOR_DEFINED.
 *
 * Part 2 is a self-contained declaration of the PKCS#11 3.0 ABI as the
 * module implements it (Linux/Unix conventions: no structure packing,
 * CK_ULONG = unsigned long): the types, the 2.40 and 3.0 function tables,
 * the interface records and the standard constants. It was generated from
 * the cryptoki-sys 0.5 bindings that the module itself is built with, so the
 * C and Rust views cannot drift. To use your own standard pkcs11.h instead,
 * include it first and define KEYBRIDGE_PKCS11_EXTERNAL_HEADER.
 *
 * Typical use:  dlopen("libkeybridge_pkcs11.so"), dlsym "C_GetInterface",
 * ask for "PKCS 11" (NULL version = 3.0), cast pFunctionList to
 * CK_FUNCTION_LIST_3_0_PTR.
 */
#ifndef KEYBRIDGE_PKCS11_H
#define KEYBRIDGE_PKCS11_H

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Part 1: keybridge vendor-defined constants ------------------------ */

/* keybridge's vendor range: CK*_VENDOR_DEFINED | 0x4B420000 ("KB"). */
#define CKA_KEYBRIDGE_BASE (0x80000000UL | 0x4B420000UL)
#define CKM_KEYBRIDGE_BASE (0x80000000UL | 0x4B420000UL)
#define CKR_KEYBRIDGE_BASE (0x80000000UL | 0x4B420000UL)

/* The interface name keybridge offers through C_GetInterface(List). */
#define KEYBRIDGE_PKCS11_INTERFACE_NAME "PKCS 11"

#ifndef KEYBRIDGE_PKCS11_EXTERNAL_HEADER

/* ---- Part 2: the PKCS#11 3.0 ABI ---------------------------------------- */

typedef unsigned char CK_BYTE;
typedef CK_BYTE CK_CHAR;
typedef CK_BYTE CK_UTF8CHAR;
typedef CK_BYTE CK_BBOOL;
typedef unsigned long CK_ULONG;
typedef long CK_LONG;
typedef CK_ULONG CK_FLAGS;
typedef CK_BYTE *CK_BYTE_PTR;
typedef CK_CHAR *CK_CHAR_PTR;
typedef CK_UTF8CHAR *CK_UTF8CHAR_PTR;
typedef CK_ULONG *CK_ULONG_PTR;
typedef void *CK_VOID_PTR;
typedef void **CK_VOID_PTR_PTR;

typedef CK_ULONG CK_RV;
typedef CK_ULONG CK_SLOT_ID;
typedef CK_SLOT_ID *CK_SLOT_ID_PTR;
typedef CK_ULONG CK_SESSION_HANDLE;
typedef CK_SESSION_HANDLE *CK_SESSION_HANDLE_PTR;
typedef CK_ULONG CK_OBJECT_HANDLE;
typedef CK_OBJECT_HANDLE *CK_OBJECT_HANDLE_PTR;
typedef CK_ULONG CK_OBJECT_CLASS;
typedef CK_ULONG CK_KEY_TYPE;
typedef CK_ULONG CK_CERTIFICATE_TYPE;
typedef CK_ULONG CK_HW_FEATURE_TYPE;
typedef CK_ULONG CK_ATTRIBUTE_TYPE;
typedef CK_ULONG CK_MECHANISM_TYPE;
typedef CK_MECHANISM_TYPE *CK_MECHANISM_TYPE_PTR;
typedef CK_ULONG CK_USER_TYPE;
typedef CK_ULONG CK_STATE;
typedef CK_ULONG CK_NOTIFICATION;
typedef CK_ULONG CK_GENERATOR_FUNCTION;
typedef CK_ULONG CK_PROFILE_ID;
typedef CK_ULONG CK_EC_KDF_TYPE;
typedef CK_ULONG CK_RSA_PKCS_MGF_TYPE;
typedef CK_ULONG CK_RSA_PKCS_OAEP_SOURCE_TYPE;
typedef CK_ULONG CK_PKCS5_PBKD2_PSEUDO_RANDOM_FUNCTION_TYPE;
typedef CK_ULONG CK_PKCS5_PBKDF2_SALT_SOURCE_TYPE;

#define CK_TRUE 1
#define CK_FALSE 0
#define CK_UNAVAILABLE_INFORMATION (~0UL)
#define CK_EFFECTIVELY_INFINITE 0UL
#define CK_INVALID_HANDLE 0UL

typedef struct CK_VERSION { CK_BYTE major; CK_BYTE minor; } CK_VERSION;
typedef CK_VERSION *CK_VERSION_PTR;

typedef struct CK_INFO {
    CK_VERSION cryptokiVersion;
    CK_UTF8CHAR manufacturerID[32];
    CK_FLAGS flags;
    CK_UTF8CHAR libraryDescription[32];
    CK_VERSION libraryVersion;
} CK_INFO;
typedef CK_INFO *CK_INFO_PTR;

typedef struct CK_SLOT_INFO {
    CK_UTF8CHAR slotDescription[64];
    CK_UTF8CHAR manufacturerID[32];
    CK_FLAGS flags;
    CK_VERSION hardwareVersion;
    CK_VERSION firmwareVersion;
} CK_SLOT_INFO;
typedef CK_SLOT_INFO *CK_SLOT_INFO_PTR;

typedef struct CK_TOKEN_INFO {
    CK_UTF8CHAR label[32];
    CK_UTF8CHAR manufacturerID[32];
    CK_UTF8CHAR model[16];
    CK_CHAR serialNumber[16];
    CK_FLAGS flags;
    CK_ULONG ulMaxSessionCount;
    CK_ULONG ulSessionCount;
    CK_ULONG ulMaxRwSessionCount;
    CK_ULONG ulRwSessionCount;
    CK_ULONG ulMaxPinLen;
    CK_ULONG ulMinPinLen;
    CK_ULONG ulTotalPublicMemory;
    CK_ULONG ulFreePublicMemory;
    CK_ULONG ulTotalPrivateMemory;
    CK_ULONG ulFreePrivateMemory;
    CK_VERSION hardwareVersion;
    CK_VERSION firmwareVersion;
    CK_CHAR utcTime[16];
} CK_TOKEN_INFO;
typedef CK_TOKEN_INFO *CK_TOKEN_INFO_PTR;

typedef struct CK_SESSION_INFO {
    CK_SLOT_ID slotID;
    CK_STATE state;
    CK_FLAGS flags;
    CK_ULONG ulDeviceError;
} CK_SESSION_INFO;
typedef CK_SESSION_INFO *CK_SESSION_INFO_PTR;

typedef struct CK_ATTRIBUTE {
    CK_ATTRIBUTE_TYPE type;
    CK_VOID_PTR pValue;
    CK_ULONG ulValueLen;
} CK_ATTRIBUTE;
typedef CK_ATTRIBUTE *CK_ATTRIBUTE_PTR;

typedef struct CK_DATE { CK_CHAR year[4]; CK_CHAR month[2]; CK_CHAR day[2]; } CK_DATE;

typedef struct CK_MECHANISM {
    CK_MECHANISM_TYPE mechanism;
    CK_VOID_PTR pParameter;
    CK_ULONG ulParameterLen;
} CK_MECHANISM;
typedef CK_MECHANISM *CK_MECHANISM_PTR;

typedef struct CK_MECHANISM_INFO {
    CK_ULONG ulMinKeySize;
    CK_ULONG ulMaxKeySize;
    CK_FLAGS flags;
} CK_MECHANISM_INFO;
typedef CK_MECHANISM_INFO *CK_MECHANISM_INFO_PTR;

typedef CK_RV (*CK_NOTIFY)(CK_SESSION_HANDLE, CK_NOTIFICATION, CK_VOID_PTR);
typedef CK_RV (*CK_CREATEMUTEX)(CK_VOID_PTR_PTR);
typedef CK_RV (*CK_DESTROYMUTEX)(CK_VOID_PTR);
typedef CK_RV (*CK_LOCKMUTEX)(CK_VOID_PTR);
typedef CK_RV (*CK_UNLOCKMUTEX)(CK_VOID_PTR);

typedef struct CK_C_INITIALIZE_ARGS {
    CK_CREATEMUTEX CreateMutex;
    CK_DESTROYMUTEX DestroyMutex;
    CK_LOCKMUTEX LockMutex;
    CK_UNLOCKMUTEX UnlockMutex;
    CK_FLAGS flags;
    CK_VOID_PTR pReserved; /* keybridge: NULL, or a keybridge.toml path or text */
} CK_C_INITIALIZE_ARGS;
typedef CK_C_INITIALIZE_ARGS *CK_C_INITIALIZE_ARGS_PTR;

typedef struct CK_INTERFACE {
    CK_UTF8CHAR *pInterfaceName;
    CK_VOID_PTR pFunctionList;
    CK_FLAGS flags;
} CK_INTERFACE;
typedef CK_INTERFACE *CK_INTERFACE_PTR;
typedef CK_INTERFACE_PTR *CK_INTERFACE_PTR_PTR;

/* Mechanism parameters of the mechanisms keybridge offers. */
typedef struct CK_GCM_PARAMS {
    CK_BYTE_PTR pIv; CK_ULONG ulIvLen; CK_ULONG ulIvBits;
    CK_BYTE_PTR pAAD; CK_ULONG ulAADLen; CK_ULONG ulTagBits;
} CK_GCM_PARAMS;
typedef struct CK_GCM_MESSAGE_PARAMS {
    CK_BYTE_PTR pIv; CK_ULONG ulIvLen; CK_ULONG ulIvFixedBits;
    CK_GENERATOR_FUNCTION ivGenerator; CK_BYTE_PTR pTag; CK_ULONG ulTagBits;
} CK_GCM_MESSAGE_PARAMS;
typedef struct CK_AES_CTR_PARAMS { CK_ULONG ulCounterBits; CK_BYTE cb[16]; } CK_AES_CTR_PARAMS;
typedef struct CK_KEY_DERIVATION_STRING_DATA { CK_BYTE_PTR pData; CK_ULONG ulLen; } CK_KEY_DERIVATION_STRING_DATA;
typedef struct CK_AES_CBC_ENCRYPT_DATA_PARAMS { CK_BYTE iv[16]; CK_BYTE_PTR pData; CK_ULONG length; } CK_AES_CBC_ENCRYPT_DATA_PARAMS;
typedef CK_ULONG CK_MAC_GENERAL_PARAMS;

struct CK_FUNCTION_LIST;
typedef struct CK_FUNCTION_LIST CK_FUNCTION_LIST;

/* Function pointer types, in table order. */
typedef CK_RV (*CK_C_Initialize)(void *);
typedef CK_RV (*CK_C_Finalize)(void *);
typedef CK_RV (*CK_C_GetInfo)(CK_INFO *);
typedef CK_RV (*CK_C_GetFunctionList)(CK_FUNCTION_LIST **);
typedef CK_RV (*CK_C_GetSlotList)(CK_BBOOL, CK_SLOT_ID *, CK_ULONG *);
typedef CK_RV (*CK_C_GetSlotInfo)(CK_SLOT_ID, CK_SLOT_INFO *);
typedef CK_RV (*CK_C_GetTokenInfo)(CK_SLOT_ID, CK_TOKEN_INFO *);
typedef CK_RV (*CK_C_GetMechanismList)(CK_SLOT_ID, CK_MECHANISM_TYPE *, CK_ULONG *);
typedef CK_RV (*CK_C_GetMechanismInfo)(CK_SLOT_ID, CK_MECHANISM_TYPE, CK_MECHANISM_INFO *);
typedef CK_RV (*CK_C_InitToken)(CK_SLOT_ID, CK_UTF8CHAR *, CK_ULONG, CK_UTF8CHAR *);
typedef CK_RV (*CK_C_InitPIN)(CK_SESSION_HANDLE, CK_UTF8CHAR *, CK_ULONG);
typedef CK_RV (*CK_C_SetPIN)(CK_SESSION_HANDLE, CK_UTF8CHAR *, CK_ULONG, CK_UTF8CHAR *, CK_ULONG);
typedef CK_RV (*CK_C_OpenSession)(CK_SLOT_ID, CK_FLAGS, void *, CK_NOTIFY, CK_SESSION_HANDLE *);
typedef CK_RV (*CK_C_CloseSession)(CK_SESSION_HANDLE);
typedef CK_RV (*CK_C_CloseAllSessions)(CK_SLOT_ID);
typedef CK_RV (*CK_C_GetSessionInfo)(CK_SESSION_HANDLE, CK_SESSION_INFO *);
typedef CK_RV (*CK_C_GetOperationState)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*CK_C_SetOperationState)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG, CK_OBJECT_HANDLE, CK_OBJECT_HANDLE);
typedef CK_RV (*CK_C_Login)(CK_SESSION_HANDLE, CK_USER_TYPE, CK_UTF8CHAR *, CK_ULONG);
typedef CK_RV (*CK_C_Logout)(CK_SESSION_HANDLE);
typedef CK_RV (*CK_C_CreateObject)(CK_SESSION_HANDLE, CK_ATTRIBUTE *, CK_ULONG, CK_OBJECT_HANDLE *);
typedef CK_RV (*CK_C_CopyObject)(CK_SESSION_HANDLE, CK_OBJECT_HANDLE, CK_ATTRIBUTE *, CK_ULONG, CK_OBJECT_HANDLE *);
typedef CK_RV (*CK_C_DestroyObject)(CK_SESSION_HANDLE, CK_OBJECT_HANDLE);
typedef CK_RV (*CK_C_GetObjectSize)(CK_SESSION_HANDLE, CK_OBJECT_HANDLE, CK_ULONG *);
typedef CK_RV (*CK_C_GetAttributeValue)(CK_SESSION_HANDLE, CK_OBJECT_HANDLE, CK_ATTRIBUTE *, CK_ULONG);
typedef CK_RV (*CK_C_SetAttributeValue)(CK_SESSION_HANDLE, CK_OBJECT_HANDLE, CK_ATTRIBUTE *, CK_ULONG);
typedef CK_RV (*CK_C_FindObjectsInit)(CK_SESSION_HANDLE, CK_ATTRIBUTE *, CK_ULONG);
typedef CK_RV (*CK_C_FindObjects)(CK_SESSION_HANDLE, CK_OBJECT_HANDLE *, CK_ULONG, CK_ULONG *);
typedef CK_RV (*CK_C_FindObjectsFinal)(CK_SESSION_HANDLE);
typedef CK_RV (*CK_C_EncryptInit)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE);
typedef CK_RV (*CK_C_Encrypt)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*CK_C_EncryptUpdate)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*CK_C_EncryptFinal)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*CK_C_DecryptInit)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE);
typedef CK_RV (*CK_C_Decrypt)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*CK_C_DecryptUpdate)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*CK_C_DecryptFinal)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*CK_C_DigestInit)(CK_SESSION_HANDLE, CK_MECHANISM *);
typedef CK_RV (*CK_C_Digest)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*CK_C_DigestUpdate)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG);
typedef CK_RV (*CK_C_DigestKey)(CK_SESSION_HANDLE, CK_OBJECT_HANDLE);
typedef CK_RV (*CK_C_DigestFinal)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*CK_C_SignInit)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE);
typedef CK_RV (*CK_C_Sign)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*CK_C_SignUpdate)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG);
typedef CK_RV (*CK_C_SignFinal)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*CK_C_SignRecoverInit)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE);
typedef CK_RV (*CK_C_SignRecover)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*CK_C_VerifyInit)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE);
typedef CK_RV (*CK_C_Verify)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG);
typedef CK_RV (*CK_C_VerifyUpdate)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG);
typedef CK_RV (*CK_C_VerifyFinal)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG);
typedef CK_RV (*CK_C_VerifyRecoverInit)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE);
typedef CK_RV (*CK_C_VerifyRecover)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*CK_C_DigestEncryptUpdate)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*CK_C_DecryptDigestUpdate)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*CK_C_SignEncryptUpdate)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*CK_C_DecryptVerifyUpdate)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*CK_C_GenerateKey)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_ATTRIBUTE *, CK_ULONG, CK_OBJECT_HANDLE *);
typedef CK_RV (*CK_C_GenerateKeyPair)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_ATTRIBUTE *, CK_ULONG, CK_ATTRIBUTE *, CK_ULONG, CK_OBJECT_HANDLE *, CK_OBJECT_HANDLE *);
typedef CK_RV (*CK_C_WrapKey)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE, CK_OBJECT_HANDLE, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*CK_C_UnwrapKey)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE, CK_BYTE *, CK_ULONG, CK_ATTRIBUTE *, CK_ULONG, CK_OBJECT_HANDLE *);
typedef CK_RV (*CK_C_DeriveKey)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE, CK_ATTRIBUTE *, CK_ULONG, CK_OBJECT_HANDLE *);
typedef CK_RV (*CK_C_SeedRandom)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG);
typedef CK_RV (*CK_C_GenerateRandom)(CK_SESSION_HANDLE, CK_BYTE *, CK_ULONG);
typedef CK_RV (*CK_C_GetFunctionStatus)(CK_SESSION_HANDLE);
typedef CK_RV (*CK_C_CancelFunction)(CK_SESSION_HANDLE);
typedef CK_RV (*CK_C_WaitForSlotEvent)(CK_FLAGS, CK_SLOT_ID *, void *);
typedef CK_RV (*CK_C_GetInterfaceList)(CK_INTERFACE *, CK_ULONG *);
typedef CK_RV (*CK_C_GetInterface)(CK_UTF8CHAR *, CK_VERSION *, CK_INTERFACE **, CK_FLAGS);
typedef CK_RV (*CK_C_LoginUser)(CK_SESSION_HANDLE, CK_USER_TYPE, CK_UTF8CHAR *, CK_ULONG, CK_UTF8CHAR *, CK_ULONG);
typedef CK_RV (*CK_C_SessionCancel)(CK_SESSION_HANDLE, CK_FLAGS);
typedef CK_RV (*CK_C_MessageEncryptInit)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE);
typedef CK_RV (*CK_C_EncryptMessage)(CK_SESSION_HANDLE, void *, CK_ULONG, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*CK_C_EncryptMessageBegin)(CK_SESSION_HANDLE, void *, CK_ULONG, CK_BYTE *, CK_ULONG);
typedef CK_RV (*CK_C_EncryptMessageNext)(CK_SESSION_HANDLE, void *, CK_ULONG, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *, CK_FLAGS);
typedef CK_RV (*CK_C_MessageEncryptFinal)(CK_SESSION_HANDLE);
typedef CK_RV (*CK_C_MessageDecryptInit)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE);
typedef CK_RV (*CK_C_DecryptMessage)(CK_SESSION_HANDLE, void *, CK_ULONG, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*CK_C_DecryptMessageBegin)(CK_SESSION_HANDLE, void *, CK_ULONG, CK_BYTE *, CK_ULONG);
typedef CK_RV (*CK_C_DecryptMessageNext)(CK_SESSION_HANDLE, void *, CK_ULONG, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *, CK_FLAGS);
typedef CK_RV (*CK_C_MessageDecryptFinal)(CK_SESSION_HANDLE);
typedef CK_RV (*CK_C_MessageSignInit)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE);
typedef CK_RV (*CK_C_SignMessage)(CK_SESSION_HANDLE, void *, CK_ULONG, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*CK_C_SignMessageBegin)(CK_SESSION_HANDLE, void *, CK_ULONG);
typedef CK_RV (*CK_C_SignMessageNext)(CK_SESSION_HANDLE, void *, CK_ULONG, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG *);
typedef CK_RV (*CK_C_MessageSignFinal)(CK_SESSION_HANDLE);
typedef CK_RV (*CK_C_MessageVerifyInit)(CK_SESSION_HANDLE, CK_MECHANISM *, CK_OBJECT_HANDLE);
typedef CK_RV (*CK_C_VerifyMessage)(CK_SESSION_HANDLE, void *, CK_ULONG, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG);
typedef CK_RV (*CK_C_VerifyMessageBegin)(CK_SESSION_HANDLE, void *, CK_ULONG);
typedef CK_RV (*CK_C_VerifyMessageNext)(CK_SESSION_HANDLE, void *, CK_ULONG, CK_BYTE *, CK_ULONG, CK_BYTE *, CK_ULONG);
typedef CK_RV (*CK_C_MessageVerifyFinal)(CK_SESSION_HANDLE);

struct CK_FUNCTION_LIST {
    CK_VERSION version;
    CK_C_Initialize C_Initialize;
    CK_C_Finalize C_Finalize;
    CK_C_GetInfo C_GetInfo;
    CK_C_GetFunctionList C_GetFunctionList;
    CK_C_GetSlotList C_GetSlotList;
    CK_C_GetSlotInfo C_GetSlotInfo;
    CK_C_GetTokenInfo C_GetTokenInfo;
    CK_C_GetMechanismList C_GetMechanismList;
    CK_C_GetMechanismInfo C_GetMechanismInfo;
    CK_C_InitToken C_InitToken;
    CK_C_InitPIN C_InitPIN;
    CK_C_SetPIN C_SetPIN;
    CK_C_OpenSession C_OpenSession;
    CK_C_CloseSession C_CloseSession;
    CK_C_CloseAllSessions C_CloseAllSessions;
    CK_C_GetSessionInfo C_GetSessionInfo;
    CK_C_GetOperationState C_GetOperationState;
    CK_C_SetOperationState C_SetOperationState;
    CK_C_Login C_Login;
    CK_C_Logout C_Logout;
    CK_C_CreateObject C_CreateObject;
    CK_C_CopyObject C_CopyObject;
    CK_C_DestroyObject C_DestroyObject;
    CK_C_GetObjectSize C_GetObjectSize;
    CK_C_GetAttributeValue C_GetAttributeValue;
    CK_C_SetAttributeValue C_SetAttributeValue;
    CK_C_FindObjectsInit C_FindObjectsInit;
    CK_C_FindObjects C_FindObjects;
    CK_C_FindObjectsFinal C_FindObjectsFinal;
    CK_C_EncryptInit C_EncryptInit;
    CK_C_Encrypt C_Encrypt;
    CK_C_EncryptUpdate C_EncryptUpdate;
    CK_C_EncryptFinal C_EncryptFinal;
    CK_C_DecryptInit C_DecryptInit;
    CK_C_Decrypt C_Decrypt;
    CK_C_DecryptUpdate C_DecryptUpdate;
    CK_C_DecryptFinal C_DecryptFinal;
    CK_C_DigestInit C_DigestInit;
    CK_C_Digest C_Digest;
    CK_C_DigestUpdate C_DigestUpdate;
    CK_C_DigestKey C_DigestKey;
    CK_C_DigestFinal C_DigestFinal;
    CK_C_SignInit C_SignInit;
    CK_C_Sign C_Sign;
    CK_C_SignUpdate C_SignUpdate;
    CK_C_SignFinal C_SignFinal;
    CK_C_SignRecoverInit C_SignRecoverInit;
    CK_C_SignRecover C_SignRecover;
    CK_C_VerifyInit C_VerifyInit;
    CK_C_Verify C_Verify;
    CK_C_VerifyUpdate C_VerifyUpdate;
    CK_C_VerifyFinal C_VerifyFinal;
    CK_C_VerifyRecoverInit C_VerifyRecoverInit;
    CK_C_VerifyRecover C_VerifyRecover;
    CK_C_DigestEncryptUpdate C_DigestEncryptUpdate;
    CK_C_DecryptDigestUpdate C_DecryptDigestUpdate;
    CK_C_SignEncryptUpdate C_SignEncryptUpdate;
    CK_C_DecryptVerifyUpdate C_DecryptVerifyUpdate;
    CK_C_GenerateKey C_GenerateKey;
    CK_C_GenerateKeyPair C_GenerateKeyPair;
    CK_C_WrapKey C_WrapKey;
    CK_C_UnwrapKey C_UnwrapKey;
    CK_C_DeriveKey C_DeriveKey;
    CK_C_SeedRandom C_SeedRandom;
    CK_C_GenerateRandom C_GenerateRandom;
    CK_C_GetFunctionStatus C_GetFunctionStatus;
    CK_C_CancelFunction C_CancelFunction;
    CK_C_WaitForSlotEvent C_WaitForSlotEvent;
};
typedef CK_FUNCTION_LIST *CK_FUNCTION_LIST_PTR;

typedef struct CK_FUNCTION_LIST_3_0 {
    CK_VERSION version;
    CK_C_Initialize C_Initialize;
    CK_C_Finalize C_Finalize;
    CK_C_GetInfo C_GetInfo;
    CK_C_GetFunctionList C_GetFunctionList;
    CK_C_GetSlotList C_GetSlotList;
    CK_C_GetSlotInfo C_GetSlotInfo;
    CK_C_GetTokenInfo C_GetTokenInfo;
    CK_C_GetMechanismList C_GetMechanismList;
    CK_C_GetMechanismInfo C_GetMechanismInfo;
    CK_C_InitToken C_InitToken;
    CK_C_InitPIN C_InitPIN;
    CK_C_SetPIN C_SetPIN;
    CK_C_OpenSession C_OpenSession;
    CK_C_CloseSession C_CloseSession;
    CK_C_CloseAllSessions C_CloseAllSessions;
    CK_C_GetSessionInfo C_GetSessionInfo;
    CK_C_GetOperationState C_GetOperationState;
    CK_C_SetOperationState C_SetOperationState;
    CK_C_Login C_Login;
    CK_C_Logout C_Logout;
    CK_C_CreateObject C_CreateObject;
    CK_C_CopyObject C_CopyObject;
    CK_C_DestroyObject C_DestroyObject;
    CK_C_GetObjectSize C_GetObjectSize;
    CK_C_GetAttributeValue C_GetAttributeValue;
    CK_C_SetAttributeValue C_SetAttributeValue;
    CK_C_FindObjectsInit C_FindObjectsInit;
    CK_C_FindObjects C_FindObjects;
    CK_C_FindObjectsFinal C_FindObjectsFinal;
    CK_C_EncryptInit C_EncryptInit;
    CK_C_Encrypt C_Encrypt;
    CK_C_EncryptUpdate C_EncryptUpdate;
    CK_C_EncryptFinal C_EncryptFinal;
    CK_C_DecryptInit C_DecryptInit;
    CK_C_Decrypt C_Decrypt;
    CK_C_DecryptUpdate C_DecryptUpdate;
    CK_C_DecryptFinal C_DecryptFinal;
    CK_C_DigestInit C_DigestInit;
    CK_C_Digest C_Digest;
    CK_C_DigestUpdate C_DigestUpdate;
    CK_C_DigestKey C_DigestKey;
    CK_C_DigestFinal C_DigestFinal;
    CK_C_SignInit C_SignInit;
    CK_C_Sign C_Sign;
    CK_C_SignUpdate C_SignUpdate;
    CK_C_SignFinal C_SignFinal;
    CK_C_SignRecoverInit C_SignRecoverInit;
    CK_C_SignRecover C_SignRecover;
    CK_C_VerifyInit C_VerifyInit;
    CK_C_Verify C_Verify;
    CK_C_VerifyUpdate C_VerifyUpdate;
    CK_C_VerifyFinal C_VerifyFinal;
    CK_C_VerifyRecoverInit C_VerifyRecoverInit;
    CK_C_VerifyRecover C_VerifyRecover;
    CK_C_DigestEncryptUpdate C_DigestEncryptUpdate;
    CK_C_DecryptDigestUpdate C_DecryptDigestUpdate;
    CK_C_SignEncryptUpdate C_SignEncryptUpdate;
    CK_C_DecryptVerifyUpdate C_DecryptVerifyUpdate;
    CK_C_GenerateKey C_GenerateKey;
    CK_C_GenerateKeyPair C_GenerateKeyPair;
    CK_C_WrapKey C_WrapKey;
    CK_C_UnwrapKey C_UnwrapKey;
    CK_C_DeriveKey C_DeriveKey;
    CK_C_SeedRandom C_SeedRandom;
    CK_C_GenerateRandom C_GenerateRandom;
    CK_C_GetFunctionStatus C_GetFunctionStatus;
    CK_C_CancelFunction C_CancelFunction;
    CK_C_WaitForSlotEvent C_WaitForSlotEvent;
    CK_C_GetInterfaceList C_GetInterfaceList;
    CK_C_GetInterface C_GetInterface;
    CK_C_LoginUser C_LoginUser;
    CK_C_SessionCancel C_SessionCancel;
    CK_C_MessageEncryptInit C_MessageEncryptInit;
    CK_C_EncryptMessage C_EncryptMessage;
    CK_C_EncryptMessageBegin C_EncryptMessageBegin;
    CK_C_EncryptMessageNext C_EncryptMessageNext;
    CK_C_MessageEncryptFinal C_MessageEncryptFinal;
    CK_C_MessageDecryptInit C_MessageDecryptInit;
    CK_C_DecryptMessage C_DecryptMessage;
    CK_C_DecryptMessageBegin C_DecryptMessageBegin;
    CK_C_DecryptMessageNext C_DecryptMessageNext;
    CK_C_MessageDecryptFinal C_MessageDecryptFinal;
    CK_C_MessageSignInit C_MessageSignInit;
    CK_C_SignMessage C_SignMessage;
    CK_C_SignMessageBegin C_SignMessageBegin;
    CK_C_SignMessageNext C_SignMessageNext;
    CK_C_MessageSignFinal C_MessageSignFinal;
    CK_C_MessageVerifyInit C_MessageVerifyInit;
    CK_C_VerifyMessage C_VerifyMessage;
    CK_C_VerifyMessageBegin C_VerifyMessageBegin;
    CK_C_VerifyMessageNext C_VerifyMessageNext;
    CK_C_MessageVerifyFinal C_MessageVerifyFinal;
} CK_FUNCTION_LIST_3_0;
typedef CK_FUNCTION_LIST_3_0 *CK_FUNCTION_LIST_3_0_PTR;

typedef CK_FUNCTION_LIST_PTR *CK_FUNCTION_LIST_PTR_PTR;
typedef CK_FUNCTION_LIST_3_0_PTR *CK_FUNCTION_LIST_3_0_PTR_PTR;

/* The module's exported entry points. */
CK_RV C_GetFunctionList(CK_FUNCTION_LIST **ppFunctionList);
CK_RV C_GetInterfaceList(CK_INTERFACE *pInterfacesList, CK_ULONG *pulCount);
CK_RV C_GetInterface(CK_UTF8CHAR *pInterfaceName, CK_VERSION *pVersion,
                     CK_INTERFACE **ppInterface, CK_FLAGS flags);

/* Standard constants (PKCS#11 3.x). */
#define CKR_OK                                   0x0UL
#define CKR_CANCEL                               0x1UL
#define CKR_HOST_MEMORY                          0x2UL
#define CKR_SLOT_ID_INVALID                      0x3UL
#define CKR_GENERAL_ERROR                        0x5UL
#define CKR_FUNCTION_FAILED                      0x6UL
#define CKR_ARGUMENTS_BAD                        0x7UL
#define CKR_NO_EVENT                             0x8UL
#define CKR_NEED_TO_CREATE_THREADS               0x9UL
#define CKR_CANT_LOCK                            0xaUL
#define CKR_ATTRIBUTE_READ_ONLY                  0x10UL
#define CKR_ATTRIBUTE_SENSITIVE                  0x11UL
#define CKR_ATTRIBUTE_TYPE_INVALID               0x12UL
#define CKR_ATTRIBUTE_VALUE_INVALID              0x13UL
#define CKR_ACTION_PROHIBITED                    0x1bUL
#define CKR_DATA_INVALID                         0x20UL
#define CKR_DATA_LEN_RANGE                       0x21UL
#define CKR_DEVICE_ERROR                         0x30UL
#define CKR_DEVICE_MEMORY                        0x31UL
#define CKR_DEVICE_REMOVED                       0x32UL
#define CKR_ENCRYPTED_DATA_INVALID               0x40UL
#define CKR_ENCRYPTED_DATA_LEN_RANGE             0x41UL
#define CKR_AEAD_DECRYPT_FAILED                  0x42UL
#define CKR_FUNCTION_CANCELED                    0x50UL
#define CKR_FUNCTION_NOT_PARALLEL                0x51UL
#define CKR_FUNCTION_NOT_SUPPORTED               0x54UL
#define CKR_KEY_HANDLE_INVALID                   0x60UL
#define CKR_KEY_SIZE_RANGE                       0x62UL
#define CKR_KEY_TYPE_INCONSISTENT                0x63UL
#define CKR_KEY_NOT_NEEDED                       0x64UL
#define CKR_KEY_CHANGED                          0x65UL
#define CKR_KEY_NEEDED                           0x66UL
#define CKR_KEY_INDIGESTIBLE                     0x67UL
#define CKR_KEY_FUNCTION_NOT_PERMITTED           0x68UL
#define CKR_KEY_NOT_WRAPPABLE                    0x69UL
#define CKR_KEY_UNEXTRACTABLE                    0x6aUL
#define CKR_MECHANISM_INVALID                    0x70UL
#define CKR_MECHANISM_PARAM_INVALID              0x71UL
#define CKR_OBJECT_HANDLE_INVALID                0x82UL
#define CKR_OPERATION_ACTIVE                     0x90UL
#define CKR_OPERATION_NOT_INITIALIZED            0x91UL
#define CKR_PIN_INCORRECT                        0xa0UL
#define CKR_PIN_INVALID                          0xa1UL
#define CKR_PIN_LEN_RANGE                        0xa2UL
#define CKR_PIN_EXPIRED                          0xa3UL
#define CKR_PIN_LOCKED                           0xa4UL
#define CKR_SESSION_CLOSED                       0xb0UL
#define CKR_SESSION_COUNT                        0xb1UL
#define CKR_SESSION_HANDLE_INVALID               0xb3UL
#define CKR_SESSION_PARALLEL_NOT_SUPPORTED       0xb4UL
#define CKR_SESSION_READ_ONLY                    0xb5UL
#define CKR_SESSION_EXISTS                       0xb6UL
#define CKR_SESSION_READ_ONLY_EXISTS             0xb7UL
#define CKR_SESSION_READ_WRITE_SO_EXISTS         0xb8UL
#define CKR_SIGNATURE_INVALID                    0xc0UL
#define CKR_SIGNATURE_LEN_RANGE                  0xc1UL
#define CKR_TEMPLATE_INCOMPLETE                  0xd0UL
#define CKR_TEMPLATE_INCONSISTENT                0xd1UL
#define CKR_TOKEN_NOT_PRESENT                    0xe0UL
#define CKR_TOKEN_NOT_RECOGNIZED                 0xe1UL
#define CKR_TOKEN_WRITE_PROTECTED                0xe2UL
#define CKR_UNWRAPPING_KEY_HANDLE_INVALID        0xf0UL
#define CKR_UNWRAPPING_KEY_SIZE_RANGE            0xf1UL
#define CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT     0xf2UL
#define CKR_USER_ALREADY_LOGGED_IN               0x100UL
#define CKR_USER_NOT_LOGGED_IN                   0x101UL
#define CKR_USER_PIN_NOT_INITIALIZED             0x102UL
#define CKR_USER_TYPE_INVALID                    0x103UL
#define CKR_USER_ANOTHER_ALREADY_LOGGED_IN       0x104UL
#define CKR_USER_TOO_MANY_TYPES                  0x105UL
#define CKR_WRAPPED_KEY_INVALID                  0x110UL
#define CKR_WRAPPED_KEY_LEN_RANGE                0x112UL
#define CKR_WRAPPING_KEY_HANDLE_INVALID          0x113UL
#define CKR_WRAPPING_KEY_SIZE_RANGE              0x114UL
#define CKR_WRAPPING_KEY_TYPE_INCONSISTENT       0x115UL
#define CKR_RANDOM_SEED_NOT_SUPPORTED            0x120UL
#define CKR_RANDOM_NO_RNG                        0x121UL
#define CKR_DOMAIN_PARAMS_INVALID                0x130UL
#define CKR_CURVE_NOT_SUPPORTED                  0x140UL
#define CKR_BUFFER_TOO_SMALL                     0x150UL
#define CKR_SAVED_STATE_INVALID                  0x160UL
#define CKR_INFORMATION_SENSITIVE                0x170UL
#define CKR_STATE_UNSAVEABLE                     0x180UL
#define CKR_CRYPTOKI_NOT_INITIALIZED             0x190UL
#define CKR_CRYPTOKI_ALREADY_INITIALIZED         0x191UL
#define CKR_MUTEX_BAD                            0x1a0UL
#define CKR_MUTEX_NOT_LOCKED                     0x1a1UL
#define CKR_NEW_PIN_MODE                         0x1b0UL
#define CKR_NEXT_OTP                             0x1b1UL
#define CKR_EXCEEDED_MAX_ITERATIONS              0x1b5UL
#define CKR_FIPS_SELF_TEST_FAILED                0x1b6UL
#define CKR_LIBRARY_LOAD_FAILED                  0x1b7UL
#define CKR_PIN_TOO_WEAK                         0x1b8UL
#define CKR_PUBLIC_KEY_INVALID                   0x1b9UL
#define CKR_FUNCTION_REJECTED                    0x200UL
#define CKR_TOKEN_RESOURCE_EXCEEDED              0x201UL
#define CKR_OPERATION_CANCEL_FAILED              0x202UL
#define CKR_KEY_EXHAUSTED                        0x203UL
#define CKR_PENDING                              0x204UL
#define CKR_SESSION_ASYNC_NOT_SUPPORTED          0x205UL
#define CKR_SEED_RANDOM_REQUIRED                 0x206UL
#define CKR_OPERATION_NOT_VALIDATED              0x207UL
#define CKR_TOKEN_NOT_INITIALIZED                0x208UL
#define CKR_PARAMETER_SET_NOT_SUPPORTED          0x209UL
#define CKR_VENDOR_DEFINED                       0x80000000UL
#define CKF_ARRAY_ATTRIBUTE                      0x40000000UL
#define CKF_LIBRARY_CANT_CREATE_OS_THREADS       0x1UL
#define CKF_OS_LOCKING_OK                        0x2UL
#define CKF_HKDF_SALT_NULL                       0x1UL
#define CKF_HKDF_SALT_DATA                       0x2UL
#define CKF_HKDF_SALT_KEY                        0x4UL
#define CKF_INTERFACE_FORK_SAFE                  0x1UL
#define CKF_HW                                   0x1UL
#define CKF_MESSAGE_ENCRYPT                      0x2UL
#define CKF_MESSAGE_DECRYPT                      0x4UL
#define CKF_MESSAGE_SIGN                         0x8UL
#define CKF_MESSAGE_VERIFY                       0x10UL
#define CKF_MULTI_MESSAGE                        0x20UL
#define CKF_MULTI_MESSGE                         0x20UL
#define CKF_FIND_OBJECTS                         0x40UL
#define CKF_ENCRYPT                              0x100UL
#define CKF_DECRYPT                              0x200UL
#define CKF_DIGEST                               0x400UL
#define CKF_SIGN                                 0x800UL
#define CKF_SIGN_RECOVER                         0x1000UL
#define CKF_VERIFY                               0x2000UL
#define CKF_VERIFY_RECOVER                       0x4000UL
#define CKF_GENERATE                             0x8000UL
#define CKF_GENERATE_KEY_PAIR                    0x10000UL
#define CKF_WRAP                                 0x20000UL
#define CKF_UNWRAP                               0x40000UL
#define CKF_DERIVE                               0x80000UL
#define CKF_EC_F_P                               0x100000UL
#define CKF_EC_F_2M                              0x200000UL
#define CKF_EC_ECPARAMETERS                      0x400000UL
#define CKF_EC_OID                               0x800000UL
#define CKF_EC_UNCOMPRESS                        0x1000000UL
#define CKF_EC_COMPRESS                          0x2000000UL
#define CKF_EC_CURVENAME                         0x4000000UL
#define CKF_ENCAPSULATE                          0x10000000UL
#define CKF_DECAPSULATE                          0x20000000UL
#define CKF_EXTENSION                            0x80000000UL
#define CKF_EC_NAMEDCURVE                        0x800000UL
#define CKF_END_OF_MESSAGE                       0x1UL
#define CKF_NEXT_OTP                             0x1UL
#define CKF_EXCLUDE_TIME                         0x2UL
#define CKF_EXCLUDE_COUNTER                      0x4UL
#define CKF_EXCLUDE_CHALLENGE                    0x8UL
#define CKF_EXCLUDE_PIN                          0x10UL
#define CKF_USER_FRIENDLY_OTP                    0x20UL
#define CKF_DONT_BLOCK                           0x1UL
#define CKF_RW_SESSION                           0x2UL
#define CKF_SERIAL_SESSION                       0x4UL
#define CKF_ASYNC_SESSION                        0x8UL
#define CKF_TOKEN_PRESENT                        0x1UL
#define CKF_REMOVABLE_DEVICE                     0x2UL
#define CKF_HW_SLOT                              0x4UL
#define CKF_RNG                                  0x1UL
#define CKF_WRITE_PROTECTED                      0x2UL
#define CKF_LOGIN_REQUIRED                       0x4UL
#define CKF_USER_PIN_INITIALIZED                 0x8UL
#define CKF_RESTORE_KEY_NOT_NEEDED               0x20UL
#define CKF_CLOCK_ON_TOKEN                       0x40UL
#define CKF_PROTECTED_AUTHENTICATION_PATH        0x100UL
#define CKF_DUAL_CRYPTO_OPERATIONS               0x200UL
#define CKF_TOKEN_INITIALIZED                    0x400UL
#define CKF_SECONDARY_AUTHENTICATION             0x800UL
#define CKF_USER_PIN_COUNT_LOW                   0x10000UL
#define CKF_USER_PIN_FINAL_TRY                   0x20000UL
#define CKF_USER_PIN_LOCKED                      0x40000UL
#define CKF_USER_PIN_TO_BE_CHANGED               0x80000UL
#define CKF_SO_PIN_COUNT_LOW                     0x100000UL
#define CKF_SO_PIN_FINAL_TRY                     0x200000UL
#define CKF_SO_PIN_LOCKED                        0x400000UL
#define CKF_SO_PIN_TO_BE_CHANGED                 0x800000UL
#define CKF_ERROR_STATE                          0x1000000UL
#define CKF_SEED_RANDOM_REQUIRED                 0x2000000UL
#define CKF_ASYNC_SESSION_SUPPORTED              0x4000000UL
#define CKA_CLASS                                0x0UL
#define CKA_TOKEN                                0x1UL
#define CKA_PRIVATE                              0x2UL
#define CKA_LABEL                                0x3UL
#define CKA_UNIQUE_ID                            0x4UL
#define CKA_APPLICATION                          0x10UL
#define CKA_VALUE                                0x11UL
#define CKA_OBJECT_ID                            0x12UL
#define CKA_CERTIFICATE_TYPE                     0x80UL
#define CKA_ISSUER                               0x81UL
#define CKA_SERIAL_NUMBER                        0x82UL
#define CKA_AC_ISSUER                            0x83UL
#define CKA_OWNER                                0x84UL
#define CKA_ATTR_TYPES                           0x85UL
#define CKA_TRUSTED                              0x86UL
#define CKA_CERTIFICATE_CATEGORY                 0x87UL
#define CKA_JAVA_MIDP_SECURITY_DOMAIN            0x88UL
#define CKA_URL                                  0x89UL
#define CKA_HASH_OF_SUBJECT_PUBLIC_KEY           0x8aUL
#define CKA_HASH_OF_ISSUER_PUBLIC_KEY            0x8bUL
#define CKA_NAME_HASH_ALGORITHM                  0x8cUL
#define CKA_CHECK_VALUE                          0x90UL
#define CKA_KEY_TYPE                             0x100UL
#define CKA_SUBJECT                              0x101UL
#define CKA_ID                                   0x102UL
#define CKA_SENSITIVE                            0x103UL
#define CKA_ENCRYPT                              0x104UL
#define CKA_DECRYPT                              0x105UL
#define CKA_WRAP                                 0x106UL
#define CKA_UNWRAP                               0x107UL
#define CKA_SIGN                                 0x108UL
#define CKA_SIGN_RECOVER                         0x109UL
#define CKA_VERIFY                               0x10aUL
#define CKA_VERIFY_RECOVER                       0x10bUL
#define CKA_DERIVE                               0x10cUL
#define CKA_START_DATE                           0x110UL
#define CKA_END_DATE                             0x111UL
#define CKA_MODULUS                              0x120UL
#define CKA_MODULUS_BITS                         0x121UL
#define CKA_PUBLIC_EXPONENT                      0x122UL
#define CKA_PRIVATE_EXPONENT                     0x123UL
#define CKA_PRIME_1                              0x124UL
#define CKA_PRIME_2                              0x125UL
#define CKA_EXPONENT_1                           0x126UL
#define CKA_EXPONENT_2                           0x127UL
#define CKA_COEFFICIENT                          0x128UL
#define CKA_PUBLIC_KEY_INFO                      0x129UL
#define CKA_PRIME                                0x130UL
#define CKA_SUBPRIME                             0x131UL
#define CKA_BASE                                 0x132UL
#define CKA_PRIME_BITS                           0x133UL
#define CKA_SUBPRIME_BITS                        0x134UL
#define CKA_SUB_PRIME_BITS                       0x134UL
#define CKA_VALUE_BITS                           0x160UL
#define CKA_VALUE_LEN                            0x161UL
#define CKA_EXTRACTABLE                          0x162UL
#define CKA_LOCAL                                0x163UL
#define CKA_NEVER_EXTRACTABLE                    0x164UL
#define CKA_ALWAYS_SENSITIVE                     0x165UL
#define CKA_KEY_GEN_MECHANISM                    0x166UL
#define CKA_MODIFIABLE                           0x170UL
#define CKA_COPYABLE                             0x171UL
#define CKA_DESTROYABLE                          0x172UL
#define CKA_EC_PARAMS                            0x180UL
#define CKA_EC_POINT                             0x181UL
#define CKA_ALWAYS_AUTHENTICATE                  0x202UL
#define CKA_WRAP_WITH_TRUSTED                    0x210UL
#define CKA_OTP_FORMAT                           0x220UL
#define CKA_OTP_LENGTH                           0x221UL
#define CKA_OTP_TIME_INTERVAL                    0x222UL
#define CKA_OTP_USER_FRIENDLY_MODE               0x223UL
#define CKA_OTP_CHALLENGE_REQUIREMENT            0x224UL
#define CKA_OTP_TIME_REQUIREMENT                 0x225UL
#define CKA_OTP_COUNTER_REQUIREMENT              0x226UL
#define CKA_OTP_PIN_REQUIREMENT                  0x227UL
#define CKA_OTP_COUNTER                          0x22eUL
#define CKA_OTP_TIME                             0x22fUL
#define CKA_OTP_USER_IDENTIFIER                  0x22aUL
#define CKA_OTP_SERVICE_IDENTIFIER               0x22bUL
#define CKA_OTP_SERVICE_LOGO                     0x22cUL
#define CKA_OTP_SERVICE_LOGO_TYPE                0x22dUL
#define CKA_GOSTR3410_PARAMS                     0x250UL
#define CKA_GOSTR3411_PARAMS                     0x251UL
#define CKA_GOST28147_PARAMS                     0x252UL
#define CKA_HW_FEATURE_TYPE                      0x300UL
#define CKA_RESET_ON_INIT                        0x301UL
#define CKA_HAS_RESET                            0x302UL
#define CKA_PIXEL_X                              0x400UL
#define CKA_PIXEL_Y                              0x401UL
#define CKA_RESOLUTION                           0x402UL
#define CKA_CHAR_ROWS                            0x403UL
#define CKA_CHAR_COLUMNS                         0x404UL
#define CKA_COLOR                                0x405UL
#define CKA_BITS_PER_PIXEL                       0x406UL
#define CKA_CHAR_SETS                            0x480UL
#define CKA_ENCODING_METHODS                     0x481UL
#define CKA_MIME_TYPES                           0x482UL
#define CKA_MECHANISM_TYPE                       0x500UL
#define CKA_REQUIRED_CMS_ATTRIBUTES              0x501UL
#define CKA_DEFAULT_CMS_ATTRIBUTES               0x502UL
#define CKA_SUPPORTED_CMS_ATTRIBUTES             0x503UL
#define CKA_PROFILE_ID                           0x601UL
#define CKA_X2RATCHET_BAG                        0x602UL
#define CKA_X2RATCHET_BAGSIZE                    0x603UL
#define CKA_X2RATCHET_BOBS1STMSG                 0x604UL
#define CKA_X2RATCHET_CKR                        0x605UL
#define CKA_X2RATCHET_CKS                        0x606UL
#define CKA_X2RATCHET_DHP                        0x607UL
#define CKA_X2RATCHET_DHR                        0x608UL
#define CKA_X2RATCHET_DHS                        0x609UL
#define CKA_X2RATCHET_HKR                        0x60aUL
#define CKA_X2RATCHET_HKS                        0x60bUL
#define CKA_X2RATCHET_ISALICE                    0x60cUL
#define CKA_X2RATCHET_NHKR                       0x60dUL
#define CKA_X2RATCHET_NHKS                       0x60eUL
#define CKA_X2RATCHET_NR                         0x60fUL
#define CKA_X2RATCHET_NS                         0x610UL
#define CKA_X2RATCHET_PNS                        0x611UL
#define CKA_X2RATCHET_RK                         0x612UL
#define CKA_HSS_LEVELS                           0x617UL
#define CKA_HSS_LMS_TYPE                         0x618UL
#define CKA_HSS_LMOTS_TYPE                       0x619UL
#define CKA_HSS_LMS_TYPES                        0x61aUL
#define CKA_HSS_LMOTS_TYPES                      0x61bUL
#define CKA_HSS_KEYS_REMAINING                   0x61cUL
#define CKA_PARAMETER_SET                        0x61dUL
#define CKA_OBJECT_VALIDATION_FLAGS              0x61eUL
#define CKA_VALIDATION_TYPE                      0x61fUL
#define CKA_VALIDATION_VERSION                   0x620UL
#define CKA_VALIDATION_LEVEL                     0x621UL
#define CKA_VALIDATION_MODULE_ID                 0x622UL
#define CKA_VALIDATION_FLAG                      0x623UL
#define CKA_VALIDATION_AUTHORITY_TYPE            0x624UL
#define CKA_VALIDATION_COUNTRY                   0x625UL
#define CKA_VALIDATION_CERTIFICATE_IDENTIFIER    0x626UL
#define CKA_VALIDATION_CERTIFICATE_URI           0x627UL
#define CKA_VALIDATION_VENDOR_URI                0x628UL
#define CKA_VALIDATION_PROFILE                   0x629UL
#define CKA_ENCAPSULATE_TEMPLATE                 0x62aUL
#define CKA_DECAPSULATE_TEMPLATE                 0x62bUL
#define CKA_TRUST_SERVER_AUTH                    0x62cUL
#define CKA_TRUST_CLIENT_AUTH                    0x62dUL
#define CKA_TRUST_CODE_SIGNING                   0x62eUL
#define CKA_TRUST_EMAIL_PROTECTION               0x62fUL
#define CKA_TRUST_IPSEC_IKE                      0x630UL
#define CKA_TRUST_TIME_STAMPING                  0x631UL
#define CKA_TRUST_OCSP_SIGNING                   0x632UL
#define CKA_ENCAPSULATE                          0x633UL
#define CKA_DECAPSULATE                          0x634UL
#define CKA_HASH_OF_CERTIFICATE                  0x635UL
#define CKA_PUBLIC_CRC64_VALUE                   0x636UL
#define CKA_SEED                                 0x637UL
#define CKA_VENDOR_DEFINED                       0x80000000UL
#define CKA_WRAP_TEMPLATE                        0x40000211UL
#define CKA_UNWRAP_TEMPLATE                      0x40000212UL
#define CKA_DERIVE_TEMPLATE                      0x40000213UL
#define CKA_ALLOWED_MECHANISMS                   0x40000600UL
#define CKA_ECDSA_PARAMS                         0x180UL
#define CKA_SECONDARY_AUTH                       0x200UL
#define CKA_AUTH_PIN_FLAGS                       0x201UL
#define CKO_DATA                                 0x0UL
#define CKO_CERTIFICATE                          0x1UL
#define CKO_PUBLIC_KEY                           0x2UL
#define CKO_PRIVATE_KEY                          0x3UL
#define CKO_SECRET_KEY                           0x4UL
#define CKO_HW_FEATURE                           0x5UL
#define CKO_DOMAIN_PARAMETERS                    0x6UL
#define CKO_MECHANISM                            0x7UL
#define CKO_OTP_KEY                              0x8UL
#define CKO_PROFILE                              0x9UL
#define CKO_VALIDATION                           0xaUL
#define CKO_TRUST                                0xbUL
#define CKO_VENDOR_DEFINED                       0x80000000UL
#define CKK_RSA                                  0x0UL
#define CKK_DSA                                  0x1UL
#define CKK_DH                                   0x2UL
#define CKK_EC                                   0x3UL
#define CKK_X9_42_DH                             0x4UL
#define CKK_KEA                                  0x5UL
#define CKK_GENERIC_SECRET                       0x10UL
#define CKK_RC2                                  0x11UL
#define CKK_RC4                                  0x12UL
#define CKK_DES                                  0x13UL
#define CKK_DES2                                 0x14UL
#define CKK_DES3                                 0x15UL
#define CKK_CAST                                 0x16UL
#define CKK_CAST3                                0x17UL
#define CKK_CAST128                              0x18UL
#define CKK_RC5                                  0x19UL
#define CKK_IDEA                                 0x1aUL
#define CKK_SKIPJACK                             0x1bUL
#define CKK_BATON                                0x1cUL
#define CKK_JUNIPER                              0x1dUL
#define CKK_CDMF                                 0x1eUL
#define CKK_AES                                  0x1fUL
#define CKK_BLOWFISH                             0x20UL
#define CKK_TWOFISH                              0x21UL
#define CKK_SECURID                              0x22UL
#define CKK_HOTP                                 0x23UL
#define CKK_ACTI                                 0x24UL
#define CKK_CAMELLIA                             0x25UL
#define CKK_ARIA                                 0x26UL
#define CKK_MD5_HMAC                             0x27UL
#define CKK_SHA_1_HMAC                           0x28UL
#define CKK_RIPEMD128_HMAC                       0x29UL
#define CKK_RIPEMD160_HMAC                       0x2aUL
#define CKK_SHA256_HMAC                          0x2bUL
#define CKK_SHA384_HMAC                          0x2cUL
#define CKK_SHA512_HMAC                          0x2dUL
#define CKK_SHA224_HMAC                          0x2eUL
#define CKK_SEED                                 0x2fUL
#define CKK_GOSTR3410                            0x30UL
#define CKK_GOSTR3411                            0x31UL
#define CKK_GOST28147                            0x32UL
#define CKK_CHACHA20                             0x33UL
#define CKK_POLY1305                             0x34UL
#define CKK_AES_XTS                              0x35UL
#define CKK_SHA3_224_HMAC                        0x36UL
#define CKK_SHA3_256_HMAC                        0x37UL
#define CKK_SHA3_384_HMAC                        0x38UL
#define CKK_SHA3_512_HMAC                        0x39UL
#define CKK_BLAKE2B_160_HMAC                     0x3aUL
#define CKK_BLAKE2B_256_HMAC                     0x3bUL
#define CKK_BLAKE2B_384_HMAC                     0x3cUL
#define CKK_BLAKE2B_512_HMAC                     0x3dUL
#define CKK_SALSA20                              0x3eUL
#define CKK_X2RATCHET                            0x3fUL
#define CKK_EC_EDWARDS                           0x40UL
#define CKK_EC_MONTGOMERY                        0x41UL
#define CKK_HKDF                                 0x42UL
#define CKK_SHA512_224_HMAC                      0x43UL
#define CKK_SHA512_256_HMAC                      0x44UL
#define CKK_SHA512_T_HMAC                        0x45UL
#define CKK_HSS                                  0x46UL
#define CKK_XMSS                                 0x47UL
#define CKK_XMSSMT                               0x48UL
#define CKK_ML_KEM                               0x49UL
#define CKK_ML_DSA                               0x4aUL
#define CKK_SLH_DSA                              0x4bUL
#define CKK_VENDOR_DEFINED                       0x80000000UL
#define CKK_ECDSA                                0x3UL
#define CKK_CAST5                                0x18UL
#define CKM_RSA_PKCS_KEY_PAIR_GEN                0x0UL
#define CKM_RSA_PKCS                             0x1UL
#define CKM_RSA_9796                             0x2UL
#define CKM_RSA_X_509                            0x3UL
#define CKM_MD2_RSA_PKCS                         0x4UL
#define CKM_MD5_RSA_PKCS                         0x5UL
#define CKM_SHA1_RSA_PKCS                        0x6UL
#define CKM_RIPEMD128_RSA_PKCS                   0x7UL
#define CKM_RIPEMD160_RSA_PKCS                   0x8UL
#define CKM_RSA_PKCS_OAEP                        0x9UL
#define CKM_RSA_X9_31_KEY_PAIR_GEN               0xaUL
#define CKM_RSA_X9_31                            0xbUL
#define CKM_SHA1_RSA_X9_31                       0xcUL
#define CKM_RSA_PKCS_PSS                         0xdUL
#define CKM_SHA1_RSA_PKCS_PSS                    0xeUL
#define CKM_ML_KEM_KEY_PAIR_GEN                  0xfUL
#define CKM_DSA_KEY_PAIR_GEN                     0x10UL
#define CKM_DSA                                  0x11UL
#define CKM_DSA_SHA1                             0x12UL
#define CKM_DSA_SHA224                           0x13UL
#define CKM_DSA_SHA256                           0x14UL
#define CKM_DSA_SHA384                           0x15UL
#define CKM_DSA_SHA512                           0x16UL
#define CKM_ML_KEM                               0x17UL
#define CKM_DSA_SHA3_224                         0x18UL
#define CKM_DSA_SHA3_256                         0x19UL
#define CKM_DSA_SHA3_384                         0x1aUL
#define CKM_DSA_SHA3_512                         0x1bUL
#define CKM_ML_DSA_KEY_PAIR_GEN                  0x1cUL
#define CKM_ML_DSA                               0x1dUL
#define CKM_HASH_ML_DSA                          0x1fUL
#define CKM_DH_PKCS_KEY_PAIR_GEN                 0x20UL
#define CKM_DH_PKCS_DERIVE                       0x21UL
#define CKM_HASH_ML_DSA_SHA224                   0x23UL
#define CKM_HASH_ML_DSA_SHA256                   0x24UL
#define CKM_HASH_ML_DSA_SHA384                   0x25UL
#define CKM_HASH_ML_DSA_SHA512                   0x26UL
#define CKM_HASH_ML_DSA_SHA3_224                 0x27UL
#define CKM_HASH_ML_DSA_SHA3_256                 0x28UL
#define CKM_HASH_ML_DSA_SHA3_384                 0x29UL
#define CKM_HASH_ML_DSA_SHA3_512                 0x2aUL
#define CKM_HASH_ML_DSA_SHAKE128                 0x2bUL
#define CKM_HASH_ML_DSA_SHAKE256                 0x2cUL
#define CKM_SLH_DSA_KEY_PAIR_GEN                 0x2dUL
#define CKM_SLH_DSA                              0x2eUL
#define CKM_X9_42_DH_KEY_PAIR_GEN                0x30UL
#define CKM_X9_42_DH_DERIVE                      0x31UL
#define CKM_X9_42_DH_HYBRID_DERIVE               0x32UL
#define CKM_X9_42_MQV_DERIVE                     0x33UL
#define CKM_HASH_SLH_DSA                         0x34UL
#define CKM_HASH_SLH_DSA_SHA224                  0x36UL
#define CKM_HASH_SLH_DSA_SHA256                  0x37UL
#define CKM_HASH_SLH_DSA_SHA384                  0x38UL
#define CKM_HASH_SLH_DSA_SHA512                  0x39UL
#define CKM_HASH_SLH_DSA_SHA3_224                0x3aUL
#define CKM_HASH_SLH_DSA_SHA3_256                0x3bUL
#define CKM_HASH_SLH_DSA_SHA3_384                0x3cUL
#define CKM_HASH_SLH_DSA_SHA3_512                0x3dUL
#define CKM_HASH_SLH_DSA_SHAKE128                0x3eUL
#define CKM_HASH_SLH_DSA_SHAKE256                0x3fUL
#define CKM_SHA256_RSA_PKCS                      0x40UL
#define CKM_SHA384_RSA_PKCS                      0x41UL
#define CKM_SHA512_RSA_PKCS                      0x42UL
#define CKM_SHA256_RSA_PKCS_PSS                  0x43UL
#define CKM_SHA384_RSA_PKCS_PSS                  0x44UL
#define CKM_SHA512_RSA_PKCS_PSS                  0x45UL
#define CKM_SHA224_RSA_PKCS                      0x46UL
#define CKM_SHA224_RSA_PKCS_PSS                  0x47UL
#define CKM_SHA512_224                           0x48UL
#define CKM_SHA512_224_HMAC                      0x49UL
#define CKM_SHA512_224_HMAC_GENERAL              0x4aUL
#define CKM_SHA512_224_KEY_DERIVATION            0x4bUL
#define CKM_SHA512_256                           0x4cUL
#define CKM_SHA512_256_HMAC                      0x4dUL
#define CKM_SHA512_256_HMAC_GENERAL              0x4eUL
#define CKM_SHA512_256_KEY_DERIVATION            0x4fUL
#define CKM_SHA512_T                             0x50UL
#define CKM_SHA512_T_HMAC                        0x51UL
#define CKM_SHA512_T_HMAC_GENERAL                0x52UL
#define CKM_SHA512_T_KEY_DERIVATION              0x53UL
#define CKM_TLS12_EXTENDED_MASTER_KEY_DERIVE     0x56UL
#define CKM_TLS12_EXTENDED_MASTER_KEY_DERIVE_DH  0x57UL
#define CKM_SHA3_256_RSA_PKCS                    0x60UL
#define CKM_SHA3_384_RSA_PKCS                    0x61UL
#define CKM_SHA3_512_RSA_PKCS                    0x62UL
#define CKM_SHA3_256_RSA_PKCS_PSS                0x63UL
#define CKM_SHA3_384_RSA_PKCS_PSS                0x64UL
#define CKM_SHA3_512_RSA_PKCS_PSS                0x65UL
#define CKM_SHA3_224_RSA_PKCS                    0x66UL
#define CKM_SHA3_224_RSA_PKCS_PSS                0x67UL
#define CKM_RC2_KEY_GEN                          0x100UL
#define CKM_RC2_ECB                              0x101UL
#define CKM_RC2_CBC                              0x102UL
#define CKM_RC2_MAC                              0x103UL
#define CKM_RC2_MAC_GENERAL                      0x104UL
#define CKM_RC2_CBC_PAD                          0x105UL
#define CKM_RC4_KEY_GEN                          0x110UL
#define CKM_RC4                                  0x111UL
#define CKM_DES_KEY_GEN                          0x120UL
#define CKM_DES_ECB                              0x121UL
#define CKM_DES_CBC                              0x122UL
#define CKM_DES_MAC                              0x123UL
#define CKM_DES_MAC_GENERAL                      0x124UL
#define CKM_DES_CBC_PAD                          0x125UL
#define CKM_DES2_KEY_GEN                         0x130UL
#define CKM_DES3_KEY_GEN                         0x131UL
#define CKM_DES3_ECB                             0x132UL
#define CKM_DES3_CBC                             0x133UL
#define CKM_DES3_MAC                             0x134UL
#define CKM_DES3_MAC_GENERAL                     0x135UL
#define CKM_DES3_CBC_PAD                         0x136UL
#define CKM_DES3_CMAC_GENERAL                    0x137UL
#define CKM_DES3_CMAC                            0x138UL
#define CKM_CDMF_KEY_GEN                         0x140UL
#define CKM_CDMF_ECB                             0x141UL
#define CKM_CDMF_CBC                             0x142UL
#define CKM_CDMF_MAC                             0x143UL
#define CKM_CDMF_MAC_GENERAL                     0x144UL
#define CKM_CDMF_CBC_PAD                         0x145UL
#define CKM_DES_OFB64                            0x150UL
#define CKM_DES_OFB8                             0x151UL
#define CKM_DES_CFB64                            0x152UL
#define CKM_DES_CFB8                             0x153UL
#define CKM_MD2                                  0x200UL
#define CKM_MD2_HMAC                             0x201UL
#define CKM_MD2_HMAC_GENERAL                     0x202UL
#define CKM_MD5                                  0x210UL
#define CKM_MD5_HMAC                             0x211UL
#define CKM_MD5_HMAC_GENERAL                     0x212UL
#define CKM_SHA_1                                0x220UL
#define CKM_SHA_1_HMAC                           0x221UL
#define CKM_SHA_1_HMAC_GENERAL                   0x222UL
#define CKM_RIPEMD128                            0x230UL
#define CKM_RIPEMD128_HMAC                       0x231UL
#define CKM_RIPEMD128_HMAC_GENERAL               0x232UL
#define CKM_RIPEMD160                            0x240UL
#define CKM_RIPEMD160_HMAC                       0x241UL
#define CKM_RIPEMD160_HMAC_GENERAL               0x242UL
#define CKM_SHA256                               0x250UL
#define CKM_SHA256_HMAC                          0x251UL
#define CKM_SHA256_HMAC_GENERAL                  0x252UL
#define CKM_SHA224                               0x255UL
#define CKM_SHA224_HMAC                          0x256UL
#define CKM_SHA224_HMAC_GENERAL                  0x257UL
#define CKM_SHA384                               0x260UL
#define CKM_SHA384_HMAC                          0x261UL
#define CKM_SHA384_HMAC_GENERAL                  0x262UL
#define CKM_SHA512                               0x270UL
#define CKM_SHA512_HMAC                          0x271UL
#define CKM_SHA512_HMAC_GENERAL                  0x272UL
#define CKM_SECURID_KEY_GEN                      0x280UL
#define CKM_SECURID                              0x282UL
#define CKM_HOTP_KEY_GEN                         0x290UL
#define CKM_HOTP                                 0x291UL
#define CKM_ACTI                                 0x2a0UL
#define CKM_ACTI_KEY_GEN                         0x2a1UL
#define CKM_SHA3_256                             0x2b0UL
#define CKM_SHA3_256_HMAC                        0x2b1UL
#define CKM_SHA3_256_HMAC_GENERAL                0x2b2UL
#define CKM_SHA3_256_KEY_GEN                     0x2b3UL
#define CKM_SHA3_224                             0x2b5UL
#define CKM_SHA3_224_HMAC                        0x2b6UL
#define CKM_SHA3_224_HMAC_GENERAL                0x2b7UL
#define CKM_SHA3_224_KEY_GEN                     0x2b8UL
#define CKM_SHA3_384                             0x2c0UL
#define CKM_SHA3_384_HMAC                        0x2c1UL
#define CKM_SHA3_384_HMAC_GENERAL                0x2c2UL
#define CKM_SHA3_384_KEY_GEN                     0x2c3UL
#define CKM_SHA3_512                             0x2d0UL
#define CKM_SHA3_512_HMAC                        0x2d1UL
#define CKM_SHA3_512_HMAC_GENERAL                0x2d2UL
#define CKM_SHA3_512_KEY_GEN                     0x2d3UL
#define CKM_CAST_KEY_GEN                         0x300UL
#define CKM_CAST_ECB                             0x301UL
#define CKM_CAST_CBC                             0x302UL
#define CKM_CAST_MAC                             0x303UL
#define CKM_CAST_MAC_GENERAL                     0x304UL
#define CKM_CAST_CBC_PAD                         0x305UL
#define CKM_CAST3_KEY_GEN                        0x310UL
#define CKM_CAST3_ECB                            0x311UL
#define CKM_CAST3_CBC                            0x312UL
#define CKM_CAST3_MAC                            0x313UL
#define CKM_CAST3_MAC_GENERAL                    0x314UL
#define CKM_CAST3_CBC_PAD                        0x315UL
#define CKM_CAST128_KEY_GEN                      0x320UL
#define CKM_CAST128_ECB                          0x321UL
#define CKM_CAST128_MAC                          0x323UL
#define CKM_CAST128_CBC                          0x322UL
#define CKM_CAST128_MAC_GENERAL                  0x324UL
#define CKM_CAST128_CBC_PAD                      0x325UL
#define CKM_RC5_KEY_GEN                          0x330UL
#define CKM_RC5_ECB                              0x331UL
#define CKM_RC5_CBC                              0x332UL
#define CKM_RC5_MAC                              0x333UL
#define CKM_RC5_MAC_GENERAL                      0x334UL
#define CKM_RC5_CBC_PAD                          0x335UL
#define CKM_IDEA_KEY_GEN                         0x340UL
#define CKM_IDEA_ECB                             0x341UL
#define CKM_IDEA_CBC                             0x342UL
#define CKM_IDEA_MAC                             0x343UL
#define CKM_IDEA_MAC_GENERAL                     0x344UL
#define CKM_IDEA_CBC_PAD                         0x345UL
#define CKM_GENERIC_SECRET_KEY_GEN               0x350UL
#define CKM_CONCATENATE_BASE_AND_KEY             0x360UL
#define CKM_CONCATENATE_BASE_AND_DATA            0x362UL
#define CKM_CONCATENATE_DATA_AND_BASE            0x363UL
#define CKM_XOR_BASE_AND_DATA                    0x364UL
#define CKM_EXTRACT_KEY_FROM_KEY                 0x365UL
#define CKM_SSL3_PRE_MASTER_KEY_GEN              0x370UL
#define CKM_SSL3_MASTER_KEY_DERIVE               0x371UL
#define CKM_SSL3_KEY_AND_MAC_DERIVE              0x372UL
#define CKM_SSL3_MASTER_KEY_DERIVE_DH            0x373UL
#define CKM_TLS_PRE_MASTER_KEY_GEN               0x374UL
#define CKM_TLS_MASTER_KEY_DERIVE                0x375UL
#define CKM_TLS_KEY_AND_MAC_DERIVE               0x376UL
#define CKM_TLS_MASTER_KEY_DERIVE_DH             0x377UL
#define CKM_TLS_PRF                              0x378UL
#define CKM_SSL3_MD5_MAC                         0x380UL
#define CKM_SSL3_SHA1_MAC                        0x381UL
#define CKM_MD5_KEY_DERIVATION                   0x390UL
#define CKM_MD2_KEY_DERIVATION                   0x391UL
#define CKM_SHA1_KEY_DERIVATION                  0x392UL
#define CKM_SHA256_KEY_DERIVATION                0x393UL
#define CKM_SHA384_KEY_DERIVATION                0x394UL
#define CKM_SHA512_KEY_DERIVATION                0x395UL
#define CKM_SHA224_KEY_DERIVATION                0x396UL
#define CKM_SHA3_256_KEY_DERIVATION              0x397UL
#define CKM_SHA3_256_KEY_DERIVE                  0x397UL
#define CKM_SHA3_224_KEY_DERIVATION              0x398UL
#define CKM_SHA3_224_KEY_DERIVE                  0x398UL
#define CKM_SHA3_384_KEY_DERIVATION              0x399UL
#define CKM_SHA3_384_KEY_DERIVE                  0x399UL
#define CKM_SHA3_512_KEY_DERIVATION              0x39aUL
#define CKM_SHA3_512_KEY_DERIVE                  0x39aUL
#define CKM_SHAKE_128_KEY_DERIVATION             0x39bUL
#define CKM_SHAKE_128_KEY_DERIVE                 0x39bUL
#define CKM_SHAKE_256_KEY_DERIVATION             0x39cUL
#define CKM_SHAKE_256_KEY_DERIVE                 0x39cUL
#define CKM_PBE_MD2_DES_CBC                      0x3a0UL
#define CKM_PBE_MD5_DES_CBC                      0x3a1UL
#define CKM_PBE_MD5_CAST_CBC                     0x3a2UL
#define CKM_PBE_MD5_CAST3_CBC                    0x3a3UL
#define CKM_PBE_MD5_CAST128_CBC                  0x3a4UL
#define CKM_PBE_SHA1_CAST128_CBC                 0x3a5UL
#define CKM_PBE_SHA1_RC4_128                     0x3a6UL
#define CKM_PBE_SHA1_RC4_40                      0x3a7UL
#define CKM_PBE_SHA1_DES3_EDE_CBC                0x3a8UL
#define CKM_PBE_SHA1_DES2_EDE_CBC                0x3a9UL
#define CKM_PBE_SHA1_RC2_128_CBC                 0x3aaUL
#define CKM_PBE_SHA1_RC2_40_CBC                  0x3abUL
#define CKM_PKCS5_PBKD2                          0x3b0UL
#define CKM_PBA_SHA1_WITH_SHA1_HMAC              0x3c0UL
#define CKM_WTLS_PRE_MASTER_KEY_GEN              0x3d0UL
#define CKM_WTLS_MASTER_KEY_DERIVE               0x3d1UL
#define CKM_WTLS_MASTER_KEY_DERIVE_DH_ECC        0x3d2UL
#define CKM_WTLS_PRF                             0x3d3UL
#define CKM_WTLS_SERVER_KEY_AND_MAC_DERIVE       0x3d4UL
#define CKM_WTLS_CLIENT_KEY_AND_MAC_DERIVE       0x3d5UL
#define CKM_TLS10_MAC_SERVER                     0x3d6UL
#define CKM_TLS10_MAC_CLIENT                     0x3d7UL
#define CKM_TLS12_MAC                            0x3d8UL
#define CKM_TLS12_KDF                            0x3d9UL
#define CKM_TLS12_MASTER_KEY_DERIVE              0x3e0UL
#define CKM_TLS12_KEY_AND_MAC_DERIVE             0x3e1UL
#define CKM_TLS12_MASTER_KEY_DERIVE_DH           0x3e2UL
#define CKM_TLS12_KEY_SAFE_DERIVE                0x3e3UL
#define CKM_TLS_MAC                              0x3e4UL
#define CKM_TLS_KDF                              0x3e5UL
#define CKM_KEY_WRAP_LYNKS                       0x400UL
#define CKM_KEY_WRAP_SET_OAEP                    0x401UL
#define CKM_CMS_SIG                              0x500UL
#define CKM_KIP_DERIVE                           0x510UL
#define CKM_KIP_WRAP                             0x511UL
#define CKM_KIP_MAC                              0x512UL
#define CKM_CAMELLIA_KEY_GEN                     0x550UL
#define CKM_CAMELLIA_ECB                         0x551UL
#define CKM_CAMELLIA_CBC                         0x552UL
#define CKM_CAMELLIA_MAC                         0x553UL
#define CKM_CAMELLIA_MAC_GENERAL                 0x554UL
#define CKM_CAMELLIA_CBC_PAD                     0x555UL
#define CKM_CAMELLIA_ECB_ENCRYPT_DATA            0x556UL
#define CKM_CAMELLIA_CBC_ENCRYPT_DATA            0x557UL
#define CKM_CAMELLIA_CTR                         0x558UL
#define CKM_ARIA_KEY_GEN                         0x560UL
#define CKM_ARIA_ECB                             0x561UL
#define CKM_ARIA_CBC                             0x562UL
#define CKM_ARIA_MAC                             0x563UL
#define CKM_ARIA_MAC_GENERAL                     0x564UL
#define CKM_ARIA_CBC_PAD                         0x565UL
#define CKM_ARIA_ECB_ENCRYPT_DATA                0x566UL
#define CKM_ARIA_CBC_ENCRYPT_DATA                0x567UL
#define CKM_SEED_KEY_GEN                         0x650UL
#define CKM_SEED_ECB                             0x651UL
#define CKM_SEED_CBC                             0x652UL
#define CKM_SEED_MAC                             0x653UL
#define CKM_SEED_MAC_GENERAL                     0x654UL
#define CKM_SEED_CBC_PAD                         0x655UL
#define CKM_SEED_ECB_ENCRYPT_DATA                0x656UL
#define CKM_SEED_CBC_ENCRYPT_DATA                0x657UL
#define CKM_SKIPJACK_KEY_GEN                     0x1000UL
#define CKM_SKIPJACK_ECB64                       0x1001UL
#define CKM_SKIPJACK_CBC64                       0x1002UL
#define CKM_SKIPJACK_OFB64                       0x1003UL
#define CKM_SKIPJACK_CFB64                       0x1004UL
#define CKM_SKIPJACK_CFB32                       0x1005UL
#define CKM_SKIPJACK_CFB16                       0x1006UL
#define CKM_SKIPJACK_CFB8                        0x1007UL
#define CKM_SKIPJACK_WRAP                        0x1008UL
#define CKM_SKIPJACK_PRIVATE_WRAP                0x1009UL
#define CKM_SKIPJACK_RELAYX                      0x100aUL
#define CKM_KEA_KEY_PAIR_GEN                     0x1010UL
#define CKM_KEA_KEY_DERIVE                       0x1011UL
#define CKM_KEA_DERIVE                           0x1012UL
#define CKM_FORTEZZA_TIMESTAMP                   0x1020UL
#define CKM_BATON_KEY_GEN                        0x1030UL
#define CKM_BATON_ECB128                         0x1031UL
#define CKM_BATON_ECB96                          0x1032UL
#define CKM_BATON_CBC128                         0x1033UL
#define CKM_BATON_COUNTER                        0x1034UL
#define CKM_BATON_SHUFFLE                        0x1035UL
#define CKM_BATON_WRAP                           0x1036UL
#define CKM_EC_KEY_PAIR_GEN                      0x1040UL
#define CKM_ECDSA                                0x1041UL
#define CKM_ECDSA_SHA1                           0x1042UL
#define CKM_ECDSA_SHA224                         0x1043UL
#define CKM_ECDSA_SHA256                         0x1044UL
#define CKM_ECDSA_SHA384                         0x1045UL
#define CKM_ECDSA_SHA512                         0x1046UL
#define CKM_EC_KEY_PAIR_GEN_W_EXTRA_BITS         0x140bUL
#define CKM_ECDH1_DERIVE                         0x1050UL
#define CKM_ECDH1_COFACTOR_DERIVE                0x1051UL
#define CKM_ECMQV_DERIVE                         0x1052UL
#define CKM_ECDH_AES_KEY_WRAP                    0x1053UL
#define CKM_RSA_AES_KEY_WRAP                     0x1054UL
#define CKM_JUNIPER_KEY_GEN                      0x1060UL
#define CKM_JUNIPER_ECB128                       0x1061UL
#define CKM_JUNIPER_CBC128                       0x1062UL
#define CKM_JUNIPER_COUNTER                      0x1063UL
#define CKM_JUNIPER_SHUFFLE                      0x1064UL
#define CKM_JUNIPER_WRAP                         0x1065UL
#define CKM_FASTHASH                             0x1070UL
#define CKM_AES_XTS                              0x1071UL
#define CKM_AES_XTS_KEY_GEN                      0x1072UL
#define CKM_AES_KEY_GEN                          0x1080UL
#define CKM_AES_ECB                              0x1081UL
#define CKM_AES_CBC                              0x1082UL
#define CKM_AES_MAC                              0x1083UL
#define CKM_AES_MAC_GENERAL                      0x1084UL
#define CKM_AES_CBC_PAD                          0x1085UL
#define CKM_AES_CTR                              0x1086UL
#define CKM_AES_GCM                              0x1087UL
#define CKM_AES_CCM                              0x1088UL
#define CKM_AES_CTS                              0x1089UL
#define CKM_AES_CMAC                             0x108aUL
#define CKM_AES_CMAC_GENERAL                     0x108bUL
#define CKM_AES_XCBC_MAC                         0x108cUL
#define CKM_AES_XCBC_MAC_96                      0x108dUL
#define CKM_AES_GMAC                             0x108eUL
#define CKM_BLOWFISH_KEY_GEN                     0x1090UL
#define CKM_BLOWFISH_CBC                         0x1091UL
#define CKM_TWOFISH_KEY_GEN                      0x1092UL
#define CKM_TWOFISH_CBC                          0x1093UL
#define CKM_BLOWFISH_CBC_PAD                     0x1094UL
#define CKM_TWOFISH_CBC_PAD                      0x1095UL
#define CKM_DES_ECB_ENCRYPT_DATA                 0x1100UL
#define CKM_DES_CBC_ENCRYPT_DATA                 0x1101UL
#define CKM_DES3_ECB_ENCRYPT_DATA                0x1102UL
#define CKM_DES3_CBC_ENCRYPT_DATA                0x1103UL
#define CKM_AES_ECB_ENCRYPT_DATA                 0x1104UL
#define CKM_AES_CBC_ENCRYPT_DATA                 0x1105UL
#define CKM_GOSTR3410_KEY_PAIR_GEN               0x1200UL
#define CKM_GOSTR3410                            0x1201UL
#define CKM_GOSTR3410_WITH_GOSTR3411             0x1202UL
#define CKM_GOSTR3410_KEY_WRAP                   0x1203UL
#define CKM_GOSTR3410_DERIVE                     0x1204UL
#define CKM_GOSTR3411                            0x1210UL
#define CKM_GOSTR3411_HMAC                       0x1211UL
#define CKM_GOST28147_KEY_GEN                    0x1220UL
#define CKM_GOST28147_ECB                        0x1221UL
#define CKM_GOST28147                            0x1222UL
#define CKM_GOST28147_MAC                        0x1223UL
#define CKM_GOST28147_KEY_WRAP                   0x1224UL
#define CKM_CHACHA20_KEY_GEN                     0x1225UL
#define CKM_CHACHA20                             0x1226UL
#define CKM_POLY1305_KEY_GEN                     0x1227UL
#define CKM_POLY1305                             0x1228UL
#define CKM_DSA_PARAMETER_GEN                    0x2000UL
#define CKM_DH_PKCS_PARAMETER_GEN                0x2001UL
#define CKM_X9_42_DH_PARAMETER_GEN               0x2002UL
#define CKM_DSA_PROBABILISTIC_PARAMETER_GEN      0x2003UL
#define CKM_DSA_SHAWE_TAYLOR_PARAMETER_GEN       0x2004UL
#define CKM_DSA_FIPS_G_GEN                       0x2005UL
#define CKM_AES_OFB                              0x2104UL
#define CKM_AES_CFB64                            0x2105UL
#define CKM_AES_CFB8                             0x2106UL
#define CKM_AES_CFB128                           0x2107UL
#define CKM_AES_CFB1                             0x2108UL
#define CKM_AES_KEY_WRAP                         0x2109UL
#define CKM_AES_KEY_WRAP_PAD                     0x210aUL
#define CKM_AES_KEY_WRAP_KWP                     0x210bUL
#define CKM_AES_KEY_WRAP_PKCS7                   0x210cUL
#define CKM_RSA_PKCS_TPM_1_1                     0x4001UL
#define CKM_RSA_PKCS_OAEP_TPM_1_1                0x4002UL
#define CKM_SHA_1_KEY_GEN                        0x4003UL
#define CKM_SHA224_KEY_GEN                       0x4004UL
#define CKM_SHA256_KEY_GEN                       0x4005UL
#define CKM_SHA384_KEY_GEN                       0x4006UL
#define CKM_SHA512_KEY_GEN                       0x4007UL
#define CKM_SHA512_224_KEY_GEN                   0x4008UL
#define CKM_SHA512_256_KEY_GEN                   0x4009UL
#define CKM_SHA512_T_KEY_GEN                     0x400aUL
#define CKM_NULL                                 0x400bUL
#define CKM_BLAKE2B_160                          0x400cUL
#define CKM_BLAKE2B_160_HMAC                     0x400dUL
#define CKM_BLAKE2B_160_HMAC_GENERAL             0x400eUL
#define CKM_BLAKE2B_160_KEY_DERIVE               0x400fUL
#define CKM_BLAKE2B_160_KEY_GEN                  0x4010UL
#define CKM_BLAKE2B_256                          0x4011UL
#define CKM_BLAKE2B_256_HMAC                     0x4012UL
#define CKM_BLAKE2B_256_HMAC_GENERAL             0x4013UL
#define CKM_BLAKE2B_256_KEY_DERIVE               0x4014UL
#define CKM_BLAKE2B_256_KEY_GEN                  0x4015UL
#define CKM_BLAKE2B_384                          0x4016UL
#define CKM_BLAKE2B_384_HMAC                     0x4017UL
#define CKM_BLAKE2B_384_HMAC_GENERAL             0x4018UL
#define CKM_BLAKE2B_384_KEY_DERIVE               0x4019UL
#define CKM_BLAKE2B_384_KEY_GEN                  0x401aUL
#define CKM_BLAKE2B_512                          0x401bUL
#define CKM_BLAKE2B_512_HMAC                     0x401cUL
#define CKM_BLAKE2B_512_HMAC_GENERAL             0x401dUL
#define CKM_BLAKE2B_512_KEY_DERIVE               0x401eUL
#define CKM_BLAKE2B_512_KEY_GEN                  0x401fUL
#define CKM_SALSA20                              0x4020UL
#define CKM_CHACHA20_POLY1305                    0x4021UL
#define CKM_SALSA20_POLY1305                     0x4022UL
#define CKM_X3DH_INITIALIZE                      0x4023UL
#define CKM_X3DH_RESPOND                         0x4024UL
#define CKM_X2RATCHET_INITIALIZE                 0x4025UL
#define CKM_X2RATCHET_RESPOND                    0x4026UL
#define CKM_X2RATCHET_ENCRYPT                    0x4027UL
#define CKM_X2RATCHET_DECRYPT                    0x4028UL
#define CKM_XEDDSA                               0x4029UL
#define CKM_HKDF_DERIVE                          0x402aUL
#define CKM_HKDF_DATA                            0x402bUL
#define CKM_HKDF_KEY_GEN                         0x402cUL
#define CKM_SALSA20_KEY_GEN                      0x402dUL
#define CKM_ECDSA_SHA3_224                       0x1047UL
#define CKM_ECDSA_SHA3_256                       0x1048UL
#define CKM_ECDSA_SHA3_384                       0x1049UL
#define CKM_ECDSA_SHA3_512                       0x104aUL
#define CKM_EC_EDWARDS_KEY_PAIR_GEN              0x1055UL
#define CKM_EC_MONTGOMERY_KEY_PAIR_GEN           0x1056UL
#define CKM_EDDSA                                0x1057UL
#define CKM_SP800_108_COUNTER_KDF                0x3acUL
#define CKM_SP800_108_FEEDBACK_KDF               0x3adUL
#define CKM_SP800_108_DOUBLE_PIPELINE_KDF        0x3aeUL
#define CKM_IKE2_PRF_PLUS_DERIVE                 0x402eUL
#define CKM_IKE_PRF_DERIVE                       0x402fUL
#define CKM_IKE1_PRF_DERIVE                      0x4030UL
#define CKM_IKE1_EXTENDED_DERIVE                 0x4031UL
#define CKM_HSS_KEY_PAIR_GEN                     0x4032UL
#define CKM_HSS                                  0x4033UL
#define CKM_XMSS_KEY_PAIR_GEN                    0x4034UL
#define CKM_XMSSMT_KEY_PAIR_GEN                  0x4035UL
#define CKM_XMSS                                 0x4036UL
#define CKM_XMSSMT                               0x4037UL
#define CKM_ECDH_X_AES_KEY_WRAP                  0x4038UL
#define CKM_ECDH_COF_AES_KEY_WRAP                0x4039UL
#define CKM_PUB_KEY_FROM_PRIV_KEY                0x403aUL
#define CKM_VENDOR_DEFINED                       0x80000000UL
#define CKM_CAST5_KEY_GEN                        0x320UL
#define CKM_CAST5_ECB                            0x321UL
#define CKM_CAST5_CBC                            0x322UL
#define CKM_CAST5_MAC                            0x323UL
#define CKM_CAST5_MAC_GENERAL                    0x324UL
#define CKM_CAST5_CBC_PAD                        0x325UL
#define CKM_PBE_MD5_CAST5_CBC                    0x3a4UL
#define CKM_PBE_SHA1_CAST5_CBC                   0x3a5UL
#define CKM_ECDSA_KEY_PAIR_GEN                   0x1040UL
#define CKM_DSA_PROBABLISTIC_PARAMETER_GEN       0x2003UL
#define CKU_SO                                   0x0UL
#define CKU_USER                                 0x1UL
#define CKU_CONTEXT_SPECIFIC                     0x2UL
#define CKS_RO_PUBLIC_SESSION                    0x0UL
#define CKS_RO_USER_FUNCTIONS                    0x1UL
#define CKS_RW_PUBLIC_SESSION                    0x2UL
#define CKS_RW_USER_FUNCTIONS                    0x3UL
#define CKS_RW_SO_FUNCTIONS                      0x4UL
#define CKS_LAST_VALIDATION_OK                   0x1UL
#define CKG_NO_GENERATE                          0x0UL
#define CKG_GENERATE                             0x1UL
#define CKG_GENERATE_COUNTER                     0x2UL
#define CKG_GENERATE_RANDOM                      0x3UL
#define CKG_GENERATE_COUNTER_XOR                 0x4UL
#define CKG_MGF1_SHA1                            0x1UL
#define CKG_MGF1_SHA256                          0x2UL
#define CKG_MGF1_SHA384                          0x3UL
#define CKG_MGF1_SHA512                          0x4UL
#define CKG_MGF1_SHA224                          0x5UL
#define CKG_MGF1_SHA3_224                        0x6UL
#define CKG_MGF1_SHA3_256                        0x7UL
#define CKG_MGF1_SHA3_384                        0x8UL
#define CKG_MGF1_SHA3_512                        0x9UL
#define CKD_NULL                                 0x1UL
#define CKD_SHA1_KDF                             0x2UL
#define CKD_SHA1_KDF_ASN1                        0x3UL
#define CKD_SHA1_KDF_CONCATENATE                 0x4UL
#define CKD_SHA224_KDF                           0x5UL
#define CKD_SHA256_KDF                           0x6UL
#define CKD_SHA384_KDF                           0x7UL
#define CKD_SHA512_KDF                           0x8UL
#define CKD_CPDIVERSIFY_KDF                      0x9UL
#define CKD_SHA3_224_KDF                         0xaUL
#define CKD_SHA3_256_KDF                         0xbUL
#define CKD_SHA3_384_KDF                         0xcUL
#define CKD_SHA3_512_KDF                         0xdUL
#define CKD_SHA1_KDF_SP800                       0xeUL
#define CKD_SHA224_KDF_SP800                     0xfUL
#define CKD_SHA256_KDF_SP800                     0x10UL
#define CKD_SHA384_KDF_SP800                     0x11UL
#define CKD_SHA512_KDF_SP800                     0x12UL
#define CKD_SHA3_224_KDF_SP800                   0x13UL
#define CKD_SHA3_256_KDF_SP800                   0x14UL
#define CKD_SHA3_384_KDF_SP800                   0x15UL
#define CKD_SHA3_512_KDF_SP800                   0x16UL
#define CKD_BLAKE2B_160_KDF                      0x17UL
#define CKD_BLAKE2B_256_KDF                      0x18UL
#define CKD_BLAKE2B_384_KDF                      0x19UL
#define CKD_BLAKE2B_512_KDF                      0x1aUL
#define CKZ_DATA_SPECIFIED                       0x1UL
#define CKZ_SALT_SPECIFIED                       0x1UL
#define CKH_MONOTONIC_COUNTER                    0x1UL
#define CKH_CLOCK                                0x2UL
#define CKH_USER_INTERFACE                       0x3UL
#define CKH_VENDOR_DEFINED                       0x80000000UL
#define CKH_HEDGE_PREFERRED                      0x0UL
#define CKH_HEDGE_REQUIRED                       0x1UL
#define CKH_DETERMINISTIC_REQUIRED               0x2UL
#define CKC_X_509                                0x0UL
#define CKC_X_509_ATTR_CERT                      0x1UL
#define CKC_WTLS                                 0x2UL
#define CKC_VENDOR_DEFINED                       0x80000000UL
#define CKN_SURRENDER                            0x0UL
#define CKN_OTP_CHANGED                          0x1UL
#define CKP_INVALID_ID                           0x0UL
#define CKP_BASELINE_PROVIDER                    0x1UL
#define CKP_EXTENDED_PROVIDER                    0x2UL
#define CKP_AUTHENTICATION_TOKEN                 0x3UL
#define CKP_PUBLIC_CERTIFICATES_TOKEN            0x4UL
#define CKP_COMPLETE_PROVIDER                    0x5UL
#define CKP_HKDF_TLS_TOKEN                       0x6UL
#define CKP_VENDOR_DEFINED                       0x80000000UL
#define CKP_PKCS5_PBKD2_HMAC_SHA1                0x1UL
#define CKP_PKCS5_PBKD2_HMAC_GOSTR3411           0x2UL
#define CKP_PKCS5_PBKD2_HMAC_SHA224              0x3UL
#define CKP_PKCS5_PBKD2_HMAC_SHA256              0x4UL
#define CKP_PKCS5_PBKD2_HMAC_SHA384              0x5UL
#define CKP_PKCS5_PBKD2_HMAC_SHA512              0x6UL
#define CKP_PKCS5_PBKD2_HMAC_SHA512_224          0x7UL
#define CKP_PKCS5_PBKD2_HMAC_SHA512_256          0x8UL
#define CKP_ML_DSA_44                            0x1UL
#define CKP_ML_DSA_65                            0x2UL
#define CKP_ML_DSA_87                            0x3UL
#define CKP_ML_KEM_512                           0x1UL
#define CKP_ML_KEM_768                           0x2UL
#define CKP_ML_KEM_1024                          0x3UL
#define CKP_SLH_DSA_SHA2_128S                    0x1UL
#define CKP_SLH_DSA_SHAKE_128S                   0x2UL
#define CKP_SLH_DSA_SHA2_128F                    0x3UL
#define CKP_SLH_DSA_SHAKE_128F                   0x4UL
#define CKP_SLH_DSA_SHA2_192S                    0x5UL
#define CKP_SLH_DSA_SHAKE_192S                   0x6UL
#define CKP_SLH_DSA_SHA2_192F                    0x7UL
#define CKP_SLH_DSA_SHAKE_192F                   0x8UL
#define CKP_SLH_DSA_SHA2_256S                    0x9UL
#define CKP_SLH_DSA_SHAKE_256S                   0xaUL
#define CKP_SLH_DSA_SHA2_256F                    0xbUL
#define CKP_SLH_DSA_SHAKE_256F                   0xcUL

#endif /* KEYBRIDGE_PKCS11_EXTERNAL_HEADER */

#ifdef __cplusplus
}
#endif

#endif /* KEYBRIDGE_PKCS11_H */
