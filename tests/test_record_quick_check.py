"""A record's sections are checked in bulk when their entries are as merge writes them, and entry
by entry otherwise: both ways find exactly the same problems, whatever the entries hold."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from postmortem import record

ODD = st.one_of(
    st.sampled_from(["", " ", "Ops", "Łukasz", 0, 3, -1, 10**10, True, 1.5, dt.date(2026, 11, 2), dt.datetime(2026, 11, 2, 9, 0)]),
    st.just([]),
    st.just({}),
)
TEXTS = st.lists(st.sampled_from(["Ana", "Bo", ""]), max_size=2) | ODD
GIVEN = st.lists(
    st.dictionaries(
        st.sampled_from(["value", "raised_by", "count", "who"]),
        st.one_of(st.sampled_from(["a", dt.date(2026, 12, 1), 1]), TEXTS, ODD),
        max_size=3,
    )
    | ODD,
    max_size=3,
)


def _entries(kind: str, keys: dict[str, st.SearchStrategy]) -> st.SearchStrategy:
    return st.lists(st.dictionaries(st.sampled_from(sorted(keys)), st.one_of(*keys.values()), max_size=6) | ODD, max_size=4).map(
        lambda entries: {"id": kind, "kind": kind, record.SECTION_LISTS[kind]: entries}
    )


ITEM = {
    "text": st.sampled_from(["Clear scope", "", "Book rooms"]) | ODD, "id": st.sampled_from(["A1", "a1", "A2"]) | ODD,
    "status": st.sampled_from(record.STATUSES) | ODD, "due": st.just(dt.date(2026, 12, 1)) | ODD, "count": ODD,
    "raised_by": TEXTS, "owner_given": GIVEN, "due_given": GIVEN, "instead": ODD,
}
PERSON = {"name": st.sampled_from(["Ana", ""]) | ODD, "roles": TEXTS, "role_given": GIVEN, "interest_given": GIVEN, "count": ODD}


@settings(max_examples=400, deadline=None)
@given(st.lists(_entries("items", ITEM) | _entries("people", PERSON), min_size=1, max_size=3))
def test_the_bulk_check_finds_what_the_entry_by_entry_check_finds(sections) -> None:
    data = {"project": "Billing", "date": dt.date(2026, 11, 2), "sections": sections}
    quick = [str(err) for err in record.problems(data)]
    original = record._well_formed
    record._well_formed = lambda *args: False  # every entry checked on its own
    try:
        slow = [str(err) for err in record.problems(data)]
    finally:
        record._well_formed = original
    assert quick == slow


def test_values_given_as_merge_writes_them_pass_in_bulk() -> None:
    given = [{"value": "Ana", "raised_by": ["Ana"], "count": 1}, {"value": dt.date(2026, 12, 1), "raised_by": ["Bo"]}]
    items = [{"text": "Book rooms", "owner_given": given, "due_given": given}]
    people = [{"name": "Ana", "role_given": given, "interest_given": given}]
    assert record._well_formed("items", items) and record._well_formed("people", people)
    assert not record._well_formed("items", [{"text": "Book rooms", "owner_given": [{"raised_by": ["Ana"]}]}])
    assert not record._well_formed("people", [{"name": "Ana", "role_given": [{"value": dt.datetime(2026, 12, 1, 9, 0)}]}])
