"""``rustconfig``: the core without a window."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from . import __version__
from .core.errors import RustconfigError
from .core.loader import LoadedTree, load_tree
from .core.tree import KernelTree


def _make_var(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name or not name.replace("_", "").isalnum():
        raise argparse.ArgumentTypeError(f"expected NAME=VALUE, got '{text}'")
    return name, value


def _tree_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("tree", type=Path, help="kernel source folder")
    p.add_argument("--arch", help="ARCH as given to make (default: the host's)")
    p.add_argument("--llvm", action="store_true", help="load as with LLVM=1")
    p.add_argument("-O", "--build", dest="build", type=Path, help="build folder (make O=), holds .config")
    p.add_argument("--cross-compile", help="CROSS_COMPILE prefix")
    p.add_argument("--make-var", dest="make_vars", action="append", type=_make_var, default=[],
                   metavar="NAME=VALUE", help="extra make variable, e.g. CC=clang or RUSTC=/path/rustc")


def _tree(args: argparse.Namespace) -> KernelTree:
    return KernelTree(source=args.tree, build=args.build, arch=args.arch, llvm=args.llvm,
                      cross_compile=args.cross_compile, make_vars=tuple(args.make_vars))


def _load(args: argparse.Namespace) -> LoadedTree:
    progress = None
    if getattr(args, "progress", False) and sys.stderr.isatty():
        def progress(files: int, probes: int) -> None:
            print(f"\rparsing: {files} files, {probes} probes", end="", file=sys.stderr, flush=True)
    loaded = load_tree(_tree(args), progress=progress)
    if progress:
        print(file=sys.stderr)
    return loaded


def _report_issues(loaded: LoadedTree) -> None:
    rep = loaded.config_report
    if rep is None:
        return
    for issue in rep.issues:
        print(f"warning: {issue}", file=sys.stderr)


def cmd_info(args: argparse.Namespace) -> int:
    t0 = time.monotonic()
    loaded = _load(args)
    wall = time.monotonic() - t0
    kconf = loaded.kconf
    info = {
        "title": loaded.title,
        "version": loaded.version_text,
        "arch": loaded.arch,
        "srcarch": loaded.srcarch,
        "llvm": loaded.tree.llvm,
        "source": str(loaded.tree.source),
        "build": str(loaded.tree.objtree),
        "symbols": len(kconf.unique_defined_syms),
        "choices": len(kconf.unique_choices),
        "menus": len(kconf.menus),
        "kconfig_files": len(kconf.kconfig_filenames),
        "macro_calls": len(loaded.trace.calls),
        "probe_seconds": round(loaded.trace.seconds, 3),
        "environment_seconds": round(loaded.timings.environment, 3),
        "parse_seconds": round(loaded.timings.parse, 3),
        "load_seconds": round(wall, 3),
        "defconfig": loaded.defconfig_name,
        "compat_rewrites": {
            "modules": len(kconf.rewrites.modules),
            "transitional": len(kconf.rewrites.transitional),
            "conditional_depends": len(kconf.rewrites.conditional_depends),
        },
    }
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    print(f"{info['title']}")
    print(f"  source        {info['source']}")
    if loaded.tree.build:
        print(f"  build (O=)    {info['build']}")
    print(f"  version       {info['version']}")
    print(f"  ARCH          {info['arch']} (SRCARCH {info['srcarch']}){'  LLVM=1' if loaded.tree.llvm else ''}")
    print(f"  symbols       {info['symbols']} ({info['choices']} choices, {info['menus']} menus)")
    print(f"  Kconfig files {info['kconfig_files']}")
    print(f"  shell macros  {info['macro_calls']} ({info['probe_seconds']:.2f} s)")
    print(f"  load time     {info['load_seconds']:.2f} s (make environment "
          f"{info['environment_seconds']:.2f} s, parse {info['parse_seconds']:.2f} s)")
    print(f"  defconfig     {info['defconfig'] or '-'}")
    return 0


def _output_path(args: argparse.Namespace, loaded: LoadedTree, default_name: str) -> Path:
    if args.output:
        return Path(args.output)
    return loaded.tree.objtree / default_name


def cmd_defconfig(args: argparse.Namespace) -> int:
    loaded = _load(args)
    if args.defconfig:
        loaded.read_config(args.defconfig)
    else:
        loaded.defconfig()
    _report_issues(loaded)
    out = _output_path(args, loaded, ".config")
    loaded.write_config(out)
    print(f"configuration written to {out}", file=sys.stderr)
    return 0


def _read_start(args: argparse.Namespace, loaded: LoadedTree) -> None:
    if args.config:
        loaded.read_config(args.config)
    elif loaded.read_initial_config() is None:
        print("warning: no .config and no default configuration found; using Kconfig defaults",
              file=sys.stderr)


def cmd_olddefconfig(args: argparse.Namespace) -> int:
    loaded = _load(args)
    _read_start(args, loaded)
    _report_issues(loaded)
    out = _output_path(args, loaded, ".config")
    loaded.write_config(out)
    print(f"configuration written to {out}", file=sys.stderr)
    return 0


def cmd_savedefconfig(args: argparse.Namespace) -> int:
    loaded = _load(args)
    _read_start(args, loaded)
    _report_issues(loaded)
    out = _output_path(args, loaded, "defconfig")
    loaded.write_min_config(out)
    print(f"minimal configuration written to {out}", file=sys.stderr)
    return 0


def cmd_allconfig(args: argparse.Namespace) -> int:
    loaded = _load(args)
    loaded.all_new(args.mode)
    out = _output_path(args, loaded, ".config")
    loaded.write_config(out)
    print(f"configuration written to {out}", file=sys.stderr)
    return 0


def cmd_probe(args: argparse.Namespace) -> int:
    from .core.probe import ProbeRequest, check_can_probe, result_to_json, run_probe

    tree = _tree(args)
    check_can_probe(tree)
    result = run_probe(ProbeRequest(tree, timeout=args.timeout))
    if args.json:
        print(result_to_json(result))
    else:
        v = ".".join(str(x) for x in result.tree_version)
        status = "timed out" if result.timed_out else f"exit status {result.returncode}"
        print(f"Linux {v}: make rustavailable ({result.seconds:.2f} s, {status})")
        for f in result.findings:
            print(f"{f.severity}: {f.message}")
            if f.found_version or f.required_version:
                print(f"    found {f.found_version or '?'}, required {f.required_version or '?'}")
            for line in f.details:
                print(f"    | {line}")
            for r in f.remedies:
                print(f"    fix: {r.title}" + (f": {r.command}" if r.command else ""))
        print("Rust is available." if result.available else "Rust is not available.")
    if result.timed_out:
        return 1
    return 0 if result.available else 3


def _why_target(loaded: LoadedTree, spec: str) -> tuple[object, str | None]:
    """SYMBOL[=VALUE] (CONFIG_ prefix allowed), or the prompt of a menu, comment or choice."""
    from kconfiglib import Choice, Symbol

    name, sep, value = spec.partition("=")
    name = name.strip()
    sym = loaded.sym(name[len("CONFIG_"):] if name.startswith("CONFIG_") else name)
    if sym is not None:
        return sym, (value.strip() if sep else None)
    for node in loaded.ev.walk():
        if node.prompt and str(node.prompt[0]) == spec and node.item.__class__ is not Symbol:
            return (node.item if node.item.__class__ is Choice else node), None
    raise RustconfigError(f"'{name}' is neither a symbol nor the prompt of a menu or choice in this tree.")


def cmd_why(args: argparse.Namespace) -> int:
    from kconfiglib import BOOL, TRISTATE, Symbol

    from .core import why

    loaded = _load(args)
    _read_start(args, loaded)
    _report_issues(loaded)
    target, want = _why_target(loaded, args.target)
    try:
        if want is None and target.__class__ is Symbol:
            # a bool/tristate that is off: why it cannot be y; anything else: why it has its value
            if target.orig_type in (BOOL, TRISTATE) and loaded.ev.tri(target) == 0:
                explanation = why.explain(loaded, target, "y")
            else:
                explanation = why.explain_set(loaded, target)
        else:
            explanation = why.explain(loaded, target, want or "visible")
    except ValueError as e:
        raise RustconfigError(str(e)) from None
    if args.json:
        print(json.dumps(explanation.to_dict(), indent=2))
    else:
        print(explanation.text())
    return 0


def cmd_rust_status(args: argparse.Namespace) -> int:
    from .core import why

    loaded = _load(args)
    _read_start(args, loaded)
    _report_issues(loaded)
    status = why.rust_status(loaded)
    if args.json:
        print(json.dumps(status.to_dict(), indent=2))
    else:
        print(status.text())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rustconfig",
        description="Load a Linux kernel tree's Kconfig exactly as the kernel's own conf does.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("info", help="version, ARCH, symbol and file counts, load time, macro count")
    _tree_arguments(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--progress", action="store_true", help="show parsing progress on a terminal")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("defconfig", help="write .config from the arch's default configuration")
    _tree_arguments(p)
    p.add_argument("--defconfig", type=Path, help="start from this file instead of KBUILD_DEFCONFIG")
    p.add_argument("-o", "--output", type=Path, help="file to write (default: BUILD/.config)")
    p.set_defaults(func=cmd_defconfig)

    p = sub.add_parser("olddefconfig", help="update .config, new symbols get their defaults")
    _tree_arguments(p)
    p.add_argument("--config", type=Path, help="read this file (default: BUILD/.config)")
    p.add_argument("-o", "--output", type=Path, help="file to write (default: BUILD/.config)")
    p.set_defaults(func=cmd_olddefconfig)

    p = sub.add_parser("savedefconfig", help="write the minimal config (make savedefconfig)")
    _tree_arguments(p)
    p.add_argument("--config", type=Path, help="read this file (default: BUILD/.config)")
    p.add_argument("-o", "--output", type=Path, help="file to write (default: BUILD/defconfig)")
    p.set_defaults(func=cmd_savedefconfig)

    for mode in ("no", "yes", "mod"):
        p = sub.add_parser(f"all{mode}config", help=f"new symbols set to {mode} (make all{mode}config)")
        _tree_arguments(p)
        p.add_argument("-o", "--output", type=Path, help="file to write (default: BUILD/.config)")
        p.set_defaults(func=cmd_allconfig, mode=mode)

    p = sub.add_parser("why", help="why a symbol, choice or menu is hidden or off, or why it has its value")
    _tree_arguments(p)
    p.add_argument("target", metavar="SYMBOL[=VALUE]",
                   help="a symbol, optionally with the wanted value (y, m, n, visible or a string/number); "
                        "or the prompt of a menu or choice")
    p.add_argument("--config", type=Path, help="read this file (default: BUILD/.config, else the defconfig)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_why)

    p = sub.add_parser("rust-status", help="every condition of 'config RUST', its blockers, all Rust entries")
    _tree_arguments(p)
    p.add_argument("--config", type=Path, help="read this file (default: BUILD/.config, else the defconfig)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_rust_status)

    p = sub.add_parser("probe", help="run make rustavailable and explain what it says")
    _tree_arguments(p)
    p.add_argument("--timeout", type=float, default=60.0, metavar="S", help="stop make after S seconds (60)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_probe)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except RustconfigError as e:
        print(f"rustconfig: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("rustconfig: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
