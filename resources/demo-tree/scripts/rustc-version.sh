#!/bin/sh
#
# Usage: rustc-version.sh <rustc>
#
# Print the Rust compiler version in a 6 or 7-digit form
# (100000 * major + 100 * minor + patch), or 0 if it cannot be run.

get_canonical_version()
{
	major=${1%%.*}
	rest=${1#*.}
	minor=${rest%%.*}
	patch=${rest#*.}
	echo $((100000 * major + 100 * minor + patch))
}

if output=$("$@" --version 2>/dev/null); then
	version=$(printf '%s\n' "$output" \
		| sed -nE '1s/^rustc ([0-9]+\.[0-9]+\.[0-9]+).*/\1/p')
	if [ -n "$version" ]; then
		get_canonical_version "$version"
		exit 0
	fi
fi
echo 0
exit 1
