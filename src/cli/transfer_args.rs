//! What `handoff transfer` takes on the command line, for one conversation or many.

use std::path::PathBuf;

use clap::{ArgGroup, Args};

use super::GlobalArgs;
use super::setup::{Callbacks, Setup, SetupError};

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("sessions").required(true).args(["session", "sessions_file", "from_queue"])))]
#[command(group(ArgGroup::new("target").required(true).args(["agent", "queue", "agents"])))]
pub struct TransferArgs {
    /// The conversation's botSessionId (24 hex characters)
    #[arg(long, value_name = "ID")]
    pub(super) session: Option<String>,
    /// Move many: a file of botSessionIds (or - for stdin), separated by line breaks, spaces or
    /// commas. Each goes once; one this command already moved or sent without a known outcome
    /// (per the audit file, after a crash say), in flight elsewhere, or moved in the last 10
    /// minutes is skipped and listed; one it certainly did not send (stopped, refused with 429)
    /// goes again. Exit 0 all moved (by this run or before), 1 some refused or not sent, 3 some
    /// unknown, 2 bad input and nothing sent
    #[arg(long, value_name = "FILE")]
    pub(super) sessions_file: Option<PathBuf>,
    /// Move many: every conversation waiting in this queue (a roster name or id, or the
    /// queue's name as the platform lists it), longest wait first, as --sessions-file does
    #[arg(long, value_name = "NAME")]
    pub(super) from_queue: Option<String>,
    /// With --from-queue: only the N longest waiting (the rest stay for another run)
    #[arg(long, value_name = "N", requires = "from_queue", value_parser = parse_limit)]
    pub(super) limit: Option<usize>,
    /// The agent: an id (a-…) or a name from the roster
    #[arg(long, value_name = "ID_OR_NAME")]
    pub(super) agent: Option<String>,
    /// The queue: an id (qu-…) or a name from the roster
    #[arg(long, value_name = "ID_OR_NAME")]
    pub(super) queue: Option<String>,
    /// Moving many: spread the conversations over these agents (ids or roster names,
    /// comma-separated), each to the one with the most free chats at that moment
    #[arg(
        long,
        value_name = "A,B,...",
        value_delimiter = ',',
        requires = "sessions_file"
    )]
    pub(super) agents: Vec<String>,
    /// Moving many to --agent or --agents: when the agents' chats are full, send the rest
    /// anyway, spread evenly (without it, the rest are not sent)
    #[arg(long, conflicts_with = "session")]
    pub(super) beyond_capacity: bool,
    /// With [team]: send even when a teammate is moving the conversation or moved it lately
    /// (a first try without this names who, when and where; check the conversation first)
    #[arg(long)]
    pub(super) take_over: bool,
    /// Also send a session moved in the last 10 minutes (a first try without this names when
    /// and where, and exits 2); one in flight elsewhere is never sent
    #[arg(long)]
    pub(super) include_recent: bool,
    /// With [team]: send even when Redis cannot take the claim, so a teammate could be moving
    /// the conversation at the same time (without it, a transfer waits for Redis for the
    /// account's window, then is not sent: exit 1)
    #[arg(long)]
    pub(super) unclaimed: bool,
    /// Words kept with the transfer in the audit file
    #[arg(long, value_name = "TEXT")]
    pub(super) note: Option<String>,
    /// Wait for the platform's callback ([callback] listen must be set), at most SECS seconds
    /// (up to a day) [default: [callback] confirm_within]; then exit 0 confirmed, 1 failed,
    /// 3 unconfirmed or unknown
    #[arg(long, value_name = "SECS", num_args = 0..=1, default_missing_value = "0")]
    pub(super) wait: Option<u64>,
    /// Print one JSON object (one per conversation when moving many) instead of words
    #[arg(long)]
    pub(super) json: bool,
}

impl TransferArgs {
    /// What the run needs, as these arguments ask: its transfers take over a teammate's session
    /// or go unclaimed when told to, and the team's Redis is reported on stderr while it runs.
    pub(super) async fn setup(
        &self,
        global: &GlobalArgs,
        callbacks: Callbacks,
    ) -> Result<Setup, SetupError> {
        let mut setup = Setup::prepare(global, callbacks).await?;
        super::team::report_team(&setup.budget);
        setup.engine = setup
            .engine
            .taking_over(self.take_over)
            .sending_unclaimed(self.unclaimed);
        Ok(setup)
    }
}

/// `--limit`: a whole number of conversations, 1 or more.
fn parse_limit(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(0) => Err(
            "0 would move nothing: give how many of the longest waiting to move, 1 or more".into(),
        ),
        Ok(limit) => Ok(limit),
        Err(_) => Err(format!(
            "{text:?} is not a number of conversations: give a whole number such as 15"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_limit;

    #[test]
    fn a_limit_is_a_whole_number_of_one_or_more_said_in_words_when_not() {
        assert_eq!(parse_limit("15"), Ok(15));
        assert!(
            parse_limit("0")
                .unwrap_err()
                .contains("0 would move nothing")
        );
        for bad in ["", "-3", "fifteen", "1.5"] {
            assert!(
                parse_limit(bad)
                    .unwrap_err()
                    .contains("is not a number of conversations"),
                "{bad}"
            );
        }
    }
}
