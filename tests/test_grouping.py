from __future__ import annotations

import random
import time

from postmortem.grouping import group, key


def test_case_punctuation_plurals_and_filler_do_not_matter() -> None:
    assert key("Unannounced drop-ins, several times a day.") == key("unannounced drop in several times each day")
    assert key("Daily check-ins") == key("daily check in")
    assert key("The VP set expectations up front") == key("VP set expectations up-front!")


def test_one_word_added_dropped_or_changed_in_longer_texts() -> None:
    texts = [
        "Ask corporate for a temporary extra resource during busy season",
        "Ask for a temporary extra resource during busy season",  # dropped
        "Ask corporate for a temporary extra person during busy season",  # changed
        "Move the rollout out of busy season",
        "More tests",
        "More docs",
        "---",
        "~~~",
    ]
    assert group(texts) == [[0, 1, 2], [3], [4], [5], [6], [7]]


def test_short_texts_only_group_when_equal() -> None:
    assert group(["Fix builds", "Fix flaky builds", "fix build"]) == [[0, 2], [1]]


def test_grouping_grows_linearly() -> None:
    rng = random.Random(7)
    vocabulary = [f"word{i}" for i in range(2000)]

    def texts(n: int) -> list[str]:
        return [" ".join(rng.sample(vocabulary, 8)) for _ in range(n)]

    small, large = texts(5_000), texts(50_000)
    started = time.perf_counter()
    group(small)
    small_time = time.perf_counter() - started
    started = time.perf_counter()
    assert len(group(large)) > 49_000
    large_time = time.perf_counter() - started
    assert large_time < 25 * small_time  # 10x the texts: linear is ~10x, quadratic would be ~100x
