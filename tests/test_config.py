"""Reading a Hugging Face config.json: every listed model type, and clear errors for the rest."""

import json
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from timing import within

import calc
from calc import data
from calc.architecture import CONFIG_TYPES, Transformer, published
from calc.architecture import config as config_door

LISTED = ("gpt2", "gpt_neox", "llama", "mistral", "mixtral", "qwen2", "qwen2_moe", "qwen3", "gemma", "gemma2",
          "phi3", "falcon", "olmo", "bloom", "deepseek_v2", "deepseek_v3")  # issue 13


def test_every_listed_model_type_is_read():
    assert set(LISTED) <= set(CONFIG_TYPES)
    kinds = {json.loads((data.DATA_DIR / "configs" / r["config"]).read_text())["model_type"]
             for _, r in published().values() if r["config"]}
    assert set(LISTED) <= kinds  # and each has a published config, counted in tests/test_golden.py


def test_a_path_and_a_dict_give_the_same_shape(tmp_path):
    cfg = data.model_config("qwen3-4b.json")
    p = tmp_path / "config.json"
    p.write_text(json.dumps(cfg))
    assert Transformer.from_config(p) == Transformer.from_config(cfg) == Transformer.from_config(str(p))


def test_unknown_model_type_lists_the_known_ones():
    with pytest.raises(calc.InputError, match="t5.*known model types: .*deepseek_v3.*llama") as exc:
        Transformer.from_config({"model_type": "t5", "d_model": 512})
    assert exc.value.field == "config"
    with pytest.raises(calc.InputError, match="no model_type"):
        Transformer.from_config({"hidden_size": 512})


@pytest.mark.parametrize("missing", ["hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size",
                                     "intermediate_size"])
def test_a_missing_field_is_named(missing):
    cfg = dict(data.model_config("llama-3-8b.json"))
    del cfg[missing]
    with pytest.raises(calc.InputError, match=f"llama config.json needs '{missing}'") as exc:
        Transformer.from_config(cfg)
    assert exc.value.field == "config"


@pytest.mark.parametrize("field, value, expected", [
    ("hidden_size", "4096", "whole number"), ("num_hidden_layers", 2.5, "whole number"),
    ("tie_word_embeddings", "yes", "true or false"), ("num_key_value_heads", 5, "key/value heads do not divide"),
])
def test_a_malformed_field_is_named_with_what_was_read(field, value, expected):
    cfg = dict(data.model_config("llama-3-8b.json"))
    cfg[field] = value
    with pytest.raises(calc.InputError, match=expected):
        Transformer.from_config(cfg)


def test_unreadable_files(tmp_path):
    with pytest.raises(calc.InputError, match="cannot read") as exc:
        Transformer.from_config(tmp_path / "absent.json")
    assert exc.value.field == "config"
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(calc.InputError, match="not a JSON file"):
        Transformer.from_config(bad)
    bad.write_text("[1, 2]")
    with pytest.raises(calc.InputError, match="JSON object"):
        Transformer.from_config(bad)


def test_the_readmes_data_path_outside_the_repository_says_where_the_calculators_copy_is(tmp_path, monkeypatch):
    # `python -m calc params --config data/configs/llama-2-70b.json` run from outside a clone (an installed wheel keeps
    # data/ inside the package): the path is not found, and the error says where the copy that ships is
    monkeypatch.chdir(tmp_path)
    with pytest.raises(calc.InputError, match="No such file") as exc:
        Transformer.from_config("data/configs/llama-2-70b.json")
    assert f"the calculator's own copy is {data.DATA_DIR / 'configs' / 'llama-2-70b.json'}" in str(exc.value)
    with pytest.raises(calc.InputError) as exc:
        Transformer.from_config("data/configs/absent.json")
    assert "own copy" not in str(exc.value)


def test_a_misspelt_key_or_model_type_is_said_with_the_one_meant():
    cfg = json.loads((data.DATA_DIR / "configs" / "llama-2-70b.json").read_text())
    typo = {("num_hiden_layers" if k == "num_hidden_layers" else k): v for k, v in cfg.items()}
    with pytest.raises(calc.InputError, match=r"needs 'num_hidden_layers', which is missing \(the file has "
                                              r"'num_hiden_layers': misspelt\?\)"):
        Transformer.from_config(typo)
    with pytest.raises(calc.InputError, match=r"model_type 'lama' \(did you mean llama"):
        Transformer.from_config({**cfg, "model_type": "lama"})


def test_config_semantics_the_frameworks_follow():
    # read from the configs; the counts these give are checked against transformers in test_golden.py
    shape = {n: t for n, (t, _) in published().items()}
    assert shape["Gemma 7B"].head_width == 256 and shape["Gemma 7B"].head_width * 16 != 3072
    assert shape["Qwen2 7B"].qkv_bias and not shape["Qwen2 7B"].out_bias and shape["Qwen3 4B"].qk_norm == "head"
    assert shape["Gemma 2 9B"].norms_per_layer == 4 and shape["OLMo 7B"].norm == "nonparametric"
    assert shape["Falcon 7B"].norms_per_layer == 1 and shape["Falcon 7B"].kv == 1
    assert shape["Falcon 40B"].norms_per_layer == 2 and shape["Falcon 40B"].kv == 8
    assert shape["BLOOM"].embedding_norm and shape["GPT-NeoX-20B"].parallel_block
    assert shape["DeepSeek-V3"].dense_layers == 3 and shape["DeepSeek-V3"].mtp_modules == 1
    assert shape["Qwen1.5-MoE-A2.7B"].shared_expert_gate and shape["Qwen1.5-MoE-A2.7B"].shared_ff == 5632


def test_moe_on_some_layers_only():
    cfg = dict(data.model_config("qwen1.5-moe-a2.7b.json"), decoder_sparse_step=2, mlp_only_layers=[1])
    t = Transformer.from_config(cfg)  # experts on layer i when i + 1 is even, except on layer 1
    assert t.moe_layers == len([i for i in range(24) if (i + 1) % 2 == 0 and i != 1]) == 11
    assert t.dense_layers == 13
    cfg = dict(data.model_config("deepseek-v3.json"), moe_layer_freq=2)
    assert Transformer.from_config(cfg).moe_layers == len([i for i in range(3, 61) if i % 2 == 0])


def test_deepseek_v3_page_figure_is_671b_not_6t():
    # the app's Model shape page used to rebuild the shape from a few fields and lost latent attention and
    # the experts' width: 6.2T
    assert published()["DeepSeek-V3"][0].params().m_as("param") == pytest.approx(671.0e9, rel=1e-3)


def test_a_layout_we_do_not_count_is_refused_not_miscounted():
    cfg = {"model_type": "stablelm", "hidden_size": 512, "num_attention_heads": 8, "num_hidden_layers": 2,
           "intermediate_size": 1376, "vocab_size": 1000, "max_position_embeddings": 512, "qk_layernorm": True}
    with pytest.raises(calc.InputError, match="qk_layernorm"):
        Transformer.from_config(cfg)


def test_a_multimodal_config_says_where_its_language_model_is():
    # a model_type with no reader (LLaVA's) and a text_config: the message says where the language model is
    cfg = {"model_type": "llava", "text_config": dict(data.model_config("gemma-3-1b.json")), "vision_config": {}}
    with pytest.raises(calc.InputError, match="multimodal.*text_config"):
        Transformer.from_config(cfg)
    assert Transformer.from_config(cfg["text_config"]).params().m_as("param") == 999_885_952  # tests/golden
    # Gemma 3's own multimodal type reads its text_config (Gemma 3 4B-27B are published so), the vision tower apart
    gemma = Transformer.from_config({**cfg, "model_type": "gemma3"})
    assert gemma == Transformer.from_config(cfg["text_config"])


def test_gemma_3s_text_config_takes_transformers_defaults_for_what_it_leaves_out():
    # google/gemma-3-4b-it's text_config names no heads, head width or vocabulary: Gemma3TextConfig's 8, 4, 256 and
    # 262,208 (the checkpoint's embedding rows); its non-embedding count is the Gemma 3 report's, Table 1: 3,209M
    g = Transformer.from_config(dict(data.model_config("gemma-3-4b.json")))
    assert (g.heads, g.kv_heads, g.head_dim, g.vocab, g.tied_embeddings) == (8, 4, 256, 262_208, True)
    assert (g.window, g.window_layers) == (1024, 29)  # 34 layers, global every sixth: 5, 11, 17, 23, 29
    assert round((g.params().m_as("param") - g.vocab * g.d_model) / 1e6) == 3209
    with pytest.raises(calc.InputError, match="text_config"):
        Transformer.from_config({"model_type": "gemma3", "vision_config": {}})


def test_a_family_is_one_registered_function():
    from calc.architecture import config, families

    assert set(CONFIG_TYPES) == set(config.READERS)
    for kind, read in config.READERS.items():  # each reader is a documented function of calc.architecture.families
        assert read.__module__ == families.__name__ and read.__doc__, kind
    with pytest.raises(ValueError, match="llama"):  # a model_type has one reader
        config.reader("llama")(lambda c: {})

    @config.reader("llama_tied_test")
    def tied(c):
        return {**families.llama(c), "tied_embeddings": True}
    try:
        cfg = dict(data.model_config("llama-3-8b.json"), model_type="llama_tied_test")
        llama = Transformer.from_config(dict(cfg, model_type="llama"))
        assert Transformer.from_config(cfg).params() == llama.params() - llama.vocab * llama.d_model * calc.ureg.param
    finally:
        del config.READERS["llama_tied_test"]


# --------------------------------------------------------------------------- the config door holds (issue 21)





def _refused(cfg, match=None, seconds=1.0):
    with pytest.raises(calc.InputError, match=match) as exc:
        within(seconds, lambda: Transformer.from_config(cfg))
    assert exc.value.field == "config" and "\n" not in str(exc.value) and len(str(exc.value)) < 400
    return exc.value


def test_a_device_a_fifo_or_a_folder_is_never_read(tmp_path):
    _refused("/dev/zero", "not a regular file")
    _refused(tmp_path, "not a regular file")
    if hasattr(os, "mkfifo"):  # opening a FIFO would wait for a writer forever
        os.mkfifo(tmp_path / "fifo")
        _refused(tmp_path / "fifo", "not a regular file")


def test_a_file_beyond_a_mebibyte_is_refused_unread(tmp_path):
    big = tmp_path / "config.json"
    big.write_text('{"model_type": "llama", "pad": "' + "x" * config_door.MAX_BYTES + '"}')
    _refused(big, "larger than 1,048,576 bytes")


def test_deep_nesting_and_long_integers_are_one_line(tmp_path):
    f = tmp_path / "config.json"
    f.write_text('{"model_type": "llama", "x": ' + "[" * 200_000 + "]" * 200_000 + "}")
    _refused(f, "nested deeper")
    f.write_text('{"model_type": "llama", "hidden_size": 1' + "0" * 5000 + "}")
    _refused(f, "5,001 digits")
    f.write_text('{"model_type": "llama", "hidden_size": NaN}')
    _refused(f, "finite")
    cfg = dict(data.model_config("llama-3-8b.json"), hidden_size=10 ** 5000)  # the same from Python
    _refused(cfg, "about 5,001 digits")
    _refused(dict(cfg, hidden_size=2 ** 53 + 1), "up to 2\\^53")
    nested = []
    for _ in range(100_000):
        nested = [nested]
    _refused(dict(cfg, hidden_size=nested), "a list of 1 item")


@pytest.mark.parametrize("kind", [["llama"], {"a": 1}, 3, 2.5, True])
def test_a_model_type_that_is_not_a_name_is_refused(kind):
    _refused({"model_type": kind}, "model_type must be a name")


@pytest.mark.parametrize("layers", [10 ** 12, 2 ** 31])
@pytest.mark.parametrize("name", ["qwen1.5-moe-a2.7b.json", "deepseek-v3.json", "mixtral-8x7b.json", "llama-3-8b.json"])
def test_a_huge_layer_count_returns_at_once(name, layers):
    def answer():
        t = Transformer.from_config(dict(data.model_config(name), num_hidden_layers=layers))
        t.params(), t.flop_per_token("exact", recompute="full"), t.breakdown()
        return t

    t = within(0.5, answer)
    assert t.layers == layers
    assert t.moe_layers in (0, layers - t.dense_layers) and t.dense_layers < 10


def test_moe_freq_zero_is_refused_not_a_zero_division():
    _refused(dict(data.model_config("deepseek-v3.json"), moe_layer_freq=0), "moe_layer_freq")


_JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False)
                     | st.text(max_size=20),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                     max_leaves=12)
_BASES = [n for n in ("llama-3-8b.json", "qwen1.5-moe-a2.7b.json", "deepseek-v3.json", "falcon-7b.json", "gpt2.json",
                      "mixtral-8x7b.json") if (data.DATA_DIR / "configs" / n).exists()]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(_BASES), st.dictionaries(st.sampled_from(sorted({k for n in _BASES for k in data.model_config(n)}
                                                                     | {"model_type", "mlp_only_layers"})),
                                                _JSON | st.integers(min_value=-2 ** 70, max_value=2 ** 70), max_size=4))
def test_any_config_dict_is_a_shape_or_one_documented_error(base, changes):
    cfg = dict(data.model_config(base), **changes)

    def answer():
        t = Transformer.from_config(cfg)
        t.params(), t.active_params(), t.flop_per_token()

    try:
        within(0.5, answer)
    except calc.InputError as exc:  # the documented errors only: never TypeError, KeyError, OverflowError...
        assert "\n" not in str(exc) and len(str(exc)) < 600


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode)
       | st.builds(lambda d: json.dumps(d).encode(), st.dictionaries(st.sampled_from(
           ["model_type", "hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size"]), _JSON)))
def test_any_file_is_a_shape_or_one_documented_error(tmp_path, raw):
    f = tmp_path / "config.json"
    f.write_bytes(raw)
    try:
        within(0.5, lambda: Transformer.from_config(f))
    except calc.InputError as exc:
        assert exc.field == "config" and "\n" not in str(exc)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(longest=st.integers(1, 1 << 20), trained=st.one_of(st.none(), st.integers(1, 1 << 20), st.sampled_from(
       [0, -1, 2.5, "8192", True, [8192]])), top_level=st.booleans())
def test_the_trained_length_where_a_config_states_it(longest, trained, top_level):
    """rope_scaling.original_max_position_embeddings (Llama 3.1's llama3 type, YaRN), or the same key at the top level
    (LongRoPE, Phi-3): the context a training step counts; else max_position_embeddings. Said which, and a
    malformed value is refused by its field."""
    cfg = {**data.model_config("llama-3-8b.json"), "max_position_embeddings": longest}
    if trained is not None:
        if top_level:
            cfg["original_max_position_embeddings"] = trained
        else:
            cfg["rope_scaling"] = {"rope_type": "llama3", "factor": 8.0, "original_max_position_embeddings": trained}
    good = trained is None or (isinstance(trained, int) and not isinstance(trained, bool) and trained >= 1)
    if not good:
        with pytest.raises(calc.InputError) as e:
            Transformer.from_config(cfg)
        assert e.value.field == "config" and "original_max_position_embeddings" in e.value.message
        return
    t = Transformer.from_config(cfg)
    assert t.context == (longest if trained is None else trained)
    where = "max_position_embeddings" if trained is None else (
        "original_max_position_embeddings" if top_level else "rope_scaling.original_max_position_embeddings")
    assert t.context_source == f"config.json's {where}"


def test_llama_3_1_config_counts_as_its_published_shape():
    """The stored config.json of Llama 3.1 405B (with its rope_scaling, as published) gives the published shape's
    FLOP per token: both at the 8,192 tokens it was pre-trained at."""
    t = Transformer.from_config(data.model_config("llama-3.1-405b.json"))
    shape = published()["Llama 3.1 405B"][0]
    assert t.context == shape.context == 8192
    assert t.flop_per_token() == shape.flop_per_token()


def test_gemma_3_slides_five_layers_of_six():
    # transformers' Gemma3TextConfig: layer i global when (i + 1) % 6 == 0 (the Gemma 3 report, sec. 2: 5 local layers
    # per global one); google/gemma-3-1b-pt: 26 layers, sliding_window 512 -> 22 sliding, 4 global (layers 5, 11, 17, 23)
    g = published()["Gemma 3 1B"][0]
    assert (g.window, g.window_layers) == (512, 22)
    cfg = dict(data.model_config("gemma-3-1b.json"))
    kinds = ["full_attention" if i % 2 else "sliding_attention" for i in range(26)]  # a config listing its layers
    assert Transformer.from_config({**cfg, "layer_types": kinds}).window_layers == 13
    assert Transformer.from_config({**cfg, "sliding_window_pattern": 2}).window_layers == 13
    with pytest.raises(calc.InputError, match="layer_types"):
        Transformer.from_config({**cfg, "layer_types": kinds[:-1]})


def test_a_null_or_decimal_field_is_said_as_what_it_is():
    # fresh12: "vocab_size": null read "needs 'vocab_size', which is missing (the file has 'vocab_size': misspelt?)";
    # "intermediate_size": 1e30 read "must be a whole number >= 0, got 1e+30"
    cfg = json.loads((data.DATA_DIR / "configs" / "llama-2-70b.json").read_text())
    with pytest.raises(calc.InputError, match=r"needs 'vocab_size', which is null: give a number$"):
        Transformer.from_config({**cfg, "vocab_size": None})
    with pytest.raises(calc.InputError, match=r"'intermediate_size' must be a whole number up to 2\^53, got 1e\+30: no "):
        Transformer.from_config({**cfg, "intermediate_size": 1e30})
    with pytest.raises(calc.InputError, match=r"got 28672\.0: write 28672, with no decimal point or exponent$"):
        Transformer.from_config({**cfg, "intermediate_size": 28672.0})


@pytest.mark.parametrize("config, name", [("deepseek-v3.json", "DeepSeek-V3"), ("deepseek-v2.json", "DeepSeek-V2"),
                                          ("deepseek-v2-lite.json", "DeepSeek-V2-Lite"), ("gpt-oss-120b.json", "GPT-OSS 120B"),
                                          ("gpt-oss-20b.json", "GPT-OSS 20B")])
def test_a_config_keeps_its_rope_scaling_and_counts_at_the_published_shape_s_sequence(config, name, capsys):
    # doors13 (fresh12's list): data/configs/deepseek-v3.json had lost the rope_scaling block of the Hugging Face
    # original (YaRN over original_max_position_embeddings 4,096), so `params --config` counted at its 163,840 positions
    # where `--model DeepSeek-V3` counts at 4,096; DeepSeek-V2, V2-Lite and GPT-OSS had lost theirs the same way
    from pathlib import Path

    from calc.__main__ import main
    from calc.architecture import lookup

    path = Path(__file__).resolve().parents[1] / "data" / "configs" / config
    assert data.model_config(config)["rope_scaling"]["original_max_position_embeddings"] == 4096
    assert Transformer.from_config(path).training_sequence == lookup(name).training_sequence == 4096
    assert main(["params", "--config", str(path)]) == 0
    assert "FLOP per token at sequence 4,096" in capsys.readouterr().out


def test_a_width_written_as_a_json_string_says_to_drop_the_quotes(tmp_path):
    # fresh15: "hidden_size": "4096" was refused as "must be a whole number >= 0, got '4096'"
    from calc.architecture import Transformer
    from calc.errors import InputError

    c = data.model_config("llama-3-8b.json") | {"hidden_size": "4096"}
    path = tmp_path / "config.json"
    path.write_text(json.dumps(c))
    with pytest.raises(InputError, match="a JSON string; write 4096 without quotes"):
        Transformer.from_config(path)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode)
       | st.builds(lambda d: json.dumps(d).encode(), st.dictionaries(st.sampled_from(
           ["model_type", "hidden_size", "num_hidden_layers", "num_attention_heads", "vocab_size"]), _JSON)))
def test_lifetime_reads_any_config_file_as_estimate_does(tmp_path, capsys, raw):
    """doors17: `lifetime` had no --config where estimate, serve and step take one. It reads the file by the same
    reader (Transformer.from_config), so a file the reader refuses is the same one line at both doors."""
    from calc.__main__ import main

    f = tmp_path / "config.json"
    f.write_bytes(raw)
    tail = ["--tokens", "15T"]
    codes, errs = [], []
    for command in (["estimate"], ["lifetime", "--inference-tokens", "2T"]):
        codes.append(main([*command, "--config", str(f), *tail]))
        errs.append(capsys.readouterr().err.strip())
    try:
        Transformer.from_config(f)
    except calc.InputError as exc:
        assert codes == [2, 2] and errs[0] == errs[1] == f"calc: error: --config: {exc.message}"
        return
    for code, err in zip(codes, errs):  # a shape: an answer, or one line naming a flag (a mixture of experts...)
        assert code in (0, 2) and "\n" not in err and (code == 0 or err.startswith("calc: error: --")), err


def test_lifetime_config_is_its_shape_as_model_is(capsys):
    """lifetime --config FILE counts the file's parameters with --tokens, as --model does the same shape's; the
    answer names the file; its refusals name --config (both flags, a mixture of experts, no tokens)."""
    from pathlib import Path

    from calc.__main__ import main

    path = str(Path(__file__).resolve().parents[1] / "data" / "configs" / "llama-3-8b.json")
    args = ["--tokens", "15T", "--inference-tokens", "2T", "--json"]
    assert main(["lifetime", "--config", path, *args]) == 0
    by_config = json.loads(capsys.readouterr().out)
    assert main(["lifetime", "--model", "Llama 3 8B", *args]) == 0
    by_model = json.loads(capsys.readouterr().out)
    assert by_config["model"] == "llama-3-8b.json" and by_model["model"] == "Llama 3 8B"
    assert {k: v for k, v in by_config.items() if k != "model"} == {k: v for k, v in by_model.items() if k != "model"}
    for extra, starts in ((["--model", "Llama 3 8B", "--tokens", "15T"], "--config: give --config FILE or --model NAME"),
                          (["--tokens", "15T", "--params", "8e9"], "--params: give --config or --params, not both: its shape supplies the parameters, which with --tokens"),
                          ([], "--tokens: required with the shape given")):
        assert main(["lifetime", "--config", path, "--inference-tokens", "2T", *extra]) == 2
        err = capsys.readouterr().err
        assert err.startswith("calc: error: " + starts) and err.count("\n") == 1, err
    moe = str(Path(path).with_name("deepseek-v3.json"))
    assert main(["lifetime", "--config", moe, "--tokens", "14.8T", "--inference-tokens", "2T"]) == 2
    assert capsys.readouterr().err.startswith("calc: error: --config: the shape given is a mixture of experts")
    assert main(["lifetime", "--config", path + ".missing", "--tokens", "15T", "--inference-tokens", "2T"]) == 2
    assert capsys.readouterr().err.startswith("calc: error: --config: cannot read")
