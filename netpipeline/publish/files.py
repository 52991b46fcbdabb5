"""Atomic file replacement: write beside, fsync, rename over, fsync the folder.

A reader that opened the old file keeps reading it (on POSIX the old inode lives until its
last descriptor closes); one that opens the path afterwards gets the whole new file.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path


def temp_beside(target: Path) -> Path:
    """A hidden name next to `target` that no reader's glob (`*.duckdb`, `*.parquet`) matches."""
    return target.with_name(f".{target.name}.{os.getpid()}.tmp")


def fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def replace_with(temp: Path, target: Path) -> None:
    """Make the finished `temp` the file at `target` in one rename (durably)."""
    fsync_file(temp)
    os.replace(temp, target)
    fsync_dir(target.parent)


def copy_atomically(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_beside(target)
    try:
        shutil.copyfile(source, temp)  # sendfile(2) on Linux: no copy through Python
        replace_with(temp, target)
    finally:
        temp.unlink(missing_ok=True)
