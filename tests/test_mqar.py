"""The MQAR harness (zoo.recall) on the CPU: Zoology's data distribution, the state-size definition, result
documents, the command line, and the whole sweep driver on a deterministic fake backend. No torch."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from zoo.memory import layer_elements
from zoo.recall import cli, data, plan, results, state
from zoo.recall.mixers import MIXERS, TOKEN_SHIFT, sizes_for, taxonomy_span
from zoo.registry import load

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def registry():
    return load()


# ------------------------------------------------------------------------------------------------ data


def batch(seed=0, B=256, T=64, n=8, V=data.VOCAB):
    return data.mqar_batch(data.numpy_ops(seed), B, T, n, V)


def test_every_example_is_zoology_shaped():
    T, n, V = 64, 8, 8192
    x, y = batch(T=T, n=n)
    assert x.shape == y.shape == (256, T) and x.dtype == y.dtype == np.int64
    for row, lab in zip(x, y, strict=True):
        keys, values = row[0 : 2 * n : 2], row[1 : 2 * n : 2]
        assert ((keys >= 1) & (keys < V // 2)).all() and ((values >= V // 2) & (values < V)).all()
        assert len(set(keys)) == n and len(set(values)) == n
        asked = np.flatnonzero(lab != data.IGNORE)
        assert len(asked) == n  # one answer per pair, nothing else counts in the loss
        assert (asked >= 2 * n).all() and ((asked - 2 * n) % 2 == 0).all()  # queries sit on even slots
        pair = dict(zip(keys.tolist(), values.tolist(), strict=True))
        for p in asked:
            assert lab[p] == pair[row[p]]  # the label at a query is the value written under that key
        assert (row[: 2 * n] != 0).all()


def test_filler_is_uniform_over_the_whole_vocabulary():
    T, n = 256, 4
    x, y = batch(B=512, T=T, n=n)
    mask = np.ones_like(x, dtype=bool)
    mask[:, : 2 * n] = False
    mask[y != data.IGNORE] = False
    filler = x[mask]
    assert filler.min() < 50 and filler.max() > 8192 - 50
    assert abs(filler.mean() - 8191 / 2) < 0.02 * 8192
    assert (filler < 4096).mean() == pytest.approx(0.5, abs=0.01)


def zoology_gaps(rng, space, n, a=data.POWER_A):
    """The reference: numpy's sequential weighted choice without replacement, as multiquery_ar draws gaps."""
    p = a * np.arange(1, space + 1) ** (a - 1)
    return tuple(rng.choice(space, size=n, replace=False, p=p / p.sum()))


def test_gaps_follow_zoologys_ordered_power_law_draw():
    """Gumbel-top-k in decreasing order has the law of numpy's choice(replace=False, p): the same
    frequencies for each ordered pair of gaps (space 6, 2 pairs: T = 16)."""
    T, n, trials = 16, 2, 6000
    _, y = batch(seed=1, B=trials, T=T, n=n)
    ours = Counter(tuple(((np.flatnonzero(r != data.IGNORE) - 2 * n) // 2).tolist()) for r in y)
    # the answer positions come out sorted; compare unordered gaps here and the order below
    rng = np.random.default_rng(2)
    ref = Counter(tuple(sorted(zoology_gaps(rng, (T - 2 * n) // 2, n))) for _ in range(trials))
    for key in set(ours) | set(ref):
        assert ours[key] / trials == pytest.approx(ref[key] / trials, abs=0.025), key


def test_the_first_key_is_asked_at_the_most_likely_gap():
    """Zoology gives the first drawn (most probable, smallest) gap to the first key; so do we."""
    T, n = 64, 4
    x, y = batch(seed=3, B=2000, T=T, n=n)
    first_key = x[:, 0]
    rows, cols = np.nonzero(y != data.IGNORE)
    first_asked = {}
    for r, c in zip(rows, cols, strict=True):
        if x[r, c] == first_key[r]:
            first_asked[r] = (c - 2 * n) // 2
    gaps = np.array(list(first_asked.values()))
    rng = np.random.default_rng(4)
    ref = np.array([zoology_gaps(rng, (T - 2 * n) // 2, n)[0] for _ in range(2000)])
    assert (gaps == 0).mean() == pytest.approx((ref == 0).mean(), abs=0.05)
    assert np.median(gaps) == pytest.approx(np.median(ref), abs=2)


def test_same_seed_same_batch_and_another_seed_differs():
    a, b, c = batch(seed=7), batch(seed=7), batch(seed=8)
    assert (a[0] == b[0]).all() and (a[1] == b[1]).all() and (a[0] != c[0]).any()


@pytest.mark.parametrize(
    "T,n,V,msg",
    [(63, 4, 8192, "even"), (64, 17, 8192, "4 n <= T"), (64, 0, 8192, "4 n"), (64, 4, 64, "exceed")],
)
def test_bad_shapes_are_clear_errors(T, n, V, msg):
    with pytest.raises(ValueError, match=msg):
        data.mqar_batch(data.numpy_ops(0), 2, T, n, V)


# ----------------------------------------------------------------------------------------- mixers, state


def test_at_least_20_mixers_spanning_the_taxonomy(registry):
    assert len(MIXERS) >= 20
    by_id = {m.id: m for m in registry.models}
    assert set(MIXERS) <= set(by_id)
    span = taxonomy_span({m: by_id[m].decay for m in MIXERS}, {m: by_id[m].readout for m in MIXERS})
    assert {"softmax", "window", "scalar", "diagonal", "delta", "conv"} <= span


def test_short_convs_match_the_block_specs():
    """A layer has a short conv exactly when the model's block memory spec caches one, of the same width:
    otherwise the state size would count a cache the trained layer does not keep (or miss one it keeps)."""
    specs = state.memory_specs()
    for mid, m in MIXERS.items():
        mem, kw, sizes = specs[mid], m.kwargs(64), sizes_for(mid, 64)
        conv = kw.get("conv_size", kw.get("conv_kernel", kw.get("short_filter")))
        if "use_short_conv" in kw and not kw["use_short_conv"]:
            conv = None
        if (m.cls or "").startswith("RWKV"):
            conv = TOKEN_SHIFT  # RWKV's layers shift the input inside; no argument names it
        assert conv == mem.conv, mid
        assert sizes.get("conv") == mem.conv, mid


def test_state_bytes_by_hand():
    T = 256
    # softmax: the KV cache of T tokens, 2 heads x (64 + 64) numbers, bf16
    assert state.state_bytes("nope", 128, T) == T * 2 * (64 + 64) * 2
    assert state.state_bytes("mqa", 128, T) == T * 1 * (64 + 64) * 2
    # a window keeps W tokens; StreamingLLM keeps its window and its sink tokens
    assert state.state_bytes("swa", 128, T) == 64 * 2 * 128 * 2
    assert state.state_bytes("streamingllm", 128, T) == (60 + 4) * 2 * 128 * 2
    # DeltaNet: 2 heads of 64 x 64, plus (4 - 1) steps of its q, k, v conv (3 x 128 channels)
    assert state.state_bytes("deltanet", 128, T) == (2 * 64 * 64 + 3 * 3 * 128) * 2
    # Mamba-2: d_inner x N, plus the conv over x, B and C (d_inner + 2 N channels)
    assert state.state_bytes("mamba-2", 128, T) == (256 * 32 + 3 * (256 + 2 * 32)) * 2
    # Based: one head of (1 + 16 + 256) Taylor features x (d values + the normaliser)
    assert state.state_bytes("based", 128, T) == 273 * (128 + 1) * 2
    # order-2 Hyena keeps the T inputs of each of its two long convolutions (d channels) and its width-3
    # conv over three streams
    assert state.state_bytes("hyena", 128, T) == (2 * T * 128 + 2 * 3 * 128) * 2


def test_state_is_the_model_cards_definition(registry):
    """The same function and memory spec the cards use (kv + state of layer_elements), at trained sizes."""
    from zoo.schema.blocks import MixerSizes

    specs = state.memory_specs()
    for mid in MIXERS:
        per = layer_elements(specs[mid], MixerSizes(**sizes_for(mid, 256)), 512)
        assert state.elements(mid, 256, 512) == per.kv + per.state
    assert state.grows("nope") and state.grows("swa") and not state.grows("gla")


def test_fixed_state_does_not_depend_on_T_and_softmax_does():
    for mid in MIXERS:
        a, b = state.state_bytes(mid, 128, 256), state.state_bytes(mid, 128, 1024)
        assert (a == b) != state.grows(mid) or mid in ("swa", "streamingllm"), mid


# ------------------------------------------------------------------------------------------------ plan


def test_points_parse_and_reject_clearly():
    assert plan.parse_points("256:128:16, 512:64:32") == [(256, 128, 16), (512, 64, 32)]
    for bad, msg in [
        ("256:128", "T:d:pairs"),
        ("256:x:4", "T:d:pairs"),
        ("256:128:100", "4 n <= T"),
        ("256:100:4", "multiple of 8"),
        ("", "no points"),
    ]:
        with pytest.raises(ValueError, match=msg):
            plan.parse_points(bad)


def test_jobs_cover_every_trial_once_and_interleave_mixers():
    todo = plan.trials(["nope", "gla", "deltanet"], [(256, 64, 16), (256, 128, 16)], plan.LRS)
    jobs = plan.jobs(todo, split=2)
    assert len(jobs) == 6 and [j["model"] for j in jobs[:3]] == ["nope", "gla", "deltanet"]
    flat = [(j["model"], plan.key(t)) for j in jobs for t in j["trials"]]
    assert sorted(flat) == sorted((t["model"], plan.key(t)) for t in todo) and len(set(flat)) == len(flat)
    assert all(len({t["lr"] for t in j["trials"]}) == 2 for j in jobs)


# ------------------------------------------------------------------------------------------------ results


CHECKED = {"passed": True, "rel_err": 0.02}


def trial(lr, acc, status="ok", run="run-20261207T000000Z", d=64, grad_check=CHECKED):
    t = {"T": 256, "d": d, "n_kv": 16, "lr": lr, "status": status, "run": run}
    if status == "ok":
        t.update(accuracy=acc, steps=10, wall_s=1.0, sizes={"heads": 2})
        if grad_check:
            t["grad_check"] = grad_check
    return t


def doc_with(trials, date="2026-12-07T00:00:00+00:00", run="run-20261207T000000Z", protocol=None):
    d = results.new_document(
        protocol or plan.Protocol().as_dict(),
        {"id": run, "command": "python -m zoo.recall --out x", "provenance": {"date": date}},
    )
    results.add_trials(d, "gla", trials, run)
    return d


def test_best_of_the_lr_sweep():
    d = doc_with([trial(1e-3, 0.4), trial(1e-2, 0.9), trial(3e-2, None, status="error")])
    (row,) = results.best_points(d["models"]["gla"])
    assert row["accuracy"] == 0.9 and row["lr"] == 1e-2 and row["lrs_tried"] == [1e-3, 1e-2]


def test_merge_later_wins_but_a_failure_never_erases_a_trained_trial():
    old = doc_with([trial(1e-3, 0.4), trial(1e-2, 0.5)])
    new = doc_with(
        [
            trial(1e-3, 0.6, run="run-20261208T000000Z"),
            trial(1e-2, None, status="timeout", run="run-20261208T000000Z"),
        ],
        date="2026-12-08T00:00:00+00:00",
        run="run-20261208T000000Z",
    )
    merged = results.merge([new, old])
    got = {t["lr"]: t for t in merged["models"]["gla"]["trials"]}
    assert got[1e-3]["accuracy"] == 0.6 and got[1e-2]["accuracy"] == 0.5 and len(merged["runs"]) == 2


def test_merge_cuts_the_machines_folders_from_tool_output_but_not_from_urls():
    """Tracebacks name files where the GPU machine had them; the repository keeps the path below the package
    or below the repository root, never the machine's own folders."""
    failed = trial(1e-2, None, status="error")
    failed["error"] = "OutOfMemoryError: see https://docs.pytorch.org/docs/stable/notes/cuda.html"
    failed["traceback"] = (
        'File "/opt/torch/.venv/lib/python3.12/site-packages/triton/testing.py", line 149\n'
        'File "/srv/checkout/zoo/recall/train.py", line 68\n'
        "/tmp/zoo-gpu-site/fla/layers/rwkv7.py:151: UserWarning\n"
        'File "benchmarks/recall/h100.json"'
    )
    merged = results.merge([doc_with([trial(1e-3, 0.4), failed])])
    (got,) = [t for t in merged["models"]["gla"]["trials"] if t["status"] == "error"]
    assert got["traceback"] == (
        'File "triton/testing.py", line 149\nFile "zoo/recall/train.py", line 68\n'
        'fla/layers/rwkv7.py:151: UserWarning\nFile "benchmarks/recall/h100.json"'
    )
    assert got["error"] == failed["error"]
    # the command keeps the result's file name, not the folder the GPU machine wrote it into
    d = doc_with([trial(1e-3, 0.4)])
    d["runs"][0]["command"] = "python -m zoo.recall --out /root/out/h100-f.json --mixers gla"
    assert results.merge([d])["runs"][0]["command"] == "python -m zoo.recall --out h100-f.json --mixers gla"


def test_a_trial_cut_short_is_no_result_and_is_trained_again():
    """A trial the deadline stopped after 250 of its steps keeps its partial accuracy on file, but that
    accuracy is not comparable with finished ones: it neither wins the lr sweep nor counts as done, and a
    later finished trial replaces it while a later cut-short one never replaces a finished one."""
    cut = {**trial(1e-2, 0.8), "truncated": True}
    d = doc_with([trial(1e-3, 0.4), cut])
    (row,) = results.best_points(d["models"]["gla"])
    assert row["accuracy"] == 0.4 and row["lrs_tried"] == [1e-3]
    todo = [{"model": "gla", **{k: t[k] for k in ("T", "d", "n_kv", "lr")}} for t in (trial(1e-3, 0), cut)]
    assert [t["lr"] for t in results.still_missing(d, todo)] == [1e-2]
    assert results.wall_stats(d)["trials"] == 1

    later = dict(date="2026-12-08T00:00:00+00:00", run="run-20261208T000000Z")
    finished = doc_with([trial(1e-2, 0.9, run=later["run"])], **later)
    merged = results.merge([d, finished])
    assert results.best_points(merged["models"]["gla"])[0]["accuracy"] == 0.9
    cut_again = doc_with([{**trial(1e-3, 0.1, run=later["run"]), "truncated": True}], **later)
    merged = results.merge([d, cut_again])
    assert {t["lr"]: t["accuracy"] for t in merged["models"]["gla"]["trials"]}[1e-3] == 0.4


def test_a_triton_layer_counts_only_with_checked_gradients():
    """gla trains through fla's Triton backward: a trial without a passed gradient check (trained before the
    check existed) is no result and is trained again, and a checked one replaces it in a merge. torch's own
    attention (nope) needs no check."""
    unchecked = trial(1e-2, 0.0, grad_check=None)
    d = doc_with([trial(1e-3, 0.4), unchecked])
    (row,) = results.best_points(d["models"]["gla"])
    assert row["accuracy"] == 0.4 and row["lrs_tried"] == [1e-3]
    assert results.outcome(unchecked, "fla") == "unchecked" and results.trained(unchecked, "sdpa")
    todo = [{"model": "gla", "T": 256, "d": 64, "n_kv": 16, "lr": 1e-2}]
    assert results.still_missing(d, todo) == todo

    later = dict(date="2026-12-08T00:00:00+00:00", run="run-20261208T000000Z")
    merged = results.merge([d, doc_with([trial(1e-2, 0.7, run=later["run"])], **later)])
    assert results.best_points(merged["models"]["gla"])[0]["accuracy"] == 0.7
    wrong = {**trial(1e-3, None, status="wrong_gradients", run=later["run"]), "error": "wrong gradients: ..."}
    assert results._better(wrong, unchecked) and not results._better(wrong, trial(1e-3, 0.4))
    merged = results.merge(
        [
            merged,
            doc_with(
                [trial(1e-2, 0.1, run="run-20261209T000000Z", grad_check=None)],
                date="2026-12-09T00:00:00+00:00",
                run="run-20261209T000000Z",
            ),
        ]
    )
    assert results.best_points(merged["models"]["gla"])[0]["accuracy"] == 0.7


def test_a_layer_failing_the_gradient_check_is_not_trained_at_that_width(tmp_path):
    from zoo.recall import worker

    trained_widths = []

    def train(model, t, protocol, deadline=None):
        trained_widths.append(t["d"])
        return {"status": "ok", "accuracy": 0.5, "steps": 1, "wall_s": 1.0, "sizes": {}}

    def check(model, d, T):
        if d != 128:
            return {"passed": True, "rel_err": 0.01}
        why = "wrong gradients: the gradient of x differs from finite differences of the forward pass by 50%"
        return {"passed": False, "rel_err": 0.5, "why": why}

    trials = [{"T": 256, "d": d, "n_kv": 16, "lr": lr} for d in (64, 128) for lr in (1e-3, 1e-2)]
    job = {"model": "gla", "trials": trials, "protocol": {}, "backend": "fake", "deadline": time.time() + 60}
    doc = worker.run_job(job, tmp_path / "part.json", train_one=train, check_gradients=check)
    assert trained_widths == [64, 64]
    by_d = {(t["d"], t["lr"]): t for t in doc["trials"]}
    assert by_d[(64, 1e-3)]["grad_check"]["passed"] and by_d[(64, 1e-3)]["status"] == "ok"
    bad = by_d[(128, 1e-2)]
    assert bad["status"] == "wrong_gradients" and "differs from finite differences" in bad["error"]


def test_merge_refuses_different_protocols():
    other = plan.Protocol(steps=5).as_dict()
    with pytest.raises(ValueError, match="steps"):
        results.merge([doc_with([trial(1e-3, 0.4)]), doc_with([trial(1e-3, 0.4)], protocol=other)])


def test_schema_rejects_a_trained_trial_without_accuracy():
    d = results.annotate(doc_with([trial(1e-3, 0.4)]))
    assert results.validate(d) == []
    del d["models"]["gla"]["trials"][0]["accuracy"]
    assert any("accuracy" in e for e in results.validate(d))


# ----------------------------------------------------------------------------------------- command line


@pytest.mark.parametrize(
    "argv,msg",
    [
        (["--mixers", "nope,not-a-model"], "no trainable layer for: not-a-model"),
        (["--points", "256:128:999"], "4 n <= T"),
        (["--lrs", "0.1,abc"], "must be numbers"),
        (["--lrs", "2"], "in (0, 1)"),
        (["--jobs", "0"], "positive integer"),
        (["--missing-from", "/nonexistent/r.json"], "no such result file"),
    ],
)
def test_bad_arguments_are_clear_messages(argv, msg, capsys, tmp_path):
    with pytest.raises(SystemExit) as e:
        cli.main(["--out", str(tmp_path / "r.json"), "--backend", "fake", *argv])
    assert e.value.code == 2
    err = capsys.readouterr().err
    assert msg in err and "Traceback" not in err


def test_nothing_heavy_is_imported_by_the_harness():
    code = (
        "import sys; import zoo.recall.cli, zoo.recall.runner, zoo.recall.worker, zoo.recall.results, "
        "zoo.recall.plan, zoo.recall.data, zoo.recall.mixers, zoo.recall.fake; "
        "heavy = ('torch', 'triton', 'fla', 'zoo.recall.model', 'zoo.recall.train', 'zoo.recall.gradcheck'); "
        "bad = [m for m in heavy if m in sys.modules]; "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------------------------------------ end to end


def sweep(tmp_path, name, *extra):
    out = tmp_path / name
    argv = [
        "--out",
        str(out),
        "--backend",
        "fake",
        "--mixers",
        "nope,gla,deltanet,hyena",
        "--points",
        "256:64:16,256:128:64",
        "--lrs",
        "1e-3,3e-3,1e-2",
        "--steps",
        "10",
        "--jobs",
        "3",
        "--split",
        "2",
        *extra,
    ]
    assert cli.main(argv) == 0
    return out


def test_the_fake_sweep_runs_end_to_end_merges_and_validates(tmp_path, capsys):
    first = sweep(tmp_path, "a.json")
    doc = results.load(first)
    assert sum(len(e["trials"]) for e in doc["models"].values()) == 4 * 2 * 3
    assert all(t["status"] == "ok" for e in doc["models"].values() for t in e["trials"])
    # deterministic: a second run trains the same numbers
    again = results.load(sweep(tmp_path, "b.json"))

    def strip(d):
        return {
            m: [{k: v for k, v in t.items() if k != "run"} for t in e["trials"]]
            for m, e in d["models"].items()
        }

    assert strip(doc) == strip(again)
    # a follow-up run takes only what is missing: here nothing
    capsys.readouterr()
    sweep(tmp_path, "c.json", "--missing-from", str(first))
    assert "24 of 24 trials already trained" in capsys.readouterr().out
    # merge adds the registry's state sizes, and the document validates
    assert cli.main(["merge", str(first), str(tmp_path / "b.json"), "--out", str(tmp_path / "m.json")]) == 0
    merged = results.load(tmp_path / "m.json")
    rows = {(m, r["d"], r["n_kv"]): r for m, e in merged["models"].items() for r in results.best_points(e)}
    assert rows[("deltanet", 128, 64)]["state_bytes"] == state.state_bytes("deltanet", 128, 256)
    assert rows[("nope", 64, 16)]["accuracy"] > rows[("gla", 64, 16)]["accuracy"]  # the fake's softmax wins
    assert results.wall_stats(merged)["trials"] == 24
    assert cli.main(["validate", str(tmp_path / "m.json")]) == 0


def test_a_refusing_kernel_marks_every_trial_of_its_job(tmp_path):
    from zoo.recall import worker

    def refuse(model, trial, protocol, deadline=None):
        raise RuntimeError(
            "Triton >= 3.4.0 and < 3.7.1 on Hopper GPUs produces incorrect results for "
            "gated chunk_bwd_dqkwg (see #640)."
        )

    job = {
        "model": "gated-deltanet",
        "trials": plan.trials(["gated-deltanet"], [(256, 64, 16)], plan.LRS),
        "protocol": plan.Protocol().as_dict(),
        "backend": "fake",
        "deadline": 1e12,
    }
    doc = worker.run_job(job, tmp_path / "p.json", train_one=refuse)
    assert [t["status"] for t in doc["trials"]] == ["kernel_refused"] * 4
    assert json.loads((tmp_path / "p.json").read_text())["trials"][0]["error"].startswith("RuntimeError")


def test_every_registry_model_is_either_trained_or_listed_as_not(registry):
    assert sorted(cli.untrained() + list(MIXERS)) == sorted(m.id for m in registry.models)


def test_dry_run_counts_the_sweep_without_training(capsys, tmp_path):
    out = tmp_path / "r.json"
    argv = ["--out", str(out), "--mixers", "nope,gla", "--points", "256:64:16,256:128:4", "--dry-run"]
    assert cli.main(argv) == 0
    text = capsys.readouterr().out
    assert text.startswith("16 trials of 1000 steps (batch 128) in 4 jobs, 8 at a time") and not out.exists()


def test_workers_split_the_gpu_memory_so_one_cannot_starve_the_others(tmp_path):
    """Every job spec caps its worker at an equal share of the GPU's memory (a layer that needs more then
    fails alone instead of running its neighbours out of memory)."""
    from types import SimpleNamespace

    from zoo.recall import runner

    specs = []

    class Done:
        pid = 0

        def __init__(self, cmd, **kw):
            specs.append(json.loads(Path(cmd[cmd.index("--job") + 1]).read_text()))

        def poll(self):
            return 0

    args = SimpleNamespace(
        budget=60,
        steps=10,
        batch=8,
        eval_examples=10,
        eval_every=5,
        seed=1,
        mixers=["nope", "gla"],
        points=[(256, 64, 16)],
        lrs=[1e-3],
        missing_from=None,
        split=1,
        command="test",
        backend="fake",
        jobs=4,
        out=tmp_path / "out.json",
    )
    runner.run(args, popen=Done, log=lambda *a: None)
    assert len(specs) == 2 and all(s["memory_share"] == runner.MEMORY_SHARE / 4 for s in specs)


def test_a_tuning_round_compiles_configs_only_until_one_runs(monkeypatch):
    """zoo.recall.autotune against a stand-in for Triton's Autotuner (same method names and call order as
    Triton 3.6's run(): prune_configs, then _bench for each config in order, then the least timing): configs
    after the first that runs are never compiled, one that cannot run (infinite time) is passed over, and
    every new tuning key starts a fresh round."""
    import sys
    import types

    from zoo.recall import autotune

    compiled = []

    class Autotuner:
        def __init__(self, configs, fails=()):
            self.configs, self.fails, self.cache = configs, set(fails), {}

        def prune_configs(self, kwargs):
            return self.configs

        def _bench(self, *args, config, **meta):
            compiled.append(config)
            later_is_faster = float(len(self.configs) - self.configs.index(config))
            return [math.inf] * 3 if config in self.fails else [later_is_faster] * 3

        def run(self, key):  # Triton's flow for a key not tuned yet
            if key not in self.cache:
                timings = {c: self._bench(config=c) for c in self.prune_configs({})}
                self.cache[key] = min(timings, key=timings.get)
            return self.cache[key]

    runtime = types.ModuleType("triton.runtime")
    runtime.autotuner = types.SimpleNamespace(Autotuner=Autotuner)
    monkeypatch.setitem(sys.modules, "triton", types.ModuleType("triton"))
    monkeypatch.setitem(sys.modules, "triton.runtime", runtime)
    monkeypatch.setitem(sys.modules, "triton.runtime.autotuner", runtime.autotuner)
    monkeypatch.setattr(autotune, "active", False)
    # untouched, the tuner compiles all four and takes the fastest (the last)
    assert Autotuner(["a", "b", "c", "d"]).run(1) == "d" and compiled == ["a", "b", "c", "d"]
    compiled.clear()
    autotune.first_config_that_runs()
    assert autotune.active
    tuner = Autotuner(["a", "b", "c", "d"], fails={"a"})
    assert tuner.run(1) == "b" and compiled == ["a", "b"]  # "a" cannot run; "c" and "d" never compiled
    compiled.clear()
    assert tuner.run(2) == "b" and compiled == ["a", "b"]  # a new key: a fresh round
    compiled.clear()
    assert tuner.run(1) == "b" and compiled == []  # a tuned key: nothing compiled
