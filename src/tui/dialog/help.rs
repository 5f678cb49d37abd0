//! The help screen: every key of the key map, those that work where the supervisor was first,
//! narrowed by a filter typed into it, laid out in lines for the screen. Scrolling and drawing
//! read the same page, so they agree on what a page is. Where in the list the screen is, and how
//! to leave, are said in its frame; the hint bar below lists all of help's own keys.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Margin, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use unicode_width::UnicodeWidthStr;

use super::frame::{edit_field, open};
use crate::tui::effect::Effect;
use crate::tui::input::TextInput;
use crate::tui::keys::{Action, Binding, Context, KeyMap, help_sections, layers};
use crate::tui::model::{Dialog, DialogInput, Model};
use crate::tui::text::wrap;
use crate::tui::theme::Theme;

/// Every key, those of `from` (where the supervisor was) first, narrowed by `filter`; `scroll`
/// is the first line shown. Opened over a dialog, it holds that dialog and gives it back when
/// it closes.
#[derive(Debug)]
pub struct Help {
    pub from: Context,
    pub filter: TextInput,
    pub scroll: usize,
    under: Option<Box<dyn Dialog>>,
}

/// Two helps are alike when they show the same, over a dialog of the same part.
impl PartialEq for Help {
    fn eq(&self, other: &Self) -> bool {
        let under = |help: &Self| help.under.as_ref().map(|dialog| dialog.context());
        self.from == other.from
            && self.filter == other.filter
            && self.scroll == other.scroll
            && under(self) == under(other)
    }
}

impl Help {
    /// Help opened from `from`, a pane, unfiltered, at its top.
    pub fn new(from: Context) -> Self {
        Self {
            from,
            filter: TextInput::default(),
            scroll: 0,
            under: None,
        }
    }

    /// Help opened over `dialog`, its keys first; closing it goes back to the dialog.
    pub fn over(dialog: Box<dyn Dialog>) -> Self {
        let from = dialog.context();
        Self {
            under: Some(dialog),
            ..Self::new(from)
        }
    }

    /// Closes help: back to the dialog it was opened over, if any.
    fn close(self, model: &mut Model) -> Option<Effect> {
        model.dialog = self.under;
        None
    }

    /// Moves the list by the lines `lines` gives for its page (negative: up), never past its last
    /// page.
    fn scroll(&mut self, model: &Model, lines: impl FnOnce(&Page) -> isize) {
        let page = page(&model.keys, self.from, self.filter.value(), model.screen);
        self.scroll = self
            .scroll
            .saturating_add_signed(lines(&page))
            .min(page.max_scroll());
    }
}

impl Dialog for Help {
    fn context(&self) -> Context {
        Context::Help
    }

    fn handle(mut self: Box<Self>, model: &mut Model, input: DialogInput) -> Option<Effect> {
        match input {
            DialogInput::Action(Action::Close) => return self.close(model),
            // Esc clears the filter first, so a second Esc is needed to close.
            DialogInput::Action(Action::BackOut) if self.filter.is_empty() => {
                return self.close(model);
            }
            DialogInput::Action(Action::BackOut) => {
                self.filter.clear();
                self.scroll = 0;
            }
            DialogInput::Action(
                action @ (Action::Up
                | Action::Down
                | Action::PageUp
                | Action::PageDown
                | Action::Top
                | Action::Bottom),
            ) => self.scroll(model, |page| {
                let step = isize::try_from(page.step()).unwrap_or(isize::MAX);
                match action {
                    Action::Up => -1,
                    Action::Down => 1,
                    Action::PageUp => -step,
                    Action::PageDown => step,
                    Action::Top => isize::MIN,
                    _ => isize::MAX,
                }
            }),
            DialogInput::Wheel(lines) => self.scroll(model, |_| isize::from(lines)),
            _ => {
                // A new filter starts the list from its top.
                if edit_field(&mut self.filter, input) == Some(true) {
                    self.scroll = 0;
                }
            }
        }
        model.keep_open(self)
    }

    fn draw(&self, model: &Model, theme: &Theme, area: Rect, frame: &mut Frame) {
        let Self {
            from,
            filter,
            scroll,
            ..
        } = self;
        let page = page(&model.keys, *from, filter.value(), area);
        let dialog = dialog_area(area);
        let areas = areas(dialog);
        let first = (*scroll).min(page.max_scroll());
        let last = page.lines.len().min(first + page.height);
        let close = model.keys.key_label(self.context(), Action::BackOut);
        let title = format!("Help: type to filter; {close} clears, then closes");
        open(&title, dialog, theme, frame);
        let position = if page.lines.is_empty() {
            " no match ".to_owned()
        } else {
            format!(" {}–{last} of {} ", first + 1, page.lines.len())
        };
        let bottom = Rect {
            y: dialog.bottom().saturating_sub(1),
            height: 1,
            ..dialog
        };
        frame.render_widget(
            Line::styled(position, theme.title).right_aligned(),
            bottom.inner(Margin::new(1, 0)),
        );

        let typed = if filter.is_empty() {
            Span::styled(
                "type to filter by key, words or part of the console",
                theme.dim,
            )
        } else {
            Span::raw(filter.value().to_owned())
        };
        frame.render_widget(
            Line::from(vec![Span::styled(PROMPT, theme.key), typed]),
            areas.filter,
        );
        let before = PROMPT.width() + filter.before_cursor().width();
        let x = areas.filter.x
            + u16::try_from(before)
                .unwrap_or(u16::MAX)
                .min(areas.filter.width.saturating_sub(1));
        frame.set_cursor_position(Position::new(x, areas.filter.y));

        if page.lines.is_empty() {
            frame.render_widget(
                Paragraph::new(format!(
                    "No key matches {:?}. {close} clears the filter.",
                    filter.value()
                ))
                .style(theme.dim),
                areas.list,
            );
        } else {
            let lines: Vec<Line> = page.lines[first..last]
                .iter()
                .map(|line| match line {
                    HelpLine::Title { title, here } => {
                        let mut spans = vec![Span::styled(*title, theme.title)];
                        if *here {
                            spans.push(Span::styled(" · where you are", theme.dim));
                        }
                        Line::from(spans)
                    }
                    HelpLine::Row { keys, description } => {
                        let pad = page.key_width.saturating_sub(keys.width());
                        Line::from(vec![
                            Span::raw(" ".repeat(INDENT)),
                            Span::styled(format!("{keys}{}", " ".repeat(pad)), theme.key),
                            Span::raw(" ".repeat(GAP)),
                            Span::raw(description.clone()),
                        ])
                    }
                    HelpLine::Blank => Line::raw(""),
                })
                .collect();
            frame.render_widget(Paragraph::new(lines), areas.list);
        }
    }
}

/// Before the filter typed into help.
const PROMPT: &str = "/ ";

/// Wider than this, rows are hard to follow from key to words.
const MAX_WIDTH: u16 = 100;
/// Room before each row's keys, and between its keys and its words.
const INDENT: usize = 2;
const GAP: usize = 2;

#[derive(Debug, Clone, PartialEq)]
pub enum HelpLine {
    /// A part of the console, e.g. "Target picker"; `here` marks where help was opened.
    Title {
        title: &'static str,
        here: bool,
    },
    /// One binding, or the continuation of one too long for a line.
    Row {
        keys: String,
        description: String,
    },
    Blank,
}

/// The help's lines for one screen, and how many of them fit at once.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub lines: Vec<HelpLine>,
    /// Lines of the list on screen at once.
    pub height: usize,
    /// Columns of the keys column.
    pub key_width: usize,
}

impl Page {
    /// The furthest the list scrolls: its last line at the bottom.
    pub fn max_scroll(&self) -> usize {
        self.lines.len().saturating_sub(self.height)
    }

    /// How far PgUp and PgDn move: a page, keeping one line in view.
    pub fn step(&self) -> usize {
        self.height.saturating_sub(1).max(1)
    }
}

/// The dialog's place: the screen between the title bar and the hint bar (which shows help's
/// own keys while it is open), up to a readable width.
fn dialog_area(screen: Rect) -> Rect {
    let width = screen.width.min(MAX_WIDTH);
    let top = screen.height.min(1);
    Rect {
        x: screen.x + (screen.width - width) / 2,
        y: screen.y + top,
        width,
        height: screen.height.saturating_sub(2),
    }
}

/// Inside the dialog's border: the filter on the first row, the list below it.
struct Areas {
    filter: Rect,
    list: Rect,
}

fn areas(dialog: Rect) -> Areas {
    let inner = Rect {
        x: dialog.x.saturating_add(1),
        y: dialog.y.saturating_add(1),
        width: dialog.width.saturating_sub(2),
        height: dialog.height.saturating_sub(2),
    };
    let [filter, list] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    Areas { filter, list }
}

/// Until the terminal says its size, help is laid out for the smallest common one.
const ASSUMED_SCREEN: Rect = Rect::new(0, 0, 80, 24);

/// The help opened from `from`, narrowed to what matches `filter` (in a key, in the words, or
/// in a section's title), laid out for a screen of `screen`.
pub fn page(keys: &KeyMap, from: Context, filter: &str, screen: Rect) -> Page {
    let screen = if screen.is_empty() {
        ASSUMED_SCREEN
    } else {
        screen
    };
    let list = areas(dialog_area(screen)).list;
    let width = usize::from(list.width);
    let widest = help_sections(from)
        .into_iter()
        .flat_map(|context| keys.bindings(context))
        .map(|b| b.keys_label().width())
        .max()
        .unwrap_or(0);
    let key_width = widest.min(width / 3).max(1);
    let description_width = width.saturating_sub(INDENT + key_width + GAP).max(1);
    let query = filter.trim().to_lowercase();
    let mut lines = Vec::new();
    for context in help_sections(from) {
        let whole_section = context.title().to_lowercase().contains(&query);
        let rows: Vec<(String, String)> = keys
            .bindings(context)
            .iter()
            .map(|binding| {
                (
                    binding.keys_label(),
                    described(keys, from, context, binding),
                )
            })
            .filter(|(label, description)| {
                whole_section
                    || label.to_lowercase().contains(&query)
                    || description.to_lowercase().contains(&query)
            })
            .collect();
        if rows.is_empty() {
            continue;
        }
        if !lines.is_empty() {
            lines.push(HelpLine::Blank);
        }
        lines.push(HelpLine::Title {
            title: context.title(),
            here: context == from,
        });
        for (label, description) in rows {
            let labels = wrap_label(&label, key_width);
            let words = wrap(&description, description_width);
            for n in 0..labels.len().max(words.len()) {
                lines.push(HelpLine::Row {
                    keys: labels.get(n).cloned().unwrap_or_default(),
                    description: words.get(n).cloned().unwrap_or_default(),
                });
            }
        }
    }
    Page {
        lines,
        height: usize::from(list.height),
        key_width,
    }
}

/// A binding's words, and, for the editing and global keys listed under where help was opened,
/// which of its keys do something else there: "start of field (here Ctrl-a is add)", when
/// `[keys]` binds the picker's old Ctrl-a back.
fn described(keys: &KeyMap, from: Context, context: Context, binding: &Binding) -> String {
    let beneath = context != from && layers(from).contains(&context);
    let taken: Vec<String> = binding
        .keys
        .iter()
        .filter(|_| beneath)
        .filter_map(|&key| {
            let reached = keys.reached_by(from, key)?;
            (reached.action != binding.action).then(|| format!("{key} is {}", reached.description))
        })
        .collect();
    if taken.is_empty() {
        binding.description.to_owned()
    } else {
        format!("{} (here {})", binding.description, taken.join(", "))
    }
}

/// "Esc/Enter/q" in lines of `width`, broken after a slash where it can be.
fn wrap_label(label: &str, width: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for piece in label.split_inclusive('/') {
        if !current.is_empty() && current.width() + piece.width() > width {
            lines.push(std::mem::take(&mut current));
        }
        current.push_str(piece);
        if current.width() > width {
            let mut parts = wrap(&current, width);
            current = parts.pop().unwrap_or_default();
            lines.extend(parts);
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screen(width: u16, height: u16) -> Rect {
        Rect::new(0, 0, width, height)
    }

    fn text(page: &Page) -> Vec<String> {
        page.lines
            .iter()
            .map(|line| match line {
                HelpLine::Title { title, .. } => format!("# {title}"),
                HelpLine::Row { keys, description } => format!("{keys} | {description}"),
                HelpLine::Blank => String::new(),
            })
            .collect()
    }

    #[test]
    fn the_picker_opens_help_on_its_own_keys_then_editing_then_everywhere() {
        let page = page(&KeyMap::default(), Context::Picker, "", screen(80, 24));
        let titles: Vec<&str> = page
            .lines
            .iter()
            .filter_map(|line| match line {
                HelpLine::Title { title, .. } => Some(*title),
                _ => None,
            })
            .collect();
        assert_eq!(&titles[..3], ["Target picker", "Text fields", "Everywhere"]);
        assert_eq!(
            page.lines[0],
            HelpLine::Title {
                title: "Target picker",
                here: true
            }
        );
    }

    #[test]
    fn a_filter_keeps_matching_rows_and_whole_matching_sections() {
        let lines = text(&page(
            &KeyMap::default(),
            Context::Log,
            "FREE",
            screen(80, 24),
        ));
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("Ctrl-o") && l.ends_with("only who is free"))
        );
        assert!(
            lines
                .iter()
                .all(|l| l.is_empty() || l.starts_with('#') || l.contains("free")),
            "{lines:#?}"
        );
        let section = text(&page(
            &KeyMap::default(),
            Context::Log,
            "sync with",
            screen(80, 24),
        ));
        assert!(
            section.iter().any(|l| l.starts_with("n/Esc")),
            "{section:#?}"
        );
        let none = page(&KeyMap::default(), Context::Log, "xyzzy", screen(80, 24));
        assert!(none.lines.is_empty());
    }

    #[test]
    fn keys_a_pane_takes_for_itself_are_said_under_the_editing_keys() {
        use crate::tui::keys::{Action, Override};
        // The picker's old add key, bound back in the config file.
        let keys = KeyMap::with_overrides(&[Override {
            context: Some(Context::Picker),
            action: Action::AddTarget,
            keys: vec!["Ctrl-a".parse().unwrap()],
        }])
        .unwrap();
        let lines = text(&page(&keys, Context::Picker, "start of", screen(80, 24)));
        assert!(
            lines.contains(&"Home/Ctrl-a | start of field (here Ctrl-a is add)".to_owned()),
            "{lines:#?}"
        );
        for context in [Context::Session, Context::Picker] {
            let lines = text(&page(
                &KeyMap::default(),
                context,
                "start of",
                screen(80, 24),
            ));
            assert!(
                lines.contains(&"Home/Ctrl-a | start of field".to_owned()),
                "{context:?}: {lines:#?}"
            );
        }
    }

    #[test]
    fn the_help_follows_keys_from_the_config_file() {
        use crate::tui::keys::{Action, Override};
        let keys = KeyMap::with_overrides(&[Override {
            context: Some(Context::Picker),
            action: Action::AddTarget,
            keys: vec!["F3".parse().unwrap()],
        }])
        .unwrap();
        let lines = text(&page(&keys, Context::Picker, "", screen(80, 24)));
        assert!(lines.contains(&"F3 | add".to_owned()), "{lines:#?}");
        assert!(
            !lines.iter().any(|line| line.starts_with("Ins")),
            "Ins is no longer add: {lines:#?}"
        );
    }

    #[test]
    fn narrow_screens_wrap_rows_instead_of_cutting_them() {
        let page = page(&KeyMap::default(), Context::Log, "", screen(40, 24));
        let widest = page
            .lines
            .iter()
            .map(|line| match line {
                HelpLine::Row { description, .. } => {
                    INDENT + page.key_width + GAP + description.width()
                }
                _ => 0,
            })
            .max()
            .unwrap_or(0);
        assert!(widest <= 38, "{widest}");
        assert_eq!(wrap_label("Esc/Enter/q", 6), ["Esc/", "Enter/", "q"]);
        assert_eq!(wrap_label("Ctrl-Alt-x", 4), ["Ctrl", "-Alt", "-x"]);
    }
}
