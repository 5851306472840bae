"""The parsed-definition cache: same parse back, keyed by content, never a stale or inexact entry."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import yaml

from valetkey.catalog.parse_cache import MIN_CACHED_BYTES, ParseCache
from valetkey.catalog.registry import load_catalog


def big_yaml(extra: str = "") -> str:
    lines = [f"- slug: TOOL_{i}\n  description: {'word ' * 20}{extra}\n" for i in range(400)]
    text = "".join(lines)
    assert len(text.encode()) > MIN_CACHED_BYTES
    return text


class CountingParser:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, text: str) -> object:
        self.calls += 1
        return yaml.safe_load(text)


def entries(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.json"))


def test_a_second_load_comes_from_the_cache_and_equals_the_parse(tmp_path: Path):
    cache, parse = ParseCache(tmp_path / "c"), CountingParser()
    first = cache.load(big_yaml(), parse)
    second = cache.load(big_yaml(), parse)
    assert parse.calls == 1
    assert first == second == yaml.safe_load(big_yaml())
    [entry] = entries(tmp_path / "c")
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(entry.parent.parent.stat().st_mode) == 0o700


def test_an_edited_file_is_parsed_again(tmp_path: Path):
    cache, parse = ParseCache(tmp_path), CountingParser()
    cache.load(big_yaml(), parse)
    edited = cache.load(big_yaml("changed"), parse)
    assert parse.calls == 2
    assert edited[0]["description"].endswith("changed")


def test_parses_json_cannot_give_back_exactly_are_not_kept(tmp_path: Path):
    cache, parse = ParseCache(tmp_path), CountingParser()
    dated = big_yaml() + "- when: 2026-12-03\n- 1: integer key\n"
    value = cache.load(dated, parse)
    assert cache.load(dated, parse) == value
    assert parse.calls == 2 and entries(tmp_path) == []


def test_small_files_and_no_folder_are_not_cached(tmp_path: Path):
    parse = CountingParser()
    ParseCache(tmp_path).load("- a: 1\n", parse)
    ParseCache(None).load(big_yaml(), parse)
    assert parse.calls == 2 and entries(tmp_path) == []


def test_a_corrupt_entry_falls_back_to_parsing(tmp_path: Path):
    cache, parse = ParseCache(tmp_path), CountingParser()
    cache.load(big_yaml(), parse)
    [entry] = entries(tmp_path)
    entry.write_text('{"half": ')
    assert cache.load(big_yaml(), parse) == yaml.safe_load(big_yaml())
    assert parse.calls == 2


def test_an_unwritable_folder_only_skips_the_cache(tmp_path: Path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    parse = CountingParser()
    assert ParseCache(blocker).load(big_yaml(), parse) == yaml.safe_load(big_yaml())


def test_the_catalog_loads_the_same_through_the_cache(tmp_path: Path):
    plain = load_catalog()
    load_catalog(cache_dir=tmp_path)  # fills the cache
    cached = load_catalog(cache_dir=tmp_path)
    assert entries(tmp_path), "the built-in catalog has files big enough to cache"
    assert cached.toolkits == plain.toolkits
    assert json.dumps(sorted(plain.toolkits)) == json.dumps(sorted(cached.toolkits))
