#!/bin/sh
# Set up rustconfig-gui in .venv (system packages included) and start it.
#   sh scripts/run.sh [TREE] [--arch A] [--llvm] [-O DIR]
set -eu
cd "$(dirname "$0")/.."
sh scripts/system-deps.sh runtime
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q .
exec .venv/bin/rustconfig-gui "$@"
