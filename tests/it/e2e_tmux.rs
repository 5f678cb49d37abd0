//! The real binary in a real terminal: `handoff --demo` inside tmux, driven with `send-keys` and
//! read with `capture-pane`, as a supervisor would use it. Needs tmux (`.ci/run` installs it);
//! without it each test is skipped with a message, or fails when `CI` is set (see
//! [`tmux_installed`]).

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::support::under_ci;

/// How long any one screen may take to appear; generous for a loaded CI machine.
const SCREEN_TIMEOUT: Duration = Duration::from_secs(20);
const POLL: Duration = Duration::from_millis(50);

/// Whether tmux can be run, which every test here asks first (`if !tmux_installed() { return; }`).
/// Without tmux a test is skipped with a message saying so, unless `CI` is set (as `.ci/run`
/// sets it): there a missing tmux fails the test, so that CI never passes by skipping them.
fn tmux_installed() -> bool {
    static INSTALLED: OnceLock<bool> = OnceLock::new();
    let installed = *INSTALLED.get_or_init(|| {
        Command::new("tmux")
            .arg("-V")
            .output()
            .is_ok_and(|out| out.status.success())
    });
    if installed {
        return true;
    }
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("an end-to-end test");
    assert!(
        !under_ci(),
        "{test}: tmux is not installed, and CI is set, where the end-to-end tests must run: \
         install tmux (apt-get install tmux)"
    );
    // Straight to stderr: the test harness keeps what `eprintln!` writes from a passing test.
    let _ = writeln!(
        std::io::stderr(),
        "skipping {test}: tmux is not installed (set CI=1 to make this a failure)"
    );
    false
}

/// One tmux server of its own per test, so tests run in parallel and never touch the
/// developer's tmux.
struct Tmux {
    socket: String,
    _tmp: tempfile::TempDir,
    tmp_path: PathBuf,
}

impl Tmux {
    fn start(width: u16, height: u16, args: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let socket = format!(
            "handoff-e2e-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::SeqCst)
        );
        let tmp = tempfile::tempdir().unwrap();
        let tmp_path = tmp.path().to_owned();
        // The exit code goes to a file: tmux may lose it when the terminal closes first. The
        // config file is one that is not there, unless `--config` names one: demo mode reads
        // `[keys]` and `[ui]` from the config file, and the tester's own must not count.
        let command = format!(
            "env TMPDIR={tmp} TERM=xterm-256color HANDOFF_CONFIG={tmp}/no-config.toml {bin} {args} 2>{tmp}/stderr; echo $? >{tmp}/exit",
            tmp = tmp_path.display(),
            bin = env!("CARGO_BIN_EXE_handoff")
        );
        let tmux = Self {
            socket,
            _tmp: tmp,
            tmp_path,
        };
        let started = tmux.run(&[
            "new-session",
            "-d",
            "-s",
            "console",
            "-x",
            &width.to_string(),
            "-y",
            &height.to_string(),
            &command,
            ";",
            "set-option",
            "-t",
            "console",
            "remain-on-exit",
            "on",
        ]);
        assert!(
            started.status.success(),
            "tmux did not start (is it installed?): {}",
            String::from_utf8_lossy(&started.stderr)
        );
        tmux
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .unwrap_or_else(|e| {
                panic!("cannot run tmux ({e}); the end-to-end tests need it: apt-get install tmux")
            })
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.run(&["capture-pane", "-p", "-t", "console"]).stdout)
            .into_owned()
    }

    /// Sends keys by tmux name ("Enter", "C-c") or literal text.
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", "console"];
        args.extend_from_slice(keys);
        assert!(self.run(&args).status.success());
    }

    fn text(&self, text: &str) {
        assert!(
            self.run(&["send-keys", "-t", "console", "-l", text])
                .status
                .success()
        );
    }

    /// Waits until the screen shows `needle`, and returns that screen.
    fn wait_for(&self, needle: &str) -> String {
        let deadline = Instant::now() + SCREEN_TIMEOUT;
        loop {
            let screen = self.screen();
            if screen.contains(needle) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {needle:?}; last screen:\n{screen}\nstderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(POLL);
        }
    }

    /// Waits until the screen is `ready`, and returns that screen; `what` says what was awaited.
    fn wait_until(&self, what: &str, ready: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + SCREEN_TIMEOUT;
        loop {
            let screen = self.screen();
            if ready(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {what}; last screen:\n{screen}"
            );
            std::thread::sleep(POLL);
        }
    }

    /// Waits until the screen shows `first` or `second`, and says which.
    fn wait_for_either<'a>(&self, first: &'a str, second: &'a str) -> &'a str {
        let deadline = Instant::now() + SCREEN_TIMEOUT;
        loop {
            let screen = self.screen();
            if screen.contains(first) {
                return first;
            }
            if screen.contains(second) {
                return second;
            }
            assert!(
                Instant::now() < deadline,
                "the screen never showed {first:?} or {second:?}; last screen:\n{screen}"
            );
            std::thread::sleep(POLL);
        }
    }

    /// What the app wrote to stderr (nothing, while it runs well).
    fn stderr(&self) -> String {
        std::fs::read_to_string(self.tmp_path.join("stderr")).unwrap_or_default()
    }

    /// The demo's throwaway data folder, inside this test's TMPDIR.
    fn demo_dir(&self) -> PathBuf {
        std::fs::read_dir(&self.tmp_path)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| {
                p.file_name()
                    .unwrap()
                    .to_string_lossy()
                    .starts_with("handoff-demo-")
            })
            .expect("the demo's data folder")
    }

    fn pane_dead(&self) -> bool {
        let out = self.run(&["display-message", "-p", "-t", "console", "#{pane_dead}"]);
        String::from_utf8_lossy(&out.stdout).trim() == "1"
    }

    /// Presses and releases the left button on `column`, `row` (from 0), as a terminal reports
    /// it in the SGR form the console asks for.
    fn click(&self, column: usize, row: usize) {
        let (x, y) = (column + 1, row + 1);
        self.text(&format!("\x1b[<0;{x};{y}M\x1b[<0;{x};{y}m"));
    }

    /// One notch of the wheel down the screen over `column`, `row` (from 0).
    fn wheel_down(&self, column: usize, row: usize) {
        self.text(&format!("\x1b[<65;{};{}M", column + 1, row + 1));
    }

    /// Which mouse reports the pane asked tmux for: clicks, drags, motion, and the SGR form.
    fn mouse_modes(&self) -> String {
        let out = self.run(&[
            "display-message",
            "-p",
            "-t",
            "console",
            "clicks #{mouse_standard_flag} drags #{mouse_button_flag} motion #{mouse_all_flag} sgr #{mouse_sgr_flag}",
        ]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.run(&["kill-server"]);
    }
}

fn transfer(tmux: &Tmux, session: &str, filter: &str) -> String {
    tmux.text(session);
    tmux.keys(&["Enter"]);
    tmux.wait_for("▶ Target");
    tmux.text(filter);
    tmux.wait_for(&format!("/ {filter}"));
    tmux.keys(&["Enter"]);
    let dialog = tmux.wait_for("Transfer this conversation?");
    tmux.keys(&["y"]);
    // Live state moves in demo mode: an agent may be offline or full just now, which asks a
    // second time. Either way the transfer goes out.
    if tmux.wait_for_either("▶ Session id", "Are you sure?") == "Are you sure?" {
        tmux.keys(&["y"]);
        tmux.wait_for("▶ Session id");
    }
    dialog
}

#[test]
fn three_demo_conversations_go_to_a_queue_in_one_confirmation() {
    if !tmux_installed() {
        return;
    }
    let tmux = Tmux::start(110, 32, "--demo");
    // The demo floor's conversations, read from the simulator at start.
    tmux.wait_for("conversation(s) by wait");
    for _ in 0..3 {
        tmux.keys(&["Space"]);
    }
    tmux.wait_for("3 marked");
    tmux.keys(&["Enter"]);
    tmux.wait_for("▶ Target");
    tmux.text("billing");
    tmux.wait_for("/ billing");
    tmux.keys(&["Enter"]);
    let dialog = tmux.wait_for("Move these conversations?");
    // The floor moves conversations itself; one of these may have been moved a minute ago,
    // which is left out unless included after a second confirmation.
    if dialog.contains("left out as moved") {
        tmux.keys(&["i"]);
        tmux.wait_for("Move them anyway?");
    } else {
        assert!(
            dialog.contains("3 conversation(s) → queue Billing"),
            "{dialog}"
        );
    }
    tmux.keys(&["y"]);
    // The run's bar stays once it is done; the log's lines scroll on (callbacks, a word on what
    // is left), and the demo's callbacks may fail one after its acceptance.
    let done = tmux.wait_for("3 → queue Billing done: 3 sent");
    assert!(done.contains("0 unknown · 0 waiting"), "{done}");
}

/// Marking as fast as reading: Space marks and goes down (five rows, five keys), Shift-↓
/// extends a range (tmux passes Shift with the arrow), Esc clears, and Ctrl-g marks the top N
/// shown from a one-line prompt, saying so in the bottom line.
#[test]
fn space_shift_down_and_ctrl_g_mark_rows_as_fast_as_they_are_read() {
    if !tmux_installed() {
        return;
    }
    let tmux = Tmux::start(110, 32, "--demo");
    tmux.wait_for("conversation(s) by wait");
    for _ in 0..5 {
        tmux.keys(&["Space"]);
    }
    tmux.wait_for("5 marked");
    tmux.keys(&["S-Down"]);
    tmux.wait_for("7 marked");
    tmux.keys(&["S-Down"]);
    tmux.wait_for("8 marked");
    tmux.keys(&["Escape"]);
    tmux.wait_until("the marks cleared", |screen| !screen.contains(" marked"));

    tmux.keys(&["C-g"]);
    tmux.wait_for("Mark the top N shown");
    tmux.text("x");
    tmux.wait_for("only digits: 'x' is not one");
    tmux.text("12");
    tmux.wait_for("mark the top 12 of");
    tmux.keys(&["Enter"]);
    let marked = tmux.wait_for("▶ Target");
    assert!(
        marked.contains("marked the top 12 of") && marked.contains("(12 marked in all)"),
        "{marked}"
    );
    tmux.keys(&["Escape"]);
    tmux.wait_for("12 marked");
}

/// The queues' figures show above the list from the first reads, the worst queue first and
/// named in the header; F2 hides them and gives their lines to the list, and shows them again.
#[test]
fn the_queues_figures_show_above_the_list_and_f2_hides_them() {
    if !tmux_installed() {
        return;
    }
    let tmux = Tmux::start(120, 40, "--demo");
    let shown = tmux.wait_until("the strip with queue-performance's numbers", |screen| {
        screen.contains("SLA and abandoned since") && screen.contains("· agents")
    });
    assert!(
        shown.contains("▲ queue "),
        "the header names a queue:\n{shown}"
    );
    let rows = |screen: &str| screen.matches("OVERDUE").count();
    tmux.keys(&["F2"]);
    let hidden = tmux.wait_until("the strip gone", |screen| {
        !screen.contains("Queues, most urgent first") && screen.contains("conversation(s) by wait")
    });
    assert!(
        rows(&hidden) > rows(&shown),
        "the list takes the lines back:\n{hidden}"
    );
    tmux.keys(&["F2"]);
    tmux.wait_for("Queues, most urgent first");
    tmux.keys(&["C-c"]);
}

/// The hint bar: the screen's last row, which a frame writes last, so a capture that shows a
/// frame's hints holds the whole frame (a capture may catch one half drawn).
fn hints(screen: &str) -> &str {
    screen.lines().last().unwrap_or_default()
}

/// The habit that once sent every waiting conversation to one agent who takes three chats: a
/// transfer to an agent, then Ctrl-x (mark every conversation shown), Enter, Enter. The picker
/// starts afresh after the first transfer, though its highlight is still on the agent just used
/// (the recent come first); the last Enter sends nothing; `y` opens a second confirmation that
/// names the agent's free chats; Esc there sends nothing either.
#[test]
fn ctrl_x_enter_enter_sends_nothing_and_y_asks_about_the_agents_free_chats() {
    if !tmux_installed() {
        return;
    }
    let tmux = Tmux::start(120, 40, "--demo");
    tmux.wait_for("conversation(s) by wait");
    tmux.wait_for("who is free as of");

    // The earlier transfer, the picker narrowed and least loaded first.
    tmux.text("6538f8a3c9cf425ee5cf0a1b");
    tmux.keys(&["Enter"]);
    tmux.wait_for("▶ Target");
    tmux.keys(&["C-t"]);
    tmux.wait_for("least loaded first");
    tmux.text("dana whit");
    tmux.wait_for("/ dana whit");
    tmux.keys(&["Enter"]);
    tmux.wait_until("the confirmation to Dana Whitfield", |screen| {
        screen.contains("Transfer this conversation?")
            && screen.contains("6538…cf0a1b → agent Dana Whitfield")
    });
    tmux.keys(&["y"]);
    if tmux.wait_for_either("▶ Session id", "Are you sure?") == "Are you sure?" {
        tmux.keys(&["y"]);
        tmux.wait_for("▶ Session id");
    }
    // Answered, so its intent is in the audit file (written before it was sent).
    tmux.wait_until("the earlier transfer answered", |screen| {
        screen.lines().any(|line| {
            line.contains("6538…cf0a1b → agent Dana Whitfield")
                && ["accepted", "confirmed", "failed", "unknown"]
                    .iter()
                    .any(|word| line.contains(word))
        })
    });

    tmux.keys(&["C-x"]);
    tmux.wait_for("marked, by wait");
    tmux.keys(&["Enter"]);
    // The picker as it first opens: every target, no filter, no order by load.
    let picker = tmux.wait_until("the picker, whole", |screen| {
        screen.contains("▶ Target (26 of 26)") && hints(screen).contains("transfer to target")
    });
    let title = picker.lines().find(|l| l.contains("▶ Target")).unwrap();
    assert!(!title.contains("least loaded first"), "{picker}");
    assert!(!picker.contains("/ dana"), "{picker}");
    tmux.keys(&["Enter"]);
    tmux.wait_until(
        "the confirmation of many to Dana, with her free chats",
        |screen| {
            screen.contains("Move these conversations?")
                && screen.contains("→ agent Dana Whitfield")
                && screen.contains("Dana Whitfield (")
        },
    );

    // Keys are read in order: had this Enter sent the run, the `y` after it would go to the
    // session field, and no second confirmation would open.
    tmux.keys(&["Enter"]);
    tmux.keys(&["y"]);
    tmux.wait_until(
        "the second confirmation, naming Dana's free chats",
        |screen| {
            screen.contains("Move them anyway?")
                && screen.contains("what Dana Whitfield can take (")
                && screen.contains(" free)")
        },
    );
    tmux.keys(&["Escape"]);
    let after = tmux.wait_until("the picker again, whole", |screen| {
        !screen.contains("Move them anyway?") && hints(screen).contains("transfer to target")
    });
    // No run's bar ("28 → agent Dana Whitfield sending: 0 sent · …"), and no line of a run in
    // the log, which follows the newest: at most the earlier transfer's.
    assert!(
        !after.contains(" sent · "),
        "nothing more was sent:\n{after}"
    );
    let to_dana = after
        .lines()
        .filter(|line| line.contains("→ agent Dana Whitfield"))
        .count();
    assert!(to_dana <= 1, "nothing more was sent:\n{after}");
    let audit = std::fs::read_to_string(tmux.demo_dir().join("transfers.jsonl")).unwrap();
    let intents = audit
        .lines()
        .filter(|line| line.contains("\"event\":\"intent\""))
        .count();
    assert_eq!(intents, 1, "{audit}");
    assert!(!audit.contains("\"bulk\""), "{audit}");
    tmux.keys(&["C-c"]);
}

#[test]
fn a_supervisor_transfers_to_an_agent_and_a_queue_in_demo_mode() {
    if !tmux_installed() {
        return;
    }
    let tmux = Tmux::start(110, 32, "--demo");
    let first = tmux.wait_for("Paste or type the conversation's botSessionId");
    assert!(first.contains("DEMO"), "{first}");

    let dialog = transfer(&tmux, "6538f8a3c9cf425ee5cf0a1b", "dana");
    assert!(
        dialog.contains("session 6538…cf0a1b → agent Dana Whitfield (a-3884339…)"),
        "{dialog}"
    );
    // Accepted at once, then confirmed by the simulator's callback a moment later.
    tmux.wait_for("✓ confirmed   6538…cf0a1b → agent Dana Whitfield");

    transfer(&tmux, "66c2f6939489bfffc7911a2b", "spanish");
    tmux.wait_for("✓ confirmed   66c2…911a2b → queue Spanish Line");

    // Accepted, then the callback reports that the agent rejected it.
    transfer(&tmux, "fa11f6939489bfffc7911a2b", "samuel");
    let screen = tmux.wait_for("✗ failed      fa11…911a2b → agent Samuel Ortiz");
    assert!(
        screen.contains("failed after")
            && screen.contains("target unavailable or at capacity: Agent"),
        "{screen}"
    );

    // Refused by the platform at once.
    transfer(&tmux, "dead5f0e9a8b7c6d5e4f3a2b", "grace");
    let screen = tmux.wait_for("✗ failed      dead…4f3a2b → agent Grace Liu");
    assert!(
        screen
            .contains("session already ended: HTTP 404: Conversation not found or already closed"),
        "{screen}"
    );

    // The audit file (in the demo's throwaway folder) holds every state change, in order.
    let demo_dir = tmux.demo_dir();
    let audit = std::fs::read_to_string(demo_dir.join("transfers.jsonl")).unwrap();
    let lines: Vec<serde_json::Value> = audit
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut story: Vec<(String, Vec<String>)> = Vec::new();
    for line in &lines {
        let name = line["target_name"].as_str().unwrap().to_owned();
        let step = match line["event"].as_str().unwrap() {
            "outcome" => format!("outcome {}", line["outcome"].as_str().unwrap()),
            "callback" => format!("callback {}", line["confirmation"].as_str().unwrap()),
            other => other.to_owned(),
        };
        match story.iter_mut().find(|(n, _)| *n == name) {
            Some((_, steps)) => steps.push(step),
            None => story.push((name, vec![step])),
        }
    }
    let expect = |steps: &[&str]| steps.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let confirmed = expect(&[
        "intent",
        "sending",
        "outcome transferred",
        "callback confirmed",
    ]);
    assert_eq!(
        story,
        [
            ("Dana Whitfield".to_owned(), confirmed.clone()),
            ("Spanish Line".to_owned(), confirmed),
            (
                "Samuel Ortiz".to_owned(),
                expect(&[
                    "intent",
                    "sending",
                    "outcome transferred",
                    "callback failed"
                ])
            ),
            (
                "Grace Liu".to_owned(),
                expect(&["intent", "sending", "outcome failed"])
            ),
        ]
    );

    tmux.keys(&["C-c"]);
    let deadline = Instant::now() + SCREEN_TIMEOUT;
    while !tmux.pane_dead() {
        assert!(
            Instant::now() < deadline,
            "Ctrl-c did not quit:\n{}",
            tmux.screen()
        );
        std::thread::sleep(POLL);
    }
    // The demo cleans up its throwaway folder.
    assert!(!demo_dir.exists());
}

#[test]
fn f9_writes_the_shifts_hand_over_and_the_log_says_where() {
    if !tmux_installed() {
        return;
    }
    let tmux = Tmux::start(200, 40, "--demo");
    tmux.wait_for("Paste or type the conversation's botSessionId");
    transfer(&tmux, "dead5f0e9a8b7c6d5e4f3a2b", "grace");
    tmux.wait_for("✗ failed      dead…4f3a2b → agent Grace Liu");

    tmux.keys(&["F9"]);
    let screen = tmux.wait_for("hand-over written: ");
    let demo_dir = tmux.demo_dir();
    let files: Vec<PathBuf> = std::fs::read_dir(&demo_dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            path.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("handoff-shift-")
        })
        .collect();
    let csv = files
        .iter()
        .find(|path| path.extension().is_some_and(|e| e == "csv"))
        .unwrap_or_else(|| panic!("no CSV in {files:?}"));
    let summary = csv.with_extension("txt");
    let name = csv.file_name().unwrap().to_string_lossy().into_owned();
    assert!(screen.contains(&name), "the log names {name}:\n{screen}");
    let csv = std::fs::read_to_string(csv).unwrap();
    assert!(csv.starts_with("started_at,transfer,session,"), "{csv}");
    assert!(
        csv.contains(",dead5f0e9a8b7c6d5e4f3a2b,agent,") && csv.contains(",failed,"),
        "{csv}"
    );
    let summary = std::fs::read_to_string(summary).unwrap();
    assert!(summary.contains("1 transfer: 1 failed."), "{summary}");
    assert!(
        summary.contains("session dead5f0e9a8b7c6d5e4f3a2b → agent Grace Liu"),
        "{summary}"
    );
    tmux.keys(&["C-c"]);
}

#[test]
fn help_opens_with_f1_or_question_mark_and_bad_ids_are_explained() {
    if !tmux_installed() {
        return;
    }
    let tmux = Tmux::start(100, 40, "--demo");
    tmux.wait_for("Paste or type");
    tmux.text("6538f8a3");
    tmux.keys(&["Enter"]);
    tmux.wait_for("✗ a session id is 24 hex characters; this one has 8");
    tmux.keys(&["F1"]);
    // The session field's keys come first; the editing and global keys follow further down
    // the same frame, which a capture may catch half drawn.
    tmux.wait_until("help with the keys of every part", |help| {
        help.contains("Help: type to filter")
            && help.contains("help, in an empty field")
            && help.contains("redraw the whole screen")
    });
    tmux.keys(&["Escape"]);
    tmux.wait_for("▶ Session id");
    // `?` is typed after something, and opens help in the empty field.
    tmux.text("?");
    tmux.wait_for("6538f8a3?");
    tmux.keys(&["C-u"]);
    tmux.wait_until("the field emptied", |screen| !screen.contains("6538f8a3?"));
    tmux.text("?");
    tmux.wait_for("Help: type to filter");
    tmux.keys(&["Escape"]);
    tmux.wait_for("▶ Session id");
    tmux.keys(&["C-c"]);
}

#[test]
fn diagnostics_go_to_their_file_and_never_to_the_screen() {
    if !tmux_installed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("diagnostics.log");
    let tmux = Tmux::start(120, 30, &format!("--demo --log-file {}", log.display()));
    tmux.wait_for("diagnostics:");
    tmux.wait_for("Paste or type");
    tmux.text("6538f8a3");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for("✗ a session id is 24 hex characters; this one has 8");
    assert!(!screen.contains("DEBUG"), "{screen}");
    tmux.keys(&["C-c"]);
    assert_eq!(tmux.wait_until_ended(), "0");
    assert!(!tmux.stderr().contains("DEBUG"), "{}", tmux.stderr());
    let written = std::fs::read_to_string(&log).unwrap();
    assert!(
        written.contains("handoff::console: key Char('6')"),
        "{written}"
    );
    assert!(written.contains("/conversations: HTTP 200 in"), "{written}");
}

/// The row of the screen that holds `needle`, from 0.
fn row_of(screen: &str, needle: &str) -> usize {
    screen
        .lines()
        .position(|line| line.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} is not on the screen:\n{screen}"))
}

/// The short id (`a-dbc31fb…`, `qu-…`) at the end of a picker row.
fn short_id(row: &str) -> &str {
    row.trim_end_matches([' ', '│']).rsplit(' ').next().unwrap()
}

#[test]
fn a_click_picks_a_target_and_the_wheel_scrolls_the_picker() {
    if !tmux_installed() {
        return;
    }
    let tmux = Tmux::start(100, 30, "--demo");
    let screen = tmux.wait_for("Paste or type");
    assert_eq!(
        tmux.mouse_modes(),
        "clicks 1 drags 0 motion 0 sgr 1",
        "clicks and the wheel only: the pointer's moves never wake the console"
    );
    tmux.text("6538f8a3c9cf425ee5cf0a1b");

    // The third target's row, below the filter line.
    let first = row_of(&screen, "type to filter") + 1;
    let third = first + 2;
    let id = short_id(screen.lines().nth(third).unwrap()).to_owned();
    let highlighted_on = |row: usize, id: &str| {
        let id = id.to_owned();
        move |screen: &str| {
            screen
                .lines()
                .nth(row)
                .is_some_and(|line| line.starts_with("│▶") && line.contains(&id))
        }
    };
    tmux.click(20, third);
    let screen = tmux.wait_until(
        "the highlight on the row clicked",
        highlighted_on(third, &id),
    );
    assert!(
        screen.contains("▶ Target"),
        "the picker has focus:\n{screen}"
    );
    // Enter transfers to the target clicked; the click itself sent nothing.
    tmux.keys(&["Enter"]);
    let dialog = tmux.wait_for("Transfer this conversation?");
    assert!(dialog.contains(&format!("({id})")), "{dialog}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("▶ Target");

    // A notch of the wheel scrolls the list by three rows; the highlight, which would be above
    // it, is taken along to the top.
    let fourth = short_id(screen.lines().nth(first + 3).unwrap()).to_owned();
    tmux.wheel_down(20, first);
    tmux.wait_until(
        "the fourth target at the top, highlighted",
        highlighted_on(first, &fourth),
    );

    tmux.keys(&["C-c"]);
    let deadline = Instant::now() + SCREEN_TIMEOUT;
    while !tmux.pane_dead() {
        assert!(Instant::now() < deadline, "Ctrl-c did not quit");
        std::thread::sleep(POLL);
    }
    assert_eq!(
        tmux.mouse_modes(),
        "clicks 0 drags 0 motion 0 sgr 0",
        "the terminal is left reporting nothing"
    );
}

#[test]
fn a_supervisor_syncs_favourites_edits_and_deletes_in_demo_mode() {
    if !tmux_installed() {
        return;
    }
    let tmux = Tmux::start(130, 40, "--demo");
    tmux.wait_for("who is free as of");
    let roster_file = tmux.demo_dir().join("roster.toml");
    let demo_roster_before = std::fs::read_to_string(&roster_file).unwrap();

    tmux.keys(&["Tab"]);
    tmux.wait_for("▶ Target");
    tmux.keys(&["C-s"]);
    let preview = tmux.wait_for("Sync the roster with the platform?");
    assert!(preview.contains("100 to add: agent"), "{preview}");
    assert_eq!(
        std::fs::read_to_string(&roster_file).unwrap(),
        demo_roster_before,
        "nothing saved before y"
    );
    tmux.keys(&["y"]);
    tmux.wait_for("synced with the platform: 100 added, 0 updated, 0 stale");
    tmux.wait_for("Target (126 of 126)");

    // The filter edits as a shell's line does: Ctrl-a to the start, Ctrl-e to the end, Alt-b a
    // word back, Ctrl-k the rest away; none of them opens a form.
    tmux.text("race liu");
    tmux.wait_for("/ race liu");
    tmux.keys(&["C-a"]);
    tmux.text("g");
    tmux.wait_for("/ grace liu");
    tmux.keys(&["C-e"]);
    tmux.text(" zz");
    tmux.wait_for("/ grace liu zz");
    tmux.keys(&["M-b", "C-k"]);
    let filtered = tmux.wait_for("Target (1 of 126)");
    assert!(!filtered.contains("zz"), "{filtered}");
    assert!(!filtered.contains("Add a target"), "{filtered}");
    tmux.keys(&["C-g"]);
    tmux.wait_for("is a favourite");

    // Ins adds, Alt-e edits: each opens its form.
    tmux.keys(&["IC"]);
    tmux.wait_for("Add a target");
    tmux.keys(&["Escape"]);
    tmux.wait_until("the form closed", |screen| !screen.contains("Add a target"));
    tmux.keys(&["M-e"]);
    tmux.wait_for("Edit target");
    tmux.keys(&["Escape"]);
    tmux.wait_until("the form closed", |screen| !screen.contains("Edit target"));
    let saved = std::fs::read_to_string(&roster_file).unwrap();
    assert!(saved.contains("favourite = true"), "{saved}");
    assert!(std::fs::read_to_string(roster_file.with_extension("toml.bak")).is_ok());

    // A hand edit while the console runs is noticed and loaded.
    let by_hand = format!(
        "{saved}\n[[queues]]\nid = \"qu-1234567-0000-4000-8000-000000000009\"\nname = \"Added By Hand\"\n"
    );
    std::fs::write(&roster_file, by_hand).unwrap();
    tmux.wait_for("the roster file changed on disk; reloaded it");
    tmux.wait_for("(1 of 127)");

    // Delete asks first, then saves.
    tmux.keys(&["C-u"]);
    tmux.text("added by hand");
    tmux.wait_for("/ added by hand");
    tmux.keys(&["F8"]);
    tmux.wait_for("Delete a target?");
    tmux.keys(&["y"]);
    tmux.wait_for("removed queue Added By Hand");
    let after = std::fs::read_to_string(&roster_file).unwrap();
    assert!(!after.contains("Added By Hand"), "{after}");
    assert!(
        after.contains("favourite = true"),
        "the favourite survived: {after}"
    );
    tmux.keys(&["C-c"]);
}

/// `handoff simulate` in the background, and the config it wrote for itself.
struct Served {
    child: std::process::Child,
    /// Kept open so the simulator can go on writing.
    _stdout: std::io::BufReader<std::process::ChildStdout>,
    config: String,
    data: String,
}

impl Served {
    fn start() -> Self {
        use std::io::{BufRead, BufReader};
        let mut child = Command::new(env!("CARGO_BIN_EXE_handoff"))
            .args(["simulate", "--listen", "127.0.0.1:0"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let line = loop {
            let mut line = String::new();
            assert!(
                stdout.read_line(&mut line).unwrap() > 0,
                "the simulator stopped"
            );
            if line.trim_start().starts_with("handoff --config") && !line.contains("transfer") {
                break line;
            }
        };
        let words: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
        Self {
            child,
            _stdout: stdout,
            config: words[2].clone(),
            data: words[4].clone(),
        }
    }

    fn handoff(&self, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_handoff"))
            .args(["--config", &self.config, "--data-dir", &self.data])
            .args(args)
            .env_remove("HANDOFF_CONFIG")
            .output()
            .unwrap()
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn with_the_mouse_off_the_terminal_keeps_it_and_clicks_are_ignored() {
    if !tmux_installed() {
        return;
    }
    let served = Served::start();
    let mut config = std::fs::read_to_string(&served.config).unwrap();
    config.push_str("\n[ui]\nmouse = false\n");
    std::fs::write(&served.config, config).unwrap();
    let tmux = Tmux::start(
        100,
        30,
        &format!("--config {} --data-dir {}", served.config, served.data),
    );
    let screen = tmux.wait_for("Paste or type");
    assert_eq!(tmux.mouse_modes(), "clicks 0 drags 0 motion 0 sgr 0");
    // A click that reaches the console anyway (here typed in by tmux) changes nothing.
    let third = row_of(&screen, "type to filter") + 3;
    tmux.click(20, third);
    tmux.text("6538");
    let screen = tmux.wait_for("› 6538");
    assert!(screen.contains("▶ Session id"), "{screen}");
    assert!(
        !screen.lines().nth(third).unwrap().starts_with("│▶"),
        "{screen}"
    );
    tmux.keys(&["C-c"]);
}

#[test]
fn a_restarted_console_shows_the_shifts_earlier_transfers() {
    if !tmux_installed() {
        return;
    }
    let served = Served::start();
    let sent = served.handoff(&[
        "transfer",
        "--session",
        "6538f8a3c9cf425ee5cf0a1b",
        "--agent",
        "Dana Whitfield",
        "--note",
        "VIP",
    ]);
    assert_eq!(sent.status.code(), Some(0), "{sent:?}");
    let refused = served.handoff(&[
        "transfer",
        "--session",
        "dead5f0e9a8b7c6d5e4f3a2b",
        "--queue",
        "Billing",
    ]);
    assert_eq!(refused.status.code(), Some(1), "{refused:?}");

    let tmux = Tmux::start(
        120,
        34,
        &format!("--config {} --data-dir {}", served.config, served.data),
    );
    tmux.wait_for("2 earlier transfers of this shift");
    tmux.wait_for("✓ accepted    6538…cf0a1b → agent Dana Whitfield");
    // The header counts the account's calls of every handoff on this machine: the two
    // transfers sent from the command line are among them, once the console has read the
    // shared budget file (it shows 0 until then).
    let screen = tmux.wait_until(
        "the two calls from the command line in the header",
        |screen| {
            // Until the header has room and the budget is read, it may show no count.
            screen
                .split_once("· API ")
                .and_then(|(_, rest)| rest.split_once("/60"))
                .and_then(|(used, _)| used.parse::<usize>().ok())
                .is_some_and(|spent| spent >= 2)
        },
    );
    assert!(screen.contains("note: VIP"), "{screen}");
    assert!(
        screen.contains("✗ failed      dead…4f3a2b → queue Billing"),
        "{screen}"
    );
    assert!(screen.contains("session already ended"), "{screen}");
    // The details of an earlier transfer open from the log.
    tmux.keys(&["BTab"]);
    tmux.wait_for("▶ Log");
    // Up past the three notices of this start and the refused transfer, to Dana's.
    tmux.keys(&["k", "k", "k", "k", "Enter"]);
    let detail = tmux.wait_for("Transfer detail");
    assert!(detail.contains("note      VIP"), "{detail}");
    assert!(
        detail.contains("a-3884339-eeac-4f42-8185-86fe60fe7545"),
        "{detail}"
    );
    tmux.keys(&["Escape", "C-c"]);
}

impl Tmux {
    /// The console's process: the pane runs it (through `env`, which execs it), or a shell that
    /// started it.
    fn console_pid(&self) -> u32 {
        let out = self.run(&["display-message", "-p", "-t", "console", "#{pane_pid}"]);
        let pane: u32 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
        let is_handoff = |pid: u32| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|comm| comm.trim() == "handoff")
        };
        if is_handoff(pane) {
            return pane;
        }
        std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .find(|&pid| {
                let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
                let parent = stat
                    .rsplit(')')
                    .next()
                    .and_then(|rest| rest.split_whitespace().nth(1))
                    .and_then(|ppid| ppid.parse::<u32>().ok());
                parent == Some(pane) && is_handoff(pid)
            })
            .expect("the console's process")
    }

    fn pane_value(&self, format: &str) -> String {
        let out = self.run(&["display-message", "-p", "-t", "console", format]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Waits until the console's process has ended, and returns its exit code.
    fn wait_until_ended(&self) -> String {
        let deadline = Instant::now() + SCREEN_TIMEOUT;
        loop {
            if let Ok(code) = std::fs::read_to_string(self.tmp_path.join("exit"))
                && code.ends_with('\n')
            {
                return code.trim().to_owned();
            }
            assert!(
                Instant::now() < deadline,
                "the console did not end:\n{}\nstderr:\n{}",
                self.screen(),
                self.stderr()
            );
            std::thread::sleep(POLL);
        }
    }
}

/// Whether `pid` is a process that has not ended (a zombie has ended).
fn process_runs(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        stat.rsplit(')')
            .next()
            .and_then(|rest| rest.split_whitespace().next())
            .is_some_and(|state| state != "Z")
    })
}

fn signal(pid: u32, name: &str) {
    let sent = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success(), "kill -{name} {pid}");
}

/// The audit file's lines about `session`, as "event outcome" words.
fn audit_story(data: &str, session: &str) -> Vec<String> {
    let audit =
        std::fs::read_to_string(PathBuf::from(data).join("transfers.jsonl")).unwrap_or_default();
    audit
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| l["session"] == session)
        .map(|l| {
            let detail = l
                .get("outcome")
                .or_else(|| l.get("confirmation"))
                .and_then(|v| v.as_str())
                .unwrap_or("");
            format!("{} {detail}", l["event"].as_str().unwrap())
                .trim()
                .to_owned()
        })
        .collect()
}

/// Waits until the audit file tells `expected` about `session`.
fn wait_for_story(data: &str, session: &str, expected: &[&str]) {
    let deadline = Instant::now() + SCREEN_TIMEOUT;
    loop {
        let story = audit_story(data, session);
        if story == expected {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the audit file told {story:?}, not {expected:?}"
        );
        std::thread::sleep(POLL);
    }
}

/// A session the simulator answers only after 5 seconds: still in flight when the signal comes.
const SLOW_SESSION: &str = "0077f6939489bfffc7911a2b";

/// A console on `served`, with a transfer of [`SLOW_SESSION`] in flight.
fn console_sending_slowly(served: &Served) -> Tmux {
    let tmux = Tmux::start(
        120,
        34,
        &format!("--config {} --data-dir {}", served.config, served.data),
    );
    tmux.wait_for("Paste or type");
    transfer(&tmux, SLOW_SESSION, "dana");
    tmux.wait_for("⋯ sending");
    tmux
}

#[test]
fn sigterm_restores_the_terminal_and_the_answer_in_flight_is_written() {
    if !tmux_installed() {
        return;
    }
    let served = Served::start();
    let tmux = console_sending_slowly(&served);
    assert_eq!(tmux.pane_value("#{alternate_on}"), "1");
    assert_eq!(tmux.mouse_modes(), "clicks 1 drags 0 motion 0 sgr 1");
    signal(tmux.console_pid(), "TERM");
    assert_eq!(
        tmux.wait_until_ended(),
        "143",
        "ended by its own exit, with the code a shell expects after SIGTERM"
    );
    assert_eq!(
        tmux.pane_value("#{alternate_on}"),
        "0",
        "the terminal is back from the console's screen"
    );
    assert_eq!(
        tmux.mouse_modes(),
        "clicks 0 drags 0 motion 0 sgr 0",
        "a click in the shell types nothing"
    );
    assert!(tmux.stderr().contains("waiting up to"), "{}", tmux.stderr());
    wait_for_story(
        &served.data,
        SLOW_SESSION,
        &["intent", "sending", "outcome transferred"],
    );
}

#[test]
fn a_hang_up_still_writes_the_answer_in_flight() {
    if !tmux_installed() {
        return;
    }
    let served = Served::start();
    let tmux = console_sending_slowly(&served);
    let pid = tmux.console_pid();
    // The terminal goes away as it does when an SSH session drops: SIGHUP, then no terminal.
    assert!(
        tmux.run(&["kill-session", "-t", "console"])
            .status
            .success()
    );
    // The console ends by itself (it must not spin on a terminal that is gone)...
    let deadline = Instant::now() + SCREEN_TIMEOUT;
    while process_runs(pid) {
        assert!(
            Instant::now() < deadline,
            "the console outlived its terminal"
        );
        std::thread::sleep(POLL);
    }
    // ...having written the answer that came after the terminal was gone.
    wait_for_story(
        &served.data,
        SLOW_SESSION,
        &["intent", "sending", "outcome transferred"],
    );
}

#[test]
fn after_kill_9_a_restart_says_what_happened_and_a_late_callback_settles_it() {
    if !tmux_installed() {
        return;
    }
    let served = Served::start();
    let port = served.with_receiver(2);
    let args = format!("--config {} --data-dir {}", served.config, served.data);
    let quiet = "b1acf6939489bfffc7911a2b"; // accepted, and the platform never calls back
    {
        let tmux = Tmux::start(120, 34, &args);
        tmux.wait_for("Paste or type");
        transfer(&tmux, quiet, "dana");
        tmux.wait_for("⋯ accepted    b1ac…911a2b");
        transfer(&tmux, SLOW_SESSION, "grace");
        tmux.wait_for("⋯ sending");
        signal(tmux.console_pid(), "KILL");
        assert_eq!(tmux.wait_until_ended(), "137");
    }
    // Let Dana's time for a callback (2 s) run out while nothing listens.
    std::thread::sleep(std::time::Duration::from_secs(3));

    let tmux = Tmux::start(130, 34, &args);
    let screen = tmux.wait_for("? unconfirmed b1ac…911a2b → agent Dana Whitfield");
    assert!(
        screen.contains("handoff was not running to receive it"),
        "{screen}"
    );
    // The slow transfer's answer died with the first console; the simulator's own callback may
    // already have reached this one.
    tmux.wait_for_either("! interrupted 0077…911a2b", "✓ confirmed   0077…911a2b");
    let token =
        std::fs::read_to_string(PathBuf::from(&served.data).join("callback-token")).unwrap();
    let grace = "a-a217e24-7c85-4d54-8e3e-90be3c78fd05";
    let body =
        format!(r#"{{"botSessionId":"{SLOW_SESSION}","agentId":"{grace}","status":"success"}}"#);
    let status = post_json(
        port,
        &format!("/kore?handoff_token={}", token.trim()),
        &body,
    );
    assert_eq!(status, "200");
    let screen = tmux.wait_for("✓ confirmed   0077…911a2b → agent Grace Liu");
    assert!(
        screen.contains("settled by the platform's callback"),
        "{screen}"
    );
    tmux.keys(&["C-c"]);
}

impl Served {
    /// Points the config's callbacks at a receiver of the console's own on a free port, with
    /// `confirm_within` seconds for each callback; returns the port.
    fn with_receiver(&self, confirm_within: u64) -> u16 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let config = std::fs::read_to_string(&self.config).unwrap();
        let start = config.find("[callback]").unwrap();
        let end = config.find("[roster]").unwrap();
        let callback = format!(
            "[callback]\nurl = \"http://127.0.0.1:{port}/kore\"\nlisten = \"127.0.0.1:{port}\"\nconfirm_within = {confirm_within}\n\n"
        );
        std::fs::write(
            &self.config,
            format!("{}{callback}{}", &config[..start], &config[end..]),
        )
        .unwrap();
        port
    }
}

/// Posts JSON to the console's receiver on loopback, the way the platform would; returns the
/// status code.
fn post_json(port: u16, path: &str, body: &str) -> String {
    use std::io::{Read, Write};
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
        .split_whitespace()
        .nth(1)
        .unwrap_or_default()
        .to_owned()
}

/// The supervisor's day, in the demo: a refused transfer re-routed with `r`, the new target's
/// letters, Enter and `y`, with no re-paste; a paste with the log focused lands in the session
/// field; and moving a session a second time asks first.
#[test]
fn a_failed_transfer_is_rerouted_in_one_key_and_a_second_move_asks_first() {
    if !tmux_installed() {
        return;
    }
    let tmux = Tmux::start(120, 40, "--demo");
    tmux.wait_for("Paste or type");
    transfer(&tmux, "dead5f0e9a8b7c6d5e4f3a2b", "grace");
    tmux.wait_for("✗ failed      dead…4f3a2b → agent Grace Liu");

    tmux.keys(&["BTab"]);
    tmux.wait_for("▶ Log");
    tmux.keys(&["r"]);
    let screen = tmux.wait_for("re-routing: ✗ marks the target it failed with");
    assert!(screen.contains("› dead5f0e9a8b7c6d5e4f3a2b"), "{screen}");
    tmux.text("spanish");
    tmux.wait_for("/ spanish");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Transfer this conversation?");
    tmux.keys(&["y"]);
    tmux.wait_for("dead…4f3a2b → queue Spanish Line");

    // y in the log copies the whole session id with OSC 52, which tmux keeps as a buffer.
    assert!(
        tmux.run(&["set-option", "-s", "set-clipboard", "on"])
            .status
            .success()
    );
    tmux.keys(&["BTab"]);
    tmux.wait_for("▶ Log");
    tmux.keys(&["y"]);
    tmux.wait_for("copied dead5f0e9a8b7c6d5e4f3a2b to the clipboard");
    let buffer = tmux.run(&["show-buffer"]);
    assert_eq!(
        String::from_utf8_lossy(&buffer.stdout),
        "dead5f0e9a8b7c6d5e4f3a2b"
    );
    tmux.keys(&["Tab"]);

    // A paste with the log focused is a session id: it goes to the session field.
    tmux.keys(&["BTab"]);
    tmux.wait_for("▶ Log");
    assert!(
        tmux.run(&["set-buffer", "6538f8a3c9cf425ee5cf0a1b"])
            .status
            .success()
    );
    assert!(
        tmux.run(&["paste-buffer", "-p", "-t", "console"])
            .status
            .success()
    );
    tmux.wait_for("› 6538f8a3c9cf425ee5cf0a1b");
    tmux.wait_for("▶ Session id");
    tmux.keys(&["C-u"]);

    transfer(&tmux, "6538f8a3c9cf425ee5cf0a1b", "dana");
    tmux.text("6538f8a3c9cf425ee5cf0a1b");
    tmux.keys(&["Enter"]);
    tmux.wait_for("▶ Target");
    tmux.text("spanish");
    tmux.wait_for("/ spanish");
    tmux.keys(&["Enter"]);
    tmux.wait_for("Transfer this conversation?");
    tmux.keys(&["y"]);
    let asked = tmux.wait_for("Are you sure?");
    assert!(
        asked.contains("6538…cf0a1b was sent less than a minute ago to agent Dana Whitfield"),
        "{asked}"
    );
    tmux.keys(&["y"]);
    tmux.wait_for("6538…cf0a1b → queue Spanish Line");

    // `/` narrows the log; Enter keeps the filter, and Enter again opens what it found.
    tmux.keys(&["BTab"]);
    tmux.wait_for("▶ Log");
    tmux.keys(&["/"]);
    tmux.text("failed grace");
    tmux.wait_for("/ failed grace");
    tmux.keys(&["Enter"]);
    tmux.keys(&["Enter"]);
    let detail = tmux.wait_for("Transfer detail");
    assert!(detail.contains("Grace Liu"), "{detail}");
    tmux.keys(&["C-c"]);
}

/// The supervisor's own keys from `[keys]`: the hint bar and the help say them, and they do
/// their job, while the keys they replaced do nothing.
#[test]
fn keys_from_the_config_file_are_shown_and_work() {
    if !tmux_installed() {
        return;
    }
    let served = Served::start();
    let config = std::fs::read_to_string(&served.config).unwrap();
    std::fs::write(
        &served.config,
        format!(
            "{config}\n[keys]\nhelp = \"F3\"\n\n[keys.log]\ndetails = \"o\"\n\n[keys.picker]\nadd = \"Ctrl-a\"\n"
        ),
    )
    .unwrap();
    let tmux = Tmux::start(
        100,
        30,
        &format!("--config {} --data-dir {}", served.config, served.data),
    );
    tmux.wait_for("F3 help · Ctrl-c quit");
    tmux.keys(&["F3"]);
    tmux.wait_for("Help: type to filter");
    tmux.text("details");
    let help = tmux.wait_for("details of the transfer");
    assert!(
        help.lines()
            .any(|l| l.contains(" o ") && l.contains("details of the transfer")),
        "{help}"
    );
    // One Esc at a time: two at once read as Alt-Esc.
    tmux.keys(&["Escape"]);
    tmux.wait_for("type to filter by key");
    tmux.keys(&["Escape"]);
    tmux.wait_for("Paste or type");

    transfer(&tmux, "6538f8a3c9cf425ee5cf0a1b", "dana");
    tmux.wait_for("accepted    6538…cf0a1b");
    tmux.keys(&["BTab"]);
    tmux.wait_for("o details of the transfer");
    // Enter no longer opens the details in the log: the help that F3 opens next is the log's,
    // which it would not be over an open detail view. o opens them.
    tmux.keys(&["Enter", "F3"]);
    tmux.wait_for("Log · where you are");
    tmux.keys(&["Escape"]);
    tmux.wait_for("▶ Log");
    tmux.keys(&["o"]);
    let detail = tmux.wait_for("Transfer detail");
    assert!(detail.contains("6538f8a3c9cf425ee5cf0a1b"), "{detail}");
    tmux.keys(&["Escape"]);
    tmux.wait_until("the detail closed", |screen| {
        !screen.contains("Transfer detail")
    });
    // Ctrl-a was the picker's add before the fields took it: it still starts, and the log's
    // oldest lines say so, naming the new default.
    tmux.keys(&["g"]);
    tmux.wait_until("the warning about the old key", |screen| {
        screen.contains("keys.picker.add") && screen.contains("Ins/Alt-a")
    });
    tmux.keys(&["C-c"]);
}

/// Demo mode answers to the supervisor's own `[keys]` and `[ui]`, says so at start, and reads
/// nothing else of their config file (this one holds no account at all).
#[test]
fn demo_mode_applies_keys_and_ui_from_the_config_file() {
    if !tmux_installed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[ui]\nmouse = false\n\n[keys]\nhelp = \"F3\"\n").unwrap();
    let tmux = Tmux::start(120, 30, &format!("--demo --config {}", config.display()));
    tmux.wait_for("F3 help · Ctrl-c quit");
    tmux.wait_for("demo mode: your [keys] and [ui] from");
    assert_eq!(tmux.mouse_modes(), "clicks 0 drags 0 motion 0 sgr 0");
    tmux.keys(&["F3"]);
    tmux.wait_for("Help: type to filter");
    tmux.keys(&["Escape"]);
    tmux.wait_for("Paste or type");
    tmux.keys(&["C-c"]);
}

/// Two supervisors' consoles on one team's Redis: Priya's transfer shows in Marcus's log,
/// marked with her name, once he asks with `t`; when he then tries the same conversation,
/// nothing is sent and his log says who moved it, where and when. `r` on that line, after a
/// second confirmation naming Priya, takes it over.
#[test]
fn a_teammates_transfer_shows_with_their_name_and_blocks_a_second_move() {
    if !tmux_installed() {
        return;
    }
    let Some(redis) = crate::redis_server::RedisServer::start() else {
        return;
    };
    let console = |name: &str| {
        let tmux = Tmux::start(
            120,
            36,
            &format!("--demo --redis {} --name {name}", redis.url()),
        );
        tmux.wait_for(&format!("you: {name}"));
        tmux
    };
    let (priya, marcus) = (console("Priya"), console("Marcus"));
    let session = "6538f8a3c9cf425ee5cf0a1b";
    transfer(&priya, session, "billing");
    priya.wait_for("→ queue Billing");

    marcus.keys(&["Tab", "Tab"]);
    marcus.wait_for("▶ Log");
    marcus.keys(&["t"]);
    let screen = marcus.wait_for("Priya: 6538…cf0a1b → queue Billing");
    assert!(screen.contains("Log · with teammates'"), "{screen}");

    marcus.keys(&["Tab"]);
    marcus.wait_for("▶ Session id");
    transfer(&marcus, session, "billing");
    let refused = marcus.wait_for("Priya moved it to queue Billing at ");
    assert!(refused.contains("nothing was sent"), "{refused}");

    marcus.keys(&["BTab"]);
    marcus.wait_for("▶ Log");
    marcus.keys(&["r"]);
    marcus.wait_for("▶ Target");
    marcus.text("billing");
    marcus.wait_for("/ billing");
    marcus.keys(&["Enter"]);
    marcus.wait_for("Transfer this conversation?");
    marcus.keys(&["y"]);
    let asked = marcus.wait_for("Are you sure?");
    assert!(asked.contains("Sending takes the"), "{asked}");
    marcus.keys(&["y"]);
    marcus.wait_until("Marcus's take-over accepted", |screen| {
        screen.lines().any(|line| {
            line.contains("accepted")
                && line.contains("6538…cf0a1b → queue Billing")
                && !line.contains("Priya:")
        })
    });
}

/// `handoff --redis URL simulate --relay` as a team would run it: the relay, then two of the
/// supervisors' consoles, neither with a receiver of its own. Each sees its own transfer
/// confirmed through the relay, and the other's in the teammates' view.
#[test]
fn consoles_without_a_receiver_see_their_transfers_confirmed_through_the_relay() {
    use std::io::{BufRead, BufReader};
    if !tmux_installed() {
        return;
    }
    let Some(redis) = crate::redis_server::RedisServer::start() else {
        return;
    };
    let mut simulator = Ended(
        Command::new(env!("CARGO_BIN_EXE_handoff"))
            .args(["--redis", &redis.url(), "simulate"])
            .args(["--listen", "127.0.0.1:0", "--relay"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut printed = BufReader::new(simulator.0.stdout.take().unwrap());
    let mut commands: Vec<Vec<String>> = Vec::new();
    while commands.len() < 4 {
        let mut line = String::new();
        assert!(
            printed.read_line(&mut line).unwrap() > 0,
            "the simulator stopped"
        );
        if line.trim_start().starts_with("handoff --config") {
            commands.push(line.split_whitespace().skip(1).map(str::to_owned).collect());
        }
    }
    assert_eq!(
        commands[0].last().map(String::as_str),
        Some("relay"),
        "{commands:?}"
    );
    let mut relay = Ended(
        Command::new(env!("CARGO_BIN_EXE_handoff"))
            .args(&commands[0])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut said = BufReader::new(relay.0.stderr.take().unwrap()).lines();
    assert!(
        said.by_ref()
            .map_while(Result::ok)
            .any(|line| line.contains("taking the account's callbacks")),
        "the relay did not start"
    );
    // Read on, so the relay never writes into a closed pipe.
    std::thread::spawn(move || said.for_each(drop));
    let console = |command: &[String], name: &str| {
        let tmux = Tmux::start(160, 36, &command.join(" "));
        tmux.wait_for(&format!("you: {name}"));
        tmux
    };
    let priya = console(&commands[1], "Priya");
    priya.wait_for("callbacks come through the team's relay at");
    let marcus = console(&commands[2], "Marcus");
    transfer(&priya, "6538f8a3c9cf425ee5cf0a1b", "billing");
    transfer(&marcus, "66c2e6a1c9cf425ee5911a2b", "billing");
    priya.wait_for("✓ confirmed   6538…cf0a1b → queue Billing");
    marcus.wait_for("✓ confirmed   66c2…911a2b → queue Billing");
    marcus.keys(&["Tab", "Tab"]);
    marcus.wait_for("▶ Log");
    marcus.keys(&["t"]);
    marcus.wait_for("Priya: 6538…cf0a1b → queue Billing");
    for tmux in [&priya, &marcus] {
        tmux.keys(&["C-c"]);
    }
}

/// A process this test started, killed when the test ends, whether it passed or not.
struct Ended(std::process::Child);

impl Drop for Ended {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// At 80×24 the demo shows six conversations and five log lines, the header says who this
/// console is, and the longest-waiting conversation goes to a queue and is confirmed.
#[test]
fn at_80x24_the_demo_shows_six_conversations_and_its_top_one_is_confirmed() {
    if !tmux_installed() {
        return;
    }
    let tmux = Tmux::start(80, 24, "--demo");
    let rows = |screen: &str| {
        screen
            .lines()
            .filter(|line| line.contains("OVERDUE") || line.contains(" open "))
            .count()
    };
    let screen = tmux.wait_until("six conversations", |screen| rows(screen) >= 6);
    assert!(
        screen.lines().next().is_some_and(|l| l.contains("DEMO")),
        "{screen}"
    );
    let log_lines = screen
        .lines()
        .skip_while(|line| !line.starts_with("├Log"))
        .skip(1)
        .take_while(|line| !line.starts_with('└'))
        .count();
    assert_eq!(log_lines, 5, "{screen}");
    // Enter takes the highlighted (longest-waiting) conversation to the picker.
    tmux.keys(&["Enter"]);
    tmux.wait_for("▶ Target");
    tmux.text("spanish");
    tmux.wait_for("/ spanish");
    tmux.keys(&["Enter"]);
    let dialog = tmux.wait_for("Transfer this conversation?");
    assert!(dialog.contains("→ queue Spanish Line"), "{dialog}");
    tmux.keys(&["y"]);
    tmux.wait_for("✓ confirmed");
}
