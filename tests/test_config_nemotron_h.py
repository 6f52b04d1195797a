"""Nemotron-H's config.json (model_type nemotron_h, hybrid Mamba-2 / attention): read into the hybrid shape the step
model runs (layer_pattern), by the library, the command line and the Model shape page; what the shape cannot hold
refused in one line naming the field."""

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from streamlit.testing.v1 import AppTest

import calc
from calc import data
from calc.__main__ import main
from calc.architecture import CONFIG_TYPES, Transformer
from calc.perf import validation

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "tests" / "fixtures" / "configs" / "nemotron-h-8b-base-8k.json"  # source: tests/fixtures/configs/README.md
RAW = json.loads(CONFIG.read_text())


def test_nemotron_h_8b_reads_into_its_hybrid_shape():
    m = Transformer.from_config(CONFIG)
    assert "nemotron_h" in CONFIG_TYPES
    assert m.layer_pattern == RAW["hybrid_override_pattern"] and len(m.layer_pattern) == 52
    assert (m.mamba_layers, m.attention_layers, m.dense_ffn_layers, m.moe_layers) == (24, 4, 24, 0)
    assert (m.d_inner, m.ssm_state, m.mamba_groups, m.conv_kernel, m.ssd_chunk) == (8192, 128, 8, 4, 128)
    assert (m.heads, m.kv, m.head_width, m.ff, m.gated, m.norms_per_layer) == (32, 8, 128, 21504, False, 1)


def test_nemotron_h_8b_parameters_by_hand_from_the_hf_modules():
    # transformers' NemotronH blocks, one RMSNorm each (4096): Mamba2Mixer in_proj d -> 2 d_inner + 2 G N + H,
    # conv1d over d_inner + 2 G N channels (kernel 4, with bias), dt_bias, A_log, D (H each), a gated RMSNorm over
    # d_inner, out_proj d_inner -> d; attention q, k, v, o without biases (8 KV heads of 128); MLP up and down (relu2)
    d, inner, G, N, H, V = 4096, 128 * 64, 8, 128, 128, 131072
    mamba = d * (2 * inner + 2 * G * N + H) + (inner + 2 * G * N) * 5 + 3 * H + inner + inner * d + d
    attention = d * d + 2 * d * 8 * 128 + d * d + d
    mlp = 2 * d * 21504 + d
    total = 2 * V * d + 24 * mamba + 4 * attention + 24 * mlp + d  # untied embeddings, the final norm
    assert Transformer.from_config(CONFIG).params().m_as("param") == total == 8_100_852_736  # the card: "8B"


def test_the_mixture_of_experts_form_reads_as_the_validation_rows_shape():
    # Nemotron 3 Nano 30B-A3B in transformers 5's spelling (layers_block_type, mamba_n_groups...), with the
    # dimensions data/hybrid_shapes.csv and data/validation_runs.csv give it: the same shape the step model validates
    row = next(r for r in data.validation_runs() if r["model"] == "Nemotron 3 Nano 30B-A3B")
    hybrid = data.hybrid_shapes()["Nemotron 3 Nano 30B-A3B"]
    names = {"M": "mamba", "*": "attention", "-": "mlp", "E": "moe"}
    cfg = {"model_type": "nemotron_h", "layers_block_type": [names[x] for x in hybrid["layer_pattern"]],
           "hidden_size": 2688, "num_attention_heads": 32, "num_key_value_heads": 2, "head_dim": 128,
           "vocab_size": 131072, "max_position_embeddings": 8192, "mamba_num_heads": 64, "mamba_head_dim": 64,
           "ssm_state_size": 128, "mamba_n_groups": 8, "mamba_d_conv": 4, "mamba_chunk_size": 128,
           "n_routed_experts": 128, "num_experts_per_tok": 6, "moe_intermediate_size": 1856, "n_shared_experts": 1,
           "moe_shared_expert_intermediate_size": 3712, "tie_word_embeddings": False}
    read, built = Transformer.from_config(cfg), validation.build_model(row)
    assert read.layer_pattern == built.layer_pattern
    assert read.params() == built.params() and read.active_params() == built.active_params()  # 31.6B, 3.6B active
    assert read.flop_per_token("exact", sequence=8192) == built.flop_per_token("exact", sequence=8192)


@pytest.mark.parametrize("changes, says", [
    ({"hybrid_override_pattern": "M-M*X"}, "'hybrid_override_pattern' must be letters M, *, - and E"),
    ({"hybrid_override_pattern": "M-M*"}, "the layer pattern has 4 layers, 'num_hidden_layers' says 52"),
    ({"hybrid_override_pattern": None}, "needs 'hybrid_override_pattern' or 'layers_block_type'"),
    ({"moe_latent_size": 1024}, "'moe_latent_size' is 1024: experts computed in a latent width is not modelled"),
    ({"sliding_window": 4096}, "'sliding_window' is 4096"),
    ({"num_nextn_predict_layers": 1}, "'num_nextn_predict_layers' is 1"),
    ({"mamba_proj_bias": True}, "'mamba_proj_bias' is true"),
    ({"use_conv_bias": False}, "'use_conv_bias' false"),
    ({"mamba_num_heads": "128"}, "'mamba_num_heads' must be a whole number"),
])
def test_what_the_shape_cannot_hold_is_one_line_naming_the_field(changes, says):
    with pytest.raises(calc.InputError) as exc:
        Transformer.from_config({**RAW, **changes})
    assert exc.value.field == "config" and says in str(exc.value) and "\n" not in str(exc.value)


def test_the_command_line_reads_it_or_says_why_not_in_one_line(capsys, tmp_path):
    assert main(["params", "--config", str(CONFIG)]) == 0
    assert "8,100,852,736" in capsys.readouterr().out
    assert main(["estimate", "--config", str(CONFIG), "--tokens", "15e12", "--hardware", "H100 SXM5",
                 "--chips", "1024", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)["quantities"]
    assert out["utilization"]["source"] == "modelled"  # the step model searched the hybrid stack's layouts
    bad = tmp_path / "config.json"
    bad.write_text(json.dumps(dict(RAW, moe_latent_size=1024)))
    assert main(["params", "--config", str(bad)]) == 2
    err = capsys.readouterr().err.strip()
    assert "'moe_latent_size' is 1024" in err and "\n" not in err, err


def test_the_model_shape_page_counts_an_uploaded_nemotron_h_config():
    at = AppTest.from_file(str(ROOT / "app_pages" / "shape.py"), default_timeout=60).run()
    at.file_uploader(key="shape_config").upload("config.json", CONFIG.read_bytes(), "application/json").run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert next(m.value for m in at.metric if m.label == "Parameters").startswith("8.1B")
    assert any("Memory per chip (GB)" in d.value.columns for d in at.dataframe)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(sorted(set(RAW) | {"layers_block_type", "n_routed_experts", "num_experts_per_tok",
                                                          "moe_intermediate_size", "moe_latent_size", "sliding_window"})),
                       st.none() | st.booleans() | st.integers(-3, 2 ** 54) | st.text(alphabet="M*-EX", max_size=60)
                       | st.lists(st.sampled_from(["mamba", "attention", "mlp", "moe", "x", 1]), max_size=60),
                       max_size=4))
def test_any_nemotron_h_config_is_a_shape_or_one_documented_error(changes):
    try:
        t = Transformer.from_config({**RAW, **changes})
        t.params(), t.active_params(), t.flop_per_token()
    except calc.InputError as exc:  # never TypeError, KeyError, ZeroDivisionError...
        assert "\n" not in str(exc) and len(str(exc)) < 600
