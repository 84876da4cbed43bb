"""The llm system's pure parts: grounding, answer reading, options, prompts, backoff."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from benchmark.corpus import Document
from benchmark.gold import load_gold
from benchmark.systems import SystemOptionError, SystemUnavailable, load_system, parse_options
from systems.llm import prompts
from systems.llm.grounding import Grounder
from systems.llm.parsing import read_answer
from systems.llm.settings import parse_settings
from systems.llm.system import TASKS, LLMSystem
from systems.llm.transport import backoff_delay, retry_after_seconds

ROOT = Path(__file__).resolve().parent.parent

# ------------------------------------------------------------------ grounding

TEXT = "Iraq said Iraq. The IRAQ file: Baghdad, Bagdhad and Iraqi forces."


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        # successive answers take successive occurrences, whole words first
        (["Iraq", "Iraq"], [(0, 4, "exact"), (10, 14, "exact")]),
        # a third takes the case-insensitive one; a fourth the one inside "Iraqi"
        (["Iraq"] * 4, [(0, 4, "exact"), (10, 14, "exact"), (20, 24, "fuzzy"), (52, 56, "exact")]),
        # case-insensitive when no exact occurrence
        (["baghdad"], [(31, 38, "fuzzy")]),
        # fuzzy: a misspelling of a word of the text, above the threshold
        (["Baghdadd"], [(31, 38, "fuzzy")]),
        # nothing similar enough: offset-free
        (["Washington"], [(None, None, "unaligned")]),
        # quotes and spaces around an answer are trimmed; empty answers unaligned
        ([' "Baghdad" ', "  "], [(31, 38, "exact"), (None, None, "unaligned")]),
    ],
)
def test_grounding_table(answers: list[str], expected: list[tuple[int | None, ...]]) -> None:
    grounder = Grounder(TEXT)
    got = [(a.start, a.end, a.how) for a in map(grounder.locate, answers)]
    assert got == expected
    counts = grounder.counts
    hows = [e[2] for e in expected]
    assert (counts.exact, counts.fuzzy, counts.unaligned) == (
        hows.count("exact"),
        hows.count("fuzzy"),
        hows.count("unaligned"),
    )


def test_grounding_fuzzy_threshold_is_respected() -> None:
    assert Grounder(TEXT, threshold=0.99).locate("Baghdadd").how == "unaligned"
    with pytest.raises(ValueError, match="threshold"):
        Grounder(TEXT, threshold=0.0)


@given(st.text(alphabet="ab cAB.", min_size=1, max_size=40), st.data())
def test_grounding_substrings_of_the_text_always_land(text: str, data: st.DataObject) -> None:
    """Any piece of the text lands on an equal piece (up to case), never offset-free."""
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    needle = text[start:end].strip(" ")
    if not needle:
        return
    alignment = Grounder(text).locate(needle)
    assert alignment.start is not None and alignment.end is not None
    assert text[alignment.start : alignment.end].lower() == needle.lower()
    assert alignment.how in ("exact", "fuzzy")


# ------------------------------------------------------------------ reading answers

SCHEMA = TASKS["entities"].answer_schema()


@pytest.mark.parametrize(
    ("text", "valid", "salvaged", "problem"),
    [
        ('{"entities": [{"text": "Iraq", "type": "GPE"}]}', True, False, ""),
        # prose and a code fence around the JSON
        ('Sure:\n```json\n{"entities": []}\n```', True, False, ""),
        # a raw control character inside a string (llama.cpp's grammar lets it through)
        ('{"entities": [{"text": "Ir\taq", "type": "GPE"}]}', True, False, ""),
        # cut off in the middle of the second item: the first is kept
        ('{"entities": [{"text": "Iraq", "type": "GPE"}, {"text": "Ba', True, True, ""),
        ("no json here", False, False, "not JSON"),
        ('{"entities": [{"text": "Iraq", "type": "CITY"}]}', False, False, "breaks the schema"),
        ('{"entities": [{"text": "Iraq"}]}', False, False, "'type' is a required property"),
    ],
)
def test_read_answer(text: str, valid: bool, salvaged: bool, problem: str) -> None:
    reading = read_answer(text, SCHEMA)
    assert (reading.value is not None) == valid
    assert reading.salvaged == salvaged
    assert problem in reading.problem
    if salvaged:
        assert reading.value == {"entities": [{"text": "Iraq", "type": "GPE"}]}


# ------------------------------------------------------------------ options


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        (
            ["model=x", "base-url=http://h:1/v1?a=b"],
            {"model": "x", "base-url": "http://h:1/v1?a=b"},
        ),
        ([], {}),
        (["empty="], {"empty": ""}),
    ],
)
def test_parse_options(pairs: list[str], expected: dict[str, str]) -> None:
    assert parse_options(pairs) == expected


@pytest.mark.parametrize(
    ("pairs", "message"),
    [(["model"], "not NAME=VALUE"), (["=x"], "not NAME=VALUE"), (["a=1", "a=2"], "twice")],
)
def test_parse_options_rejects(pairs: list[str], message: str) -> None:
    with pytest.raises(SystemOptionError, match=message):
        parse_options(pairs)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"colour": "red"}, "has no option 'colour'"),
        ({"shots": "two"}, "not an integer"),
        ({"fuzzy": "1.5"}, r"\(0, 1\]"),
        ({"layers": "entities,bogus"}, "must name layers"),
        ({"requests": "batch"}, "not one of per-layer, combined"),
        ({"base-url": "http://x/v1", "serve": "smollm2"}, "not both"),
    ],
)
def test_bad_llm_options(options: dict[str, str], message: str) -> None:
    with pytest.raises(SystemOptionError, match=message):
        load_system("llm", options)


def test_llm_without_a_server_is_unavailable_with_how_to() -> None:
    with pytest.raises(SystemUnavailable, match="base-url"):
        load_system("llm")


def test_options_change_the_version_only_when_they_change_outputs() -> None:
    base = {"base-url": "http://127.0.0.1:9/v1", "model": "m"}
    a = load_system("llm", base)
    assert a.version == load_system("llm", {**base, "retries": "9", "name": "x"}).version
    for change in ({"model": "n"}, {"shots": "2"}, {"temperature": "0.5"}, {"layers": "stances"}):
        assert load_system("llm", {**base, **change}).version != a.version
    assert a.name == "llm-m"
    assert a.options["model"] == "m"  # recorded in the results


def test_a_system_without_options_refuses_them() -> None:
    with pytest.raises(SystemOptionError, match="takes no options"):
        load_system("rules", {"model": "x"})


def test_llm_system_pickles_by_its_options() -> None:
    import pickle

    system = LLMSystem({"base-url": "http://127.0.0.1:9/v1", "model": "m", "shots": "1"})
    copy = pickle.loads(pickle.dumps(system))
    assert (copy.name, copy.version, copy.exposure) == (
        system.name,
        system.version,
        "leave-one-out",
    )
    assert LLMSystem({"base-url": "http://127.0.0.1:9/v1", "model": "m"}).exposure == "none"


def test_settings_defaults() -> None:
    s = parse_settings({})
    assert (s.requests, s.shots, s.temperature, s.structured) == ("per-layer", 0, 0.0, "auto")


# ------------------------------------------------------------------ prompts


def _sentences(text: str, minimum: int = 30) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+|\n+", text)
    return [p.strip() for p in parts if len(p.strip()) >= minimum]


def _fixed_prompt_text() -> str:
    placeholder = Document(
        "d", "", "", load_gold().documents["000_cfbd3f9e2e2eb4de"].document.dct, "stated"
    )
    groups = [[t] for t in TASKS.values()] + [list(TASKS.values())]
    texts = [m["content"] for g in groups for m in prompts.messages(placeholder, g)]
    texts += [m["content"] for m in prompts.repair_messages([], "", "problem")]
    return "\n".join(texts)


def test_prompts_hold_no_article_or_guideline_sentence() -> None:
    fixed = _fixed_prompt_text().lower()
    sources = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    sources.append((ROOT / "gold" / "GUIDELINES.md").read_text(encoding="utf-8"))
    leaked = [s for text in sources for s in _sentences(text) if s.lower() in fixed]
    assert leaked == []
    # and no run of eight words of an article either
    for text in sources[:-1]:
        words = re.findall(r"\w+", text.lower())
        grams = {" ".join(words[i : i + 8]) for i in range(len(words) - 7)}
        fixed_words = " ".join(re.findall(r"\w+", fixed))
        assert not [g for g in grams if g in fixed_words]


def test_dct_is_in_the_prompt() -> None:
    doc = load_gold().documents["000_cfbd3f9e2e2eb4de"].document
    text = prompts.user_message(doc, [TASKS["timexes"]])
    assert f"(dct): {doc.dct.isoformat()}" in text


@pytest.mark.parametrize("k", [1, 3, 8])
def test_k_shot_examples_leave_the_document_out(k: int) -> None:
    gold = load_gold()
    for gdoc in gold:
        for group in ([TASKS["entities"]], list(TASKS.values())):
            examples = prompts.select_examples(gold, gdoc.doc_id, group, k)
            assert len(examples) == k
            assert all(ex.doc_id != gdoc.doc_id for ex in examples)
            for ex in examples:
                source = gold.documents[ex.doc_id].document.text
                assert ex.passage in source
                answer = json.loads(ex.answer)
                assert sorted(answer) == sorted(t.layer for t in group)
                for item in answer.get("entities", []):
                    assert item["text"] in ex.passage


def test_zero_shot_has_no_examples() -> None:
    assert prompts.select_examples(load_gold(), "x", [TASKS["entities"]], 0) == []


# ------------------------------------------------------------------ backoff


@pytest.mark.parametrize(
    ("value", "expected"),
    [("3", 3.0), ("0.5", 0.5), ("-4", 0.0), (None, None), ("soon", None)],
)
def test_retry_after_seconds(value: str | None, expected: float | None) -> None:
    assert retry_after_seconds(value) == expected


def test_retry_after_http_date() -> None:
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:10 GMT", now=1445412480.0) == 10.0


@pytest.mark.parametrize(
    ("attempt", "rng", "retry_after", "expected"),
    [
        (0, 1.0, None, 1.0),  # ceiling backoff * 2**0, full jitter at its top
        (3, 0.5, None, 4.0),  # 8 * 0.5
        (10, 1.0, None, 30.0),  # capped at max_backoff
        (0, 0.1, 5.0, 5.0),  # Retry-After wins when longer
        (0, 0.1, 99.0, 30.0),  # but is capped too
    ],
)
def test_backoff_delay(
    attempt: int, rng: float, retry_after: float | None, expected: float
) -> None:
    assert backoff_delay(attempt, 1.0, 30.0, retry_after, lambda: rng) == pytest.approx(expected)


# ------------------------------------------------------------------ fast schema check

_LEAF = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.floats(-2, 2, allow_nan=False),
    st.sampled_from(["GPE", "DATE", "FAVOR", "exact", "current", "x", "BEFORE"]),
)
_KEYS = st.sampled_from(["text", "type", "value", "mod", "holder", "label", "evidence",
                         "location", "force", "qualifier", "time", "entities", "timexes",
                         "troop_counts", "stances", "extra"])  # fmt: skip
_JSON = st.recursive(
    _LEAF,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(_KEYS, inner, max_size=6)),
    max_leaves=12,
)


@given(st.sampled_from(sorted(TASKS)), st.booleans(), _JSON)
def test_fast_check_never_accepts_what_jsonschema_rejects(
    layer: str, combined: bool, value: object
) -> None:
    from jsonschema import Draft202012Validator

    from systems.llm.parsing import plainly_valid

    tasks = list(TASKS.values()) if combined else [TASKS[layer]]
    schema = prompts.answer_schema(tasks)
    # also wrap the value the way an answer is shaped, so valid answers are reached
    for candidate in (value, {t.layer: [value] for t in tasks}, {t.layer: [] for t in tasks}):
        if plainly_valid(candidate, schema):
            assert Draft202012Validator(schema).is_valid(candidate)
    assert plainly_valid({t.layer: [] for t in tasks}, schema)


def test_fast_check_accepts_gold_shaped_answers() -> None:
    from systems.llm.parsing import plainly_valid

    gold = load_gold()
    for gdoc in gold:
        for layer, task in TASKS.items():
            answer = {layer: [item for _, item in task.examples(gdoc, gold.registry)]}
            assert plainly_valid(answer, task.answer_schema()), (gdoc.doc_id, layer)
