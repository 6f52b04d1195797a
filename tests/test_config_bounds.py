"""A config.json's count said ">= 0" for -1 and then ">= 1" for 0 (doors22): the reader says the bound in force once,
1 for a count of the shape, 0 where the reader reads 0 as none."""

from __future__ import annotations

import json

import pytest

from calc import data
from calc.architecture import Transformer
from calc.errors import InputError

LLAMA = json.loads((data.DATA_DIR / "configs" / "llama-3-8b.json").read_text())


@pytest.mark.parametrize("key", ["hidden_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                                 "intermediate_size", "vocab_size", "max_position_embeddings", "head_dim"])
@pytest.mark.parametrize("value", [-1, 0])
def test_a_count_of_the_shape_is_said_at_least_one_for_minus_one_and_zero_alike(key, value):
    with pytest.raises(InputError) as exc:
        Transformer.from_config({**LLAMA, key: value})
    assert f"'{key}'" in str(exc.value) and "whole number >= 1, got" in str(exc.value), str(exc.value)
    assert ">= 0" not in str(exc.value)


DEEPSEEK = {"model_type": "deepseek_v3", "hidden_size": 1024, "num_hidden_layers": 4, "num_attention_heads": 8,
            "vocab_size": 1000, "max_position_embeddings": 4096, "intermediate_size": 2048, "kv_lora_rank": 64,
            "qk_nope_head_dim": 32, "qk_rope_head_dim": 16, "v_head_dim": 32, "n_routed_experts": 8,
            "num_experts_per_tok": 2, "moe_intermediate_size": 256}


def test_a_count_that_may_be_none_is_said_at_least_zero():
    assert Transformer.from_config({**DEEPSEEK, "n_shared_experts": 0}).shared_experts == 0
    with pytest.raises(InputError, match=r"'n_shared_experts' must be a whole number >= 0, got -1$"):
        Transformer.from_config({**DEEPSEEK, "n_shared_experts": -1})


@pytest.mark.parametrize("value", [-1, 0])
def test_a_layer_step_with_experts_is_said_at_least_one(value):
    with pytest.raises(InputError, match=rf"'moe_layer_freq' must be a whole number >= 1, got {value}$"):
        Transformer.from_config({**DEEPSEEK, "moe_layer_freq": value})
    dense = {**DEEPSEEK, "n_routed_experts": 0, "moe_layer_freq": 0}  # no experts: 0 read as before
    assert Transformer.from_config(dense).experts == 1
