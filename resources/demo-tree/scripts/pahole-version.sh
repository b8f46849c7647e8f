#!/bin/sh
#
# Usage: pahole-version.sh <pahole>
#
# Print pahole's version in a 3-digit form (v1.25 -> 125), or 0 if it is
# not installed.

if [ -z "$1" ] || ! command -v "$1" >/dev/null 2>&1; then
	echo 0
	exit 1
fi

version=$("$@" --version 2>/dev/null | sed -nE '1s/^v([0-9]+)\.([0-9]+).*/\1\2/p')
echo "${version:-0}"
