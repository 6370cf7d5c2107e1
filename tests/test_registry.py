"""Where models and data come from (elmo_course.registry): the download table, the cache, checksums."""
from pathlib import Path

import pytest

from elmo_course import registry


def test_registry_has_the_published_aclimdb_checksum():
    entry = registry.DOWNLOADS["aclImdb"]
    assert entry.url.endswith("/aclImdb_v1.tar.gz")
    assert entry.sha256 == "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe"


def test_cache_dir_follows_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("ELMO_COURSE_CACHE", str(tmp_path))
    assert registry.cache_dir() == tmp_path
    monkeypatch.delenv("ELMO_COURSE_CACHE")
    assert registry.cache_dir() == Path.home() / ".cache" / "elmo_course"


def test_unknown_download_is_named():
    with pytest.raises(ValueError, match="unknown download 'glove'"):
        registry.download("glove")


def test_every_official_model_has_options_and_weights_downloads():
    for name in registry.OFFICIAL_MODELS:
        options, weights = registry.DOWNLOADS[f"elmo-{name}-options"], registry.DOWNLOADS[f"elmo-{name}-weights"]
        assert options.url.endswith("_options.json") and weights.url.endswith("_weights.hdf5")
        assert options.path == f"elmo/{name}/options.json" and weights.path == f"elmo/{name}/weights.hdf5"


def test_fetch_with_wrong_checksum_keeps_nothing(tmp_path):
    source = tmp_path / "file.bin"
    source.write_bytes(b"not what was promised")
    with pytest.raises(ValueError, match="expected 0000"):
        registry.fetch(source.as_uri(), tmp_path / "cache" / "file.bin", "0" * 64)
    assert not (tmp_path / "cache" / "file.bin").exists()
