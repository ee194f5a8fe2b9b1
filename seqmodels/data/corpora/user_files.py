"""The user's own corpus, ``data.corpus=files``: ``data.files.train`` and ``data.files.valid`` (and
``data.files.test`` when set), read with the reader of the corpus's kind."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Mapping, Optional, Sequence

from seqmodels.data.corpora.corpus import (
    REQUIRED,
    SPLITS,
    Check,
    Corpus,
    CorpusRequest,
    Paths,
    Reader,
    describe,
    no_check,
)
from seqmodels.errors import ConfigError, DataError
from seqmodels.text_files import find_text_file

Files = Optional[Mapping[str, Any]]


def _unset(value: Any) -> bool:
    """Whether a ``data.files`` entry is left open: null, empty or Hydra's ``???``."""
    return not value or value == "???"


def _check_splits(files: Mapping[str, Any]) -> None:
    unknown = sorted(set(files) - set(SPLITS))
    if unknown:
        raise ConfigError(f"data.files has unknown split(s) {unknown}; use {list(SPLITS)}")


def file_paths(files: Files, required: Sequence[str] = REQUIRED) -> Dict[str, Paths]:
    """``{split: (path,)}`` of ``data.files``, one file per split; the ``required`` ones must be set."""
    files = dict(files or {})
    _check_splits(files)
    for split in required:
        if _unset(files.get(split)):
            raise ConfigError(f"data.files.{split} is not set: give data.files.{split}=PATH, the path of the {split} "
                              "file")
    return {split: (Path(path),) for split, path in files.items() if not _unset(path)}


def pair_paths(files: Files, required: Sequence[str] = REQUIRED) -> Dict[str, Paths]:
    """``{split: (source path, target path)}``, or ``(TSV path,)``, of ``data.files`` for sentence pairs: each
    split is ``{source: path, target: path}`` or the path of a ``source<TAB>target`` file; the ``required`` ones
    must be set."""
    files = dict(files or {})
    _check_splits(files)
    chosen: Dict[str, Paths] = {}
    for split in SPLITS:
        entry = files.get(split)
        if _unset(entry):
            if split in required:
                raise ConfigError(f"data.files.{split} is not set: give {{source: path, target: path}} or the path "
                                  "of a source<TAB>target file")
        elif isinstance(entry, (str, Path)):
            chosen[split] = (Path(entry),)
        elif isinstance(entry, Mapping):
            for side in ("source", "target"):
                if _unset(entry.get(side)):
                    raise ConfigError(f"data.files.{split}.{side} is not set: give the path of the {side} file")
            chosen[split] = (Path(entry["source"]), Path(entry["target"]))
        else:
            raise ConfigError(f"data.files.{split}={entry!r}: give {{source: path, target: path}} or the path of a "
                              "source<TAB>target file")
    return chosen


def _check_exist(split: str, paths: Paths) -> None:
    """A ``DataError`` naming the option (``data.files.train``, ``data.files.train.source`` ...) of a file of
    ``split`` that is not there (nor gzipped beside it)."""
    sides = ("",) if len(paths) == 1 else (".source", ".target")
    for side, path in zip(sides, paths):
        option = f"data.files.{split}{side}"
        if find_text_file(path) is None and not path.is_dir():  # a folder: the reader says so
            raise DataError(f"{option}={path}: no such file (nor {path.name}.gz beside it)")


@dataclass(frozen=True)
class UserFiles(Corpus):
    """``data.files``, laid out by ``paths`` (:func:`file_paths`, or :func:`pair_paths` for sentence pairs) and
    read by ``read_files``."""

    kind: str
    read_files: Reader
    paths: Callable[[Files, Sequence[str]], Dict[str, Paths]] = file_paths
    check_options: Check = no_check
    name: str = "files"

    def read(self, request: CorpusRequest) -> Dict[str, Any]:
        chosen = {split: paths for split, paths in self.paths(request.files, request.required).items()
                  if split in request.splits}
        for split, paths in chosen.items():
            _check_exist(split, paths)
        return {split: self.read_files(paths, request.options) for split, paths in chosen.items()}

    def where(self, split: str, request: CorpusRequest) -> str:
        return describe(self.paths(request.files, request.required)[split])
