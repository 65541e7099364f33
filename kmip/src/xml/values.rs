//! Text forms of TTLV values in the KMIP XML encoding (KMIP Profiles 2.1
//! §5.4.1.x; 1.4 §5.4.1): decimal integers, hex byte strings, enumeration and
//! mask names, ISO 8601 date-times.

use crate::enums::Enumeration;
use crate::tables::EnumNames;

/// Why a value text could not be read; wrapped into `Error::InvalidXmlValue`.
pub(crate) type Reason = String;

fn parse_hex_u64(s: &str) -> Option<u64> {
    let h = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X"))?;
    if h.is_empty() || h.len() > 16 {
        return None;
    }
    u64::from_str_radix(h, 16).ok()
}

/// Integer: decimal, or `0x` hex of the 32 bits.
pub(crate) fn parse_i32(s: &str) -> Result<i32, Reason> {
    if let Some(v) = parse_hex_u64(s) {
        return u32::try_from(v)
            .map(|v| v as i32)
            .map_err(|_| "hex value over 32 bits".into());
    }
    s.parse::<i32>().map_err(|e| e.to_string())
}

/// Long Integer: decimal, or `0x` hex of the 64 bits.
pub(crate) fn parse_i64(s: &str) -> Result<i64, Reason> {
    if let Some(v) = parse_hex_u64(s) {
        return Ok(v as i64);
    }
    s.parse::<i64>().map_err(|e| e.to_string())
}

/// Interval: decimal or `0x` hex, unsigned 32 bits.
pub(crate) fn parse_u32(s: &str) -> Result<u32, Reason> {
    if let Some(v) = parse_hex_u64(s) {
        return u32::try_from(v).map_err(|_| "hex value over 32 bits".into());
    }
    s.parse::<u32>().map_err(|e| e.to_string())
}

/// A bit mask: names from `mask`, `0x` hex or decimal, separated by spaces
/// or `|`, OR-ed together.
pub(crate) fn parse_mask(s: &str, mask: &Enumeration) -> Result<i32, Reason> {
    let mut bits = 0u32;
    let mut any = false;
    for token in s
        .split(|c: char| c.is_whitespace() || c == '|')
        .filter(|t| !t.is_empty())
    {
        any = true;
        bits |= match mask.value_of(token) {
            Some(v) => v,
            None => parse_i32(token)
                .map(|v| v as u32)
                .map_err(|_| format!("{token:?} is not a {} bit", mask.name))?,
        };
    }
    if any {
        Ok(bits as i32)
    } else {
        Err("empty mask".into())
    }
}

/// Names of the set bits, with any unnamed bits as one hex token.
pub(crate) fn format_mask(v: i32, mask: &Enumeration) -> String {
    let mut rest = v as u32;
    if rest == 0 {
        return "0".into();
    }
    let mut parts: Vec<String> = Vec::new();
    for (name, bit) in mask.values {
        if rest & bit != 0 {
            parts.push((*name).to_owned());
            rest &= !bit;
        }
    }
    if rest != 0 {
        parts.push(format!("0x{rest:08x}"));
    }
    parts.join(" ")
}

/// Enumeration: a name (when `names` knows the tag), else `0x` hex or decimal.
pub(crate) fn parse_enum(s: &str, names: Option<EnumNames>) -> Result<u32, Reason> {
    if let Some(v) = names.and_then(|n| n.value_of(s)) {
        return Ok(v);
    }
    parse_u32(s).map_err(|_| match names {
        Some(EnumNames::Table(t)) => format!("not a {} name nor a number", t.name),
        Some(EnumNames::Tags) => "not a tag name nor a number".into(),
        None => "no enumeration table for this tag; use 0x hex".into(),
    })
}

/// Enumeration: its name when known, else 8-digit hex.
pub(crate) fn format_enum(v: u32, names: Option<EnumNames>) -> String {
    match names.and_then(|n| n.name_of(v)) {
        Some(name) => name.to_owned(),
        None => format!("0x{v:08x}"),
    }
}

/// Boolean: `true`/`false` (also `1`/`0`).
pub(crate) fn parse_bool(s: &str) -> Result<bool, Reason> {
    match s {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err("expected true or false".into()),
    }
}

/// Byte String / Big Integer: hex digits, optional `0x`.
pub(crate) fn parse_hex_bytes(s: &str) -> Result<Vec<u8>, Reason> {
    let h = s.strip_prefix("0x").unwrap_or(s).as_bytes();
    if !h.len().is_multiple_of(2) {
        return Err("odd number of hex digits".into());
    }
    h.chunks(2)
        .map(|pair| {
            let hi = (pair[0] as char).to_digit(16);
            let lo = (pair[1] as char).to_digit(16);
            match (hi, lo) {
                (Some(hi), Some(lo)) => Ok((hi * 16 + lo) as u8),
                _ => Err("not a hex digit".to_owned()),
            }
        })
        .collect()
}

pub(crate) fn format_hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

// ---- date-time: ISO 8601 <-> POSIX -----------------------------------------

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Proleptic Gregorian (year, month, day) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

fn digits(s: &str, n: usize) -> Option<i64> {
    if s.len() == n && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.ffffff][Z|±HH:MM]` (no zone = UTC) to POSIX
/// microseconds.
fn parse_iso8601_micros(s: &str) -> Result<i64, Reason> {
    let bad = || -> Reason { "expected YYYY-MM-DDTHH:MM:SS[.frac][Z|+HH:MM]".into() };
    let date = s.get(0..10).ok_or_else(bad)?;
    let (y, m, d) = (
        digits(date.get(0..4).ok_or_else(bad)?, 4),
        digits(date.get(5..7).ok_or_else(bad)?, 2),
        digits(date.get(8..10).ok_or_else(bad)?, 2),
    );
    let (Some(y), Some(m), Some(d)) = (y, m, d) else {
        return Err(bad());
    };
    if date.get(4..5) != Some("-") || date.get(7..8) != Some("-") || s.get(10..11) != Some("T") {
        return Err(bad());
    }
    let time = s.get(11..19).ok_or_else(bad)?;
    let (Some(hh), Some(mm), Some(ss)) = (
        digits(time.get(0..2).ok_or_else(bad)?, 2),
        digits(time.get(3..5).ok_or_else(bad)?, 2),
        digits(time.get(6..8).ok_or_else(bad)?, 2),
    ) else {
        return Err(bad());
    };
    if time.get(2..3) != Some(":") || time.get(5..6) != Some(":") {
        return Err(bad());
    }
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return Err("date or time field out of range".into());
    }
    let mut rest = s.get(19..).ok_or_else(bad)?;
    let mut micros = 0i64;
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 || n > 9 {
            return Err(bad());
        }
        let mut padded = frac.get(..n).ok_or_else(bad)?.to_owned();
        padded.truncate(6);
        while padded.len() < 6 {
            padded.push('0');
        }
        micros = padded.parse().map_err(|_| bad())?;
        rest = frac.get(n..).ok_or_else(bad)?;
    }
    let offset_secs = match rest {
        "" | "Z" => 0,
        _ => {
            let sign = match rest.get(..1).unwrap_or_default() {
                "+" => 1,
                "-" => -1,
                _ => return Err(bad()),
            };
            let (Some(oh), Some(om)) = (
                rest.get(1..3).and_then(|h| digits(h, 2)),
                rest.get(4..6).and_then(|m| digits(m, 2)),
            ) else {
                return Err(bad());
            };
            if rest.len() != 6 || rest.get(3..4) != Some(":") {
                return Err(bad());
            }
            sign * (oh * 3600 + om * 60)
        }
    };
    let secs = days_from_civil(y, m, d) * 86_400 + hh * 3600 + mm * 60 + ss - offset_secs;
    Ok(secs * 1_000_000 + micros)
}

/// Date-Time (POSIX seconds): ISO 8601 (fraction ignored) or `0x` hex.
pub(crate) fn parse_date_time(s: &str) -> Result<i64, Reason> {
    if let Some(v) = parse_hex_u64(s) {
        return Ok(v as i64);
    }
    parse_iso8601_micros(s).map(|us| us.div_euclid(1_000_000))
}

/// Date-Time Extended (POSIX microseconds): ISO 8601 or `0x` hex.
pub(crate) fn parse_date_time_extended(s: &str) -> Result<i64, Reason> {
    if let Some(v) = parse_hex_u64(s) {
        return Ok(v as i64);
    }
    parse_iso8601_micros(s)
}

/// ISO 8601 in UTC as `+00:00` (the vectors' style), with a 6-digit fraction
/// when `micros` is given; `0x` hex when the year is outside 0000–9999.
fn format_iso8601(secs: i64, micros: Option<i64>, raw: i64) -> String {
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    if !(0..=9999).contains(&y) {
        return format!("0x{:016x}", raw as u64);
    }
    let frac = micros.map(|us| format!(".{us:06}")).unwrap_or_default();
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}{frac}+00:00",
        tod / 3600,
        tod % 3600 / 60,
        tod % 60
    )
}

pub(crate) fn format_date_time(secs: i64) -> String {
    format_iso8601(secs, None, secs)
}

pub(crate) fn format_date_time_extended(us: i64) -> String {
    format_iso8601(us.div_euclid(1_000_000), Some(us.rem_euclid(1_000_000)), us)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enums::cryptographic_usage_mask as cum;

    #[test]
    fn dates() {
        assert_eq!(parse_date_time("1970-01-01T00:00:06+00:00"), Ok(6));
        assert_eq!(
            parse_date_time("2000-01-01T00:00:00+10:00"),
            Ok(946_648_800)
        );
        assert_eq!(parse_date_time("2000-01-01T00:00:00Z"), Ok(946_684_800));
        assert_eq!(parse_date_time("1969-12-31T23:59:59Z"), Ok(-1));
        assert_eq!(parse_date_time("0x0000000000000006"), Ok(6));
        assert!(parse_date_time("2000-13-01T00:00:00Z").is_err());
        assert!(parse_date_time("2000-01-01").is_err());
        assert!(parse_date_time("2000-01-01T00:00:00+1").is_err());
        assert_eq!(format_date_time(946_648_800), "1999-12-31T14:00:00+00:00");
        assert_eq!(parse_date_time(&format_date_time(-1)), Ok(-1));
        assert_eq!(format_date_time(i64::MAX), "0x7fffffffffffffff");
        assert_eq!(parse_date_time(&format_date_time(i64::MAX)), Ok(i64::MAX));
        let us = 946_684_800_123_456;
        assert_eq!(
            format_date_time_extended(us),
            "2000-01-01T00:00:00.123456+00:00"
        );
        assert_eq!(
            parse_date_time_extended(&format_date_time_extended(us)),
            Ok(us)
        );
        assert_eq!(
            parse_date_time_extended(&format_date_time_extended(-1)),
            Ok(-1)
        );
    }

    #[test]
    fn masks() {
        let t = &cum::TABLE;
        assert_eq!(
            parse_mask("Encrypt Decrypt", t),
            Ok((cum::Encrypt | cum::Decrypt) as i32)
        );
        assert_eq!(parse_mask("Sign|Verify", t), Ok(3));
        assert_eq!(parse_mask("0x0000000c", t), Ok(12));
        assert!(parse_mask("Encrypt Nonsense", t).is_err());
        assert!(parse_mask("", t).is_err());
        assert_eq!(format_mask(12, t), "Encrypt Decrypt");
        assert_eq!(format_mask(0x4000_0001, t), "Sign 0x40000000");
        assert_eq!(parse_mask(&format_mask(-1, t), t), Ok(-1));
    }

    #[test]
    fn numbers_and_bytes() {
        assert_eq!(parse_i32("-5"), Ok(-5));
        assert_eq!(parse_i32("0xffffffff"), Ok(-1));
        assert!(parse_i32("0x1ffffffff").is_err());
        assert_eq!(parse_hex_bytes("00ff"), Ok(vec![0, 255]));
        assert!(parse_hex_bytes("0g").is_err());
        assert!(parse_hex_bytes("abc").is_err());
        assert_eq!(format_hex(&[0xab, 0x01]), "ab01");
        assert_eq!(parse_bool("true"), Ok(true));
        assert!(parse_bool("yes").is_err());
    }
}
