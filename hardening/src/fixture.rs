//! A temporary keybridge installation: a configuration naming a store and a
//! master key file in a temp directory, the real `keybridge serve --dev`
//! (development certificates under the same directory), and admin commands.

use crate::Result;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The security officer PIN of the test tokens (never printed).
pub const SO_PIN: &str = "hardening-so-pin";
/// The user PIN of the test tokens (never printed).
pub const USER_PIN: &str = "hardening-user-pin";
/// The identity of `serve --dev`'s client certificate, and so the partition
/// its objects land in.
pub const KMIP_PARTITION: &str = "kmip-dev-client";

/// One store and its configuration.
pub struct Installation {
    pub dir: PathBuf,
    pub conf: PathBuf,
    pub bin: PathBuf,
}

impl Installation {
    /// Writes `keybridge.toml` in `dir`: store and master key there, the
    /// module's cheap test PIN KDF (the writers log in thousands of times).
    pub fn new(dir: &Path) -> Result<Installation> {
        let conf = dir.join("keybridge.toml");
        let d = dir.display();
        std::fs::write(
            &conf,
            format!(
                "[store]\npath = \"{d}/store.db\"\n\n[master_key]\nsource = \"file\"\n\
                 file = \"{d}/master.key\"\n\n[pkcs11]\nlog_file = \"{d}/pkcs11.log\"\n\
                 insecure_test_pin_kdf = true\n"
            ),
        )
        .map_err(|e| format!("writing {}: {e}", conf.display()))?;
        Ok(Installation {
            dir: dir.to_path_buf(),
            conf,
            bin: crate::keybridge_bin()?,
        })
    }

    pub fn store_path(&self) -> PathBuf {
        self.dir.join("store.db")
    }

    /// Where `serve --dev` keeps its CA and the client certificate.
    pub fn certs(&self) -> PathBuf {
        self.dir.join("keybridge/kmip-dev")
    }

    /// A command with this installation's environment.
    pub fn command(&self, program: &Path) -> Command {
        let mut c = Command::new(program);
        c.env("KEYBRIDGE_CONF", &self.conf)
            .env("XDG_DATA_HOME", &self.dir);
        c
    }

    /// Runs `keybridge ARGS` with `stdin`; (success, stdout, stderr).
    pub fn admin(&self, args: &[&str], stdin: &str) -> Result<(bool, String, String)> {
        let mut child = self
            .command(&self.bin)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("running keybridge {args:?}: {e}"))?;
        if let Some(mut i) = child.stdin.take() {
            i.write_all(stdin.as_bytes())
                .map_err(|e| format!("keybridge stdin: {e}"))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("keybridge {args:?}: {e}"))?;
        Ok((
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    }

    /// Starts `keybridge serve --dev` on a free loopback port.
    pub fn serve(&self) -> Result<Server> {
        let log = self.dir.join("server.log");
        let err = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .map_err(|e| format!("{}: {e}", log.display()))?;
        let mut child = self
            .command(&self.bin)
            .args(["serve", "--dev", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::from(err))
            .spawn()
            .map_err(|e| format!("starting keybridge serve: {e}"))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| "server stdout".to_string())?;
        let mut lines = BufReader::new(stdout).lines();
        let mut port = None;
        for line in lines.by_ref() {
            let Ok(line) = line else { break };
            if let Some(addr) = line.strip_prefix("keybridge: KMIP server listening on ") {
                port = addr.rsplit(':').next().and_then(|p| p.parse().ok());
                break;
            }
        }
        // Keep draining so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        match port {
            Some(port) => Ok(Server { child, port }),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                let log = std::fs::read_to_string(&log).unwrap_or_default();
                Err(format!("the server did not report its port; log:\n{log}"))
            }
        }
    }
}

/// A running `keybridge serve`.
pub struct Server {
    pub child: Child,
    pub port: u16,
}

impl Server {
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, then reap.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Whether the process still runs.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// How the process ended, if it did (exit code or signal).
    pub fn exit_status(&mut self) -> Option<std::process::ExitStatus> {
        self.child.try_wait().ok().flatten()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A child process whose stdout and stderr are collected on threads, so it
/// never blocks on a pipe and its output survives its death.
pub struct Worker {
    pub name: String,
    child: Child,
    out: Option<std::thread::JoinHandle<String>>,
    err: Option<std::thread::JoinHandle<String>>,
}

/// What a worker left behind.
pub struct Finished {
    pub name: String,
    pub stdout: String,
    pub stderr: String,
    /// None when killed by a signal.
    pub code: Option<i32>,
}

fn drain<R: Read + Send + 'static>(r: Option<R>) -> Option<std::thread::JoinHandle<String>> {
    r.map(|mut r| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
    })
}

impl Worker {
    pub fn spawn(name: &str, mut cmd: Command) -> Result<Worker> {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .stdin(Stdio::null())
            .spawn()
            .map_err(|e| format!("starting {name}: {e}"))?;
        let out = drain(child.stdout.take());
        let err = drain(child.stderr.take());
        Ok(Worker {
            name: name.to_string(),
            child,
            out,
            err,
        })
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Whether it still runs (a writer must still run when the test kills it).
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// SIGKILL (a no-op if it already exited).
    pub fn kill(&mut self) {
        let _ = self.child.kill();
    }

    /// Waits for the exit (give up after `limit`: then it is killed) and
    /// collects the output.
    pub fn finish(mut self, limit: Duration) -> Finished {
        let start = Instant::now();
        while self.alive() && start.elapsed() < limit {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.kill();
        let status = self.child.wait().ok();
        let take = |h: Option<std::thread::JoinHandle<String>>| {
            h.and_then(|h| h.join().ok()).unwrap_or_default()
        };
        Finished {
            name: self.name.clone(),
            stdout: take(self.out.take()),
            stderr: take(self.err.take()),
            code: status.and_then(|s| s.code()),
        }
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        self.kill();
        let _ = self.child.wait();
    }
}
