"""The national export that ships inside the package (knowledge/data/, see its SOURCE.md),
found through importlib.resources so an installed copy finds it wherever it runs."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

EXPORT_FILES = ("procedures_dvcqg_2026.jsonl.xz", "procedures_bqp.jsonl.xz")
POPULARITY_FILE = "popularity_citizens_top1000.csv.xz"


def data_dir() -> Path:
    """The folder of the shipped data: package data is installed as plain files (a zipped
    install is not supported: the loader reads paths)."""
    folder = resources.files("knowledge").joinpath("data")
    if not isinstance(folder, Path):
        raise RuntimeError(f"knowledge data is not on the file system: {folder}")
    return folder


def export_paths() -> list[Path]:
    """The shipped procedure files, in the order they are loaded (the first code wins)."""
    return [data_dir() / name for name in EXPORT_FILES]


def popularity_path() -> Path:
    return data_dir() / POPULARITY_FILE
