#!/usr/bin/env bash
# tools/venv.sh PYTHON DIR: make DIR a virtual environment of PYTHON with a working pip.
# A stock Debian or Ubuntu Python lacks the venv module's ensurepip (package python3-venv, or
# python3.X-venv): as root with apt-get it is installed here; otherwise this says what to run.
set -euo pipefail
py=$1 dir=$2
if "$dir/bin/python" -m pip --version >/dev/null 2>&1; then exit 0; fi
command -v "$py" >/dev/null || { echo "error: $py not found; give PYTHON=/path/to/python3.11 (or newer)" >&2; exit 1; }
if ! "$py" -m venv "$dir" >/dev/null 2>&1; then
  ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing python$ver-venv (the venv module's pip) with apt-get"
    apt-get install -y -q "python$ver-venv" >/dev/null 2>&1 || \
      { apt-get update -q >/dev/null && apt-get install -y -q "python$ver-venv" >/dev/null; }
    "$py" -m venv "$dir"
  else
    echo "error: $py cannot create a virtual environment (no ensurepip); run" >&2
    echo "  sudo apt-get install python$ver-venv" >&2
    echo "and then make again" >&2
    exit 1
  fi
fi
"$dir/bin/python" -m pip --version >/dev/null
