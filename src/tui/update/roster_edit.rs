//! Managing the roster from the picker: opening the add/edit form and the confirmation of a
//! delete (`tui::dialog::target_form`, `tui::dialog::confirm_delete`), the favourite mark, and what
//! to show when a save or a reload comes back.

use super::{Effect, Model, RosterSaved};
use crate::ids::TargetKind;
use crate::roster::{Roster, RosterChange};
use crate::tui::dialog::confirm_delete::ConfirmDelete;
use crate::tui::dialog::target_form::TargetForm;
use crate::tui::keys::Action;
use crate::tui::transfer_log::Notice;

/// The picker's keys for the roster: add, edit, delete (each through its dialog) and the
/// favourite mark.
pub(super) fn perform(model: &mut Model, action: Action) -> Option<Effect> {
    let highlighted = model.picker.highlighted(&model.roster).cloned();
    match action {
        Action::AddTarget => {
            let kind = highlighted.map_or(TargetKind::Agent, |t| t.kind);
            model.dialog = Some(Box::new(TargetForm::add(kind)));
            None
        }
        Action::EditTarget => {
            let target = highlighted?;
            model.dialog = Some(Box::new(TargetForm::edit(&target)));
            None
        }
        Action::DeleteTarget => {
            let target = highlighted?;
            model.dialog = Some(Box::new(ConfirmDelete { target }));
            None
        }
        Action::ToggleFavourite => Some(Effect::SaveRoster(RosterChange::ToggleFavourite(
            highlighted?.id,
        ))),
        _ => None,
    }
}

pub(super) fn saved(model: &mut Model, result: Result<RosterSaved, String>) {
    match result {
        Ok(saved) => {
            if saved.merged_hand_edit {
                model.notice(Notice::Warning(
                    "the roster file had been changed outside handoff; your change was applied to it as it is now".into(),
                ));
            }
            model.set_roster(saved.roster);
            if let Some(id) = model.select_after_save.take() {
                // The filter may hide the target just saved; it is shown among all.
                model.picker.reset();
                model.picker.point_at(&model.roster, &id);
            }
            model.notice(Notice::Info(saved.summary));
        }
        Err(problem) => {
            model.select_after_save = None;
            model.notice(Notice::Warning(format!("roster not saved: {problem}")));
        }
    }
}

pub(super) fn reloaded(model: &mut Model, result: Result<(Roster, Vec<String>), String>) {
    match result {
        Ok((roster, warnings)) => {
            model.notice(Notice::Info(format!(
                "the roster file changed on disk; reloaded it ({} agents, {} queues)",
                roster.count(TargetKind::Agent),
                roster.count(TargetKind::Queue)
            )));
            for warning in warnings {
                model.notice(Notice::Warning(warning));
            }
            model.set_roster(roster);
        }
        Err(problem) => model.notice(Notice::Warning(format!(
            "{problem}; the console keeps the roster it had and saves nothing until the file is fixed"
        ))),
    }
}
