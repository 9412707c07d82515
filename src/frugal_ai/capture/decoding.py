"""Undo a response's Content-Encoding on the copy the capture reads.

The transport sees the bytes as they came off the wire; the client decodes its own copy
later. gzip and deflate use zlib; br and zstd use whichever library the HTTP client itself
would use (it only asks for them when that library is installed).
"""

from __future__ import annotations

import zlib
from typing import Protocol


class Decoder(Protocol):
    def decode(self, data: bytes) -> bytes: ...
    def flush(self) -> bytes: ...


class _Zlib:
    __slots__ = ("_obj", "_raw_deflate_tried")

    def __init__(self, wbits: int) -> None:
        self._obj = zlib.decompressobj(wbits)
        self._raw_deflate_tried = wbits != zlib.MAX_WBITS

    def decode(self, data: bytes) -> bytes:
        try:
            return self._obj.decompress(data)
        except zlib.error:
            # Some servers send raw deflate (no zlib header) as "deflate".
            if self._raw_deflate_tried:
                raise
            self._raw_deflate_tried = True
            self._obj = zlib.decompressobj(-zlib.MAX_WBITS)
            return self._obj.decompress(data)

    def flush(self) -> bytes:
        return self._obj.flush()


class _Brotli:
    __slots__ = ("_obj",)

    def __init__(self) -> None:
        try:
            import brotli  # type: ignore[import-not-found]
        except ImportError:
            import brotlicffi as brotli  # type: ignore[import-not-found,no-redef]
        self._obj = brotli.Decompressor()

    def decode(self, data: bytes) -> bytes:
        process = getattr(self._obj, "process", None) or self._obj.decompress
        return process(data)

    def flush(self) -> bytes:
        return b""


class _Zstd:
    __slots__ = ("_obj",)

    def __init__(self) -> None:
        import zstandard  # type: ignore[import-not-found]

        self._obj = zstandard.ZstdDecompressor().decompressobj()

    def decode(self, data: bytes) -> bytes:
        return self._obj.decompress(data)

    def flush(self) -> bytes:
        return b""


def decoder_for(content_encoding: str) -> Decoder | None:
    """A decoder for a Content-Encoding header value, None for identity.

    Raises ValueError for an encoding it cannot undo (the capture then skips the call).
    """
    encoding = content_encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if "," in encoding:
        raise ValueError(f"stacked content encodings are not read: {encoding}")
    if encoding in ("gzip", "x-gzip"):
        return _Zlib(zlib.MAX_WBITS | 16)
    if encoding == "deflate":
        return _Zlib(zlib.MAX_WBITS)
    try:
        if encoding == "br":
            return _Brotli()
        if encoding == "zstd":
            return _Zstd()
    except ImportError:
        pass
    raise ValueError(f"unsupported content encoding: {encoding}")
