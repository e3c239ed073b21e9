"""The IDX reader and Fashion-MNIST found by the registry's search rule (files the tests write)."""

import dataclasses
import gzip
import struct

import numpy as np
import pytest

from rmtdiff.data import load_dataset, load_fashion_mnist, read_idx, registry
from rmtdiff.data.idx import IDX_FILES


def write_idx(path, array, type_code=0x08, gz=True):
    array = np.asarray(array)
    header = bytes([0, 0, type_code, array.ndim]) + b"".join(struct.pack(">I", s) for s in array.shape)
    payload = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    path.write_bytes(gzip.compress(payload) if gz else payload)
    return path


def fake_fashion(folder, n_train=6, n_test=4, gz=True):
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    for part, n in (("train", n_train), ("test", n_test)):
        imgs, labs = IDX_FILES[part]
        suffix = ".gz" if gz else ""
        write_idx(folder / (imgs + suffix), rng.integers(0, 256, (n, 28, 28), dtype=np.uint8), gz=gz)
        write_idx(folder / (labs + suffix), rng.integers(0, 10, n, dtype=np.uint8), gz=gz)
    return folder


@pytest.mark.parametrize("gz", [True, False])
def test_idx_roundtrip(tmp_path, gz):
    a = np.arange(24, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / ("a.gz" if gz else "a"), a, gz=gz)), a)
    b = np.array([1, -2, 300], dtype=">i4")
    np.testing.assert_array_equal(read_idx(write_idx(tmp_path / "b", b, 0x0C, gz=False)), [1, -2, 300])


def test_idx_truncated(tmp_path):
    p = write_idx(tmp_path / "t", np.zeros((3, 4), np.uint8), gz=False)
    p.write_bytes(p.read_bytes()[:-5])
    with pytest.raises(ValueError, match="is truncated: header says shape \\(3, 4\\) = 12 bytes"):
        read_idx(p)


def test_idx_trailing_bytes(tmp_path):
    p = write_idx(tmp_path / "t", np.zeros(4, np.uint8), gz=False)
    p.write_bytes(p.read_bytes() + b"xx")
    with pytest.raises(ValueError, match="longer than its header says"):
        read_idx(p)


def test_idx_bad_magic_and_corrupt_gzip(tmp_path):
    (tmp_path / "x").write_bytes(b"PK\x03\x04 not idx")
    with pytest.raises(ValueError, match="not an IDX file"):
        read_idx(tmp_path / "x")
    good = gzip.compress(bytes([0, 0, 8, 1, 0, 0, 0, 2, 1, 2]))
    (tmp_path / "y.gz").write_bytes(good[: len(good) // 2])
    with pytest.raises(ValueError, match="not a readable gzip file"):
        read_idx(tmp_path / "y.gz")
    with pytest.raises(FileNotFoundError, match="IDX file not found"):
        read_idx(tmp_path / "missing.gz")


@pytest.mark.parametrize("gz", [True, False])
def test_fashion_mnist_from_folder(tmp_path, gz):
    ds = load_fashion_mnist(fake_fashion(tmp_path / "fm", gz=gz))
    assert ds.images.shape == (10, 28, 28) and ds.labels.shape == (10,)
    assert ds.images.min() >= -1 and ds.images.max() <= 1 and ds.flat().shape == (10, 784)
    assert load_fashion_mnist(tmp_path / "fm", part="test").images.shape == (4, 28, 28)


def test_fashion_mnist_from_environment(tmp_path, monkeypatch):
    fake_fashion(tmp_path / "fashion-mnist")
    monkeypatch.setenv("RMTDIFF_DATA", str(tmp_path))
    with pytest.raises(ValueError, match="holds 10 images of fashion-mnist.*has 70000"):
        load_fashion_mnist()                 # a copy found by the search rule must be complete
    ds = load_dataset("fashion-mnist", limit=10)
    assert ds.source == str(tmp_path / "fashion-mnist") and len(ds.images) == 10


def test_fashion_mnist_missing_says_how_to_install(tmp_path, monkeypatch):
    info = registry.REGISTRY["fashion-mnist"]
    monkeypatch.setitem(registry.REGISTRY, "fashion-mnist",
                        dataclasses.replace(info, system_folders=(tmp_path / "nowhere",)))
    monkeypatch.setattr(registry, "REPO_DATA", tmp_path / "nowhere2")
    monkeypatch.delenv("RMTDIFF_DATA", raising=False)
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist") as info:
        load_fashion_mnist()
    assert "RMTDIFF_DATA" in str(info.value)


def test_fashion_mnist_mismatched_pair(tmp_path):
    folder = fake_fashion(tmp_path / "fm")
    write_idx(folder / "train-labels-idx1-ubyte.gz", np.zeros(5, np.uint8))
    with pytest.raises(ValueError, match="do not match"):
        load_fashion_mnist(folder)


def test_fashion_mnist_corrupt_file(tmp_path):
    folder = fake_fashion(tmp_path / "fm")
    p = folder / "t10k-images-idx3-ubyte.gz"
    p.write_bytes(p.read_bytes()[:30])
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte.gz"):
        load_fashion_mnist(folder)


def test_a_partial_copy_is_passed_over_for_the_next_folder_of_the_search(tmp_path, monkeypatch):
    full = fake_fashion(tmp_path)                              # $RMTDIFF_DATA itself: complete
    partial = tmp_path / "fashion-mnist"                       # searched first: train part only
    partial.mkdir()
    for stem in IDX_FILES["train"]:
        (partial / f"{stem}.gz").write_bytes((full / f"{stem}.gz").read_bytes())
    monkeypatch.setenv("RMTDIFF_DATA", str(tmp_path))
    assert load_dataset("fashion-mnist", part="test", limit=4).source == str(tmp_path)
    assert load_dataset("fashion-mnist", part="train", limit=6).source == str(partial)
