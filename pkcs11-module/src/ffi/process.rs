//! Process events the module must follow: fork() and exit.
//!
//! - fork(): the audit writer ([`crate::audit_buffer`]) may be inside a
//!   store write. The `prepare` handler takes its write lock, so no child
//!   is forked in the middle of one; `parent` and `child` release it. The
//!   child's module counts as not initialized ([`crate::state::module`]):
//!   it must call C_Initialize, which starts its own writer; the parent's
//!   pending entries are the parent's to write.
//! - exit() and dlclose(): the module's destructor writes the pending
//!   key-use entries (waiting at most a second for a write under way).

use crate::audit_buffer::AuditBuffer;
use parking_lot::Mutex;
use std::sync::{Arc, Once};

/// The buffer whose write lock `prepare` took, for `parent` and `child`.
static HELD: Mutex<Option<Arc<AuditBuffer>>> = Mutex::new(None);
static REGISTER: Once = Once::new();

/// Registers the fork handlers (once per process; C_Initialize).
pub fn register_fork_handlers() {
    REGISTER.call_once(|| {
        // SAFETY: the three handlers are `extern "C" fn()` that never
        // unwind (catch_unwind) and live as long as the library: glibc
        // unregisters handlers of a library at dlclose().
        let rc = unsafe { libc::pthread_atfork(Some(prepare), Some(parent), Some(child)) };
        if rc != 0 {
            // Without handlers a fork may copy a write under way; the
            // child still re-initializes before using the store.
            HELD.lock().take();
        }
    });
}

extern "C" fn prepare() {
    let _ = std::panic::catch_unwind(|| {
        if let Some(a) = crate::state::current_audit() {
            std::mem::forget(a.gate().lock());
            *HELD.lock() = Some(a);
        }
    });
}

/// Releases the gate `prepare` took; returns its buffer.
fn release() -> Option<Arc<AuditBuffer>> {
    let a = HELD.lock().take()?;
    // SAFETY: `prepare` locked this gate in this thread and forgot the
    // guard; fork() runs prepare and then parent (or child) in the same
    // thread, with nothing else taking the gate in between.
    unsafe { a.gate().force_unlock() };
    Some(a)
}

extern "C" fn parent() {
    let _ = std::panic::catch_unwind(release);
}

extern "C" fn child() {
    let _ = std::panic::catch_unwind(|| {
        crate::state::note_pid();
        // The child's copy belongs to a module it must not use: never
        // dropped here, so nothing of it runs in the child.
        std::mem::forget(release());
    });
}

/// Runs at exit() and at dlclose() of the library.
extern "C" fn flush_at_exit() {
    let _ = std::panic::catch_unwind(|| {
        if let Some(a) = crate::state::current_audit() {
            a.flush_at_exit();
        }
    });
}

#[used]
#[link_section = ".fini_array"]
static FLUSH_AT_EXIT: extern "C" fn() = flush_at_exit;
