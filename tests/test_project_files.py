"""Project plumbing that cannot run here is still checked: workflows against their schema, the README's
two commands, CI calling the test command, and models.yaml against the generated JSON Schema."""

import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[1]


def test_github_workflows_are_valid():
    workflows = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
    assert {w.name for w in workflows} >= {"ci.yml", "pages.yml"}
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, workflows),
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "make serve" in readme and "make test" in readme
    assert "make test" in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    ci = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    steps = [s.get("run", "") for s in ci["jobs"]["test"]["steps"]]
    assert any("make test" in s for s in steps) and any("zoo validate" in s for s in steps)


def test_pull_request_template_has_a_checklist():
    text = (ROOT / ".github" / "pull_request_template.md").read_text(encoding="utf-8")
    assert text.count("- [ ]") >= 5 and "zoo validate" in text


def test_models_yaml_validates_against_the_committed_json_schema():
    schema = json.loads((ROOT / "schema" / "models.schema.json").read_text(encoding="utf-8"))
    data = yaml.safe_load((ROOT / "models.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema)
    broken = dict(data, models=[dict(data["models"][0], year="soon")])
    try:
        jsonschema.validate(broken, schema)
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("the schema accepted a string year")


def test_licences_are_stated():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "MIT" in readme and "CC BY 4.0" in readme
    assert "MIT License" in (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "CC BY 4.0" in (ROOT / "LICENSE-CONTENT").read_text(encoding="utf-8")


def test_shell_scripts_parse_and_are_executable():
    scripts = sorted((ROOT / "scripts").glob("*.sh")) + [ROOT / ".ci" / "run"]
    assert len(scripts) >= 3
    for path in scripts:
        # A library that other scripts source says so on its first line, and has no shebang to run by.
        sourced = path.read_text(encoding="utf-8").startswith("# Sourced by")
        assert sourced or os.access(path, os.X_OK), f"{path.name} is not executable"
        done = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True)
        assert done.returncode == 0, f"{path.name}: {done.stderr}"
