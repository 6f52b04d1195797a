"""Scenario files: a JSON object of vocabulary names to "value unit" strings, read as untrusted data."""

from __future__ import annotations

import json

from calc.dataset import tokens_in
from calc.errors import InputError
from calc.estimate import estimate
from calc.vocabulary import BY_NAME

MAX_BYTES = 64 * 1024  # a scenario is a few hundred bytes
NAMES = (*BY_NAME, "dataset_size")


def read_scenario(raw: bytes | str) -> dict[str, str]:
    """Parse and check a scenario file; returns name -> "value unit" strings.

    Raises
    ------
    InputError
        With field ``scenario`` (the file as a whole) or the offending name: too large, not UTF-8,
        not JSON, not an object, an unknown name, a value that is not a string or number, or a
        value that ``calc.estimate`` rejects.

    Examples
    --------
    >>> read_scenario('{"params": "175e9 param", "chips": 1024}')
    {'params': '175e9 param', 'chips': '1024'}
    """
    if len(raw) > MAX_BYTES:
        raise InputError("scenario", f"the file is {len(raw):,} bytes; a scenario is at most {MAX_BYTES:,}")
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        doc = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise InputError("scenario", f"expected a JSON object of name: \"value unit\" pairs ({type(exc).__name__})") from None
    if not isinstance(doc, dict):
        raise InputError("scenario", f"expected a JSON object of name: \"value unit\" pairs, got {type(doc).__name__}")
    out = {}
    for key, value in doc.items():
        if key not in NAMES:
            raise InputError(str(key)[:40], f"not a name of the calculator; expected some of {', '.join(NAMES)}")
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise InputError(key, f"expected a string such as \"300e9 token\" or a number, got {type(value).__name__}")
        out[key] = value if isinstance(value, str) else repr(value)
    known = {k: v for k, v in out.items() if k != "dataset_size"}
    if "dataset_size" in out and "tokens" not in known:
        known["tokens"] = tokens_in(out["dataset_size"])
    estimate(**known)  # every value checked exactly as any other input
    return out
