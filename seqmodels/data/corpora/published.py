"""A published corpus: its files in ``<data_dir>/<folder>`` and, when their public home is known, the
download that fetches a missing one (``data.download=true``, checksum-verified)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Mapping, Tuple

from seqmodels.data.corpora.corpus import Check, Corpus, CorpusRequest, Paths, Reader, describe, no_check
from seqmodels.data.corpora.download import RemoteFile, fetch
from seqmodels.errors import ConfigError, DataError
from seqmodels.text_files import find_text_file


@dataclass(frozen=True)
class PublishedCorpus(Corpus):
    """Files of a published corpus, read from ``<data_dir>/<folder>`` by ``read_files``.

    ``files`` names each split's file (or two aligned files); the names and ``what`` (how to get the files,
    for the error that says where to put them) may hold ``{option}`` fields, filled from ``request.options``
    (Multi30k's ``train.{source_language}.gz``). A file may also be there gzipped (``<name>.gz``). Train and
    valid must be there, test is read when it is. ``downloads`` are the files that ``data.download=true``
    fetches from their public home.
    """

    name: str
    kind: str
    folder: str
    files: Mapping[str, Tuple[str, ...]]
    read_files: Reader
    what: str
    downloads: Tuple[RemoteFile, ...] = ()
    check_options: Check = no_check

    def read(self, request: CorpusRequest) -> Dict[str, Any]:
        return {split: self.read_files(paths, request.options)
                for split, paths in self.paths(request).items() if split in request.splits}

    def where(self, split: str, request: CorpusRequest) -> str:
        return describe(self.paths(request)[split])

    def fetch(self, request: CorpusRequest) -> None:
        folder = self._folder(request)
        for remote in self.downloads:
            if not _exists(folder / remote.filename):
                fetch(remote, folder)

    def paths(self, request: CorpusRequest) -> Dict[str, Paths]:
        """``{split: paths}`` of the splits whose files are all there; a missing file of a required split (train
        and valid, or the test split when evaluating) is a ``DataError`` that says where to put it and how to get
        it."""
        folder = self._folder(request)
        paths = {split: tuple(folder / name.format(**request.options) for name in names)
                 for split, names in self.files.items()}
        for split in request.required:
            if split not in paths:
                raise DataError(f"data.corpus={self.name} has no {split} split")
            for path in paths[split]:
                if not _exists(path):
                    raise DataError(self._missing(path, folder, request))
        return {split: split_paths for split, split_paths in paths.items() if all(map(_exists, split_paths))}

    def _folder(self, request: CorpusRequest) -> Path:
        if request.data_dir is None:
            raise ConfigError(f"data.corpus={self.name!r} needs paths.data_dir (or SEQMODELS_DATA_DIR) to say where "
                              "it lives")
        return Path(request.data_dir) / self.folder

    def _missing(self, path: Path, folder: Path, request: CorpusRequest) -> str:
        remote = {remote.filename: remote for remote in self.downloads}.get(path.name)
        download = f", or run with data.download=true to fetch it from {remote.url}" if remote else ""
        return (f"{path}: no such file; put {self.what.format(**request.options)} in {folder}, or point "
                f"paths.data_dir (SEQMODELS_DATA_DIR) at the folder holding {self.folder}/{download}")


def _exists(path: Path) -> bool:
    """Whether ``path`` (or ``path.gz``) is a file."""
    return find_text_file(path) is not None
