#!/bin/sh
#
# Usage: rustc-llvm-version.sh <rustc>
#
# Print the LLVM version the Rust compiler uses in a 5 or 6-digit form
# (10000 * major + 100 * minor + patch), or 0 if it does not say.

get_canonical_version()
{
	major=${1%%.*}
	rest=${1#*.}
	minor=${rest%%.*}
	patch=${rest#*.}
	echo $((10000 * major + 100 * minor + patch))
}

version=$("$@" --version --verbose 2>/dev/null \
	| sed -nE 's/^LLVM version: ([0-9]+\.[0-9]+\.[0-9]+).*/\1/p')
if [ -n "$version" ]; then
	get_canonical_version "$version"
else
	echo 0
	exit 1
fi
