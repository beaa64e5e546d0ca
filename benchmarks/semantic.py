"""Grouping and the suggestions of `postmortem groups`, lexical only and with the semantic extra,
side by side on labelled corpora (docs/grouping.md gives the figures).

    python benchmarks/semantic.py                      # the project's corpora under tests/data/
    python benchmarks/semantic.py CORPUS.toml ...      # any corpus of the same form

Run it with the interpreter of the environment postmortem is installed in, with the extra
(`pip install -e '.[semantic]'`). A corpus is [[clusters]] of `question`, `id`, `wordings`, and
either `trap = "ID: why"` (tests/data/) or `note = "... hard-neg: ID ..."` naming the cluster
that looks alike but makes another point.

Per corpus, for each method:
- B3-P, B3-R: B-cubed precision and recall of the groups; pair-P, pair-R: of the pairs joined;
  traps: look-alike pairs joined. Grouping is lexical either way (meaning does not join).
- found: of the wordings that have a partner (another wording of their point), those that have
  one in their group or in the group of one of their 3 suggestions (`groups --json`);
  found shown: the same, counting only suggestions alike enough for the text view (review.SHOW).
- joining when both agree: groups are also joined when a wording's suggestion is alike by words
  (at least JOIN_WORDS) and in meaning (at least JOIN_MEANING): a design measured and left out.
- semantic alone: how many pairs of one point, and of different points, reach a cosine of
  meaning: why meaning ranks suggestions but does not join.
Then the time to load the model, to embed a wording, and of the suggestions for 1,000 wordings.
"""

from __future__ import annotations

import re
import sys
import time
import tomllib
from collections import defaultdict
from collections.abc import Callable, Sequence
from itertools import combinations
from pathlib import Path

from postmortem import grouping, review, semantic

HERE = Path(__file__).resolve().parent.parent / "tests" / "data"
CORPORA = [HERE / "real-notes-corpus.toml", HERE / "grouping-corpus.toml"]
BARS = (0.3, 0.4, 0.5)
JOIN_WORDS, JOIN_MEANING = 0.3, 0.5  # of the settings tried, the one that joined fewest wrong pairs


def load(path: Path) -> tuple[dict[str, list[tuple[str, str]]], set[frozenset[str]]]:
    """Per question, every (wording, cluster id); and the look-alike pairs of cluster ids."""
    clusters = tomllib.loads(path.read_text(encoding="utf-8"))["clusters"]
    by_question: dict[str, list[tuple[str, str]]] = defaultdict(list)
    traps: set[frozenset[str]] = set()
    for cluster in clusters:
        by_question[cluster["question"]] += [(w.strip(), cluster["id"]) for w in cluster["wordings"]]
        named = [cluster["trap"].split(":")[0]] if "trap" in cluster else []
        named += [other.rstrip(".") for other in re.findall(r"hard-neg(?::| of)\s*([A-Za-z0-9_.-]+)", cluster.get("note", ""))]
        traps |= {frozenset((cluster["id"], other)) for other in named}
    return by_question, traps


class Tally:
    def __init__(self) -> None:
        self.count = self.precision = self.recall = 0.0
        self.true = self.false = self.missed = 0
        self.traps: set[frozenset[str]] = set()
        self.having = self.found = self.found_shown = 0

    def add(self, gold: list[str], groups: list[list[int]], near: list[list[tuple[int, float]]], traps: set[frozenset[str]]) -> None:
        n = len(gold)
        group_of = {i: number for number, members in enumerate(groups) for i in members}
        members = [set(m) for m in groups]
        for i in range(n):
            mine = members[group_of[i]]
            both = sum(gold[j] == gold[i] for j in mine)
            self.precision += both / len(mine)
            self.recall += both / sum(g == gold[i] for g in gold)
            partners = {j for j in range(n) if j != i and gold[j] == gold[i]}
            if partners:
                self.having += 1
                self.found += bool(partners & mine) or any(partners & members[group_of[j]] for j, _ in near[i])
                self.found_shown += bool(partners & mine) or any(partners & members[group_of[j]] for j, s in near[i] if s >= review.SHOW)
        self.count += n
        for i, j in combinations(range(n), 2):
            together, alike = group_of[i] == group_of[j], gold[i] == gold[j]
            self.true += together and alike
            self.false += together and not alike
            self.missed += alike and not together
            if together and not alike and frozenset((gold[i], gold[j])) in traps:
                self.traps.add(frozenset((gold[i], gold[j])))

    def line(self, name: str) -> str:
        pair_p = self.true / (self.true + self.false) if self.true + self.false else 1.0
        pair_r = self.true / (self.true + self.missed) if self.true + self.missed else 1.0
        return (f"  {name:<24} {self.precision / self.count:>6.3f} {self.recall / self.count:>6.3f} {pair_p:>7.3f} {pair_r:>7.3f}"
                f" {len(self.traps):>6} {self.found / self.having:>6.3f} {self.found_shown / self.having:>12.3f}")


def joined(texts: list[str], groups: list[list[int]], meaning: Callable[[int, Sequence[int]], list[float]]) -> list[list[int]]:
    """groups, and those joined where a wording's suggestion is alike enough both by words and in meaning."""
    parent = list(range(len(groups)))

    def root(n: int) -> int:
        while parent[n] != n:
            n = parent[n]
        return n

    group_of = {i: number for number, members in enumerate(groups) for i in members}
    for i, near in enumerate(grouping.suggestions(texts, groups)):
        for j, alike in near:
            if alike >= JOIN_WORDS and meaning(i, [j])[0] >= JOIN_MEANING:
                parent[root(group_of[j])] = root(group_of[i])
    out: dict[int, list[int]] = defaultdict(list)
    for number, members in enumerate(groups):
        out[root(number)] += members
    return list(out.values())


def measure(path: Path) -> None:
    by_question, traps = load(path)
    lexical, meant, both = Tally(), Tally(), Tally()
    reach: dict[float, list[int]] = {bar: [0, 0] for bar in BARS}  # pairs of one point, of two, at or above the bar
    for items in by_question.values():
        texts, gold = [w for w, _ in items], [c for _, c in items]
        groups = grouping.group(texts)
        lexical.add(gold, groups, grouping.suggestions(texts, groups), traps)
        meaning = semantic.similarities(texts)
        if meaning is None:
            continue
        meant.add(gold, groups, grouping.suggestions(texts, groups, senses=meaning), traps)
        more = joined(texts, groups, meaning)
        both.add(gold, more, grouping.suggestions(texts, more, senses=meaning), traps)
        for i in range(len(texts)):
            row = meaning(i, range(len(texts)))
            for j in range(i + 1, len(texts)):
                for bar in BARS:
                    if row[j] >= bar:
                        reach[bar][gold[i] != gold[j]] += 1
    pairs = sum(len({c for _, c in items}) for items in by_question.values())
    print(f"{path.name}: {sum(map(len, by_question.values()))} wordings, {pairs} points, {len(traps)} look-alike pairs")
    print(f"  {'method':<24} {'B3-P':>6} {'B3-R':>6} {'pair-P':>7} {'pair-R':>7} {'traps':>6} {'found':>6} {'found shown':>12}")
    print(lexical.line("lexical"))
    if meant.count:
        print(meant.line("semantic suggestions"))
        print(both.line("joining when both agree"))
        reached = "; ".join(f"{bar}: {one} of one point, {two} of two" for bar, (one, two) in reach.items())
        print(f"  semantic alone, pairs reaching a cosine of: {reached}")
    else:
        print("  (no semantic extra installed)")


def timing() -> None:
    start = time.perf_counter()
    if not semantic.available():
        return
    loaded = time.perf_counter() - start
    texts = [w for path in CORPORA for items in load(path)[0].values() for w, _ in items]
    many = [f"{text} ({n})" for n in range(1000 // len(texts) + 1) for text in texts][:1000]
    start = time.perf_counter()
    semantic.similarities(many)
    embed = (time.perf_counter() - start) / len(many)
    groups = grouping.group(many)
    times = []
    for meaning in (None, semantic.similarities(many)):
        start = time.perf_counter()
        grouping.suggestions(many, groups, senses=meaning)
        times.append(time.perf_counter() - start)
    print(f"model: import and load {loaded:.2f} s; embedding {embed * 1e6:.0f} µs a wording;"
          f" suggestions for 1,000 wordings: {times[0]:.2f} s lexical, {times[1]:.2f} s with meaning")


def main(argv: list[str]) -> int:
    timing()
    for path in [Path(a) for a in argv] or CORPORA:
        measure(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
