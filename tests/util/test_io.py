"""Atomic writes: the file appears whole or not at all, with the usual permissions."""

import os
import stat

import pytest

from rmtdiff.util.io import atomic_write, write_bytes, write_json


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path):
    path = write_bytes(tmp_path / "a.bin", b"old")

    def broken(tmp):
        tmp.write_bytes(b"half")
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError, match="killed"):
        atomic_write(path, broken)
    assert path.read_bytes() == b"old" and sorted(os.listdir(tmp_path)) == ["a.bin"]


def test_two_writers_use_distinct_temporaries_and_mode_follows_the_umask(tmp_path):
    seen = []
    atomic_write(tmp_path / "x.json", lambda tmp: seen.append(tmp) or tmp.write_text("1"))
    atomic_write(tmp_path / "x.json", lambda tmp: seen.append(tmp) or tmp.write_text("2"))
    assert seen[0] != seen[1] and (tmp_path / "x.json").read_text() == "2"
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((tmp_path / "x.json").stat().st_mode) == 0o666 & ~umask


def test_json_refuses_nan(tmp_path):
    with pytest.raises(ValueError):
        write_json(tmp_path / "n.json", {"x": float("nan")})
    assert not (tmp_path / "n.json").exists()
