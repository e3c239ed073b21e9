r"""Fingerprints of code for cache keys: what a result depends on, not which file it sits in.

A trained network depends on the functions that train it; an executed chapter on the functions
it calls. Hashing whole files would retrain every network when a docstring or an import line
changes, or when a module moves. Here a fingerprint hashes *definitions*:

1. the package's source is parsed (never imported) into its top-level definitions (functions,
   classes, assignments) and each module's import bindings;
2. starting from root names (``"rmtdiff.nets.training.train"``, or the names a chapter uses),
   every definition they reference by name is followed, through imports and re-exports, to its
   definition: the closure is the code that can run;
3. each definition is normalised (its AST without docstrings, comments, type annotations or
   positions) and the sorted hashes of the closure are hashed.

So a docstring, comment or type-hint edit, a moved or renamed module (with its importers updated), a change
to an import line or to a function outside the closure leaves a fingerprint unchanged; a change
to the body, signature or defaults of any function in the closure changes it. Names resolved
dynamically (``getattr``, strings) are not followed: the roots must name such code themselves.

>>> fp = fingerprint(["rmtdiff.core.edm.karras_sigmas"])
>>> len(fp), fp == fingerprint(["rmtdiff.core.edm.karras_sigmas"])
(64, True)
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable

PACKAGE_DIR = Path(__file__).resolve().parents[1]          #: lib/rmtdiff


@dataclass
class _Module:
    name: str
    is_package: bool
    defs: dict = field(default_factory=dict)        # name -> normalised dump (str)
    nodes: dict = field(default_factory=dict)       # name -> AST node
    bindings: dict = field(default_factory=dict)    # local name -> ("module", dotted) or ("attr", module, name)


def _normalise(node: ast.AST) -> ast.AST:
    """Strip what cannot change what the code does: docstrings and type annotations (a
    dataclass field keeps a placeholder annotation, since the annotation makes it a field)."""
    for n in ast.walk(node):
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)):
            n.returns = None
            for a in n.args.args + n.args.posonlyargs + n.args.kwonlyargs + [
                    n.args.vararg, n.args.kwarg]:
                if a is not None:
                    a.annotation = None
        elif isinstance(n, ast.AnnAssign):
            n.annotation = ast.Constant("")
    return _strip_docstrings(node)


def _strip_docstrings(node: ast.AST) -> ast.AST:
    for n in ast.walk(node):
        body = getattr(n, "body", None)
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Module)) \
                and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            n.body = body[1:] or [ast.Pass()]
    return node


def _resolve_relative(module: _Module, level: int, target: str | None) -> str:
    base = module.name.split(".")
    if not module.is_package:
        base = base[:-1]
    if level > 1:
        base = base[:len(base) - (level - 1)]
    return ".".join(base + ([target] if target else []))


def _bind(module: _Module, node: ast.AST, into: dict, known: set[str]) -> None:
    """Add the bindings of an import statement ``node`` to ``into``."""
    if isinstance(node, ast.Import):
        for a in node.names:
            if a.asname:
                into[a.asname] = ("module", a.name)
            else:
                into[a.name.split(".")[0]] = ("module", a.name.split(".")[0])
    elif isinstance(node, ast.ImportFrom):
        src = _resolve_relative(module, node.level, node.module) if node.level else node.module
        for a in node.names:
            local = a.asname or a.name
            sub = f"{src}.{a.name}"
            into[local] = ("module", sub) if sub in known else ("attr", src, a.name)


def _index(package_dir: Path, package: str) -> dict[str, _Module]:
    files = sorted(package_dir.rglob("*.py"))
    names = {}
    for f in files:
        parts = f.relative_to(package_dir).with_suffix("").parts
        is_pkg = parts[-1] == "__init__"
        dotted = ".".join((package,) + (parts[:-1] if is_pkg else parts))
        names[dotted] = (f, is_pkg)
    known = set(names)
    out = {}
    for dotted, (f, is_pkg) in names.items():
        m = _Module(dotted, is_pkg)
        tree = ast.parse(f.read_text())
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                _bind(m, node, m.bindings, known)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                m.nodes[node.name] = node
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for t in targets:
                    for n in ast.walk(t):
                        if isinstance(n, ast.Name):
                            m.nodes[n.id] = node
            elif isinstance(node, ast.Try):          # optional imports: bind both branches
                for sub in ast.walk(node):
                    if isinstance(sub, (ast.Import, ast.ImportFrom)):
                        _bind(m, sub, m.bindings, known)
                    elif isinstance(sub, (ast.Assign, ast.ClassDef, ast.FunctionDef)):
                        for n in ast.walk(sub) if isinstance(sub, ast.Assign) else [sub]:
                            name = getattr(n, "id", None) or getattr(n, "name", None)
                            if name and isinstance(n, (ast.Name, ast.ClassDef, ast.FunctionDef)):
                                m.nodes.setdefault(name, sub)
        out[dotted] = m
    return out


@lru_cache(maxsize=4)
def _cached_index(package_dir: str, package: str, stamp: tuple) -> dict[str, _Module]:
    return _index(Path(package_dir), package)


def _stamp(package_dir: Path) -> tuple:
    return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size)
                 for p in sorted(package_dir.rglob("*.py")))


class _Resolver:
    def __init__(self, index: dict[str, _Module]):
        self.index = index

    def lookup(self, module: str, name: str, depth: int = 0):
        """(module, name) of the definition ``module.name`` refers to, ("module", dotted) for a
        module, or None outside the package."""
        if depth > 20 or module not in self.index:
            return None
        m = self.index[module]
        if name in m.nodes:
            return ("def", module, name)
        if f"{module}.{name}" in self.index:
            return ("module", f"{module}.{name}")
        b = m.bindings.get(name)
        if b is None:
            return None
        if b[0] == "module":
            return ("module", b[1]) if b[1] in self.index else None
        return self.lookup(b[1], b[2], depth + 1)

    def references(self, module: str, node: ast.AST, extra: dict | None = None):
        """Every package definition or module that ``node`` refers to by name."""
        m = self.index[module]
        local = dict(m.bindings)
        for n in ast.walk(node):
            if isinstance(n, (ast.Import, ast.ImportFrom)):
                _bind(m, n, local, set(self.index))
        if extra:
            local.update(extra)
        out = []
        for n in ast.walk(node):
            if isinstance(n, ast.Attribute):
                chain, base = [], n
                while isinstance(base, ast.Attribute):
                    chain.append(base.attr)
                    base = base.value
                if isinstance(base, ast.Name):
                    target = self._name(module, base.id, local)
                    for attr in reversed(chain):
                        if target is None or target[0] != "module":
                            break
                        target = self.lookup(target[1], attr)
                        if target is not None:
                            out.append(target)
            elif isinstance(n, ast.Name):
                target = self._name(module, n.id, local)
                if target is not None:
                    out.append(target)
        return out

    def _name(self, module: str, name: str, local: dict):
        if name in self.index[module].nodes:
            return ("def", module, name)
        b = local.get(name)
        if b is None:
            return None
        if b[0] == "module":
            return ("module", b[1]) if b[1] in self.index else None
        return self.lookup(b[1], b[2])


def _closure(resolver: _Resolver, start: list) -> set[tuple[str, str]]:
    seen, todo = set(), list(start)
    while todo:
        t = todo.pop()
        if t is None or t[0] != "def":
            continue
        key = (t[1], t[2])
        if key in seen:
            continue
        seen.add(key)
        todo.extend(resolver.references(t[1], resolver.index[t[1]].nodes[t[2]]))
    return seen


def _digest(nodes: Iterable[ast.AST]) -> str:
    parts = sorted({hashlib.sha256(ast.dump(_normalise(_copy(n)), annotate_fields=False,
                                            include_attributes=False).encode()).hexdigest()
                    for n in nodes})
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _copy(node: ast.AST) -> ast.AST:
    return ast.parse(ast.unparse(node)).body[0]


def _index_for(package_dir: Path | None, package: str) -> dict[str, _Module]:
    package_dir = Path(package_dir or PACKAGE_DIR).resolve()
    return _cached_index(str(package_dir), package, _stamp(package_dir))


def fingerprint(roots: Iterable[str], package_dir: Path | None = None,
                package: str = "rmtdiff") -> str:
    """SHA-256 (hex) of the definitions reachable from ``roots`` (see the module docstring).

    Parameters
    ----------
    roots : iterable of str
        Dotted names ``"rmtdiff.<module>.<name>"`` (re-exports allowed, e.g.
        ``"rmtdiff.solve_kappa"``); a name that resolves to nothing is an error.
    package_dir : path, optional
        The package's source folder (default: this package); tests point it at a modified copy.
    package : str
        The package's import name.

    Raises
    ------
    KeyError
        If a root does not resolve to a definition of the package.
    """
    index = _index_for(package_dir, package)
    resolver = _Resolver(index)
    start = []
    for root in roots:
        module, _, name = root.rpartition(".")
        target = resolver.lookup(module, name)
        if target is None or target[0] != "def":
            raise KeyError(f"root {root!r} is not a definition of the package {package}")
        start.append(target)
    closure = _closure(resolver, start)
    return _digest(index[m].nodes[n] for m, n in sorted(closure))


def source_fingerprint(source: str, package_dir: Path | None = None,
                       package: str = "rmtdiff") -> str:
    """Fingerprint of the package code that a piece of Python ``source`` (a chapter's code cells
    joined) uses through its imports of the package, and of ``source`` itself normalised
    (comments and formatting do not count). IPython magics and shell lines are dropped.

    Parameters
    ----------
    source : str
        Python code (e.g. a chapter's code cells joined by newlines).
    package_dir : path, optional
        The package's source folder (default: this package).
    package : str
        The package's import name.

    Returns
    -------
    str
        SHA-256, hex.
    """
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    tree = ast.parse("\n".join(lines))
    index = _index_for(package_dir, package)
    resolver = _Resolver(index)
    fake = _Module("__chapter__", False)
    bindings: dict = {}
    for n in ast.walk(tree):
        if isinstance(n, (ast.Import, ast.ImportFrom)) and not getattr(n, "level", 0):
            mod = getattr(n, "module", None)
            names = [a.name for a in n.names]
            if (mod or names[0]).split(".")[0] == package:
                _bind(fake, n, bindings, set(index))
    index_with = dict(index)
    index_with["__chapter__"] = fake
    resolver = _Resolver(index_with)
    refs = resolver.references("__chapter__", tree, bindings)
    closure = _closure(resolver, refs)
    own = hashlib.sha256(ast.dump(tree, annotate_fields=False,
                                  include_attributes=False).encode()).hexdigest()
    return hashlib.sha256((own + _digest(index[m].nodes[k] for m, k in sorted(closure))
                           ).encode()).hexdigest()
