"""Loaders of users' datasets, on small files the tests write in every supported format."""

import pickle
import tarfile
import zipfile

import numpy as np
import pytest
from PIL import Image

from rmtdiff import data
from rmtdiff.data.loading import REGISTRY, load_dataset, resize_images

from test_idx import fake_fashion

RNG = np.random.default_rng(7)


# ------------------------------------------------------------------ writers of fake datasets

def cifar_batch(n, labels_key=b"labels", seed=0):
    rng = np.random.default_rng(seed)
    return {b"data": rng.integers(0, 256, (n, 3072), dtype=np.uint8),
            labels_key: list(rng.integers(0, 10, n).tolist()), b"batch_label": b"fake"}


def write_cifar10(folder, n=4):
    folder.mkdir(parents=True)
    batches = {}
    for i, name in enumerate([f"data_batch_{j}" for j in range(1, 6)] + ["test_batch"]):
        batches[name] = cifar_batch(n, seed=i)
        with open(folder / name, "wb") as f:
            pickle.dump(batches[name], f, protocol=2)     # the protocol of the real files
    return batches


def write_pngs(folder, n=5, size=(20, 12), mode="RGB", suffix=".png"):
    folder.mkdir(parents=True, exist_ok=True)
    shape = (size[1], size[0], 3) if mode == "RGB" else (size[1], size[0])
    arrays = []
    for i in range(n):
        a = RNG.integers(0, 256, shape, dtype=np.uint8)
        Image.fromarray(a, mode=mode).save(folder / f"img{i:03d}{suffix}")
        arrays.append(a)
    return arrays


# ------------------------------------------------------------------ CIFAR

def test_cifar10_folder_and_archive_give_the_same_images(tmp_path):
    pytest.importorskip("torch")       # resize_images pools with torch
    batches = write_cifar10(tmp_path / "cifar-10-batches-py")
    ds = load_dataset(tmp_path / "cifar-10-batches-py", part="train")
    assert ds.images.shape == (20, 3, 32, 32) and ds.name == "cifar10"
    # channel-first layout of the 3072 bytes: 1024 red, 1024 green, 1024 blue
    first = batches["data_batch_1"][b"data"][0]
    np.testing.assert_array_equal(ds.images[0, 1], first[1024:2048].reshape(32, 32) / 127.5 - 1)
    assert ds.labels[:4].tolist() == batches["data_batch_1"][b"labels"]
    with tarfile.open(tmp_path / "cifar-10-python.tar.gz", "w:gz") as tar:
        tar.add(tmp_path / "cifar-10-batches-py", arcname="cifar-10-batches-py")
    arch = load_dataset(tmp_path / "cifar-10-python.tar.gz", part="train")
    np.testing.assert_array_equal(arch.images, ds.images)
    assert load_dataset(tmp_path / "cifar-10-batches-py", part="all").images.shape[0] == 24
    small = load_dataset(tmp_path / "cifar-10-batches-py", part="test", size=16)
    assert small.images.shape == (4, 3, 16, 16)


def test_cifar100_and_the_registry_count_check(tmp_path, monkeypatch):
    folder = tmp_path / "cifar-100-python"
    folder.mkdir()
    for name, n in (("train", 6), ("test", 2)):
        with open(folder / name, "wb") as f:
            pickle.dump(cifar_batch(n, labels_key=b"fine_labels"), f, protocol=2)
    ds = load_dataset(folder, part="test")
    assert ds.images.shape == (2, 3, 32, 32) and ds.name == "cifar100"
    # by name, from RMTDIFF_DATA: the registry knows CIFAR-100 has 50000 training images
    monkeypatch.setenv("RMTDIFF_DATA", str(tmp_path))
    with pytest.raises(ValueError, match="holds 6 images of cifar100.*has 50000"):
        load_dataset("cifar100", part="train")
    assert load_dataset("cifar100", part="train", limit=3).images.shape == (3, 3, 32, 32)
    # a folder named like MNIST holding something else is refused by its shape
    (tmp_path / "mnist").mkdir()
    np.save(tmp_path / "x.npy", np.zeros((2, 5, 5), np.uint8))
    from test_idx import write_idx
    for stem in ("train-images-idx3-ubyte", "t10k-images-idx3-ubyte"):
        write_idx(tmp_path / "mnist" / (stem + ".gz"), np.zeros((2, 20, 20), np.uint8))
    for stem in ("train-labels-idx1-ubyte", "t10k-labels-idx1-ubyte"):
        write_idx(tmp_path / "mnist" / (stem + ".gz"), np.zeros(2, np.uint8))
    with pytest.raises(ValueError, match=r"shape \(1, 20, 20\).*mnist has \(1, 28, 28\)"):
        load_dataset("mnist", part="train")


def test_cifar_errors_name_the_file(tmp_path):
    write_cifar10(tmp_path / "c")
    (tmp_path / "c" / "data_batch_3").unlink()
    with pytest.raises(FileNotFoundError, match="lacks the CIFAR batch file.*data_batch_3"):
        load_dataset(tmp_path / "c", part="train")
    assert load_dataset(tmp_path / "c", part="test").images.shape == (4, 3, 32, 32)
    p = tmp_path / "c" / "test_batch"
    p.write_bytes(p.read_bytes()[:500])                      # truncated
    with pytest.raises(ValueError, match="test_batch is not a readable CIFAR batch"):
        load_dataset(tmp_path / "c", part="test")
    # a pickle that would run code is refused, not executed
    p.write_bytes(pickle.dumps({b"data": np.zeros((1, 3072), np.uint8), b"x": print}))
    with pytest.raises(ValueError, match="builtins.print is not allowed"):
        load_dataset(tmp_path / "c", part="test")
    bad = tmp_path / "cifar-10-python.tar.gz"
    bad.write_bytes(b"\x1f\x8b" + b"not really gzip" * 10)
    with pytest.raises(ValueError, match="not a readable tar archive"):
        load_dataset(bad, part="test")


def test_cifar_by_name_not_found_lists_where_it_looked(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"cifar10 .*not found; looked for:\n.*cifar-10"):
        load_dataset("cifar10", root=tmp_path)


# ------------------------------------------------------------------ image folders and archives

def test_image_folder_zip_and_tar_agree(tmp_path):
    arrays = write_pngs(tmp_path / "faces" / "sub", n=4, size=(20, 12))
    ds = load_dataset(tmp_path / "faces")
    assert ds.images.shape == (4, 3, 12, 20)
    np.testing.assert_array_equal(ds.images[2], np.moveaxis(arrays[2], 2, 0) / 127.5 - 1)
    with zipfile.ZipFile(tmp_path / "faces.zip", "w") as z:
        for p in sorted((tmp_path / "faces").rglob("*.png")):
            z.write(p, p.relative_to(tmp_path))
    with tarfile.open(tmp_path / "faces.tar", "w") as t:
        t.add(tmp_path / "faces", arcname="faces")
    for archive in ("faces.zip", "faces.tar"):
        np.testing.assert_array_equal(load_dataset(tmp_path / archive).images, ds.images)
    # size: centre crop 20x12 -> 12x12 (columns 4..15), then area averaging to 6x6 (2x2 means);
    # Pillow's box filter works in 8-bit fixed point: within one grey level of the exact mean
    six = load_dataset(tmp_path / "faces", size=6)
    crop = arrays[0][:, 4:16].astype(float)
    expect = crop.reshape(6, 2, 6, 2, 3).mean(axis=(1, 3))
    assert six.images.shape == (4, 3, 6, 6)
    assert np.abs((six.images[0] + 1) * 127.5 - np.moveaxis(expect, 2, 0)).max() <= 1 + 1e-9
    assert load_dataset(tmp_path / "faces", size=32).images.shape == (4, 3, 32, 32)
    assert load_dataset(tmp_path / "faces", limit=2).images.shape[0] == 2


def test_grey_jpegs_and_mode_conversion(tmp_path):
    write_pngs(tmp_path / "g", n=3, size=(8, 8), mode="L", suffix=".jpg")
    grey = load_dataset(tmp_path / "g")
    assert grey.images.shape == (3, 8, 8)
    assert load_dataset(tmp_path / "g", mode="RGB").images.shape == (3, 3, 8, 8)


def test_image_folder_errors_name_the_file(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "notes.txt").write_text("no images here")
    with pytest.raises(ValueError, match="contains no images"):
        load_dataset(tmp_path / "empty")
    write_pngs(tmp_path / "mixed", n=2, mode="RGB")
    Image.fromarray(np.zeros((12, 20), np.uint8), mode="L").save(tmp_path / "mixed" / "z.png")
    with pytest.raises(ValueError, match="z.png has mode 'L' but img000.png has 'RGB'"):
        load_dataset(tmp_path / "mixed")
    assert load_dataset(tmp_path / "mixed", mode="RGB").images.shape == (3, 3, 12, 20)
    write_pngs(tmp_path / "sizes", n=2, size=(10, 10))
    write_pngs(tmp_path / "sizes" / "more", n=1, size=(12, 10))
    with pytest.raises(ValueError, match="img000.png is 12x10 but img000.png is 10x10.*size="):
        load_dataset(tmp_path / "sizes")
    assert load_dataset(tmp_path / "sizes", size=8).images.shape == (3, 3, 8, 8)
    Image.fromarray(np.zeros((4, 4, 4), np.uint8), mode="RGBA").save(tmp_path / "rgba.png")
    (tmp_path / "alpha").mkdir()
    (tmp_path / "rgba.png").rename(tmp_path / "alpha" / "a.png")
    with pytest.raises(ValueError, match="a.png has mode 'RGBA'; pass mode='RGB'"):
        load_dataset(tmp_path / "alpha")
    write_pngs(tmp_path / "broken", n=2)
    p = tmp_path / "broken" / "img001.png"
    p.write_bytes(p.read_bytes()[:60])                        # truncated PNG
    with pytest.raises(ValueError, match="img001.png is not a readable image"):
        load_dataset(tmp_path / "broken")
    (tmp_path / "bad.zip").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ValueError, match="bad.zip is not a readable archive"):
        load_dataset(tmp_path / "bad.zip")


# ------------------------------------------------------------------ arrays

def test_npz_and_npy(tmp_path):
    pytest.importorskip("torch")       # resize_images pools with torch
    x = RNG.integers(0, 256, (5, 10, 10, 3), dtype=np.uint8)          # (N, H, W, C)
    np.savez(tmp_path / "a.npz", images=x, labels=np.arange(5))
    ds = load_dataset(tmp_path / "a.npz")
    assert ds.images.shape == (5, 3, 10, 10) and ds.labels.tolist() == [0, 1, 2, 3, 4]
    np.testing.assert_array_equal(ds.images, np.moveaxis(x, 3, 1) / 127.5 - 1)
    np.save(tmp_path / "g.npy", np.linspace(-1, 1, 4 * 36).reshape(4, 6, 6))
    assert load_dataset(tmp_path / "g.npy", size=3, dtype=np.float32).images.dtype == np.float32
    np.save(tmp_path / "far.npy", np.full((2, 4, 4), 3.0))
    with pytest.raises(ValueError, match=r"far.npy: floating-point images must lie in \[-1, 1\]"):
        load_dataset(tmp_path / "far.npy")
    np.savez(tmp_path / "k.npz", pictures=x)
    with pytest.raises(ValueError, match="expected one named 'images'"):
        load_dataset(tmp_path / "k.npz")
    np.save(tmp_path / "odd.npy", np.zeros((2, 5, 7, 9), np.uint8))
    with pytest.raises(ValueError, match="cannot tell the channel axis"):
        load_dataset(tmp_path / "odd.npy")
    (tmp_path / "cut.npy").write_bytes((tmp_path / "g.npy").read_bytes()[:100])
    with pytest.raises(ValueError, match="cut.npy is not a readable NumPy file"):
        load_dataset(tmp_path / "cut.npy")
    with pytest.raises(ValueError, match="has no train/test division"):
        load_dataset(tmp_path / "a.npz", part="train")


# ------------------------------------------------------------------ IDX, names, arguments

def test_idx_folder_and_mnist_by_name(tmp_path, monkeypatch):
    fake_fashion(tmp_path / "mnist", n_train=6, n_test=4)
    ds = load_dataset(tmp_path / "mnist", part="test")
    assert ds.images.shape == (4, 28, 28)
    monkeypatch.setenv("RMTDIFF_DATA", str(tmp_path))
    with pytest.raises(ValueError, match="holds 10 images of mnist \\(all\\).*has 70000"):
        load_dataset("mnist")
    fm = load_dataset("fashion-mnist", root=tmp_path / "mnist", part="train")
    np.testing.assert_array_equal(fm.images,
                                  data.load_fashion_mnist(tmp_path / "mnist", "train").images)


def test_resizing_arrays_matches_the_books_area_average(tmp_path):
    pytest.importorskip("torch")       # resize_images pools with torch
    fake_fashion(tmp_path / "fm")
    ds = data.load_fashion_mnist(tmp_path / "fm", part="train")
    # the book's network chapters: 28 -> 16 by adaptive average pooling, bit for bit (what the
    # runs' keys were made with), and 28 -> 14 is the exact mean of 2x2 blocks
    import torch
    pooled = torch.nn.functional.adaptive_avg_pool2d(torch.as_tensor(ds.images)[:, None], 16)
    np.testing.assert_array_equal(resize_images(ds.images, 16), pooled[:, 0].numpy())
    blocks = ds.images.reshape(-1, 14, 2, 14, 2).mean(axis=(2, 4))
    np.testing.assert_allclose(resize_images(ds.images, 14), blocks, rtol=0, atol=1e-15)
    assert resize_images(ds.images, 32).shape == (6, 32, 32)
    const = np.full((1, 3, 5, 5), 0.25)
    np.testing.assert_allclose(resize_images(const, 9), 0.25, atol=1e-12)
    assert resize_images(np.ones((1, 6, 6)), 9).max() <= 1.0          # clipped overshoot


@pytest.mark.parametrize("size, err", [(0, ValueError), (-3, ValueError), ("32", TypeError),
                                       (2.5, TypeError)])
def test_wrong_size_argument(tmp_path, size, err):
    np.save(tmp_path / "g.npy", np.zeros((2, 6, 6)))
    with pytest.raises(err, match="size"):
        load_dataset(tmp_path / "g.npy", size=size)


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="part must be"):
        load_dataset("digits", part="validation")
    with pytest.raises(ValueError, match="mode must be"):
        load_dataset("digits", mode="RGBA")
    with pytest.raises(FileNotFoundError, match="neither a known name"):
        load_dataset(tmp_path / "nothing-here")
    (tmp_path / "x.csv").write_text("1,2")
    with pytest.raises(ValueError, match="unknown dataset format"):
        load_dataset(tmp_path / "x.csv")
    assert set(REGISTRY) >= {"cifar10", "cifar100", "mnist", "fashion-mnist", "ffhq", "afhq"}
