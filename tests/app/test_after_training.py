"""README's "After training" block, run as it is written on a tiny tagger: evaluate on the run's test split and
on a file of one's own, tag a CoNLL file and raw text line for line, export."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from seqmodels.data.corpora.corpus import TAGGED, CorpusRequest
from seqmodels.data.corpora.registry import find_corpus
from tests.app.hydra_helpers import ROOT, TINY_NER, train


def readme_block() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split("<!-- after training -->\n```bash\n")[1].split("```")[0]


def test_the_readme_after_training_block_runs_as_written(tmp_path: Path) -> None:
    train(tmp_path / "run", [], tiny=TINY_NER)
    work = tmp_path / "work"
    work.mkdir()
    sentences = find_corpus("names", TAGGED).read(CorpusRequest(sizes={"train": 1, "valid": 1, "test": 12}))["test"]
    (work / "my_test.conll").write_text("".join("".join(f"{token} {tag}\n" for token, tag in zip(s.tokens, s.tags))
                                                + "\n" for s in sentences), encoding="utf-8")
    text = ["Harry Potter met Hermione Granger in London.", "", "Ron lives in Paris."]
    (work / "my_text.txt").write_text("\n".join(text) + "\n", encoding="utf-8")
    block = readme_block()
    assert block.startswith("CKPT=logs/ner/runs/<date>/checkpoints/last.ckpt")
    # the checkpoint this test trained; eval.py from the repository; the commands of this interpreter's environment
    script = re.sub(r"^CKPT=\S+", f"CKPT={tmp_path / 'run' / 'checkpoints' / 'last.ckpt'}", block)
    script = script.replace("python eval.py", f"{sys.executable} {ROOT / 'eval.py'}")
    script = script.replace("seqmodels ", f"{sys.executable} -m seqmodels ")
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", script], cwd=work, capture_output=True, text=True,
                          timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr[-3000:]
    assert list((tmp_path / "run" / "eval").glob("*/metrics.json"))                 # the run's own test split
    assert "test/f1" in json.loads((work / "my_test.json").read_text(encoding="utf-8"))  # a file of one's own
    tagged = (work / "tagged.conll").read_text(encoding="utf-8").split("\n")
    assert len(tagged) == len((work / "my_test.conll").read_text(encoding="utf-8").split("\n"))
    assert "overall" in done.stderr                                                  # conlleval's F1
    tags = (work / "my_tags.txt").read_text(encoding="utf-8").split("\n")
    assert len(tags) == len(text) + 1 and tags[1] == "" and tags[0].startswith("Harry/")
    assert (work / "exported" / "tagging.pt").is_file() and (work / "exported" / "tagging.json").is_file()
