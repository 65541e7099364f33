/*
 * keybridge vendor-defined PKCS#11 constants.
 *
 * keybridge's own attributes and mechanisms live in the vendor range
 * CKA_VENDOR_DEFINED / CKM_VENDOR_DEFINED | 0x4B420000 ("KB").
 * Nothing is defined in it yet; applications need only the standard
 * PKCS#11 headers today.
 */
#ifndef KEYBRIDGE_H
#define KEYBRIDGE_H

#define CKA_KEYBRIDGE_BASE (0x80000000UL | 0x4B420000UL)
#define CKM_KEYBRIDGE_BASE (0x80000000UL | 0x4B420000UL)

#endif /* KEYBRIDGE_H */
