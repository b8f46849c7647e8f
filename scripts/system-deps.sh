#!/bin/sh
# Installs the Debian/Ubuntu packages rustconfig-gui needs (only the missing ones).
#   runtime: make, a C compiler and Qt's runtime libraries
#   tests:   also flex/bison (the kernel's own C conf is the parity reference),
#            clang/llvm/lld (LLVM=1 loads), rustc/bindgen/rust-src (probes),
#            the packaging checks (desktop-file-validate, appstreamcli, the
#            PKGBUILD linter, flatpak-builder, groff/man for the man pages)
set -eu

runtime="make gcc libc6-dev xz-utils python3-venv libgl1 libegl1 libopengl0 libxkbcommon0 \
libxkbcommon-x11-0 libfontconfig1 libfreetype6 fonts-dejavu-core libdbus-1-3 libglib2.0-0"
tests="flex bison bc clang llvm lld rustc bindgen rust-src libclang-dev \
desktop-file-utils appstream shellcheck flatpak-builder groff-base man-db"

case "${1:-runtime}" in
    runtime) want="$runtime" ;;
    tests) want="$runtime $tests" ;;
    *) echo "usage: $0 [runtime|tests]" >&2; exit 2 ;;
esac

missing=""
for pkg in $want; do
    if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $pkg"
    fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    sudo=sudo
else
    sudo=""
fi
echo "Installing Debian packages:$missing" >&2
$sudo apt-get update -qq
# shellcheck disable=SC2086 # word splitting of the package list is intended
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
