from __future__ import annotations

import os
from pathlib import Path

import pytest

from seqmodels.data.corpora.conll import TaggedSentence, column_sentences, read_conll, tokenize, write_conll
from seqmodels.errors import DataError

SHARED_DATA = Path(os.environ.get("SEQMODELS_DATA_DIR", Path(__file__).resolve().parents[3] / "shared" / "data"))

CONLL2003_LIKE = """-DOCSTART- -X- O O

EU NNP I-NP I-ORG
rejects VBZ I-VP O
German JJ I-NP I-MISC
call NN I-NP O
. . O O

Peter NNP I-NP I-PER
Blackburn NNP I-NP I-PER


-DOCSTART- -X- O O

BRUSSELS NNP I-NP I-LOC
1996-08-22 CD I-NP O
"""


def test_conll2003_file_with_docstart_and_tag_column(tmp_path: Path) -> None:
    path = tmp_path / "eng.testa"
    path.write_text(CONLL2003_LIKE.replace("\nBRUSSELS NNP", "\nBRUSSELS\tNNP"))  # tabs work too
    sentences = read_conll(path)
    assert [s.tokens for s in sentences] == [
        ("EU", "rejects", "German", "call", "."),
        ("Peter", "Blackburn"),
        ("BRUSSELS", "1996-08-22"),
    ]
    assert sentences[0].tags == ("I-ORG", "O", "I-MISC", "O", "O")
    assert sentences[1] == TaggedSentence(("Peter", "Blackburn"), ("I-PER", "I-PER"))
    assert read_conll(path, tag_column=3) == sentences
    assert read_conll(path, tag_column=1)[0].tags == ("NNP", "VBZ", "JJ", "NN", ".")  # the POS column
    assert read_conll(path, tag_column=-2)[2].tags == ("I-NP", "I-NP")


def test_two_column_format_windows_endings_and_no_final_blank_line(tmp_path: Path) -> None:
    path = tmp_path / "two.txt"
    path.write_bytes(b"Harry B-PER\r\nPotter I-PER\r\nsmiled O\r\n\r\nHi O")
    expected = [
        TaggedSentence(("Harry", "Potter", "smiled"), ("B-PER", "I-PER", "O")),
        TaggedSentence(("Hi",), ("O",)),
    ]
    assert read_conll(path, tag_column=1) == expected
    assert read_conll(path) == expected


def test_wrong_column_count_names_file_and_lines(tmp_path: Path) -> None:
    path = tmp_path / "bad.conll"
    path.write_text("-DOCSTART- -X- O O\n\nEU NNP I-NP I-ORG\nrejects VBZ I-VP O\n\nGerman JJ I-MISC\n")
    with pytest.raises(DataError, match=r"bad\.conll, line 6: expected 4 columns \(like line 3\), found 3"):
        read_conll(path)


@pytest.mark.parametrize("option, value", [("tag_column", 4), ("tag_column", -5), ("token_column", 4)])
def test_column_out_of_range_names_the_option(tmp_path: Path, option: str, value: int) -> None:
    path = tmp_path / "four.txt"
    path.write_text("\nEU NNP I-NP I-ORG\n")
    with pytest.raises(DataError, match=rf"four\.txt, line 2: {option}={value} is out of range"):
        read_conll(path, **{option: value})


def test_token_and_tag_column_must_differ(tmp_path: Path) -> None:
    path = tmp_path / "one.txt"
    path.write_text("just\ntokens\n")
    with pytest.raises(DataError, match=r"one\.txt, line 1: token_column=0 and tag_column=-1 are the same column"):
        read_conll(path)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", r"empty\.txt: the file is empty"),
        ("-DOCSTART- -X- O O\n\n-DOCSTART- -X- O O\n", r"empty\.txt: no sentence"),
    ],
)
def test_file_without_sentences(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "empty.txt"
    path.write_text(text)
    with pytest.raises(DataError, match=message):
        read_conll(path)


def test_write_then_read_round_trip(tmp_path: Path) -> None:
    sentences = [
        TaggedSentence(("Harry", "Potter", "smiled", "."), ("B-PER", "I-PER", "O", "O")),
        TaggedSentence(("Ünïcode", "Wien"), ("O", "B-LOC")),
    ]
    write_conll(tmp_path / "out.txt", sentences)
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == (
        "Harry B-PER\nPotter I-PER\nsmiled O\n. O\n\nÜnïcode O\nWien B-LOC\n\n"
    )
    assert read_conll(tmp_path / "out.txt") == sentences
    pairs = [(list(s.tokens), list(s.tags)) for s in sentences]
    write_conll(tmp_path / "pairs.txt", pairs)
    assert read_conll(tmp_path / "pairs.txt", tag_column=1) == sentences


def test_write_with_gold_is_conlleval_input(tmp_path: Path) -> None:
    predicted = [(["Harry", "Potter"], ["B-PER", "O"])]
    write_conll(tmp_path / "eval.txt", predicted, gold=[["B-PER", "I-PER"]])
    assert (tmp_path / "eval.txt").read_text() == "Harry B-PER B-PER\nPotter I-PER O\n\n"
    assert read_conll(tmp_path / "eval.txt", tag_column=1)[0].tags == ("B-PER", "I-PER")  # gold
    assert read_conll(tmp_path / "eval.txt")[0].tags == ("B-PER", "O")  # predicted


def test_write_rejects_what_could_not_be_read_back(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="sentence 1 has different lengths"):
        write_conll(tmp_path / "x.txt", [(["a", "b"], ["O"])])
    with pytest.raises(DataError, match="sentence 2: a token or tag is empty or holds whitespace"):
        write_conll(tmp_path / "x.txt", [(["a"], ["O"]), (["New York"], ["B-LOC"])])
    with pytest.raises(DataError, match="1 sentences to write but 2 gold"):
        write_conll(tmp_path / "x.txt", [(["a"], ["O"])], gold=[["O"], ["O"]])
    with pytest.raises(DataError, match="one tag per token"):
        TaggedSentence(("a", "b"), ("O",))


@pytest.mark.parametrize(
    "text, tokens",
    [
        ("Harry Potter invented a new spell.", "Harry Potter invented a new spell ."),
        ("He moved to the U.S. last year.", "He moved to the U.S. last year ."),
        ("I don't know, e.g., rock'n'roll!", "I don't know , e.g. , rock'n'roll !"),
        ('She said: "Hi (again)..."', 'She said : " Hi ( again ) . . . "'),
        ("1,000 [sic]  \t spaces", "1,000 [ sic ] spaces"),
        ("", ""),
    ],
)
def test_tokenize(text: str, tokens: str) -> None:
    assert tokenize(text) == tokens.split()


def test_conll2003_testa_counts() -> None:
    path = SHARED_DATA / "conll2003" / "eng.testa"
    if not path.is_file():
        pytest.skip(f"needs {path} (set SEQMODELS_DATA_DIR)")
    sentences_counted = tokens_counted = 0
    in_sentence = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("-DOCSTART-"):
            in_sentence = False
            continue
        sentences_counted += not in_sentence
        tokens_counted += 1
        in_sentence = True
    sentences = read_conll(path)
    assert len(sentences) == sentences_counted and 3000 < sentences_counted < 3500  # published: 3250
    assert sum(len(s.tokens) for s in sentences) == tokens_counted and 50000 < tokens_counted < 53000  # 51362
    tags = {tag for s in sentences for tag in s.tags}
    allowed = {"O"} | {f"{prefix}-{kind}" for prefix in "BI" for kind in ("PER", "LOC", "ORG", "MISC")}
    assert tags <= allowed and {"O", "I-PER", "I-LOC", "I-ORG", "I-MISC"} <= tags


def test_column_sentences_know_the_line_of_every_token() -> None:
    lines = ["-DOCSTART- -X- O", "", "", "EU NNP B-ORG", "rejects VBZ O", "", "-DOCSTART- -X- O", "Peter NNP B-PER"]
    sentences = column_sentences(lines, "text")
    assert [(s.line, [row[0] for row in s.rows]) for s in sentences] == [(4, ["EU", "rejects"]), (8, ["Peter"])]
    for sentence in sentences:
        assert all(lines[sentence.line - 1 + i].split() == list(row) for i, row in enumerate(sentence.rows))
    with pytest.raises(DataError, match=r"^text, line 5: expected 3 columns \(like line 4\), found 2$"):
        column_sentences(["", "", "", "EU NNP B-ORG", "rejects O"], "text")
