//! Clicks and the wheel, driven by messages alone. Where a test asks what is on screen it draws
//! the model on a test terminal of the same size, so the mouse is checked against what was drawn.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

use crate::demo;
use crate::tui::clock::test_clock;
use crate::tui::dialog::confirm::Confirm;
use crate::tui::dialog::help::Help;
use crate::tui::effect::Effect;
use crate::tui::layout::Panes;
use crate::tui::model::{Focus, Model};
use crate::tui::theme::Theme;
use crate::tui::transfer_log::{EntryKind, Notice};
use crate::tui::update::{Msg, update};
use crate::tui::view::{self, view};

const WIDTH: u16 = 100;
const HEIGHT: u16 = 40;
const SESSION: &str = "6538f8a3c9cf425ee5cf0a1b";

/// The demo roster on a terminal of WIDTH × HEIGHT, which the model has been told.
fn model() -> Model {
    model_sized(WIDTH, HEIGHT)
}

fn model_sized(width: u16, height: u16) -> Model {
    let mut model = Model::new(demo::roster(), "test".into(), Vec::new(), test_clock());
    update(&mut model, Msg::Resized { width, height });
    model
}

/// The model with 30 one-line notices in the log, "notice 00" to "notice 29"; `long` is one of
/// several lines instead.
fn model_with_notices(long: Option<usize>) -> Model {
    with_notices(model(), long)
}

fn with_notices(mut model: Model, long: Option<usize>) -> Model {
    for n in 0..30 {
        let mut text = format!("notice {n:02}");
        if long == Some(n) {
            text.push_str(&" and more words to wrap".repeat(8));
        }
        model.notice(Notice::Info(text));
    }
    model
}

fn key(model: &mut Model, code: KeyCode) -> Option<Effect> {
    update(model, Msg::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn mouse(model: &mut Model, kind: MouseEventKind, column: u16, row: u16) -> Option<Effect> {
    update(
        model,
        Msg::Mouse(MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }),
    )
}

fn click(model: &mut Model, column: u16, row: u16) -> Option<Effect> {
    mouse(model, MouseEventKind::Down(MouseButton::Left), column, row)
}

/// The screen as drawn on a terminal of the size the model was told, one string per row.
fn rows(model: &Model) -> Vec<String> {
    let Rect { width, height, .. } = model.screen;
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| view(model, &Theme::monochrome(), frame))
        .unwrap();
    let buffer = terminal.backend().buffer();
    (0..height)
        .map(|y| (0..width).map(|x| buffer[(x, y)].symbol()).collect())
        .collect()
}

/// The first row within `area` whose text contains `needle`.
fn row_showing(rows: &[String], area: Rect, needle: &str) -> u16 {
    (area.y..area.bottom())
        .find(|&y| rows[usize::from(y)].contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} is not drawn in {area:?}:\n{}", rows.join("\n")))
}

fn highlighted_notice(model: &Model) -> String {
    match &model.highlighted_entry().unwrap().kind {
        EntryKind::Notice(Notice::Info(text)) => text.clone(),
        other => panic!("expected a notice, got {other:?}"),
    }
}

fn panes(model: &Model) -> Panes {
    model.panes().unwrap()
}

/// Where the log's entries are drawn.
fn log_entries(model: &Model) -> Rect {
    view::log_entries_area(model, panes(model).log)
}

/// How many entries are below the log's last line: how far it is scrolled back.
fn newer_below(model: &Model) -> usize {
    let area = log_entries(model);
    let filter = model.log_filter();
    model
        .log
        .window(
            usize::from(area.height),
            |entry| view::log_entry_height(&model.ledger, model.clock, entry, area.width),
            |entry| filter.lets_through(entry),
        )
        .newer_below
}

#[test]
fn a_click_on_a_picker_row_focuses_the_picker_and_highlights_that_target() {
    // The picker above the log, and beside it on a wide terminal.
    for (width, height) in [(WIDTH, HEIGHT), (180, 24)] {
        let mut model = model_sized(width, height);
        let list = panes(&model).picker_list;
        let rows_shown = usize::from(list.height);
        key(&mut model, KeyCode::Tab);
        for _ in 0..rows_shown + 5 {
            key(&mut model, KeyCode::Down);
        }
        // Focus elsewhere, the list scrolled so that the highlight is on its last row.
        key(&mut model, KeyCode::Tab);
        assert_eq!(model.focus, Focus::Log);
        let first_shown = 6;
        assert_eq!(model.picker.first_shown(rows_shown), first_shown);
        let third = list.y + 2;
        let before = rows(&model);
        let target = model
            .roster
            .targets()
            .iter()
            .find(|t| before[usize::from(third)].contains(&t.short_id()))
            .expect("a target on the third row")
            .clone();

        assert!(click(&mut model, list.x + 20, third).is_none());

        assert_eq!(model.focus, Focus::Picker);
        assert_eq!(model.picker.highlighted(&model.roster), Some(&target));
        assert_eq!(
            model.picker.selected(),
            first_shown + 2,
            "the scroll counts"
        );
        let after = rows(&model);
        let row = &after[usize::from(third)];
        assert!(
            row.contains("▶ ") && row.contains(&target.short_id()),
            "{width}×{height}: the highlight is on the row clicked, which did not move: {row}"
        );
    }
}

#[test]
fn a_click_below_the_last_target_or_on_the_filter_only_focuses_the_picker() {
    let mut model = model();
    key(&mut model, KeyCode::Tab);
    for c in "dana".chars() {
        key(&mut model, KeyCode::Char(c));
    }
    key(&mut model, KeyCode::Tab);
    let chosen = model.picker.selected();
    let list = panes(&model).picker_list;
    click(&mut model, list.x + 5, list.bottom() - 1);
    assert_eq!(model.focus, Focus::Picker);
    assert_eq!(model.picker.selected(), chosen);
    key(&mut model, KeyCode::Tab);
    click(&mut model, list.x + 5, list.y - 1);
    assert_eq!(model.focus, Focus::Picker);
    assert_eq!(model.picker.selected(), chosen);
}

#[test]
fn a_click_on_a_log_entry_highlights_it_where_it_is() {
    for (width, height) in [(WIDTH, HEIGHT), (180, 24)] {
        // Notice 27 takes several lines, so entries and rows do not line up one to one.
        let mut model = with_notices(model_sized(width, height), Some(27));
        let lines = log_entries(&model);
        let before = rows(&model);

        click(
            &mut model,
            lines.x + 3,
            row_showing(&before, lines, "notice 24"),
        );
        assert_eq!(model.focus, Focus::Log);
        assert_eq!(highlighted_notice(&model), "notice 24");
        assert_eq!(newer_below(&model), 0, "the log did not move");
        let entries =
            |rows: &[String]| rows[usize::from(lines.y)..usize::from(lines.bottom())].to_vec();
        assert_eq!(entries(&rows(&model)), entries(&before), "no entry moved");

        // The last line of the long notice is still that notice.
        let first_line = row_showing(&before, lines, "notice 27");
        let last_line = row_showing(&before, lines, "notice 28") - 1;
        assert!(last_line > first_line, "{width}×{height}: it wraps");
        click(&mut model, lines.right() - 2, last_line);
        assert!(highlighted_notice(&model).starts_with("notice 27"));
        assert_eq!(newer_below(&model), 0);
    }
}

#[test]
fn a_click_on_the_session_pane_focuses_it_and_the_bars_do_nothing() {
    let mut model = model();
    key(&mut model, KeyCode::Tab);
    let panes = panes(&model);
    click(&mut model, 0, panes.title.y);
    click(&mut model, 0, panes.hints.y);
    assert_eq!(model.focus, Focus::Picker);
    click(&mut model, panes.session.x + 4, panes.session.y + 1);
    assert_eq!(model.focus, Focus::Session);
}

/// Stacked panes share a border line, which carries the lower pane's title: a click there is
/// on that pane.
#[test]
fn a_click_on_a_shared_border_is_on_the_pane_whose_title_it_carries() {
    let mut model = model();
    let panes = panes(&model);
    assert_eq!(panes.session.bottom() - 1, panes.picker.y, "{panes:?}");
    assert!(rows(&model)[usize::from(panes.picker.y)].contains("Target"));
    click(&mut model, panes.picker.x + 4, panes.picker.y);
    assert_eq!(model.focus, Focus::Picker);
    assert_eq!(panes.picker.bottom() - 1, panes.log.y, "{panes:?}");
    click(&mut model, panes.log.x + 4, panes.log.y);
    assert_eq!(model.focus, Focus::Log);
}

#[test]
fn the_wheel_scrolls_the_pane_under_the_pointer_and_leaves_the_focus() {
    let mut model = model_with_notices(None);
    let panes = panes(&model);
    let (lines, list) = (log_entries(&model), panes.picker_list);

    mouse(&mut model, MouseEventKind::ScrollUp, lines.x + 5, lines.y);
    assert_eq!(model.focus, Focus::Session);
    assert_eq!(newer_below(&model), 1);
    let screen = rows(&model);
    assert!(
        screen[usize::from(panes.log.y)].contains("Log · 1 newer below: End"),
        "{}",
        screen.join("\n")
    );
    assert!(screen[usize::from(lines.bottom() - 1)].contains("notice 28"));
    // The highlight is taken along: it never hides below the pane.
    assert_eq!(highlighted_notice(&model), "notice 28");
    mouse(&mut model, MouseEventKind::ScrollDown, lines.x + 5, lines.y);
    mouse(&mut model, MouseEventKind::ScrollDown, lines.x + 5, lines.y);
    assert_eq!(newer_below(&model), 0);

    let first_row = rows(&model)[usize::from(list.y)].clone();
    mouse(&mut model, MouseEventKind::ScrollDown, list.x + 5, list.y);
    assert_eq!(model.focus, Focus::Session);
    assert_eq!(model.picker.first_shown(usize::from(list.height)), 3);
    assert_eq!(model.picker.selected(), 3, "the highlight is taken along");
    assert_ne!(rows(&model)[usize::from(list.y)], first_row);
    mouse(&mut model, MouseEventKind::ScrollUp, list.x + 5, list.y);
    assert_eq!(model.picker.first_shown(usize::from(list.height)), 0);
    assert_eq!(model.picker.selected(), 3, "still shown, so it stays");
}

#[test]
fn the_wheel_scrolls_the_help_wherever_the_pointer_is() {
    let mut model = model();
    key(&mut model, KeyCode::F(1));
    mouse(&mut model, MouseEventKind::ScrollDown, 0, 0);
    assert_eq!(model.showing::<Help>().map(|help| help.scroll), Some(3));
    for _ in 0..5 {
        mouse(&mut model, MouseEventKind::ScrollUp, WIDTH / 2, HEIGHT / 2);
    }
    assert_eq!(model.showing::<Help>().map(|help| help.scroll), Some(0));
    assert_eq!(newer_below(&model), 0, "nothing behind it moved");
}

#[test]
fn with_a_dialog_open_no_click_anywhere_changes_anything() {
    let mut model = model();
    update(&mut model, Msg::Paste(SESSION.into()));
    key(&mut model, KeyCode::Enter);
    key(&mut model, KeyCode::Down);
    key(&mut model, KeyCode::Enter);
    let dialog = model.showing::<Confirm>().cloned();
    assert!(dialog.is_some(), "{:?}", model.dialog);
    let (focus, selected) = (model.focus, model.picker.selected());
    let screen = rows(&model);
    for row in 0..HEIGHT {
        for column in 0..WIDTH {
            for kind in [
                MouseEventKind::Down(MouseButton::Left),
                MouseEventKind::ScrollDown,
            ] {
                assert!(mouse(&mut model, kind, column, row).is_none());
            }
        }
    }
    assert_eq!(model.showing::<Confirm>(), dialog.as_ref());
    assert_eq!((model.focus, model.picker.selected()), (focus, selected));
    assert_eq!(rows(&model), screen);
}

#[test]
fn clicks_anywhere_on_any_size_of_terminal_never_panic() {
    for (width, height) in [(0, 0), (1, 1), (59, 40), (60, 15), (100, 30), (200, 60)] {
        let mut model = model_with_notices(Some(3));
        update(&mut model, Msg::Resized { width, height });
        for (column, row) in [(0, 0), (width / 2, height / 2), (width, height)]
            .into_iter()
            .chain([
                (u16::MAX, u16::MAX),
                (width.saturating_sub(1), height.saturating_sub(1)),
            ])
        {
            for kind in [
                MouseEventKind::Down(MouseButton::Left),
                MouseEventKind::ScrollUp,
                MouseEventKind::ScrollDown,
                MouseEventKind::Drag(MouseButton::Left),
                MouseEventKind::Moved,
            ] {
                assert!(mouse(&mut model, kind, column, row).is_none());
            }
        }
    }
}

#[test]
fn a_click_on_a_conversation_highlights_it_and_the_wheel_moves_down_the_list() {
    use crate::platform::ConversationList;
    use crate::tui::conversations::tests::waiting;
    for (width, height) in [(80, 24), (WIDTH, HEIGHT)] {
        let mut model = model_sized(width, height);
        let conversations = (1..=12).map(|n| waiting(n, "Tech", 1000 - u64::from(n), None));
        let list = ConversationList {
            conversations: conversations.collect(),
            notes: Vec::new(),
        };
        update(&mut model, Msg::Conversations(Ok(list), None));
        key(&mut model, KeyCode::Tab);
        let list_rows = panes(&model).conversations;
        let row = row_showing(&rows(&model), list_rows, "…000002");
        click(&mut model, list_rows.x + 5, row);
        assert_eq!(model.focus, Focus::Session, "{width}×{height}");
        let highlighted = |model: &Model| {
            model
                .conversations
                .highlighted(model.session.value())
                .map(|c| c.session.as_str()[18..].to_owned())
        };
        assert_eq!(highlighted(&model).as_deref(), Some("000002"));
        mouse(&mut model, MouseEventKind::ScrollDown, list_rows.x + 5, row);
        assert_eq!(highlighted(&model).as_deref(), Some("000003"));
        // A click below the last row shown (on the pane's border) highlights nothing new.
        click(&mut model, list_rows.x + 5, list_rows.bottom());
        assert_eq!(highlighted(&model).as_deref(), Some("000003"));
    }
}
