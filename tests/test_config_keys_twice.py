"""A config.json that writes a key twice with two values is refused with both (fresh17): json keeps the last, so a
hand-edited '"num_hidden_layers": 80, "num_hidden_layers": 40' was counted as 40 layers without a word, at the
command line's --config and on the Model shape page's upload alike."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from calc.architecture import Transformer
from calc.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
BASE = (ROOT / "data" / "configs" / "llama-2-70b.json").read_text()
TWICE = BASE.replace('"num_hidden_layers": 80,', '"num_hidden_layers": 80, "num_hidden_layers": 40,')
SAME = BASE.replace('"num_hidden_layers": 80,', '"num_hidden_layers": 80, "num_hidden_layers": 80,')


def test_the_file_door_refuses_a_key_written_twice(tmp_path):
    assert TWICE != BASE
    p = tmp_path / "config.json"
    p.write_text(TWICE)
    with pytest.raises(InputError, match=r"^config: 'num_hidden_layers' is written twice, as 80 and 40; keep one$"):
        Transformer.from_config(str(p))
    p.write_text(SAME)  # the same value twice says one thing
    assert Transformer.from_config(str(p)).layers == 80


def test_the_model_shape_page_refuses_it_too():
    at = AppTest.from_file(str(ROOT / "app_pages" / "shape.py"), default_timeout=60)
    at.run()
    at.file_uploader(key="shape_config").upload("config.json", TWICE.encode(), "application/json").run()
    assert not at.exception and len(at.error) == 1, [e.value for e in at.error]
    assert "num_hidden_layers' is written twice, as 80 and 40" in at.error[0].value.replace("\\", "")
