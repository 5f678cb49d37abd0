//! Reading every page of one of the platform's lists. Paging is not documented, and the docs' own
//! samples contradict themselves (`hasMore: true` with `totalPages: 1`), so no single field is
//! trusted to end it: pages stop at `totalPages`, at a page that brings no id not seen before, at
//! an empty page, at `hasMore: false`, or at a bound, whichever comes first, and a stop that goes
//! against what `hasMore` said is said in words.

use std::collections::HashSet;

use serde_json::Value;

use super::lenient::{count, flag};
use super::reply::PlatformError;

/// Every entry of a list, and what paging had to work around, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paged<T> {
    pub items: Vec<T>,
    pub note: Option<String>,
}

/// Reading one list: ask [`Pages::next_page`] which page to fetch, hand its reply to
/// [`Pages::take`], and when no page is left, [`Pages::finish`]. The caller does the fetching,
/// so each list sends its pages its own way.
pub(super) struct Pages<'a, T> {
    /// What the list is called in notes: "agents", "conversations".
    what: &'a str,
    max_pages: u32,
    next: Option<u32>,
    items: Vec<T>,
    seen: HashSet<String>,
    /// Entries in every page so far, readable or not: where the next page starts.
    received: u32,
    note: Option<String>,
}

impl<'a, T> Pages<'a, T> {
    /// A list of `what`, believed for at most `max_pages` pages.
    pub(super) fn new(what: &'a str, max_pages: u32) -> Self {
        Self {
            what,
            max_pages,
            next: (max_pages > 0).then_some(1),
            items: Vec::new(),
            seen: HashSet::new(),
            received: 0,
            note: None,
        }
    }

    /// The page to fetch next, numbered from 1; `None` when the list is read.
    pub(super) fn next_page(&self) -> Option<u32> {
        self.next
    }

    /// How many entries the pages so far held: where a list paged by `skip` goes on, even when
    /// the platform gave fewer a page than were asked for.
    pub(super) fn received(&self) -> u32 {
        self.received
    }

    /// Takes the reply to the page [`Pages::next_page`] named: each entry of `results` read
    /// through `read` (entries it cannot read are left out), the first of each id kept.
    pub(super) fn take(
        &mut self,
        status: u16,
        body: &[u8],
        mut read: impl FnMut(&Value) -> Option<T>,
        id_of: impl Fn(&T) -> &str,
    ) -> Result<(), PlatformError> {
        let what = self.what;
        let Some(page) = self.next.take() else {
            return Ok(());
        };
        let unreadable = |detail: String| PlatformError::UnreadableReply {
            status,
            detail: format!("page {page} of the {what}: {detail}"),
        };
        let reply: Value = serde_json::from_slice(body).map_err(|e| unreadable(e.to_string()))?;
        let results = reply
            .get("results")
            .and_then(Value::as_array)
            .ok_or_else(|| unreadable("no list of results".into()))?;
        self.received = self
            .received
            .saturating_add(u32::try_from(results.len()).unwrap_or(u32::MAX));
        let says_more = reply.get("hasMore").and_then(flag);
        let total_pages = reply.get("totalPages").and_then(count);
        let mut readable = 0;
        let mut fresh = 0;
        for item in results.iter().filter_map(&mut read) {
            readable += 1;
            if self.seen.insert(id_of(&item).to_owned()) {
                fresh += 1;
                self.items.push(item);
            }
        }
        if page > 1 && readable > 0 && fresh == 0 {
            self.note = Some(format!(
                "page {page} of the {what} brought none not already listed; read {} {what} and stopped",
                self.items.len()
            ));
            return Ok(());
        }
        let more = match (total_pages, says_more) {
            (Some(total), Some(true)) if page >= total => {
                self.note = Some(format!(
                    "the platform said more {what} follow, but also that there are {total} page(s); stopped at page {page}"
                ));
                false
            }
            (Some(total), _) => page < total,
            (None, Some(more)) => more,
            // Neither said: keep going until a page brings nothing new.
            (None, None) => !results.is_empty(),
        };
        if !more || results.is_empty() {
            return Ok(());
        }
        if page == self.max_pages {
            self.note = Some(format!(
                "the platform still said more {what} follow after {} pages; stopped there with {}",
                self.max_pages,
                self.items.len()
            ));
        } else {
            self.next = Some(page + 1);
        }
        Ok(())
    }

    pub(super) fn finish(self) -> Paged<T> {
        Paged {
            items: self.items,
            note: self.note,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// Reads `pages` (page 1 first) as the platform's replies, entries keyed by `id`; also says
    /// how many pages were asked for.
    fn read(pages: Vec<Value>, max_pages: u32) -> (Paged<String>, u32) {
        let mut reader = Pages::new("things", max_pages);
        let mut asked = 0;
        while let Some(page) = reader.next_page() {
            asked = page;
            let reply = pages.get(page as usize - 1).cloned().unwrap_or(json!({}));
            reader
                .take(
                    200,
                    reply.to_string().as_bytes(),
                    |entry| entry.get("id").and_then(Value::as_str).map(str::to_owned),
                    String::as_str,
                )
                .unwrap();
        }
        (reader.finish(), asked)
    }

    #[test]
    fn paging_stops_at_whichever_end_comes_first() {
        let page = |ids: &[&str], more: Value, total: Value| {
            let results: Vec<Value> = ids.iter().map(|id| json!({"id": id})).collect();
            json!({"results": results, "hasMore": more, "totalPages": total})
        };
        let (paged, asked) = read(
            vec![
                page(&["a", "b"], json!(true), json!(null)),
                page(&["c"], json!(false), json!(null)),
            ],
            10,
        );
        assert_eq!((paged.items.len(), asked, paged.note), (3, 2, None));

        let (paged, asked) = read(vec![page(&["a"], json!(true), json!(1))], 10);
        assert_eq!(asked, 1);
        assert!(
            paged
                .note
                .unwrap()
                .contains("also that there are 1 page(s)")
        );

        let repeat = page(&["a", "b"], json!(true), json!(null));
        let (paged, asked) = read(vec![repeat.clone(), repeat], 10);
        assert_eq!((paged.items.len(), asked), (2, 2));
        assert!(
            paged
                .note
                .unwrap()
                .contains("brought none not already listed")
        );

        let endless: Vec<Value> = (0..5)
            .map(|n| page(&[&format!("id-{n}")], json!(true), json!(null)))
            .collect();
        let (paged, asked) = read(endless, 3);
        assert_eq!((paged.items.len(), asked), (3, 3));
        assert!(paged.note.unwrap().contains("after 3 pages"));
    }

    #[test]
    fn a_page_of_unreadable_entries_does_not_end_the_list() {
        let (paged, asked) = read(
            vec![
                json!({"results": [{"id": "a"}], "totalPages": 3}),
                json!({"results": [{"no id": 1}], "totalPages": 3}),
                json!({"results": [{"id": "c"}], "totalPages": 3}),
            ],
            10,
        );
        assert_eq!(
            (paged.items, asked, paged.note),
            (vec!["a".into(), "c".into()], 3, None)
        );
    }
}
