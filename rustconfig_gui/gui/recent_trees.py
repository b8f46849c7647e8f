"""How a tree's build settings are remembered with each recent tree (so a restart keeps
them), without Qt: the window reads them while it starts; the Open dialog
(gui/dialogs/open_tree.py) is imported when it first opens."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

from rustconfig_gui.host.paths import show_path
from rustconfig_gui.kconfig.tree import KernelTree

# the make variables with a field of their own; others go into "Other make variables"
TOOL_VARIABLES = ("RUSTC", "BINDGEN", "LIBCLANG_PATH", "RUST_LIB_SRC")
RECENT_KEYS = ("source", "build", "arch", "llvm", "cross_compile", "make_vars")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def make_vars_text(make_vars: tuple[tuple[str, str], ...] | list[tuple[str, str]]) -> str:
    """``NAME=VALUE`` words, shell-quoted where needed (what the user types, and what is stored)."""
    return " ".join(shlex.quote(f"{k}={v}") for k, v in make_vars)


def parse_make_vars(text: str) -> tuple[tuple[str, str], ...]:
    """``CC=clang HOSTCC='gcc -m64'`` → pairs; ValueError with one sentence for anything else."""
    try:
        words = shlex.split(text)
    except ValueError as e:
        raise ValueError(f"The make variables cannot be read: {e}.") from None
    out = []
    for w in words:
        name, sep, value = w.partition("=")
        if not sep or not _NAME.fullmatch(name):
            raise ValueError(f"'{w}' is not a make variable (NAME=VALUE).")
        out.append((name, value))
    return tuple(out)


_BYTES = "bytes:"


def path_setting(path: Path | None) -> str:
    """A path for the settings file: as text, or its bytes in hex when it is not UTF-8 (Qt keeps no lone
    surrogates)."""
    if path is None:
        return ""
    raw = os.fsencode(path)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return _BYTES + raw.hex()


def setting_path(text: str) -> Path:
    if text.startswith(_BYTES):
        try:
            return Path(os.fsdecode(bytes.fromhex(text[len(_BYTES):])))
        except ValueError:
            pass
    return Path(text)


def tree_to_dict(tree: KernelTree) -> dict[str, str]:
    # paths as the user gave them (a symlinked tree keeps its name)
    return {"source": path_setting(tree.shown_source or tree.source),
            "build": path_setting(tree.shown_build or tree.build), "arch": tree.arch or "",
            "llvm": "1" if tree.llvm else "", "cross_compile": tree.cross_compile or "",
            "make_vars": make_vars_text(tree.make_vars)}


def tree_from_dict(d: dict[str, str]) -> KernelTree:
    try:
        make_vars = parse_make_vars(d.get("make_vars") or "")
    except ValueError:
        make_vars = ()
    return KernelTree(setting_path(d["source"]), build=setting_path(d["build"]) if d.get("build") else None,
                      arch=d.get("arch") or None, llvm=bool(d.get("llvm")),
                      cross_compile=d.get("cross_compile") or None, make_vars=make_vars)


def recent_label(d: dict[str, str]) -> str:
    build = f"  O={show_path(setting_path(d['build']))}" if d.get("build") else ""
    return (show_path(setting_path(d["source"])) + build
            + (f"  ARCH={d['arch']}" if d.get("arch") else "") + ("  LLVM=1" if d.get("llvm") else "")
            + (f"  CROSS_COMPILE={d['cross_compile']}" if d.get("cross_compile") else "")
            + (f"  {d['make_vars']}" if d.get("make_vars") else ""))
