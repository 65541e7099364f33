//! Crash consistency (issue #9): two PKCS#11 writers and two KMIP writers on
//! one store, the server and all writers killed with SIGKILL at random
//! moments, 20 rounds. After every round: every acknowledged create is
//! present with the same key (check value), every acknowledged destroy stays
//! destroyed, every modified label is the last acknowledged one (or the one
//! in flight), no object is torn (every record opens, no key without its
//! value), the store opens with the master key, SQLite's integrity check and
//! the audit log verify, and the token still logs in and shows through the
//! module exactly the objects and keys the store holds.
//!
//! `HARDENING_SEED` replays a run (the seed is printed); `HARDENING_CRASH_ROUNDS`
//! changes the number of rounds.
#![forbid(unsafe_code)]

use hardening_tests::acks::Ledger;
use hardening_tests::fixture::{Finished, Installation, Worker, KMIP_PARTITION};
use hardening_tests::store_view::{self, StoreView};
use hardening_tests::Rng;
use std::collections::BTreeMap;
use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

const TOKEN: &str = "crash-token";

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

/// Spawns the four writers of a round.
fn writers(inst: &Installation, port: u16, round: u64, rng: &mut Rng) -> Vec<Worker> {
    let module = hardening_tests::pkcs11_module().unwrap();
    let mut out = Vec::new();
    for w in ["p11a", "p11b"] {
        let name = format!("{w}r{round}");
        let mut c = inst.command(env!("CARGO_BIN_EXE_p11-writer").as_ref());
        c.env("KEYBRIDGE_PKCS11_MODULE", &module).args([
            "crash",
            TOKEN,
            &name,
            &rng.next_u64().to_string(),
        ]);
        out.push(Worker::spawn(&name, c).unwrap());
    }
    for w in ["kmipa", "kmipb"] {
        let name = format!("{w}r{round}");
        let mut c = inst.command(env!("CARGO_BIN_EXE_kmip-writer").as_ref());
        c.arg(port.to_string())
            .arg(inst.certs())
            .arg(&name)
            .arg(rng.next_u64().to_string());
        out.push(Worker::spawn(&name, c).unwrap());
    }
    out
}

/// Compares one ledger with the store; returns the problems found.
fn check(view: &StoreView, ledger: &Ledger, partition: &str, kmip: bool) -> Vec<String> {
    let mut problems = Vec::new();
    for (uid, e) in &ledger.objects {
        let Some(seen) = view.objects.get(uid) else {
            if !(e.destroyed || e.destroy_pending) {
                problems.push(format!("acknowledged create {uid} ({}) is lost", e.label));
            }
            continue;
        };
        if seen.partition != partition {
            problems.push(format!("{uid} moved to partition {}", seen.partition));
        }
        if e.destroyed {
            // PKCS#11 removes the object; KMIP keeps its attributes, erases its value.
            if !kmip || !seen.destroyed || seen.value_len.is_some() {
                problems.push(format!(
                    "acknowledged destroy of {uid} did not stay: {seen:?}"
                ));
            }
            continue;
        }
        if seen.destroyed {
            if !(kmip && e.destroy_pending) {
                problems.push(format!("{uid} is destroyed but no destroy was tried"));
            }
            continue;
        }
        if seen.kcv.as_deref() != Some(e.kcv.as_str()) {
            problems.push(format!(
                "{uid}: key check value {:?}, acknowledged {}",
                seen.kcv, e.kcv
            ));
        }
        let label = seen.label.as_deref().unwrap_or("");
        if !e.label_allowed(label) {
            problems.push(format!(
                "{uid}: label {label:?}, acknowledged {:?} (then tried {:?})",
                e.label, e.pending_labels
            ));
        }
    }
    problems
}

/// Store-wide invariants: no torn object anywhere, labels unique.
fn check_store(view: &StoreView) -> Vec<String> {
    let mut problems = Vec::new();
    let mut labels: BTreeMap<(&str, &str), &str> = BTreeMap::new();
    for (uid, seen) in &view.objects {
        if ![TOKEN, KMIP_PARTITION].contains(&seen.partition.as_str()) {
            problems.push(format!("{uid} in unexpected partition {}", seen.partition));
        }
        if seen.destroyed {
            if seen.value_len.is_some() {
                problems.push(format!("{uid} is destroyed but keeps a value"));
            }
            continue;
        }
        if seen.value_len != Some(32) || seen.kcv.is_none() {
            problems.push(format!(
                "{uid}: a live AES-256 key with value {:?}",
                seen.value_len
            ));
        }
        let label = seen.label.as_deref().unwrap_or("");
        if let Some(other) = labels.insert((&seen.partition, label), uid) {
            problems.push(format!("label {label:?} on both {other} and {uid}"));
        }
    }
    problems
}

fn report(f: &Finished) -> String {
    format!(
        "{} exited by itself (code {:?}); stderr:\n{}",
        f.name, f.code, f.stderr
    )
}

#[test]
fn acknowledged_writes_survive_sigkill_of_server_and_writers() {
    let started = Instant::now();
    let seed = env_u64("HARDENING_SEED").unwrap_or_else(Rng::seed_from_time);
    let rounds = env_u64("HARDENING_CRASH_ROUNDS").unwrap_or(20);
    println!("crash consistency: seed {seed} (HARDENING_SEED={seed} replays), {rounds} rounds");
    let mut rng = Rng::new(seed);
    let dir = tempfile::tempdir().unwrap();
    let inst = Installation::new(dir.path()).unwrap();
    let (ok, _, err) = inst.admin(&["init"], "").unwrap();
    assert!(ok, "keybridge init: {err}");
    let module = hardening_tests::pkcs11_module().unwrap();
    let mut init = inst.command(env!("CARGO_BIN_EXE_p11-writer").as_ref());
    init.env("KEYBRIDGE_PKCS11_MODULE", &module)
        .args(["init", TOKEN]);
    let out = init.output().unwrap();
    assert!(
        out.status.success(),
        "token init: {}",
        String::from_utf8_lossy(&out.stderr)
    );

    let mut p11 = Ledger::default();
    let mut kmip = Ledger::default();
    for round in 0..rounds {
        let mut server = inst.serve().unwrap();
        let mut workers = writers(&inst, server.port, round, &mut rng);
        std::thread::sleep(Duration::from_millis(250 + rng.below(1000)));
        // Kill everything in a random order with random small gaps, so kills
        // land before, during and after the server's death.
        let mut order: Vec<usize> = (0..=workers.len()).collect();
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i as u64 + 1) as usize);
        }
        let mut died_early = Vec::new();
        for i in order {
            match workers.get_mut(i) {
                Some(w) => {
                    if !w.alive() {
                        died_early.push(i);
                    }
                    w.kill();
                }
                None => {
                    assert!(server.alive(), "the server died by itself in round {round}");
                    server.kill();
                }
            }
            std::thread::sleep(Duration::from_millis(rng.below(40)));
        }
        let finished: Vec<Finished> = workers
            .into_iter()
            .map(|w| w.finish(Duration::from_secs(5)))
            .collect();
        if let Some(&i) = died_early.first() {
            panic!("round {round}: {}", report(&finished[i]));
        }
        for f in &finished {
            let ledger = if f.name.starts_with("p11") {
                &mut p11
            } else {
                &mut kmip
            };
            ledger
                .apply_output(&f.stdout)
                .unwrap_or_else(|e| panic!("round {round} {}: {e}", f.name));
        }

        let view = store_view::read(&inst.conf)
            .unwrap_or_else(|e| panic!("round {round}: the store after the kills: {e}"));
        let mut problems = check(&view, &p11, TOKEN, false);
        problems.extend(check(&view, &kmip, KMIP_PARTITION, true));
        problems.extend(check_store(&view));
        assert!(
            problems.is_empty(),
            "round {round} (seed {seed}):\n{}",
            problems.join("\n")
        );
        let unacked_seen = view
            .objects
            .keys()
            .filter(|u| !p11.objects.contains_key(*u) && !kmip.objects.contains_key(*u))
            .count();
        assert!(
            view.pin_failures.get(TOKEN).copied().unwrap_or(0) < keystore::MAX_PIN_FAILURES,
            "the writers' wrong PINs must never reach the lockout"
        );
        store_view::sqlite_integrity(&inst.store_path())
            .unwrap_or_else(|e| panic!("round {round}: {e}"));
        let (ok, out, err) = inst.admin(&["audit", "verify"], "").unwrap();
        assert!(ok, "round {round}: keybridge audit verify: {out}{err}");
        // The module's view, from a fresh process: as many keys as the
        // store, and the same key behind each label checked: this round's
        // objects, and every object on every fifth and on the last round.
        let full = round % 5 == 4 || round + 1 == rounds;
        let this_round = [format!("p11ar{round}-"), format!("p11br{round}-")];
        let in_token: Vec<_> = view
            .objects
            .iter()
            .filter(|(_, o)| o.partition == TOKEN && !o.destroyed)
            .collect();
        let mut listing = format!("count {}\n", in_token.len());
        for (uid, o) in &in_token {
            let label = o.label.as_deref().unwrap_or("-");
            if full || this_round.iter().any(|p| label.starts_with(p.as_str())) {
                let kcv = o.kcv.as_deref().unwrap_or("-");
                listing.push_str(&format!("{uid} {label} {kcv}\n"));
            }
        }
        let verify_started = Instant::now();
        let mut verify = inst.command(env!("CARGO_BIN_EXE_p11-writer").as_ref());
        verify
            .env("KEYBRIDGE_PKCS11_MODULE", &module)
            .args(["verify", TOKEN])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = verify.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(listing.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "round {round}: the token after the kills (login, objects through the module): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        println!(
            "round {round:>2}: objects in store {:>4}, audit records {:>6}, unacknowledged objects \
             {unacked_seen}; module check {} ms",
            view.objects.len(),
            view.audit_records,
            verify_started.elapsed().as_millis()
        );
    }

    let (ok, out, err) = inst.admin(&["init"], "").unwrap();
    assert!(
        ok && out.contains("store already initialized; master key checked"),
        "the store must reopen cleanly: {out}{err}"
    );
    // Every kind of operation was acknowledged many times, or the test tested nothing.
    for (who, l) in [("PKCS#11", &p11), ("KMIP", &kmip)] {
        println!(
            "{who}: acknowledged creates {}, label changes {}, destroys {}; \
             creates in flight at a kill {}; operation in flight when its writer or \
             the server was killed, by kind: {:?}",
            l.acked_creates, l.acked_labels, l.acked_destroys, l.unacked_creates, l.in_flight
        );
        assert!(l.acked_creates >= rounds && l.acked_labels > 0 && l.acked_destroys > 0);
    }
    println!("PKCS#11: acknowledged C_Logins {}", p11.acked_logins);
    assert!(p11.acked_logins >= rounds);
    println!(
        "crash consistency: {rounds} rounds in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The checks above must be able to fail: a store that lost an acknowledged
/// create, brought back a destroyed key, kept an old label, swapped a key's
/// value or holds a key without a value is reported.
#[test]
fn the_checks_report_lost_changed_resurrected_and_torn_objects() {
    use hardening_tests::store_view::Seen;
    let mut ledger = Ledger::default();
    ledger
        .apply_output(
            "ACK create lost l1 aa\nACK create gone l2 bb\nACK destroy gone\n\
             ACK create relabeled l3 cc\nACK label relabeled l4\nACK create swapped l5 dd\n\
             ACK create fine l6 ee\n",
        )
        .unwrap();
    let seen = |label: &str, kcv: Option<&str>, len: Option<usize>| Seen {
        partition: TOKEN.into(),
        label: Some(label.into()),
        object_type: keystore::ObjectType::SymmetricKey,
        destroyed: false,
        value_len: len,
        kcv: kcv.map(str::to_string),
    };
    let mut view = StoreView::default();
    for (uid, s) in [
        ("gone", seen("l2", Some("bb"), Some(32))),
        ("relabeled", seen("l3", Some("cc"), Some(32))),
        ("swapped", seen("l5", Some("00"), Some(32))),
        ("fine", seen("l6", Some("ee"), Some(32))),
        ("torn", seen("l7", None, None)),
    ] {
        view.objects.insert(uid.into(), s);
    }
    let problems = check(&view, &ledger, TOKEN, false).join("\n");
    for uid in ["lost", "gone", "relabeled", "swapped"] {
        assert!(problems.contains(uid), "{uid} not reported in:\n{problems}");
    }
    assert!(!problems.contains("fine"), "{problems}");
    let store_problems = check_store(&view).join("\n");
    assert!(store_problems.contains("torn"), "{store_problems}");
    assert!(!store_problems.contains("fine"), "{store_problems}");
}
