//! The line protocol between the writer processes and the crash test.
//!
//! A writer prints `TRY <op>` before it starts an operation and `ACK <op>`
//! only after the operation returned success, each line written and flushed
//! in one call. After a SIGKILL the test knows exactly which operations were
//! acknowledged (they must be durable) and which one was in flight (it may
//! or may not have happened, but never half).

use std::collections::BTreeMap;
use std::io::Write;

/// One operation as printed on a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// A new AES key: unique id ("-" before it is known), label, check value.
    Create {
        uid: String,
        label: String,
        kcv: String,
    },
    /// CKA_LABEL / KMIP Name changed to `label`.
    Label { uid: String, label: String },
    /// C_DestroyObject / KMIP Destroy.
    Destroy { uid: String },
    /// A successful C_Login (after an optional wrong PIN).
    Login,
}

impl Op {
    fn render(&self) -> String {
        match self {
            Op::Create { uid, label, kcv } => format!("create {uid} {label} {kcv}"),
            Op::Label { uid, label } => format!("label {uid} {label}"),
            Op::Destroy { uid } => format!("destroy {uid}"),
            Op::Login => "login".to_string(),
        }
    }

    /// The operation's name, as on the line.
    pub fn kind(&self) -> &'static str {
        match self {
            Op::Create { .. } => "create",
            Op::Label { .. } => "label",
            Op::Destroy { .. } => "destroy",
            Op::Login => "login",
        }
    }

    fn parse(words: &[&str]) -> Option<Op> {
        match words {
            ["create", uid, label, kcv] => Some(Op::Create {
                uid: (*uid).into(),
                label: (*label).into(),
                kcv: (*kcv).into(),
            }),
            ["label", uid, label] => Some(Op::Label {
                uid: (*uid).into(),
                label: (*label).into(),
            }),
            ["destroy", uid] => Some(Op::Destroy { uid: (*uid).into() }),
            ["login"] => Some(Op::Login),
            _ => None,
        }
    }
}

/// Writes `TRY op` and flushes it before the operation starts.
pub fn announce(op: &Op) -> std::io::Result<()> {
    emit("TRY", op)
}

/// Writes `ACK op` and flushes it; call only after the operation succeeded.
pub fn acknowledge(op: &Op) -> std::io::Result<()> {
    emit("ACK", op)
}

fn emit(kind: &str, op: &Op) -> std::io::Result<()> {
    // One write of one whole line: a kill can cut the stream between lines,
    // never inside one that was written (pipe writes under PIPE_BUF are atomic).
    let line = format!("{kind} {}\n", op.render());
    let mut out = std::io::stdout().lock();
    out.write_all(line.as_bytes())?;
    out.flush()
}

/// What a writer's output says about one object it created.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expected {
    pub kcv: String,
    /// The last acknowledged label.
    pub label: String,
    /// Labels tried after the last acknowledged one (at most the one in flight).
    pub pending_labels: Vec<String>,
    pub destroyed: bool,
    pub destroy_pending: bool,
}

impl Expected {
    /// Whether `label` is a value the object may carry now.
    pub fn label_allowed(&self, label: &str) -> bool {
        self.label == label || self.pending_labels.iter().any(|l| l == label)
    }
}

/// The acknowledged history of one or more writers, by unique id.
#[derive(Debug, Default)]
pub struct Ledger {
    pub objects: BTreeMap<String, Expected>,
    pub acked_creates: u64,
    pub acked_labels: u64,
    pub acked_destroys: u64,
    pub acked_logins: u64,
    /// Creates announced but never acknowledged (in flight at a kill).
    pub unacked_creates: u64,
    /// How many writers were killed during each kind of operation (the
    /// last line of their output a TRY): `create`, `label`, `destroy`, `login`.
    pub in_flight: BTreeMap<&'static str, u64>,
}

impl Ledger {
    /// Applies one writer's complete output, in order. Only lines ended by a
    /// newline count. An unknown line is an error (a writer bug, not noise).
    pub fn apply_output(&mut self, output: &str) -> crate::Result<()> {
        let complete = match output.rfind('\n') {
            Some(i) => &output[..i],
            None => "",
        };
        let mut create_pending = false;
        let mut last_try: Option<&'static str> = None;
        for line in complete.lines().filter(|l| !l.is_empty()) {
            let words: Vec<&str> = line.split_whitespace().collect();
            let (kind, rest) = words
                .split_first()
                .ok_or_else(|| format!("empty writer line {line:?}"))?;
            let op = Op::parse(rest).ok_or_else(|| format!("unknown writer line {line:?}"))?;
            last_try = (*kind == "TRY").then(|| op.kind());
            match (*kind, op) {
                ("TRY", Op::Create { .. }) => create_pending = true,
                ("ACK", Op::Create { uid, label, kcv }) => {
                    create_pending = false;
                    self.acked_creates += 1;
                    self.objects.insert(
                        uid,
                        Expected {
                            kcv,
                            label,
                            ..Expected::default()
                        },
                    );
                }
                ("TRY", Op::Label { uid, label }) => self.get(&uid)?.pending_labels.push(label),
                ("ACK", Op::Label { uid, label }) => {
                    self.acked_labels += 1;
                    let e = self.get(&uid)?;
                    e.label = label;
                    e.pending_labels.clear();
                }
                ("TRY", Op::Destroy { uid }) => self.get(&uid)?.destroy_pending = true,
                ("ACK", Op::Destroy { uid }) => {
                    self.acked_destroys += 1;
                    let e = self.get(&uid)?;
                    e.destroyed = true;
                    e.destroy_pending = false;
                }
                ("TRY", Op::Login) => {}
                ("ACK", Op::Login) => self.acked_logins += 1,
                _ => return Err(format!("unknown writer line {line:?}")),
            }
        }
        if create_pending {
            self.unacked_creates += 1;
        }
        if let Some(kind) = last_try {
            *self.in_flight.entry(kind).or_default() += 1;
        }
        Ok(())
    }

    fn get(&mut self, uid: &str) -> crate::Result<&mut Expected> {
        self.objects
            .get_mut(uid)
            .ok_or_else(|| format!("a writer changed {uid} that it never acknowledged creating"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ledger_keeps_acknowledged_and_in_flight_apart() {
        let out = "ACK login\nTRY create - a1 -\nACK create u1 a1 00ff\n\
                   TRY label u1 a2\nACK label u1 a2\nTRY label u1 a3\n\
                   TRY create - b1 -\nACK create u2 b1 11ee\nTRY destroy u2\nACK destroy u2\n\
                   TRY create - c1 -\nACK create u3 c1 2";
        let mut l = Ledger::default();
        l.apply_output(out).unwrap();
        assert_eq!(l.acked_creates, 2, "the last line has no newline");
        assert_eq!(l.unacked_creates, 1);
        assert_eq!(l.in_flight.get("create"), Some(&1));
        let u1 = &l.objects["u1"];
        assert!(u1.label_allowed("a2") && u1.label_allowed("a3") && !u1.label_allowed("a1"));
        assert!(l.objects["u2"].destroyed);
        assert!(Ledger::default()
            .apply_output("ACK frobnicate x\n")
            .is_err());
        assert!(Ledger::default()
            .apply_output("ACK label nobody x\n")
            .is_err());
    }
}
