//! The keys in force: the default tables with the config file's `[keys]` applied, checked so
//! that every key still does one thing and typing into a field still types.

use std::borrow::Cow;

use crossterm::event::{KeyEvent, KeyEventKind};

use super::key::ctrl;
use super::{Action, Binding, Context, HELP_ORDER, Hint, Key, defaults, layers};

/// Default keys that moved when the text fields were given the shell's editing keys (and Ctrl-l
/// became redraw): each action, where it was bound, and its old key. A `[keys]` line that binds
/// one back still works, over the editing key it now hides, with a warning
/// ([`KeyMap::moved_back`]); every other key that would hide another is refused.
const MOVED: [(Context, Action, Key); 6] = [
    (Context::Picker, Action::AddTarget, ctrl('a')),
    (Context::Picker, Action::EditTarget, ctrl('e')),
    (Context::Picker, Action::DeleteTarget, ctrl('d')),
    (Context::Picker, Action::ToggleFavourite, ctrl('f')),
    (Context::Picker, Action::ToggleByLoad, ctrl('l')),
    (Context::Session, Action::MarkAllShown, ctrl('k')),
];

fn moved(context: Context, action: Action, key: Key) -> bool {
    MOVED.contains(&(context, action, key))
}

/// Every binding of every context. The model owns one; dispatch, the hint bar and the help
/// screen all read it.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyMap {
    tables: Vec<(Context, Vec<Binding>)>,
}

impl Default for KeyMap {
    fn default() -> Self {
        Self {
            tables: HELP_ORDER
                .into_iter()
                .map(|context| (context, defaults(context).to_vec()))
                .collect(),
        }
    }
}

/// One line of `[keys]`: new keys for `action`, in one context or wherever it is bound.
#[derive(Debug, Clone, PartialEq)]
pub struct Override {
    pub context: Option<Context>,
    pub action: Action,
    pub keys: Vec<Key>,
}

impl Override {
    /// What is wrong with this line on its own, or beside the lines before it.
    fn check(&self, earlier: &[Override]) -> Result<(), String> {
        if earlier
            .iter()
            .any(|e| e.context == self.context && e.action == self.action)
        {
            return Err(format!(
                "{} is set twice; keep one line",
                self.action.name()
            ));
        }
        if self.keys.is_empty() {
            return Err("expected at least one key, such as \"F2\"".into());
        }
        match self.context {
            Some(context) if !defaults(context).iter().any(|b| b.action == self.action) => {
                let elsewhere: Vec<String> = self
                    .action
                    .contexts()
                    .map(|c| format!("[keys.{}]", c.name()))
                    .collect();
                Err(format!(
                    "\"{}\" has no {}; it is bound in {}",
                    context.title(),
                    self.action.name(),
                    elsewhere.join(", ")
                ))
            }
            _ => Ok(()),
        }
    }
}

/// Why the overrides cannot be used, in words, and which one is to blame (its position in the
/// list given), so the caller can name its line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideError {
    pub index: usize,
    pub problem: String,
}

/// An override that works, but not as it used to: `message` says what it now hides and the
/// action's new default; `index` is its position in the list given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OverrideWarning {
    pub index: usize,
    pub message: String,
}

/// What the bottom bar may show in a context: the context's own hinted bindings and those of the
/// layers beneath it (the editing and global keys), each in table order.
pub struct Hints<'a> {
    pub own: Vec<&'a Binding>,
    pub beneath: Vec<&'a Binding>,
}

/// Where a binding sits: its context and its place in that context's table. Places never move,
/// only keys do, so a place in the default map is the same binding in an overridden one.
type Place = (Context, usize);

/// One key reaching two bindings of different layers in `context`: only the upper one acts.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Clash {
    context: Context,
    upper: Place,
    lower: Place,
}

impl KeyMap {
    pub fn bindings(&self, context: Context) -> &[Binding] {
        self.tables
            .iter()
            .find(|(c, _)| *c == context)
            .map_or(&[], |(_, bindings)| bindings)
    }

    fn binding(&self, (context, index): Place) -> &Binding {
        &self.bindings(context)[index]
    }

    /// The action bound to `event` in `context`, if any. Key releases are ignored (Windows and
    /// some terminals report them).
    pub fn action_for(&self, context: Context, event: &KeyEvent) -> Option<Action> {
        if event.kind == KeyEventKind::Release {
            return None;
        }
        layers(context).into_iter().find_map(|layer| {
            self.bindings(layer)
                .iter()
                .find(|b| b.keys.iter().any(|k| k.matches(event)))
                .map(|b| b.action)
        })
    }

    /// The binding `key` reaches in `context`, from the first layer that binds it.
    pub fn reached_by(&self, context: Context, key: Key) -> Option<&Binding> {
        layers(context)
            .into_iter()
            .find_map(|layer| self.bindings(layer).iter().find(|b| b.keys.contains(&key)))
    }

    /// The first key of `action` where it acts in `context`, for words on screen ("Esc clears
    /// it"), which then follow the config file as the hint bar does. Every action keeps at least
    /// one key; were one ever unbound, its name is said instead.
    pub fn key_label(&self, context: Context, action: Action) -> String {
        layers(context)
            .into_iter()
            .find_map(|layer| {
                let binding = self.bindings(layer).iter().find(|b| b.action == action)?;
                binding.keys.first().map(|key| key.label())
            })
            .unwrap_or_else(|| action.name().to_owned())
    }

    pub fn hints(&self, context: Context) -> Hints<'_> {
        let hinted = |layer| {
            self.bindings(layer)
                .iter()
                .filter(|b| b.hint != Hint::Never)
        };
        let mut layers = layers(context).into_iter();
        Hints {
            own: layers.next().map(hinted).into_iter().flatten().collect(),
            beneath: layers.flat_map(hinted).collect(),
        }
    }

    /// The defaults with `overrides` applied: each replaces the keys of its action, in its
    /// context or, without one, wherever the action is bound. A line for one context wins over
    /// a line for all, whatever their order. Refused when a key would then do two things in one
    /// place, or take a character a text field needs, unless the defaults already do the same
    /// on purpose (Space marks in the session field), or it is an action's old default key
    /// bound back ([`Self::moved_back`] says so).
    pub fn with_overrides(overrides: &[Override]) -> Result<Self, OverrideError> {
        for (index, line) in overrides.iter().enumerate() {
            line.check(&overrides[..index])
                .map_err(|problem| OverrideError { index, problem })?;
        }
        let mut map = Self::default();
        let mut changed: Vec<(Place, usize)> = Vec::new();
        let unscoped = (0..overrides.len()).filter(|&i| overrides[i].context.is_none());
        let scoped = (0..overrides.len()).filter(|&i| overrides[i].context.is_some());
        for index in unscoped.chain(scoped) {
            let line = &overrides[index];
            let mut keys: Vec<Key> = Vec::with_capacity(line.keys.len());
            for key in &line.keys {
                if !keys.contains(key) {
                    keys.push(*key);
                }
            }
            let applies = |context: &Context| line.context.is_none_or(|only| only == *context);
            for (context, table) in map.tables.iter_mut().filter(|(c, _)| applies(c)) {
                for (position, binding) in table.iter_mut().enumerate() {
                    if binding.action == line.action {
                        binding.keys = Cow::Owned(keys.clone());
                        let place = (*context, position);
                        changed.retain(|(p, _)| *p != place);
                        changed.push((place, index));
                    }
                }
            }
        }
        match map.problems(&changed).into_iter().min_by_key(|e| e.index) {
            Some(problem) => Err(problem),
            None => Ok(map),
        }
    }

    /// The overrides that bind an action's old default key back (see [`MOVED`]): they work,
    /// and each says what the key now hides there and where the action's default went.
    pub fn moved_back(overrides: &[Override]) -> Vec<OverrideWarning> {
        let defaults = Self::default();
        let mut warnings = Vec::new();
        for (index, line) in overrides.iter().enumerate() {
            for &(context, action, old) in &MOVED {
                let applies = line.context.is_none_or(|only| only == context);
                if !applies || line.action != action || !line.keys.contains(&old) {
                    continue;
                }
                let hidden = defaults
                    .reached_by(context, old)
                    .map_or_else(String::new, |b| {
                        format!(", so it no longer does \"{}\" there", b.description)
                    });
                let now = defaults
                    .bindings(context)
                    .iter()
                    .find(|b| b.action == action)
                    .map_or_else(String::new, Binding::keys_label);
                warnings.push(OverrideWarning {
                    index,
                    message: format!(
                        "\"{old}\" is {}'s old key; it still does that in \"{}\" as you asked{hidden}. Its default is now \"{now}\", which leaves {old} to the text fields (docs/console.md, \"Your keys\")",
                        action.name(),
                        context.title(),
                    ),
                });
            }
        }
        warnings
    }

    /// What is wrong with this map, each problem blamed on the override that changed one of
    /// the bindings involved; what the defaults do is never a problem.
    fn problems(&self, changed: &[(Place, usize)]) -> Vec<OverrideError> {
        let origin = |place: Place| {
            changed
                .iter()
                .find(|(p, _)| *p == place)
                .map(|(_, index)| *index)
        };
        let mut problems = Vec::new();
        for context in HELP_ORDER {
            let table = self.bindings(context);
            for (first, binding) in table.iter().enumerate() {
                for (second, other) in table.iter().enumerate().skip(first + 1) {
                    let Some(key) = binding.keys.iter().find(|k| other.keys.contains(k)) else {
                        continue;
                    };
                    if let Some(index) = origin((context, first)).max(origin((context, second))) {
                        problems.push(OverrideError {
                            index,
                            problem: format!(
                                "\"{key}\" would be both \"{}\" and \"{}\" in \"{}\"",
                                binding.description,
                                other.description,
                                context.title()
                            ),
                        });
                    }
                }
            }
            if context.is_text() {
                problems.extend(self.typed_keys(context, origin));
            }
        }
        let defaults = Self::default().clashes();
        for (clash, key) in self.clashes() {
            if defaults.iter().any(|(usual, _)| *usual == clash) {
                continue;
            }
            // An old default bound back: allowed, and said at start (`moved_back`).
            if moved(clash.upper.0, self.binding(clash.upper).action, key) {
                continue;
            }
            let Some(index) = origin(clash.upper).max(origin(clash.lower)) else {
                continue;
            };
            let (upper, lower) = (self.binding(clash.upper), self.binding(clash.lower));
            problems.push(OverrideError {
                index,
                problem: format!(
                    "\"{key}\" would do two things in \"{}\": \"{}\" ({}) and \"{}\" ({}); only the first would work",
                    clash.context.title(),
                    upper.description,
                    clash.upper.0.title(),
                    lower.description,
                    clash.lower.0.title(),
                ),
            });
        }
        problems
    }

    /// Changed bindings whose plain characters would never reach the text field of `context`.
    fn typed_keys(
        &self,
        context: Context,
        origin: impl Fn(Place) -> Option<usize>,
    ) -> Vec<OverrideError> {
        let mut problems = Vec::new();
        for layer in layers(context) {
            for (position, binding) in self.bindings(layer).iter().enumerate() {
                let Some(index) = origin((layer, position)) else {
                    continue;
                };
                if let Some(key) = binding.keys.iter().find(|k| k.is_typed()) {
                    problems.push(OverrideError {
                        index,
                        problem: format!(
                            "\"{key}\" could no longer be typed in \"{}\", which has a text field; for \"{}\" use a key with Ctrl or Alt, or a named key such as \"F2\"",
                            context.title(),
                            binding.description
                        ),
                    });
                }
            }
        }
        problems
    }

    /// Every key that reaches bindings of two layers in one context, for different actions.
    fn clashes(&self) -> Vec<(Clash, Key)> {
        let mut clashes = Vec::new();
        for context in HELP_ORDER {
            let layers = layers(context);
            for (at, &upper) in layers.iter().enumerate() {
                for &lower in &layers[at + 1..] {
                    for (up, above) in self.bindings(upper).iter().enumerate() {
                        for (low, below) in self.bindings(lower).iter().enumerate() {
                            if above.action == below.action {
                                continue;
                            }
                            if let Some(key) = above.keys.iter().find(|k| below.keys.contains(k)) {
                                let clash = Clash {
                                    context,
                                    upper: (upper, up),
                                    lower: (lower, low),
                                };
                                clashes.push((clash, *key));
                            }
                        }
                    }
                }
            }
        }
        clashes
    }
}
