use super::*;
use crate::ids::TargetKind;
use crate::roster::{Shape, Target};

const DANA: &str = "[[agents]]\nid = \"a-1\"\nname = \"Dana\"\n";

fn store_with(text: Option<&str>) -> (tempfile::TempDir, RosterStore) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roster.toml");
    if let Some(text) = text {
        std::fs::write(&path, text).unwrap();
    }
    let (store, _) = RosterStore::open(&path).unwrap();
    (dir, store)
}

fn add(store: &mut RosterStore, id: &str, name: &str) -> Saved<()> {
    store
        .update(|roster| roster.add(Target::new(TargetKind::Agent, id, name), Shape::Forced))
        .unwrap()
}

#[test]
fn a_first_save_creates_the_file() {
    let (dir, mut store) = store_with(None);
    let saved = add(&mut store, "a-1", "Dana");
    assert!(!saved.merged_hand_edit);
    let text = std::fs::read_to_string(dir.path().join("roster.toml")).unwrap();
    assert!(text.contains("name = \"Dana\""), "{text}");
    assert!(!dir.path().join("roster.toml.bak").exists());
}

#[test]
fn each_save_keeps_the_previous_version() {
    let (dir, mut store) = store_with(Some(DANA));
    add(&mut store, "a-2", "Sam");
    let backup = std::fs::read_to_string(dir.path().join("roster.toml.bak")).unwrap();
    assert_eq!(backup, DANA);
    let now = RosterStore::open(store.path()).unwrap().1.roster;
    assert_eq!(now.targets().len(), 2);
}

#[test]
fn a_hand_edit_is_detected_and_kept() {
    let (dir, mut store) = store_with(Some(DANA));
    assert!(!store.changed_on_disk());
    let by_hand = format!("{DANA}\n[[queues]]\nid = \"qu-9\"\nname = \"Added by hand\"\n");
    std::fs::write(dir.path().join("roster.toml"), &by_hand).unwrap();
    assert!(store.changed_on_disk());

    let saved = add(&mut store, "a-2", "Sam");
    assert!(saved.merged_hand_edit);
    let names: Vec<&str> = saved
        .roster
        .targets()
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    assert_eq!(names, ["Dana", "Sam", "Added by hand"]);
    assert!(!store.changed_on_disk());
}

#[test]
fn a_broken_file_is_never_overwritten() {
    let broken = "[[agents]]\nid = \"a-1\"\nname = Dana\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roster.toml");
    std::fs::write(&path, DANA).unwrap();
    let (mut store, _) = RosterStore::open(&path).unwrap();
    std::fs::write(&path, broken).unwrap();
    let error = store
        .update(|roster| roster.add(Target::new(TargetKind::Agent, "a-2", "Sam"), Shape::Forced))
        .unwrap_err();
    assert!(error.to_string().contains("line 3"), "{error}");
    assert!(error.to_string().contains("not overwritten"), "{error}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), broken);
}

#[test]
fn a_refused_change_writes_nothing() {
    let (dir, mut store) = store_with(Some(DANA));
    let error = store
        .update(|roster| {
            roster.add(
                Target::new(TargetKind::Agent, "a-1", "Again"),
                Shape::Forced,
            )
        })
        .unwrap_err();
    assert!(matches!(
        error,
        StoreError::Edit(EditError::Duplicate { .. })
    ));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("roster.toml")).unwrap(),
        DANA
    );
    assert!(!dir.path().join("roster.toml.bak").exists());
}

/// A crash after the new content is written but before the rename: the roster is the old one,
/// whole, and the next save works.
#[test]
fn a_crash_between_write_and_rename_leaves_the_old_file() {
    let (dir, mut store) = store_with(Some(DANA));
    let orphan = prepare(dir.path(), "[[agents]]\nid = \"a-1\"\nname = \"Half")
        .unwrap()
        .keep()
        .unwrap();
    assert!(orphan.1.exists());
    let loaded = RosterStore::open(store.path()).unwrap().1;
    assert_eq!(loaded.roster.targets()[0].name, "Dana");
    assert!(!store.changed_on_disk());
    add(&mut store, "a-2", "Sam");
    assert_eq!(
        RosterStore::open(store.path())
            .unwrap()
            .1
            .roster
            .targets()
            .len(),
        2
    );
}
