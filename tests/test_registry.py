"""The registry loads, and every kind of bad input is rejected with `models.yaml:LINE: model 'ID': ...`."""

import copy
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from zoo import registry
from zoo.cli import main as zoo_main
from zoo.yamlsrc import DUMPER, LOADER

ROOT = Path(__file__).resolve().parents[1]
ERROR_LINE = re.compile(r"^models\.yaml:(\d+): (model '[^']+': )?.+; expected .+", re.M)


@pytest.fixture(scope="module")
def real():
    return registry.load()


@pytest.fixture(scope="module")
def source():
    return (ROOT / "models.yaml").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def parsed(source):
    return yaml.load(source, Loader=LOADER)


@pytest.fixture
def data(parsed):
    """A fresh copy of the registry for each test to break."""
    return copy.deepcopy(parsed)


def write(tmp_path, data) -> Path:
    (tmp_path / "kernels_wasm").mkdir(exist_ok=True)
    for module in {m["kernel"]["module"] for m in data["models"]}:
        (tmp_path / "kernels_wasm" / f"{module}.py").touch()
    path = tmp_path / "models.yaml"
    text = yaml.dump(data, Dumper=DUMPER, sort_keys=False, allow_unicode=True, width=1000)
    path.write_text(text, encoding="utf-8")
    return path


def rejected(tmp_path, data) -> tuple[registry.RegistryError, list[str]]:
    path = write(tmp_path, data)
    with pytest.raises(registry.RegistryError) as info:
        registry.load(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    return info.value, lines


def assert_points_at(err, lines, model_id, needle, message_part):
    """The error names the model, says what is expected, and its line holds ``needle``."""
    text = str(err)
    match = next((p for p in err.problems if message_part in p.message), None)
    assert match, f"no problem mentioning {message_part!r} in:\n{text}"
    assert match.model == model_id
    assert ERROR_LINE.search(match.format("models.yaml")), match.format("models.yaml")
    assert needle in lines[match.line - 1], (
        f"line {match.line} is {lines[match.line - 1]!r}, expected {needle!r}"
    )


def test_registry_loads_with_every_model_typed(real):
    assert len(real.models) >= 8
    ids = [m.id for m in real.models]
    assert len(ids) == len(set(ids))
    for m in real.models:
        assert (ROOT / "kernels_wasm" / f"{m.kernel.module}.py").is_file()
        assert set(m.decay) <= set(real.taxonomy.decay)


def test_taxonomy_has_the_documented_facets(real):
    assert set(real.taxonomy.readouts) == {"softmax", "linear"}
    assert {"none", "scalar", "diagonal", "delta", "rope", "window"} <= set(real.taxonomy.decay)
    assert set(real.taxonomy.gates) == {"none", "fixed", "input-dependent"}


def test_lineage_roots_are_the_transformer_and_hippo(real):
    # HiPPO starts the state-space line (S4 is its child), which does not descend from the Transformer.
    roots = [m.id for m in real.models if not m.lineage]
    assert roots == ["transformer", "hippo"]
    assert "hippo" in {e.parent for e in next(m for m in real.models if m.id == "s4").lineage}


def test_a_second_root_is_named_by_validate(tmp_path, data):
    data["models"][3]["lineage"] = []
    with pytest.raises(registry.RegistryError) as info:
        registry.validate(write(tmp_path, data))
    assert any("has no lineage edge" in p.message for p in info.value.problems)


def test_every_check_has_a_unique_name_and_a_tier():
    from zoo.schema import checks

    names = [n for n, _, _ in checks.CHECKS]
    assert len(names) == len(set(names))
    assert {t for _, t, _ in checks.CHECKS} == {"load", "validate"}


def test_gpu_adapter_must_exist(tmp_path, data):
    data["models"][1]["gpu_kernel"] = {"adapter": "no_such_adapter", "op": "x.y"}
    err, lines = rejected(tmp_path, data)
    where = "not the name of any adapter class in zoo/bench/adapters/"
    assert_points_at(err, lines, data["models"][1]["id"], "no_such_adapter", where)


def test_a_gpu_adapter_needs_its_reference_mapping(tmp_path, data, monkeypatch):
    from zoo.schema import checks

    folder = tmp_path / "adapters"
    folder.mkdir()
    (folder / "family.py").write_text(
        'class Adapter:\n    name = ""\n    reference_args = None\n\n'
        'class A(Adapter):\n    name = "a"\n\n    def reference_args(self, x, b, h):\n        return {}\n\n'
        'class B(A):\n    name = "b"\n\nclass C(Adapter):\n    name = "c"\n'
    )
    names = checks.adapter_names(folder)
    assert names == {"a": True, "b": True, "c": False}  # B inherits A's mapping; C has none
    monkeypatch.setattr(checks, "adapter_names", lambda: names)
    data["models"][1]["gpu_kernel"] = {"adapter": "c", "op": "x.y"}
    err, lines = rejected(tmp_path, data)
    assert_points_at(err, lines, data["models"][1]["id"], "c", "has no float64 reference mapping")


def test_a_model_without_a_gpu_kernel_says_why(tmp_path, data):
    data["models"][1]["gpu_kernel"] = {"adapter": None}
    err, _ = rejected(tmp_path, data)
    assert any("needs a note" in p.message for p in err.problems), str(err)


def test_unknown_key(tmp_path, data):
    data["models"][1]["colour_scheme"] = "blue"
    err, lines = rejected(tmp_path, data)
    assert_points_at(err, lines, data["models"][1]["id"], "colour_scheme", "unknown key 'colour_scheme'")


def test_wrong_type(tmp_path, data):
    data["models"][2]["year"] = "twenty-twenty"
    err, lines = rejected(tmp_path, data)
    assert_points_at(err, lines, data["models"][2]["id"], "year:", "field 'year'")


def test_unknown_decay_type(tmp_path, data):
    data["models"][3]["decay"] = ["exponential"]
    err, lines = rejected(tmp_path, data)
    assert_points_at(err, lines, data["models"][3]["id"], "decay", "unknown decay type 'exponential'")


def test_dangling_lineage(tmp_path, data):
    data["models"][1]["lineage"] = [{"parent": "no-such-model", "kind": "direct", "note": "nothing"}]
    err, lines = rejected(tmp_path, data)
    assert_points_at(err, lines, data["models"][1]["id"], "no-such-model", "is not in the registry")


def test_parent_newer_than_child(tmp_path, data):
    newest = max(data["models"], key=lambda m: m["year"])
    oldest = data["models"][0]
    assert oldest["id"] == "transformer"
    oldest["lineage"] = [{"parent": newest["id"], "kind": "influence", "note": "time travel"}]
    err, lines = rejected(tmp_path, data)
    assert_points_at(err, lines, "transformer", newest["id"], "is newer than this model")


def test_cyclic_lineage(tmp_path, data):
    by_id = {m["id"]: m for m in data["models"]}
    # Two models of the same year that point at each other: years allow it, the cycle check must not.
    same_year = {}
    for m in data["models"]:
        same_year.setdefault(m["year"], []).append(m)
    a, b = next(group for group in same_year.values() if len(group) >= 2)[:2]
    by_id[a["id"]]["lineage"] = [{"parent": b["id"], "kind": "direct", "note": "one way"}]
    by_id[b["id"]]["lineage"] = [{"parent": a["id"], "kind": "direct", "note": "and back"}]
    err, _ = rejected(tmp_path, data)
    assert any("lineage cycle" in p.message and "expected" in p.message for p in err.problems), str(err)


def test_duplicate_id(tmp_path, data):
    data["models"].append(dict(data["models"][1]))
    err, lines = rejected(tmp_path, data)
    assert_points_at(err, lines, data["models"][1]["id"], "id:", "duplicate id")


def test_malformed_arxiv_id(tmp_path, data):
    data["models"][1]["paper"]["arxiv"] = "arXiv:12345"
    err, lines = rejected(tmp_path, data)
    assert_points_at(err, lines, data["models"][1]["id"], "arXiv:12345", "field 'paper.arxiv'")


def test_missing_kernel_binding(tmp_path, data):
    data["models"][1]["kernel"]["module"] = "not_written_yet"
    path = write(tmp_path, data)
    (tmp_path / "kernels_wasm" / "not_written_yet.py").unlink()
    with pytest.raises(registry.RegistryError) as info:
        registry.load(path)
    err, lines = info.value, path.read_text(encoding="utf-8").splitlines()
    assert_points_at(err, lines, data["models"][1]["id"], "not_written_yet", "missing kernel binding")


def test_missing_field(tmp_path, data):
    del data["models"][1]["summary"]
    err, _ = rejected(tmp_path, data)
    assert any("missing field 'summary'" in p.message for p in err.problems), str(err)


def test_yaml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "models.yaml"
    path.write_text("taxonomy:\n  readouts: {softmax: [\nmodels: []\n", encoding="utf-8")
    with pytest.raises(registry.RegistryError) as info:
        registry.load(path)
    assert re.match(r"models\.yaml:\d+: .+; fix the YAML syntax", str(info.value))


def test_all_problems_are_reported_at_once(tmp_path, data):
    data["models"][1]["decay"] = ["exponential"]
    data["models"][2]["gates"] = "sometimes"
    err, _ = rejected(tmp_path, data)
    assert len(err.problems) >= 2


def test_cli_exits_1_without_traceback(tmp_path, data):
    data["models"][1]["decay"] = ["exponential"]
    path = write(tmp_path, data)
    proc = subprocess.run(
        [sys.executable, "-m", "zoo", "validate", str(path)], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert ERROR_LINE.search(proc.stderr), proc.stderr


def test_validate_passes_on_the_registry(capsys):
    assert zoo_main(["validate"]) == 0
    assert "all checks pass" in capsys.readouterr().out


def test_schema_file_is_up_to_date():
    committed = json.loads((ROOT / "schema" / "models.schema.json").read_text(encoding="utf-8"))
    assert committed == json.loads(json.dumps(registry.json_schema())), "schema is stale: run `zoo schema`"


def test_models_yaml_points_editors_at_the_schema():
    first = (ROOT / "models.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=schema/models.schema.json"


def test_a_hyphen_at_the_end_of_a_text_line_is_reported_at_that_line(tmp_path):
    from zoo.schema import checks

    text = registry.REGISTRY_PATH.read_text(encoding="utf-8")
    assert "\n      hardware-efficient" in text, "the example moved; pick another hyphenated word"
    path = tmp_path / "models.yaml"
    path.write_text(
        text.replace("\n      hardware-efficient", "\n      hardware-\n      efficient", 1), encoding="utf-8"
    )
    ctx = checks.context(path, kernels_dir=registry.REGISTRY_PATH.parent / "kernels_wasm")
    gsa = next(m for m in ctx.src.data["models"] if m["id"] == "gsa")
    assert gsa["description"].count("hardware- efficient") == 1  # what a reader saw
    problems = list(checks.named("no-hyphen-at-line-end")(ctx))
    assert [path.read_text(encoding="utf-8").splitlines()[p.line - 1].strip()[-9:] for p in problems] == [
        "hardware-"
    ]
    assert list(checks.named("no-hyphen-at-line-end")(checks.context(registry.REGISTRY_PATH))) == []
