"""Execute the book's chapters with papermill, stage them, build the HTML and check it.

Usage (the Makefile calls these; run from the repository root with the venv's python):

    python tools/book.py execute --scale book [--only 01_same_seed] [--params '{"overrides": {}}']
    python tools/book.py build   --scale book
    python tools/book.py check   --scale book

Layout under _build/ (all derived, safe to delete):

    _build/executed/<scale>/<chapter>.ipynb   executed notebook
    _build/executed/<scale>/<chapter>.json    its record: cache key, parameters, seconds, versions
    _build/stage/<scale>/                     book sources with executed .ipynb in place of .md
    _build/site/<scale>/_build/html/          the built book
    _build/screenshots/<scale>/               every page at 1400 px and 400 px (browser check)

Staging prepares each executed notebook for readers: the parameters cell shows the values the
run used (papermill's separate injected cell is dropped), stderr output (progress bars) is removed,
and a box under the title offers the notebook and its source for download with the command that
reruns the chapter.

A chapter is re-executed when its cache key changes; the key hashes the chapter source, every
file of the rmtdiff package, the parameters and the package versions, so an executed notebook is
never stale. A failed chapter leaves <chapter>.failed.ipynb with the error for inspection.
"""

from __future__ import annotations

import argparse
import hashlib
import html.parser
import json
import os
import platform
import re
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import browser  # tools/browser.py: the book in headless Chromium

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "_build"
LIB = ROOT / "lib" / "rmtdiff"
MATHJAX_DEFAULT = ROOT / ".venv" / "mathjax" / "node_modules" / "mathjax" / "es5" / "tex-svg.js"
STAGE_FILES = ("_config.yml", "_toc.yml", "references.bib")
ASSETS = ROOT / "book" / "_assets"          # the book's own CSS and JS, staged to _assets/
VERSIONED = ("numpy", "scipy", "matplotlib", "torch", "papermill", "jupyter-book")


def fail(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(1)


def toc_files() -> list[str]:
    """Every page of _toc.yml (root first), as paths without extension."""
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for e in entries or []:
            if "file" in e:
                files.append(e["file"])
            walk(e.get("sections"))
            for part in e.get("parts", []):
                walk(part.get("chapters"))

    walk(toc.get("chapters"))
    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    return files


def is_notebook(md: Path) -> bool:
    """A page is a notebook when its front matter has a kernelspec."""
    text = md.read_text()
    return text.startswith("---") and "kernelspec:" in text.split("---", 2)[1]


def chapters() -> list[str]:
    return [f for f in toc_files() if is_notebook(ROOT / f"{f}.md")]


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for pkg in VERSIONED:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "absent"
    return out


def cache_key(chapter: str, params: dict) -> str:
    h = hashlib.sha256()
    h.update((ROOT / f"{chapter}.md").read_bytes())
    for path in sorted(LIB.rglob("*.py")):
        h.update(str(path.relative_to(LIB)).encode())
        h.update(path.read_bytes())
    h.update(json.dumps(params, sort_keys=True).encode())
    h.update(json.dumps(versions(), sort_keys=True).encode())
    return h.hexdigest()


def execute(scale: str, only: list[str] | None, extra: dict, force: bool) -> None:
    import jupytext
    import papermill

    todo = chapters()
    if only:
        names = {Path(c).name: c for c in todo}
        unknown = [o for o in only if o not in names]
        if unknown:
            fail(f"unknown chapter(s) {unknown}; chapters are {sorted(names)}")
        todo = [names[o] for o in only]
    out_dir = BUILD / "executed" / scale
    out_dir.mkdir(parents=True, exist_ok=True)
    for chapter in todo:
        name = Path(chapter).name
        params = {"scale": scale, **extra}
        key = cache_key(chapter, params)
        record_path, nb_path = out_dir / f"{name}.json", out_dir / f"{name}.ipynb"
        if not force and nb_path.exists() and record_path.exists() \
                and json.loads(record_path.read_text()).get("key") == key:
            print(f"[{scale}] {name}: up to date")
            continue
        print(f"[{scale}] {name}: executing with {params} ...", flush=True)
        nb = jupytext.read(ROOT / f"{chapter}.md")
        tmp = out_dir / f"{name}.tmp.ipynb"
        start = time.perf_counter()
        try:
            papermill.execute_notebook(nb, str(tmp), parameters=params, cwd=str(ROOT / "book"),
                                       kernel_name="python3", progress_bar=False)
        except Exception as exc:  # papermill raises PapermillExecutionError with the cell's error
            failed = out_dir / f"{name}.failed.ipynb"
            if tmp.exists():
                tmp.replace(failed)
            fail(f"chapter {name} failed at scale={scale}: {exc}\n"
                 f"The executed notebook with the error is {failed.relative_to(ROOT)}")
        seconds = time.perf_counter() - start
        (out_dir / f"{name}.failed.ipynb").unlink(missing_ok=True)
        tmp.replace(nb_path)
        record = {"key": key, "chapter": chapter, "parameters": params, "seconds": round(seconds, 1),
                  "finished": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "commit": commit(),
                  "versions": versions()}
        tmp_rec = record_path.with_suffix(".json.tmp")
        tmp_rec.write_text(json.dumps(record, indent=1))
        tmp_rec.replace(record_path)
        print(f"[{scale}] {name}: done in {seconds:.1f} s", flush=True)


def copy_if_changed(src: Path | bytes, dst: Path) -> None:
    """Write ``src`` (a file or bytes) to ``dst`` only if the bytes differ (keeps mtimes for
    Sphinx's incremental build)."""
    data = src if isinstance(src, bytes) else src.read_bytes()
    if dst.exists() and dst.read_bytes() == data:
        return
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(dst)


def commit() -> str:
    """The git commit of the working tree, with "+changes" when it has uncommitted changes."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True,
                              text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "lib", "book", "tools"],
                               cwd=ROOT, capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return head[:12] + ("+changes" if dirty else "")


def data_checksums() -> list[tuple[str, str]]:
    """(file, first 16 hex digits of its SHA-256) for every data file the chapters read."""
    from rmtdiff.data import data_checksums as checksums

    return checksums("fashion-mnist")


def status_page(scale: str) -> bytes:
    rows = []
    for chapter in chapters():
        rec_path = BUILD / "executed" / scale / f"{Path(chapter).name}.json"
        rec = json.loads(rec_path.read_text())
        rows.append(f"| {{doc}}`{Path(chapter).name}` | `{json.dumps(rec['parameters'])}` | "
                    f"{rec['seconds']} | {rec['finished']} | `{rec.get('commit', 'unknown')}` |")
    vers = {"rmtdiff": metadata.version("rmtdiff"), **versions()}
    sums = data_checksums()
    lines = [
        "# Execution status", "",
        f"Every chapter of this build was executed by papermill at `scale={scale}` "
        f"on {platform.system()} {platform.machine()} with {os.cpu_count()} CPU cores; the HTML "
        f"was built from commit `{commit()}`. A chapter's commit is the one it was executed at: "
        "an executed chapter is reused while its source, the `rmtdiff` package, its parameters "
        "and the package versions are unchanged.", "",
        "| chapter | parameters | run time (s) | finished | commit |", "|---|---|---|---|---|",
        *rows, "",
        "Package versions:", "",
        "| package | version |", "|---|---|", *[f"| {k} | {v} |" for k, v in vers.items()], "",
        "Data (SHA-256, first 16 hex digits):", "",
        "| file | checksum |", "|---|---|", *[f"| `{f}` | `{h}` |" for f, h in sums], "",
    ]
    return "\n".join(lines).encode()


def _literal(value) -> str:
    return json.dumps(value) if isinstance(value, str) else repr(value)


def reader_notebook(executed: Path, chapter: str, record: dict) -> bytes:
    """The executed notebook as readers get it (see the module docstring)."""
    nb = json.loads(executed.read_text())
    params = record["parameters"]
    cells = []
    for cell in nb["cells"]:
        tags = cell.get("metadata", {}).get("tags", [])
        if "injected-parameters" in tags:
            continue
        if "parameters" in tags:
            lines = []
            for line in "".join(cell["source"]).splitlines():
                m = re.match(r"^(\w+) = (.*?)(\s+#.*)?$", line)
                if m and m.group(1) in params:
                    line = f"{m.group(1)} = {_literal(params[m.group(1)])}{m.group(3) or ''}"
                lines.append(line)
            cell["source"] = "\n".join(lines)
        if cell["cell_type"] == "code":
            cell["outputs"] = [o for o in cell["outputs"] if o.get("name") != "stderr"]
        cells.append(cell)
    name = Path(chapter).name
    extra = {k: v for k, v in params.items() if k != "scale"}
    command = f"make chapter NAME={name} SCALE={params['scale']}"
    if extra:
        command += f" PARAMS='{json.dumps(extra)}'"
    box = "\n".join([
        ":::{admonition} Rerun this chapter",
        ":class: tip rerun",
        f"This page was executed at `scale={params['scale']}` in {record['seconds']:.0f} s "
        "(see {doc}`status`). Download the "
        f"{{download}}`executed notebook <{name}.ipynb>` or its "
        f"{{download}}`source <_sources_md/{name}.md>` (a jupytext MyST notebook), or rerun it "
        "from a clone of the repository with the same parameters:",
        "", "```bash", command, "```", ":::"])
    first_md = next(i for i, c in enumerate(cells) if c["cell_type"] == "markdown")
    cells.insert(first_md + 1, {"cell_type": "markdown", "id": "rerun-box", "metadata": {},
                                "source": box})
    nb["cells"] = cells
    return json.dumps(nb, indent=1).encode()


def stage(scale: str) -> Path:
    dest = BUILD / "stage" / scale
    for name in STAGE_FILES:
        copy_if_changed(ROOT / name, dest / name)
    nbs = set(chapters())
    for page in toc_files():
        if page in nbs:
            executed = BUILD / "executed" / scale / f"{Path(page).name}.ipynb"
            record = executed.with_suffix(".json")
            if not executed.exists() or not record.exists():
                fail(f"{page} has not been executed at scale={scale}; run "
                     f"`python tools/book.py execute --scale {scale}` first")
            rec = json.loads(record.read_text())
            if rec["key"] != cache_key(page, rec["parameters"]):
                fail(f"{executed.relative_to(ROOT)} is stale (its chapter, rmtdiff or the packages "
                     f"changed since it ran); run `python tools/book.py execute --scale {scale}`")
            copy_if_changed(reader_notebook(executed, page, rec), dest / f"{page}.ipynb")
            copy_if_changed(ROOT / f"{page}.md",
                            dest / Path(page).parent / "_sources_md" / f"{Path(page).name}.md")
        elif Path(page).name == "status":
            copy_if_changed(status_page(scale), dest / f"{page}.md")
        else:
            copy_if_changed(ROOT / f"{page}.md", dest / f"{page}.md")
    mathjax = Path(os.environ.get("RMTDIFF_MATHJAX", MATHJAX_DEFAULT))
    if not mathjax.is_file():
        fail(f"local MathJax not found at {mathjax}; run `make setup` (npm install of mathjax@3) "
             "or set RMTDIFF_MATHJAX to a copy of es5/tex-svg.js")
    copy_if_changed(mathjax, dest / "_mathjax" / "mathjax" / "tex-svg.js")
    for asset in sorted(ASSETS.iterdir()):
        copy_if_changed(asset, dest / "_assets" / asset.name)
    copy_if_changed(ROOT / "LICENSE", dest / "_extra" / "LICENSE.txt")
    return dest


def site(scale: str) -> Path:
    return BUILD / "site" / scale / "_build" / "html"


def build(scale: str) -> None:
    src = stage(scale)
    cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(src),
           "--path-output", str(BUILD / "site" / scale), "-W", "--keep-going"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    log = proc.stdout + proc.stderr
    (BUILD / "site" / scale).mkdir(parents=True, exist_ok=True)
    (BUILD / "site" / scale / "build.log").write_text(log)
    problems = [ln for ln in log.splitlines() if re.search(r"\b(WARNING|ERROR|CRITICAL)\b", ln)]
    if proc.returncode != 0 or problems:
        print(log[-6000:], file=sys.stderr)
        fail(f"the book build failed (exit {proc.returncode}, {len(problems)} warning/error lines); "
             f"full log in {(BUILD / 'site' / scale / 'build.log').relative_to(ROOT)}")
    index = site(scale) / "index.html"
    print(f"Book built: file://{index}")


class _Tags(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.imgs, self.scripts, self.classes, self.links = [], [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag == "img" and a.get("src"):
            self.imgs.append(a["src"])
        if tag == "script" and a.get("src"):
            self.scripts.append(a["src"])
        if a.get("class"):
            self.classes.extend(a["class"].split())


RAW_TABLE = re.compile(r"<p>\s*\|[^<]*?\|\s*(?:-{3}|\u2014|&#8212;|\u2013)")


def raw_tables(html_text: str) -> int:
    """How many Markdown tables a page shows as text (a paragraph that starts with a pipe and
    holds a ``|---|`` row, typeset as dashes): a table from a code cell that was not parsed."""
    return len(RAW_TABLE.findall(html_text))


def check(scale: str) -> None:
    root = site(scale)
    errors = []
    notebook_pages = chapters()
    if not (root / "index.html").exists():
        fail(f"no built book at {root}; run `python tools/book.py build --scale {scale}`")
    for page in toc_files():
        path = root / f"{page}.html"
        if not path.exists():
            errors.append(f"{page}: page missing ({path})")
            continue
        text = path.read_text()
        tags = _Tags()
        tags.feed(text)
        for src in tags.imgs:
            if not src.startswith("data:") and not (path.parent / src.split("#")[0]).is_file():
                errors.append(f"{page}: image {src} missing")
        has_math = "math" in tags.classes
        mj = [s.split("?")[0] for s in tags.scripts if "mathjax" in s.lower() or "tex-" in s]
        if has_math and not mj:
            errors.append(f"{page}: math but no MathJax script")
        if len(mj) > 1:
            errors.append(f"{page}: MathJax loaded {len(mj)} times")
        for s in mj:
            if "://" in s:
                errors.append(f"{page}: MathJax loaded from the network ({s})")
            elif not (path.parent / s).is_file():
                errors.append(f"{page}: MathJax script {s} missing")
        bad = {"traceback", "output_error"} & {c.lower() for c in tags.classes}
        if bad or "Traceback (most recent call last)" in text:
            errors.append(f"{page}: error output in the page ({sorted(bad) or 'Traceback'})")
        if raw_tables(text):
            errors.append(f"{page}: {raw_tables(text)} Markdown table(s) shown as text")
        if "../LICENSE.txt" not in tags.links or not (root / "LICENSE.txt").is_file():
            errors.append(f"{page}: no licence link in the footer, or LICENSE.txt missing")
        if any("genindex" in link for link in tags.links):
            errors.append(f"{page}: links to the (empty) general index")
        if page in notebook_pages:
            downloads = [link for link in tags.links if "_downloads/" in link]
            for suffix in (".ipynb", ".md"):
                found = [d for d in downloads if d.endswith(suffix)]
                if not found or not all((path.parent / d).is_file() for d in found):
                    errors.append(f"{page}: no downloadable {suffix} file")
            if not tags.imgs:
                errors.append(f"{page}: a chapter without figures")
            if not has_math:
                errors.append(f"{page}: a chapter without math")
    for chapter in notebook_pages:
        nb = json.loads((BUILD / "executed" / scale / f"{Path(chapter).name}.ipynb").read_text())
        for i, cell in enumerate(nb["cells"]):
            for out in cell.get("outputs", []):
                text = "".join(out.get("text", ""))
                if out.get("output_type") == "error":
                    errors.append(f"{chapter}: cell {i} raised {out.get('ename')}")
                elif out.get("name") == "stderr" and re.search(r"\w*Warning\b", text):
                    errors.append(f"{chapter}: cell {i} printed a warning: {text.strip()[:300]}")
    browser_problems = browser.check_pages(root, toc_files(), BUILD / "screenshots" / scale)
    if browser_problems is not None:
        errors += browser_problems
        print(f"Screenshots of every page: {(BUILD / 'screenshots' / scale).relative_to(ROOT)}/")
    if errors:
        fail("the built book failed its checks:\n  " + "\n  ".join(errors))
    print(f"Checked {len(toc_files())} pages of {root}: all present, figures on disk, "
          "no error output, local MathJax" + (", and in headless Chromium at 1400 and 400 px."
                                             if browser_problems is not None else "."))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=("execute", "build", "check", "all"))
    p.add_argument("--scale", default="book", choices=("ci", "book", "paper"))
    p.add_argument("--only", nargs="*", help="chapter names (e.g. 01_same_seed)")
    p.add_argument("--params", default="{}", help="extra papermill parameters as JSON")
    p.add_argument("--force", action="store_true", help="re-execute even if up to date")
    a = p.parse_args()
    try:
        extra = json.loads(a.params)
    except json.JSONDecodeError as exc:
        fail(f"--params must be a JSON object; {exc}")
    if not isinstance(extra, dict) or "scale" in extra:
        fail("--params must be a JSON object without 'scale' (use --scale)")
    if a.command in ("execute", "all"):
        execute(a.scale, a.only, extra, a.force)
    if a.command in ("build", "all"):
        build(a.scale)
    if a.command in ("check", "all"):
        check(a.scale)


if __name__ == "__main__":
    main()
