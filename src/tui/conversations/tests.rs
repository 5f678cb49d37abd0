use std::time::{Duration, SystemTime};

use super::*;
use crate::platform::QueueRef;
use crate::tui::clock::test_clock;

/// A conversation for these tests: waiting `wait` seconds in `queue`, at `priority`.
pub(crate) fn waiting(n: u32, queue: &str, wait: u64, priority: Option<&str>) -> Conversation {
    Conversation {
        session: SessionId::parse(&format!("5e55a000bbbbbbbbbb{n:06}")).unwrap(),
        conversation_id: None,
        status: Some(ConversationStatus::Open),
        wait: Some(Duration::from_secs(wait)),
        read_at: SystemTime::from(test_clock().now),
        priority: priority.map(str::to_owned),
        intent: None,
        sentiment: None,
        language: None,
        channel: None,
        queue: Some(QueueRef {
            id: None,
            name: Some(queue.into()),
        }),
        agent: None,
        moves: Vec::new(),
    }
}

fn loaded(conversations: Vec<Conversation>) -> Conversations {
    let mut list = Conversations::default();
    list.read(
        Ok(ConversationList {
            conversations,
            notes: Vec::new(),
        }),
        test_clock().now,
        None,
    );
    list
}

fn ids(shown: &[&Conversation]) -> Vec<String> {
    shown
        .iter()
        .map(|c| c.session.as_str()[18..].to_owned())
        .collect()
}

#[test]
fn the_filter_narrows_by_any_field_and_the_sort_steps_through_its_orders() {
    let mut list = loaded(vec![
        waiting(1, "Tech", 300, Some("low")),
        waiting(2, "Billing", 200, Some("high")),
        waiting(3, "Accounts", 100, None),
    ]);
    assert_eq!(ids(&list.shown("")), ["000001", "000002", "000003"]);
    assert_eq!(ids(&list.shown("bill")), ["000002"]);
    assert_eq!(ids(&list.shown("000003")), ["000003"]);
    assert!(list.shown("bill tech").is_empty(), "every word must match");
    list.sort_next();
    assert_eq!(list.sort, SortBy::Priority);
    assert_eq!(ids(&list.shown("")), ["000002", "000001", "000003"]);
    list.sort_next();
    assert_eq!(ids(&list.shown("")), ["000003", "000002", "000001"]);
    list.sort_next();
    assert_eq!(list.sort, SortBy::Wait);
}

#[test]
fn the_highlight_stays_on_its_conversation_across_a_refresh() {
    let mut list = loaded(vec![
        waiting(1, "Tech", 300, None),
        waiting(2, "Tech", 200, None),
    ]);
    list.move_by("", 1);
    assert_eq!(
        list.highlighted("").unwrap().session,
        waiting(2, "", 0, None).session
    );
    list.read(
        Ok(ConversationList {
            conversations: vec![waiting(3, "Tech", 400, None), waiting(2, "Tech", 201, None)],
            notes: Vec::new(),
        }),
        test_clock().now,
        None,
    );
    assert_eq!(
        list.highlighted("").unwrap().session,
        waiting(2, "", 0, None).session
    );
    list.move_by("", 50);
    list.move_by("", -50);
    assert_eq!(
        list.highlighted("").unwrap().session,
        waiting(3, "", 0, None).session
    );
}

#[test]
fn marking_all_shown_twice_clears_the_marks() {
    let mut list = loaded(vec![
        waiting(1, "Tech", 300, None),
        waiting(2, "Billing", 200, None),
    ]);
    assert_eq!(list.mark_all_shown("tech"), 1);
    assert_eq!(list.mark_all_shown(""), 2);
    assert_eq!(list.mark_all_shown(""), 0);
    let one = waiting(1, "", 0, None).session;
    list.toggle_mark(&one);
    assert!(list.is_marked(&one));
    assert!(!list.mark(one.clone()), "already marked");
    list.toggle_mark(&one);
    assert!(list.marked().is_empty());
}

#[test]
fn a_missing_scope_is_kept_apart_and_the_last_list_stays() {
    let mut list = loaded(vec![waiting(1, "Tech", 300, None)]);
    list.read(
        Err(ConversationsError::MissingScope {
            status: 403,
            message: "forbidden".into(),
        }),
        test_clock().now,
        None,
    );
    assert!(
        matches!(list.problem, Some(ListProblem::MissingScope(ref words)) if words.contains("SmartAssist Analytics"))
    );
    assert_eq!(list.shown("").len(), 1);
}
