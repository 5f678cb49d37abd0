//! Teammates' transfers in the log (team mode): the steps the team's activity stream brings,
//! and `t`, which shows or hides them beside this console's own.

use crate::team::TeamStep;
use crate::transfer::teammates;
use crate::tui::model::Model;

/// Folds steps in: a new transfer gets its line (hidden until `t`), a later step changes the
/// line of the transfer it belongs to. A step seen twice (published again after Redis dropped
/// the connection) changes nothing.
pub(super) fn fold_in(model: &mut Model, steps: &[TeamStep]) {
    for step in steps {
        let started = teammates::fold(step, |id| model.log.teammate_mut(id));
        if let Some(transfer) = started
            && model.log.teammate_mut(transfer.record.id()).is_none()
        {
            model.show_teammate(transfer);
        }
    }
}

pub(super) fn toggle(model: &mut Model) {
    match &mut model.teammates {
        Some(shown) => *shown = !*shown,
        None => model.tell(
            "teammates' transfers show in team mode: add [team] to the config (docs/team.md)"
                .into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use serde_json::json;

    use super::*;
    use crate::demo;
    use crate::team::TeamStep;
    use crate::transfer::TransferState;
    use crate::tui::clock::test_clock;
    use crate::tui::model::Focus;
    use crate::tui::transfer_log::Notice;
    use crate::tui::transfer_log::{EntryKind, LOG_CAPACITY};
    use crate::tui::update::{Msg, update};

    const TRANSFER: &str = "7d1f5c7e-8a3e-4f7a-9a52-2a0c2f0b6d11";

    fn team_model() -> Model {
        let mut model = Model::new(demo::roster(), "test".into(), Vec::new(), test_clock());
        model.teammates = Some(false);
        model
    }

    fn step(id: &str, line: serde_json::Value) -> TeamStep {
        TeamStep {
            id: id.into(),
            by: "Priya".into(),
            console: "priya-1".into(),
            line,
        }
    }

    fn intent() -> TeamStep {
        step(
            "1-0",
            json!({
                "at": "2026-11-25T10:00:00Z", "transfer": TRANSFER, "event": "intent",
                "session": "6538f8a3c9cf425ee5cf0a1b", "target_kind": "queue",
                "target_id": "q-billing", "target_name": "Billing", "awaits_callback": true
            }),
        )
    }

    fn accepted() -> TeamStep {
        step(
            "2-0",
            json!({
                "at": "2026-11-25T10:00:01Z", "transfer": TRANSFER, "event": "outcome",
                "outcome": "transferred"
            }),
        )
    }

    fn teammate_states(model: &Model) -> Vec<(String, TransferState)> {
        model
            .log
            .entries()
            .filter_map(|entry| match &entry.kind {
                EntryKind::Teammate(t) => Some((t.by.clone(), t.record.state())),
                _ => None,
            })
            .collect()
    }

    fn shown_teammates(model: &Model) -> usize {
        let filter = model.log_filter();
        model
            .log
            .shown(|entry| filter.lets_through(entry))
            .filter(|entry| matches!(entry.kind, EntryKind::Teammate(_)))
            .count()
    }

    fn press_t(model: &mut Model) {
        model.focus = Focus::Log;
        update(
            model,
            Msg::Key(KeyEvent::new(KeyCode::Char('t'), KeyModifiers::NONE)),
        );
    }

    #[test]
    fn a_teammates_steps_make_one_line_that_t_shows_and_hides() {
        let mut model = team_model();
        update(&mut model, Msg::TeamActivity(vec![intent()]));
        // The same intent again (a retry after Redis dropped the connection) adds nothing.
        update(&mut model, Msg::TeamActivity(vec![intent(), accepted()]));
        assert_eq!(
            teammate_states(&model),
            [(
                "Priya".to_owned(),
                TransferState::Accepted {
                    awaiting_callback: true
                }
            )]
        );
        assert_eq!(shown_teammates(&model), 0, "hidden until asked for");
        press_t(&mut model);
        assert_eq!(model.teammates, Some(true));
        assert_eq!(shown_teammates(&model), 1);
        // The log's filter finds it by the teammate's name.
        let filter_by = |model: &mut Model, text: &str| {
            model.log_query.clear();
            model.log_query.paste(text);
        };
        filter_by(&mut model, "priya billing");
        assert_eq!(shown_teammates(&model), 1);
        filter_by(&mut model, "marcus");
        assert_eq!(shown_teammates(&model), 0);
        filter_by(&mut model, "");
        press_t(&mut model);
        assert_eq!(shown_teammates(&model), 0);
    }

    /// A callback about a teammate's transfer (the audit file read again holds nothing of it)
    /// is theirs: said in the log, never recorded here as matching nothing.
    #[test]
    fn a_callback_about_a_teammates_transfer_is_theirs_not_unmatched() {
        use crate::callback::{CallbackEvent, Received};
        use crate::tui::effect::Effect;

        let mut model = team_model();
        update(&mut model, Msg::TeamActivity(vec![intent(), accepted()]));
        let callback = Received::of(json!({
            "botSessionId": "6538f8a3c9cf425ee5cf0a1b", "status": "success"
        }));
        let effect = update(&mut model, Msg::Callback(CallbackEvent::Received(callback)));
        let Some(Effect::LookFurther(callback)) = effect else {
            panic!("expected a second look in the audit file first, got {effect:?}");
        };
        let effect = update(
            &mut model,
            Msg::LookedFurther {
                records: Vec::new(),
                callback,
            },
        );
        assert!(effect.is_none(), "nothing recorded here: {effect:?}");
        let last = model.log.entries().last().expect("a notice");
        assert!(
            matches!(&last.kind, EntryKind::Notice(Notice::Info(text)) if text.contains("Priya's transfer")),
            "{last:?}"
        );
        assert_eq!(
            teammate_states(&model),
            [(
                "Priya".to_owned(),
                TransferState::Accepted {
                    awaiting_callback: true
                }
            )],
            "their transfer is theirs to settle"
        );
    }

    #[test]
    fn without_a_team_t_says_what_it_needs() {
        let mut model = Model::new(demo::roster(), "test".into(), Vec::new(), test_clock());
        press_t(&mut model);
        assert_eq!(model.teammates, None);
        assert!(!model.offers(crate::tui::keys::Action::ShowTeammates));
        let last = model.log.entries().last().expect("a notice");
        assert!(
            matches!(&last.kind, EntryKind::Notice(Notice::Info(text)) if text.contains("[team]")),
            "{last:?}"
        );
    }

    #[test]
    fn a_busy_team_never_pushes_this_consoles_own_lines_out() {
        let mut model = team_model();
        model.notice(Notice::Info("mine".into()));
        let steps: Vec<TeamStep> = (0..LOG_CAPACITY + 50)
            .map(|n| {
                let mut intent = intent();
                intent.line["transfer"] = json!(format!("7d1f5c7e-8a3e-4f7a-9a52-{n:012x}"));
                intent
            })
            .collect();
        update(&mut model, Msg::TeamActivity(steps));
        assert_eq!(model.log.entries().len(), LOG_CAPACITY);
        assert!(
            model
                .log
                .entries()
                .any(|e| matches!(&e.kind, EntryKind::Notice(Notice::Info(t)) if t == "mine"))
        );
    }
}
