//! `keybridge`: the KMIP server and the administration commands
//! over the key store. The code lives in the `kmip_server` library
//! (src/lib.rs); this file is the command line only.
#![forbid(unsafe_code)]
// One bad request must not take the server down: no path may unwrap.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use kmip_server::{admin, admin_access, migrate, serve};

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "keybridge",
    version,
    about = "keybridge key management: one key store behind PKCS#11 and KMIP"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Creates the store (or checks it) with the configured master key and
    /// prints where everything is.
    Init,
    /// Partitions (tokens, KMIP identities' object spaces).
    #[command(subcommand)]
    Partition(admin::PartitionCommand),
    /// Keys and other managed objects.
    #[command(subcommand)]
    Key(admin::KeyCommand),
    /// Runs the KMIP server (`--dev`: with generated certificates, no configuration).
    Serve(serve::ServeArgs),
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(admin::AuditCommand),
    /// Identities (KMIP clients, token users) and groups.
    #[command(subcommand)]
    Identity(admin_access::IdentityCommand),
    /// Who may use which object (default deny).
    #[command(subcommand)]
    Grant(admin_access::GrantCommand),
    /// One-time-password devices (TOTP authenticator apps).
    #[command(subcommand)]
    Mfa(admin_access::MfaCommand),
    /// Moves a PKCS#11 token's objects (e.g. SoftHSM2's) into a keybridge
    /// token through PKCS#11 alone (keys wrapped, never in the clear here).
    Migrate(migrate::MigrateArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Init => admin::init(),
        Command::Partition(c) => admin::partition(c),
        Command::Key(c) => admin::key(c),
        Command::Audit(c) => admin::audit(c),
        Command::Identity(c) => admin_access::identity(c),
        Command::Grant(c) => admin_access::grant(c),
        Command::Mfa(c) => admin_access::mfa(c),
        Command::Migrate(a) => {
            if let Err(e) = migrate::migrate(a) {
                eprintln!("keybridge: {e}");
                return ExitCode::FAILURE;
            }
            Ok(())
        }
        Command::Serve(a) => {
            if let Err(e) = serve::serve(a) {
                eprintln!("keybridge: {e}");
                return ExitCode::FAILURE;
            }
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("keybridge: {e}");
            ExitCode::FAILURE
        }
    }
}
