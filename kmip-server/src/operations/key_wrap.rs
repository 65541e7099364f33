//! Key wrapping on Get (KMIP 2.1 §6.1.20 Key Wrapping Specification, §2.1.5
//! Key Wrapping Data): Wrapping Method Encrypt with an AES key (NIST Key Wrap,
//! RFC 3394, or AES Key Wrap with Padding, RFC 5649) or an RSA public key
//! (OAEP or PKCS#1 v1.5).
//!
//! Encoding Option No Encoding wraps the Key Material bytes; TTLV Encoding
//! (the default, §2.1.5) wraps the TTLV encoding of the Key Value structure.

use super::crypto_common::{key_bytes, usable_key_in, CryptoParams};
use super::encrypt::rsa_padding;
use crate::dispatch::Ctx;
use crate::error::{Error, Result};
use keystore::crypto::{aes_key_wrap, aes_key_wrap_pad, rsa_encrypt};
use keystore::lifecycle::Usage;
use keystore::object::{ObjectType, UsageMask};
use kmip::enums::{
    block_cipher_mode as bcm, encoding_option, result_reason as rr, wrapping_method,
};
use kmip::{Tag, Ttlv, Value};

/// Replaces the Key Value of `structure` (a Symmetric Key, Private Key, ...
/// structure as Get builds it) with its wrapped form and appends the Key
/// Wrapping Data.
pub fn wrap(ctx: &Ctx<'_>, structure: &mut Ttlv, spec: &Ttlv) -> Result<()> {
    let method = spec.child_enumeration(Tag::WrappingMethod)?;
    if method != wrapping_method::Encrypt {
        return Err(Error::not_supported(
            "only the Encrypt Wrapping Method is supported",
        ));
    }
    if spec.find(Tag::MACSignatureKeyInformation).is_some() {
        return Err(Error::not_supported(
            "MAC/Signature key wrapping is not supported",
        ));
    }
    if spec.find(Tag::AttributeName).is_some() {
        return Err(Error::not_supported(
            "wrapping attributes with the key is not supported",
        ));
    }
    let info = spec.child_structure(Tag::EncryptionKeyInformation)?;
    let wrapping_uid = info.child_text(Tag::UniqueIdentifier)?;
    let encoding = spec
        .opt_child_enumeration(Tag::EncodingOption)?
        .unwrap_or(encoding_option::TTLVEncoding);
    let kek = usable_key_in(
        &ctx.partition,
        wrapping_uid,
        Usage::Protect,
        UsageMask::WRAP_KEY,
        "key wrapping",
    )?;
    let params = CryptoParams::for_request(info, Some(&kek))?;

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
    let kek_value = key_bytes(&kek)?;
    let wrapped = match kek.attributes.object_type {
        ObjectType::SymmetricKey => match params.block_cipher_mode.unwrap_or(bcm::NISTKeyWrap) {
            bcm::NISTKeyWrap => aes_key_wrap(kek_value, &plain)?,
            bcm::AESKeyWrapPadding => aes_key_wrap_pad(kek_value, &plain)?,
            other => {
                return Err(Error::not_supported(format!(
                    "key wrapping with Block Cipher Mode {} is not supported",
                    bcm::TABLE.name_of(other).unwrap_or("(unknown)")
                )))
            }
        },
        ObjectType::PublicKey => rsa_encrypt(kek_value, &rsa_padding(&params)?, &plain)?,
        t => {
            return Err(Error::kmip(
                rr::InvalidObjectType,
                format!("a {t} cannot wrap keys"),
            ))
        }
    };
    *value = Ttlv::bytes(Tag::KeyValue, wrapped);
    let mut data = vec![Ttlv::enumeration(Tag::WrappingMethod, method), info.clone()];
    if let Some(e) = spec.find(Tag::EncodingOption) {
        data.push(e.clone());
    }
    block.push(Ttlv::structure(Tag::KeyWrappingData, data))?;
    Ok(())
}
