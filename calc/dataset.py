"""From the size of a text corpus to its number of tokens, with a sourced rule of thumb."""

from __future__ import annotations

import math

import numpy as np
import pint

from calc import data
from calc.errors import InputError
from calc.reader import shown
from calc.units import parse_quantity


def tokens_in(size, bytes_per_token=None) -> pint.Quantity:
    """Tokens in ``size`` of English text.

    .. math:: D = S / b

    Parameters
    ----------
    size : Quantity or str [byte]
        Size of the corpus, e.g. ``"40 GB"`` or ``"825 GiB"``.
    bytes_per_token : Quantity or str [byte/token], optional
        Defaults to ``english_bytes_per_token`` of ``data/facts.csv`` (OpenAI's rule of thumb:
        about 4 characters of English per token); tokenizers and languages differ.

    Returns
    -------
    Quantity [token]

    Examples
    --------
    >>> tokens_in("40 GB").to("Gtoken")
    <Quantity(10.0, 'gigatoken')>
    """
    size = _one_positive(size, "dataset_size", "byte")
    if bytes_per_token is None:
        bytes_per_token = data.fact("english_bytes_per_token").value
    b = _one_positive(bytes_per_token, "bytes_per_token", "byte/token")
    tokens = (size / b).to("token")
    if not math.isfinite(tokens.magnitude) or tokens.magnitude < 1e-300:
        raise InputError("bytes_per_token", f"{size:~P} at {b:~P} gives a token count beyond what a float holds; "
                                            "check the two units")
    return tokens


def _one_positive(value, field: str, unit: str) -> pint.Quantity:
    q = parse_quantity(value, field, unit, bare_ok=False)
    if np.ndim(q.magnitude):
        raise InputError(field, f"expected one value, got an array of {np.size(q.magnitude)}")
    if not (math.isfinite(q.magnitude) and q.magnitude > 0):
        raise InputError(field, f"expected a positive finite quantity in {unit}, got {shown(q)}")
    return q
