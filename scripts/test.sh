#!/bin/sh
# Set up everything the tests need and run the whole suite:
# Debian packages, a venv with the project and its test extras, real kernel
# trees from Debian's packages (cached in .cache/, fetched on first use).
set -eu
cd "$(dirname "$0")/.."
sh scripts/system-deps.sh tests
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e ".[dev]"
.venv/bin/python -m devtools.trees --configs -q
.venv/bin/ruff check rustconfig_gui tests devtools scripts
.venv/bin/lint-imports
.venv/bin/mypy
exec .venv/bin/python -m pytest "$@"
