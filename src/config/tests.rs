use super::*;

const GOOD: &str = r#"
[platform]
host = "https://platform.kore.ai"
stream_id = "st-1b2c3d4e-0000-4000-8000-000000000001"
org_id = "o-1b2c3d4e-0000-4000-8000-000000000002"
account_id = "6538f8a3c9cf425ee5cf0a1b"

[auth]
client_id = "cs-1b2c3d4e-0000-4000-8000-000000000003"
client_secret_env = "HANDOFF_CLIENT_SECRET"

[callback]
url = "https://hooks.example.com/handoff"
"#;

fn parse_with(text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let env: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::parse(text, Path::new("/etc/handoff/config.toml"), move |name| {
        env.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    })
}

fn error_text(text: &str) -> String {
    parse_with(text, &[("HANDOFF_CLIENT_SECRET", "s3cret")])
        .unwrap_err()
        .to_string()
}

#[test]
fn a_complete_file_loads_with_defaults() {
    let config = parse_with(GOOD, &[("HANDOFF_CLIENT_SECRET", "s3cret")]).unwrap();
    assert_eq!(config.platform.rate_limit_per_minute, 60);
    assert_eq!(config.platform.host.as_str(), "https://platform.kore.ai/");
    assert!(config.roster_file.is_none());
    match config.auth {
        AuthConfig::Credentials { client_secret, .. } => {
            assert_eq!(client_secret.expose(), "s3cret")
        }
        other => panic!("expected credentials, got {other:?}"),
    }
}

#[test]
fn an_unset_secret_variable_is_named() {
    let message = parse_with(GOOD, &[]).unwrap_err().to_string();
    assert!(message.contains("/etc/handoff/config.toml"), "{message}");
    assert!(message.contains("auth.client_secret_env"), "{message}");
    assert!(message.contains("HANDOFF_CLIENT_SECRET"), "{message}");
}

#[test]
fn a_typo_in_a_key_is_reported_with_its_line() {
    let message = error_text(&GOOD.replace("host =", "hots ="));
    assert!(message.contains("line 3"), "{message}");
    assert!(message.contains("[platform]"), "{message}");
    assert!(message.contains("unknown field `hots`"), "{message}");
}

#[test]
fn a_missing_key_is_named() {
    let message = error_text(&GOOD.replace("org_id = ", "# org_id = "));
    assert!(message.contains("missing field `org_id`"), "{message}");
}

#[test]
fn a_wrong_type_is_explained() {
    let message = error_text(&GOOD.replace(
        "account_id = \"6538f8a3c9cf425ee5cf0a1b\"",
        "account_id = \"6538f8a3c9cf425ee5cf0a1b\"\nrate_limit_per_minute = \"sixty\"",
    ));
    assert!(message.contains("line 7"), "{message}");
    assert!(message.contains("invalid type"), "{message}");
}

#[test]
fn a_secret_of_the_wrong_type_is_not_quoted() {
    let text = GOOD.replace(
        "client_secret_env = \"HANDOFF_CLIENT_SECRET\"",
        "client_secret = 918273645",
    );
    let message = error_text(&text);
    assert!(!message.contains("918273645"), "{message}");
    assert!(message.contains("client_secret"), "{message}");
}

#[test]
fn plain_http_is_only_for_loopback() {
    let message = error_text(&GOOD.replace("https://platform.kore.ai", "http://platform.kore.ai"));
    assert!(message.contains("platform.host"), "{message}");
    assert!(message.contains("loopback"), "{message}");
    for host in [
        "http://127.0.0.1:8080",
        "http://localhost:9",
        "http://[::1]:7",
    ] {
        let config = parse_with(
            &GOOD.replace("https://platform.kore.ai", host),
            &[("HANDOFF_CLIENT_SECRET", "x")],
        );
        assert!(config.is_ok(), "{host}: {config:?}");
    }
}

#[test]
fn a_host_with_a_path_is_refused() {
    let message = error_text(&GOOD.replace("kore.ai\"", "kore.ai/api\""));
    assert!(message.contains("without a path"), "{message}");
}

#[test]
fn exactly_one_auth_method() {
    let both = GOOD.replace("[auth]", "[auth]\njwt = \"abc\"");
    assert!(error_text(&both).contains("not both"));
    let none = GOOD
        .replace(
            "client_id = \"cs-1b2c3d4e-0000-4000-8000-000000000003\"",
            "",
        )
        .replace("client_secret_env = \"HANDOFF_CLIENT_SECRET\"", "");
    assert!(error_text(&none).contains("expected either jwt"));
    let two_secrets = GOOD.replace("[auth]", "[auth]\nclient_secret = \"abc\"");
    assert!(error_text(&two_secrets).contains("not both"));
}

#[test]
fn a_ready_made_token_is_accepted() {
    let text = GOOD
        .replace(
            "client_id = \"cs-1b2c3d4e-0000-4000-8000-000000000003\"",
            "jwt = \"eyJ.x.y\"",
        )
        .replace("client_secret_env = \"HANDOFF_CLIENT_SECRET\"", "");
    let config = parse_with(&text, &[]).unwrap();
    assert!(matches!(config.auth, AuthConfig::Jwt(ref t) if t.expose() == "eyJ.x.y"));
}

#[test]
fn a_bad_account_id_is_explained() {
    let message = error_text(&GOOD.replace("6538f8a3c9cf425ee5cf0a1b", "6538f8a3"));
    assert!(message.contains("platform.account_id"), "{message}");
    assert!(message.contains("24 lowercase hex"), "{message}");
}

#[test]
fn a_relative_roster_path_is_beside_the_config() {
    let text = format!("{GOOD}\n[roster]\nfile = \"team.toml\"\n");
    let config = parse_with(&text, &[("HANDOFF_CLIENT_SECRET", "x")]).unwrap();
    assert_eq!(
        config.roster_file.as_deref(),
        Some(Path::new("/etc/handoff/team.toml"))
    );
}

#[test]
fn malformed_toml_names_the_line() {
    let message = error_text("[platform\nhost = 1");
    assert!(message.contains("line 1"), "{message}");
}

/// The example, as `handoff config init` writes it, stops at its first placeholder, naming the
/// key, the file and the others still to fill in.
#[test]
fn the_example_config_stops_until_its_ids_are_filled_in() {
    let message = parse_with(EXAMPLE, &[("HANDOFF_CLIENT_SECRET", "x")])
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with(
            "config file /etc/handoff/config.toml: platform.stream_id: fill in your app's stream id"
        ),
        "{message}"
    );
    assert!(
        message.contains("it still holds the example's placeholder \"st-FILL-IN\"")
            && message.contains("so do platform.org_id, platform.account_id, auth.client_id"),
        "{message}"
    );
    // One left: only that one is named.
    let one_left =
        example_filled_in().replace("o-fbfa482a-bf65-4386-963e-f00a8cc70a1b", "o-FILL-IN");
    let message = parse_with(&one_left, &[("HANDOFF_CLIENT_SECRET", "x")])
        .unwrap_err()
        .to_string();
    assert!(message.contains("platform.org_id: fill in"), "{message}");
    assert!(!message.contains("so do"), "{message}");
    // The relay reads only the account id, and says the same of it.
    let message = RelayConfig::parse(EXAMPLE, Path::new("/etc/handoff/config.toml"), |_| None)
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("platform.account_id: fill in your account id"),
        "{message}"
    );
}

#[test]
fn the_example_config_is_valid_once_filled_in() {
    let text = example_filled_in();
    assert!(
        !text.contains(&format!("{PLACEHOLDER}\"")),
        "every placeholder is filled in"
    );
    let config = parse_with(&text, &[("HANDOFF_CLIENT_SECRET", "x")]).unwrap();
    assert_eq!(config.platform.rate_limit_per_minute, 60);
    assert_eq!(
        config.conversation_statuses,
        ConversationStatus::MOVABLE.to_vec()
    );
}

#[test]
fn numbers_beyond_sane_bounds_name_their_key() {
    let cases = [
        (
            GOOD.replace(
                "[callback]\n",
                "[callback]\nconfirm_within = 18446744073709551615\n",
            ),
            "callback.confirm_within",
            "from 1 to 86400",
        ),
        (
            GOOD.replace(
                "account_id = \"6538f8a3c9cf425ee5cf0a1b\"",
                "account_id = \"6538f8a3c9cf425ee5cf0a1b\"\nrequest_timeout_secs = 100000",
            ),
            "platform.request_timeout_secs",
            "from 1 to 600",
        ),
        (
            GOOD.replace(
                "account_id = \"6538f8a3c9cf425ee5cf0a1b\"",
                "account_id = \"6538f8a3c9cf425ee5cf0a1b\"\nrate_window_secs = 0",
            ),
            "platform.rate_window_secs",
            "from 1 to 3600",
        ),
    ];
    for (text, key, expected) in cases {
        let message = error_text(&text);
        assert!(message.contains(key), "{message}");
        assert!(message.contains(expected), "{message}");
    }
}

#[test]
fn the_bell_is_on_unless_turned_off() {
    let on = parse_with(GOOD, &[("HANDOFF_CLIENT_SECRET", "s3cret")]).unwrap();
    assert!(on.bell);
    let off = parse_with(
        &format!("{GOOD}\n[ui]\nbell = false\n"),
        &[("HANDOFF_CLIENT_SECRET", "s3cret")],
    )
    .unwrap();
    assert!(!off.bell);
    let message = error_text(&format!("{GOOD}\n[ui]\nbel = false\n"));
    assert!(message.contains("bel"), "{message}");
}

#[test]
fn the_mouse_is_on_unless_turned_off() {
    let on = parse_with(GOOD, &[("HANDOFF_CLIENT_SECRET", "s3cret")]).unwrap();
    assert!(on.mouse);
    let off = parse_with(
        &format!("{GOOD}\n[ui]\nmouse = false\n"),
        &[("HANDOFF_CLIENT_SECRET", "s3cret")],
    )
    .unwrap();
    assert!(!off.mouse);
    let message = error_text(&format!("{GOOD}\n[ui]\nmouse = \"yes\"\n"));
    assert!(message.contains("/etc/handoff/config.toml"), "{message}");
    assert!(message.contains("[ui]: mouse: "), "{message}");
    assert!(message.contains("expected a boolean"), "{message}");
}

#[test]
fn floor_thresholds_default_and_are_checked_per_queue() {
    let secret = [("HANDOFF_CLIENT_SECRET", "s3cret")];
    let default = parse_with(GOOD, &secret).unwrap();
    assert_eq!(default.floor, crate::config::FloorThresholds::default());
    let set = parse_with(
        &format!(
            "{GOOD}\n[floor]\nsla_target = 90\nmax_wait_secs = 60\n[floor.queue_max_wait_secs]\n\"qu-vip\" = 20\n"
        ),
        &secret,
    )
    .unwrap();
    assert!((set.floor.sla_target - 90.0).abs() < 1e-9);
    assert_eq!(set.floor.max_wait_in("qu-vip"), Duration::from_secs(20));
    assert_eq!(set.floor.max_wait_in("qu-other"), Duration::from_secs(60));
    for (table, key, expected) in [
        ("sla_target = 0", "floor.sla_target", "from 1 to 100"),
        (
            "max_wait_secs = 5",
            "floor.max_wait_secs",
            "from 10 to 3600",
        ),
        (
            "[floor.queue_max_wait_secs]\n\"a-1abf80c5-5e3c-4d4c-b32c-5f6b9a7d1e11\" = 30",
            "floor.queue_max_wait_secs",
            "not a queue id",
        ),
        (
            "[floor.queue_max_wait_secs]\n\"qu-vip\" = 4000",
            "floor.queue_max_wait_secs",
            "qu-vip: expected seconds from 10 to 3600",
        ),
    ] {
        let message = error_text(&format!("{GOOD}\n[floor]\n{table}\n"));
        assert!(
            message.contains(key) && message.contains(expected),
            "{table}: {message}"
        );
    }
}

#[test]
fn the_reads_share_defaults_to_a_fifth_and_is_checked() {
    let secret = [("HANDOFF_CLIENT_SECRET", "s3cret")];
    let default = parse_with(GOOD, &secret).unwrap();
    assert!((default.reads_share - 0.2).abs() < 1e-9);
    let chosen = parse_with(&format!("{GOOD}\n[reads]\nshare = 0.05\n"), &secret).unwrap();
    assert!((chosen.reads_share - 0.05).abs() < 1e-9);
    for share in ["0.01", "0.6", "nan"] {
        let message = error_text(&format!("{GOOD}\n[reads]\nshare = {share}\n"));
        assert!(
            message.contains("reads.share") && message.contains("from 0.05 to 0.5"),
            "{share}: {message}"
        );
    }
    let message = error_text(&format!("{GOOD}\n[reads]\nshares = 0.2\n"));
    assert!(message.contains("shares"), "{message}");
}

#[test]
fn conversation_statuses_default_to_the_movable_ones_and_are_checked() {
    let secret = [("HANDOFF_CLIENT_SECRET", "s3cret")];
    let default = parse_with(GOOD, &secret).unwrap();
    assert_eq!(
        default.conversation_statuses,
        ConversationStatus::MOVABLE.to_vec()
    );
    let chosen = parse_with(
        &format!("{GOOD}\n[conversations]\nstatuses = [\"open\", \"OVERDUE\", \"OPEN\"]\n"),
        &secret,
    )
    .unwrap();
    assert_eq!(
        chosen.conversation_statuses,
        [ConversationStatus::Open, ConversationStatus::Overdue]
    );
    assert_eq!(default.conversations_refresh, Duration::from_secs(20));
    let every_minute = parse_with(
        &format!("{GOOD}\n[conversations]\nrefresh_secs = 60\n"),
        &secret,
    )
    .unwrap();
    assert_eq!(every_minute.conversations_refresh, Duration::from_secs(60));
    let message = error_text(&format!("{GOOD}\n[conversations]\nrefresh_secs = 1\n"));
    assert!(
        message.contains("conversations.refresh_secs") && message.contains("from 5 to 600"),
        "{message}"
    );
    for (statuses, found) in [
        ("[\"OPEN\", \"WAITING\"]", "\"WAITING\""),
        ("[]", "an empty list"),
    ] {
        let message = error_text(&format!("{GOOD}\n[conversations]\nstatuses = {statuses}\n"));
        assert!(message.contains("/etc/handoff/config.toml"), "{message}");
        assert!(message.contains("conversations.statuses"), "{message}");
        assert!(
            message.contains("ACTIVE, CLOSED, IDLE, OPEN, OVERDUE, TERMINATED"),
            "{message}"
        );
        assert!(message.contains(found), "{message}");
    }
}

fn with_keys(keys: &str) -> String {
    format!("{GOOD}\n{keys}\n")
}

/// The line of `text` that holds `needle`, counted from 1.
fn line_with(text: &str, needle: &str) -> usize {
    text.lines().position(|l| l.contains(needle)).unwrap() + 1
}

#[test]
fn keys_are_kept_as_written_in_the_files_order_with_their_lines() {
    // TOML hands tables back sorted by name; "zzz" comes after "re-route" alphabetically, but
    // first in the file.
    let text = with_keys("[keys]\nzzz = \"x\"\nre-route = [\"r\",\n  \"F6\"]\n");
    let config = parse_with(&text, &[("HANDOFF_CLIENT_SECRET", "x")]).unwrap();
    assert_eq!(config.keys.file, Path::new("/etc/handoff/config.toml"));
    let names: Vec<(&str, usize)> = config
        .keys
        .lines
        .iter()
        .map(|line| (line.name.value.as_str(), line.name.line))
        .collect();
    assert_eq!(
        names,
        [
            ("zzz", line_with(&text, "zzz")),
            ("re-route", line_with(&text, "re-route"))
        ]
    );
    match &config.keys.lines[1].value.value {
        KeyValue::Many(keys) => assert_eq!(
            keys[1],
            Placed {
                line: line_with(&text, "\"F6\"]"),
                value: "F6".to_owned()
            }
        ),
        other => panic!("expected a list of keys, got {other:?}"),
    }
}

#[test]
fn a_key_of_the_wrong_type_is_reported_with_its_line() {
    let text = with_keys("[keys]\nre-route = 5\n");
    let message = error_text(&text);
    assert!(
        message.contains(&format!("line {}", line_with(&text, "= 5"))),
        "{message}"
    );
    assert!(message.contains("a key such as"), "{message}");
}

const TEAM: &str = r#"
[team]
redis_url = "rediss://redis.example.com:6380"
password_env = "HANDOFF_REDIS_PASSWORD"
name = "Priya"
"#;

#[test]
fn a_team_table_loads_with_its_password_from_the_environment() {
    let env = [
        ("HANDOFF_CLIENT_SECRET", "s3cret"),
        ("HANDOFF_REDIS_PASSWORD", "r3dis-pass"),
    ];
    let config = parse_with(&format!("{GOOD}{TEAM}"), &env).unwrap();
    let team = config.team.expect("[team] is read");
    assert_eq!(team.redis_url.as_str(), "rediss://redis.example.com:6380");
    assert_eq!(
        team.password.map(|p| p.expose().to_owned()),
        Some("r3dis-pass".into())
    );
    assert_eq!(team.name, "Priya");
    assert!((team.fallback_share - DEFAULT_FALLBACK_SHARE).abs() < f64::EPSILON);
    assert!(
        parse_with(GOOD, &env).unwrap().team.is_none(),
        "alone without [team]"
    );
}

#[test]
fn each_problem_in_team_names_the_file_the_line_and_the_key() {
    let env = [
        ("HANDOFF_CLIENT_SECRET", "s3cret"),
        ("HANDOFF_REDIS_PASSWORD", "r3dis-pass"),
    ];
    let cases = [
        (
            TEAM.replace("rediss://", "http://"),
            "team.redis_url",
            "redis_url",
        ),
        (
            TEAM.replace("rediss://", "rediss://:hunter22@"),
            "team.redis_url",
            "redis_url",
        ),
        (
            TEAM.replace("HANDOFF_REDIS_PASSWORD", "UNSET_VARIABLE"),
            "team.password_env",
            "password_env",
        ),
        (TEAM.replace("\"Priya\"", "\"  \""), "team.name", "name ="),
        (
            format!("{TEAM}fallback_share = 1.5\n"),
            "team.fallback_share",
            "fallback_share",
        ),
    ];
    for (team, key, line_of) in cases {
        let text = format!("{GOOD}{team}");
        let message = parse_with(&text, &env).unwrap_err().to_string();
        let line = line_with(&text, line_of);
        assert!(message.contains("/etc/handoff/config.toml"), "{message}");
        assert!(
            message.contains(&format!("line {line}: {key}")),
            "{message}"
        );
        assert!(
            !message.contains("hunter22"),
            "a password is never shown: {message}"
        );
    }
}

/// The `[team]` example in config.example.toml, uncommented, loads.
#[test]
fn the_team_example_loads_once_uncommented() {
    let example = include_str!("../../config.example.toml");
    let team = &example[example.find("# [team]").expect("the example has [team]")..];
    let uncommented: String = team
        .lines()
        .filter_map(|line| line.strip_prefix("# "))
        .filter(|line| line.starts_with('[') || line.contains(" = "))
        .map(|line| format!("{line}\n"))
        .collect();
    let env = [
        ("HANDOFF_CLIENT_SECRET", "s3cret"),
        ("HANDOFF_REDIS_PASSWORD", "r3dis-pass"),
    ];
    let config = parse_with(&format!("{GOOD}\n{uncommented}"), &env).unwrap();
    let team = config.team.expect("[team] is read");
    assert_eq!(team.name, "Priya");
    assert!((team.fallback_share - 0.3333).abs() < 1e-9);
}

/// The `[relay]` example, uncommented with `[team]`, loads as the relay's config.
#[test]
fn the_relay_example_loads_once_uncommented() {
    let example = include_str!("../../config.example.toml");
    let from_team = &example[example.find("# [team]").unwrap()..example.find("# [keys]").unwrap()];
    let uncommented: String = from_team
        .lines()
        .filter_map(|line| line.strip_prefix("# "))
        .filter(|line| line.starts_with('[') || line.contains(" = "))
        .map(|line| format!("{line}\n"))
        .collect();
    let text = format!("{GOOD}\n{uncommented}");
    let relay = super::RelayConfig::parse(&text, Path::new("/etc/handoff/config.toml"), |_| {
        Some("r3dis-pass".into())
    })
    .unwrap();
    assert_eq!(relay.listen.to_string(), "127.0.0.1:8790");
    assert_eq!(
        relay.tls.map(|tls| tls.cert),
        Some(std::path::PathBuf::from("/etc/handoff/tls/cert.pem"))
    );
    assert!(relay.holds_auth);
    let console = parse_with(
        &text,
        &[
            ("HANDOFF_CLIENT_SECRET", "s"),
            ("HANDOFF_REDIS_PASSWORD", "p"),
        ],
    );
    assert!(
        console.is_ok(),
        "a console reads the same file: {:?}",
        console.err()
    );
}

#[test]
fn callbacks_via_the_team_need_the_team_and_no_listen() {
    let team = "\n[team]\nredis_url = \"redis://127.0.0.1:6379\"\nname = \"Priya\"\n";
    let via = GOOD.replace("[callback]\n", "[callback]\nvia = \"team\"\n");
    let config = parse_with(&format!("{via}{team}"), &[("HANDOFF_CLIENT_SECRET", "s")]).unwrap();
    assert!(config.callbacks_via_team);
    assert!(
        !parse_with(GOOD, &[("HANDOFF_CLIENT_SECRET", "s")])
            .unwrap()
            .callbacks_via_team
    );
    let cases = [
        (via.clone(), "add [team]"),
        (
            format!(
                "{}{team}",
                via.replace("via = ", "listen = \"127.0.0.1:1\"\nvia = ")
            ),
            "remove listen",
        ),
        (
            GOOD.replace("[callback]\n", "[callback]\nvia = \"relay\"\n"),
            "found \"relay\"",
        ),
    ];
    for (text, words) in cases {
        let error = parse_with(&text, &[("HANDOFF_CLIENT_SECRET", "s")])
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("callback.via") && error.contains(words),
            "{error}"
        );
    }
}

/// Demo mode reads `[keys]` and `[ui]` alone: a file without an account loads, the rest is left
/// unread, and a mistake in those two tables is still named.
#[test]
fn the_console_look_is_read_without_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    assert!(console_look(&path).unwrap().is_none(), "no file");

    std::fs::write(
        &path,
        "[platform]\nhost = 7\n\n[ui]\nmouse = false\n\n[keys.log]\ndetails = \"o\"\n",
    )
    .unwrap();
    let look = console_look(&path).unwrap().expect("a file");
    assert_eq!((look.bell, look.mouse), (None, Some(false)));
    assert_eq!(look.keys.lines.len(), 1);
    assert_eq!(look.keys.file, path);

    std::fs::write(&path, "[ui]\nmouse = false\nbel = true\n").unwrap();
    let error = console_look(&path).unwrap_err().to_string();
    assert!(error.contains("bel"), "{error}");
    assert!(error.contains("line 3"), "{error}");
}
