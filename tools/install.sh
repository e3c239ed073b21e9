#!/usr/bin/env bash
# tools/install.sh PY STAMP: install the package and its tools into the venv of PY (make setup).
#   LOCKED=1 (default): the lock of PY's version, requirements/py3.X.txt, on Linux x86-64 (where
#     the locks are resolved); elsewhere, or LOCKED=0, pyproject.toml's version ranges.
#   TORCH_INDEX=<url>: torch from that index (e.g. https://download.pytorch.org/whl/cpu, the CPU
#     build), the rest of the lock without torch and what only torch needs.
# STAMP records what was installed ("lock <file> <sha256>" or "ranges"); the status page and
# tests/tools/test_lock.py read it.
set -euo pipefail
py=$1 stamp=$2
ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
lock=requirements/py$ver.txt
index=()
[ -n "${TORCH_INDEX:-}" ] && index=(--extra-index-url "$TORCH_INDEX")
"$py" -m pip install --quiet --upgrade pip
if [ "${LOCKED:-1}" = 1 ] && [ -f "$lock" ] && [ "$(uname -sm)" = "Linux x86_64" ]; then
  echo "installing the locked environment $lock"
  if [ -n "${TORCH_INDEX:-}" ]; then
    tmp=$(mktemp)
    "$py" tools/booktool/lock.py without-torch "$lock" > "$tmp"
    "$py" -m pip install --quiet -r "$tmp"
    rm -f "$tmp"
    "$py" -m pip install --quiet "$(grep '^torch==' "$lock")" "${index[@]}"
  else
    "$py" -m pip install --quiet -r "$lock"
  fi
  "$py" -m pip install --quiet --no-deps -e .
  echo "lock $lock $(sha256sum "$lock" | cut -c1-16)" > "$stamp"
else
  if [ "${LOCKED:-1}" = 1 ]; then
    echo "note: no lock for Python $ver on $(uname -sm) ($lock; locks are made on Linux x86-64); installing from pyproject.toml's ranges"
  fi
  "$py" -m pip install --quiet -e '.[dev]' "${index[@]}"
  echo "ranges" > "$stamp"
fi
