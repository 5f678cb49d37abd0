//! Config errors, each naming the file, the key and what was expected.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "no config file at {path}\n  write a starting one with `handoff config init --path {path}`, or try the console with `handoff --demo`"
    )]
    NotFound { path: PathBuf },
    #[error("cannot read config file {path}: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("config file {path}, line {line}{section}: {message}")]
    Syntax {
        path: PathBuf,
        line: usize,
        section: String,
        message: String,
    },
    #[error("config file {path}: {key}: {expected}")]
    Invalid {
        path: PathBuf,
        key: &'static str,
        expected: String,
    },
    #[error("config file {path}, line {line}: {key}: {expected}")]
    InvalidAt {
        path: PathBuf,
        line: usize,
        key: &'static str,
        expected: String,
    },
    #[error("config file {path}, line {line}: {setting}: {problem}")]
    Keys {
        path: PathBuf,
        line: usize,
        setting: String,
        problem: String,
    },
    #[error("no config file location: set --config or HANDOFF_CONFIG (no home directory found)")]
    NoLocation,
}
