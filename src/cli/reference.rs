//! `handoff completions SHELL` and `handoff man`: the shell's completion script and the manual
//! page, both written from the command line's own definition, so they never fall behind it.
//! The man page is one page, `handoff(1)`: every command in it with its options, and the exit
//! codes, files and environment the commands share.

use std::io::Write;
use std::process::ExitCode;

use clap::{Args, Command};
use clap_complete::Shell;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, italic, roman};

use super::config_file::{CONFIG_ENV, DATA_DIR_ENV};
use crate::diagnostics::{LOG_ENV, LOG_FILE_NAME};
use crate::transfer::AUDIT_FILE_NAME;

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    shell: Shell,
}

/// Prints the completion script for `args.shell`.
pub fn completions(args: &CompletionsArgs, mut command: Command) -> ExitCode {
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "handoff", &mut script);
    print(&script)
}

/// Prints the man page.
pub fn man(command: Command) -> ExitCode {
    match man_page(command) {
        Ok(page) => print(&page),
        Err(error) => {
            super::output::err!("error: cannot write the man page: {error}");
            ExitCode::FAILURE
        }
    }
}

/// Writes `bytes` to stdout as they are; a reader that went away (`| head`) is no error.
fn print(bytes: &[u8]) -> ExitCode {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => {
            drop(stdout);
            super::output::err!("error: cannot write to stdout: {error}");
            ExitCode::FAILURE
        }
    }
}

/// `handoff(1)` in roff: the title, name, synopsis, description and global options as clap
/// gives them, then every command (nested ones too) with its own synopsis, description and
/// options, then EXIT STATUS (each command's codes, collected from its help), ENVIRONMENT and
/// FILES.
fn man_page(mut command: Command) -> std::io::Result<Vec<u8>> {
    command.build();
    let man = Man::new(command.clone()).manual("User Commands");
    let mut page = Vec::new();
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;

    let globals: Vec<String> = command
        .get_arguments()
        .filter(|arg| arg.is_global_set())
        .map(|arg| arg.get_id().to_string())
        .collect();
    let mut roff = Roff::new();
    roff.control("SH", ["COMMANDS"]);
    roff.text([roman(
        "The options above work with every command. Without a command, handoff opens the console.",
    )]);
    roff.to_writer(&mut page)?;
    for sub in commands(&command) {
        command_section(&mut page, sub, &globals)?;
    }

    let mut roff = Roff::new();
    exit_status(&mut roff, &command);
    environment(&mut roff);
    files(&mut roff);
    if let Some(after) = command.get_after_help() {
        roff.control("SH", ["EXAMPLES"]);
        roff.text([roman(after.to_string())]);
    }
    roff.control("SH", ["SEE ALSO"]);
    roff.text([roman(
        "config.example.toml, shipped beside the binary and written by ",
    )]);
    roff.text([bold("handoff config init"), roman(", says every setting.")]);
    roff.to_writer(&mut page)?;
    man.render_version_section(&mut page)?;
    Ok(one_preamble(
        &page,
        command.get_version().unwrap_or_default(),
    ))
}

/// The lines every roff writer starts with, to define the apostrophe (`\*(Aq`) for groff and
/// other formatters: once at the top of the page, after its title.
const APOSTROPHE_PREAMBLE: [&str; 2] = [r".ie \n(.g .ds Aq \(aq", r".el .ds Aq '"];

/// `page` (pieces each written with their own preamble) under its title, with the preamble once.
/// The title is written here: clap_mangen's leaves out the empty date, which moves the source
/// into the date's place.
fn one_preamble(page: &[u8], version: &str) -> Vec<u8> {
    let text = String::from_utf8_lossy(page);
    let mut out = format!(
        ".TH HANDOFF 1 \"\" \"handoff {version}\" \"User Commands\"\n{}\n{}\n",
        APOSTROPHE_PREAMBLE[0], APOSTROPHE_PREAMBLE[1]
    );
    for line in text
        .lines()
        .filter(|line| !APOSTROPHE_PREAMBLE.contains(line))
    {
        // Beyond ASCII as groff's own escapes (`\[u2026]` for "…"): formatters that read the
        // page without knowing its encoding show them too.
        for c in line.chars() {
            if c.is_ascii() {
                out.push(c);
            } else {
                out.push_str(&format!("\\[u{:04X}]", u32::from(c)));
            }
        }
        out.push('\n');
    }
    out.into_bytes()
}

/// Every visible command under `command`, depth first, as `handoff roster add` comes after
/// `handoff roster`.
fn commands(command: &Command) -> Vec<&Command> {
    let mut all = Vec::new();
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        if sub.get_name() == "help" {
            continue;
        }
        all.push(sub);
        all.extend(commands(sub));
    }
    all
}

/// One command: `.SS handoff roster add`, its synopsis, its long description and its own
/// options (the global ones are said once, above).
fn command_section(page: &mut Vec<u8>, sub: &Command, globals: &[String]) -> std::io::Result<()> {
    let name = sub.get_bin_name().unwrap_or_else(|| sub.get_name());
    let mut roff = Roff::new();
    roff.control("SS", [name]);
    roff.to_writer(page)?;
    let mut own = sub.clone();
    for id in globals.iter().map(String::as_str).chain(["help"]) {
        if own.get_arguments().any(|arg| arg.get_id() == id) {
            own = own.mut_arg(id, |arg| arg.hide(true));
        }
    }
    let man = Man::new(own);
    let mut parts = Vec::new();
    man.render_synopsis_section(&mut parts)?;
    man.render_description_section(&mut parts)?;
    let mut options = Vec::new();
    man.render_options_section(&mut options)?;
    if !options.is_empty() {
        let mut heading = Roff::new();
        heading.control("PP", []);
        heading.text([italic("Options:")]);
        heading.to_writer(&mut parts)?;
        parts.extend(options);
    }
    // The parts' own `.SH` headings would each start a section of the page: the command's
    // heading above stands for them, and a paragraph break for each.
    let text = String::from_utf8_lossy(&parts);
    for line in text.lines() {
        let line = if line.starts_with(".SH") { ".PP" } else { line };
        writeln!(page, "{line}")?;
    }
    Ok(())
}

/// EXIT STATUS: the rule every command keeps, then each command's own codes as its help says
/// them ("Exit codes: …"), and those of options that change them (`transfer --sessions-file`,
/// `--wait`).
fn exit_status(roff: &mut Roff, command: &Command) {
    roff.control("SH", ["EXIT STATUS"]);
    roff.text([roman(
        "Every command exits 0 when it did what was asked, and 2 for bad input or a bad config, \
         before anything is sent or written. Each command's other codes, as its help says them:",
    )]);
    let mut entries = Vec::new();
    if let Some(codes) = command
        .get_long_about()
        .and_then(|t| codes_in(&t.to_string()))
    {
        entries.push(("handoff (the console)".to_owned(), codes));
    }
    for sub in commands(command) {
        let name = sub
            .get_bin_name()
            .unwrap_or_else(|| sub.get_name())
            .to_owned();
        if let Some(codes) = sub.get_long_about().and_then(|t| codes_in(&t.to_string())) {
            entries.push((name.clone(), codes));
        }
        for arg in sub.get_arguments().filter(|arg| !arg.is_global_set()) {
            let help = arg.get_long_help().or_else(|| arg.get_help());
            if let (Some(help), Some(long)) = (help, arg.get_long())
                && let Some(codes) = option_codes_in(&help.to_string())
            {
                entries.push((format!("{name} --{long}"), codes));
            }
        }
    }
    for (name, codes) in entries {
        roff.control("TP", []);
        roff.text([bold(name)]);
        roff.text([roman(codes)]);
    }
}

/// What follows "Exit codes:" to the end of its paragraph, on one line.
fn codes_in(text: &str) -> Option<String> {
    const LEAD: &str = "Exit codes:";
    let start = text.find(LEAD)? + LEAD.len();
    let paragraph = text[start..].split("\n\n").next().unwrap_or_default();
    Some(one_line(paragraph))
}

/// In an option's help, the codes it exits with: from "exit 0" or "Exit 0" to the end of the
/// help (only a whole list, which names 0, counts).
fn option_codes_in(text: &str) -> Option<String> {
    let start = text.find("Exit 0").or_else(|| text.find("exit 0"))?;
    Some(one_line(&text[start..]))
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn environment(roff: &mut Roff) {
    roff.control("SH", ["ENVIRONMENT"]);
    let entries: [(&str, &str); 7] = [
        (
            CONFIG_ENV,
            "The config file, when --config does not name one.",
        ),
        (
            DATA_DIR_ENV,
            "The data folder, when --data-dir does not name one.",
        ),
        (
            LOG_ENV,
            "Turns diagnostics on for a bug report and says how much: a level (error, warn, info, \
             debug, trace) or targets with levels (handoff::platform=debug). They go to \
             --log-file, else to handoff.log in the data folder; never a secret.",
        ),
        (
            "HANDOFF_CLIENT_SECRET",
            "The app's client secret, read from the variable that [auth] client_secret_env names \
             (HANDOFF_CLIENT_SECRET in the example config). Keeping it here keeps it out of the \
             config file.",
        ),
        (
            "HANDOFF_REDIS_PASSWORD",
            "With [team]: the team's Redis password, read from the variable that [team] \
             password_env names (HANDOFF_REDIS_PASSWORD in the example config).",
        ),
        (
            "XDG_CONFIG_HOME, XDG_DATA_HOME",
            "On Linux, where the default config folder and data folder are (~/.config and \
             ~/.local/share when unset).",
        ),
        ("NO_COLOR", "When set, the console draws without colour."),
    ];
    for (name, what) in entries {
        roff.control("TP", []);
        roff.text([bold(name)]);
        roff.text([roman(what)]);
    }
}

fn files(roff: &mut Roff) {
    roff.control("SH", ["FILES"]);
    let entries: Vec<(String, String)> = vec![
        (
            "~/.config/handoff/config.toml".into(),
            "The config file on Linux ($XDG_CONFIG_HOME/handoff/config.toml when that is set); \
             ~/Library/Application Support/handoff/config.toml on macOS. --config or \
             HANDOFF_CONFIG name another; handoff config path says which is used. Readable by \
             you alone when it holds a secret."
                .into(),
        ),
        (
            "~/.local/share/handoff/".into(),
            "The data folder on Linux ($XDG_DATA_HOME/handoff when that is set); \
             ~/Library/Application Support/handoff on macOS. --data-dir or HANDOFF_DATA_DIR name \
             another. Every handoff that shares it shares the account's request budget, the \
             audit file and the roster. It holds:"
                .into(),
        ),
        (
            AUDIT_FILE_NAME.into(),
            "The audit file: every transfer's steps, one JSON object a line, appended; what \
             handoff log prints and what keeps a conversation from being sent twice."
                .into(),
        ),
        (
            crate::cli::setup::ROSTER_FILE_NAME.into(),
            "The agents and queues you transfer to, unless [roster] file names another.".into(),
        ),
        (
            crate::callback::TOKEN_FILE.into(),
            "This install's secret token, added to every transfer's callback URL; the receiver \
             refuses a post without it."
                .into(),
        ),
        (
            crate::relay::team_token::COPY_FILE.into(),
            "With [callback] via = \"team\": the copy of the team's callback token, for while \
             the team's Redis is away."
                .into(),
        ),
        (
            format!("{}-ACCOUNT", crate::relay::follow::CURSOR_FILE),
            "With [callback] via = \"team\": how far the console has read the team's callbacks."
                .into(),
        ),
        (
            format!(
                "{}, {}",
                crate::relay::spool::SPOOL_FILE,
                crate::relay::spool::FORWARDED_FILE
            ),
            "handoff relay's spool: callbacks taken while the team's Redis was away, and how \
             much of it has been passed on to Redis since."
                .into(),
        ),
        (
            "handoff-shift-TIME.csv, handoff-shift-TIME.txt".into(),
            "A shift's hand-over written from the console (F9): the transfers as CSV, and a \
             summary."
                .into(),
        ),
        (
            "rate-budget-ACCOUNT.json, claims-ACCOUNT.json, *.lock, runs/".into(),
            "The account's request budget and the conversations being moved, shared by every \
             handoff on this data folder, and their locks."
                .into(),
        ),
        (
            LOG_FILE_NAME.into(),
            "Diagnostics, when HANDOFF_LOG is set and --log-file names no other file.".into(),
        ),
    ];
    for (index, (name, what)) in entries.into_iter().enumerate() {
        // The data folder's files are indented under it.
        if index == 2 {
            roff.control("RS", []);
        }
        roff.control("TP", []);
        roff.text([italic(name)]);
        roff.text([roman(what)]);
    }
    roff.control("RE", []);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_taken_to_the_end_of_their_paragraph_on_one_line() {
        let help =
            "Reads it.\n\nNeeds a scope. Exit codes: 0 listed; 1 the\nplatform failed.\n\nMore.";
        assert_eq!(
            codes_in(help).as_deref(),
            Some("0 listed; 1 the platform failed.")
        );
        assert_eq!(codes_in("No codes here."), None);
    }

    #[test]
    fn an_option_counts_only_with_a_whole_list_of_codes() {
        assert_eq!(
            option_codes_in("Wait; then exit 0 confirmed,\n1 failed").as_deref(),
            Some("exit 0 confirmed, 1 failed")
        );
        assert_eq!(option_codes_in("then is not sent: exit 1)"), None);
    }

    /// Every command the help lists has its section in the page.
    #[test]
    fn the_page_has_a_heading_for_every_command() {
        let command = crate::cli::command(false);
        let page = String::from_utf8(man_page(command.clone()).unwrap()).unwrap();
        let mut built = command;
        built.build();
        for sub in commands(&built) {
            let heading = format!(".SS \"{}\"", sub.get_bin_name().unwrap());
            assert!(page.contains(&heading), "{heading}");
        }
        assert_eq!(page.matches(".TH ").count(), 1);
        assert_eq!(page.matches(APOSTROPHE_PREAMBLE[0]).count(), 1);
        assert!(page.is_ascii(), "every other character is escaped");
        assert!(page.contains(r"(a\-\[u2026])"), "the agent id's ellipsis");
    }
}
