//! What a command line run says about the team's Redis: when it has to count alone, and when it
//! is back on the team's budget.

use crate::budget::RateBudget;
use crate::team::{Health, Team};

use super::output::err;

/// Says on stderr, for as long as the run lasts, each time the team's Redis goes away (or for
/// another reason) or comes back. Nothing is said without `[team]`, nor while all is well.
pub(super) fn report_team(budget: &RateBudget) {
    let mut changes = budget.watch();
    if changes.borrow().team().is_none() {
        return;
    }
    tokio::spawn(async move {
        let mut away: Option<String> = None;
        while changes.changed().await.is_ok() {
            let snapshot = changes.borrow_and_update().clone();
            match snapshot.team() {
                Some(Health::Away(reason)) if away.as_ref() != Some(reason) => {
                    away = Some(reason.clone());
                    err!(
                        "team: {reason}; counting alone on a share of {} calls per {} s until it answers again",
                        snapshot.limit(),
                        snapshot.window().as_secs()
                    );
                }
                Some(Health::Joined) if away.is_some() => {
                    away = None;
                    err!("team: Redis answers again; back on the team's budget");
                }
                _ => {}
            }
        }
    });
}

/// Before a run ends: its last steps go to the team's activity stream (a moment at most), and
/// stderr says if some could not.
pub(super) async fn publish_before_exit(team: Option<&Team>) {
    let Some(team) = team else {
        return;
    };
    if let Some(words) = team.flush_activity().await {
        err!("note: {words}");
    }
}
