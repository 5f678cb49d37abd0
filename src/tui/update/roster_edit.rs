//! Managing the roster from the console: the add/edit form, delete with a confirmation, the
//! favourite mark, and what to show when a save or a reload comes back.

use super::{Effect, Model, RosterSaved};
use crate::ids::TargetKind;
use crate::roster::{Roster, RosterChange};
use crate::tui::form::{Field, TargetForm};
use crate::tui::keys::Action;
use crate::tui::model::Dialog;
use crate::tui::transfer_log::Notice;

pub(super) fn perform(model: &mut Model, action: Action) -> Option<Effect> {
    let highlighted = model.picker.highlighted(&model.roster).cloned();
    match (action, &mut model.dialog) {
        (Action::AddTarget, None) => {
            let kind = highlighted.map_or(TargetKind::Agent, |t| t.kind);
            model.dialog = Some(Dialog::EditTarget(TargetForm::add(kind)));
            None
        }
        (Action::EditTarget, None) => {
            let target = highlighted?;
            model.dialog = Some(Dialog::EditTarget(TargetForm::edit(&target)));
            None
        }
        (Action::DeleteTarget, None) => {
            model.dialog = Some(Dialog::ConfirmDelete(highlighted?));
            None
        }
        (Action::DeleteTarget, Some(Dialog::ConfirmDelete(target))) => {
            let id = target.id.clone();
            model.dialog = None;
            Some(Effect::SaveRoster(RosterChange::Remove(id)))
        }
        (Action::ToggleFavourite, None) => Some(Effect::SaveRoster(RosterChange::ToggleFavourite(
            highlighted?.id,
        ))),
        (Action::NextField | Action::PreviousField, Some(Dialog::EditTarget(form))) => {
            form.move_focus(action == Action::NextField);
            None
        }
        (Action::ToggleKind, Some(Dialog::EditTarget(form))) => {
            form.toggle_kind();
            None
        }
        (Action::SaveTarget, Some(Dialog::EditTarget(form))) => {
            let submission = form.submit(&model.roster)?;
            model.dialog = None;
            model.select_after_save = Some(submission.target.id.trim().to_owned());
            let change = match submission.editing {
                Some(id) => RosterChange::Replace {
                    id,
                    target: submission.target,
                    shape: submission.shape,
                },
                None => RosterChange::Add(submission.target, submission.shape),
            };
            Some(Effect::SaveRoster(change))
        }
        _ => None,
    }
}

/// Space on the form's kind field switches agent and queue, like a checkbox.
pub(super) fn space_on_kind(model: &mut Model) {
    if let Some(Dialog::EditTarget(form)) = &mut model.dialog
        && form.focus == Field::Kind
    {
        form.toggle_kind();
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
