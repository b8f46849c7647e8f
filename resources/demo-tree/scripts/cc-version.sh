#!/bin/sh
#
# Usage: cc-version.sh <compiler> [flags...]
#
# Print the C compiler name (GCC or Clang) and its version in a 5 or
# 6-digit form, e.g. "GCC 120200"; fail if it is older than the minimum.

set -e

# The preprocessor tells which compiler it belongs to.
get_c_compiler_info()
{
	printf '%s\n' \
		'#if defined(__clang__)' \
		'Clang __clang_major__ __clang_minor__ __clang_patchlevel__' \
		'#elif defined(__GNUC__)' \
		'GCC __GNUC__ __GNUC_MINOR__ __GNUC_PATCHLEVEL__' \
		'#else' \
		'unknown' \
		'#endif' | "$@" -E -P -x c - 2>/dev/null
}

# x.y.z -> 10000 * x + 100 * y + z
get_canonical_version()
{
	major=${1%%.*}
	rest=${1#*.}
	minor=${rest%%.*}
	patch=${rest#*.}
	echo $((10000 * major + 100 * minor + patch))
}

# first non-empty line of the preprocessed text
info=$(get_c_compiler_info "$@" | sed -n '/[^[:space:]]/{p;q;}') || info=
read -r name major minor patch <<INFO
$info
INFO

min_tool_version="$(dirname "$0")/min-tool-version.sh"

case "$name" in
GCC)
	min_version=$("$min_tool_version" gcc)
	;;
Clang)
	min_version=$("$min_tool_version" llvm)
	;;
*)
	echo "$*: unknown C compiler" >&2
	exit 1
	;;
esac

version="$major.$minor.$patch"
cversion=$(get_canonical_version "$version")
min_cversion=$(get_canonical_version "$min_version")

if [ "$cversion" -lt "$min_cversion" ]; then
	echo >&2 "***"
	echo >&2 "*** C compiler is too old."
	echo >&2 "***   Your $name version:    $version"
	echo >&2 "***   Minimum $name version: $min_version"
	echo >&2 "***"
	exit 1
fi

echo "$name" "$cversion"
