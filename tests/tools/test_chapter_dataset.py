"""A chapter honours its ``dataset`` field: executed as tools/book.py executes it, with
``overrides={"dataset": "digits"}`` (1797 images of 8x8), it runs to the end on that dataset and
names it in its prose.

Chapter 4 is the quickest linear chapter on digits (about 15 s at scale=ci) and writes no explorer
payload into _build/, so the test leaves the repository as it was.
"""

import ast
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHAPTER = "04_trajectories"


def glued(nb: dict) -> dict:
    """Every scrapbook glue output of an executed notebook: name -> the value's text/plain."""
    out = {}
    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name:
                data = {k.split("/", 2)[-1] if k.startswith("application/papermill.record/")
                        else k: v for k, v in output.get("data", {}).items()}
                out[name] = "".join(data.get("text/plain", ""))
    return out


@pytest.mark.slow
def test_a_chapter_runs_on_digits_and_names_it(tmp_path):
    jupytext = pytest.importorskip("jupytext")
    papermill = pytest.importorskip("papermill")
    nb = jupytext.read(ROOT / "book" / f"{CHAPTER}.md")
    path = tmp_path / f"{CHAPTER}.ipynb"
    papermill.execute_notebook(nb, str(path), cwd=str(ROOT / "book"), kernel_name="python3",
                               parameters={"scale": "ci", "overrides": {"dataset": "digits"}},
                               progress_bar=False)
    executed = json.loads(path.read_text())
    errors = [o for c in executed["cells"] for o in c.get("outputs", [])
              if o.get("output_type") == "error"]
    assert not errors, errors
    values = glued(executed)
    assert ast.literal_eval(values["data_name"]) == "digits"
    assert int(values["fm_n"]) <= 1797                  # a split no larger than the dataset
