"""One fingerprint for every document: the SHA-256 of its canonical JSON. A signed charter's
hash, a PDF job's input and the version of a business case a sponsor saw all use it."""

import hashlib
import json
from typing import Any


def sha256(document: Any) -> str:
    """The hash of the canonical JSON: key order and spacing never change it, content does."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()
