//! Seeds for the `kmip_request` fuzz target: every request of the OASIS
//! KMIP XML test vectors, placeholders filled with plain values of their
//! type, encoded as binary TTLV (one file per request).
use kmip::{ItemType, Value};
use std::path::PathBuf;

fn fill(t: ItemType) -> Value {
    match t {
        ItemType::Integer => Value::Integer(1),
        ItemType::LongInteger => Value::LongInteger(1),
        ItemType::BigInteger => Value::BigInteger(vec![1]),
        ItemType::Enumeration => Value::Enumeration(1),
        ItemType::Boolean => Value::Boolean(true),
        ItemType::ByteString => Value::ByteString(vec![0; 16]),
        ItemType::DateTime => Value::DateTime(1_700_000_000),
        ItemType::Interval => Value::Interval(60),
        ItemType::DateTimeExtended => Value::DateTimeExtended(1_700_000_000_000_000),
        _ => Value::TextString("seed".into()),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args_os().skip(1);
    let (Some(vectors), Some(out)) = (args.next(), args.next()) else {
        return Err("usage: kmip-seeds <kmip-vectors dir> <corpus dir>".into());
    };
    let out = PathBuf::from(out);
    std::fs::create_dir_all(&out)?;
    let mut n = 0;
    for sub in ["v1.4", "v2.1"] {
        let dir = PathBuf::from(&vectors).join(sub);
        for file in kmip::vectors::load_dir(&dir)? {
            for (i, ex) in file.exchanges.iter().enumerate() {
                let tree = ex
                    .request
                    .resolve(&mut |_, p| Ok::<_, kmip::Error>(fill(p.item_type)))?;
                let bytes = kmip::encode(&tree)?;
                std::fs::write(out.join(format!("{}-{i}", file.name)), bytes)?;
                n += 1;
            }
        }
    }
    println!("wrote {n} seeds to {}", out.display());
    Ok(())
}
