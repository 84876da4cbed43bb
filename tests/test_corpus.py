"""The seed articles are byte for byte the published ones."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from benchmark.corpus import default_seeds_dir, read_checksums, read_seed, seed_paths

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "seeds"


def test_repo_checksums_match_files() -> None:
    sums = read_checksums(SEEDS / "SHA256SUMS")
    assert len(sums) == 5
    for name, digest in sums.items():
        assert hashlib.sha256((SEEDS / name).read_bytes()).hexdigest() == digest, name


def test_every_seed_is_listed() -> None:
    sums = read_checksums(SEEDS / "SHA256SUMS")
    assert sorted(sums) == sorted(p.name for p in SEEDS.glob("*.txt"))


@pytest.mark.skipif(
    not (SHARED / "SHA256SUMS").is_file(), reason="../shared is not beside the repo"
)
def test_repo_checksums_equal_shared_checksums() -> None:
    assert read_checksums(SEEDS / "SHA256SUMS") == read_checksums(SHARED / "SHA256SUMS")


def test_default_seeds_dir_is_the_repo_copy_or_the_packaged_one() -> None:
    assert sorted(seed_paths(default_seeds_dir())) == sorted(p.stem for p in SEEDS.glob("*.txt"))


@pytest.mark.parametrize(
    ("doc_id", "char", "count"),
    [
        ("002_3909ecee38eeaec9", "\u00a0", 1),  # the no-break space
        ("004_548f20d3808859fa", "\u2013", 1),  # the en dash
        ("000_cfbd3f9e2e2eb4de", "\u2019", 5),  # curly apostrophes
    ],
)
def test_text_is_not_normalised(doc_id: str, char: str, count: int) -> None:
    text = read_seed(SEEDS / f"{doc_id}.txt")
    assert text.count(char) == count
    assert len(text) == len(text.encode("utf-8")) - sum(len(c.encode()) - 1 for c in text)
