//! `keybridge`: the KMIP server (to come) and the administration commands
//! over the key store.
#![forbid(unsafe_code)]

mod admin;

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
    /// The tamper-evident audit log.
    #[command(subcommand)]
    Audit(admin::AuditCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Init => admin::init(),
        Command::Partition(c) => admin::partition(c),
        Command::Key(c) => admin::key(c),
        Command::Audit(c) => admin::audit(c),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("keybridge: {e}");
            ExitCode::FAILURE
        }
    }
}
