//! `hazcat`: shows what rmw_hazcat_rs is doing on this machine, checks the set-up, cleans up after
//! crashed processes, and runs a small demo and benchmark over hazcat_core.
//!
//! Inspection (`ls`, `stats`) only reads shared memory: it never creates objects or takes locks,
//! so it is safe next to running nodes. `clean` reclaims only what dead processes left behind.
//!
//! Output goes through [`out`], never `println!` (denied below): a closed stdout (`hazcat ls |
//! head -1`) ends the output quietly instead of panicking.
#![deny(clippy::print_stdout, clippy::print_stderr)]

mod bridge;
mod bridged;
mod capacity;
mod clean;
mod cuda;
mod demo;
mod doctor;
mod ls;
mod out;
mod table;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Inspect and maintain rmw_hazcat_rs shared memory.
#[derive(Parser, Debug)]
#[command(name = "hazcat", version, about, long_about = None)]
struct Cli {
    /// Machine-readable JSON on stdout instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

/// Which ROS domains a command looks at.
#[derive(clap::Args, Debug, Clone)]
struct DomainArgs {
    /// ROS domain id; default: every domain with objects of this user.
    #[arg(long, short = 'd')]
    domain: Option<u32>,
}

impl DomainArgs {
    fn domains(&self) -> Vec<u32> {
        match self.domain {
            Some(d) => vec![d],
            None => hazcat_core::inspect::domains(),
        }
    }
}

#[derive(Subcommand, Debug)]
enum Command {
    /// ROS domains, participants, nodes, topics and endpoints (pid, memory domain, pools,
    /// whether zero-copy is engaged); with a `hazcat bridge` running, what it carries.
    Ls {
        #[command(flatten)]
        domains: DomainArgs,
        /// Also list memory pool objects.
        #[arg(long, short = 'p')]
        pools: bool,
        /// Also list internal queues (service requests and responses); `--json` always does.
        #[arg(long, short = 'a')]
        all: bool,
    },
    /// Per topic: messages published and lost, live messages, copies and bytes per memory domain.
    Stats {
        #[command(flatten)]
        domains: DomainArgs,
        /// Also list internal queues (service requests and responses); `--json` always does.
        #[arg(long, short = 'a')]
        all: bool,
    },
    /// Checks the shm directory (permissions, size, what hazcat uses, how many more nodes fit),
    /// CUDA, the HAZCAT_CONFIG file and leftovers.
    Doctor {
        /// Configuration file to check (default: $HAZCAT_CONFIG).
        #[arg(long)]
        config: Option<std::path::PathBuf>,
    },
    /// Reclaims what dead processes left (endpoints, loans, pools, participants); removes a
    /// domain's objects only when no live process uses the domain.
    Clean {
        #[command(flatten)]
        domains: DomainArgs,
        /// Only report what would be reclaimed.
        #[arg(long)]
        dry_run: bool,
    },
    /// Talker / listener over hazcat_core (no ROS needed).
    #[command(subcommand)]
    Demo(demo::DemoCommand),
    /// Cross-process ping-pong round-trip latency over hazcat_core (spawns a second process).
    Bench(demo::BenchArgs),
    /// Carries ROS traffic to other hosts over Zenoh, wire-compatible with rmw_zenoh: runs the
    /// `hazcat-bridge` binary installed next to `hazcat` (see `hazcat bridge --help`).
    #[command(disable_help_flag = true)]
    Bridge {
        /// Arguments for `hazcat-bridge` (`--listen`, `--connect`, `--config`, `--zenoh-config`,
        /// `--help`).
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// Internal: the echo side of `bench`.
    #[command(hide = true)]
    BenchPong(demo::BenchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Ls {
            domains,
            pools,
            all,
        } => ls::ls(&domains.domains(), pools, all, cli.json),
        Command::Stats { domains, all } => ls::stats(&domains.domains(), all, cli.json),
        Command::Doctor { config } => doctor::doctor(config, cli.json),
        Command::Clean { domains, dry_run } => clean::clean(&domains.domains(), dry_run, cli.json),
        Command::Demo(cmd) => demo::demo(cmd, cli.json),
        Command::Bench(args) => demo::bench(args, cli.json),
        Command::BenchPong(args) => demo::bench_pong(args),
        Command::Bridge { args } => Err(bridge::exec(&args).into()),
    };
    match result {
        Ok(_) if out::failed() => ExitCode::FAILURE,
        Ok(code) => code,
        Err(e) => {
            out::error(format_args!("{e}"));
            ExitCode::FAILURE
        }
    }
}

/// Result of a subcommand: an exit code, or an error printed as `hazcat: <error>`.
type CmdResult = Result<ExitCode, Box<dyn std::error::Error>>;

/// Prints a JSON value (pretty) on stdout.
fn print_json(v: &serde_json::Value) {
    out::outln!(
        "{}",
        serde_json::to_string_pretty(v).unwrap_or_else(|_| v.to_string())
    );
}

/// `1.5 MiB`-style sizes.
fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u + 1 < UNITS.len() {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cli_parses() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
        assert_eq!(human_bytes(10), "10 B");
        assert_eq!(human_bytes(4 << 20), "4.0 MiB");
    }
}
