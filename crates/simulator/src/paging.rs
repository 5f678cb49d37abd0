//! The platform's paging: `page`/`limit` query parameters in, a page of results with
//! `page`, `limit`, `hasMore`, `totalPages` and `totalResults` out.

use serde::Serialize;

use super::reply::ApiError;

/// One page of a list, in the platform's shape.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Page<T> {
    results: Vec<T>,
    page: usize,
    limit: usize,
    has_more: bool,
    total_pages: usize,
    total_results: usize,
}

/// Page `page` (1-based) of `all`, `limit` items a page (at least 1), each shown by `show`. A
/// page past the end is empty and has no more after it.
pub(crate) fn page_of<'a, T, R>(
    all: &'a [T],
    page: usize,
    limit: usize,
    show: impl FnMut(&'a T) -> R,
) -> Page<R> {
    let limit = limit.max(1);
    let total_pages = all.len().div_ceil(limit);
    let start = page.saturating_sub(1).saturating_mul(limit);
    Page {
        results: all.iter().skip(start).take(limit).map(show).collect(),
        page,
        limit,
        has_more: page < total_pages,
        total_pages,
        total_results: all.len(),
    }
}

/// The query parameter `name` as a whole number from 1, `None` when absent; anything else is
/// refused, so a client's paging bug shows instead of silently reading page 1.
pub(crate) fn positive(query: Option<&str>, name: &str) -> Result<Option<usize>, ApiError> {
    at_least(query, name, 1)
}

/// The query parameter `name` as a whole number from `min`, `None` when absent; anything else
/// is refused.
pub(crate) fn at_least(
    query: Option<&str>,
    name: &str,
    min: usize,
) -> Result<Option<usize>, ApiError> {
    let Some(value) = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
    else {
        return Ok(None);
    };
    match value.parse::<usize>() {
        Ok(number) if number >= min => Ok(Some(number)),
        _ => Err(ApiError::bad_request(format!(
            "{name} must be a whole number from {min}, not {value:?}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_split_the_list_and_say_whether_more_follow() {
        let all: Vec<u32> = (0..23).collect();
        let last = page_of(&all, 3, 10, |n| *n);
        assert_eq!(last.results, [20, 21, 22]);
        assert!(!last.has_more);
        assert_eq!((last.total_pages, last.total_results), (3, 23));
        assert!(page_of(&all, 2, 10, |n| *n).has_more);
        assert!(page_of(&all, usize::MAX, 10, |n| *n).results.is_empty());
        assert_eq!(page_of(&all, 1, 0, |n| *n).limit, 1);
    }

    #[test]
    fn page_numbers_are_whole_numbers_from_one() {
        assert_eq!(positive(None, "page").ok(), Some(None));
        assert_eq!(positive(Some("limit=5&page=2"), "page").ok(), Some(Some(2)));
        assert!(positive(Some("page=0"), "page").is_err());
        assert!(positive(Some("page=two"), "page").is_err());
        assert!(positive(Some("page=-1"), "page").is_err());
        assert!(positive(Some("page=99999999999999999999999"), "page").is_err());
        assert_eq!(at_least(Some("skip=0"), "skip", 0).ok(), Some(Some(0)));
    }
}
