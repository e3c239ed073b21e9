"""Data: the registry of named datasets and its search rule, one reader per format, resizing,
splits, streaming statistics and the networks' train/held-out images. Imports only
:mod:`rmtdiff.core` and :mod:`rmtdiff.util`.

Where new work goes: a new file format is a reader module beside :mod:`.idx`, :mod:`.cifar`,
:mod:`.arrays` and :mod:`.image_files`, dispatched from :func:`.loading.load_dataset`; a new named
dataset is an entry of :data:`.registry.REGISTRY`.
"""

from . import splits
from .builtin import load_photo_patches
from .images import ImageDataset, to_unit_range
from .idx import read_idx
from .loading import (data_checksums, dataset_files, has_parts, load_dataset, load_digits,
                      load_fashion_mnist)
from .registry import REGISTRY, display_name
from .splits import SPLIT_KINDS, disjoint_splits, split_pair

__all__ = ["ImageDataset", "REGISTRY", "SPLIT_KINDS", "splits", "data_checksums", "dataset_files",
           "disjoint_splits", "display_name", "has_parts", "load_dataset", "load_digits",
           "load_fashion_mnist", "load_photo_patches", "read_idx", "split_pair", "to_unit_range"]
