"""Serving: the engine releases a user can name (data/serving_engines.csv: each release's own defaults, from its
source at a tag or commit; data/serving_host.csv: its host work), resolved as people type them at the Python and
command-line doors, and the defaults reaching the answer."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calc import data
from calc.errors import DataError, InputError


def test_the_release_defaults_are_read_by_chip_memory():
    # vLLM v0.9.2 _set_default_args_v1 ('vllm serve'): 1024 sequences and 8192 tokens per step on a GPU of 70 GiB or
    # more whose name has no 'a100', else 256 and 2048; the same code through 0.10.1.1
    engines = data.serving_engines()
    assert {"vLLM 0.9.1", "vLLM 0.9.2", "vLLM 0.10.0", "vLLM 0.10.1", "vLLM 0.10.1.1"} <= set(engines)
    assert set(engines) <= {e for e, _ in data.serving_host()}  # every release has its host work
    h100, h200 = data.hardware("H100 SXM5"), data.hardware("H200 SXM")
    a100, small = data.hardware("A100 SXM4 80GB"), data.hardware("A100 SXM4 40GB")
    for name in ("vLLM 0.9.2", "vLLM 0.10.1.1"):
        big = {"chunked_prefill": True, "max_batch_size": 1024, "max_num_tokens": 8192}
        assert data.engine_defaults(name, h100) == data.engine_defaults(name, h200) == big
        low = {"chunked_prefill": True, "max_batch_size": 256, "max_num_tokens": 2048}
        assert data.engine_defaults(name, a100) == data.engine_defaults(name, small) == low  # the A100 test
    assert data.engine_defaults("TensorRT-LLM 1.0", h100) == {}  # no release row: the calculator's defaults
    # 0.8.5 (before PR #17885) gave an A100 80GB the large defaults; 0.28.0 on, 16,384 tokens from 160 GiB (B200)
    assert data.engine_defaults("vLLM 0.8.5", a100)["max_batch_size"] == 1024
    b200 = data.hardware("B200")
    assert data.engine_defaults("vLLM 0.27.0", b200)["max_num_tokens"] == 8192
    assert data.engine_defaults("vLLM 0.28.0", b200)["max_num_tokens"] == 16384
    assert data.engine_defaults("vLLM 0.9.1 (ROCm)", data.hardware("MI300X"))["max_batch_size"] == 1024
    # the V0 engine (0.6.x, 0.7.x): 256 sequences; its chunked prefill and budget depend on the model: not set; its
    # decode steps from CUDA graphs only up to max_seq_len_to_capture 8,192 (data/serving_graph_capture.csv)
    assert data.engine_defaults("vLLM 0.7.3", h100) == data.engine_defaults("vLLM 0.6.0", a100) == {
        "max_batch_size": 256, "graph_max_context": 8192}
    # async scheduling on by default from 0.14.0: the host work hidden behind the GPU's step
    host = data.serving_host()
    assert host[("vLLM 0.13.0", "x86")]["host_overlap"] is False and host[("vLLM 0.14.0", "x86")]["host_overlap"] is True


def test_a_bad_engine_row_is_reported(tmp_path, monkeypatch):
    text = (data.DATA_DIR / "serving_engines.csv").read_text(encoding="utf-8")
    bad = tmp_path / "data"
    bad.mkdir()
    data.serving_host(), data.hardware_table()  # cached from the real tables
    monkeypatch.setattr(data, "DATA_DIR", bad)
    for wrong, what in ((text.replace("A100 SXM4 80GB;", "A100 SXM9;", 1), "except_chips"),
                        (text.replace("\nvLLM 0.9.2,,", "\nvLLM 0.9.3,,", 1), "name"),
                        (text.replace("\nvLLM 0.9.2,,", "\nvLLM 0.9.2,40,", 1), "chip_memory_from")):
        (bad / "serving_engines.csv").write_text(wrong, encoding="utf-8")
        data.serving_engines.cache_clear()
        try:
            with pytest.raises(DataError, match=what):
                data.serving_engines()
        finally:
            data.serving_engines.cache_clear()


def test_every_engine_resolves_at_both_doors(capsys):
    from calc.__main__ import main
    from calc.serve import serve

    vendors = data.serving_engine_vendors()
    for name in sorted({e for e, _ in data.serving_host()}):
        chip = "H100 SXM5" if "NVIDIA" in vendors.get(name, ("NVIDIA",)) else "MI300X"
        s = serve("Llama 3 8B", chip, 1, batch=1, input_tokens=128, output_tokens=128, engine=name)
        assert s.engine["name"] == name
    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "A100 SXM4 80GB", "--engine", "vLLM v0.10.1"]) == 0
    out = capsys.readouterr().out
    assert "engine: vLLM 0.10.1, host work 21.5 us" in out and "at most 256 sequences and 2,048 tokens per step" in out
    assert main(["serve", "--model", "Llama 3 8B", "--hardware", "B200", "--engine", "sglang v0.4.9.post6", "--json"]) == 0
    out = capsys.readouterr().out  # its 16,384 tokens on 160 GiB or more
    assert '"name": "SGLang 0.4.9.post6"' in out and '"max_num_tokens": 16384' in out


def test_sglang_takes_its_chunk_by_gpu_memory():
    # SGLang 0.5.3-0.5.18 server_args.py: chunked_prefill_size 2048 under 35 GiB, 4096 under 60 GiB, 8192 under 160 GiB,
    # else 16384 (gpu_mem in MiB as nvidia-smi reports it); 0.4.7-0.5.2 had no 4096 tier
    for chip, new, old in (("A100 SXM4 40GB", 4096, 8192), ("H100 SXM5", 8192, 8192), ("H200 SXM", 8192, 8192),
                           ("B200", 16384, 16384), ("MI300X", 16384, 16384)):
        hw = data.hardware(chip)
        assert data.engine_defaults("SGLang 0.5.3.post3", hw) == {"max_num_tokens": new, "chunked_prefill": False}  # apart
        assert data.engine_defaults("SGLang 0.5.2", hw)["max_num_tokens"] == old
    assert data.engine_defaults("SGLang 0.4.6.post5", data.hardware("B200"))["max_num_tokens"] == 8192  # < 0.4.7


def test_the_release_defaults_reach_the_answer():
    # vLLM holds at most max_num_seqs sequences: an 8B model on an A100 80GB saturates at 256, the memory holding more
    from calc.serve import serve

    bare = serve("Llama 3 8B", "A100 SXM4 80GB", 1, input_tokens=128, output_tokens=128)
    capped = serve("Llama 3 8B", "A100 SXM4 80GB", 1, input_tokens=128, output_tokens=128, engine="vLLM 0.9.2")
    assert bare.max_concurrency > 256 and capped.max_concurrency == 256
    assert capped.engine["max_batch_size"] == 256 and capped.engine["max_num_tokens"] == 2048
    assert capped.to_dict()["engine"]["max_num_tokens"] == 2048
    assert serve("Llama 3 8B", "H100 SXM5", 1, input_tokens=128, output_tokens=128,
                 engine="vLLM 0.9.2").max_concurrency == 1024


def test_names_as_people_type_them():
    from calc.serve import engine_name

    assert engine_name("vLLM v0.10.1") == engine_name("vllm==0.10.1") == "vLLM 0.10.1"
    assert engine_name("trtllm 1.1") == engine_name("TRT-LLM v1.1") == "TensorRT-LLM 1.1"
    assert engine_name("trtllm 0.18") == "TensorRT-LLM 0.18.2"  # 0.18.0-0.18.2 alike: the newest, named
    assert engine_name("sglang 0.5.3") == "SGLang 0.5.3" and engine_name("SGLang v0.5.3.post3") == "SGLang 0.5.3.post3"
    with pytest.raises(InputError, match=r"got 'sglang': .* list SGLang 0\.4\.0, "):
        engine_name("sglang")  # 0.4.x and 0.5.x differ: the releases said, none picked
    assert engine_name("vllm 0.9") == "vLLM 0.9.2"  # 0.9.1 and 0.9.2 alike (the ROCm build another engine)
    assert engine_name("vllm 0.9.1 (rocm)") == "vLLM 0.9.1 (ROCm)"
    assert engine_name("vllm 0.10") == "vLLM 0.10.2" and engine_name("vllm 0.11") == "vLLM 0.11.2"  # lines alike
    assert engine_name("vllm 0.7") == "vLLM 0.7.3"
    with pytest.raises(InputError, match=r"got 'vllm 0\.8': .* list vLLM 0\.8\.5, vLLM 0\.8\.5\.post1 of it$"):
        engine_name("vllm 0.8")  # 0.8.0-0.8.4 (other defaults) not listed: the line is not read as 0.8.5
    with pytest.raises(InputError, match=r"list SGLang 0\.4\.9\.post6 of it$"):
        engine_name("sglang 0.4.9")  # 0.4.9 to 0.4.9.post5 not read
    for unknown in ("vllm 0.99", "foo", "sglang 0.2"):
        with pytest.raises(InputError) as exc:
            engine_name(unknown)
        assert "\n" not in exc.value.message and exc.value.message.startswith("expected one of")
    with pytest.raises(InputError, match=r"expected one of vLLM 0\.6\.0, .*, vLLM 0\.34\.0, got 'vllm 0\.2'"):
        engine_name("vllm 0.2")  # the family's own releases, oldest first


def test_an_unknown_engine_is_one_line_at_the_command_line(capsys):
    from calc.__main__ import main

    code = main(["serve", "--model", "Llama 3 8B", "--hardware", "H100 SXM5", "--engine", "vLLM 0.99"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "--engine: expected one of" in err


def test_a_name_of_no_family_is_refused_on_a_line_one_reads():
    # a new user's "lmdeploy" was answered with all 100 releases on one line (2,500 characters): now each family's
    # releases are a count and a range, its name alone listing them
    from calc.serve import engine_name

    with pytest.raises(InputError) as exc:
        engine_name("lmdeploy")
    message = exc.value.message
    # one line one reads: the families as ranges, the unnumbered names (one more per MLPerf round imported) listed
    assert len(message) < 900 and message.endswith("got 'lmdeploy'")
    assert re.search(r'vLLM 0\.6\.0 to [\d.]+ \(\d+ releases: "vllm" alone lists them\)', message), message
    assert "vLLM 0.9.1 (ROCm)" in message and "NIM 1.8.0 (TensorRT-LLM)" in message
    with pytest.raises(InputError, match=r"list vLLM 0\.6\.0, vLLM 0\.6\.1, "):  # and it does
        engine_name("vllm")


_KNOWN = sorted({e for e, _ in data.serving_host()})


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(_KNOWN), st.data())
def test_any_casing_spacing_or_v_prefix_reads_the_same_release(name, draw):
    # a release typed with another case, extra spaces, or a "v" before its version is the same release, never another
    from calc.serve import engine_name

    typed = "".join(c.upper() if draw.draw(st.booleans()) else c.lower() for c in name)
    typed = typed.replace(" ", " " * draw.draw(st.integers(1, 3)))
    if draw.draw(st.booleans()):
        typed = typed.replace(" 0.", " v0.", 1).replace(" 1.", " v1.", 1)
    assert engine_name(typed) == name


def test_an_engine_listed_for_another_vendor_is_refused_with_the_families_in_brief():
    # "vllm 0.11" on an MI355X listed 30 releases in string order (SGLang 0.4.10.post2 before 0.4.3.post4) and said
    # vLLM "runs on NVIDIA chips only": the names listed are its CUDA builds, its ROCm build is a name of its own
    from calc.serve import serve

    with pytest.raises(InputError) as exc:
        serve("Llama 3.1 8B", "MI355X", 1, engine="vllm 0.11")
    message = exc.value.message
    assert "which data/serving_engine_chips.csv lists on NVIDIA chips only" in message and len(message) < 700
    assert re.search(r'give one of SGLang 0\.4\.0 to [\d.a-z]+ \(\d+ releases: "sglang" alone lists them\), '
                     r"vLLM 0\.10\.0 \(ROCm\), .*vLLM 0\.9\.1 \(ROCm\), or none$", message), message


# AMD's rocm/vllm images of the 0.8.5 to 0.11 lines (ROCm's vLLM inference performance testing version history)
ROCM_BUILDS = ("vLLM 0.8.5 (ROCm)", "vLLM 0.9.0.1 (ROCm)", "vLLM 0.10.0 (ROCm)", "vLLM 0.10.1 (ROCm)", "vLLM 0.10.2 (ROCm)", "vLLM 0.11.1 (ROCm)")


def test_the_rocm_builds_are_read_and_answer_on_amd_chips_only():
    from calc.serve import serve

    engines, host, vendors = data.serving_engines(), data.serving_host(), data.serving_engine_vendors()
    for name in ROCM_BUILDS:
        assert vendors[name] == ("AMD",) and host[(name, "x86")]["host_overlap"] is False  # async scheduling opt-in
        assert host[(name, "x86")]["host_per_sequence"] == pytest.approx(21.5e-6)  # the nearest measured: V1's loop
        assert len(engines[name]) == 2
        for chip in ("MI300X", "MI325X"):  # 192 and 256 GB: 70 GiB or more, no 'a100' in the name
            assert data.engine_defaults(name, data.hardware(chip)) == {"chunked_prefill": True, "max_batch_size": 1024,
                                                                       "max_num_tokens": 8192}
            s = serve("Llama 3 8B", chip, 1, input_tokens=1000, output_tokens=1000, engine=name)
            assert s.engine["name"] == name and s.tokens_per_second["per_chip"].magnitude > 0
        with pytest.raises(InputError) as exc:
            serve("Llama 3 8B", "H100 SXM5", 1, input_tokens=1000, output_tokens=1000, engine=name)
        message = exc.value.message
        assert "\n" not in message and "lists on AMD chips only" in message
        cuda = name.removesuffix(" (ROCm)")  # the same release's CUDA build is offered first
        assert f"did you mean {cuda} (NVIDIA build of that release line)?" in message, message


@pytest.mark.parametrize("typed, offered", [
    ("vllm 0.11", "vLLM 0.11.1 (ROCm)"),  # the line read as vLLM 0.11.2 (CUDA): its ROCm build named, not taken
    ("vllm 0.11.0", "vLLM 0.11.1 (ROCm)"),
    ("vLLM 0.10.2", "vLLM 0.10.2 (ROCm)"),  # the same release's build where AMD published one
    ("vllm 0.10.1.1", "vLLM 0.10.0 (ROCm) or vLLM 0.10.1 (ROCm) or vLLM 0.10.2 (ROCm)"),
    ("vllm 0.9", "vLLM 0.9.0.1 (ROCm) or vLLM 0.9.1 (ROCm)"),  # the line read as vLLM 0.9.2, its CUDA build
    ("vllm 0.8.5", "vLLM 0.8.5 (ROCm)"),
])
def test_a_cuda_name_on_an_amd_chip_names_the_rocm_build_of_its_line(typed, offered, capsys):
    from calc.__main__ import main
    from calc.serve import serve

    for chip in ("MI300X", "MI355X"):
        with pytest.raises(InputError) as exc:
            serve("Llama 3 70B", chip, 8, input_tokens=1000, output_tokens=1000, engine=typed)
        builds = "builds" if " or " in offered else "build"
        assert f"did you mean {offered} (AMD {builds} of that release line)?" in exc.value.message, exc.value.message
    assert main(["serve", "--model", "Llama 3 70B", "--hardware", "MI300X", "--chips", "8", "--input-tokens", "1000",
                 "--output-tokens", "1000", "--engine", typed]) != 0
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and f"did you mean {offered}" in err


def test_a_release_not_listed_suggests_its_own_lines_releases_first():
    # a new user's "vLLM 0.8.2" was offered vLLM 0.9.2 first (nearest in spelling), though 0.8.5 is of its line; the
    # nearest in release order since (0.7.3 just before it, 0.8.5.post1 two after)
    from calc.serve import engine_name

    with pytest.raises(InputError) as exc:
        engine_name("vLLM 0.8.2")
    assert exc.value.message.endswith("got 'vLLM 0.8.2'; did you mean vLLM 0.8.5 or vLLM 0.7.3 or vLLM 0.8.5.post1?")
    with pytest.raises(InputError, match=r"did you mean SGLang 0\.4\.2\.post4 or SGLang 0\.4\.1\.post7 or SGLang 0\.4\.3\.post2\?"):
        engine_name("sglang 0.4.2.post1")  # 0.4.2.post4 is listed (dstack's runs), 0.4.2.post1 not


def test_a_misspelt_family_or_an_empty_name_is_answered_with_what_was_meant():
    # a new user's "vlm" (fresh clone walk) listed every engine and suggested none; "" listed them all too
    from calc.serve import engine_name

    with pytest.raises(InputError) as exc:
        engine_name("vlm")
    assert exc.value.message.endswith("got 'vlm'; did you mean \"vllm\"? (alone it lists its releases)")
    with pytest.raises(InputError, match=r"got 'sglan 0\.5\.3'; did you mean SGLang 0\.5\.3"):
        engine_name("sglan 0.5.3")
    for empty in ("", "  "):
        with pytest.raises(InputError) as exc:
            engine_name(empty)
        assert exc.value.message.startswith("expected a serving engine's name, got an empty value")
    with pytest.raises(InputError) as exc:
        engine_name("lmdeploy")  # near no family: no guess
    assert exc.value.message.endswith("got 'lmdeploy'")


def test_sglang_runs_on_nvidia_and_amd_chips_and_is_refused_on_a_tpu():
    # doors13 (fresh12's list): SGLang was offered on a TPU v6e, data/serving_engine_chips.csv having no SGLang row;
    # its installation guide builds it for NVIDIA (CUDA) and AMD (ROCm) GPUs, its TPU support being SGLang-JAX, an
    # engine of its own (https://docs.sglang.io/platforms/tpu.html)
    from calc.serve import serve

    vendors = data.serving_engine_vendors()
    sglang = sorted(e for e, _ in data.serving_host() if e.startswith("SGLang "))
    assert sglang and all(vendors[e] == ("NVIDIA", "AMD") for e in sglang)
    for chip in ("H100 SXM5", "MI300X"):
        assert serve("Llama 3 8B", chip, 1, batch=1, input_tokens=128, output_tokens=128, engine="SGLang 0.5.2").engine
    for chip in ("TPU v6e", "Gaudi 3"):
        with pytest.raises(InputError) as exc:
            serve("Llama 3 8B", chip, 1, batch=1, input_tokens=128, output_tokens=128, engine="SGLang 0.5.2")
        assert "lists on NVIDIA and AMD chips only" in exc.value.message and exc.value.field == "engine"
    a_tpu = [e for e, _ in data.serving_host() if "Google" in vendors.get(e, ("Google",))]
    assert not any(e.startswith("SGLang") for e in a_tpu)  # nor offered among the engines that run on a TPU


def test_a_bare_family_on_a_chip_none_of_its_releases_runs_on_is_refused_by_that():
    # fresh14: "--engine sglang" on a TPU v6e was told to pick one of 29 SGLang releases, none of which runs there;
    # on a chip its releases run on, the bare family still asks for one release
    import pytest

    from calc.errors import InputError
    from calc.serve import engine_on, serve

    with pytest.raises(InputError) as exc:
        serve("Llama 3.1 8B", "TPU v6e", 8, engine="sglang")
    assert exc.value.field == "engine" and "runs on the TPU v6e (Google)" in str(exc.value)
    assert "NVIDIA and AMD chips only" in str(exc.value) and "SGLang 0.4.0" not in str(exc.value)
    with pytest.raises(InputError, match="expected one release"):
        engine_on("sglang", "H200 SXM")
    assert engine_on("sglang 0.5.18", "TPU v6e") == "SGLang 0.5.18"  # a release named: engine_host says the rest
    with pytest.raises(InputError, match="expected a serving engine's name"):
        engine_on("", "not a chip")


def test_a_bare_family_on_a_chip_lists_the_releases_that_run_there_alone():
    # doors15: "--engine vllm" on an MI300X listed vLLM's CUDA releases (none runs on AMD chips) and not its ROCm
    # builds (which do); "vllm (rocm)" on an H100 listed the ROCm builds. Now the releases that run on the chip
    # (data/serving_engine_chips.csv), or that none does; on a chip every listed release runs on, as before
    import pytest

    from calc.errors import InputError
    from calc.serve import engine_on

    rocm = sorted(e for e, _ in data.serving_host() if e.startswith("vLLM ") and e.endswith("(ROCm)"))
    with pytest.raises(InputError) as exc:
        engine_on("vllm", "MI300X")
    said = exc.value.message
    assert exc.value.field == "engine" and "those that run on the MI300X (AMD) are " in said
    assert all(e in said for e in rocm) and "vLLM 0.6.0" not in said and "vLLM 0.11.0," not in said
    with pytest.raises(InputError) as exc:
        engine_on("vllm 0.8", "MI300X")
    assert "those that run on the MI300X (AMD) are vLLM 0.8.5 (ROCm) (" in exc.value.message
    with pytest.raises(InputError) as exc:
        engine_on("vllm (rocm)", "H100 SXM5")
    said = exc.value.message
    assert "expected an engine that runs on the H100 SXM5 (NVIDIA)" in said and "on AMD chips only" in said
    assert not any(e in said for e in rocm)
    with pytest.raises(InputError) as exc:
        engine_on("vllm (rocm)", "TPU v6e")
    assert "on AMD chips only; give none" in exc.value.message
    with pytest.raises(InputError) as exc:  # on NVIDIA chips every plain release runs: listed as before
        engine_on("vllm", "H100 SXM5")
    assert "list vLLM 0.6.0, " in exc.value.message and "(ROCm)" not in exc.value.message


def test_a_release_listed_once_with_its_backend_is_read_without_it():
    # fresh15: "--engine 'NIM 1.8.0'" was refused: "expected one of NIM 1.8.0 (TensorRT-LLM), got 'NIM 1.8.0'"
    from calc.serve.engines import engine_name

    assert engine_name("NIM 1.8.0") == engine_name("nim 1.8.0") == "NIM 1.8.0 (TensorRT-LLM)"
    # another vendor's build is never read for a release typed without it: vLLM 0.9.1 is NVIDIA's
    assert engine_name("vllm 0.9.1") == "vLLM 0.9.1"
