"""From the size of a text corpus to its number of tokens, with a sourced rule of thumb."""

from __future__ import annotations

import pint

from calc import data
from calc.errors import InputError
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
    size = parse_quantity(size, "dataset_size", "byte", bare_ok=False)
    if bytes_per_token is None:
        bytes_per_token = data.fact("english_bytes_per_token").value
    b = parse_quantity(bytes_per_token, "bytes_per_token", "byte/token", bare_ok=False)
    if not size.magnitude > 0 or not b.magnitude > 0:
        raise InputError("dataset_size", f"expected positive sizes, got {size:~P} and {b:~P}")
    return (size / b).to("token")
