//! The optional call log (`[pkcs11] log_file`): one line per failed or
//! notable call with the function name and return code. Arguments, PINs,
//! keys and data are never written.

use parking_lot::Mutex;
use std::fs::File;
use std::io::Write;
use std::path::Path;

pub struct Logger {
    file: Option<Mutex<File>>,
}

impl Logger {
    /// A logger appending to `path`, or a silent one. A log that cannot be
    /// opened does not stop the module.
    pub fn open(path: Option<&Path>) -> Logger {
        let file = path.and_then(|p| {
            use std::os::unix::fs::OpenOptionsExt;
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .mode(0o600)
                .open(p)
                .ok()
        });
        Logger {
            file: file.map(Mutex::new),
        }
    }

    /// Writes `function: message`. Callers pass only names, codes and
    /// error messages of this crate and the key store, which carry no secrets.
    pub fn line(&self, function: &str, message: &str) {
        if let Some(f) = &self.file {
            let now = keystore::lifecycle::now();
            let _ = writeln!(
                f.lock(),
                "{now} pid={} {function}: {message}",
                std::process::id()
            );
        }
    }
}
