//! Link flags of the PKCS#11 module.
//!
//! `-z nodelete`: once loaded, the module stays mapped until the process
//! exits, even after the application's `dlclose`. Applications load and
//! unload PKCS#11 modules freely (test suites once per test), and code in
//! the module is still reached after an unload: the module's copy of the
//! Rust standard library registers a pthread-key destructor on every
//! application thread that used its thread-locals (a channel, the current
//! thread handle), and that destructor runs when the thread exits. Without
//! this flag it would jump into unmapped memory (a SIGSEGV seen in the
//! cryptoki suite after a test failed and the next one unloaded the module).
fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-z,nodelete");
    println!("cargo:rerun-if-changed=build.rs");
}
