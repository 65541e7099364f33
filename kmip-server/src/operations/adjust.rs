//! Adjust Attribute (KMIP 2.1 §6.1.3): changes a numeric or time attribute
//! by an amount instead of replacing it.
//!
//! The request names the attribute by its Attribute Reference and says how
//! to change it with an Adjustment Type (KMIP 2.1 §11, Adjustment Type):
//! Increment and Decrement add or subtract the Adjustment Value, Negate
//! changes the sign and takes no value. keybridge adjusts attributes of
//! these types, with an Adjustment Value of the type shown:
//!
//! | attribute   | Increment / Decrement by | Negate |
//! |-------------|--------------------------|--------|
//! | Integer     | Integer                  | yes    |
//! | Long Integer| Long Integer             | yes    |
//! | Big Integer | Big Integer              | yes    |
//! | Interval    | Interval                 | no: an Interval has no sign |
//! | Date-Time   | Interval (seconds)       | no: a point in time has no sign |
//!
//! A result the type cannot hold is refused with Numeric Range (KMIP 2.1
//! §11, Result Reason); a value of another type, or an attribute of any other
//! type (text, enumeration, structure, ...), with Invalid Field.
//!
//! The change goes through the same store update as Modify Attribute
//! ([`super::attributes`]): attributes only the server sets are refused with
//! Attribute Read Only, the store's invariants hold, an undoable batch can
//! take it back, and another identity needs the same `modify-attributes`
//! grant ([`crate::access::permission`]). The attribute must have exactly one
//! value: Attribute Not Found when it has none, Multi-valued Attribute when
//! a vendor attribute has several (a reference cannot say which one).

use super::attributes::{change_values_if, references, Reference};
use crate::attributes::Attr;
use crate::dispatch::Ctx;
use crate::error::{Error, Result};
use keystore::lifecycle::State;
use keystore::ManagedObject;
use kmip::enums::{adjustment_type as at, result_reason as rr};
use kmip::{Tag, Ttlv, Value};

/// Refuses an operation KMIP 1.x does not define (it arrived with a 1.x
/// protocol version in the header).
pub(super) fn require_2x(ctx: &Ctx<'_>, operation: &str) -> Result<()> {
    if ctx.version.is_2x() {
        return Ok(());
    }
    Err(Error::kmip(
        rr::OperationNotSupported,
        format!(
            "{operation} is a KMIP 2.x operation; this request is KMIP {}",
            ctx.version
        ),
    ))
}

/// What the request asks: the Adjustment Type and its Adjustment Value.
#[derive(Clone, Debug, PartialEq)]
enum Adjustment {
    Increment(Value),
    Decrement(Value),
    Negate,
}

impl Adjustment {
    fn from_request(payload: &Ttlv) -> Result<Adjustment> {
        let kind = payload
            .opt_child_enumeration(Tag::AdjustmentType)?
            .ok_or_else(|| Error::kmip(rr::MissingData, "the request has no Adjustment Type"))?;
        let amount = payload.find(Tag::AdjustmentValue).map(|v| v.value.clone());
        match (kind, amount) {
            (at::Increment, Some(v)) => Ok(Adjustment::Increment(v)),
            (at::Decrement, Some(v)) => Ok(Adjustment::Decrement(v)),
            (at::Increment | at::Decrement, None) => Err(Error::kmip(
                rr::MissingData,
                "Increment and Decrement need an Adjustment Value",
            )),
            (at::Negate, None) => Ok(Adjustment::Negate),
            (at::Negate, Some(_)) => Err(Error::invalid(
                "Negate takes no Adjustment Value: it changes the sign of the value",
            )),
            (other, _) => Err(Error::invalid(format!(
                "Adjustment Type {other:#x} is not defined"
            ))),
        }
    }

    /// The adjusted `current`.
    fn apply(&self, current: &Value) -> Result<Value> {
        let out_of_range = || {
            Error::kmip(
                rr::NumericRange,
                "the adjusted value does not fit the attribute's type",
            )
        };
        let wrong_amount = |wants: &str| {
            Error::invalid(format!(
                "this attribute is adjusted by an Adjustment Value of type {wants}"
            ))
        };
        match (current, self) {
            (Value::Integer(c), Adjustment::Increment(Value::Integer(v))) => c
                .checked_add(*v)
                .map(Value::Integer)
                .ok_or_else(out_of_range),
            (Value::Integer(c), Adjustment::Decrement(Value::Integer(v))) => c
                .checked_sub(*v)
                .map(Value::Integer)
                .ok_or_else(out_of_range),
            (Value::Integer(c), Adjustment::Negate) => {
                c.checked_neg().map(Value::Integer).ok_or_else(out_of_range)
            }
            (Value::Integer(_), _) => Err(wrong_amount("Integer")),
            (Value::LongInteger(c), Adjustment::Increment(Value::LongInteger(v))) => c
                .checked_add(*v)
                .map(Value::LongInteger)
                .ok_or_else(out_of_range),
            (Value::LongInteger(c), Adjustment::Decrement(Value::LongInteger(v))) => c
                .checked_sub(*v)
                .map(Value::LongInteger)
                .ok_or_else(out_of_range),
            (Value::LongInteger(c), Adjustment::Negate) => c
                .checked_neg()
                .map(Value::LongInteger)
                .ok_or_else(out_of_range),
            (Value::LongInteger(_), _) => Err(wrong_amount("Long Integer")),
            (Value::BigInteger(c), Adjustment::Increment(Value::BigInteger(v))) => {
                Ok(Value::BigInteger(big::add(c, v)))
            }
            (Value::BigInteger(c), Adjustment::Decrement(Value::BigInteger(v))) => {
                Ok(Value::BigInteger(big::add(c, &big::negate(v))))
            }
            (Value::BigInteger(c), Adjustment::Negate) => Ok(Value::BigInteger(big::negate(c))),
            (Value::BigInteger(_), _) => Err(wrong_amount("Big Integer")),
            (Value::Interval(c), Adjustment::Increment(Value::Interval(v))) => c
                .checked_add(*v)
                .map(Value::Interval)
                .ok_or_else(out_of_range),
            (Value::Interval(c), Adjustment::Decrement(Value::Interval(v))) => c
                .checked_sub(*v)
                .map(Value::Interval)
                .ok_or_else(out_of_range),
            (Value::DateTime(c), Adjustment::Increment(Value::Interval(v))) => c
                .checked_add(i64::from(*v))
                .map(Value::DateTime)
                .ok_or_else(out_of_range),
            (Value::DateTime(c), Adjustment::Decrement(Value::Interval(v))) => c
                .checked_sub(i64::from(*v))
                .map(Value::DateTime)
                .ok_or_else(out_of_range),
            (Value::Interval(_) | Value::DateTime(_), Adjustment::Negate) => Err(Error::invalid(
                "Negate applies to integers: an Interval or a Date-Time has no sign",
            )),
            (Value::Interval(_) | Value::DateTime(_), _) => Err(wrong_amount("Interval")),
            _ => Err(Error::invalid(
                "only Integer, Long Integer, Big Integer, Interval and Date-Time \
                 attributes can be adjusted",
            )),
        }
    }
}

/// Adjust Attribute (KMIP 2.1 §6.1.3); KMIP 2.x only. Answers with the
/// Unique Identifier; see the module documentation for what is adjusted.
pub fn adjust_attribute(ctx: &mut Ctx<'_>, payload: &Ttlv) -> Result<Vec<Ttlv>> {
    require_2x(ctx, "Adjust Attribute")?;
    let uid = ctx.uid(payload)?;
    if payload.find(Tag::AttributeName).is_some() {
        return Err(Error::invalid(
            "Adjust Attribute names its attribute with an Attribute Reference",
        ));
    }
    let mut refs = references(ctx, payload)?;
    let reference = match (refs.pop(), refs.is_empty()) {
        (Some(r), true) => r,
        (None, _) => {
            return Err(Error::kmip(
                rr::MissingData,
                "the request has no Attribute Reference",
            ))
        }
        (Some(_), false) => {
            return Err(Error::invalid(
                "Adjust Attribute adjusts one attribute: send one Attribute Reference",
            ))
        }
    };
    let adjustment = Adjustment::from_request(payload)?;
    let attr = match reference {
        Reference::Std(tag) => Attr::Std(Ttlv::structure(tag, Vec::new())),
        Reference::Vendor(vendor, name) => Attr::Vendor {
            vendor,
            name,
            value: Ttlv::structure(Tag::AttributeValue, Vec::new()),
        },
    };
    let activation_date = matches!(&attr, Attr::Std(t) if t.tag == Tag::ActivationDate);
    let check = |o: &ManagedObject| -> Result<()> {
        let state = o.attributes.lifecycle.state;
        if state.is_destroyed() {
            return Err(Error::kmip(
                rr::ObjectDestroyed,
                format!("object {} is destroyed", o.uid),
            ));
        }
        // KMIP 2.1 §4.1: the Activation Date may change only while
        // Pre-Active (as Modify Attribute enforces).
        if activation_date && state != State::PreActive {
            return Err(Error::kmip(
                rr::WrongKeyLifecycleState,
                "ACTIVATION_DATE:!PRE_ACTIVE",
            ));
        }
        Ok(())
    };
    change_values_if(ctx, &uid, &attr, check, |mut current| {
        match current.as_mut_slice() {
            [] => Err(Error::kmip(
                rr::AttributeNotFound,
                "the object has no value of this attribute to adjust",
            )),
            [one] => {
                one.value = adjustment.apply(&one.value)?;
                Ok(current)
            }
            _ => Err(Error::kmip(
                rr::MultiValuedAttribute,
                "the attribute has several values; Adjust Attribute cannot say which",
            )),
        }
    })?;
    Ok(super::uid_only(&uid))
}

/// Two's-complement big-endian arithmetic for Big Integer values (KMIP 2.1
/// §9.1.1.4): sign-extended, then trimmed and padded back to a multiple of
/// eight bytes, as the encoding wants them.
mod big {
    fn sign_byte(v: &[u8]) -> u8 {
        match v.first() {
            Some(b) if b & 0x80 != 0 => 0xFF,
            _ => 0x00,
        }
    }

    /// `v` widened to `len` bytes (`len` ≥ `v.len()`).
    fn extend(v: &[u8], len: usize) -> Vec<u8> {
        let mut out = vec![sign_byte(v); len.saturating_sub(v.len())];
        out.extend_from_slice(v);
        out
    }

    /// The shortest form of `v`, padded with its sign to a multiple of 8
    /// bytes (at least 8).
    fn canonical(v: Vec<u8>) -> Vec<u8> {
        let sign = sign_byte(&v);
        let mut start = 0;
        while let (Some(b), Some(next)) = (v.get(start), v.get(start + 1)) {
            if *b == sign && (next & 0x80) == (sign & 0x80) {
                start += 1;
            } else {
                break;
            }
        }
        let trimmed = v.get(start..).unwrap_or_default();
        let len = trimmed.len().div_ceil(8).max(1) * 8;
        let mut out = vec![sign; len - trimmed.len()];
        out.extend_from_slice(trimmed);
        out
    }

    /// `a + b`.
    pub fn add(a: &[u8], b: &[u8]) -> Vec<u8> {
        let len = a.len().max(b.len()) + 1;
        let (a, b) = (extend(a, len), extend(b, len));
        let mut out = vec![0u8; len];
        let mut carry = 0u16;
        for ((o, x), y) in out.iter_mut().zip(&a).zip(&b).rev() {
            let s = u16::from(*x) + u16::from(*y) + carry;
            *o = (s & 0xFF) as u8;
            carry = s >> 8;
        }
        canonical(out)
    }

    /// `-a`.
    pub fn negate(a: &[u8]) -> Vec<u8> {
        let inverted: Vec<u8> = extend(a, a.len() + 1).iter().map(|b| !b).collect();
        add(&inverted, &[0x01])
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn n(v: i64) -> Vec<u8> {
            canonical(v.to_be_bytes().to_vec())
        }

        #[test]
        fn matches_machine_arithmetic() {
            let samples = [
                0i64,
                1,
                -1,
                127,
                128,
                -128,
                -129,
                255,
                256,
                1 << 40,
                -(1 << 40),
            ];
            for a in samples {
                for b in samples {
                    assert_eq!(add(&n(a), &n(b)), n(a + b), "{a} + {b}");
                }
                assert_eq!(negate(&n(a)), n(-a), "-{a}");
            }
        }

        #[test]
        fn grows_past_64_bits_and_stays_padded() {
            let max = n(i64::MAX);
            let sum = add(&max, &n(1));
            assert_eq!(sum.len(), 16);
            assert_eq!(sum[7], 0x00);
            assert_eq!(sum[8], 0x80);
            assert!(sum[9..].iter().all(|b| *b == 0));
            // The most negative 64-bit value negated needs a ninth byte.
            let min = negate(&n(i64::MIN));
            assert_eq!(min, sum);
            // An empty value reads as zero.
            assert_eq!(add(&[], &[]), vec![0; 8]);
            // Unpadded input comes back padded.
            assert_eq!(add(&[0x01], &[0x01]), n(2));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(kind: u32, value: Option<Ttlv>) -> Ttlv {
        let mut c = vec![Ttlv::enumeration(Tag::AdjustmentType, kind)];
        c.extend(value);
        Ttlv::structure(Tag::RequestPayload, c)
    }

    fn adjust(current: Value, kind: u32, value: Option<Ttlv>) -> Result<Value> {
        Adjustment::from_request(&payload(kind, value))?.apply(&current)
    }

    fn reason(r: Result<Value>) -> u32 {
        match r {
            Err(Error::Kmip { reason, .. }) => reason,
            other => panic!("expected a KMIP refusal, got {other:?}"),
        }
    }

    fn int(v: i32) -> Option<Ttlv> {
        Some(Ttlv::integer(Tag::AdjustmentValue, v))
    }

    fn interval(v: u32) -> Option<Ttlv> {
        Some(Ttlv::interval(Tag::AdjustmentValue, v))
    }

    #[test]
    fn integers_move_by_the_amount_and_change_sign() {
        assert_eq!(
            adjust(Value::Integer(5), at::Increment, int(3)).ok(),
            Some(Value::Integer(8))
        );
        assert_eq!(
            adjust(Value::Integer(5), at::Decrement, int(7)).ok(),
            Some(Value::Integer(-2))
        );
        assert_eq!(
            adjust(Value::Integer(5), at::Negate, None).ok(),
            Some(Value::Integer(-5))
        );
        assert_eq!(
            adjust(
                Value::LongInteger(1 << 40),
                at::Decrement,
                Some(Ttlv::long_integer(Tag::AdjustmentValue, 1))
            )
            .ok(),
            Some(Value::LongInteger((1 << 40) - 1))
        );
        assert_eq!(
            adjust(
                Value::BigInteger(vec![0, 0, 0, 0, 0, 0, 0, 10]),
                at::Increment,
                Some(Ttlv::big_integer(Tag::AdjustmentValue, vec![0xFF; 8]))
            )
            .ok(),
            Some(Value::BigInteger(vec![0, 0, 0, 0, 0, 0, 0, 9]))
        );
    }

    #[test]
    fn intervals_and_dates_move_by_an_interval() {
        assert_eq!(
            adjust(Value::Interval(60), at::Increment, interval(30)).ok(),
            Some(Value::Interval(90))
        );
        assert_eq!(
            adjust(Value::DateTime(1_000), at::Decrement, interval(400)).ok(),
            Some(Value::DateTime(600))
        );
        assert_eq!(
            reason(adjust(Value::Interval(10), at::Decrement, interval(11))),
            rr::NumericRange
        );
        assert_eq!(
            reason(adjust(Value::DateTime(0), at::Negate, None)),
            rr::InvalidField
        );
        assert_eq!(
            reason(adjust(Value::DateTime(0), at::Increment, int(1))),
            rr::InvalidField
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(
            reason(adjust(Value::Integer(i32::MAX), at::Increment, int(1))),
            rr::NumericRange
        );
        assert_eq!(
            reason(adjust(Value::Integer(i32::MIN), at::Negate, None)),
            rr::NumericRange
        );
        assert_eq!(
            reason(adjust(Value::Integer(1), at::Increment, None)),
            rr::MissingData
        );
        assert_eq!(
            reason(adjust(Value::Integer(1), at::Negate, int(1))),
            rr::InvalidField
        );
        assert_eq!(
            reason(adjust(Value::Integer(1), 0x7F, int(1))),
            rr::InvalidField
        );
        assert_eq!(
            reason(adjust(Value::TextString("x".into()), at::Increment, int(1))),
            rr::InvalidField
        );
        assert_eq!(
            reason(adjust(Value::Boolean(true), at::Negate, None)),
            rr::InvalidField
        );
        assert_eq!(
            reason(adjust(
                Value::Integer(1),
                at::Increment,
                Some(Ttlv::long_integer(Tag::AdjustmentValue, 1))
            )),
            rr::InvalidField
        );
    }
}
