"""Question sets: TOML data under templates/formats/ (the folder keeps the name the CLI gives a set,
as in `--format` and `postmortem formats`), loaded and validated here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from postmortem import store
from postmortem.errors import Key, PostmortemError, about, kept
from postmortem.resources import templates_dir

KINDS = ("items", "text", "rating", "choice", "people", "scores", "events")
ITEM_FIELDS = ("owner", "due", "instead", "type")
EVENT_FIELDS = ("time", "what")
PEOPLE_FIELDS = ("name", "role", "interest")
DEFAULT_LABELS = ("Very poor", "Poor", "Mixed", "Good", "Very good")
DEFAULT_TYPES = ("prevent", "mitigate", "process", "other")


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    prompt: str
    help: str
    heading: str
    fields: tuple[str, ...] = ()
    actions: bool = False
    agreements: bool = False  # entries are agreements the team keeps; the next post-mortem shows them first
    labels: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    dimensions: tuple[str, ...] = ()
    key: str = "team"
    types: tuple[str, ...] = ()
    blame_check: bool = False  # answers are checked for blame on a named person (see nudges.py)


@dataclass(frozen=True)
class QuestionSet:
    id: str
    title: str
    description: str
    intro: str
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


def builtin_dir() -> Path:
    """The built-in question sets."""
    return templates_dir() / "formats"


def _search_dirs() -> list[Path]:
    from postmortem.resources import user_sets_dir

    return [user_sets_dir(), builtin_dir()]


def known_ids() -> list[str]:
    """Ids of the user's own sets and of the built-in ones."""
    return sorted({path.stem for folder in _search_dirs() for path in folder.glob("*.toml")})


def is_path(set_id: str) -> bool:
    """A set file (path/to/set.toml) rather than the id of a built-in set."""
    return set_id.endswith(".toml") or Path(set_id).parent != Path(".")


def load(set_id: str) -> QuestionSet:
    """Load a set by id (the user's sets folder first, then the built-ins), or a set file by path."""
    return parse(store.read_toml(source_file(set_id)), source_file(set_id))


def source_file(set_id: str) -> Path:
    """The file a set id or path stands for."""
    if is_path(set_id):
        return Path(set_id)
    candidate = next((d / f"{set_id}.toml" for d in _search_dirs() if (d / f"{set_id}.toml").is_file()), None)
    if candidate is None:
        raise PostmortemError(f"unknown question set {set_id!r}; known question sets: {', '.join(known_ids())}")
    return candidate


def _text(data: dict[str, Any], key: str, where: str, *, required: bool = True, at: Key = ()) -> str:
    value = data.get(key, "")
    if not isinstance(value, str) or (required and not value.strip()):
        raise PostmortemError(f"{where}{key} must be a non-empty string", key=(*at, key))
    return value.strip()


def _strings(data: dict[str, Any], key: str, where: str, at: Key) -> tuple[str, ...]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise PostmortemError(f"{where}{key} must be a list of non-empty strings", key=(*at, key))
    return tuple(v.strip() for v in value)


def _question(data: Any, index: int) -> Question:
    at: Key = ("questions", index)
    if not isinstance(data, dict):
        raise PostmortemError(f"question {index + 1} must be a table", key=at)
    qid = data.get("id")
    if not isinstance(qid, str) or not qid.isidentifier():
        raise PostmortemError(f"question {index + 1}: id must be a name such as went_well, not {qid!r}", key=(*at, "id"))
    where = f"question {qid!r}: "
    allowed = set(Question.__dataclass_fields__)
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise PostmortemError(f"{where}unknown key {unknown[0]!r}", key=(*at, unknown[0]))
    kind = data.get("kind")
    if kind not in KINDS:
        raise PostmortemError(f"{where}kind must be one of {', '.join(KINDS)}, not {kind!r}", key=(*at, "kind"))
    fields = _strings(data, "fields", where, at)
    bad = [f for f in fields if f not in ITEM_FIELDS]
    if bad or (fields and kind != "items"):
        raise PostmortemError(f"{where}fields are for items questions and may be {', '.join(ITEM_FIELDS)}", key=(*at, "fields"))
    labels = _strings(data, "labels", where, at) or (DEFAULT_LABELS if kind in ("rating", "scores") else ())
    if kind in ("rating", "scores") and not 2 <= len(labels) <= 10:
        raise PostmortemError(f"{where}labels must name 2 to 10 points of the scale", key=(*at, "labels"))
    types = _strings(data, "types", where, at)
    if types and "type" not in fields:
        raise PostmortemError(f"{where}types are for an items question whose fields include \"type\"", key=(*at, "types"))
    if len({t.casefold() for t in types}) != len(types):
        raise PostmortemError(f"{where}types must not repeat a type", key=(*at, "types"))
    if "type" in fields and not types:
        types = DEFAULT_TYPES
    choices = _strings(data, "choices", where, at)
    if kind == "choice" and len(choices) < 2:
        raise PostmortemError(f"{where}choices must list at least two answers", key=(*at, "choices"))
    dimensions = _strings(data, "dimensions", where, at)
    if kind == "scores" and not (dimensions and all(d.isidentifier() for d in dimensions)):
        raise PostmortemError(f"{where}dimensions must list names such as response_time", key=(*at, "dimensions"))
    actions = data.get("actions", False)
    if not isinstance(actions, bool) or (actions and kind != "items"):
        raise PostmortemError(f"{where}actions must be true or false, and only on an items question", key=(*at, "actions"))
    agreements = data.get("agreements", False)
    if not isinstance(agreements, bool) or (agreements and (kind != "items" or actions)):
        raise PostmortemError(f"{where}agreements must be true or false, and only on an items question that is not actions", key=(*at, "agreements"))
    blame_check = data.get("blame_check", False)
    if not isinstance(blame_check, bool) or (blame_check and kind not in ("items", "text")):
        raise PostmortemError(f"{where}blame_check must be true or false, and only on an items or text question", key=(*at, "blame_check"))
    prompt = _text(data, "prompt", where, at=at)
    return Question(
        id=qid,
        kind=kind,
        prompt=prompt,
        help=_text(data, "help", where, at=at),
        heading=_text(data, "heading", where, required=False, at=at) or prompt,
        fields=fields,
        actions=actions,
        agreements=agreements,
        labels=labels,
        choices=choices,
        dimensions=dimensions,
        key=_text(data, "key", where, required=False, at=at) or "team",
        types=types,
        blame_check=blame_check,
    )


def parse(data: dict[str, Any], source: Path | str, every: list[PostmortemError] | None = None) -> QuestionSet:
    """Validate a question set read from source; errors name the file and the question.
    every: a list that gets every problem (one per question at most) instead of the first raised."""
    with about(source):
        kept(every, store.check_schema_version, data)
        questions = data.get("questions")
        if not isinstance(questions, list) or not questions:
            raise PostmortemError("needs at least one [[questions]] table", key=("questions",))
        checked = [kept(every, _question, q, i) for i, q in enumerate(questions)]
        parsed = tuple(q for q in checked if q is not None)
        ids = [q.id for q in parsed]
        duplicate = next((i for i in ids if ids.count(i) > 1), None)
        if duplicate:
            where = ("questions", len(ids) - 1 - ids[::-1].index(duplicate), "id")
            kept(every, _fail, f"question {duplicate!r}: id used twice", where)
        default_id = Path(source).stem
        texts = {
            name: kept(every, lambda n: _text(data, n, "", required=n == "title"), name)
            for name in ("id", "title", "description", "intro")
        }
        return QuestionSet(
            id=texts["id"] or default_id,
            title=texts["title"] or "",
            description=texts["description"] or "",
            intro=texts["intro"] or "",
            questions=parsed,
        )


def _fail(message: str, key: Key) -> None:
    raise PostmortemError(message, key=key)


def listing() -> str:
    """Every known question set, a line each: id and description (`postmortem formats`). A set is
    anyone's file: its text is made plain, so no escape sequence reaches the terminal."""
    from postmortem.escape import plain

    ids = known_ids()
    width = max(len(plain(i)) for i in ids)
    return "".join(f"{plain(set_id):<{width}}  {plain(load(set_id).description)}\n" for set_id in ids)


def describe(qset: QuestionSet) -> str:
    """Every question of a set with its kind, help, choices, fields and types (`postmortem formats ID`)."""
    from postmortem.escape import plain

    lines = [f"{plain(qset.title)} ({plain(qset.id)})\n{plain(qset.description)}\n\n"]
    for number, question in enumerate(qset.questions, 1):
        lines.append(f"{number}. {plain(question.prompt)}  [{question.kind}]\n")
        lines += [f"   {plain(line)}\n" for line in question.help.strip().splitlines()]
        for name, values in (("choices", question.choices), ("fields", question.fields), ("types", question.types)):
            if values:
                lines.append(f"   {name}: {', '.join(map(plain, values))}\n")
        lines.append("\n")
    return "".join(lines)
