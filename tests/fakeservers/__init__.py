"""Small HTTP servers on 127.0.0.1 that answer like the GenAI providers' APIs.

They replay the providers' documented response shapes (plain JSON, SSE streams, NDJSON
streams) so that the real SDKs can run against them offline. See `server.FakeAPIServer`.
"""

from .server import FakeAPIServer, TOKENS

__all__ = ["FakeAPIServer", "TOKENS"]
