"""Transformer shapes: the dataclass and its counts, the readers of Hugging Face configs, the published shapes.

    transformer.py  ``Transformer``: a decoder-only shape and its exact parameter counts
    flop.py         training FLOP per token by named counts (``FLOP_COUNTS``)
    config.py       reading a ``config.json`` and the registry of readers (``@reader``)
    families.py     one reader per ``model_type`` (``CONFIG_TYPES``)
    published.py    the shapes of ``data/architectures.csv`` (``published``, ``aliases``, ``lookup``, ``shape_name``)
"""

from calc.architecture import families  # noqa: F401  (registers every model_type's reader)
from calc.architecture.config import READERS, reader
from calc.architecture.flop import FLOP_COUNTS, RECOMPUTE
from calc.architecture.published import aliases, lookup, published, row_of, shape_name
from calc.architecture.transformer import NORMS, QK_NORMS, Transformer

CONFIG_TYPES = tuple(sorted(READERS))

__all__ = ["CONFIG_TYPES", "aliases", "FLOP_COUNTS", "NORMS", "QK_NORMS", "RECOMPUTE", "Transformer", "lookup", "published", "row_of", "shape_name",
           "reader"]
