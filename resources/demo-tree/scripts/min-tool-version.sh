#!/bin/sh
#
# Print the minimum supported version of the given tool
# (the values of Linux 6.12).

set -e

if [ "$#" -ne 1 ]; then
	echo "Usage: $0 toolname" >&2
	exit 1
fi

case "$1" in
binutils)
	echo 2.25.0
	;;
gcc)
	echo 5.1.0
	;;
llvm)
	echo 13.0.1
	;;
rustc)
	echo 1.78.0
	;;
bindgen)
	echo 0.65.1
	;;
*)
	echo "$1: unknown tool" >&2
	exit 1
	;;
esac
