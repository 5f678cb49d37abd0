//! What a newcomer runs first, from the real binary: `handoff completions`, `handoff man`,
//! `handoff config init` and `handoff config path`, with nothing of the developer's
//! environment leaking in (the default places are under the test's own folder).

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_handoff");

/// A home of the test's own: the default config is `<home>/xdg-config/handoff/config.toml`.
struct Home {
    dir: tempfile::TempDir,
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Home {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn path(&self, relative: &str) -> std::path::PathBuf {
        self.dir.path().join(relative)
    }

    fn default_config(&self) -> std::path::PathBuf {
        self.path("xdg-config/handoff/config.toml")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.path("xdg-config"))
            .env("XDG_DATA_HOME", self.path("xdg-data"))
            .env_remove("HANDOFF_CONFIG")
            .env_remove("HANDOFF_DATA_DIR")
            .env_remove("HANDOFF_LOG")
            .env_remove("HANDOFF_CLIENT_SECRET");
        command
    }

    fn run(&self, args: &[&str]) -> Ran {
        ran(self.command(args).output().unwrap())
    }
}

fn ran(output: Output) -> Ran {
    Ran {
        code: output.status.code().expect("exited"),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn completions_for_every_shell_name_the_commands() {
    let home = Home::new();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let run = home.run(&["completions", shell]);
        assert_eq!(run.code, 0, "{shell}: {}", run.stderr);
        assert!(run.stderr.is_empty(), "{shell}: {}", run.stderr);
        for word in [
            "transfer",
            "roster",
            "conversations",
            "config",
            "completions",
            "data-dir",
        ] {
            assert!(run.stdout.contains(word), "{shell} completes {word}");
        }
        // Written for everyone: no path of the machine it was written on.
        assert!(
            !run.stdout.contains(home.dir.path().to_str().unwrap()),
            "{shell}: a path of this machine"
        );
    }
    let bad = home.run(&["completions", "tcsh"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(bad.stderr.contains("tcsh"), "{}", bad.stderr);
}

#[test]
fn the_man_page_has_every_command_the_exit_codes_the_files_and_the_environment() {
    let home = Home::new();
    let run = home.run(&["man"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let page = run.stdout;
    assert!(
        page.starts_with(".TH HANDOFF 1 \"\" \"handoff "),
        "{}",
        &page[..80.min(page.len())]
    );
    for section in [
        ".SH NAME",
        ".SH SYNOPSIS",
        ".SH OPTIONS",
        ".SH COMMANDS",
        ".SH \"EXIT STATUS\"",
        ".SH ENVIRONMENT",
        ".SH FILES",
    ] {
        assert!(page.contains(section), "{section}");
    }
    // One page: each command under its own heading, nested ones too.
    for heading in [
        ".SS \"handoff transfer\"",
        ".SS \"handoff roster sync\"",
        ".SS \"handoff config init\"",
        ".SS \"handoff callbacks check\"",
    ] {
        assert!(page.contains(heading), "{heading}");
    }
    let section = |name: &str| {
        let start = page.find(name).unwrap();
        let rest = &page[start + name.len()..];
        rest[..rest.find("\n.SH").unwrap_or(rest.len())].to_owned()
    };
    let exit = section(".SH \"EXIT STATUS\"");
    for codes in [
        "3 outcome unknown",
        "0 synced; 1 the platform failed",
        "0 it arrived; 1 a hop stopped it",
        "0 written; 1 it could not be written; 2 a file is already there",
        "143 stopped by SIGTERM",
        "exit 0 confirmed, 1 failed, 3 unconfirmed or unknown",
    ] {
        assert!(exit.contains(codes), "EXIT STATUS has {codes:?}:\n{exit}");
    }
    let files = section(".SH FILES");
    for file in [
        "config.toml",
        "transfers.jsonl",
        "roster.toml",
        "callback\\-token",
        "team\\-callback\\-token",
        "relay\\-cursor",
        "relay\\-spool.jsonl",
        "handoff\\-shift",
    ] {
        assert!(files.contains(file), "FILES has {file}:\n{files}");
    }
    let environment = section(".SH ENVIRONMENT");
    for name in [
        "HANDOFF_CONFIG",
        "HANDOFF_DATA_DIR",
        "HANDOFF_LOG",
        "HANDOFF_CLIENT_SECRET",
    ] {
        assert!(environment.contains(name), "ENVIRONMENT has {name}");
    }
    assert!(
        !page.contains(home.dir.path().to_str().unwrap()),
        "a path of this machine"
    );
}

#[test]
fn config_init_writes_the_example_for_this_user_alone_and_never_overwrites() {
    let home = Home::new();
    let run = home.run(&["config", "init"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let path = home.default_config();
    assert!(
        run.stdout.contains(path.to_str().unwrap()),
        "{}",
        run.stdout
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        include_str!("../../config.example.toml")
    );
    assert_eq!(mode(&path), 0o600);

    // A second time: refused, the file as the supervisor left it.
    std::fs::write(&path, "edited by hand\n").unwrap();
    let again = home.run(&["config", "init"]);
    assert_eq!(again.code, 2, "{}", again.stderr);
    assert!(
        again.stderr.contains("already exists") && again.stderr.contains(path.to_str().unwrap()),
        "{}",
        again.stderr
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "edited by hand\n");

    // --path: folders made as needed, and how to point handoff at it is said.
    let elsewhere = home.path("a/b/handoff.toml");
    let run = home.run(&["config", "init", "--path", elsewhere.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(mode(&elsewhere), 0o600);
    assert!(run.stdout.contains("--config"), "{}", run.stdout);
}

#[test]
fn a_config_written_by_init_stops_handoff_until_its_ids_are_filled_in() {
    let home = Home::new();
    assert_eq!(home.run(&["config", "init"]).code, 0);
    let data = home.path("data");
    let run = ran(home
        .command(&[
            "--data-dir",
            data.to_str().unwrap(),
            "transfer",
            "--session",
            "646efef54fd9612a21fffbc8",
            "--queue",
            "qu-1",
        ])
        .env("HANDOFF_CLIENT_SECRET", "s3cret")
        .output()
        .unwrap());
    assert_eq!(run.code, 2, "{}", run.stderr);
    let config = home.default_config();
    assert!(
        run.stderr.contains(&format!(
            "config file {}: platform.stream_id: fill in your app's stream id",
            config.display()
        )),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("placeholder"), "{}", run.stderr);
}

/// With no config yet, handoff says how to write one, where it looked.
#[test]
fn a_missing_config_points_to_config_init() {
    let home = Home::new();
    let run = home.run(&["conversations"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    let path = home.default_config();
    assert!(
        run.stderr
            .contains(&format!("no config file at {}", path.display()))
            && run
                .stderr
                .contains(&format!("handoff config init --path {}", path.display())),
        "{}",
        run.stderr
    );
}

#[test]
fn config_path_lists_the_places_in_order_and_marks_the_one_used() {
    let home = Home::new();
    let default = home.default_config();

    let run = home.run(&["config", "path"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[1].contains("1. --config") && lines[1].contains("not given"),
        "{}",
        run.stdout
    );
    assert!(
        lines[2].contains("2. HANDOFF_CONFIG") && lines[2].contains("not set"),
        "{}",
        run.stdout
    );
    assert!(
        lines[3].starts_with("* 3.") && lines[3].contains(default.to_str().unwrap()),
        "{}",
        run.stdout
    );
    assert!(lines[3].contains("not there"), "{}", run.stdout);
    assert!(run.stdout.contains("config init"), "{}", run.stdout);

    // HANDOFF_CONFIG is used over the default; --config over both.
    let from_env = home.path("env.toml");
    std::fs::write(&from_env, "").unwrap();
    let run = ran(home
        .command(&["config", "path"])
        .env("HANDOFF_CONFIG", &from_env)
        .output()
        .unwrap());
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[2].starts_with("* 2.") && lines[2].contains(from_env.to_str().unwrap()),
        "{}",
        run.stdout
    );
    assert!(
        lines[2].contains("exists") && lines[3].starts_with("  3."),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("uses {}", from_env.display())),
        "{}",
        run.stdout
    );

    let flag = home.path("flag.toml");
    let run = ran(home
        .command(&["config", "path", "--config", flag.to_str().unwrap()])
        .env("HANDOFF_CONFIG", &from_env)
        .output()
        .unwrap());
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert!(
        lines[1].starts_with("* 1.") && lines[1].contains(flag.to_str().unwrap()),
        "{}",
        run.stdout
    );
    assert!(lines[2].starts_with("  2.") && lines[2].contains(from_env.to_str().unwrap()));
    assert!(run.stdout.contains("does not exist yet"), "{}", run.stdout);
}

#[test]
fn help_names_the_real_default_places() {
    let home = Home::new();
    let run = home.run(&["--help"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout
            .contains(&format!("[default: {}]", home.default_config().display())),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "[default: {}]",
            home.path("xdg-data/handoff").display()
        )),
        "{}",
        run.stdout
    );
}
