"""``seqmodels.data.corpora.download.fetch`` against a local HTTP server on 127.0.0.1 (no outside network)."""

import hashlib
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from seqmodels.data.corpora.download import RemoteFile, fetch, sha256_of
from seqmodels.errors import DataError

PAYLOAD = b"the quick brown fox jumps over the lazy dog\n" * 5000  # ~220 kB: several chunks
DIGEST = hashlib.sha256(PAYLOAD).hexdigest()


class _Handler(SimpleHTTPRequestHandler):
    """Serves the fixture folder; ``/stream/<name>`` sends a file without Content-Length."""

    requests: list[str]

    def do_GET(self):
        self.requests.append(self.path)
        if self.path.startswith("/stream/"):
            body = (Path(self.directory) / self.path.removeprefix("/stream/")).read_bytes()
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
            self.close_connection = True
            return
        super().do_GET()

    def log_message(self, format, *args):
        pass


class _Server:
    """A threaded HTTP server for one test; ``url(name)`` points into its folder, ``stop()`` shuts it down."""

    def __init__(self, root: Path):
        self.requests: list[str] = []
        handler = type("Handler", (_Handler,), {"requests": self.requests})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(root)))
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01})
        self._thread.start()
        self._running = True

    def url(self, path: str) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/{path}"

    def stop(self) -> None:
        if self._running:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._thread.join(timeout=5)
            self._running = False


@pytest.fixture
def server(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "corpus.txt").write_bytes(PAYLOAD)
    srv = _Server(root)
    yield srv
    srv.stop()


@pytest.fixture
def dest(tmp_path):
    return tmp_path / "data" / "nested"  # does not exist yet: fetch creates it


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_good_download_writes_bytes_and_no_part_file(server, dest):
    path = fetch(RemoteFile(server.url("corpus.txt"), DIGEST, "corpus.txt"), dest, progress=False, timeout=5)
    assert path == dest / "corpus.txt"
    assert path.read_bytes() == PAYLOAD
    assert _leftovers(dest) == ["corpus.txt"]


def test_existing_file_with_right_checksum_needs_no_network(server, dest):
    remote = RemoteFile(server.url("corpus.txt"), DIGEST, "corpus.txt")
    first = fetch(remote, dest, progress=False, timeout=5)
    assert server.requests == ["/corpus.txt"]
    fetch(remote, dest, progress=False, timeout=5)
    assert server.requests == ["/corpus.txt"]
    server.stop()
    assert fetch(remote, dest, progress=False, timeout=5) == first
    assert first.read_bytes() == PAYLOAD


def test_existing_file_with_wrong_checksum_is_replaced(server, dest):
    dest.mkdir(parents=True)
    (dest / "corpus.txt").write_bytes(b"stale")
    path = fetch(RemoteFile(server.url("corpus.txt"), DIGEST, "corpus.txt"), dest, progress=False, timeout=5)
    assert path.read_bytes() == PAYLOAD
    assert server.requests == ["/corpus.txt"]


def test_wrong_checksum_raises_and_keeps_nothing(server, dest):
    wrong = "0" * 64
    url = server.url("corpus.txt")
    with pytest.raises(DataError) as info:
        fetch(RemoteFile(url, wrong, "corpus.txt"), dest, progress=False, timeout=5)
    message = str(info.value)
    assert url in message and wrong in message and DIGEST in message
    assert "not kept" in message
    assert _leftovers(dest) == []


def test_http_404_raises_naming_url_and_target(server, dest):
    url = server.url("missing.txt")
    with pytest.raises(DataError) as info:
        fetch(RemoteFile(url, DIGEST, "missing.txt"), dest, progress=False, timeout=5)
    message = str(info.value)
    assert url in message and "404" in message
    assert str(dest / "missing.txt") in message
    assert _leftovers(dest) == []


def test_unreachable_server_raises_data_error(server, dest):
    url = server.url("corpus.txt")
    server.stop()
    with pytest.raises(DataError, match="could not download") as info:
        fetch(RemoteFile(url, DIGEST, "corpus.txt"), dest, progress=False, timeout=5)
    assert url in str(info.value)
    assert _leftovers(dest) == []


@pytest.mark.parametrize("path", ["corpus.txt", "stream/corpus.txt"], ids=["content-length", "no-content-length"])
def test_progress_bar(server, dest, path, capsys):
    out = fetch(RemoteFile(server.url(path), DIGEST, "corpus.txt"), dest, progress=True, timeout=5)
    assert sha256_of(out) == DIGEST
    assert _leftovers(dest) == ["corpus.txt"]
    assert "corpus.txt" in capsys.readouterr().out  # the bar's label


def test_sha256_of_matches_hashlib(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(PAYLOAD)
    assert sha256_of(path) == DIGEST
