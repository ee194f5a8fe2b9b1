"""Corpora by name: the embedded one, files on disk, and the download on request (local server)."""

from __future__ import annotations

import hashlib
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from seqmodels.data import corpora
from seqmodels.data.corpora import Corpus, corpus_lines
from seqmodels.data.download import RemoteFile
from seqmodels.errors import ConfigError, DataError
from tests.app.hydra_helpers import SHARED_DATA


def test_embedded_corpus_needs_no_file() -> None:
    lines = corpus_lines("pydoc_topics")
    assert set(lines) == {"train", "valid", "test"}
    assert len(lines["train"]) > 10 * len(lines["valid"]) > 0 and lines["test"]


def test_unknown_corpus_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="data.corpus='wikitext-103'.*wikitext-2"):
        corpus_lines("wikitext-103", "data")


def test_user_files_need_train_and_valid(tmp_path: Path) -> None:
    (tmp_path / "train.txt").write_text("a b\n")
    with pytest.raises(ConfigError, match="data.files.valid"):
        corpus_lines("files", files={"train": str(tmp_path / "train.txt")})
    lines = corpus_lines("files", files={"train": str(tmp_path / "train.txt"), "valid": str(tmp_path / "train.txt")})
    assert lines == {"train": ["a b"], "valid": ["a b"]}


@pytest.fixture
def served_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fake 'tiny' corpus published on a local HTTP server."""
    public = tmp_path / "public"
    public.mkdir()
    files = {}
    for split in ("train", "valid", "test"):
        content = f"the {split} text\nand more\n".encode()
        (public / f"{split}.txt").write_bytes(content)
    handler = partial(SimpleHTTPRequestHandler, directory=str(public))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    for split in ("train", "valid", "test"):
        digest = hashlib.sha256((public / f"{split}.txt").read_bytes()).hexdigest()
        files[split] = RemoteFile(f"{base}/{split}.txt", digest, f"{split}.txt")
    monkeypatch.setitem(corpora.CORPORA, "tiny", Corpus("tiny", files))
    yield tmp_path / "data"
    server.shutdown()
    thread.join(timeout=5)


def test_missing_corpus_error_says_where_and_how(served_corpus: Path) -> None:
    with pytest.raises(DataError) as error:
        corpus_lines("tiny", str(served_corpus))
    message = str(error.value)
    assert str(served_corpus / "tiny") in message and "data.download=true" in message and "train.txt" in message


def test_download_on_request_fetches_verifies_and_reads(served_corpus: Path) -> None:
    lines = corpus_lines("tiny", str(served_corpus), download=True)
    assert lines["valid"] == ["the valid text", "and more"]
    assert (served_corpus / "tiny" / "test.txt").is_file()


@pytest.mark.skipif(not (SHARED_DATA / "wikitext-2").is_dir(), reason="needs ../shared/data (SEQMODELS_DATA_DIR)")
def test_wikitext2_matches_its_published_counts() -> None:
    from seqmodels.data.lm_batching import stream_ids
    from seqmodels.data.vocabulary import Vocabulary

    lines = corpus_lines("wikitext-2", str(SHARED_DATA))
    sentences = {split: [line.split() for line in split_lines] for split, split_lines in lines.items()}
    vocabulary = Vocabulary.build(sentences["train"])
    # 33,278 types counting <unk> and <eos>, plus our <pad> and <bos>
    assert len(vocabulary) == 33_278 + 2
    sizes = {split: len(stream_ids([vocabulary.encode(s) for s in ss], vocabulary.eos_id)) for split, ss in sentences.items()}
    assert sizes == {"train": 2_088_628, "valid": 217_646, "test": 245_569}
