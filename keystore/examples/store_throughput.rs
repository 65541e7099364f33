//! Durable write throughput of the SQLite store: key creations and audit
//! appends per second, from 1 and from 8 threads sharing one process.
//!
//! `cargo run --release -p keystore --example store_throughput [N]`
//! A measurement tool, not a test: it asserts nothing about speed.

use keystore::audit::AuditEntry;
use keystore::crypto::random::random_secret;
use keystore::hierarchy::SoftwareMasterKey;
use keystore::lifecycle;
use keystore::object::{Algorithm, Attributes, ObjectType};
use keystore::KeyStore;
use std::sync::Arc;
use std::time::Instant;

fn attrs(i: usize) -> Attributes {
    let mut a = Attributes::new(ObjectType::SymmetricKey, lifecycle::now());
    a.algorithm = Some(Algorithm::Aes);
    a.length = Some(256);
    a.names.push(format!("bench-{i}"));
    a
}

fn run(threads: usize, per_thread: usize, f: impl Fn(usize) + Sync) -> f64 {
    let start = Instant::now();
    std::thread::scope(|s| {
        for t in 0..threads {
            let f = &f;
            s.spawn(move || {
                for i in 0..per_thread {
                    f(t * per_thread + i);
                }
            });
        }
    });
    (threads * per_thread) as f64 / start.elapsed().as_secs_f64()
}

fn main() -> keystore::Result<()> {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(400);
    let dir = std::env::temp_dir().join(format!("kb-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| keystore::Error::io("temp dir", e))?;
    let ks = KeyStore::open(&dir.join("store.db"))?;
    let session = ks.unlock(Arc::new(SoftwareMasterKey::from_key_file(
        &dir.join("master.key"),
    )?))?;
    let p = session.create_partition("bench")?;
    println!("{:<28} {:>10} {:>10}", "operation", "1 thread", "8 threads");
    let create = |i: usize| {
        if let Err(e) = p.create(attrs(i), Some(random_secret(32).expect("random"))) {
            eprintln!("create: {e}");
        }
    };
    let c1 = run(1, n, create);
    let c8 = run(8, n / 8, create);
    println!(
        "{:<28} {:>10.0} {:>10.0}",
        "durable key creations/s", c1, c8
    );
    let audit = |i: usize| {
        if let Err(e) = ks.audit(&AuditEntry::now("bench", "Get", Some(&i.to_string()), "ok")) {
            eprintln!("audit: {e}");
        }
    };
    let a1 = run(1, n, audit);
    let a8 = run(8, n / 8, audit);
    println!(
        "{:<28} {:>10.0} {:>10.0}",
        "durable audit appends/s", a1, a8
    );
    let uids: Vec<String> = p
        .find(&Default::default())?
        .into_iter()
        .map(|o| o.uid)
        .collect();
    let get = |i: usize| {
        if let Err(e) = p.get(&uids[i % uids.len()]) {
            eprintln!("get: {e}");
        }
    };
    let g1 = run(1, n * 10, get);
    let g8 = run(8, n * 10 / 8, get);
    println!("{:<28} {:>10.0} {:>10.0}", "verified reads/s", g1, g8);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
