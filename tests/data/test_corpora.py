"""The corpus registry: every corpus by name and kind, embedded, generated, published (with the download on
request, from a local server) or the user's files; and a corpus registered from outside reaching a DataModule."""

from __future__ import annotations

import gzip
import hashlib
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Iterator

import pytest

from seqmodels.data.corpora import registry, reviews
from seqmodels.data.corpora.corpus import LABELLED, LINES, PAIRS, SEQUENCES, TAGGED, CorpusRequest, GeneratedCorpus
from seqmodels.data.corpora.download import RemoteFile
from seqmodels.data.corpora.published import PublishedCorpus
from seqmodels.data.corpora.registry import corpus_names, find_corpus, register_corpus
from seqmodels.data.modules.classification import ClassificationData
from seqmodels.errors import ConfigError, DataError
from tests.app.hydra_helpers import SHARED_DATA
from tests.data import toy_corpus


def test_every_config_corpus_is_registered_under_its_kind() -> None:
    assert corpus_names(LINES) == ["pydoc_topics", "wikitext-2", "ptb", "files"]
    assert corpus_names(TAGGED) == ["names", "conll2003", "files"]
    assert corpus_names(LABELLED)[:4] == ["reviews", "agreement", "sst2", "files"]  # then tests.data.toy_corpus's
    assert corpus_names(PAIRS) == ["dates", "multi30k", "files"]
    assert corpus_names(SEQUENCES) == ["adding", "copy"]


def test_embedded_corpus_needs_no_file() -> None:
    lines = find_corpus("pydoc_topics", LINES).read(CorpusRequest())
    assert set(lines) == {"train", "valid", "test"}
    assert len(lines["train"]) > 10 * len(lines["valid"]) > 0 and lines["test"]


def test_unknown_corpus_lists_the_known_ones_of_its_kind() -> None:
    with pytest.raises(ConfigError, match=r"data.corpus='wikitext-103' is not a corpus seqmodels knows; .*wikitext-2"):
        find_corpus("wikitext-103", LINES)
    with pytest.raises(ConfigError, match=r"\['names', 'conll2003', 'files'\] \('reviews' holds labelled texts"):
        find_corpus("reviews", TAGGED)
    with pytest.raises(ConfigError, match=r"data.problem='add' is not a problem"):
        find_corpus("add", SEQUENCES, option="problem")


def test_generated_splits_draw_from_seed_plus_their_position() -> None:
    generated = find_corpus("reviews", LABELLED)
    splits = generated.read(CorpusRequest(sizes={"train": 5, "valid": 0, "test": 4}, seed=7))
    assert set(splits) == {"train", "test"}  # no valid split of size 0
    assert splits["train"] == reviews.generate(5, 7) and splits["test"] == reviews.generate(4, 9)  # test: seed + 2
    assert generated.where("valid", CorpusRequest()) == "the generated valid reviews"


def test_user_files_need_train_and_valid(tmp_path: Path) -> None:
    (tmp_path / "train.txt").write_text("a b\n")
    files = find_corpus("files", LINES)
    with pytest.raises(ConfigError, match=r"data.files.valid is not set: give data.files.valid=PATH"):
        files.read(CorpusRequest(files={"train": str(tmp_path / "train.txt")}))
    with pytest.raises(ConfigError, match=r"data.files has unknown split\(s\) \['dev'\]"):
        files.read(CorpusRequest(files={"train": "a", "valid": "b", "dev": "c"}))
    request = CorpusRequest(files={"train": str(tmp_path / "train.txt"), "valid": str(tmp_path / "train.txt")})
    assert files.read(request) == {"train": ["a b"], "valid": ["a b"]}
    assert files.where("valid", request) == str(tmp_path / "train.txt")


def test_a_published_corpus_reads_gzipped_files_and_an_optional_test_split(tmp_path: Path) -> None:
    folder = tmp_path / "conll2003"
    folder.mkdir()
    (folder / "eng.train").write_text("EU B-ORG\nrejects O\n")
    (folder / "eng.testa.gz").write_bytes(gzip.compress(b"Peter B-PER\n"))
    conll = find_corpus("conll2003", TAGGED)
    splits = conll.read(CorpusRequest(data_dir=str(tmp_path), options={"tag_column": -1}))
    assert set(splits) == {"train", "valid"} and splits["valid"][0].tags == ("B-PER",)
    with pytest.raises(ConfigError, match=r"data.corpus='conll2003' needs paths.data_dir"):
        conll.read(CorpusRequest(options={"tag_column": -1}))


@pytest.fixture
def served_corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fake 'tiny' corpus of lines published on a local HTTP server."""
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
    tiny = PublishedCorpus("tiny", LINES, "tiny", {split: (remote.filename,) for split, remote in files.items()},
                           find_corpus("wikitext-2", LINES).read_files, "the tiny corpus", tuple(files.values()))
    monkeypatch.setitem(registry.CORPORA, (LINES, "tiny"), tiny)
    yield tmp_path / "data"
    server.shutdown()
    thread.join(timeout=5)


def test_missing_corpus_error_says_where_and_how(served_corpus: Path) -> None:
    with pytest.raises(DataError) as error:
        find_corpus("tiny", LINES).read(CorpusRequest(str(served_corpus)))
    message = str(error.value)
    assert str(served_corpus / "tiny") in message and "data.download=true" in message and "train.txt" in message


def test_download_on_request_fetches_verifies_and_reads(served_corpus: Path) -> None:
    tiny, request = find_corpus("tiny", LINES), CorpusRequest(str(served_corpus), download=True)
    tiny.fetch(request)
    assert tiny.read(request)["valid"] == ["the valid text", "and more"]
    assert (served_corpus / "tiny" / "test.txt").is_file()


def test_a_corpus_registered_outside_reaches_the_datamodule_of_its_kind() -> None:
    data = ClassificationData(corpus="tests.data.toy_corpus:echoes", num_examples={"train": 12, "valid": 6})
    data.setup()
    assert data.labels == ["blue", "green", "red"] and not data.has_test
    assert data.where("valid") == "the generated valid echoes"
    assert next(iter(data.val_dataloader())).words.shape == (6, 3)
    assert find_corpus("echoes", LABELLED) is toy_corpus.ECHOES  # registered by the import
    with pytest.raises(ConfigError, match="already registered"):
        register_corpus(GeneratedCorpus("echoes", LABELLED, toy_corpus.echoes, "echoes"))
    with pytest.raises(ConfigError, match=r"data.corpus=tests.data.no_such_module:echoes: cannot import"):
        find_corpus("tests.data.no_such_module:echoes", LABELLED)


@pytest.mark.skipif(not (SHARED_DATA / "wikitext-2").is_dir(), reason="needs ../shared/data (SEQMODELS_DATA_DIR)")
def test_wikitext2_matches_its_published_counts() -> None:
    from seqmodels.data.batching.language_modeling import stream_ids
    from seqmodels.data.encoding.vocabulary import Vocabulary

    lines = find_corpus("wikitext-2", LINES).read(CorpusRequest(str(SHARED_DATA)))
    sentences = {split: [line.split() for line in split_lines] for split, split_lines in lines.items()}
    vocabulary = Vocabulary.build(sentences["train"])
    # 33,278 types counting <unk> and <eos>, plus our <pad> and <bos>
    assert len(vocabulary) == 33_278 + 2
    sizes = {split: len(stream_ids([vocabulary.encode(s) for s in ss], vocabulary.eos_id))
             for split, ss in sentences.items()}
    assert sizes == {"train": 2_088_628, "valid": 217_646, "test": 245_569}
