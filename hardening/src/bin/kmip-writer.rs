//! A KMIP client of `keybridge serve` for the crash test, run as its own
//! process so the test can SIGKILL it at any moment.
//!
//! `kmip-writer PORT CERT_DIR NAME SEED`: loops until killed over a real
//! mutual-TLS connection: Create (AES-256, Pre-Active, unique Name), Get
//! (to acknowledge the check value of what was stored), Modify Attribute
//! (Name), Destroy, reconnecting every few operations. Every operation is
//! announced before and acknowledged after success (see
//! `hardening_tests::acks`). When the server is gone (killed by the test)
//! it keeps reconnecting; a refusal by the server is a failure (exit 3).
#![forbid(unsafe_code)]
#![deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hardening_tests::acks::{acknowledge, announce, Op};
use hardening_tests::kmip_ops::{self, CallError, Conn};
use hardening_tests::Rng;
use std::path::{Path, PathBuf};
use std::time::Duration;

struct Writer {
    name: String,
    rng: Rng,
    n: u64,
    /// (unique id, current Name) of the keys not destroyed.
    live: Vec<(String, String)>,
}

fn io(e: std::io::Error) -> CallError {
    CallError::Refused(format!("stdout: {e}"))
}

impl Writer {
    fn next_label(&mut self) -> String {
        self.n += 1;
        format!("{}-{}", self.name, self.n)
    }

    /// Runs operations on one connection until it has done `count` or the
    /// connection fails.
    fn session(&mut self, conn: &mut Conn, count: u64) -> Result<(), CallError> {
        for _ in 0..count {
            let label = self.next_label();
            announce(&Op::Create {
                uid: "-".into(),
                label: label.clone(),
                kcv: "-".into(),
            })
            .map_err(io)?;
            let uid = kmip_ops::create_aes(conn, &label, false)?;
            let kcv = kmip_ops::check_value(conn, &uid)?;
            acknowledge(&Op::Create {
                uid: uid.clone(),
                label: label.clone(),
                kcv,
            })
            .map_err(io)?;
            self.live.push((uid, label));
            if self.rng.chance(70) {
                let i = self.rng.below(self.live.len() as u64) as usize;
                let label = self.next_label();
                if let Some((uid, current)) = self.live.get_mut(i) {
                    let op = Op::Label {
                        uid: uid.clone(),
                        label: label.clone(),
                    };
                    announce(&op).map_err(io)?;
                    kmip_ops::rename(conn, uid, &label)?;
                    acknowledge(&op).map_err(io)?;
                    *current = label;
                }
            }
            if self.live.len() > 2 && self.rng.chance(40) {
                let i = self.rng.below(self.live.len() as u64) as usize;
                let (uid, _) = self.live.swap_remove(i);
                let op = Op::Destroy { uid: uid.clone() };
                announce(&op).map_err(io)?;
                kmip_ops::destroy(conn, &uid)?;
                acknowledge(&op).map_err(io)?;
            }
        }
        Ok(())
    }
}

fn run(port: u16, certs: &Path, name: &str, seed: u64) -> CallError {
    let mut w = Writer {
        name: name.to_string(),
        rng: Rng::new(seed),
        n: 0,
        live: Vec::new(),
    };
    loop {
        let result = kmip_ops::connect(port, certs).and_then(|mut conn| {
            let count = 1 + w.rng.below(20);
            w.session(&mut conn, count)
        });
        match result {
            Ok(()) => {}
            // The server was killed (or is starting): try again shortly.
            Err(CallError::Connection(_)) => std::thread::sleep(Duration::from_millis(20)),
            Err(refused) => return refused,
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [port, certs, name, seed] = args.as_slice() else {
        eprintln!("usage: kmip-writer PORT CERT_DIR NAME SEED");
        std::process::exit(2);
    };
    let (Ok(port), Ok(seed)) = (port.parse::<u16>(), seed.parse::<u64>()) else {
        eprintln!("kmip-writer: PORT and SEED are numbers");
        std::process::exit(2);
    };
    let e = run(port, &PathBuf::from(certs), name, seed);
    eprintln!("kmip-writer {name}: {e}");
    std::process::exit(3);
}
