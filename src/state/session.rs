//! The session: the scenario being studied, its edit history, and the playback of its run.
//!
//! Pure Rust (no Yew, no web-sys): every user intent is an [`Act`], and [`Session::apply`]
//! returns the next session. Every scenario change goes through the engine's validation;
//! a refused change is reported with the engine's message and never applied, so the last
//! valid scenario keeps running.

use std::rc::Rc;

use serde_json::{Map, Value};

use super::playback::{divergence, PlayAction, Playback, PRESENT_SPEED};
use crate::engine::{self, EventKind, Fault, Run, Scenario};
use crate::presets::{self, Preset};
use crate::share;

/// The browser view caps the workload so that a run stays instant to compute and draw.
pub const MAX_UI_RECORDS: u32 = 200;

/// The name of a scenario that is not an unedited preset.
pub const EDITED: &str = "Edited scenario";

/// One scenario in the undo history, with its run (so undo/redo is instant).
#[derive(Clone, Debug)]
pub struct Entry {
    pub scenario: Rc<Scenario>,
    pub run: Rc<Run>,
    /// What this change was, for the undo button's label.
    pub label: String,
    /// The preset it is, or started from.
    pub preset: Option<&'static str>,
}

/// A builder edit the engine refused: the edited scenario JSON and the engine's message.
#[derive(Clone, Debug, PartialEq)]
pub struct Draft {
    pub value: Value,
    pub error: String,
}

/// A part of the scenario with a `kind` (or, for dedup, a `mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Source,
    Engine,
    Dedup,
    Sink,
    Workload,
}

impl Part {
    pub fn key(self) -> &'static str {
        match self {
            Part::Source => "source",
            Part::Engine => "engine",
            Part::Dedup => "dedup",
            Part::Sink => "sink",
            Part::Workload => "workload",
        }
    }
}

/// Everything the user can ask for.
#[derive(Clone, Debug, PartialEq)]
pub enum Act {
    Play(PlayAction),
    LoadPreset(String),
    /// Open a page fragment: `#preset=ID` or a share link `#v1=…`.
    OpenLink(String),
    /// Replace the whole scenario with this JSON text (the JSON editor).
    LoadJson(String),
    /// Builder: set `part.kind` (dropping the old kind's options), or for dedup the mode
    /// (`"none"` removes the stage).
    SetKind(Part, String),
    /// Builder: set (or with `None` remove) one option `part.key`.
    SetOption(Part, String, Option<Value>),
    /// Forget a refused builder edit.
    DiscardDraft,
    /// Apply the refused builder edit without its faults.
    DraftWithoutFaults,
    /// Crash right after the step of trace event `i`.
    CrashAt(usize),
    /// Crash right after the current event (keyboard `c`).
    CrashHere,
    /// Add any fault (the fault menu).
    AddFault(Fault),
    /// The crash matrix (the class overview): replace every fault with these (one run of
    /// the explorer's matrix of the clean pipeline, [`Session::explore_clean`]), paused on
    /// the event of the first one. An unchanged scenario only moves there. `Undo` restores
    /// the faults before.
    MatrixPick(Vec<Fault>, String),
    RemoveFault(usize),
    ClearFaults,
    Undo,
    Redo,
    /// Show the provenance of record i (None closes it).
    Select(Option<usize>),
    /// Clicking a tick crashes after it (true) or only moves there (false).
    SetCrashMode(bool),
    SetHelp(bool),
    ToggleHelp,
    /// Presenter mode on or off (key F); turning it on plays at ½×.
    TogglePresent,
    /// Escape: close the help, the provenance and the message.
    Escape,
    DismissMessage,
}

/// A message shown next to the control that caused it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Message {
    /// A fault or crash was refused: the engine's message.
    FaultRefused(String),
    /// A fault was added (what and where).
    FaultAdded(String),
    /// The JSON editor's text was refused.
    JsonRefused(String),
    /// Anything else worth a sentence.
    Info(String),
}

impl Message {
    /// Said by the fault list and the timeline (and answered by moving on).
    pub fn is_fault(&self) -> bool {
        matches!(self, Message::FaultAdded(_) | Message::FaultRefused(_))
    }
}

/// The loaded scenario, its run and the preset it is (or was edited from): what most views
/// read, as one prop. Equal exactly when the revision ([`Playback::rev`]) is, so a view that
/// takes it renders again when another run is loaded, never at a step of the playback, and
/// never after comparing two runs.
#[derive(Clone, Debug)]
pub struct Loaded {
    pub rev: u64,
    pub scenario: Rc<Scenario>,
    pub run: Rc<Run>,
    pub preset: Option<&'static str>,
}

impl PartialEq for Loaded {
    fn eq(&self, other: &Self) -> bool {
        self.rev == other.rev
    }
}

impl Loaded {
    /// The preset this scenario is (or was edited from).
    pub fn preset(&self) -> Option<Preset> {
        self.preset.and_then(presets::preset)
    }

    /// Is the scenario exactly its preset, unedited?
    pub fn is_pristine(&self) -> bool {
        self.preset()
            .and_then(|p| preset_scenario(&p).ok())
            .is_some_and(|s| s == *self.scenario)
    }

    /// The scenario's one name everywhere (menu, embed bar, SVG export): its preset's title
    /// while unedited, else "Edited scenario".
    pub fn title(&self) -> String {
        self.preset()
            .filter(|_| self.is_pristine())
            .map(|p| p.title.to_string())
            .unwrap_or_else(|| EDITED.to_string())
    }

    /// The page fragment (without `#`) that reopens this scenario: `preset=ID` for an
    /// unedited preset without a position, else a share link (`v1=…`, with the position).
    pub fn fragment(&self, position: Option<usize>) -> String {
        match self.preset {
            Some(id) if position.is_none() && self.is_pristine() => format!("preset={id}"),
            _ => share::encode(&self.scenario, position),
        }
    }

    /// The scenario without its faults: the pipeline the crash matrix explores.
    pub fn clean_scenario(&self) -> Scenario {
        let mut s = Scenario::clone(&self.scenario);
        s.faults.clear();
        s
    }
}

#[derive(Clone, Debug)]
pub struct Session {
    pub playback: Playback,
    pub history: Rc<Vec<Entry>>,
    /// Index of the current entry in `history`.
    pub at: usize,
    pub draft: Option<Draft>,
    pub message: Option<Message>,
    pub selected: Option<usize>,
    pub crash_mode: bool,
    pub help: bool,
    /// Presenter mode: only the stage, the narration and a compact timeline, 16:9.
    pub present: bool,
    /// The history entry the crash matrix made (see [`Session::matrix_pick`]).
    pub picked: Option<usize>,
}

impl PartialEq for Session {
    fn eq(&self, other: &Self) -> bool {
        self.playback == other.playback
            && Rc::ptr_eq(&self.history, &other.history)
            && self.at == other.at
            && self.draft == other.draft
            && self.message == other.message
            && self.selected == other.selected
            && self.crash_mode == other.crash_mode
            && self.help == other.help
            && self.present == other.present
            && self.picked == other.picked
    }
}

/// Where to put the cursor after the run changed.
enum Cursor {
    Start,
    /// Keep the place, unless the new run departs from the old one before it: then go
    /// to where it departs.
    Keep,
    /// On the event of fault `i` if it fired, else as `Keep`.
    Fault(usize),
    /// On this event (clamped).
    At(usize),
}

/// A change of scenario, as the history records it once the engine has accepted it.
struct Change {
    /// The undo button's label.
    label: String,
    /// The preset it is, or was edited from.
    preset: Option<&'static str>,
    /// Where the cursor goes in the new run.
    cursor: Cursor,
    said: Said,
}

/// What the message says once a change is committed.
enum Said {
    Clear,
    /// Unchanged (a builder edit: it speaks through its draft).
    Keep,
    /// [`Message::FaultAdded`].
    Added(String),
}

/// The undo label of a scenario opened whole: its preset's title, else "shared link".
fn source_label(preset: Option<&'static str>) -> String {
    match preset.and_then(presets::preset) {
        Some(p) => format!("preset “{}”", p.title),
        None => "shared link".to_string(),
    }
}

/// What a page fragment asks for: a scenario, a position, and the preset it is (if any).
type Target = (Scenario, Option<usize>, Option<&'static str>);

/// Read a page fragment: `#preset=ID`, a share link `#v1=…`, or nothing (`Ok(None)`).
pub fn link_target(fragment: &str) -> Result<Option<Target>, String> {
    let f = fragment.trim().trim_start_matches('#');
    if f.is_empty() {
        return Ok(None);
    }
    if let Some(id) = f.strip_prefix("preset=") {
        let p = presets::preset(id).ok_or_else(|| format!("there is no preset named “{id}”"))?;
        let s = preset_scenario(&p).map_err(|e| e.to_string())?;
        return Ok(Some((s, None, Some(p.id))));
    }
    let shared = share::decode(f).map_err(|e| e.to_string())?;
    engine::validate(&shared.scenario).map_err(|e| e.to_string())?;
    size_check(&shared.scenario)?;
    // A link to an unedited preset keeps its lesson.
    let preset = presets::presets()
        .into_iter()
        .find(|p| preset_scenario(p).is_ok_and(|s| s == shared.scenario))
        .map(|p| p.id);
    Ok(Some((shared.scenario, shared.position, preset)))
}

/// Parse and validate a preset.
pub fn preset_scenario(p: &Preset) -> Result<Scenario, engine::ScenarioError> {
    let s = engine::parse_scenario(p.scenario_json)?;
    engine::validate(&s)?;
    Ok(s)
}

fn size_check(s: &Scenario) -> Result<(), String> {
    if s.workload.records > MAX_UI_RECORDS {
        return Err(format!(
            "workload.records: the browser view shows at most {MAX_UI_RECORDS} records \
             (the engine and CLI accept up to 1000000)"
        ));
    }
    Ok(())
}

impl Session {
    /// A session on what the page fragment asks for (see [`link_target`]); the default
    /// preset, with a message saying why, if the fragment cannot be opened.
    pub fn from_fragment(fragment: &str) -> Session {
        match link_target(fragment) {
            Ok(None) => Session::new(None),
            Ok(Some((s, position, preset))) => {
                Session::first(s, source_label(preset), preset, position.unwrap_or(0))
            }
            Err(e) => {
                let mut n = Session::new(None);
                n.message = Some(Message::Info(format!(
                    "This link could not be opened: {e}. Showing the default scenario instead."
                )));
                n
            }
        }
    }

    /// A session on the preset `id` (the default preset if unknown or invalid).
    pub fn new(id: Option<&str>) -> Session {
        let chosen = id
            .and_then(presets::preset)
            .and_then(|p| preset_scenario(&p).ok().map(|s| (p, s)));
        let (p, s) = match chosen {
            Some(ps) => ps,
            None => {
                let p = presets::default_preset();
                // Display, not Debug: `expect` would link the Debug formatting of the error
                // (and of `str`) into the wasm for this one message.
                let s = preset_scenario(&p)
                    .unwrap_or_else(|e| panic!("the default preset is invalid: {e}"));
                (p, s)
            }
        };
        Session::first(s, source_label(Some(p.id)), Some(p.id), 0)
    }

    /// A new session whose history starts with `s` (which the engine has accepted: a preset
    /// or a link), at event `cursor`.
    fn first(s: Scenario, label: String, preset: Option<&'static str>, cursor: usize) -> Session {
        let scenario = Rc::new(s);
        let run = Rc::new(engine::run(&scenario));
        let entry = Entry {
            scenario: scenario.clone(),
            run: run.clone(),
            label,
            preset,
        };
        let playback = Playback::new(scenario, run);
        Session {
            playback: match cursor {
                0 => playback,
                at => playback.apply(PlayAction::Seek(at)),
            },
            history: Rc::new(vec![entry]),
            at: 0,
            draft: None,
            message: None,
            selected: None,
            crash_mode: false,
            help: false,
            present: false,
            picked: None,
        }
    }

    /// The page fragment (without `#`) that reopens this scenario: `preset=ID` for an
    /// unedited preset, else a share link (`v1=…`, with the position if `with_position`).
    pub fn fragment(&self, with_position: bool) -> String {
        self.loaded()
            .fragment(with_position.then_some(self.playback.cursor))
    }

    /// What the views read of the current entry (see [`Loaded`]).
    pub fn loaded(&self) -> Loaded {
        Loaded {
            rev: self.playback.rev,
            scenario: self.playback.scenario.clone(),
            run: self.playback.run.clone(),
            preset: self.entry().preset,
        }
    }

    pub fn scenario(&self) -> &Scenario {
        &self.playback.scenario
    }

    pub fn run(&self) -> &Run {
        &self.playback.run
    }

    pub fn entry(&self) -> &Entry {
        &self.history[self.at]
    }

    /// The preset this scenario is (or was edited from).
    pub fn preset(&self) -> Option<Preset> {
        self.entry().preset.and_then(presets::preset)
    }

    /// See [`Loaded::title`].
    pub fn title(&self) -> String {
        self.loaded().title()
    }

    /// Is the scenario exactly its preset, unedited?
    pub fn is_pristine_preset(&self) -> bool {
        self.loaded().is_pristine()
    }

    pub fn can_undo(&self) -> bool {
        self.at > 0
    }

    pub fn can_redo(&self) -> bool {
        self.at + 1 < self.history.len()
    }

    pub fn undo_label(&self) -> Option<&str> {
        self.can_undo().then(|| self.entry().label.as_str())
    }

    pub fn redo_label(&self) -> Option<&str> {
        self.history.get(self.at + 1).map(|e| e.label.as_str())
    }

    /// The scenario as JSON (the builder edits this).
    pub fn scenario_value(&self) -> Value {
        scenario_value(self.scenario())
    }

    /// What the builder shows: see [`shown_value`].
    pub fn shown_value(&self) -> Value {
        shown_value(self.scenario(), self.draft.as_ref())
    }

    /// Can trace event `i` take a crash right after it? See [`crash_point`].
    pub fn crash_point(&self, i: usize) -> Result<Fault, String> {
        crash_point(self.run(), i)
    }

    /// The next session.
    pub fn apply(&self, act: Act) -> Session {
        let mut n = self.clone();
        match act {
            Act::Play(a) => n.play(a),
            // Links and import: a whole scenario from elsewhere.
            Act::LoadPreset(id) => n.load_preset(&id),
            Act::OpenLink(fragment) => n.open_link(&fragment),
            Act::LoadJson(text) => n.load_json(&text),
            // The builder's edits.
            Act::SetKind(part, kind) => n.edit_kind(part, &kind),
            Act::SetOption(part, key, value) => n.edit_option(part, &key, value),
            Act::DiscardDraft => n.draft = None,
            Act::DraftWithoutFaults => n.draft_without_faults(),
            // Faults.
            Act::CrashHere => n.add_fault(self.crash_point(self.playback.cursor)),
            Act::CrashAt(i) => n.add_fault(self.crash_point(i)),
            Act::AddFault(f) => n.add_fault(Ok(f)),
            Act::MatrixPick(faults, label) => n.pick(faults, label),
            Act::RemoveFault(i) => n.remove_fault(i),
            Act::ClearFaults => n.clear_faults(),
            // The history.
            Act::Undo if self.can_undo() => n.goto(self.at - 1),
            Act::Redo if self.can_redo() => n.goto(self.at + 1),
            Act::Undo | Act::Redo => {}
            // What is shown.
            Act::Select(r) => n.selected = r,
            Act::SetCrashMode(on) => n.crash_mode = on,
            Act::SetHelp(on) => n.help = on,
            Act::ToggleHelp => n.help = !self.help,
            Act::TogglePresent => n.toggle_present(),
            Act::Escape => n.escape(),
            Act::DismissMessage => n.message = None,
        }
        n
    }

    /// The one way the scenario changes: the engine validates it (then the browser's size
    /// cap), it becomes the next history entry with its run, and the message says so. A
    /// refusal (`proposed` may already be one: a parse error) changes nothing and is
    /// returned, for the caller to show where the change was asked for.
    fn checked_commit(
        &mut self,
        proposed: Result<Scenario, String>,
        change: Change,
    ) -> Result<(), String> {
        let s = proposed?;
        engine::validate(&s).map_err(|e| e.to_string())?;
        size_check(&s)?;
        match change.said {
            Said::Clear => self.message = None,
            Said::Keep => {}
            Said::Added(what) => self.message = Some(Message::FaultAdded(what)),
        }
        self.commit(s, change.label, change.preset, change.cursor);
        Ok(())
    }

    /// An edit of the current scenario (it keeps its preset) labelled `label`.
    fn edit(&self, label: String, cursor: Cursor) -> Change {
        Change {
            label,
            preset: self.entry().preset,
            cursor,
            said: Said::Clear,
        }
    }

    // ---- playback --------------------------------------------------------------------------

    fn play(&mut self, a: PlayAction) {
        // Moving on answers a fault message; the timer and speed do not.
        let moves = !matches!(
            a,
            PlayAction::Tick | PlayAction::Faster | PlayAction::Slower | PlayAction::SetSpeed(_)
        );
        if moves && self.message.as_ref().is_some_and(Message::is_fault) {
            self.message = None;
        }
        self.playback = self.playback.apply(a);
    }

    // ---- links and import --------------------------------------------------------------------

    fn load_preset(&mut self, id: &str) {
        let Some(p) = presets::preset(id) else {
            self.message = Some(Message::Info(format!("no preset named “{id}”")));
            return;
        };
        let change = Change {
            label: source_label(Some(p.id)),
            preset: Some(p.id),
            cursor: Cursor::Start,
            said: Said::Clear,
        };
        let proposed = preset_scenario(&p).map_err(|e| e.to_string());
        match self.checked_commit(proposed, change) {
            Ok(()) => {
                self.draft = None;
                self.selected = None;
            }
            Err(e) => self.message = Some(Message::Info(format!("preset {id}: {e}"))),
        }
    }

    fn open_link(&mut self, fragment: &str) {
        let refused = |e| Message::Info(format!("This link could not be opened: {e}."));
        match link_target(fragment) {
            Ok(Some((s, position, preset))) => {
                self.draft = None;
                self.message = None;
                self.selected = None;
                if &s != self.scenario() || position.is_some() {
                    let change = Change {
                        label: source_label(preset),
                        preset,
                        cursor: position.map(Cursor::At).unwrap_or(Cursor::Start),
                        said: Said::Clear,
                    };
                    if let Err(e) = self.checked_commit(Ok(s), change) {
                        self.message = Some(refused(e));
                    }
                }
            }
            Ok(None) => {}
            Err(e) => self.message = Some(refused(e)),
        }
    }

    /// The JSON editor's text: the whole scenario.
    fn load_json(&mut self, text: &str) {
        let proposed = engine::parse_scenario(text).map_err(|e| e.to_string());
        let change = self.edit("JSON edit".into(), Cursor::Keep);
        match self.checked_commit(proposed, change) {
            Ok(()) => self.draft = None,
            Err(e) => self.message = Some(Message::JsonRefused(e)),
        }
    }

    // ---- the builder -------------------------------------------------------------------------

    fn edit_kind(&mut self, part: Part, kind: &str) {
        let mut v = self.shown_value();
        set_kind(&mut v, part, kind);
        self.try_draft(v, format!("{} → {kind}", part.key()));
    }

    fn edit_option(&mut self, part: Part, key: &str, value: Option<Value>) {
        let mut v = self.shown_value();
        set_option(&mut v, part, key, value.clone());
        let shown = value.map(|v| match v {
            Value::String(s) => s,
            other => other.to_string(),
        });
        let shown = shown.as_deref().unwrap_or("default");
        self.try_draft(v, format!("{}.{key} → {shown}", part.key()));
    }

    fn draft_without_faults(&mut self) {
        if let Some(d) = &self.draft {
            let mut v = d.value.clone();
            if let Some(o) = v.as_object_mut() {
                o.insert("faults".into(), Value::Array(vec![]));
            }
            self.try_draft(v, "configuration change (faults removed)".into());
        }
    }

    /// A builder edit: applied if the engine accepts it (nothing to do if it changes
    /// nothing), else kept as a draft with the engine's message.
    fn try_draft(&mut self, v: Value, label: String) {
        let proposed = engine::parse_value(&v).map_err(|e| e.to_string());
        if proposed.as_ref().is_ok_and(|s| s == self.scenario()) {
            self.draft = None;
            return;
        }
        let change = Change {
            said: Said::Keep,
            ..self.edit(label, Cursor::Keep)
        };
        match self.checked_commit(proposed, change) {
            Ok(()) => self.draft = None,
            Err(error) => self.draft = Some(Draft { value: v, error }),
        }
    }

    // ---- faults ------------------------------------------------------------------------------

    /// Add a fault (or say why there is none to add): the new run lands on it.
    fn add_fault(&mut self, fault: Result<Fault, String>) {
        let added = fault.and_then(|f| {
            let label = fault_label(self.scenario(), &f);
            let mut s = self.scenario().clone();
            s.faults.push(f);
            let change = Change {
                said: Said::Added(label.clone()),
                ..self.edit(label, Cursor::Fault(s.faults.len() - 1))
            };
            self.checked_commit(Ok(s), change)
        });
        if let Err(e) = added {
            self.message = Some(Message::FaultRefused(e));
        }
    }

    /// The crash matrix's pick: these faults instead of the scenario's, paused on the first.
    fn pick(&mut self, faults: Vec<Fault>, label: String) {
        let mut s = self.scenario().clone();
        s.faults = faults;
        if &s == self.scenario() {
            self.message = None;
            let at = fault_event(self.run(), 0).unwrap_or(self.playback.cursor);
            self.playback = self.playback.apply(PlayAction::Seek(at));
        } else {
            let change = self.edit(label, Cursor::Fault(0));
            if let Err(e) = self.checked_commit(Ok(s), change) {
                self.message = Some(Message::FaultRefused(e));
                return;
            }
            self.picked = Some(self.at);
        }
        self.playback.playing = false;
        self.playback.held = None;
    }

    fn remove_fault(&mut self, i: usize) {
        let mut s = self.scenario().clone();
        if i >= s.faults.len() {
            return;
        }
        let f = s.faults.remove(i);
        let label = format!("remove {}", fault_label(self.scenario(), &f));
        let change = self.edit(label, Cursor::Keep);
        if let Err(e) = self.checked_commit(Ok(s), change) {
            self.message = Some(Message::FaultRefused(e));
        }
    }

    fn clear_faults(&mut self) {
        let mut s = self.scenario().clone();
        if s.faults.is_empty() {
            return;
        }
        s.faults.clear();
        let change = self.edit("remove every fault".into(), Cursor::Keep);
        if let Err(e) = self.checked_commit(Ok(s), change) {
            self.message = Some(Message::FaultRefused(e));
        }
    }

    // ---- what is shown -----------------------------------------------------------------------

    fn toggle_present(&mut self) {
        self.present = !self.present;
        if self.present {
            self.playback = self.playback.apply(PlayAction::SetSpeed(PRESENT_SPEED));
        }
    }

    /// Escape closes the help, else the provenance, else the message.
    fn escape(&mut self) {
        if self.help {
            self.help = false;
        } else if self.selected.is_some() {
            self.selected = None;
        } else {
            self.message = None;
        }
    }

    // ---- the history -------------------------------------------------------------------------

    /// Append `s` (valid: see [`Session::checked_commit`]) and its run to the history and
    /// load it.
    fn commit(&mut self, s: Scenario, label: String, preset: Option<&'static str>, cursor: Cursor) {
        let scenario = Rc::new(s);
        let run = Rc::new(engine::run(&scenario));
        // A new entry ends what the crash matrix picked (a pick sets it again after this).
        self.picked = None;
        let mut history: Vec<Entry> = self.history[..=self.at].to_vec();
        history.push(Entry {
            scenario: scenario.clone(),
            run: run.clone(),
            label,
            preset,
        });
        self.at = history.len() - 1;
        self.history = Rc::new(history);
        self.load(scenario, run, cursor);
    }

    fn goto(&mut self, at: usize) {
        let e = self.history[at].clone();
        self.at = at;
        self.draft = None;
        self.message = None;
        self.load(e.scenario, e.run, Cursor::Keep);
    }

    fn load(&mut self, scenario: Rc<Scenario>, run: Rc<Run>, cursor: Cursor) {
        let old = &self.playback;
        let keep = || {
            let d = divergence(&old.run.trace, &run.trace);
            old.cursor.min(d)
        };
        let c = match cursor {
            Cursor::Start => 0,
            Cursor::At(i) => i,
            Cursor::Keep => keep(),
            Cursor::Fault(i) => fault_event(&run, i).unwrap_or_else(keep),
        };
        if let Some(sel) = self.selected {
            if sel >= scenario.workload.records as usize {
                self.selected = None;
            }
        }
        self.playback = old.replace(scenario, run, c);
    }
}

/// The event where fault `i` of the run's scenario strikes, if it fired.
pub fn fault_event(run: &Run, i: usize) -> Option<usize> {
    run.trace.iter().position(|e| {
        e.fault == Some(i) && matches!(e.kind, EventKind::Fault | EventKind::DeleteCheckpoint)
    })
}

/// A scenario as JSON (the builder edits this).
pub fn scenario_value(s: &Scenario) -> Value {
    serde_json::to_value(s).unwrap_or(Value::Null)
}

/// What the builder shows: the refused draft if there is one, else the scenario.
pub fn shown_value(s: &Scenario, draft: Option<&Draft>) -> Value {
    match draft {
        Some(d) => d.value.clone(),
        None => scenario_value(s),
    }
}

/// Can event `i` of `run` take a crash right after it? `Err` explains why not.
pub fn crash_point(run: &Run, i: usize) -> Result<Fault, String> {
    match run.trace.get(i) {
        Some(e) => crash_point_of(e),
        None => Err("there is no such step".into()),
    }
}

/// Can this event take a crash right after it? The fault, or why not. (The engine's
/// validation still has the last word when the fault is added.)
pub fn crash_point_of(e: &engine::Event) -> Result<Fault, String> {
    if e.zombie {
        return Err(
            "this step is done by a cut-off (zombie) process; faults do not strike it".into(),
        );
    }
    if !matches!(e.kind, EventKind::Step | EventKind::Skip) {
        return Err(
            "a crash goes right after a completed step of a batch; pick a step tick".into(),
        );
    }
    match (e.step, e.batch, e.attempt) {
        (Some(step), Some(batch), Some(attempt)) => Ok(Fault::Crash {
            batch,
            attempt,
            after: step,
            downtime: 1,
        }),
        _ => Err("this event is not a step of a numbered batch attempt".into()),
    }
}

/// Set `part.kind` (or the dedup mode) on a scenario JSON value, dropping the options of
/// the previous kind.
pub fn set_kind(v: &mut Value, part: Part, kind: &str) {
    let Some(root) = v.as_object_mut() else {
        return;
    };
    match part {
        Part::Dedup => {
            if kind == "none" {
                root.remove("dedup");
            } else {
                let delay = root
                    .get("dedup")
                    .and_then(|d| d.get("watermark_delay"))
                    .cloned()
                    .unwrap_or(Value::Null);
                let mut d = Map::new();
                d.insert("mode".into(), Value::String(kind.into()));
                d.insert("watermark_delay".into(), delay);
                root.insert("dedup".into(), Value::Object(d));
            }
        }
        Part::Workload => {}
        _ => {
            let same = root
                .get(part.key())
                .and_then(|p| p.get("kind"))
                .and_then(Value::as_str)
                == Some(kind);
            if !same {
                let mut m = Map::new();
                m.insert("kind".into(), Value::String(kind.into()));
                root.insert(part.key().into(), Value::Object(m));
            }
        }
    }
}

/// Set (or remove) `part.key` on a scenario JSON value.
pub fn set_option(v: &mut Value, part: Part, key: &str, value: Option<Value>) {
    let Some(root) = v.as_object_mut() else {
        return;
    };
    let obj = root
        .entry(part.key())
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(o) = obj.as_object_mut() {
        match value {
            Some(x) => {
                o.insert(key.into(), x);
            }
            None => {
                o.remove(key);
            }
        }
    }
}

/// A fault in the fault list and the undo labels: the explorer's label in the engine's word
/// for a batch, and the options a placement leaves at their defaults ("crash after
/// sink_write · epoch 1 (attempt 2), down 5 ticks"); one description, `Fault::describe`.
pub fn fault_label(sc: &Scenario, f: &Fault) -> String {
    f.describe().text(sc.engine.unit())
}

/// [`fault_label`] in the format's word, `batch`, where no one engine applies.
pub fn describe_fault(f: &Fault) -> String {
    f.describe().text("batch")
}

/// One crash of the explorer's matrix: a crash right after one step of one batch attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrashCell {
    pub batch: u64,
    pub attempt: u32,
    pub step: engine::Step,
    /// Index into the matrix's runs.
    pub run: usize,
    /// Records missing for the primary reader (the run's outcome).
    pub missing: Vec<usize>,
    /// Records duplicated for the primary reader, with their copies (the run's outcome).
    pub duplicated: Vec<(usize, u64)>,
}

/// What a run did to the records, as the crash matrix colours it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Effect {
    Ok,
    Dup,
    Lost,
    Both,
}

impl Effect {
    pub fn of(missing: &[usize], duplicated: &[(usize, u64)]) -> Effect {
        match (missing.is_empty(), duplicated.is_empty()) {
            (true, true) => Effect::Ok,
            (true, false) => Effect::Dup,
            (false, true) => Effect::Lost,
            (false, false) => Effect::Both,
        }
    }

    /// The CSS class and `data-effect` value: `ok`, `dup`, `lost`, `both`.
    pub fn name(self) -> &'static str {
        match self {
            Effect::Ok => "ok",
            Effect::Dup => "dup",
            Effect::Lost => "lost",
            Effect::Both => "both",
        }
    }

    pub fn icon(self) -> &'static str {
        match self {
            Effect::Ok => "✓",
            Effect::Dup => "❐",
            Effect::Lost => "✕",
            Effect::Both => "✕❐",
        }
    }
}

impl CrashCell {
    pub fn effect(&self) -> Effect {
        Effect::of(&self.missing, &self.duplicated)
    }

    /// The cell's label: "ok", "dup r2 r3", "lost r2 r3", "lost r4 r5 · dup r2 r3".
    pub fn words(&self) -> String {
        effect_words(&self.missing, &self.duplicated)
    }
}

/// Record ids in few words: "r2 r3", runs of three or more as "r0–r9", more than three
/// copies as "r2×3".
pub fn id_words(ids: impl IntoIterator<Item = (usize, u64)>) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut run: Option<(usize, usize)> = None;
    let flush = |run: Option<(usize, usize)>, parts: &mut Vec<String>| {
        if let Some((a, b)) = run {
            match b - a {
                0 => parts.push(engine::scenario::record_id(a)),
                1 => {
                    parts.push(engine::scenario::record_id(a));
                    parts.push(engine::scenario::record_id(b));
                }
                _ => parts.push(format!(
                    "{}–{}",
                    engine::scenario::record_id(a),
                    engine::scenario::record_id(b)
                )),
            }
        }
    };
    for (id, copies) in ids {
        if copies > 2 {
            flush(run.take(), &mut parts);
            parts.push(format!("{}×{copies}", engine::scenario::record_id(id)));
            continue;
        }
        run = match run {
            Some((a, b)) if b + 1 == id => Some((a, id)),
            other => {
                flush(other, &mut parts);
                Some((id, id))
            }
        };
    }
    flush(run, &mut parts);
    parts.join(" ")
}

/// A run's effect in words: "ok", "dup r2 r3", "lost r2 r3" or "lost r4 r5 · dup r2 r3".
pub fn effect_words(missing: &[usize], duplicated: &[(usize, u64)]) -> String {
    let lost = id_words(missing.iter().map(|&i| (i, 0)));
    let dup = id_words(duplicated.iter().copied());
    match Effect::of(missing, duplicated) {
        Effect::Ok => "ok".into(),
        Effect::Dup => format!("dup {dup}"),
        Effect::Lost => format!("lost {lost}"),
        Effect::Both => format!("lost {lost} · dup {dup}"),
    }
}

impl Session {
    /// The engine's explorer on the current scenario: every single fault placement.
    pub fn explore(&self) -> engine::Matrix {
        engine::explore(self.scenario(), engine::ExploreOptions::default())
    }

    /// The current scenario without its faults: the pipeline the crash matrix explores.
    pub fn clean_scenario(&self) -> Scenario {
        self.loaded().clean_scenario()
    }

    /// The explorer on the clean pipeline: each run is that pipeline plus one fault.
    pub fn explore_clean(&self) -> engine::Matrix {
        engine::explore(&self.clean_scenario(), engine::ExploreOptions::default())
    }

    /// The crash matrix's pick, while it is the current entry (its label: what it replaced
    /// the faults with).
    pub fn matrix_pick(&self) -> Option<&str> {
        (self.picked == Some(self.at)).then(|| self.entry().label.as_str())
    }
}

/// The single crashes of a matrix (one added `crash` fault), for the step grid.
pub fn crash_cells(base: &Scenario, m: &engine::Matrix) -> Vec<CrashCell> {
    let n = base.faults.len();
    m.runs
        .iter()
        .enumerate()
        .filter_map(|(i, r)| match r.faults.get(n..) {
            Some(
                [Fault::Crash {
                    batch,
                    attempt,
                    after,
                    ..
                }],
            ) => Some(CrashCell {
                batch: *batch,
                attempt: *attempt,
                step: *after,
                run: i,
                missing: r.outcome.missing.0.clone(),
                duplicated: r.outcome.duplicated.0.clone(),
            }),
            _ => None,
        })
        .collect()
}
