"""Committed GPU results: schema-valid, complete, consistent; merging partial files; derived numbers."""

import copy
import json
import sys
from pathlib import Path

import pytest

from zoo.bench import catalog, results

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "benchmarks").glob("*.json"))


def _point(T, fwd, fwdbwd=None, run="run-20260101T000000Z", B=1):
    return {
        "head_dim": 128,
        "T": T,
        "B": B,
        "status": "ok",
        "fwd_ms": fwd,
        "fwdbwd_ms": fwdbwd or 3 * fwd,
        "run": run,
    }


def _doc(run_id="run-20260101T000000Z", date="2026-01-01T00:00:00+00:00", models=None, rate=800.0):
    return {
        "schema_version": 1,
        "runs": [
            {
                "id": run_id,
                "command": "python -m zoo.bench --out x.json",
                "provenance": {"date": date},
                "calibration": {"matmul_bf16_tflops": rate},
            }
        ],
        "config": {
            "dtype": "bfloat16",
            "heads": 16,
            "tokens_per_call": 131072,
            "lengths": [512, 2048, 8192],
            "head_dims": [128],
            "tolerance": 0.02,
        },
        "models": models or {},
    }


def _entry(mid, points, status="measured", run="run-20260101T000000Z"):
    return {
        **results.catalog_fields(mid),
        "status": status,
        "run": run,
        "points": points,
        "decode": None,
        "errors": [],
        "checks": [{"head_dim": 128, "rel_err": 1e-3, "passed": True, "tolerance": 0.02}],
    }


def test_there_is_a_committed_result_file():
    assert FILES, "benchmarks/ holds no result JSON"


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_committed_results_validate_against_the_schema(path):
    assert results.validate(json.loads(path.read_text())) == []


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_committed_results_cover_the_zoo_and_keep_their_promises(path):
    doc = json.loads(path.read_text())
    # a model added after this run is listed on the page as "not measured yet"; none is stale here
    assert set(doc["models"]) <= set(catalog.KERNELS)
    measured = [m for m, e in doc["models"].items() if e["status"] == "measured"]
    assert len(measured) >= 15
    assert results.BASELINE in measured
    run_ids = {r["id"] for r in doc["runs"]}
    for mid, e in doc["models"].items():
        if e["status"] == "measured":  # timed only after the check passed within the tolerance
            assert any(c["passed"] and c["rel_err"] <= c["tolerance"] for c in e["checks"]), mid
        if e["status"] == "no_kernel":
            assert e["adapter"] is None and e["note"], mid
        for p in e["points"]:
            assert p["run"] in run_ids and p["B"] * p["T"] >= min(doc["config"]["tokens_per_call"], p["T"]), (
                mid
            )
    for run in doc["runs"]:
        prov = run["provenance"]
        assert (
            prov["gpu"]
            and prov["driver"]
            and prov["packages"]["torch"]
            and run["command"].startswith("python -m zoo.bench")
        )


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_the_softmax_baseline_ran_on_cudnn(path):
    doc = json.loads(path.read_text())
    seen = doc["models"][results.BASELINE].get("kernels_seen") or []
    assert any("cudnn" in k.lower() for k in seen), seen


def test_the_schema_rejects_a_measured_model_without_a_passed_check():
    doc = _doc(models={"gla": _entry("gla", [_point(512, 1.0)])})
    assert results.validate(doc) == []
    bad = copy.deepcopy(doc)
    bad["models"]["gla"]["checks"][0]["passed"] = False
    assert results.validate(bad)
    bad = copy.deepcopy(doc)
    bad["models"]["gla"]["points"][0]["status"] = "fast"
    assert results.validate(bad)
    bad = copy.deepcopy(doc)
    del bad["models"]["gla"]["points"][0]["fwd_ms"]
    assert results.validate(bad)


def test_merge_combines_partial_files_and_the_later_run_wins():
    a = _doc(
        models={
            "transformer": _entry("transformer", [_point(512, 1.0), _point(2048, 4.0)]),
            "gla": _entry("gla", [], status="not_run"),
        }
    )
    r2 = "run-20260102T000000Z"
    b = _doc(
        run_id=r2,
        date="2026-01-02T00:00:00+00:00",
        models={
            "transformer": _entry(
                "transformer", [_point(2048, 5.0, run=r2), _point(8192, 20.0, run=r2)], run=r2
            ),
            "gla": _entry("gla", [_point(512, 2.0, run=r2)], run=r2),
        },
    )
    merged = results.merge([b, a])  # order of the arguments does not matter: dates decide
    assert [r["id"] for r in merged["runs"]] == ["run-20260101T000000Z", r2]
    assert results.series(merged["models"]["transformer"], "fwd") == {512: 1.0, 2048: 5.0, 8192: 20.0}
    assert merged["models"]["gla"]["status"] == "measured"
    for mid, k in catalog.KERNELS.items():  # every catalogue model is listed after a merge
        assert mid in merged["models"]
        if k.adapter is None:
            assert merged["models"][mid]["status"] == "no_kernel"
    assert results.validate(merged) == []


def _refused(T, fwd, error):
    return {**_point(T, fwd), "fwdbwd_ms": None, "fwdbwd_error": error}


def test_a_backward_failure_a_later_run_measured_past_goes_but_other_failures_stay():
    refused, oom = "RuntimeError: the library refuses this backward here", "OutOfMemory: 128 GiB"
    a = _doc(
        models={
            "gla": _entry("gla", [
                _refused(512, 1.0, refused), _refused(2048, 2.0, refused), _refused(131072, 90.0, oom)
            ])
        }
    )
    r2 = "run-20260102T000000Z"
    b = _doc(run_id=r2, date="2026-01-02T00:00:00+00:00", models={
        "gla": _entry("gla", [_point(512, 1.1, run=r2), _point(4096, 8.0, run=r2)], run=r2)
    })
    points = {p["T"]: p for p in results.merge([a, b])["models"]["gla"]["points"]}
    # 512 shows the refusal was the packages', not the length's: 2048's same refusal goes with it
    assert sorted(points) == [512, 4096, 131072]
    assert points[131072]["fwdbwd_error"] == oom  # an error no later run measured past stays
    # without a later backward at a length the earlier run refused, nothing is dropped
    c = _doc(run_id=r2, date="2026-01-02T00:00:00+00:00", models={
        "gla": _entry("gla", [_point(4096, 8.0, run=r2)], run=r2)
    })
    kept = results.merge([a, c])["models"]["gla"]["points"]
    assert sorted(p["T"] for p in kept) == [512, 2048, 4096, 131072]


def test_a_model_measured_later_drops_the_earlier_not_attempted_note():
    """A merged file lists a model no run attempted as not attempted; once a later run measures it, that
    note is stale and must not stay beside its numbers."""
    first = results.merge([_doc(models={"transformer": _entry("transformer", [_point(512, 1.0)])})])
    assert first["models"]["gla"]["errors"] == [results.NOT_ATTEMPTED]
    r2 = "run-20260102T000000Z"
    later = _doc(
        run_id=r2,
        date="2026-01-02T00:00:00+00:00",
        models={"gla": _entry("gla", [_point(512, 2.0, run=r2)], run=r2)},
    )
    merged = results.merge([first, later])["models"]["gla"]
    assert merged["status"] == "measured" and results.NOT_ATTEMPTED not in merged["errors"]


def test_a_later_failure_does_not_erase_earlier_measurements():
    a = _doc(models={"kda": _entry("kda", [_point(512, 2.0)])})
    b = _doc(
        run_id="run-20260102T000000Z",
        date="2026-01-02T00:00:00+00:00",
        models={"kda": {**_entry("kda", [], status="crashed"), "errors": ["worker crashed"]}},
    )
    merged = results.merge([a, b])
    assert merged["models"]["kda"]["status"] == "measured"
    assert results.series(merged["models"]["kda"], "fwd") == {512: 2.0}
    assert "worker crashed" in merged["models"]["kda"]["errors"]


def test_a_later_forward_alone_does_not_replace_an_earlier_full_point():
    a = _doc(models={"wall": _entry("wall", [_point(8192, 24.0, 147.0)])})
    r2 = "run-20260102T000000Z"
    fwd_only = {k: v for k, v in _point(8192, 25.0, run=r2).items() if k != "fwdbwd_ms"}
    fwd_only["fwdbwd_error"] = "worker timeout while timing the backward"
    b = _doc(run_id=r2, date="2026-01-02T00:00:00+00:00", models={"wall": _entry("wall", [fwd_only], run=r2)})
    merged = results.merge([a, b])["models"]["wall"]
    assert results.series(merged, "fwd") == {8192: 24.0} and results.series(merged, "fwdbwd") == {8192: 147.0}
    # the other way round the fuller point is the later one, and it wins as any later run does
    merged = results.merge(
        [
            results.merge([b]),
            _doc(
                run_id="run-20260103T000000Z",
                date="2026-01-03T00:00:00+00:00",
                models={"wall": _entry("wall", [_point(8192, 23.0, 140.0)])},
            ),
        ]
    )["models"]["wall"]
    assert results.series(merged, "fwdbwd") == {8192: 140.0}


def test_crossover_finds_where_a_linear_model_stays_faster():
    doc = _doc(
        models={
            "transformer": _entry("transformer", [_point(512, 1.0), _point(2048, 4.0), _point(8192, 16.0)]),
            "gla": _entry("gla", [_point(512, 4.0), _point(2048, 4.0), _point(8192, 4.0)]),  # flat
            "kda": _entry("kda", [_point(512, 0.5), _point(2048, 1.0), _point(8192, 2.0)]),
            "based": _entry("based", [_point(512, 9.0), _point(2048, 9.0), _point(8192, 99.0)]),
            "nope": _entry("nope", [_point(512, 1.0), _point(2048, 3.9), _point(8192, 15.9)]),  # within noise
        }
    )
    gla = results.crossover(doc, "gla", "fwd")
    assert gla["kind"] == "at" and gla["T"] == 8192
    assert 2048 <= gla["estimate"] <= 2049  # curves meet exactly at 2048
    assert results.crossover(doc, "kda", "fwd")["kind"] == "always"
    assert results.crossover(doc, "based", "fwd")["kind"] == "never"
    assert results.crossover(doc, "nope", "fwd")["kind"] == "never"  # 1-3% faster is not faster
    assert results.crossover(doc, "mamba-2", "fwd") is None


def test_softmax_tflops_uses_the_matmul_rate_of_its_own_run():
    T, B, H, D = 8192, 16, 16, 128
    ms = 10.0
    doc = _doc(models={"transformer": _entry("transformer", [_point(T, ms, B=B)])}, rate=500.0)
    row = results.softmax_tflops(doc)[0]
    expected = 2 * B * H * T * T * D / (ms * 1e-3) / 1e12  # causal: half of 4 B H T^2 D
    assert row["fwd_tflops"] == pytest.approx(expected)
    assert row["fwdbwd_tflops"] == pytest.approx(3.5 * expected / 3)  # fwdbwd took 3x the forward's time
    assert row["fwd_fraction"] == pytest.approx(expected / 500.0)


def test_a_later_run_that_measures_a_point_clears_the_old_error_and_cut_note_about_it():
    r2 = "run-20260102T000000Z"
    a = _doc(
        models={
            "gsa": {
                **_entry("gsa", [_point(512, 2.0)]),
                "errors": ["worker timeout during time (T=512, mode=fwdbwd)", "profiler: no events"],
                "truncated": [{"head_dim": 128, "T": 2048}, {"head_dim": 128, "T": 8192}],
            }
        }
    )
    b = _doc(
        run_id=r2,
        date="2026-01-02T00:00:00+00:00",
        models={"gsa": _entry("gsa", [_point(2048, 4.0, run=r2)])},
    )
    gsa = results.merge([a, b])["models"]["gsa"]
    assert gsa["errors"] == ["profiler: no events"]  # T=512 fwd+bwd is measured now; other notes stay
    assert gsa["truncated"] == [{"head_dim": 128, "T": 8192}]  # 2048 was measured by the second run
    c = _doc(models={"gsa": {**_entry("gsa", [_point(512, 2.0, fwdbwd=None)])}})
    c["models"]["gsa"]["points"][0].pop("fwdbwd_ms")
    c["models"]["gsa"]["errors"] = ["worker timeout during time (T=512, mode=fwdbwd)"]
    still = results.merge([c, _doc(run_id=r2, date="2026-01-02T00:00:00+00:00", models={})])["models"]["gsa"]
    assert still["errors"] == ["worker timeout during time (T=512, mode=fwdbwd)"]  # still unanswered


def test_the_note_of_a_worker_that_died_mid_step_is_cleared_by_measuring_that_step():
    note = results.step_error("timeout", {"stage": "time", "T": 512, "mode": "fwdbwd"})
    assert results._answered(note, [_point(512, 1.0)])
    assert not results._answered(note, [_point(2048, 1.0)])


def test_provenance_names_each_package_version_and_the_ptxas_that_triton_uses(monkeypatch):
    import types
    from importlib import metadata

    from zoo import resultdoc

    versions = resultdoc.package_versions(["pytest", "no-such-distribution-zoo"])
    assert versions["pytest"] == metadata.version("pytest")
    assert versions["no-such-distribution-zoo"] is None
    assert versions["ptxas"] is None  # no Triton here
    # Triton reads TRITON_PTXAS_PATH and falls back to its own ptxas: what it resolved is what is recorded.
    tool = types.SimpleNamespace(path="/somewhere/ptxas", version="13.0")
    fake = types.ModuleType("triton")
    fake.knobs = types.SimpleNamespace(nvidia=types.SimpleNamespace(ptxas=tool))
    monkeypatch.setitem(sys.modules, "triton", fake)
    assert resultdoc.package_versions([])["ptxas"] == "13.0"


def test_a_model_measured_with_another_kernel_keeps_only_that_kernels_points():
    """models.yaml may move a model to another adapter; the merged file must not mix the two kernels'
    timings in one curve, while a later run that measured nothing keeps the old kernel's points."""
    a = _doc(models={"moba": _entry("moba", [_point(512, 1.0), _point(4096, 9.0)])})
    r2 = "run-20260102T000000Z"
    later = _entry("moba", [_point(512, 0.5, run=r2)], run=r2)
    b = _doc(run_id=r2, date="2026-01-02T00:00:00+00:00", models={"moba": {**later, "adapter": "other"}})
    merged = results.merge([a, b])["models"]["moba"]
    assert merged["adapter"] == "other" and results.series(merged, "fwd") == {512: 0.5}
    failed = {**_entry("moba", [], status="crashed", run=r2), "adapter": "other"}
    c = _doc(run_id=r2, date="2026-01-02T00:00:00+00:00", models={"moba": failed})
    kept = results.merge([a, c])["models"]["moba"]
    assert kept["adapter"] == a["models"]["moba"]["adapter"]
    assert results.series(kept, "fwd") == {512: 1.0, 4096: 9.0}
