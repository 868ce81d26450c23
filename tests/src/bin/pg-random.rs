//! `pg-random`: a long random run of the differential oracle. Generates
//! queries (`arbor_tests::pg_random`), runs each on PostgreSQL 15 and on
//! Arbor, and reports how many agreed and every query that differed.
//!
//! ```text
//! cargo run --release -p arbor-tests --bin pg-random -- [--queries N] [--seed S] [--show K]
//! ```
//!
//! Exits 1 when a query differed.

use arbor_tests::pg_oracle::Oracle;
use arbor_tests::pg_random;
use arbor_tests::postgres::Postgres;

fn main() {
    let mut queries = 100_000usize;
    let mut seed = 1u64;
    let mut show = 50usize;
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().and_then(|v| v.parse::<u64>().ok());
        match (flag.as_str(), value) {
            ("--queries", Some(v)) => queries = v as usize,
            ("--seed", Some(v)) => seed = v,
            ("--show", Some(v)) => show = v as usize,
            _ => {
                eprintln!("usage: pg-random [--queries N] [--seed S] [--show K]");
                std::process::exit(2);
            }
        }
    }
    let server = match Postgres::start() {
        Ok(s) => s,
        Err(why) => {
            eprintln!("pg-random: {why}");
            std::process::exit(2);
        }
    };
    let report =
        Oracle::new(&server).and_then(|mut oracle| pg_random::run(&mut oracle, seed, queries));
    let report = match report {
        Ok(r) => r,
        Err(why) => {
            eprintln!("pg-random: {why}");
            std::process::exit(2);
        }
    };
    for d in report.differences.iter().take(show) {
        println!("{d}\n");
    }
    let known: usize = report.known.values().sum();
    println!(
        "{} queries (seed {seed}) against PostgreSQL 15: {} agreed, {} failed alike, {known} differed as docs/compat.md explains, {} differed otherwise",
        report.queries,
        report.agreed,
        report.failed_alike,
        report.differences.len()
    );
    for (reason, count) in &report.known {
        println!("  {count}: {reason}");
    }
    if !report.differences.is_empty() {
        std::process::exit(1);
    }
}
