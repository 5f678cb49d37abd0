//! The `handoff` binary: everything lives in the library; see `handoff::cli`.

fn main() -> std::process::ExitCode {
    handoff::cli::main()
}
