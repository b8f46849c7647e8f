"""Fake toolchains: real executable scripts standing in for rustc and bindgen.

They answer exactly what the kernel's (and the demo tree's)
scripts/rust_is_available.sh asks, with versions chosen by the test.
"""

from __future__ import annotations

import os
import shlex
import stat
import time
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Toolchain:
    rustc: Path
    bindgen: Path
    sysroot: Path

    @property
    def make_vars(self) -> tuple[tuple[str, str], ...]:
        return (("RUSTC", str(self.rustc)), ("BINDGEN", str(self.bindgen)))


def write_script(path: Path, text: str) -> Path:
    path.write_text(text)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def fake_toolchain(root: Path, rustc_version: str = "1.85.0", bindgen_version: str = "0.71.1",
                   libclang_version: str = "19.1.7", with_core: bool = True) -> Toolchain:
    """``rustc`` and ``bindgen`` answering exactly what the demo's scripts ask.

    rustc: ``--version``, ``--version --verbose`` (with an LLVM line) and
    ``--print sysroot`` (a folder that holds, or not, the 'core' source).
    bindgen: ``--version …`` and a header, for which it reports its libclang
    version on stderr as bindgen does for the header's ``#pragma message``.
    """
    root.mkdir(parents=True, exist_ok=True)
    sysroot = root / "sysroot"
    core = sysroot / "lib/rustlib/src/rust/library/core/src/lib.rs"
    core.parent.mkdir(parents=True)
    if with_core:
        core.write_text("#![no_std]\n")
    rustc = write_script(root / "rustc", f"""#!/bin/sh
case "$*" in
--version)
	echo "rustc {rustc_version} (4d91de4e4 2025-02-17)" ;;
"--version --verbose")
	echo "rustc {rustc_version} (4d91de4e4 2025-02-17)"
	echo "release: {rustc_version}"
	echo "LLVM version: {libclang_version}" ;;
"--print sysroot")
	echo {shlex.quote(str(sysroot))} ;;
*)
	echo "fake rustc: unexpected arguments: $*" >&2
	exit 1 ;;
esac
""")
    bindgen = write_script(root / "bindgen", f"""#!/bin/sh
case "$1" in
--version)
	echo "bindgen {bindgen_version}" ;;
*.h)
	echo "$1:2:9: warning: clang version {libclang_version} [-W#pragma-messages], err: false" >&2 ;;
*)
	echo "fake bindgen: unexpected arguments: $*" >&2
	exit 1 ;;
esac
""")
    return Toolchain(rustc=rustc, bindgen=bindgen, sysroot=sysroot)


def wait_gone(pid: int, what: str = "the hung tool") -> None:
    """Fail unless process ``pid`` is gone within a few seconds."""
    for _ in range(50):
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    pytest.fail(f"{what} (pid {pid}) is still running")
