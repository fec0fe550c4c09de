"""The benchmark harness's logic with a fake backend (CPU only): correctness gating, variants, OOM and errors,
time budget, crash recovery in the parent, and the catalogue's coverage of the zoo."""

import json
import sys
from types import SimpleNamespace

import pytest

from zoo.bench import catalog, measure, results, runner
from zoo.bench.measure import Check, OutOfMemory, Plan, Prepared, Step, Timing, run_model, run_models


class FakeBackend:
    """Latency = a * T * B (quadratic per sequence) or b * B * T (linear); knobs to inject failures."""

    def __init__(
        self, rel_err=1e-3, oom_at=None, fail_prepare=False, variants=1, bad_variants=(), raise_bwd=False
    ):
        self.rel_err = rel_err
        self.oom_at = oom_at
        self.fail_prepare = fail_prepare
        self.variants = variants
        self.bad_variants = set(bad_variants)
        self.raise_bwd = raise_bwd
        self.calls = []
        self.variant = None

    def prepare(self, model_id, variant):
        if self.fail_prepare:
            raise ImportError("no module named fla")
        self.variant = variant
        max_T = 8192 if model_id == "log-linear-attention" else None
        return Prepared(f"fake.{model_id}", self.variants, {"v": variant}, [128, 64], max_T)

    def check(self, model_id, D):
        self.calls.append(("check", model_id, D))
        err = 0.5 if self.variant in self.bad_variants else self.rel_err
        return Check(err, "fake")

    def time(self, model_id, D, T, B, mode):
        self.calls.append(("time", model_id, T, mode))
        if self.oom_at is not None and T >= self.oom_at:
            raise OutOfMemory("CUDA out of memory")
        if mode == "fwdbwd" and self.raise_bwd:
            raise RuntimeError("backward refused on this GPU")
        quadratic = model_id == "transformer"
        ms = (1e-7 * T * T * B) if quadratic else 2e-5 * T * B
        return Timing(ms * (3 if mode == "fwdbwd" else 1), "fake", 1000 * T)

    def decode(self, model_id, D, T):
        if model_id == "transformer":
            return Step(1e-5 * T, "kv_cache", "fake-sdpa")
        return Step(0.01, "recurrent", "fake-step")

    def kernels_seen(self, model_id, D, T, B):
        return ["fake_kernel"]


def _run(backend, model="gla", plan=None, time_left=lambda: 1e9, **kw):
    plan = plan or Plan(lengths=[512, 2048, 8192], tokens=8192)
    seen = []

    def sink(entry):  # what the worker does: write a snapshot of the entry after every step
        seen.append(json.loads(json.dumps(entry)))

    entry = run_model(backend, model, plan, sink, time_left, base=results.catalog_fields(model), **kw)
    return entry, seen


def test_a_passing_kernel_is_timed_at_every_length_in_both_modes():
    entry, _ = _run(FakeBackend())
    assert entry["status"] == "measured"
    assert [p["T"] for p in entry["points"]] == [512, 2048, 8192]
    assert [p["B"] for p in entry["points"]] == [16, 4, 1]  # fixed tokens per call
    assert all(p["fwd_ms"] > 0 and p["fwdbwd_ms"] > p["fwd_ms"] for p in entry["points"])
    assert entry["checks"][0]["passed"] and entry["checks"][0]["rel_err"] == 1e-3
    assert entry["decode"]["kind"] == "recurrent" and entry["decode"]["ms"] == 0.01


def test_a_kernel_beyond_tolerance_is_reported_failing_and_never_timed():
    backend = FakeBackend(rel_err=0.3)
    entry, _ = _run(backend)
    assert entry["status"] == "failed_check"
    assert entry["points"] == [] and entry["decode"] is None
    assert not any(c[0] == "time" for c in backend.calls)
    assert entry["checks"][0]["passed"] is False and entry["checks"][0]["tolerance"] == 2e-2


def test_variants_are_tried_in_order_until_one_passes():
    entry, _ = _run(FakeBackend(variants=3, bad_variants={0, 1}), model="mlstm")
    assert entry["status"] == "measured"
    assert entry["variant_index"] == 2 and entry["variant"] == {"v": 2}
    assert [a["variant"] for a in entry["attempts"]] == [0, 1, 2]


def test_out_of_memory_is_recorded_per_point_and_the_sweep_goes_on():
    entry, _ = _run(FakeBackend(oom_at=8192))
    statuses = {p["T"]: p["status"] for p in entry["points"]}
    assert statuses == {512: "ok", 2048: "ok", 8192: "oom"}
    assert entry["status"] == "measured"


def test_a_failing_backward_keeps_the_forward_time():
    entry, _ = _run(FakeBackend(raise_bwd=True))
    p = entry["points"][0]
    assert p["status"] == "ok" and p["fwd_ms"] > 0 and "fwdbwd_ms" not in p
    assert "backward refused" in p["fwdbwd_error"]
    assert results.series(entry, "fwdbwd") == {} and len(results.series(entry, "fwd")) == 3


def test_lengths_beyond_the_kernels_limit_are_marked_unsupported():
    plan = Plan(lengths=[4096, 8192, 16384], tokens=16384)
    entry, _ = _run(FakeBackend(), model="log-linear-attention", plan=plan)
    assert [p["status"] for p in entry["points"]] == ["ok", "ok", "unsupported"]


def test_a_missing_package_is_an_error_not_a_crash():
    entry, _ = _run(FakeBackend(fail_prepare=True))
    assert entry["status"] == "error" and "fla" in entry["errors"][0]


def test_the_time_budget_stops_new_points_and_says_so():
    clock = iter([100.0] + [1.0] * 50)  # time for the first length only
    entry, _ = _run(FakeBackend(), time_left=lambda: next(clock))
    assert [p["T"] for p in entry["points"]] == [512]
    assert entry["truncated"] == [{"head_dim": 128, "T": 2048}, {"head_dim": 128, "T": 8192}]
    assert entry["decode"] is None


def test_progress_is_reported_with_the_step_in_flight():
    _, seen = _run(FakeBackend())
    stages = [s["in_progress"]["stage"] for s in seen if "in_progress" in s]
    assert stages[:2] == ["prepare", "check"] and "time" in stages
    assert "in_progress" not in seen[-1]


def test_warmup_only_runs_every_shape_and_times_nothing():
    class Warm(FakeBackend):
        def warm(self, model_id, D, T, B):
            self.calls.append(("warm", T))

    backend = Warm()
    entry, _ = _run(backend, plan=Plan(lengths=[512, 2048], tokens=2048, warmup_only=True))
    assert entry["status"] == "warmed" and [w["T"] for w in entry["warmed"]] == [512, 2048]
    assert not any(c[0] == "time" for c in backend.calls)


def test_a_carried_check_is_not_repeated():
    backend = FakeBackend()
    base = {**results.catalog_fields("gla"), "checks": [{"head_dim": 128, "rel_err": 1e-3, "passed": True}]}
    entry = run_model(
        backend,
        "gla",
        Plan(lengths=[512], tokens=512, skip_check=True),
        lambda e: None,
        lambda: 1e9,
        base=base,
    )
    assert entry["status"] == "measured"
    assert not any(c[0] == "check" for c in backend.calls)


def test_run_models_marks_models_without_time_as_not_run():
    out = run_models(
        FakeBackend(),
        ["gla", "kda"],
        Plan(lengths=[512], tokens=512),
        lambda m, e: None,
        deadline=0.0,
        clock=lambda: 10.0,
    )
    assert {m: e["status"] for m, e in out.items()} == {"gla": "not_run", "kda": "not_run"}


def test_the_parent_retries_a_crashed_model_with_its_next_variant(tmp_path):
    """First worker 'crashes' in mlstm's check (variant 0); the second gets --start-variant mlstm=1."""
    launches = []

    def fake_spawn(cmd, log, timeout):
        launches.append(cmd)
        out = cmd[cmd.index("--out") + 1]
        if len(launches) == 1:
            entry = {
                **results.catalog_fields("mlstm"),
                "n_variants": 3,
                "checks": [],
                "points": [],
                "decode": None,
                "errors": [],
                "in_progress": {"stage": "check", "variant": 0},
            }
            open(out, "w").write(json.dumps({"models": {"mlstm": entry}}))
            return -11, False
        entry = {
            **results.catalog_fields("mlstm"),
            "status": "measured",
            "checks": [{"passed": True}],
            "points": [{"head_dim": 128, "T": 512, "B": 1, "status": "ok", "fwd_ms": 1.0, "fwdbwd_ms": 2.0}],
            "decode": None,
            "errors": [],
        }
        open(out, "w").write(json.dumps({"models": {"mlstm": entry}}))
        return 0, False

    args = SimpleNamespace(
        lengths=[512], head_dims=[128], tokens=512, tolerance=2e-2, no_decode=True, family_timeout=None
    )
    import time

    got = runner.run_family(
        "mlstm", ["mlstm"], args, tmp_path, time.time() + 600, log=lambda s: None, spawn_fn=fake_spawn
    )
    assert len(launches) == 2
    assert "--start-variant=mlstm=1" in launches[1]
    assert got["mlstm"]["status"] == "measured"


def test_a_worker_that_hangs_is_reported_as_timeout(tmp_path):
    def hang(cmd, log, timeout):
        out = cmd[cmd.index("--out") + 1]
        first = cmd[cmd.index("--models") + 1].split(",")[0]
        entry = {
            **results.catalog_fields(first),
            "checks": [],
            "points": [],
            "decode": None,
            "errors": [],
            "in_progress": {"stage": "time", "variant": 0, "T": 131072, "mode": "fwdbwd"},
        }
        open(out, "w").write(json.dumps({"models": {first: entry}}))
        return None, True

    args = SimpleNamespace(
        lengths=[512], head_dims=[128], tokens=512, tolerance=2e-2, no_decode=True, family_timeout=60
    )
    import time

    got = runner.run_family(
        "fla-softmax", ["fox", "alibi"], args, tmp_path, time.time() + 40, log=lambda s: None, spawn_fn=hang
    )
    assert got["fox"]["status"] == "timeout"
    assert "T=131072" in got["fox"]["errors"][-1]
    assert got["alibi"]["status"] == "timeout"  # relaunched for the model after the hung one

    got = runner.run_family(
        "fla-softmax", ["fox"], args, tmp_path, time.time() + 20, log=lambda s: None, spawn_fn=hang
    )
    assert got["fox"]["status"] == "not_run"  # too little of the budget left to start a worker


def test_a_worker_killed_in_the_backward_keeps_the_forward_it_timed(tmp_path):
    backend = FakeBackend()
    snapshots = []
    plan = Plan(lengths=[8192], tokens=8192)
    run_model(backend, "wall", plan, lambda e: snapshots.append(json.loads(json.dumps(e))), lambda: 1e9)
    in_bwd = next(s for s in snapshots if s.get("in_progress", {}).get("mode") == "fwdbwd")
    assert in_bwd["in_progress"]["point"]["fwd_ms"] > 0  # what the worker's file holds when it is killed

    def killed_in_the_backward(cmd, log, timeout):
        open(cmd[cmd.index("--out") + 1], "w").write(json.dumps({"models": {"wall": in_bwd}}))
        return None, True

    # planned: two head dims and two lengths; it died in the first backward (MesaNet's H100 run did)
    args = SimpleNamespace(
        lengths=[8192, 32768],
        head_dims=[128, 64],
        tokens=8192,
        tolerance=2e-2,
        no_decode=True,
        family_timeout=None,
    )
    import time

    got = runner.run_family(
        "fla-path",
        ["wall"],
        args,
        tmp_path,
        time.time() + 600,
        log=lambda s: None,
        spawn_fn=killed_in_the_backward,
    )["wall"]
    assert got["status"] == "measured"
    (point,) = got["points"]
    assert point["T"] == 8192 and point["fwd_ms"] == in_bwd["in_progress"]["point"]["fwd_ms"]
    assert "fwdbwd_ms" not in point and point["fwdbwd_error"] == "worker timeout while timing the backward"
    assert results.died_at(got) == [(8192, "fwdbwd", "timeout")]
    # the shapes it never reached are named, so the page can say which lengths are missing
    assert got["truncated"] == [
        {"head_dim": 128, "T": 32768},
        {"head_dim": 64, "T": 8192},
        {"head_dim": 64, "T": 32768},
    ]


def test_the_catalogue_is_the_registry_gpu_binding():
    """One source: catalog.KERNELS is read from each model's gpu_kernel block, in registry order."""
    from zoo import registry

    models = registry.load().all_models
    assert list(catalog.KERNELS) == [m.id for m in models]
    for m in models:
        k = catalog.KERNELS[m.id]
        assert (k.adapter, k.op, k.note) == (m.gpu_kernel.adapter, m.gpu_kernel.op, m.gpu_kernel.note)
    assert catalog.KERNELS["gla"].family == "fla-linear" and catalog.KERNELS["mamba"].adapter is None


def test_the_harness_imports_no_gpu_package_at_module_level():
    for name in ("torch", "triton", "fla"):
        sys.modules.pop(name, None)
    import importlib

    for mod in (
        "zoo.bench.measure",
        "zoo.bench.results",
        "zoo.bench.runner",
        "zoo.bench.cli",
        "zoo.bench.catalog",
    ):
        importlib.reload(importlib.import_module(mod))
    assert "torch" not in sys.modules and "triton" not in sys.modules


@pytest.mark.parametrize("T,tokens,B", [(512, 131072, 256), (131072, 131072, 1), (262144, 131072, 1)])
def test_batch_keeps_tokens_per_call_fixed(T, tokens, B):
    assert measure.batch_for(T, tokens) == B


def test_a_follow_up_run_takes_only_what_a_result_file_has_not_measured():
    from zoo.bench.cli import still_missing

    def at(*dims):
        return [{"head_dim": D, "T": 512, "status": "ok"} for D in dims]

    doc = {
        "models": {
            "transformer": {"status": "measured", "points": at(64, 128)},
            "rope": {"status": "measured", "points": at(128) + [{"head_dim": 64, "T": 512, "status": "oom"}]},
            "gla": {"status": "timeout", "points": []},
            "mamba": {"status": "no_kernel"},
            "kda": {"status": "not_run"},
        }
    }
    ids = ["transformer", "rope", "gla", "mamba", "kda", "hyena"]
    assert still_missing(doc, ids, [128]) == ["gla", "kda", "hyena"]
    assert still_missing(doc, ids, [64]) == ["rope", "gla", "kda", "hyena"]  # no 64 point that ran
    assert still_missing(doc, ids, [128, 64]) == ["rope", "gla", "kda", "hyena"]


def test_families_that_finished_their_warm_up_are_timed_first():
    groups = {"mamba": ["mamba-3"], "fla-slots": ["raven", "gsa"], "mlstm": ["mlstm"], "path": ["path"]}
    warm = {"mlstm": {}, "path": {}, "gsa": {}}  # raven and mamba-3 were cut off mid-compile
    order = runner.timing_order(groups, warm)
    assert list(order) == ["mlstm", "path", "mamba", "fla-slots"]
    assert order["fla-slots"] == ["gsa", "raven"]  # the warmed model before the one still compiling


def _warm_args(**kw):
    base = dict(
        lengths=[2048, 8192],
        head_dims=[128],
        tokens=8192,
        tolerance=2e-2,
        no_decode=True,
        warm_budget=60,
        warm_jobs=8,
        warm_split=1,
    )
    return SimpleNamespace(**{**base, **kw})


def test_a_split_warm_up_gives_each_length_and_config_slice_its_own_job():
    jobs = runner.warm_jobs(["wall"], _warm_args(warm_split=3))
    assert list(jobs) == [f"wall@{T}.{k}" for T in (2048, 8192) for k in range(3)]  # shortest length first
    assert jobs["wall@8192.2"] == ("wall", [8192], "2/3")
    assert runner.warm_jobs(["wall", "gla"], _warm_args()) == {
        "wall": ("wall", [2048, 8192], None),
        "gla": ("gla", [2048, 8192], None),
    }


class _Proc:
    """A finished warm-up worker for warm_phase's popen: writes the entry it is given to --out."""

    def __init__(self, cmd, entry, rc=0):
        self.cmd, self.pid, self.rc = cmd, 0, rc
        if entry is not None:
            out = cmd[cmd.index("--out") + 1]
            open(out, "w").write(json.dumps({"models": {cmd[cmd.index("--models") + 1]: entry}}))

    def poll(self):
        return self.rc


def _warmed(**kw):
    return {"status": "warmed", "checks": [{"passed": True}], "variant_index": 0, **kw}


def test_a_split_model_counts_as_warmed_only_when_every_job_finished(tmp_path):
    launched = []

    def popen(cmd, **kw):
        launched.append(cmd)
        T, piece = cmd[cmd.index("--lengths") + 1], cmd[cmd.index("--config-slice") + 1]
        if (T, piece) == ("8192", "1/2"):  # this job was still compiling at the deadline: no entry
            return _Proc(cmd, {"in_progress": {"stage": "warm", "T": 8192}}, rc=-9)
        return _Proc(cmd, _warmed())

    args = _warm_args(warm_split=2)
    warm, final, _ = runner.warm_phase(
        runner.warm_jobs(["wall"], args), args, tmp_path, log=lambda s: None, popen=popen
    )
    assert len(launched) == 4 and all("--warmup-only" in c for c in launched)
    assert warm == {} and final == {}

    launched.clear()
    warm, final, start = runner.warm_phase(
        runner.warm_jobs(["wall"], args),
        args,
        tmp_path,
        log=lambda s: None,
        popen=lambda cmd, **kw: _Proc(cmd, _warmed(variant_index=1)),
    )
    assert list(warm) == ["wall"] and start == {"wall": 1}


def test_a_failed_check_in_any_warm_up_job_is_final(tmp_path):
    def popen(cmd, **kw):
        if cmd[cmd.index("--config-slice") + 1] == "1/2":
            return _Proc(cmd, {"status": "failed_check", "checks": [{"passed": False, "rel_err": 0.4}]})
        return _Proc(cmd, _warmed())

    args = _warm_args(warm_split=2, lengths=[2048])
    warm, final, _ = runner.warm_phase(
        runner.warm_jobs(["wall"], args), args, tmp_path, log=lambda s: None, popen=popen
    )
    assert warm == {} and final["wall"]["status"] == "failed_check"


def test_running_out_of_memory_beside_other_warm_up_jobs_is_not_final(tmp_path):
    """The warm-up shares the GPU between many workers; an out-of-memory there leaves the model to the timing
    pass (one worker at a time), which checks it again, while a real error stays final."""
    oom = {"status": "error", "checks": [{"error": "RuntimeError: Triton Error [CUDA]: out of memory"}]}
    args = _warm_args(lengths=[2048])

    def warm_up(model, entry):
        jobs = runner.warm_jobs([model], args)

        def popen(cmd, **kw):
            return _Proc(cmd, entry)

        return runner.warm_phase(jobs, args, tmp_path, log=lambda s: None, popen=popen)

    warm, final, _ = warm_up("wall", oom)
    assert warm == {} and final == {}
    broken = {"status": "error", "checks": [{"error": "CompilationError: at 77:4"}]}
    _, final, _ = warm_up("ttt", broken)
    assert final["ttt"]["status"] == "error"


def test_a_crash_in_the_check_makes_the_timing_start_from_the_next_variant(tmp_path):
    args = _warm_args(lengths=[2048])
    crash = {"in_progress": {"stage": "check", "variant": 0}}
    _, _, start = runner.warm_phase(
        runner.warm_jobs(["mlstm"], args),
        args,
        tmp_path,
        log=lambda s: None,
        popen=lambda cmd, **kw: _Proc(cmd, crash, rc=-11),
    )
    assert start == {"mlstm": 1}


@pytest.mark.parametrize(
    "n_configs,n,slices",
    [(24, 3, [list(range(0, 24, 3)), list(range(1, 24, 3)), list(range(2, 24, 3))]), (2, 3, [[0], [1], [0]])],
)
def test_config_slices_cover_every_config_and_are_never_empty(n_configs, n, slices):
    from zoo.bench.worker import config_slice

    configs = list(range(n_configs))
    got = [config_slice(configs, k, n) for k in range(n)]
    assert got == slices
    assert sorted({c for s in got for c in s}) == configs


def test_a_warm_up_slice_compiles_its_configs_and_ranks_none(monkeypatch):
    """split_autotune against a stand-in for triton's two touch points: Autotuner.prune_configs and
    triton.testing.do_bench (the autotuner fetches the latter at call time)."""
    import types

    from zoo.bench import worker

    class Autotuner:
        def prune_configs(self, kwargs):
            return list(range(24))

    testing = types.SimpleNamespace(do_bench=lambda fn, *a, **kw: pytest.fail("the slice ranked a config"))
    triton = types.ModuleType("triton")
    triton.testing = testing
    autotuner = types.ModuleType("triton.runtime.autotuner")
    autotuner.Autotuner = Autotuner
    for name, mod in {
        "triton": triton,
        "triton.testing": testing,
        "triton.runtime": types.ModuleType("triton.runtime"),
        "triton.runtime.autotuner": autotuner,
    }.items():
        monkeypatch.setitem(sys.modules, name, mod)

    worker.split_autotune(1, 4)
    assert Autotuner().prune_configs({}) == [1, 5, 9, 13, 17, 21]
    calls = []
    assert testing.do_bench(lambda: calls.append(1), quantiles=(0.5, 0.2, 0.8)) == [0.0, 0.0, 0.0]
    assert calls == [1]  # run once: that is the compile


@pytest.mark.parametrize("call_ms,ranked_by", [(250.0, "one call"), (2.0, "do_bench")])
def test_the_autotuner_ranks_a_slow_config_by_one_call(monkeypatch, call_ms, ranked_by):
    """fast_autotune against stand-ins for torch's CUDA events and triton.testing.do_bench."""
    import types

    from zoo.bench import worker

    class Event:
        def __init__(self, enable_timing):
            pass

        def record(self):
            pass

        def elapsed_time(self, end):
            return call_ms

    torch = types.SimpleNamespace(cuda=types.SimpleNamespace(Event=Event, synchronize=lambda: None))
    benched = []

    def do_bench(fn, warmup=25, rep=100, grad_to_none=None, quantiles=None, return_mode="mean"):
        benched.append((warmup, rep))
        return [1.0, 0.9, 1.1]

    testing = types.SimpleNamespace(do_bench=do_bench)
    triton = types.ModuleType("triton")
    triton.testing = testing
    for name, mod in {"torch": torch, "triton": triton, "triton.testing": testing}.items():
        monkeypatch.setitem(sys.modules, name, mod)

    worker.fast_autotune()
    calls = []
    got = testing.do_bench(lambda: calls.append(1), quantiles=(0.5, 0.2, 0.8))
    if ranked_by == "one call":
        assert got == [call_ms] * 3 and benched == [] and len(calls) == 2  # compile, then the timed call
    else:
        assert got == [1.0, 0.9, 1.1] and benched == [(5, 20)]  # the shortened do_bench


def test_fast_autotuning_is_an_explicit_flag_passed_to_every_worker(tmp_path):
    """The time-limit workaround is off unless the command says so, and then recorded in the run's command."""
    from zoo.bench import cli

    plain = cli.run_parser().parse_args(["--out", "x.json"])
    fast = cli.run_parser().parse_args(["--out", "x.json", "--fast-autotune"])
    assert not plain.fast_autotune and fast.fast_autotune
    assert "--fast-autotune" not in runner._worker_cmd(tmp_path / "p.json", ["gla"], plain, 0.0)
    assert "--fast-autotune" in runner._worker_cmd(tmp_path / "p.json", ["gla"], fast, 0.0)
    assert "--fast-autotune" in runner.command_line(["--out", "x.json", "--fast-autotune"])


def test_adapters_are_the_named_classes_validate_reads(monkeypatch):
    """ADAPTERS (built from the `name` each class sets, under torch) and the names `zoo validate` reads from
    the source without torch are the same set: a new kernel is one named class, nothing to register."""
    from unittest import mock

    from zoo.schema.checks import adapter_names

    heavy = ("torch", "torch.nn", "torch.nn.functional", "torch.nn.attention", "triton", "einops")
    for name in heavy:  # stand-ins: the adapter modules only build tensors inside methods
        monkeypatch.setitem(sys.modules, name, mock.MagicMock())
    try:
        from zoo.bench import adapters

        named = adapter_names()
        assert set(adapters.ADAPTERS) == set(named)
        assert named == {key: cls.reference_args is not None for key, cls in adapters.ADAPTERS.items()}
        assert all(cls.name == key for key, cls in adapters.ADAPTERS.items())
        assert {c.__name__ for c in adapters.ADAPTERS.values()} >= {"SDPA", "FlaGLA", "Mamba2SSD"}
    finally:  # no module built on the stand-ins may outlive the test
        for mod in [m for m in sys.modules if m.startswith("zoo.bench.adapters")]:
            del sys.modules[mod]
