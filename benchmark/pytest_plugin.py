"""troopbench's pytest plugin: score your own extractor pytest-style.

Installed with troopbench (entry point ``pytest11: troopbench``). Two ways in:

Command line
    ``pytest --troopbench-system=mypkg.extract:System`` (or a registered
    system name, or ``--troopbench-predictions=preds.jsonl``) adds one test
    per (document, layer) the system attempts, ``troopbench::<doc>::<layer>``,
    and one per layer over all documents, ``troopbench::all::<layer>``. The
    system runs once per session, when the first of these tests starts.
    Without thresholds every test passes and reports its score (shown by
    ``-v`` and written to ``--junitxml`` as properties); with
    ``--troopbench-min-f1 entities=0.8 ...`` (or the ini option
    ``troopbench_min_f1``) a test whose primary score is below its layer's
    threshold fails and says what was missed, spurious or wrong. A table of
    P/R/F1 per layer closes the run.

Fixture
    ``troopbench.evaluate(MySystem())`` in a test of your own returns a
    :class:`benchmark.report.Report`: ``report.entities.strict.f1``,
    ``report.timexes.value.f1``, ``report.troop_counts.tuple.f1``,
    ``report.stances.tuple.f1``, ``report.stances.f_avg``; a layer the
    system does not attempt is ``None``.

With none of its options given the plugin adds nothing and imports nothing
of troopbench: every ``benchmark.*`` import happens inside a hook, once the
plugin is active.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from benchmark.gold import Gold
    from benchmark.predictions import PredictionsFile
    from benchmark.report import Report
    from benchmark.scoring import Counts
    from benchmark.supervisor import Supervisor
    from benchmark.systems import Extractor

__all__ = ["TroopbenchFixture"]

_LAYER_NAMES = "entities, timexes, troop_counts, stances"
#: Where thresholds apply: the score over all documents, each document's, or both.
SCOPES = ("corpus", "document", "both")
_PREFIX = "troopbench"


# ------------------------------------------------------------------ options


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register the command-line and ini options (nothing else happens here)."""
    group = parser.getgroup("troopbench", "troopbench: score an extractor on the troopbench gold")
    group.addoption(
        "--troopbench-system",
        metavar="NAME|module:attr",
        default=None,
        help="score this system: a registered name (troopbench systems) or module:attr",
    )
    group.addoption(
        "--troopbench-option",
        action="append",
        metavar="NAME=VALUE",
        default=None,
        help="an option for --troopbench-system (repeatable), as troopbench run --option",
    )
    group.addoption(
        "--troopbench-predictions",
        metavar="FILE.jsonl",
        default=None,
        help="score this predictions file instead of running a system",
    )
    group.addoption(
        "--troopbench-min-f1",
        nargs="+",
        action="extend",
        metavar="LAYER=VALUE",
        default=None,
        help=f"fail tests whose primary F1 is below VALUE (0-1); layers: {_LAYER_NAMES}. "
        "Overrides the ini option troopbench_min_f1",
    )
    group.addoption(
        "--troopbench-scope",
        choices=SCOPES,
        default=None,
        help="where the thresholds apply: corpus (the troopbench::all::<layer> tests; the "
        "default), document (each troopbench::<doc>::<layer> test) or both. Overrides the "
        "ini option troopbench_scope",
    )
    group.addoption(
        "--troopbench-gold",
        metavar="DIR",
        default=None,
        help="gold folder (default: the gold shipped with troopbench)",
    )
    group.addoption(
        "--troopbench-corpus",
        metavar="NAME|DIR",
        default=None,
        help="the corpus to score on: troopbench (default), a bundled corpus such as "
        "te3-platinum, a folder of .tml files or a corpus folder; layers it does not annotate "
        "are not scored",
    )
    group.addoption(
        "--troopbench-seeds",
        metavar="DIR",
        default=None,
        help="articles folder (default: seeds/ beside --troopbench-gold, else troopbench's own)",
    )
    group.addoption(
        "--troopbench-suite",
        choices=("original", "contrast", "all"),
        default="original",
        help="score on the original articles (default), their contrast variants, or both",
    )
    group.addoption(
        "--troopbench-timeout",
        metavar="SECONDS",
        type=float,
        default=None,
        help="time limit for extracting one document (default 120)",
    )
    parser.addini(
        "troopbench_min_f1",
        type="args",
        default=[],
        help=f"LAYER=VALUE thresholds on the primary F1 of each layer ({_LAYER_NAMES})",
    )
    parser.addini(
        "troopbench_scope",
        default="corpus",
        help="where the thresholds apply: corpus (default), document or both",
    )


class Options:
    """The plugin's validated settings."""

    def __init__(
        self,
        system: str | None = None,
        predictions: Path | None = None,
        thresholds: dict[str, float] | None = None,
        gold_dir: Path | None = None,
        seeds_dir: Path | None = None,
        timeout: float | None = None,
        threshold_source: str = "",
        system_options: dict[str, str] | None = None,
        suite: str = "original",
        scope: str = "corpus",
        corpus: str | None = None,
    ) -> None:
        self.corpus = corpus
        self.suite = suite
        self.scope = scope
        self.system = system
        self.system_options = system_options or {}
        self.predictions = predictions
        self.thresholds = thresholds or {}
        self.gold_dir = gold_dir
        self.seeds_dir = seeds_dir
        self.timeout = timeout
        self.threshold_source = threshold_source

    @property
    def active(self) -> bool:
        """Whether something is to be scored (a system or a predictions file)."""
        return self.system is not None or self.predictions is not None


def parse_thresholds(values: Sequence[str], source: str) -> dict[str, float]:
    """``["entities=0.8", ...]`` → ``{"entities": 0.8}``; raise UsageError on anything else."""
    from benchmark.layers import LAYERS

    thresholds: dict[str, float] = {}
    for raw in values:
        layer, sep, number = raw.partition("=")
        layer = layer.strip()
        if not sep or not layer or not number.strip():
            raise pytest.UsageError(
                f"{source}: {raw!r} is not LAYER=VALUE (e.g. entities=0.8); layers: "
                f"{', '.join(LAYERS)}. Give test paths before the option, or write "
                f"--troopbench-min-f1=LAYER=VALUE"
            )
        if layer not in LAYERS:
            raise pytest.UsageError(
                f"{source}: unknown layer {layer!r} in {raw!r}; layers: {', '.join(LAYERS)}"
            )
        try:
            value = float(number)
        except ValueError:
            raise pytest.UsageError(f"{source}: {number!r} in {raw!r} is not a number") from None
        if not 0.0 <= value <= 1.0:
            raise pytest.UsageError(f"{source}: {raw!r}: the threshold must be between 0 and 1")
        thresholds[layer] = value
    return thresholds


def _path_option(config: pytest.Config, name: str) -> Path | None:
    value = config.getoption(name)
    if value is None:
        return None
    return (config.invocation_params.dir / value).resolve()


def _seeds_beside(gold_dir: Path | None) -> Path | None:
    if gold_dir is not None and (gold_dir.parent / "seeds").is_dir():
        return gold_dir.parent / "seeds"
    return None


def read_options(config: pytest.Config) -> Options:
    """Read and check every troopbench option; raise UsageError on a bad one."""
    system = config.getoption("troopbench_system")
    predictions = _path_option(config, "troopbench_predictions")
    cli_thresholds = config.getoption("troopbench_min_f1")
    if system is not None and predictions is not None:
        raise pytest.UsageError(
            "--troopbench-system and --troopbench-predictions exclude each other: give one"
        )
    if predictions is not None and not predictions.is_file():
        raise pytest.UsageError(f"--troopbench-predictions: no such file: {predictions}")
    active = system is not None or predictions is not None
    if cli_thresholds and not active:
        raise pytest.UsageError(
            "--troopbench-min-f1 needs something to score: --troopbench-system or "
            "--troopbench-predictions"
        )
    thresholds: dict[str, float] = {}
    source = "--troopbench-min-f1" if cli_thresholds else "ini option troopbench_min_f1"
    if cli_thresholds:
        thresholds = parse_thresholds(cli_thresholds, source)
    elif active:
        thresholds = parse_thresholds(config.getini("troopbench_min_f1"), source)
    gold_dir = _path_option(config, "troopbench_gold")
    seeds_dir = _path_option(config, "troopbench_seeds") or _seeds_beside(gold_dir)
    for flag, folder in (("--troopbench-gold", gold_dir), ("--troopbench-seeds", seeds_dir)):
        if folder is not None and not folder.is_dir():
            raise pytest.UsageError(f"{flag}: no such folder: {folder}")
    timeout = config.getoption("troopbench_timeout")
    if timeout is not None and not 0 < timeout < float("inf"):
        raise pytest.UsageError(
            f"--troopbench-timeout must be a finite number above 0, got {timeout:g}"
        )
    system_options = _system_options(config, system)
    suite = config.getoption("troopbench_suite", "original")
    scope = config.getoption("troopbench_scope") or config.getini("troopbench_scope") or "corpus"
    if scope not in SCOPES:
        raise pytest.UsageError(
            f"ini option troopbench_scope: {scope!r} is not one of {', '.join(SCOPES)}"
        )
    return Options(
        system,
        predictions,
        thresholds,
        gold_dir,
        seeds_dir,
        timeout,
        source,
        system_options,
        suite,
        scope,
        config.getoption("troopbench_corpus", None),
    )


def _system_options(config: pytest.Config, system: str | None) -> dict[str, str]:
    pairs = config.getoption("troopbench_option") or []
    if not pairs:  # an inert plugin imports nothing of troopbench
        return {}
    if system is None:
        raise pytest.UsageError("--troopbench-option needs --troopbench-system")
    from benchmark.systems import SystemOptionError, parse_options

    try:
        return parse_options(pairs)
    except SystemOptionError as exc:
        raise pytest.UsageError(f"--troopbench-option: {exc}") from None


# ------------------------------------------------------------------ the session's run


def _load_gold(gold_dir: Path | None, seeds_dir: Path | None, corpus: str | None = None) -> Gold:
    from benchmark.corpora import CorpusNotFound, load_corpus
    from benchmark.gold import GoldError

    try:
        return load_corpus(corpus, gold_dir, seeds_dir)
    except CorpusNotFound as exc:
        raise pytest.UsageError(f"--troopbench-corpus: {exc}") from None
    except GoldError as exc:
        shown = "\n".join(f"  {p}" for p in exc.problems[:10])
        more = f"\n  … and {len(exc.problems) - 10} more" if len(exc.problems) > 10 else ""
        where = gold_dir or "troopbench's own gold"
        raise pytest.UsageError(
            f"troopbench: the gold in {where} is invalid ({len(exc.problems)} problem(s)):\n"
            f"{shown}{more}"
        ) from None


def _importable_from(*folders: Path) -> None:
    """Let ``module:attr`` find modules in the project, as ``python -m pytest`` does."""
    for folder in folders:
        if str(folder) not in sys.path:
            sys.path.append(str(folder))


def _open_system(
    spec: str, config: pytest.Config, options: dict[str, str] | None = None
) -> Supervisor:
    """A worker process that has built the system (it never runs in pytest's process)."""
    from benchmark.supervisor import Supervisor, SystemSpec, WorkerError
    from benchmark.systems import SystemNotFound, resolve_ref

    paths: tuple[str, ...] = ()
    if ":" in spec:
        paths = (str(config.invocation_params.dir), str(config.rootpath))
        _importable_from(config.invocation_params.dir, config.rootpath)
    try:
        resolve_ref(spec)
        return Supervisor(SystemSpec(ref=spec, paths=paths, options=tuple((options or {}).items())))
    except SystemNotFound as exc:
        raise pytest.UsageError(f"--troopbench-system: {exc}") from None
    except WorkerError as exc:
        raise pytest.UsageError(f"--troopbench-system: {exc.message}") from None


def _suite_registries(run: TroopbenchRun, suite: str) -> dict[str, Any]:
    """Replace ``run.gold`` by the documents of ``suite``; their own registries."""
    if suite == "original":
        return {}
    from benchmark.variants.names import FakerMissing
    from benchmark.variants.suite import suite_gold

    try:
        run.gold, registries = suite_gold(run.gold, suite)
    except FakerMissing as exc:
        raise pytest.UsageError(f"--troopbench-suite {suite}: {exc}") from None
    return registries


class TroopbenchRun:
    """What one session scores: the gold, the system or file, and the cached result."""

    def __init__(self, config: pytest.Config, options: Options) -> None:
        self.config = config
        self.options = options
        self.gold = _load_gold(options.gold_dir, options.seeds_dir, options.corpus)
        self.registries = _suite_registries(self, options.suite)
        self.supervisor: Supervisor | None = None
        self.loaded: PredictionsFile | None = None
        if options.system is not None:
            self.supervisor = _open_system(options.system, config, options.system_options)
            info = self.supervisor.info
            self.name = f"{info.name} {info.version}".strip()
            layers = set(info.layers)
        else:
            self.loaded, layers = self._load_predictions()
            self.name = options.predictions.name if options.predictions else "?"
        from benchmark.layers import LAYERS

        self.layers = tuple(layer for layer in LAYERS if layer in layers)
        self._check_thresholds()
        self._report: Report | None = None
        self._error: BaseException | None = None

    def _check_thresholds(self) -> None:
        """A threshold on a layer that is not attempted: an error on the command
        line, a warning from the ini file (which may serve several systems)."""
        unused = sorted(set(self.options.thresholds) - set(self.layers))
        if not unused:
            return
        message = (
            f"{self.options.threshold_source}: {self.name} does not attempt "
            f"{', '.join(unused)} (it attempts {', '.join(self.layers)})"
        )
        if self.options.threshold_source.startswith("--"):
            raise pytest.UsageError(message)
        self.config.issue_config_time_warning(pytest.PytestConfigWarning(message), stacklevel=2)

    def _load_predictions(self) -> tuple[PredictionsFile, set[str]]:
        from benchmark.predictions import load_predictions

        path = self.options.predictions
        assert path is not None
        loaded = load_predictions(path, {d.doc_id: d.document.text for d in self.gold})
        layers = set(loaded.attempted())
        if not layers:
            problems = "".join(f"\n  {e}" for e in loaded.errors[:5])
            raise pytest.UsageError(
                f"--troopbench-predictions: {path} attempts no layer (no line has any of "
                f"{_LAYER_NAMES}){problems}"
            )
        return loaded, layers

    @property
    def done(self) -> bool:
        """Whether the run has happened (it happens on first use)."""
        return self._report is not None

    def result(self) -> Report:
        """Run (once) and score; a crash of the run itself is re-raised on every call."""
        if self._error is not None:
            raise self._error
        if self._report is None:
            try:
                self._report = self._score()
            except Exception as exc:
                self._error = exc
                raise
        return self._report

    def _score(self) -> Report:
        from benchmark.report import evaluate_system, score_predictions

        if self.supervisor is not None:
            try:
                return evaluate_system(
                    None,
                    self.gold,
                    timeout=self.options.timeout,
                    supervisor=self.supervisor,
                    registries=self.registries,
                )
            finally:
                self.supervisor.close()
        assert self.loaded is not None
        return score_predictions(self.loaded, self.gold, name=self.name, registries=self.registries)

    def threshold(self, layer: str, scope: str | None = None) -> float | None:
        """The threshold of ``layer``; with ``scope`` (corpus or document), only if the
        thresholds apply there (``--troopbench-scope``)."""
        if scope is not None and self.options.scope not in (scope, "both"):
            return None
        return self.options.thresholds.get(layer)


_RUN = pytest.StashKey[TroopbenchRun]()
_OPTIONS = pytest.StashKey[Options]()


def _run_of(config: pytest.Config) -> TroopbenchRun | None:
    return config.stash.get(_RUN, None)


# ------------------------------------------------------------------ hooks


def pytest_configure(config: pytest.Config) -> None:
    """Check the options; when asked to score something, load the gold and the system."""
    options = read_options(config)
    config.stash[_OPTIONS] = options
    if options.active:
        config.stash[_RUN] = TroopbenchRun(config, options)


def pytest_unconfigure(config: pytest.Config) -> None:
    """Stop the system's worker if its run never happened (no test selected)."""
    run = config.stash.get(_RUN, None)
    if run is not None and run.supervisor is not None:
        run.supervisor.close()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    """Append the troopbench items (before -k/-m deselection sees the list)."""
    run = _run_of(config)
    if run is None:
        return
    suite = TroopbenchSuite.from_parent(session, name=_PREFIX, nodeid=_PREFIX)
    suite.run = run
    items.extend(suite.all_items())


def pytest_report_teststatus(report: pytest.TestReport, config: pytest.Config) -> Any:
    """``-v`` shows each troopbench test's score next to its outcome."""
    if report.when != "call" or not report.nodeid.startswith(f"{_PREFIX}::"):
        return None
    props = dict(report.user_properties)
    if "troopbench_f1" not in props:
        return None
    if report.outcome != "passed":
        return None  # the failure message has the score; keep "FAILED nodeid - message"
    text = f"PASSED {props['troopbench_metric']} {props['troopbench_f1']}"
    if "troopbench_min_f1" in props:
        text += f" (min {props['troopbench_min_f1']})"
    return "passed", ".", (text, {"green": True})


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    """The table of P/R/F1 per layer for the system under test (after it ran)."""
    run = _run_of(config)
    if run is None or not run.done:
        return
    report = run.result()
    if config.get_verbosity() < 0:
        for line in summary_lines(report, run.options.thresholds):
            terminalreporter.write_line(line)
        return
    terminalreporter.write_sep("=", f"troopbench: {run.name}")
    terminalreporter.write_line(summary_table(report, run.options.thresholds))
    for line in summary_notes(report):
        terminalreporter.write_line(line)


@pytest.fixture(scope="session")
def troopbench(pytestconfig: pytest.Config) -> TroopbenchFixture:
    """Score an extractor from a test of your own.

    ``troopbench.evaluate(MySystem())`` runs it over the gold (the packaged
    gold, or --troopbench-gold/--troopbench-seeds) and returns a
    :class:`benchmark.report.Report`; ``troopbench.evaluate_predictions(path)``
    scores a predictions JSONL file.
    """
    options = pytestconfig.stash.get(_OPTIONS, None) or Options()
    return TroopbenchFixture(
        options.gold_dir, options.seeds_dir, options.timeout, options.suite, options.corpus
    )


# ------------------------------------------------------------------ the fixture's object


class TroopbenchFixture:
    """What the ``troopbench`` fixture gives a test: scoring on demand.

    Gold folders are loaded once per session and reused.
    """

    def __init__(
        self,
        gold_dir: Path | None = None,
        seeds_dir: Path | None = None,
        timeout: float | None = None,
        suite: str = "original",
        corpus: str | None = None,
    ) -> None:
        self.gold_dir = gold_dir
        self.seeds_dir = seeds_dir
        self.timeout = timeout
        self.suite = suite
        self.corpus = corpus
        self._golds: dict[tuple[Path | None, Path | None, str | None], Gold] = {}

    def gold(
        self,
        gold_dir: Path | str | None = None,
        seeds_dir: Path | str | None = None,
        corpus: str | None = None,
    ) -> Gold:
        """The gold to score against (default: the session's, else troopbench's own);
        ``corpus``: another corpus by name or folder (default: ``--troopbench-corpus``)."""
        from benchmark.corpora import load_corpus

        if corpus is not None or (self.corpus is not None and gold_dir is None):
            name = corpus or self.corpus
            ckey = (None, None, name)
            if ckey not in self._golds:
                self._golds[ckey] = load_corpus(name)
            return self._golds[ckey]
        gdir = Path(gold_dir).resolve() if gold_dir is not None else self.gold_dir
        if seeds_dir is not None:
            sdir: Path | None = Path(seeds_dir).resolve()
        elif gold_dir is not None:
            sdir = _seeds_beside(gdir)
        else:
            sdir = self.seeds_dir
        key = (gdir, sdir, None)
        if key not in self._golds:
            self._golds[key] = load_corpus(None, gdir, sdir)
        return self._golds[key]

    def evaluate(
        self,
        system: Any,
        *,
        gold_dir: Path | str | None = None,
        seeds_dir: Path | str | None = None,
        timeout: float | None = None,
        options: dict[str, str] | None = None,
        suite: str | None = None,
        corpus: str | None = None,
    ) -> Report:
        """Run ``system`` over the gold and score it.

        ``system`` is an extractor object (name, version, layers, extract),
        a class or factory making one, or a registered name / ``module:attr``;
        ``options`` (a name or a class/factory only) are the system's options,
        as ``troopbench run --option``. ``suite``: ``"original"`` (the articles),
        ``"contrast"`` (their variants, see ``troopbench variants``) or ``"all"``;
        default: the ``--troopbench-suite`` option, else ``"original"``.
        Failures on a document are in ``report.errors``; the run goes on.
        """
        from benchmark.report import evaluate_system
        from benchmark.variants.suite import suite_gold

        extractor = _as_extractor(system, options)
        gold, registries = suite_gold(self.gold(gold_dir, seeds_dir, corpus), suite or self.suite)
        return evaluate_system(
            extractor, gold, timeout=timeout or self.timeout, registries=registries
        )

    def evaluate_predictions(
        self,
        path: Path | str,
        *,
        gold_dir: Path | str | None = None,
        seeds_dir: Path | str | None = None,
        suite: str | None = None,
        corpus: str | None = None,
    ) -> Report:
        """Score a predictions JSONL file (see docs/formats.md); ``suite`` and
        ``corpus`` as for :meth:`evaluate` (variant ids look like
        ``000_cfbd3f9e2e2eb4de~dates~3``)."""
        from benchmark.report import evaluate_predictions
        from benchmark.variants.suite import suite_gold

        gold, registries = suite_gold(self.gold(gold_dir, seeds_dir, corpus), suite or self.suite)
        return evaluate_predictions(Path(path), gold, registries)


def _as_extractor(system: Any, options: dict[str, str] | None = None) -> Extractor:
    from benchmark.systems import Extractor, SystemOptionError, load_system

    if isinstance(system, str):
        return load_system(system, options)
    if isinstance(system, type) or (not isinstance(system, Extractor) and callable(system)):
        system = system(options=dict(options)) if options else system()
    elif options:
        raise SystemOptionError("options need a system name, class or factory, not an object")
    if not isinstance(system, Extractor):
        raise TypeError(
            f"{system!r} is not a troopbench system: it needs name, version, layers and "
            "extract(document)"
        )
    return system


# ------------------------------------------------------------------ collection tree


class TroopbenchFailure(Exception):
    """A troopbench test failed; the message is the whole explanation."""


class TroopbenchSuite(pytest.Collector):
    """The virtual ``troopbench`` node: one child per document, and ``all``."""

    run: TroopbenchRun

    def collect(self) -> list[pytest.Item | pytest.Collector]:
        nodes: list[pytest.Item | pytest.Collector] = []
        for doc_id in self.run.gold.documents:
            nodes.append(DocumentNode.from_parent(self, name=doc_id))
        nodes.append(AllDocumentsNode.from_parent(self, name="all"))
        return nodes

    def all_items(self) -> list[pytest.Item]:
        """Every item below this node, in document order, the aggregates last.

        Each document node's collection is reported as pytest reports any
        other (so "collected N items" counts these too).
        """
        items: list[pytest.Item] = []
        for node in self.collect():
            assert isinstance(node, pytest.Collector)
            children = [item for item in node.collect() if isinstance(item, pytest.Item)]
            report = pytest.CollectReport(node.nodeid, "passed", None, children)
            self.ihook.pytest_collectreport(report=report)
            items.extend(children)
        return items

    def setup(self) -> None:
        """Run the system (once per session) before the first troopbench test."""
        self.run.result()


class DocumentNode(pytest.Collector):
    """One document: an item per attempted layer."""

    def collect(self) -> list[pytest.Item | pytest.Collector]:
        run = self._suite().run
        return [LayerItem.from_parent(self, name=layer) for layer in run.layers]

    def _suite(self) -> TroopbenchSuite:
        assert isinstance(self.parent, TroopbenchSuite)
        return self.parent


class AllDocumentsNode(DocumentNode):
    """All documents together: an aggregate item per attempted layer."""

    def collect(self) -> list[pytest.Item | pytest.Collector]:
        run = self._suite().run
        return [AggregateItem.from_parent(self, name=layer) for layer in run.layers]


class _ScoreItem(pytest.Item):
    """Shared by the per-document and aggregate items: scoring and reporting."""

    #: the threshold scope this item's test belongs to (``--troopbench-scope``)
    scope = "corpus"

    @property
    def run(self) -> TroopbenchRun:
        node = self.parent
        assert isinstance(node, DocumentNode)
        return node._suite().run

    @property
    def layer(self) -> str:
        return self.name

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, None, self.nodeid

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, TroopbenchFailure):
            return str(excinfo.value)
        return super().repr_failure(excinfo, style=style)

    def _record(self, counts: Counts) -> tuple[str, Any]:
        """Put the score in user_properties (junitxml, -v) and return (metric, score)."""
        from benchmark.report import count_summary, primary_score
        from benchmark.scoring import PRIMARY

        score = primary_score(self.layer, counts)
        metric = PRIMARY[self.layer]
        self.user_properties += [
            ("troopbench_layer", self.layer),
            ("troopbench_metric", metric),
            ("troopbench_precision", f"{score.precision:.3f}"),
            ("troopbench_recall", f"{score.recall:.3f}"),
            ("troopbench_f1", f"{score.f1:.3f}"),
            ("troopbench_counts", count_summary(counts)),
        ]
        threshold = self.run.threshold(self.layer, self.scope)
        if threshold is not None:
            self.user_properties.append(("troopbench_min_f1", f"{threshold:.3f}"))
        return metric, score

    def _headline(self, where: str, metric: str, score: Any, threshold: float) -> str:
        return (
            f"{metric} {score.f1:.3f} is below the threshold {threshold:.3f} "
            f"({self.layer}, {where}; P {score.precision:.3f}, R {score.recall:.3f})"
        )

    def _below(self, score: Any) -> float | None:
        """The threshold this score misses, or None (undefined 0/0 scores pass)."""
        threshold = self.run.threshold(self.layer, self.scope)
        if threshold is None or (score.no_gold and score.no_predictions):
            return None
        return threshold if score.f1 < threshold else None


class LayerItem(_ScoreItem):
    """``troopbench::<doc_id>::<layer>``: one document's score on one layer."""

    scope = "document"

    @property
    def doc_id(self) -> str:
        assert self.parent is not None
        return self.parent.name

    def runtest(self) -> None:
        report = self.run.result()
        assert report.evaluation is not None
        counts = report.evaluation.per_doc[self.layer][self.doc_id]
        metric, score = self._record(counts)
        failures = [e for e in report.errors if e.doc_id == self.doc_id and _fatal(e)]
        if failures:
            message = (
                f"{report.system} failed on this document: {failures[0].message} "
                f"({self.layer}, {self.doc_id}; its gold items count as missed)"
            )
            trace = report.tracebacks.get(self.doc_id, "")
            if trace and self.config.get_verbosity() > 0:
                message += "\n  traceback in the worker:\n" + _indent(trace, "    ")
            elif trace:
                message += "\n  (-v shows the whole traceback)"
            raise TroopbenchFailure(message)
        rejected = self._error_lines(report)
        if rejected:
            raise TroopbenchFailure(
                _rejected_message(report.system, len(rejected), f"{self.doc_id}, {self.layer}")
                + "".join(f"\n    {e}" for e in rejected[:10])
                + (f"\n    ... and {len(rejected) - 10} more" if len(rejected) > 10 else "")
            )
        threshold = self._below(score)
        if threshold is not None:
            raise TroopbenchFailure(self._explain(report, counts, metric, score, threshold))

    def _error_lines(self, report: Report) -> list[str]:
        return [
            str(e)
            for e in report.errors
            if e.doc_id == self.doc_id and e.pointer.startswith(f"/{self.layer}")
        ]

    def _explain(
        self, report: Report, counts: Counts, metric: str, score: Any, threshold: float
    ) -> str:
        from benchmark.report import count_summary, format_diff

        lines = [
            self._headline(self.doc_id, metric, score, threshold),
            f"  {count_summary(counts)}",
        ]
        lines += format_diff(report.diff(self.doc_id, self.layer))
        errors = self._error_lines(report)
        if errors:
            lines.append("  rejected items:")
            lines += [f"    {e}" for e in errors[:10]]
        return "\n".join(lines)


class AggregateItem(_ScoreItem):
    """``troopbench::all::<layer>``: the score over every document."""

    def runtest(self) -> None:
        report = self.run.result()
        assert report.evaluation is not None
        counts = report.evaluation.total(self.layer)
        metric, score = self._record(counts)
        rejected = [
            e for e in report.errors if not _fatal(e) and e.pointer.startswith(f"/{self.layer}")
        ]
        if rejected:
            documents = len({e.doc_id for e in rejected})
            raise TroopbenchFailure(
                _rejected_message(
                    report.system, len(rejected), f"{self.layer}, {documents} document(s)"
                )
                + f"\n    e.g. {rejected[0]}"
                + f"\n  (each troopbench::<document>::{self.layer} test lists its own)"
            )
        threshold = self._below(score)
        if threshold is None:
            return
        raise TroopbenchFailure(self._explain(report, metric, score, threshold))

    def _explain(self, report: Report, metric: str, score: Any, threshold: float) -> str:
        from tabulate import tabulate

        from benchmark.report import count_summary, primary_score

        assert report.evaluation is not None
        per_doc = report.evaluation.per_doc[self.layer]
        rows = sorted(
            ([doc_id, primary_score(self.layer, c)] for doc_id, c in per_doc.items()),
            key=lambda row: (row[1].f1, row[0]),
        )
        table = tabulate(
            [[d, s.precision, s.recall, s.f1] for d, s in rows[:10]],
            ["document", "P", "R", "F1"],
            floatfmt=".3f",
        )
        lines = [
            self._headline(f"all {len(per_doc)} documents", metric, score, threshold),
            f"  {count_summary(report.evaluation.total(self.layer))}",
            "  weakest documents (see troopbench::<document>::" + self.layer + "):",
            *(f"    {line}" for line in table.splitlines()),
        ]
        if report.failed_documents:
            lines.append(f"  the system failed on: {', '.join(report.failed_documents)}")
        return "\n".join(lines)


def _rejected_message(system: str, count: int, where: str) -> str:
    return (
        f"{system} predicted {count} item(s) that are not in the prediction format "
        f"({where}); each counts as spurious. Fix them:"
    )


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.rstrip("\n").splitlines())


def _fatal(error: Any) -> bool:
    from benchmark.report import is_document_failure

    return is_document_failure(error)


# ------------------------------------------------------------------ the summary


def _status(score: Any, threshold: float | None) -> str:
    if threshold is None:
        return ""
    if score.no_gold and score.no_predictions:
        return "n/a"
    return "ok" if score.f1 >= threshold else "BELOW"


def summary_rows(report: Report, thresholds: dict[str, float]) -> list[list[Any]]:
    """``[layer, metric, P, R, F1, min F1, result]`` per layer."""
    rows = []
    for layer, metric, p, r, f1 in report.rows():
        threshold = thresholds.get(layer)
        if f1 is None:
            rows.append([layer, metric, None, None, None, threshold, ""])
            continue
        rows.append([layer, metric, p, r, f1, threshold, _status(report.primary(layer), threshold)])
    return rows


def summary_table(report: Report, thresholds: dict[str, float]) -> str:
    """The terminal summary table (tabulate)."""
    from tabulate import tabulate

    headers = ["layer", "metric", "P", "R", "F1"]
    rows = summary_rows(report, thresholds)
    if not thresholds:
        rows = [row[:5] for row in rows]
    else:
        headers += ["min F1", "result"]
    return tabulate(rows, headers, floatfmt=".3f", missingval="")


def summary_notes(report: Report) -> Iterator[str]:
    """Documents, gold and errors under the table."""
    yield f"{len(report.documents)} documents, gold {report.gold_hash[:12]}"
    if report.failed_documents:
        yield f"the system failed on {len(report.failed_documents)} document(s): " + ", ".join(
            report.failed_documents
        )
    others = [e for e in report.errors if not _fatal(e)]
    if others:
        yield f"{len(others)} rejected item(s) or line(s), e.g. {others[0]}"


def summary_lines(report: Report, thresholds: dict[str, float]) -> list[str]:
    """The short summary for ``-q``: one line per layer."""
    lines = []
    for layer, metric, p, r, f1, threshold, status in summary_rows(report, thresholds):
        if f1 is None:
            lines.append(f"troopbench {report.system} {layer}: not attempted")
            continue
        line = f"troopbench {report.system} {layer}: {metric} P {p:.3f} R {r:.3f} F1 {f1:.3f}"
        if threshold is not None:
            line += f" (min {threshold:.3f}: {status})"
        lines.append(line)
    return lines
