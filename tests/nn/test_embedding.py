"""Pretrained word vectors: the file formats, exact round trips, the embedding rows and coverage, bad files."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path
from typing import Dict, List, Sequence

import pytest
import torch

from seqmodels.errors import ConfigError, DataError
from seqmodels.nn.embedding import Coverage, pretrained_embedding, read_vectors, write_vectors

VECTORS: Dict[str, List[float]] = {
    "the": [0.1, -0.2, 0.3],
    "cat": [1.5, 2.0, -3.25],
    "paris": [0.0, 0.5, -0.5],
    "Berlin": [4.0, 5.0, 6.0],
    "berlin": [7.0, 8.0, 9.0],
}


def text_rows(vectors: Dict[str, List[float]]) -> str:
    return "".join(f"{word} {' '.join(str(v) for v in values)}\n" for word, values in vectors.items())


def word2vec_text(tmp_path: Path, vectors: Dict[str, List[float]] = VECTORS, name: str = "vectors.txt") -> Path:
    path = tmp_path / name
    path.write_text(f"{len(vectors)} 3\n" + text_rows(vectors), encoding="utf-8")
    return path


def word2vec_binary(tmp_path: Path, vectors: Dict[str, List[float]] = VECTORS, name: str = "vectors.bin",
                    newline: bool = True) -> Path:
    path = tmp_path / name
    data = f"{len(vectors)} 3\n".encode()
    for word, values in vectors.items():
        data += word.encode() + b" " + struct.pack("<3f", *values) + (b"\n" if newline else b"")
    path.write_bytes(data)
    return path


def expected_matrix(words: Sequence[str]) -> torch.Tensor:
    return torch.tensor([VECTORS[w] for w in words], dtype=torch.float32)


# ------------------------------------------------------------------------------------------- formats


def test_word2vec_text_with_header(tmp_path: Path) -> None:
    words, vectors = read_vectors(word2vec_text(tmp_path))
    assert words == list(VECTORS)
    assert vectors.dtype == torch.float32 and torch.equal(vectors, expected_matrix(words))


def test_glove_text_without_header(tmp_path: Path) -> None:
    path = tmp_path / "glove.6B.3d.txt"
    path.write_text(text_rows(VECTORS) + "\n", encoding="utf-8")  # a trailing blank line is fine
    words, vectors = read_vectors(path)
    assert words == list(VECTORS)
    assert torch.equal(vectors, expected_matrix(words))


@pytest.mark.parametrize("name", ["vectors.bin", "vectors.w2v"])  # by suffix, and by the data after the header
@pytest.mark.parametrize("newline", [True, False])
def test_word2vec_binary(tmp_path: Path, name: str, newline: bool) -> None:
    words, vectors = read_vectors(word2vec_binary(tmp_path, name=name, newline=newline))
    assert words == list(VECTORS)
    assert torch.equal(vectors, expected_matrix(words))


def test_binary_detected_when_vectors_are_zeros(tmp_path: Path) -> None:
    """All-zero floats are valid UTF-8 (NUL bytes): the NUL rule still finds the binary file."""
    path = word2vec_binary(tmp_path, {"a": [0.0] * 3, "b": [0.0] * 3}, name="zeros.vec")
    words, vectors = read_vectors(path)
    assert words == ["a", "b"] and torch.equal(vectors, torch.zeros(2, 3))


def test_text_file_named_bin(tmp_path: Path) -> None:
    words, vectors = read_vectors(word2vec_text(tmp_path, name="vectors.bin"))
    assert words == list(VECTORS) and torch.equal(vectors, expected_matrix(words))


def test_gzip_binary(tmp_path: Path) -> None:
    path = tmp_path / "vectors.bin.gz"
    with gzip.open(path, "wb") as f:
        f.write(word2vec_binary(tmp_path).read_bytes())
    words, vectors = read_vectors(path)
    assert words == list(VECTORS) and torch.equal(vectors, expected_matrix(words))


def test_gzip_text(tmp_path: Path) -> None:
    path = tmp_path / "vectors.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write(f"{len(VECTORS)} 3\n" + text_rows(VECTORS))
    words, vectors = read_vectors(path)
    assert words == list(VECTORS) and torch.equal(vectors, expected_matrix(words))
    glove = tmp_path / "glove.txt.gz"
    with gzip.open(glove, "wt", encoding="utf-8") as f:
        f.write(text_rows(VECTORS))
    assert read_vectors(glove)[0] == list(VECTORS)


def test_limit_and_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "dup.txt"
    path.write_text("4 2\na 1 2\nb 3 4\na 5 6\nc 7 8\n", encoding="utf-8")
    words, vectors = read_vectors(path)
    assert words == ["a", "b", "c"]  # the first "a" wins
    assert torch.equal(vectors, torch.tensor([[1.0, 2.0], [3.0, 4.0], [7.0, 8.0]]))
    words, vectors = read_vectors(path, limit=2)
    assert words == ["a", "b"] and vectors.shape == (2, 2)
    assert read_vectors(word2vec_binary(tmp_path), limit=2)[0] == ["the", "cat"]


def test_utf8_words_and_byte_order_mark(tmp_path: Path) -> None:
    path = tmp_path / "utf8.txt"
    path.write_bytes("\ufeffnaïve 1 2\nstraße 3 4\n".encode())
    assert read_vectors(path)[0] == ["naïve", "straße"]


# ------------------------------------------------------------------------------------ exact round trip


def awkward_vectors() -> torch.Tensor:
    """Values that need 6 to 9 significant digits, extremes and signed zero."""
    generator = torch.Generator().manual_seed(0)
    vectors = torch.randn(50, 7, generator=generator) * torch.logspace(-30, 30, 7)
    vectors[0] = torch.tensor([0.1, -0.0, 0.0, 1e-45, 3.4028235e38, -1.1754944e-38, 1 / 3])
    return vectors


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("name", ["out.vec", "out.vec.gz"])
def test_write_then_read_is_bit_exact(tmp_path: Path, binary: bool, name: str) -> None:
    vectors = awkward_vectors()
    words = [f"w{i}" for i in range(len(vectors))]
    write_vectors(tmp_path / name, words, vectors, binary=binary)
    read_words, read = read_vectors(tmp_path / name)
    assert read_words == words
    assert torch.equal(read.view(torch.int32), vectors.view(torch.int32))


def test_text_output_is_short_and_readable(tmp_path: Path) -> None:
    write_vectors(tmp_path / "out.txt", ["a"], torch.tensor([[0.1, 0.5, -2.0]]))
    assert (tmp_path / "out.txt").read_text() == "1 3\na 0.1 0.5 -2\n"


def test_write_rejects_words_with_spaces(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'a b'"):
        write_vectors(tmp_path / "out.txt", ["a b"], torch.zeros(1, 2))


# ------------------------------------------------------------------------------- pretrained embedding


def test_rows_copied_by_token(tmp_path: Path) -> None:
    tokens = ["<pad>", "<unk>", "cat", "dog", "the"]
    embedding, _ = pretrained_embedding(tokens, word2vec_text(tmp_path), padding_idx=0, specials=["<pad>", "<unk>"])
    assert embedding.weight.shape == (5, 3)
    weight = embedding.weight.detach()
    assert torch.equal(weight[tokens.index("cat")], torch.tensor(VECTORS["cat"]))
    assert torch.equal(weight[tokens.index("the")], torch.tensor(VECTORS["the"]))
    dog = weight[tokens.index("dog")]
    assert dog.abs().max() <= 0.1 and dog.abs().sum() > 0  # uniform(-0.1, 0.1)


def test_lowercase_fallback(tmp_path: Path) -> None:
    path = word2vec_binary(tmp_path)
    tokens = ["Paris", "Berlin", "CAT"]
    embedding, coverage = pretrained_embedding(tokens, path)
    weight = embedding.weight.detach()
    assert torch.equal(weight[0], torch.tensor(VECTORS["paris"]))
    assert torch.equal(weight[1], torch.tensor(VECTORS["Berlin"]))  # the exact match beats the lowercased one
    assert torch.equal(weight[2], torch.tensor(VECTORS["cat"]))
    assert (coverage.found, coverage.found_lowercased) == (3, 2)
    _, coverage = pretrained_embedding(tokens, path, lowercase_fallback=False)
    assert (coverage.found, coverage.found_lowercased, coverage.missing_examples) == (1, 0, ("Paris", "CAT"))


def test_coverage_numbers(tmp_path: Path) -> None:
    tokens = ["<pad>", "<unk>", "the", "The", "cat", "dog", "Paris", "emu", "yak"]
    _, coverage = pretrained_embedding(tokens, word2vec_text(tmp_path), specials=("<pad>", "<unk>"))
    assert coverage == Coverage(found=4, found_lowercased=2, total=7, missing_examples=("dog", "emu", "yak"))
    assert coverage.fraction == pytest.approx(4 / 7)
    assert str(coverage) == "pretrained vectors cover 4 of 7 words (57.1%; 2 through lowercase)"
    assert str(Coverage(18234, 1033, 20102, ())) == \
        "pretrained vectors cover 18,234 of 20,102 words (90.7%; 1,033 through lowercase)"
    assert str(Coverage(0, 0, 0, ())) == "pretrained vectors cover 0 of 0 words (0.0%)"


def test_missing_examples_are_the_first_ten(tmp_path: Path) -> None:
    tokens = [f"unknown{i}" for i in range(15)] + ["cat"]
    _, coverage = pretrained_embedding(tokens, word2vec_text(tmp_path))
    assert coverage.missing_examples == tuple(tokens[:10])
    assert (coverage.found, coverage.total) == (1, 16)


def test_specials_are_not_looked_up(tmp_path: Path) -> None:
    embedding, coverage = pretrained_embedding(["the", "cat"], word2vec_text(tmp_path), specials=["the"])
    assert not torch.equal(embedding.weight[0].detach(), torch.tensor(VECTORS["the"]))
    assert (coverage.found, coverage.total) == (1, 1)


@pytest.mark.parametrize("freeze", [False, True])
def test_freeze(tmp_path: Path, freeze: bool) -> None:
    embedding, _ = pretrained_embedding(["cat", "dog"], word2vec_text(tmp_path), freeze=freeze)
    assert embedding.weight.requires_grad is not freeze


def test_a_wider_embedding_puts_learned_columns_after_the_vectors(tmp_path: Path) -> None:
    tokens = ["<pad>", "cat", "dog", "the"]
    embedding, coverage = pretrained_embedding(tokens, word2vec_text(tmp_path), padding_idx=0, specials=["<pad>"],
                                               size=5, generator=torch.Generator().manual_seed(0))
    weight = embedding.weight.detach()
    assert weight.shape == (4, 5) and embedding.weight.requires_grad
    assert torch.equal(weight[1, :3], torch.tensor(VECTORS["cat"]))   # v_i first ...
    assert torch.equal(weight[3, :3], torch.tensor(VECTORS["the"]))
    added = weight[1:, 3:]                                               # ... then r_i ~ uniform(-0.1, 0.1)
    assert added.abs().max() <= 0.1 and bool((added != 0).all())
    assert torch.equal(weight[0], torch.zeros(5))
    assert coverage.found == 2


def test_an_embedding_narrower_than_the_vectors_or_frozen_with_added_columns_is_refused(tmp_path: Path) -> None:
    path = word2vec_text(tmp_path)
    with pytest.raises(ValueError, match="its vectors have 3 values, more than the embedding's 2"):
        pretrained_embedding(["cat"], path, size=2)
    with pytest.raises(ValueError, match="would also fix the 1 random columns"):
        pretrained_embedding(["cat"], path, size=4, freeze=True)
    frozen, _ = pretrained_embedding(["cat"], path, size=3, freeze=True)   # the vectors' own size may be frozen
    assert not frozen.weight.requires_grad


def test_padding_row_is_zero(tmp_path: Path) -> None:
    tokens = ["the", "<pad>", "cat"]
    embedding, _ = pretrained_embedding(tokens, word2vec_text(tmp_path), padding_idx=1, specials=["<pad>"])
    assert embedding.padding_idx == 1
    assert torch.equal(embedding.weight[1].detach(), torch.zeros(3))
    embedding(torch.tensor([0, 1, 2])).sum().backward()
    assert torch.equal(embedding.weight.grad[1], torch.zeros(3))  # and it stays zero


def test_random_rows_follow_the_generator(tmp_path: Path) -> None:
    path = word2vec_text(tmp_path)
    first, _ = pretrained_embedding(["x", "y"], path, init_range=0.5, generator=torch.Generator().manual_seed(3))
    second, _ = pretrained_embedding(["x", "y"], path, init_range=0.5, generator=torch.Generator().manual_seed(3))
    assert torch.equal(first.weight, second.weight) and first.weight.abs().max() <= 0.5
    with pytest.raises(ConfigError, match="init_range"):
        pretrained_embedding(["x"], path, init_range=-1.0)


# -------------------------------------------------------------------------------------------- bad files


def write(tmp_path: Path, text: str, name: str = "bad.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_wrong_number_of_values_names_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path, "a 1 2 3\nb 4 5 6\nc 7 8\n")
    with pytest.raises(DataError, match=r"bad\.txt, line 3: 2 values after the word, expected 3") as error:
        read_vectors(path)
    assert str(path) in str(error.value)


def test_non_number(tmp_path: Path) -> None:
    path = write(tmp_path, "2 3\na 1 2 3\nb 4 five 6\n")
    with pytest.raises(DataError, match=r"bad\.txt, line 3: 'five' is not a number"):
        read_vectors(path)


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_empty_file(tmp_path: Path, text: str) -> None:
    with pytest.raises(DataError, match=r"bad\.txt is empty"):
        read_vectors(write(tmp_path, text))


def test_header_dimension_differs_from_rows(tmp_path: Path) -> None:
    path = write(tmp_path, "2 4\na 1 2 3\nb 4 5 6\n")
    with pytest.raises(DataError, match=r"line 2: 3 values after the word, expected 4 \(the dimension in the header"):
        read_vectors(path)


def test_leading_blank_lines_count_in_line_numbers(tmp_path: Path) -> None:
    assert read_vectors(write(tmp_path, "\n\n2 2\na 1 2\nb 3 4\n"))[0] == ["a", "b"]
    assert read_vectors(write(tmp_path, "\n a 1 2\nb 3 4\n"))[0] == ["a", "b"]
    with pytest.raises(DataError, match=r"line 4: 1 values after the word, expected 2 \(the dimension of the first "
                                        r"vector, line 2\)"):
        read_vectors(write(tmp_path, "\na 1 2\nb 3 4\nc 5\n"))


def test_header_count_larger_than_the_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="header says 5 vectors but the file has only 2"):
        read_vectors(write(tmp_path, "5 1\na 1\nb 2\n"))


def test_truncated_binary(tmp_path: Path) -> None:
    path = word2vec_binary(tmp_path)
    path.write_bytes(path.read_bytes()[:-6])
    with pytest.raises(DataError, match=r"vectors\.bin, vector 5 \(byte \d+\): the file ends inside the vector"):
        read_vectors(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot open vector file"):
        read_vectors(tmp_path / "nope.txt")


def test_pretrained_embedding_reports_bad_rows_of_unused_words(tmp_path: Path) -> None:
    path = write(tmp_path, "a 1 2\nb 3\n")
    with pytest.raises(DataError, match="line 2"):
        pretrained_embedding(["a"], path)
