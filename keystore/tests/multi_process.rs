//! Several processes share one store file: two processes creating 1,000
//! objects each at the same time lose none.
//!
//! The test re-runs its own binary as the two writers (selected by an
//! environment variable), so they are real, separate processes.

mod common;

use common::*;
use keystore::crypto::random::random_secret;
use keystore::Filter;
use std::path::PathBuf;
use std::process::{Command, Stdio};

const PER_PROCESS: usize = 1000;
const ROLE: &str = "KEYBRIDGE_TEST_WRITER";

#[test]
fn two_processes_create_1000_objects_each_and_lose_none() {
    if let Ok(spec) = std::env::var(ROLE) {
        return writer(&spec);
    }
    let fx = Fixture::new();
    fx.unlock().create_partition("shared").unwrap();
    let exe = std::env::current_exe().unwrap();
    let children: Vec<_> = ["A", "B"]
        .iter()
        .map(|who| {
            Command::new(&exe)
                .args([
                    "--exact",
                    "two_processes_create_1000_objects_each_and_lose_none",
                    "--nocapture",
                ])
                .env(
                    ROLE,
                    format!("{who}|{}|{}", fx.db.display(), fx.master_file.display()),
                )
                // The child's own test-harness summary would be counted as a
                // separate test run; its errors still reach stderr.
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(c.wait().unwrap().success(), "a writer process failed");
    }
    let p = fx.unlock().partition("shared").unwrap();
    let all = p.find(&Filter::default()).unwrap();
    assert_eq!(all.len(), 2 * PER_PROCESS, "objects lost or duplicated");
    for who in ["A", "B"] {
        for i in 0..PER_PROCESS {
            let label = format!("{who}-{i}");
            let found = p
                .find(&Filter {
                    label: Some(label.clone()),
                    ..Default::default()
                })
                .unwrap();
            assert_eq!(found.len(), 1, "{label}");
            let v = p.get(&found[0].uid).unwrap().value.unwrap();
            assert_eq!(v.len(), 32, "{label} value intact");
        }
    }
    assert_eq!(
        fx.open().verify_audit().unwrap().records,
        2 * PER_PROCESS as u64
    );
}

fn writer(spec: &str) {
    let mut parts = spec.split('|');
    let who = parts.next().unwrap().to_string();
    let db = PathBuf::from(parts.next().unwrap());
    let master = PathBuf::from(parts.next().unwrap());
    let session = unlock(&db, &master);
    let p = session.partition("shared").unwrap();
    for i in 0..PER_PROCESS {
        let uid = p
            .create(
                aes_attributes(&format!("{who}-{i}")),
                Some(random_secret(32).unwrap()),
            )
            .unwrap();
        session
            .key_store()
            .audit(&keystore::audit::AuditEntry::now(
                &who,
                "Create",
                Some(&uid),
                "ok",
            ))
            .unwrap();
    }
}
