//! The SQL engine: parse, bind, plan, optimize, execute. One folder per stage.

pub mod parser;
