"""Serving figures of published statements, recomputed by the serving model (``calc.serve``).

A claim of ``seeds/`` with ``serve = "<output>"`` is recomputed here from its ``inputs``: a stated model
(a published shape, or ``params`` to scale its family to, ``calc.service_life.scaled_shape``), chip,
layout and load. Outputs:

    usd_per_million_tokens:<input|output|blended>   calc.serve's $ per million tokens at the chip's price
    energy_per_query                                input tokens x J per input token + output x J per output
    output_tokens_per_second_per_node               output tokens/s per chip x the chip's chips per node

Without ``chips`` the cheapest chip group is taken (``calc.service_life.modelled_serving``).
"""

from __future__ import annotations

import pint

from calc.errors import DataError, InputError
from calc.units import Q_

OUTPUTS = ("usd_per_million_tokens:input", "usd_per_million_tokens:output", "usd_per_million_tokens:blended",
           "energy_per_query", "output_tokens_per_second_per_node")
_WHOLE = ("chips", "tensor", "pipeline", "expert", "input_tokens", "output_tokens")
_TEXT = ("hardware", "precision", "kv_precision", "ttft_limit", "tpot_limit", "limit_statistic", "price", "pue")
_BOOL = ("attention_data_parallel", "disaggregated")
_KEYS = {"model", "params", *_BOOL, *_WHOLE, *_TEXT}
_QUOTE_ONLY = ("input_share", "input", "output_share", "output")  # inputs of a quoted_formula beside a serve claim


def recompute(output: str, inputs: dict, field: str) -> pint.Quantity:
    """The figure ``output`` (one of ``OUTPUTS``) of ``calc.serve`` under the claim's ``inputs``.

    >>> recompute("usd_per_million_tokens:blended", {"model": "Llama 3 8B", "hardware": "H100 SXM5",
    ...                                              "chips": "1"}, "example").units
    <Unit('USD / megatoken')>
    """
    from calc.architecture import lookup
    from calc.data import hardware as chip
    from calc.service_life import modelled_serving, scaled_shape

    if output not in OUTPUTS:
        raise DataError("seeds", None, field, f"serve = {output!r}: expected one of {', '.join(OUTPUTS)}")
    inputs = {k: v for k, v in inputs.items() if k not in _QUOTE_ONLY}
    extra = set(inputs) - _KEYS
    if extra or "model" not in inputs or "hardware" not in inputs:
        raise DataError("seeds", None, field, f"a serve claim takes model, hardware and some of {', '.join(sorted(_KEYS))}"
                                              + (f"; unknown {sorted(extra)[0]!r}" if extra else ""))
    try:
        options = {k: int(inputs[k]) for k in _WHOLE if k in inputs}
    except ValueError as exc:
        raise DataError("seeds", None, field, f"expected whole numbers of chips and tokens: {exc}") from None
    options.update({k: inputs[k] for k in _TEXT if k in inputs and k != "hardware"})
    options.update({k: str(inputs.get(k, "false")).lower() == "true" for k in _BOOL})
    if "attention_data_parallel" not in inputs:  # not stated: calc.serve's search tries it for a mixture of experts
        options["attention_data_parallel"] = None
    model = scaled_shape(inputs["model"], inputs["params"]) if "params" in inputs else lookup(inputs["model"])
    hw = chip(inputs["hardware"])
    try:
        if "chips" in options:
            from calc.serve import serve

            s = serve(model, hw, options.pop("chips"), **options)
        else:
            s = modelled_serving(model, hw, **{k: v for k, v in options.items() if k in (
                "precision", "input_tokens", "output_tokens", "ttft_limit", "tpot_limit", "price", "pue")})
    except InputError as exc:
        raise DataError("seeds", None, field, f"calc.serve refuses the claim's inputs: {exc}") from None
    if output.startswith("usd_per_million_tokens"):
        if s.usd_per_million_tokens is None:
            raise DataError("seeds", None, field, f"{hw.name} has no price: give price in the claim's inputs")
        return s.usd_per_million_tokens[output.split(":")[1]].to("USD/Mtoken")
    if output == "energy_per_query":
        e = s.energy_per_token
        n_in, n_out = Q_(options.get("input_tokens", 1000), "token"), Q_(options.get("output_tokens", 1000), "token")
        return (n_in * e["input"] + n_out * e["output"]).to("Wh")
    return (s.tokens_per_second["per_chip"] * Q_(hw.chips_per_node, "chip")).to("token/s")
