#!/bin/sh
# Build the single-folder bundle DIST/rustconfig-gui/ with PyInstaller and smoke-test it.
#
#   sh packaging/build-pyinstaller.sh [DIST [WORK]]     (default: dist, build/pyinstaller)
#
# The folder holds both commands (rustconfig, rustconfig-gui), Python, Qt and
# the demo tree; copy it anywhere and run it.  The kernel tree's make,
# compilers and Rust toolchain still come from the machine it runs on, and so
# do the X11/Wayland client libraries Qt loads (libxcb-*, libxkbcommon).
# WORK holds a venv of its own (PyInstaller and the project, installed from a
# clean copy of the sources, not editable: resources come from the package as
# in a wheel).  Takes about a minute once pip's cache is warm.
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
dist=$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)
work=$(mkdir -p "${2:-build/pyinstaller}" && cd "${2:-build/pyinstaller}" && pwd)
venv="$work/venv"

# a copy without build/, dist/ or caches, so no stale build output can reach the bundle
rm -rf "$work/src"
mkdir -p "$work/src"
tar -C "$root" --exclude=./build --exclude=./dist --exclude=./.git --exclude=./.cache --exclude=./.venv \
    --exclude='*.egg-info' --exclude=__pycache__ -cf - . | tar -C "$work/src" -xf -

[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q pyinstaller "$work/src"
"$venv/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath "$dist" --workpath "$work/build" "$work/src/packaging/rustconfig-gui.spec"

bundle="$dist/rustconfig-gui"
demo=$(find "$bundle" -type d -name demo-tree -path '*rustconfig_gui/resources/*' | head -n 1)
[ -n "$demo" ] || { echo "the demo tree is missing from $bundle" >&2; exit 1; }

# smoke test, from outside the checkout so nothing can come from it
scratch="$work/smoke"
rm -rf "$scratch"
mkdir -p "$scratch/out" "$scratch/data"
trap 'rm -rf "$scratch"' EXIT
cd /
"$bundle/rustconfig" --version
"$bundle/rustconfig-gui" --version
"$bundle/rustconfig" info "$demo"
"$bundle/rustconfig" rust-status "$demo" -O "$scratch/out" >/dev/null
# the window starts offscreen on the demo tree and is still running when stopped
set +e
QT_QPA_PLATFORM=offscreen XDG_DATA_HOME="$scratch/data" timeout 20 "$bundle/rustconfig-gui"
status=$?
set -e
if [ "$status" -ne 124 ]; then
    echo "rustconfig-gui exited with status $status before it was stopped" >&2
    exit 1
fi
echo "bundle ready: $bundle ($(du -sh "$bundle" | cut -f1))"
