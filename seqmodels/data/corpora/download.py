"""Fetch a corpus file from its public home, checked against a known SHA-256.

The bytes go to ``<filename>.part`` in the corpus folder and are renamed onto the final name only once their
digest matches, so a file at the final name is always complete. A file already there with the right digest
is used as is, without touching the network.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from seqmodels.errors import DataError

_CHUNK = 1 << 16


@dataclass(frozen=True)
class RemoteFile:
    """One file of a corpus as published: where it lives and what its bytes hash to."""

    url: str
    sha256: str  # hex digest of the file's bytes exactly as saved
    filename: str  # the name it gets in the corpus folder


def sha256_of(path: Path) -> str:
    """Return the hex SHA-256 digest of the file at ``path``, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def fetch(remote: RemoteFile, folder: Path, progress: bool = True, timeout: float = 60.0) -> Path:
    """Download ``remote.url`` into ``folder/remote.filename``; verify its SHA-256; return the path.

    ``timeout`` (seconds) bounds the connection and each read. Raises ``DataError`` if the download fails or
    the digest does not match; no partial file is left behind either way.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / remote.filename
    expected = remote.sha256.lower()
    if target.is_file() and sha256_of(target) == expected:
        return target

    part = target.with_name(target.name + ".part")
    try:
        try:
            _download(remote.url, part, progress, timeout)
        except (OSError, http.client.HTTPException) as exc:  # URLError, HTTPError and timeouts are OSErrors
            raise DataError(
                f"could not download {remote.url}: {_describe(exc)}. You can instead download it yourself "
                f"and place it at {target}"
            ) from exc
        actual = sha256_of(part)
        if actual != expected:
            raise DataError(
                f"checksum mismatch for {remote.url}: expected sha256 {expected}, got {actual}; the file was not kept"
            )
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    return target


def _download(url: str, dest: Path, progress: bool, timeout: float) -> None:
    """Stream ``url`` into ``dest`` in chunks, with a ``rich`` progress bar (bytes and speed) if ``progress``."""
    with urllib.request.urlopen(url, timeout=timeout) as response, open(dest, "wb") as out:
        if not progress:
            _copy(response, out, lambda n: None)
            return
        from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

        length = response.headers.get("Content-Length")
        total = int(length) if length and length.isdigit() else None  # None: rich shows an open-ended bar
        columns = (TextColumn("{task.description}"), BarColumn(), DownloadColumn(), TransferSpeedColumn())
        with Progress(*columns) as bar:
            task = bar.add_task(dest.name.removesuffix(".part"), total=total)
            _copy(response, out, lambda n: bar.advance(task, n))


def _copy(src: BinaryIO, dst: BinaryIO, advance: Callable[[int], None]) -> None:
    """Copy ``src`` to ``dst`` in chunks, reporting each chunk's size to ``advance``."""
    for chunk in iter(lambda: src.read(_CHUNK), b""):
        dst.write(chunk)
        advance(len(chunk))


def _describe(exc: BaseException) -> str:
    """A one-line cause: the HTTP status, the URLError reason, or the exception itself."""
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return str(exc.reason)
    return str(exc) or type(exc).__name__
