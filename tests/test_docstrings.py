"""The house style (STYLE) for the public API, checked on every module of rmtdiff.

For every public function defined in a module (its name does not start with ``_``) and every
public method of a public class defined there:

(a) every parameter other than ``self``/``cls``, ``*args`` and ``**kwargs`` is annotated, and so
    is the return;
(b) when it takes parameters besides ``self``/``cls``, its docstring has a numpydoc
    ``Parameters`` section that names each of them (a line ``name : ...`` or
    ``name, other : ...``).

All violations are collected and printed together.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import pkgutil
import re


import rmtdiff

_SECTION = re.compile(r"^(?P<title>[A-Z][A-Za-z ]*)\n-{3,}\s*$", re.MULTILINE)
_ENTRY = re.compile(r"^(?P<names>\*{0,2}\w+(?:\s*,\s*\*{0,2}\w+)*)\s*:")


def _module_names() -> list[str]:
    """Every module of the package except ``__main__`` (it runs a command line on import)."""
    names = ["rmtdiff"]
    for info in pkgutil.walk_packages(rmtdiff.__path__, prefix="rmtdiff."):
        if info.name.rsplit(".", 1)[-1] == "__main__":
            continue
        names.append(info.name)
    return sorted(names)


MODULES = _module_names()


def _documented_parameters(doc: str | None) -> set[str] | None:
    """Names in the docstring's ``Parameters`` (and ``Other Parameters``) sections, or ``None``
    when it has no ``Parameters`` section."""
    if not doc:
        return None
    doc = inspect.cleandoc(doc)
    heads = list(_SECTION.finditer(doc))
    titles = [h.group("title").strip() for h in heads]
    if "Parameters" not in titles:
        return None
    names: set[str] = set()
    for i, (head, title) in enumerate(zip(heads, titles)):
        if title not in ("Parameters", "Other Parameters"):
            continue
        end = heads[i + 1].start() if i + 1 < len(heads) else len(doc)
        for line in doc[head.end():end].splitlines():
            if line[:1].isspace():        # a description, not an entry
                continue
            m = _ENTRY.match(line)
            if m:
                names.update(n.strip().lstrip("*") for n in m.group("names").split(","))
    return names


def _check(func, qualname: str, skip_first: bool) -> list[str]:
    """The violations of (a) and (b) for one function or method."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):        # builtins without a signature
        return []
    params = list(sig.parameters.values())
    if skip_first and params:
        params = params[1:]
    named = [p for p in params
             if p.kind not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)]
    problems = []
    missing = [p.name for p in named if p.annotation is inspect.Parameter.empty]
    if missing:
        problems.append(f"{qualname}: no annotation for {', '.join(missing)}")
    if sig.return_annotation is inspect.Signature.empty:
        problems.append(f"{qualname}: no return annotation")
    if named:
        documented = _documented_parameters(func.__doc__)
        if documented is None:
            problems.append(f"{qualname}: no 'Parameters' section in the docstring")
        else:
            undocumented = [p.name for p in named if p.name not in documented]
            if undocumented:
                problems.append(f"{qualname}: 'Parameters' does not name {', '.join(undocumented)}")
    return problems


def _violations(modname: str) -> list[str]:
    """Every violation in the public functions and classes defined in ``modname``."""
    try:
        module = importlib.import_module(modname)
    except ModuleNotFoundError as exc:     # make test-notorch: the network modules need torch
        if exc.name == "torch" and importlib.util.find_spec("torch") is None:
            return []
        raise
    problems = []
    for name, obj in sorted(vars(module).items()):
        if name.startswith("_") or getattr(obj, "__module__", None) != modname:
            continue
        if inspect.isfunction(obj):
            problems += _check(obj, f"{modname}.{name}", skip_first=False)
        elif inspect.isclass(obj):
            for attr, member in sorted(vars(obj).items()):
                if attr.startswith("_"):
                    continue
                if isinstance(member, staticmethod):
                    problems += _check(member.__func__, f"{modname}.{name}.{attr}", skip_first=False)
                elif isinstance(member, classmethod):
                    problems += _check(member.__func__, f"{modname}.{name}.{attr}", skip_first=True)
                elif inspect.isfunction(member):
                    problems += _check(member, f"{modname}.{name}.{attr}", skip_first=True)
    return problems


def test_public_api_is_annotated_and_documented():
    problems = [p for m in MODULES for p in _violations(m)]
    print("\n".join(problems))
    assert not problems, f"{len(problems)} docstring/annotation violations:\n" + "\n".join(problems)
