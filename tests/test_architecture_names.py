"""Shapes by the names people type: rows of data/architectures.csv, their Hugging Face repository ids
(data/architecture_aliases.csv), and rows that share one shape (Llama 3 8B and Llama 3.1 8B).

The parameter counts of the rows against their model cards are tests/test_architecture.py's
(test_parameter_counts_match_the_published_ones, over every row)."""

import dataclasses
import importlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import calc
from calc import data
from calc.architecture import Transformer, aliases, lookup, published, shape_name
from calc.errors import folded
from calc.serve import serve

published_module = importlib.import_module("calc.architecture.published")  # the module, not its function
ALIASES = aliases()

# names as the serving measurements of 2025-26 write them (MLPerf, NVIDIA NIM, vLLM and SGLang benchmarks)
TYPED = [("Llama 3.1 8B", "Llama 3.1 8B"), ("llama-3.1-8b-instruct", "Llama 3.1 8B"),
         ("meta-llama/Llama-3.1-8B-Instruct", "Llama 3.1 8B"), ("meta-llama/Meta-Llama-3.1-8B-Instruct", "Llama 3.1 8B"),
         ("Llama 3.1 70B", "Llama 3.1 70B"), ("Llama 3.3 70B", "Llama 3.3 70B"),
         ("meta-llama/Llama-3.3-70B-Instruct", "Llama 3.3 70B"), ("Llama-3.2-1B-Instruct", "Llama 3.2 1B"),
         ("DeepSeek-R1", "DeepSeek-R1"), ("deepseek-ai/DeepSeek-R1", "DeepSeek-R1"), ("DeepSeek R1", "DeepSeek-R1"),
         ("Qwen/Qwen2.5-72B-Instruct", "Qwen2.5 72B"), ("qwen2.5-7b", "Qwen2.5 7B"), ("Qwen3 32B", "Qwen3 32B"),
         ("Qwen/Qwen3-14B", "Qwen3 14B"), ("Qwen/Qwen3-Coder-480B-A35B-Instruct", "Qwen3 Coder 480B-A35B"),
         ("Kimi K2", "Kimi K2"), ("moonshotai/Kimi-K2-Instruct", "Kimi K2"), ("microsoft/phi-4", "Phi-4"),
         ("openai/gpt-oss-120b", "GPT-OSS 120B"), ("google/gemma-3-27b-it", "Gemma 3 27B"), ("Gemma 3 12B", "Gemma 3 12B"),
         ("gemma-3-4b-it", "Gemma 3 4B"), ("mistralai/Mistral-Large-Instruct-2411", "Mistral Large 2"),
         ("Llama 3 8B", "Llama 3 8B"), ("Llama 3 70B", "Llama 3 70B")]


@pytest.mark.parametrize("typed, row", TYPED)
def test_a_name_as_people_type_it_finds_its_row(typed, row):
    assert shape_name(typed) == row
    assert lookup(typed) == published()[row][0]


@pytest.mark.parametrize("typed, row", [("Llama 3 8B", "Llama 3 8B"), ("Llama 3.1 8B", "Llama 3.1 8B"),
                                        ("meta-llama/Llama-3.1-8B-Instruct", "Llama 3.1 8B"),
                                        ("Llama 3 70B", "Llama 3 70B"), ("Llama 3.3 70B", "Llama 3.3 70B"),
                                        ("DeepSeek-V3", "DeepSeek-V3"), ("deepseek-ai/DeepSeek-R1", "DeepSeek-R1")])
def test_serving_names_the_row_named_where_rows_share_a_shape(typed, row):
    # Llama 3.1 8B reads to Llama 3 8B's shape (the same widths; trained at 8K, its rope_scaling's original length):
    # the answer names the row the user named, never the other one
    chips, options = {"DeepSeek": (16, {"precision": "fp8"}), "70B": (2, {"precision": "fp8"})}.get(
        next((k for k in ("DeepSeek", "70B") if k in row), None), (1, {}))
    assert serve(typed, "H200 SXM", chips, **options).model == row
    assert serve(typed, "H200 SXM", chips, concurrency=4, **options).model == row


def test_a_shape_given_whole_is_named_by_its_first_row():
    # a Transformer (a --config) equal to two rows takes the first, as before the second was added
    t = dataclasses.replace(published()["Llama 3.1 8B"][0])
    assert t == published()["Llama 3 8B"][0]
    assert serve(t, "H100 SXM5", 1).model == "Llama 3 8B"


def test_rows_that_share_a_shape_are_the_ones_their_sources_say():
    same = {("Llama 3 8B", "Llama 3.1 8B"), ("Llama 3 70B", "Llama 3.1 70B"), ("Llama 3.1 70B", "Llama 3.3 70B"),
            ("Llama 3 70B", "Llama 3.3 70B"), ("DeepSeek-V3", "DeepSeek-R1"),
            ("Qwen2 7B", "Qwen2.5 7B")}  # Qwen2.5 kept Qwen2's 7B widths (both configs: 28 layers, 3584, 18944, 152064)
    rows = list(published().items())
    shared = {(a, b) for i, (a, (ta, _)) in enumerate(rows) for b, (tb, _) in rows[i + 1:] if ta == tb}
    assert shared == same


@pytest.mark.parametrize("argv, row", [
    (["--model", "meta-llama/Llama-3.1-8B-Instruct", "--hardware", "H100 SXM5", "--chips", "1"], "Llama 3.1 8B"),
    (["--model", "Llama 3.3 70B", "--hardware", "H100 SXM5", "--chips", "2", "--precision", "fp8"], "Llama 3.3 70B"),
    (["--model", "Qwen/Qwen2.5-72B-Instruct", "--hardware", "H100 SXM5", "--chips", "4"], "Qwen2.5 72B"),
    (["--model", "deepseek-ai/DeepSeek-R1", "--hardware", "H200 SXM", "--chips", "8", "--precision", "fp8"], "DeepSeek-R1")])
def test_the_command_line_serves_a_repository_id_and_names_the_row(argv, row, capsys):
    from calc.__main__ import main

    assert main(["serve", *argv]) in (0, None)
    out = capsys.readouterr().out
    assert out.startswith(f"{row} on ")


@pytest.mark.parametrize("argv, first", [  # every door that takes --model says which row it read (a new user's walk)
    (["params", "--model", "google/gemma-3-27b-it"], "model          Gemma 3 27B\n"),
    (["params", "--model", "Llama 3 8B", "--layers", "16"], "model          Llama 3 8B, changed by --layers\n"),
    (["memory", "--model", "Qwen/Qwen2.5-72B-Instruct"], "Qwen2.5 72B: per chip at ZeRO stage 1"),
    (["estimate", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--tokens", "15T"],
     "params                8.03B params                               derived  from the shape of Llama 3.1 8B "),
    (["lifetime", "--model", "Llama-3.3-70B-Instruct", "--tokens", "15T", "--inference-tokens", "2T"],
     "target loss 1.8573 nats/token under hoffmann2022 (Llama 3.3 70B's)"),
    (["step", "--model", "meta-llama/Llama-3.1-8B-Instruct", "--hardware", "H100 SXM5", "--chips", "8",
      "--global-batch", "8", "--tensor", "2"], "model               Llama 3.1 8B on 8 x H100 SXM5, matmuls in bf16\n")])
def test_every_door_names_the_row_an_alias_reads_as(argv, first, capsys):
    from calc.__main__ import main

    assert main(argv) in (0, None)
    assert capsys.readouterr().out.startswith(first)


def test_the_python_door_names_the_row_in_the_shapes_words():
    est = calc.estimate(model="meta-llama/Llama-3.1-8B-Instruct", tokens="15T token")
    assert est.items["params"].how == "from the shape of Llama 3.1 8B (calc.architecture)"


@pytest.mark.parametrize("typed, suggested", [
    ("Llama 3.1 8B Chat", "Llama 3.1 8B"), ("meta-llama/Llama-3.1-8B-Instuct", "Llama 3.1 8B"),
    ("qwen2.5", "Qwen2.5 72B"), ("Kimi K3", "Kimi K2"), ("Gemma 3 3B", "Gemma 3 4B"),
    ("Mistral Small 3", "Mistral Small 3 24B")])
def test_an_unknown_name_is_one_line_with_the_nearest_rows(typed, suggested):
    with pytest.raises(calc.InputError) as exc:
        lookup(typed)
    message = str(exc.value)
    assert exc.value.field == "model" and "\n" not in message
    assert "did you mean" in message and suggested in message


@pytest.mark.parametrize("typed, row", [
    ("https://huggingface.co/meta-llama/Llama-3.1-8B-Instruct", "Llama 3.1 8B"),
    ("huggingface.co/meta-llama/Llama-3.1-8B-Instruct/tree/main", "Llama 3.1 8B"),
    ("https://hf.co/deepseek-ai/DeepSeek-R1/blob/main/config.json", "DeepSeek-R1"),
    (" https://www.huggingface.co/Qwen/Qwen3-14B/ ", "Qwen3 14B")])
def test_a_model_page_s_address_finds_its_repository_s_row(typed, row):
    # fresh9: the address copied from the browser was "unknown shape" where its repository id is an alias
    assert shape_name(typed) == row
    assert lookup(typed).params() == lookup(row).params()


@pytest.mark.parametrize("typed, said", [
    ("https://huggingface.co/meta-llama/Llama-3.1-8B-Instrukt", "did you mean Llama 3.1 8B"),
    ("https://huggingface.co/foo/bar", "unknown shape 'https://huggingface.co/foo/bar'"),
    ("https://example.com/meta-llama/Llama-3.1-8B-Instruct", "unknown shape")])
def test_an_address_of_no_known_repository_is_refused_with_the_nearest_rows(typed, said):
    with pytest.raises(calc.InputError) as exc:
        shape_name(typed)
    assert exc.value.field == "model" and said in exc.value.message and "\n" not in str(exc.value)


def test_the_command_line_refuses_an_unknown_name_on_one_line(capsys):
    from calc.__main__ import main

    assert main(["serve", "--model", "Mistral Small 3", "--hardware", "H100 SXM5", "--chips", "8"]) not in (0, None)
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "unknown shape 'Mistral Small 3'" in err and "did you mean" in err


def test_every_alias_names_a_row_and_no_name_leads_to_two():
    rows = {r["name"] for r in data.architecture_rows()}
    assert set(ALIASES.values()) <= rows
    seen = {folded(n): n for n in rows}
    for alias, row in ALIASES.items():
        for key in (folded(alias), folded(alias.rsplit("/", 1)[-1])):
            assert seen.setdefault(key, row) == row, alias
    for r in data.architecture_aliases():
        assert r["source"] and r["retrieved"], r["name"]


def test_an_alias_to_no_row_or_to_two_is_refused_by_file_and_line(monkeypatch):
    good = data.architecture_aliases()
    bad = dataclasses.replace(good[0], values={**good[0].values, "shape": "Llama 3.1 8b"})
    monkeypatch.setattr(data, "architecture_aliases", lambda: (bad,))
    with pytest.raises(data.DataError, match="architecture_aliases.*shape.*did you mean Llama 3.1 8B"):
        published_module._names.__wrapped__()
    twice = dataclasses.replace(good[0], values={**good[0].values, "name": "someone/Llama-3-8B", "shape": "Llama 3 70B"})
    monkeypatch.setattr(data, "architecture_aliases", lambda: (twice,))
    with pytest.raises(data.DataError, match="would name both 'Llama 3 8B' and 'Llama 3 70B'"):
        published_module._names.__wrapped__()


_SEPARATORS = st.sampled_from(["", " ", "-", "_", ".", "  "])


@settings(max_examples=200, deadline=None)
@given(alias=st.sampled_from(sorted(ALIASES)), owner=st.booleans(), data_=st.data())
def test_an_alias_however_cased_and_spaced_finds_its_row(alias, owner, data_):
    # folded: case, spaces, dashes and dots aside; with or without the repository's owner
    text = alias if owner else alias.rsplit("/", 1)[-1]
    typed = "".join(data_.draw(st.sampled_from([c.lower(), c.upper()])) + data_.draw(_SEPARATORS) for c in text)
    assert shape_name(typed) == ALIASES[alias]
    assert lookup(typed) == published()[ALIASES[alias]][0]


def test_kimi_k2_reads_as_deepseek_v3s_architecture():
    # its config.json: model_type kimi_k2, architectures DeepseekV3ForCausalLM; 384 experts, 64 heads, 1 dense layer
    cfg = dict(data.model_config("kimi-k2.json"))
    k2 = Transformer.from_config(cfg)
    assert (k2.experts, k2.experts_per_token, k2.shared_experts, k2.dense_layers, k2.heads) == (384, 8, 1, 1, 64)
    assert k2.kv_lora_rank == 512 and k2.context == 4096  # YaRN's original_max_position_embeddings
    assert Transformer.from_config({**cfg, "model_type": "deepseek_v3"}) == k2


def test_held_out_rows_of_the_new_rows_keep_the_shape_they_had():
    # serving_validation's Llama 3.1 8B, Llama 3.1/3.3 70B and DeepSeek-R1 rows name their own rows now; each reads
    # to the shape the row they named before did, so no prediction moves (their configs differ in rope scaling only)
    before = {"Llama 3.1 8B": "Llama 3 8B", "Llama 3.1 70B": "Llama 3 70B", "Llama 3.3 70B": "Llama 3 70B",
              "DeepSeek-R1": "DeepSeek-V3"}
    named = {r["model"] for r in data.serving_validation()}
    assert set(before) <= named
    for now, was in before.items():
        assert lookup(now) == lookup(was)


def test_a_config_path_given_as_a_name_says_which_door_reads_it():
    # fresh13: calc.estimate(model="data/configs/mistral-7b.json") answered "unknown shape ...; known: GPT-2 small, ..."
    # (70 names), with no word of Transformer.from_config, Python's way to what `calc estimate --config FILE` reads
    import pytest

    import calc
    from calc.errors import InputError

    for door in (lambda m: calc.estimate(model=m, tokens="1T token"), lambda m: calc.serve(m, "H100 SXM5")):
        with pytest.raises(InputError, match=r"Transformer\.from_config\(path\)") as exc:
            door("data/configs/mistral-7b.json")
        assert exc.value.field == "model" and "\n" not in str(exc.value)
