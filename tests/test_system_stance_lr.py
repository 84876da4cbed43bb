"""The stance-lr baseline: leave-one-document-out training, determinism, candidate holders.

Runs on a made-up fixture corpus (tests/fixtures/stance_lr: three short
articles about imaginary countries, with a stance layer and a registry),
so it does not depend on troopbench's own gold.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from benchmark.gold import load_gold
from benchmark.systems import SystemUnavailable
from systems.stance_lr import (
    NONE,
    THRESHOLD,
    Sentence,
    StanceLogReg,
    candidate_holders,
    clean_holder_name,
    decide,
    split_sentences,
    training_examples,
)

FIXTURE = Path(__file__).parent / "fixtures" / "stance_lr"
DOC_IDS = ("950_00000000000000a1", "951_00000000000000b2", "952_00000000000000c3")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A writable copy of the fixture corpus."""
    shutil.copytree(FIXTURE, tmp_path / "stance_lr")
    return tmp_path / "stance_lr"


def _system(root: Path) -> StanceLogReg:
    return StanceLogReg(gold_dir=root / "gold", seeds_dir=root / "seeds")


def _predict(system: StanceLogReg, doc_id: str) -> list[dict[str, Any]]:
    document = system.gold.documents[doc_id].document
    return system.extract(document).to_json()["stances"]


def _edit_gold(root: Path, doc_id: str, edit: str) -> None:
    path = root / "gold" / f"{doc_id}.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    if edit == "drop":
        data["stances"] = []
    elif edit == "flip":
        flip = {"FAVOR": "AGAINST", "AGAINST": "NEUTRAL", "NEUTRAL": "FAVOR"}
        for stance in data["stances"]:
            stance["label"] = flip[stance["label"]]
    elif edit == "move_evidence":
        text = (root / "seeds" / f"{doc_id}.txt").read_text(encoding="utf-8")
        last = text.rstrip("\n").split("\n")[-1]
        start = text.index(last)
        for stance in data["stances"]:
            stance["evidence"] = [{"start": start, "end": start + len(last), "text": last}]
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


# ---------------------------------------------------------------- leave one document out


def test_fixture_is_valid_gold() -> None:
    gold = load_gold(FIXTURE / "gold", FIXTURE / "seeds")
    assert tuple(gold.documents) == DOC_IDS
    assert all(doc.stances for doc in gold)


@pytest.mark.parametrize("doc_id", DOC_IDS)
@pytest.mark.parametrize("edit", ["drop", "flip", "move_evidence"])
def test_changing_the_scored_documents_gold_does_not_change_its_prediction(
    corpus: Path, doc_id: str, edit: str
) -> None:
    before = _predict(_system(corpus), doc_id)
    _edit_gold(corpus, doc_id, edit)
    after = _predict(_system(corpus), doc_id)
    assert after == before


@pytest.mark.parametrize("doc_id", DOC_IDS)
def test_training_never_sees_the_scored_document(doc_id: str) -> None:
    gold = load_gold(FIXTURE / "gold", FIXTURE / "seeds")
    document = gold.documents[doc_id].document
    examples = training_examples(gold, document)
    assert examples
    assert {e.doc_id for e in examples} == set(DOC_IDS) - {doc_id}
    own = {s.text for s in split_sentences(document.text)}
    assert not own & {e.text for e in examples}


def test_a_copy_of_the_scored_text_under_another_id_is_left_out_too(corpus: Path) -> None:
    gold = load_gold(corpus / "gold", corpus / "seeds")
    original = gold.documents[DOC_IDS[0]].document
    from dataclasses import replace

    renamed = replace(original, doc_id="999_ffffffffffffffff")
    assert {e.doc_id for e in training_examples(gold, renamed)} == set(DOC_IDS[1:])


def test_other_documents_gold_does_feed_the_model(corpus: Path) -> None:
    """The guarantee test above is not vacuous: other documents' gold is what trains it."""
    gold = load_gold(corpus / "gold", corpus / "seeds")
    target = gold.documents[DOC_IDS[0]].document
    before = training_examples(gold, target)
    _edit_gold(corpus, DOC_IDS[1], "flip")
    after = training_examples(load_gold(corpus / "gold", corpus / "seeds"), target)
    assert [e.label for e in before] != [e.label for e in after]


def test_the_version_names_the_gold_it_learns_from(corpus: Path) -> None:
    """Its predictions depend on the gold, so the version (part of the
    predictions cache key) must change with it: a prediction cached before a
    gold edit is never served after it."""
    before = _system(corpus)
    assert before.version.endswith(f"+gold{before.gold.short_hash}")
    _edit_gold(corpus, DOC_IDS[1], "flip")
    after = _system(corpus)
    assert after.version != before.version
    assert after.version.split("+gold")[0] == before.version.split("+gold")[0]


def test_labels_come_from_gold_evidence_and_the_rest_is_none() -> None:
    gold = load_gold(FIXTURE / "gold", FIXTURE / "seeds")
    examples = training_examples(gold, gold.documents[DOC_IDS[2]].document)
    labelled = {e.text: e.label for e in examples}
    assert labelled["\u201cNothing has changed in our posture,\u201d Carver said."] == "AGAINST"
    assert labelled["Heavy rain fell on the capital on Monday."] == NONE
    assert {e.label for e in examples} == {"FAVOR", "AGAINST", NONE}


# ---------------------------------------------------------------- determinism and output


def test_predictions_are_deterministic() -> None:
    first = [_predict(_system(FIXTURE), d) for d in DOC_IDS]
    second = [_predict(_system(FIXTURE), d) for d in DOC_IDS]
    system = _system(FIXTURE)
    third = [_predict(system, d) for d in DOC_IDS]
    again = [_predict(system, d) for d in DOC_IDS]
    assert first == second == third == again


def test_output_is_one_stance_per_holder_with_exact_evidence() -> None:
    system = _system(FIXTURE)
    assert system.name == "stance-lr"
    assert system.layers == ("stances",)
    for doc_id in DOC_IDS:
        document = system.gold.documents[doc_id].document
        pred = system.extract(document)
        assert pred.entities is None and pred.timexes is None and pred.troop_counts is None
        holders = [s.holder for s in pred.stances]
        assert len(holders) == len(set(holders))
        for stance in pred.stances:
            assert stance.label in {"FAVOR", "AGAINST", "NEUTRAL"}
            assert stance.evidence
            for e in stance.evidence:
                assert document.text[e.start : e.end] == e.text


def test_a_demand_learned_from_other_documents_is_favor() -> None:
    system = _system(FIXTURE)
    text = system.gold.documents[DOC_IDS[2]].document.text
    sentence = (
        "Elbonian opposition leader Ana Petrov demanded a full withdrawal of Ruritanian troops."
    )
    start = text.index(sentence)
    evidence = [{"start": start, "end": start + len(sentence), "text": sentence}]
    assert {"holder": "Ana Petrov", "label": "FAVOR", "evidence": evidence} in _predict(
        system, DOC_IDS[2]
    )


def test_decide_takes_the_best_non_none_label_above_the_threshold() -> None:
    s1, s2 = Sentence(0, 5, "a", 0), Sentence(6, 9, "b", 0)
    probs = [
        {"FAVOR": 0.2, "AGAINST": 0.3, "NEUTRAL": 0.1, NONE: 0.4},
        {"FAVOR": 0.5, "AGAINST": 0.1, "NEUTRAL": 0.1, NONE: 0.3},
    ]
    decision = decide([s1, s2], probs)
    assert decision is not None
    assert (decision.label, decision.probability, decision.evidence) == ("FAVOR", 0.5, (s2,))
    assert decide([s1], [{"FAVOR": 0.3, NONE: 0.7}]) is None
    assert THRESHOLD == 0.4


# ---------------------------------------------------------------- candidate holders


@pytest.mark.parametrize(
    ("sentence", "holders"),
    [
        (
            "\u201cWe will stay,\u201d Pentagon Press Secretary Maj. Gen. Pat Ryder said Monday.",
            ["Pat Ryder"],
        ),
        ("Defense Secretary Lloyd Austin said the troops would remain.", ["Lloyd Austin"]),
        ("Secretary of Defense Lloyd Austin said the troops would remain.", ["Lloyd Austin"]),
        ("But Ryder said nothing had changed.", ["Ryder"]),
        ("The Pentagon\u2019s Singh said the talks continue.", ["Singh"]),
        ("A Pentagon spokeswoman, Sabrina Singh, denied the report.", ["Sabrina Singh"]),
        (
            "Mark Milley, the chairman of the Joint Chiefs of Staff, noted that it was a draft.",
            ["Mark Milley"],
        ),
        ("The Iraqi government maintains that the troops must leave.", ["Iraq"]),
        ("According to Hoffman, the review continues.", ["Hoffman"]),
        ("\u201cThe review continues,\u201d said Hoffman.", ["Hoffman"]),
        ("The Pentagon has said that there was no change.", ["Pentagon"]),
        ("Pentagon Says It Won\u2019t Withdraw Troops from Iraq", ["Pentagon"]),
        ("U.S. signals it is open to withdrawing some troops", ["U.S."]),
        ("Iraqi Defense Minister Thabet al-Abassi said talks will start.", ["Thabet al-Abassi"]),
        ("The prime minister said American forces had entered Iraq.", []),
        ("Rain fell on the capital on Monday.", []),
    ],
)
def test_candidate_holders_on_made_up_sentences(sentence: str, holders: list[str]) -> None:
    assert list(candidate_holders(sentence + "\n")) == holders


def test_pronouns_and_quotes_go_to_the_paragraphs_speaker() -> None:
    text = (
        "Maria Lind said the troops must go.\n"
        "\u201cWe will not wait,\u201d she said.\n"
        "\u201cThey must leave our soil.\u201d\n"  # a paragraph without a speaker
        "Rain fell on Monday.\n"
        "She said nothing more.\n"  # Lind is two paragraphs back: too far for "she"
        "Tomas Varga said talks go on. \u201cNothing is decided.\u201d\n"
    )
    found = {
        name: [s.text for s in sentences] for name, sentences in candidate_holders(text).items()
    }
    assert found == {
        "Maria Lind": [
            "Maria Lind said the troops must go.",
            "\u201cWe will not wait,\u201d she said.",
        ],
        "Tomas Varga": ["Tomas Varga said talks go on.", "\u201cNothing is decided.\u201d"],
    }


def test_a_surname_and_the_full_name_are_one_holder() -> None:
    text = "Pentagon Press Secretary Pat Ryder said no.\nBut Ryder said the plan stands.\n"
    assert list(candidate_holders(text)) == ["Pat Ryder"]


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("Pentagon Press Secretary Maj. Gen. Pat Ryder", "Pat Ryder"),
        ("The Pentagon", "Pentagon"),
        ("The Pentagon\u2019s Singh", "Singh"),
        ("Monday.", None),
        ("The", None),
    ],
)
def test_clean_holder_name(raw: str, name: str | None) -> None:
    assert clean_holder_name(raw) == name


def test_sentences_keep_offsets_skip_boilerplate_and_abbreviations() -> None:
    text = (
        "0 $\nPentagon Press Secretary Maj. Gen. Pat Ryder said so. The U.S. Army agreed.\n"
        "Click to see full-size image\n\u201cWe stay.\u201d Ryder said.\n"
    )
    sentences = split_sentences(text)
    assert [s.text for s in sentences] == [
        "Pentagon Press Secretary Maj. Gen. Pat Ryder said so.",
        "The U.S. Army agreed.",
        "\u201cWe stay.\u201d",
        "Ryder said.",
    ]
    assert all(text[s.start : s.end] == s.text for s in sentences)
    assert [s.paragraph for s in sentences] == [0, 0, 1, 1]


# ---------------------------------------------------------------- unavailable


def test_no_gold_raises_system_unavailable(tmp_path: Path) -> None:
    (tmp_path / "gold").mkdir()
    with pytest.raises(SystemUnavailable) as info:
        StanceLogReg(gold_dir=tmp_path / "gold", seeds_dir=FIXTURE / "seeds")
    assert info.value.name == "stance-lr"
    assert "gold" in info.value.reason


def test_gold_without_stances_raises_system_unavailable(corpus: Path) -> None:
    for doc_id in DOC_IDS:
        _edit_gold(corpus, doc_id, "drop")
    with pytest.raises(SystemUnavailable, match="no stance annotations"):
        _system(corpus)


def test_default_construction_is_available_or_says_why() -> None:
    try:
        system = StanceLogReg()
    except SystemUnavailable as exc:
        assert exc.reason
    else:
        assert system.gold.documents
