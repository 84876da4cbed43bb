"""Tests of the rules baseline's own logic, on made-up sentences and on the seeds."""

from __future__ import annotations

import datetime as dt
import json
from itertools import pairwise

import pytest

from benchmark.corpus import Document, default_seeds_dir, read_seed, seed_paths
from benchmark.layers.entities import ENTITY_TYPES
from benchmark.layers.timexes import is_timex3_value
from benchmark.predictions import Prediction, parse_prediction
from systems.rules import RulesSystem
from systems.rules.text import Layout, is_boilerplate
from systems.rules.timexes import resolve_day, resolve_month, resolve_weekday
from systems.timex3 import iso_week

DCT = dt.date(2024, 1, 8)  # a Monday


def run(text: str, dct: dt.date = DCT) -> Prediction:
    return RulesSystem().extract(Document("doc", text, "", dct, "inferred"))


def entities(text: str) -> list[tuple[str, str]]:
    return [(e.type, e.text or "") for e in run(text).entities or ()]


def timexes(text: str, dct: dt.date = DCT) -> list[tuple[str, str, str | None, str | None]]:
    return [(t.text or "", t.value, t.type, t.mod) for t in run(text, dct).timexes or ()]


def troops(text: str) -> list[tuple[object, ...]]:
    return [
        (t.text, t.value, t.qualifier, t.force, t.location, t.time)
        for t in run(text).troop_counts or ()
    ]


def stances(text: str) -> list[tuple[str, str]]:
    return [(s.holder, s.label) for s in run(text).stances or ()]


# ------------------------------------------------------------ the system object


def test_system_attributes() -> None:
    system = RulesSystem()
    assert system.name == "rules"
    assert isinstance(system.version, str) and system.version
    assert system.layers == ("entities", "timexes", "troop_counts", "stances")
    assert system.parallel == "process"
    assert (RulesSystem.__doc__ or "").strip()


# ------------------------------------------------------------ date resolution


@pytest.mark.parametrize(
    ("sentence", "dct", "expected"),
    [
        # a bare weekday in a past-tense reporting clause: on or before the dct
        ("Officials said Monday the talks ended.", DCT, ("Monday", "2024-01-08", "DATE", None)),
        ("She spoke to reporters Friday.", DCT, ("Friday", "2024-01-05", "DATE", None)),
        ("He will travel to Rome on Friday.", DCT, ("Friday", "2024-01-12", "DATE", None)),
        ("The envoy left last Monday.", DCT, ("last Monday", "2024-01-01", "DATE", None)),
        ("The strike came last week.", DCT, ("last week", "2024-W01", "DATE", None)),
        ("Talks resumed this week.", DCT, ("this week", "2024-W02", "DATE", None)),
        (
            "The strike came last week.",
            dt.date(2021, 1, 6),
            ("last week", "2020-W53", "DATE", None),
        ),
        (
            "Lawmakers met earlier this month.",
            dt.date(2024, 1, 25),
            ("earlier this month", "2024-01", "DATE", None),
        ),
        (
            "Lawmakers met last month.",
            dt.date(2024, 1, 25),
            ("last month", "2023-12", "DATE", None),
        ),
        (
            "It was planned in late December 2019.",
            DCT,
            ("late December 2019", "2019-12", "DATE", "END"),
        ),
        (
            "Attacks began in mid-October.",
            dt.date(2024, 1, 25),
            ("mid-October", "2023-10", "DATE", "MID"),
        ),
        (
            "The war began on Oct. 7 with an attack.",
            dt.date(2024, 1, 25),
            ("Oct. 7", "2023-10-07", "DATE", None),
        ),
        (
            "Operations continued as of January 16th.",
            dt.date(2020, 1, 17),
            ("January 16th", "2020-01-16", "DATE", None),
        ),
        (
            "The convoy left on December 28.",
            dt.date(2024, 1, 5),
            ("December 28", "2023-12-28", "DATE", None),
        ),
        (
            "Talks began in August about the future.",
            dt.date(2024, 1, 25),
            ("August", "2023-08", "DATE", None),
        ),
        ("Troops returned in 2014.", DCT, ("2014", "2014", "DATE", None)),
        ("The last convoy left in late 2011.", DCT, ("late 2011", "2011", "DATE", "END")),
        ("It happened in the 1990s.", DCT, ("1990s", "199X", "DATE", None)),
        (
            "The talks cap two decades of involvement.",
            DCT,
            ("two decades", "P20Y", "DURATION", None),
        ),
        (
            "After several weeks of attacks, they struck.",
            DCT,
            ("several weeks", "PXW", "DURATION", None),
        ),
        (
            "It rained over the last few months.",
            DCT,
            ("the last few months", "PXM", "DURATION", None),
        ),
        ("A months-long cycle of violence.", DCT, ("months-long", "PXM", "DURATION", None)),
        ("They had discussed it for months.", DCT, ("months", "PXM", "DURATION", None)),
        ("It came a day after the vote.", DCT, ("a day", "P1D", "DURATION", None)),
        (
            "The road took more than two years.",
            DCT,
            ("more than two years", "P2Y", "DURATION", "MORE_THAN"),
        ),
        ("The group grew in recent years.", DCT, ("recent years", "PAST_REF", "DATE", None)),
        ("The talks will now commence.", DCT, ("now", "PRESENT_REF", "DATE", None)),
        ("Meetings are set to begin soon.", DCT, ("soon", "FUTURE_REF", "DATE", None)),
        ("This is about the future and more.", DCT, ("the future", "FUTURE_REF", "DATE", None)),
        ("The border is crossed every day.", DCT, ("every day", "P1D", "SET", None)),
        (
            "The meetings were delayed in the fall.",
            dt.date(2024, 1, 25),
            ("the fall", "2023-FA", "DATE", None),
        ),
        (
            "The meetings were delayed in the fall.",
            dt.date(2023, 10, 15),
            ("the fall", "2023-FA", "DATE", None),
        ),
        (
            "Days before Christmas, the general held talks.",
            DCT,
            ("Days before Christmas", "2023-12-25", "DATE", "BEFORE"),
        ),
        ("It happened two years ago.", DCT, ("two years ago", "2022", "DATE", None)),
        ("The vote is at 3 p.m. sharp.", DCT, ("3 p.m.", "2024-01-08T15:00", "TIME", None)),
        ("They spoke yesterday.", DCT, ("yesterday", "2024-01-07", "DATE", None)),
        ("Prices rose last year.", DCT, ("last year", "2023", "DATE", None)),
    ],
)
def test_timex_resolution(
    sentence: str, dct: dt.date, expected: tuple[str, str, str, str | None]
) -> None:
    assert expected in timexes(sentence, dct)


def test_coordinated_timexes_are_separate() -> None:
    found = timexes("Forces will move over the coming days and weeks.")
    assert [(t[0], t[1]) for t in found] == [("the coming days", "PXD"), ("weeks", "PXW")]


@pytest.mark.parametrize(
    "sentence",
    [
        "Bases were attacked more than 120 times.",
        "The army later withdrew.",
        "The then-leader spoke once.",
        "Some 2,500 troops remain.",
        "They left as soon as possible.",
        "They discussed the future of the mission.",
        "The march could fall apart.",
    ],
)
def test_not_timexes(sentence: str) -> None:
    assert timexes(sentence) == []


def test_resolve_weekday() -> None:
    monday = dt.date(2024, 1, 8)
    assert resolve_weekday(0, monday) == monday
    assert resolve_weekday(3, monday) == dt.date(2024, 1, 4)
    assert resolve_weekday(0, monday, "last") == dt.date(2024, 1, 1)
    assert resolve_weekday(0, monday, "next") == dt.date(2024, 1, 15)
    assert resolve_weekday(0, monday, "future") == monday
    assert resolve_weekday(4, monday, "future") == dt.date(2024, 1, 12)


def test_resolve_month_and_day_cross_the_year() -> None:
    assert resolve_month(10, dt.date(2024, 1, 25)) == (2023, 10)
    assert resolve_month(1, dt.date(2024, 1, 25)) == (2024, 1)
    assert resolve_month(3, dt.date(2024, 1, 25), future=True) == (2024, 3)
    assert resolve_day(12, 28, dt.date(2024, 1, 5)) == dt.date(2023, 12, 28)
    assert resolve_day(1, 3, dt.date(2020, 1, 6)) == dt.date(2020, 1, 3)
    assert resolve_day(1, 10, dt.date(2024, 1, 5), future=True) == dt.date(2024, 1, 10)
    assert resolve_day(2, 30, dt.date(2024, 1, 5)) is None


def test_iso_week_uses_the_iso_year() -> None:
    assert iso_week(dt.date(2024, 1, 8)) == "2024-W02"
    assert iso_week(dt.date(2021, 1, 1)) == "2020-W53"


# ------------------------------------------------------------ troop counts


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "About 3,000 British soldiers are stationed in Kenya.",
            [("3,000", 3000, "approximately", "UK", "Kenya", "current")],
        ),
        (
            "More than 1,200 US troops were in Jordan at the peak.",
            [("1,200", 1200, "more_than", "US", "Jordan", "historical")],
        ),
        (
            "Around 2,000 American troops are in Kuwait and 700 in Qatar.",
            [
                ("2,000", 2000, "approximately", "US", "Kuwait", "current"),
                ("700", 700, "exact", "US", "Qatar", "current"),
            ],
        ),
        (
            "The Pentagon will send 1,500 more troops to Poland.",
            [("1,500", 1500, "exact", None, "Poland", "planned")],
        ),
        (
            "Talks with Jordan covered the 800 US troops there.",
            [("800", 800, "exact", "US", "Jordan", "current")],
        ),
        (
            "Under 300 Canadian troops serve in Latvia.",
            [("300", 300, "less_than", None, "Latvia", "current")],
        ),
        (
            "At the height of the surge, more 9,000 U.S. troops were on the ground in Chad.",
            [("9,000", 9000, "more_than", "US", "Chad", "historical")],
        ),
    ],
)
def test_troop_counts(sentence: str, expected: list[tuple[object, ...]]) -> None:
    assert troops(sentence) == expected


@pytest.mark.parametrize(
    "sentence",
    [
        "Five soldiers were killed and 12 troops wounded in Kuwait.",
        "The war left 4,000 U.S. troops and many civilians dead.",
        "The base in Kuwait was attacked 60 times.",
        "Some 100 members of parliament in Kenya voted.",
        "Congress approved $500 million for troops in Kenya.",
        "About 70 Americans have been injured in Kenya.",
    ],
)
def test_troop_count_exclusions(sentence: str) -> None:
    assert troops(sentence) == []


@pytest.mark.parametrize(
    ("words", "qualifier"),
    [
        ("around", "approximately"),
        ("about", "approximately"),
        ("roughly", "approximately"),
        ("some", "approximately"),
        ("over", "more_than"),
        ("more than", "more_than"),
        ("more", "more_than"),
        ("fewer than", "less_than"),
        ("less than", "less_than"),
        ("under", "less_than"),
        ("exactly", "exact"),
    ],
)
def test_qualifier_words(words: str, qualifier: str) -> None:
    [count] = troops(f"Officials said {words} 2,500 US troops are in Kenya.")
    assert count[2] == qualifier


def test_qualifier_belongs_only_to_its_number() -> None:
    found = troops("Roughly 2,500 American troops are in Kuwait and 900 in Qatar.")
    assert [(c[1], c[2]) for c in found] == [(2500, "approximately"), (900, "exact")]


# ------------------------------------------------------------ boilerplate


@pytest.mark.parametrize(
    "line",
    [
        "0 $",
        "2,500 $",
        "Click to see full-size image",
        "Credit:",
        "1: https://www.example.com/world/2024/01/25/story/",
        "Leave a Comment",
        "Scroll to Top",
        "Do you like this content? Consider helping us!",
        "Your email address will not be published. Required fields are marked *",
        "The Mention Sources Can Contact is to remove/Changing this articles",
        "   ",
    ],
)
def test_boilerplate_lines(line: str) -> None:
    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "The US has 2,500 troops in Iraq.",
        "Mustafa Salim contributed to this report.",
        "Pentagon Says It Won't Withdraw Troops",
        "Around 100 members signed a petition.",
    ],
)
def test_prose_lines_are_kept(line: str) -> None:
    assert not is_boilerplate(line)


def test_nothing_is_extracted_from_boilerplate() -> None:
    text = (
        "2,500 $\n5,000 $\nClick to see full-size image\n"
        "Around 2,500 US troops are in Kenya, Jane Doe said Monday.\n"
        "Credit:\n1: https://www.example.com/2024/01/08/us-troops-kenya/\nLeave a Comment\n"
    )
    prose_start = text.index("Around")
    prose_end = text.index("\n", prose_start)
    prediction = run(text)
    for layer in ("entities", "timexes", "troop_counts"):
        for item in getattr(prediction, layer):
            assert prose_start <= item.start < item.end <= prose_end, (layer, item)
    assert [c.value for c in prediction.troop_counts or ()] == [2500]


def test_sentences_do_not_end_at_abbreviations() -> None:
    text = "Maj. Gen. John Smith met U.S. officials on Oct. 7 in Rome. They left."
    layout = Layout.of(text)
    assert [text[s.start : s.end] for s in layout.sentences] == [
        "Maj. Gen. John Smith met U.S. officials on Oct. 7 in Rome.",
        "They left.",
    ]


# ------------------------------------------------------------ entity conventions


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Reporters gathered outside the Pentagon's briefing room.", [("ORG", "Pentagon")]),
        ("They met the Iran-backed group.", [("GPE", "Iran")]),
        ("Ships joined the US-led coalition.", [("GPE", "US")]),
        ("They backed the defeat-ISIS mission.", [("ORG", "ISIS")]),
        (
            "Defense Secretary Jane Doe spoke in Berlin.",
            [("PERSON", "Jane Doe"), ("GPE", "Berlin")],
        ),
        ("Maj. Gen. John Smith spoke.", [("PERSON", "John Smith")]),
        ("The Syrian parliament met.", [("ORG", "Syrian parliament")]),
        ("Troops left Syria's parliament.", [("GPE", "Syria")]),
        ("Fighters entered Kandahar province.", [("GPE", "Kandahar")]),
        ("The Italian Foreign Ministry spoke.", [("ORG", "Italian Foreign Ministry")]),
        ("Ships crossed the Sinai Peninsula.", [("LOC", "Sinai Peninsula")]),
        ("Crowds filled the Kabul airport.", [("FAC", "Kabul airport")]),
        ("Operation Desert Storm began in January.", [("EVENT", "Operation Desert Storm")]),
        (
            "The Norwegian Refugee Council (NRC) asked for aid.",
            [("ORG", "Norwegian Refugee Council"), ("ORG", "NRC")],
        ),
        ("The US Joint Chiefs of Staff met.", [("GPE", "US"), ("ORG", "Joint Chiefs of Staff")]),
        ("Troops left the Republic of Ruritania.", [("GPE", "Republic of Ruritania")]),
        ("Syrian and Iranian officials met.", [("NORP", "Syrian"), ("NORP", "Iranian")]),
        ("However, nothing happened on Monday in March.", []),
    ],
)
def test_entity_span_conventions(sentence: str, expected: list[tuple[str, str]]) -> None:
    assert entities(sentence) == expected


def test_surnames_inherit_person() -> None:
    found = entities("Jane Hoffman arrived in Rome. Later, Hoffman said nothing.")
    assert ("PERSON", "Hoffman") in found


def test_dateline_is_a_place() -> None:
    assert entities("ROME, Italy - Talks began.")[0] == ("GPE", "ROME")


def test_headline_in_title_case_names_only_known_names() -> None:
    text = "Ministers Say They Will Meet In Berlin Soon\nThe talks in Berlin began."
    found = entities(text)
    assert found == [("GPE", "Berlin"), ("GPE", "Berlin")]


def test_country_named_by_its_nationality_word() -> None:
    found = entities("Iraqi forces met. Ships sailed. Iraq agreed.")
    assert ("GPE", "Iraq") in found and ("NORP", "Iraqi") in found


# ------------------------------------------------------------ stances


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "\u201cWe have no plans to withdraw our forces,\u201d Jane Doe said.",
            [("Jane Doe", "AGAINST")],
        ),
        (
            "\u201cThere are no plans to withdraw troops,\u201d said John Smith.",
            [("John Smith", "AGAINST")],
        ),
        ("The Foo Ministry said the troops should withdraw.", [("Foo Ministry", "FAVOR")]),
        (
            "Senator John Smith demanded that the government withdraw all troops.",
            [("John Smith", "FAVOR")],
        ),
        ("Jane Doe left the door open to reducing troops.", [("Jane Doe", "NEUTRAL")]),
        ("A senior official said there are no plans to withdraw troops.", []),
        (
            "Jane Doe arrived. \u201cWe will not withdraw,\u201d she said.",
            [("Jane Doe", "AGAINST")],
        ),
        (
            "\u201cWe stay,\u201d Jane Doe said. \u201cThere are no plans to pull out the "
            "troops.\u201d",
            [("Jane Doe", "AGAINST")],
        ),
        ("John Smith said he received no request to withdraw troops.", [("John Smith", "AGAINST")]),
        (
            "The Ruritanian parliament passed a resolution to expel foreign troops.",
            [("Ruritanian parliament", "FAVOR")],
        ),
        (
            "John Smith, who leads the Blue Party, said the troops must leave.",
            [("John Smith", "FAVOR")],
        ),
        (
            "Jane Doe, in a statement released by the Foo Ministry, said the troops need to "
            "withdraw.",
            [("Jane Doe", "FAVOR")],
        ),
        (
            "Ruritania's announcement that it would begin the process of ending the troop presence "
            "surprised many.",
            [("Ruritania", "FAVOR")],
        ),
        (
            "The Ruritanian government maintains that foreign troops need to withdraw. "
            "Ruritania agreed.",
            [("Ruritania", "FAVOR")],
        ),
        ("US officials said they have no plans to withdraw troops.", []),
    ],
)
def test_stance_cues_and_attribution(text: str, expected: list[tuple[str, str]]) -> None:
    assert stances(text) == expected


def test_one_label_per_holder_by_the_most_frequent_explicit_cue() -> None:
    text = (
        "Jane Doe said there are no plans to withdraw troops. Jane Doe said troops should "
        "withdraw. Jane Doe said there is no change in troop policy. Jane Doe left the door "
        "open to reducing troops."
    )
    [stance] = run(text).stances or ()
    assert (stance.holder, stance.label) == ("Jane Doe", "AGAINST")
    assert [text[e.start : e.end] for e in stance.evidence] == [
        "Jane Doe said there are no plans to withdraw troops.",
        "Jane Doe said there is no change in troop policy.",
    ]


def test_country_spellings_merge_but_bodies_with_the_same_initials_do_not() -> None:
    text = (
        "The United States has no plans to withdraw troops. Officials met. The U.S. will not "
        "withdraw its troops, the Foreign Ministry said. The Finance Ministry said the troops "
        "should withdraw."
    )
    assert stances(text) == [
        ("United States", "AGAINST"),
        ("Foreign Ministry", "AGAINST"),
        ("Finance Ministry", "FAVOR"),
    ]


def test_surname_holder_is_named_by_the_full_name() -> None:
    text = "Jane Doe arrived. Later, Doe said the troops will not withdraw."
    assert stances(text) == [("Jane Doe", "AGAINST")]


# ------------------------------------------------------------ the five seeds


def _seed_documents() -> list[Document]:
    paths = seed_paths(default_seeds_dir())
    return [
        Document(doc_id, read_seed(p), "", dt.date(2024, 1, 8), "inferred")
        for doc_id, p in paths.items()
    ]


SEEDS = _seed_documents()


@pytest.mark.parametrize("document", SEEDS, ids=[d.doc_id for d in SEEDS])
def test_every_span_matches_the_text_on_the_seeds(document: Document) -> None:
    prediction = RulesSystem().extract(document)
    text = document.text
    for layer in ("entities", "timexes", "troop_counts"):
        items = getattr(prediction, layer)
        assert items, layer
        for item in items:
            assert text[item.start : item.end] == item.text, (layer, item)
        keys = [(i.start, i.end) for i in items]
        assert keys == sorted(keys), layer
    for stance in prediction.stances or ():
        assert stance.evidence
        for span in stance.evidence:
            assert text[span.start : span.end] == span.text
    ents = prediction.entities or ()
    assert all(a.end <= b.start for a, b in pairwise(ents)), "flat"
    assert all(e.type in ENTITY_TYPES for e in ents)
    assert all(is_timex3_value(t.value) for t in prediction.timexes or ())


@pytest.mark.parametrize("document", SEEDS, ids=[d.doc_id for d in SEEDS])
def test_seed_predictions_pass_validation(document: Document) -> None:
    raw = json.loads(json.dumps(RulesSystem().extract(document).to_json()))
    parsed, errors = parse_prediction(raw, document.text, "rules")
    assert errors == []
    assert parsed.attempted() == frozenset(RulesSystem.layers)


def test_output_is_deterministic() -> None:
    for document in SEEDS:
        first = RulesSystem().extract(document).to_json()
        assert RulesSystem().extract(document).to_json() == first
