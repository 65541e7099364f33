//! Key wrapping on Get (KMIP 2.1 §6.1.20 Key Wrapping Specification, §2.1.5
//! Key Wrapping Data). Wrapping Methods:
//! - Encrypt, with an AES key (NIST Key Wrap, RFC 3394, or AES Key Wrap
//!   with Padding, RFC 5649) or an RSA public key (OAEP or PKCS#1 v1.5);
//! - MAC/sign: the Key Value stays as it is and the Key Wrapping Data
//!   carries its MAC (HMAC, CMAC key) or signature (private key) as
//!   MAC/Signature;
//! - Encrypt then MAC/sign: the MAC or signature is over the wrapped bytes.
//!
//! Encoding Option No Encoding wraps (or MACs) the Key Material bytes; TTLV
//! Encoding (the default, §2.1.5) the TTLV encoding of the Key Value
//! structure.
//!
//! Register takes a key block wrapped with the Encrypt method by a key
//! keybridge holds ([`unwrap_block`]): it is unwrapped and stored like any
//! other key, under the store's own encryption.

use super::crypto_common::{key_bytes, usable_key_in, CryptoParams};
use super::encrypt::rsa_padding;
use crate::dispatch::Ctx;
use crate::error::{Error, Result};
use keystore::crypto::{
    aes_key_unwrap, aes_key_unwrap_pad, aes_key_wrap, aes_key_wrap_pad, rsa_decrypt, rsa_encrypt,
};
use keystore::lifecycle::Usage;
use keystore::object::{ObjectType, UsageMask};
use kmip::enums::{
    block_cipher_mode as bcm, encoding_option, result_reason as rr, wrapping_method,
};
use kmip::{Tag, Ttlv, Value};

/// Whether the Key Wrapping Specification `spec` encrypts the key (MAC/sign
/// alone leaves it readable).
pub fn encrypts(spec: &Ttlv) -> bool {
    matches!(
        spec.child_enumeration(Tag::WrappingMethod),
        Ok(wrapping_method::Encrypt | wrapping_method::EncryptThenMACSign)
    )
}

/// Replaces the Key Value of `structure` (a Symmetric Key, Private Key, ...
/// structure as Get builds it) with its wrapped form and appends the Key
/// Wrapping Data.
pub fn wrap(ctx: &Ctx<'_>, structure: &mut Ttlv, spec: &Ttlv) -> Result<()> {
    let method = spec.child_enumeration(Tag::WrappingMethod)?;
    let (encrypts, macs) = match method {
        wrapping_method::Encrypt => (true, false),
        wrapping_method::MACSign => (false, true),
        wrapping_method::EncryptThenMACSign => (true, true),
        other => {
            return Err(Error::not_supported(format!(
            "Wrapping Method {} is not supported (Encrypt, MAC/sign and Encrypt then MAC/sign are)",
            wrapping_method::TABLE.name_of(other).unwrap_or("(unknown)")
        )))
        }
    };
    if spec.find(Tag::AttributeName).is_some() {
        return Err(Error::not_supported(
            "wrapping attributes with the key is not supported",
        ));
    }
    let info = spec.find(Tag::EncryptionKeyInformation);
    let mac_info = spec.find(Tag::MACSignatureKeyInformation);
    for (needed, given, what) in [
        (encrypts, info, "Encryption Key Information"),
        (macs, mac_info, "MAC/Signature Key Information"),
    ] {
        match (needed, given) {
            (true, None) => {
                return Err(Error::kmip(
                    rr::InvalidField,
                    format!("this Wrapping Method needs {what}"),
                ))
            }
            (false, Some(_)) => {
                return Err(Error::kmip(
                    rr::InvalidField,
                    format!("this Wrapping Method takes no {what}"),
                ))
            }
            _ => {}
        }
    }
    let encoding = spec
        .opt_child_enumeration(Tag::EncodingOption)?
        .unwrap_or(encoding_option::TTLVEncoding);

    let block = structure
        .children_mut()?
        .iter_mut()
        .find(|c| c.tag == Tag::KeyBlock)
        .ok_or_else(|| Error::not_supported("only keys and secret data can be wrapped"))?;
    let value = block
        .children_mut()?
        .iter_mut()
        .find(|c| c.tag == Tag::KeyValue)
        .ok_or_else(|| Error::kmip(rr::KeyValueNotPresent, "the object has no Key Value"))?;
    let plain = zeroize::Zeroizing::new(match encoding {
        encoding_option::NoEncoding => match value.child(Tag::KeyMaterial)?.value {
            Value::ByteString(ref b) => b.clone(),
            _ => {
                return Err(Error::not_supported(
                    "No Encoding wraps byte-string key material only; use TTLV Encoding",
                ))
            }
        },
        encoding_option::TTLVEncoding => kmip::encode(value)?,
        other => return Err(Error::invalid(format!("Encoding Option {other:#x}"))),
    });
    let wrapped = match info {
        Some(info) => Some(encrypt(ctx, info, &plain)?),
        None => None,
    };
    let mac = match mac_info {
        Some(mac_info) => {
            let over: &[u8] = wrapped.as_deref().unwrap_or(&plain);
            Some(mac_or_sign(ctx, mac_info, over)?)
        }
        None => None,
    };
    if let Some(w) = wrapped {
        *value = Ttlv::bytes(Tag::KeyValue, w);
    }
    let mut data = vec![Ttlv::enumeration(Tag::WrappingMethod, method)];
    data.extend(info.cloned());
    data.extend(mac_info.cloned());
    data.extend(mac.map(|m| Ttlv::bytes(Tag::MACSignature, m)));
    if let Some(e) = spec.find(Tag::EncodingOption) {
        data.push(e.clone());
    }
    block.push(Ttlv::structure(Tag::KeyWrappingData, data))?;
    Ok(())
}

/// `plain` wrapped with the key of Encryption Key Information `info`.
fn encrypt(ctx: &Ctx<'_>, info: &Ttlv, plain: &[u8]) -> Result<Vec<u8>> {
    let kek = usable_key_in(
        &ctx.partition,
        info.child_text(Tag::UniqueIdentifier)?,
        Usage::Protect,
        UsageMask::WRAP_KEY,
        "key wrapping",
    )?;
    let params = CryptoParams::for_request(info, Some(&kek))?;
    let kek_value = key_bytes(&kek)?;
    Ok(match kek.attributes.object_type {
        ObjectType::SymmetricKey => match params.block_cipher_mode.unwrap_or(bcm::NISTKeyWrap) {
            bcm::NISTKeyWrap => aes_key_wrap(kek_value, plain)?,
            bcm::AESKeyWrapPadding => aes_key_wrap_pad(kek_value, plain)?,
            other => {
                return Err(Error::not_supported(format!(
                    "key wrapping with Block Cipher Mode {} is not supported",
                    bcm::TABLE.name_of(other).unwrap_or("(unknown)")
                )))
            }
        },
        ObjectType::PublicKey => rsa_encrypt(kek_value, &rsa_padding(&params)?, plain)?,
        t => {
            return Err(Error::kmip(
                rr::InvalidObjectType,
                format!("a {t} cannot wrap keys"),
            ))
        }
    })
}

/// The MAC or signature of `over` with the key of MAC/Signature Key
/// Information `info`: a symmetric key (HMAC, CMAC) that may generate MACs,
/// or a private key that may sign.
fn mac_or_sign(ctx: &Ctx<'_>, info: &Ttlv, over: &[u8]) -> Result<Vec<u8>> {
    let uid = info.child_text(Tag::UniqueIdentifier)?;
    let key = usable_key_in(
        &ctx.partition,
        uid,
        Usage::Protect,
        0,
        "MAC/sign key wrapping",
    )?;
    let mask = match key.attributes.object_type {
        ObjectType::PrivateKey => UsageMask::SIGN,
        ObjectType::SymmetricKey | ObjectType::SecretData => UsageMask::MAC_GENERATE,
        t => {
            return Err(Error::kmip(
                rr::InvalidObjectType,
                format!("a {t} cannot MAC or sign a wrapped key"),
            ))
        }
    };
    if !key.attributes.usage.contains(mask) {
        return Err(Error::kmip(
            rr::IncompatibleCryptographicUsageMask,
            format!("object {uid} may not MAC or sign (Cryptographic Usage Mask)"),
        ));
    }
    let params = CryptoParams::for_request(info, Some(&key))?;
    super::sign_mac::mac_or_signature(&key, &params, over)
}

/// Unwraps a Register request's Key Block (with its Key Wrapping Data) in
/// place: the Key Value becomes the plain Key Value and the Key Wrapping
/// Data goes. Only the Encrypt method is taken, with a key of this
/// partition that may unwrap keys (AES key wrap with or without padding,
/// or an RSA private key).
pub fn unwrap_block(ctx: &Ctx<'_>, block: &mut Ttlv) -> Result<()> {
    let Some(data) = block.find(Tag::KeyWrappingData).cloned() else {
        return Ok(());
    };
    let method = data.child_enumeration(Tag::WrappingMethod)?;
    if method != wrapping_method::Encrypt {
        return Err(Error::not_supported(format!(
            "Register takes key blocks wrapped with the Encrypt method only, not {}",
            wrapping_method::TABLE
                .name_of(method)
                .unwrap_or("(unknown)")
        )));
    }
    let info = data.child_structure(Tag::EncryptionKeyInformation)?;
    let kek = usable_key_in(
        &ctx.partition,
        info.child_text(Tag::UniqueIdentifier)?,
        Usage::Process,
        UsageMask::UNWRAP_KEY,
        "key unwrapping",
    )?;
    let params = CryptoParams::for_request(info, Some(&kek))?;
    let kek_value = key_bytes(&kek)?;
    let wrapped = block.child_bytes(Tag::KeyValue).map_err(|_| {
        Error::kmip(
            rr::InvalidField,
            "a wrapped Key Block carries its Key Value as a Byte String",
        )
    })?;
    let unwrap_failed = |e: keystore::Error| {
        Error::kmip(
            rr::CryptographicFailure,
            format!("the Key Value does not unwrap with the given key: {e}"),
        )
    };
    let plain = match kek.attributes.object_type {
        ObjectType::SymmetricKey => match params.block_cipher_mode.unwrap_or(bcm::NISTKeyWrap) {
            bcm::NISTKeyWrap => aes_key_unwrap(kek_value, wrapped).map_err(unwrap_failed)?,
            bcm::AESKeyWrapPadding => {
                aes_key_unwrap_pad(kek_value, wrapped).map_err(unwrap_failed)?
            }
            other => {
                return Err(Error::not_supported(format!(
                    "key unwrapping with Block Cipher Mode {} is not supported",
                    bcm::TABLE.name_of(other).unwrap_or("(unknown)")
                )))
            }
        },
        ObjectType::PrivateKey => {
            rsa_decrypt(kek_value, &rsa_padding(&params)?, wrapped).map_err(unwrap_failed)?
        }
        t => {
            return Err(Error::kmip(
                rr::InvalidObjectType,
                format!("a {t} cannot unwrap keys"),
            ))
        }
    };
    let encoding = data
        .opt_child_enumeration(Tag::EncodingOption)?
        .unwrap_or(encoding_option::TTLVEncoding);
    let value = match encoding {
        encoding_option::NoEncoding => Ttlv::structure(
            Tag::KeyValue,
            vec![Ttlv::bytes(Tag::KeyMaterial, plain.expose().to_vec())],
        ),
        encoding_option::TTLVEncoding => {
            let v = kmip::decode(plain.expose()).map_err(|_| {
                Error::kmip(
                    rr::CryptographicFailure,
                    "the unwrapped bytes are not a TTLV Key Value",
                )
            })?;
            if v.tag != Tag::KeyValue {
                return Err(Error::kmip(
                    rr::InvalidField,
                    "the unwrapped bytes are not a Key Value",
                ));
            }
            v
        }
        other => return Err(Error::invalid(format!("Encoding Option {other:#x}"))),
    };
    let children = block.children_mut()?;
    children.retain(|c| c.tag != Tag::KeyWrappingData);
    for c in children.iter_mut() {
        if c.tag == Tag::KeyValue {
            *c = value.clone();
        }
    }
    Ok(())
}
