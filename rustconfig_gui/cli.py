"""``rustconfig``: the core without a window."""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rustconfig_gui import __version__
from rustconfig_gui.errors import RustconfigError
from rustconfig_gui.host import process
from rustconfig_gui.host.paths import clean_for_json, install_escape_errors
from rustconfig_gui.kconfig.tree import EnvironmentCapture, KernelTree

# The parser, the evaluator and the rest are imported once make's environment is
# being captured (see _start_environment): the two overlap.
if TYPE_CHECKING:
    from rustconfig_gui.kconfig.loader import LoadedTree


def _dumps(value: object) -> str:
    """JSON output: paths that are not UTF-8 carry \\xNN escapes, never lone surrogates."""
    return json.dumps(clean_for_json(value), indent=2)


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
    _cache_argument(p)


def _cache_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--no-cache", action="store_true",
                   help="parse and run every $(shell,…) probe instead of reusing unchanged results")


def _tree(args: argparse.Namespace) -> KernelTree:
    return KernelTree(source=args.tree, build=args.build, arch=args.arch, llvm=args.llvm,
                      cross_compile=args.cross_compile, make_vars=tuple(args.make_vars))


def _show_progress(files: int, probes: int) -> None:
    print(f"\rparsing: {files} files, {probes} probes", end="", file=sys.stderr, flush=True)


def _load(args: argparse.Namespace) -> LoadedTree:
    progress = _show_progress if getattr(args, "progress", False) and sys.stderr.isatty() else None
    loaded = _load_tree(args, _tree(args), progress)
    if progress is not None:
        print(file=sys.stderr)
    return loaded


def _load_tree(args: argparse.Namespace, tree: KernelTree,
               progress: Callable[[int, int], None] | None = None) -> LoadedTree:
    from rustconfig_gui.kconfig.loader import load_tree
    from rustconfig_gui.kconfig.memory import exempt_long_lived
    from rustconfig_gui.kconfig.parsecache import ParseCache
    from rustconfig_gui.kconfig.shell.cache import ProbeCache

    use = not getattr(args, "no_cache", True)
    environment, args.environment = getattr(args, "environment", None), None
    loaded = load_tree(tree, progress=progress, probe_cache=ProbeCache() if use else None,
                       parse_cache=ParseCache() if use else None, environment=environment)
    if use:
        args.keep_parse = loaded
    if getattr(args, "as_command", False):
        # the tree lives until the process ends: later collections need not walk its ~1M objects
        # (~45 ms per command on 7.2); never in a caller's process, whose trees must be freed
        exempt_long_lived()
    return loaded


def _keep_parse(args: argparse.Namespace) -> None:
    """After the command's output: a fresh parse is stored for the next run by
    a child that finishes on its own (the answer never waits for it)."""
    loaded = getattr(args, "keep_parse", None)
    stopped = sys.exc_info()[1]
    if stopped is not None and not isinstance(stopped, RustconfigError):
        return  # interrupted (Ctrl+C) or a bug: nothing is left running
    if loaded is not None:
        from rustconfig_gui.kconfig.loader import store_parse_detached
        from rustconfig_gui.kconfig.parsecache import ParseCache

        args.keep_parse = None
        store_parse_detached(loaded, ParseCache())


def _early_tree(args: argparse.Namespace) -> KernelTree | None:
    """The tree the command loads, when it loads one."""
    if args.func is cmd_diff:
        return KernelTree(source=args.tree, arch=args.arch, llvm=args.llvm) if args.tree is not None else None
    return _tree(args) if args.func in _LOADS_TREE else None


def _start_environment(args: argparse.Namespace) -> None:
    """Start asking the tree's make for its environment (~0.1 s, a child on the
    other core) before the parser and the command's modules are imported: the
    load takes it over (``load_tree(environment=…)``).  A tree that cannot be
    described is left to the load, which says why."""
    try:
        tree = _early_tree(args)
    except (RustconfigError, OSError, ValueError):
        return
    if tree is not None:
        args.environment = EnvironmentCapture(tree)


def _drop_environment(args: argparse.Namespace) -> None:
    """A capture the command did not take (it stopped before loading): make is stopped, nothing is left."""
    environment, args.environment = getattr(args, "environment", None), None
    if environment is not None:
        environment.cancel()


def _report_issues(loaded: LoadedTree) -> None:
    rep = loaded.config_report
    if rep is None:
        return
    for issue in rep.issues:
        print(f"warning: {issue}", file=sys.stderr)


def cmd_cache_clear(args: argparse.Namespace) -> int:
    from rustconfig_gui.kconfig.parsecache import ParseCache
    from rustconfig_gui.kconfig.shell.cache import ProbeCache

    probes, parses = ProbeCache(), ParseCache()
    print(f"removed {probes.clear()} cached probe results from {probes.root}")
    print(f"removed {parses.clear()} stored parses from {parses.root}")
    return 0


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
        "macro_calls_cached": sum(1 for c in loaded.trace.calls if c.cached),
        "parse_cached": loaded.timings.parse_cached,
        "parse_cache_miss": loaded.timings.parse_miss,
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
        print(_dumps(info), flush=True)
        return 0
    print(f"{info['title']}")
    # the folders as given (a symlinked tree keeps its name)
    print(f"  source        {loaded.tree.shown_source or info['source']}")
    if loaded.tree.build:
        print(f"  build (O=)    {loaded.tree.shown_build or info['build']}")
    print(f"  version       {info['version']}")
    print(f"  ARCH          {info['arch']} (SRCARCH {info['srcarch']}){'  LLVM=1' if loaded.tree.llvm else ''}")
    print(f"  symbols       {info['symbols']} ({info['choices']} choices, {info['menus']} menus)")
    print(f"  Kconfig files {info['kconfig_files']}")
    print(f"  shell macros  {info['macro_calls']} ({info['probe_seconds']:.2f} s, "
          f"{info['macro_calls_cached']} from the probe cache)")
    parse = "stored parse, checked" if info["parse_cached"] else "parse"
    print(f"  load time     {info['load_seconds']:.2f} s (make environment "
          f"{info['environment_seconds']:.2f} s, {parse} {info['parse_seconds']:.2f} s)")
    if loaded.timings.parse_miss.startswith("damaged"):
        print(f"  stored parse  {loaded.timings.parse_miss} (the damaged entry was removed)")
    print(f"  defconfig     {info['defconfig'] or '-'}", flush=True)
    return 0


def _write(path: str | Path, text: str) -> None:
    """Write as conf does (mode, .old); say what could not be kept."""
    from rustconfig_gui.kconfig.configfile import write_atomic

    result = write_atomic(path, text)
    if result.note:
        print(f"warning: {result.note}", file=sys.stderr)


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
    _write(out, loaded.config_text())
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
    _write(out, loaded.config_text())
    print(f"configuration written to {out}", file=sys.stderr)
    return 0


def cmd_savedefconfig(args: argparse.Namespace) -> int:
    loaded = _load(args)
    _read_start(args, loaded)
    _report_issues(loaded)
    out = _output_path(args, loaded, "defconfig")
    _write(out, loaded.min_config_text())
    print(f"minimal configuration written to {out}", file=sys.stderr)
    return 0


def cmd_newconfig(args: argparse.Namespace) -> int:
    """``make listnewconfig`` / ``make helpnewconfig``: the same text on stdout."""
    from rustconfig_gui.kconfig import newoptions

    loaded = _load(args)
    _read_start(args, loaded)
    _report_issues(loaded)
    text = (newoptions.helpnewconfig_text if args.help_text else newoptions.listnewconfig_text)(loaded.ev)
    sys.stdout.write(text)
    return 0


def cmd_upgrade_report(args: argparse.Namespace) -> int:
    from rustconfig_gui.kconfig import configfile
    from rustconfig_gui.workspace.upgrade import upgrade_report

    loaded = _load(args)
    data = configfile.read_config_bytes(args.config)
    text, _ = configfile.decode_config_bytes(data, str(args.config))
    report = loaded.read_config(args.config)
    result = upgrade_report(loaded, report, text)
    if args.json:
        print(_dumps(result.to_dict()))
    else:
        sys.stdout.write(result.text())
    return 0


def cmd_allconfig(args: argparse.Namespace) -> int:
    loaded = _load(args)
    loaded.all_new(args.mode)
    out = _output_path(args, loaded, ".config")
    _write(out, loaded.config_text())
    print(f"configuration written to {out}", file=sys.stderr)
    return 0


def cmd_probe(args: argparse.Namespace) -> int:
    from rustconfig_gui.toolchain.rustavailable import (
        ProbeRequest,
        check_can_probe,
        result_to_json,
        run_probe,
    )

    tree = _tree(args)
    check_can_probe(tree)
    result = run_probe(ProbeRequest(tree, timeout=args.timeout, use_caches=not getattr(args, "no_cache", False)))
    if args.json:
        print(_dumps(json.loads(result_to_json(result))))
    else:
        v = ".".join(str(x) for x in result.tree_version)
        status = "timed out" if result.timed_out else f"exit status {result.returncode}"
        print(f"Linux {v}: make rustavailable ({result.seconds:.2f} s, {status})")
        for f in result.findings:
            if f.kind == "available":
                continue
            print(f"{f.severity}: {f.message}")
            if f.found_version or f.required_version:
                print(f"    {_versions(f)}")
            for line in f.details:
                print(f"    | {line}")
            for r in f.remedies:
                print(f"    fix: {r.title}" + (f": {r.command}" if r.command else ""))
        print("Rust is available." if result.available else "Rust is not available.")
    if result.timed_out:
        return 1
    return 0 if result.available else 3


def _versions(f: object) -> str:
    found, required = getattr(f, "found_version", None), getattr(f, "required_version", None)
    if not (found or required):
        return ""
    a, b = getattr(f, "version_labels", ("found", "required"))
    return f"{a} {found or '?'}, {b} {required or '?'}"


def cmd_doctor(args: argparse.Namespace) -> int:
    from rustconfig_gui.toolchain.doctor import report_to_dict, run_doctor
    from rustconfig_gui.toolchain.rustavailable import ProbeRequest, check_can_probe

    tree = _tree(args)
    check_can_probe(tree)
    report = run_doctor(ProbeRequest(tree, timeout=args.timeout, use_caches=not args.no_cache))
    if args.json:
        print(json.dumps(report_to_dict(report), indent=2, sort_keys=True, ensure_ascii=False))
        return 0 if report.ok else 3
    v = ".".join(str(x) for x in report.tree_version)
    given = " ".join(f"{k}={val}" for k, val in report.variables.items())
    print(f"Linux {v} ({report.machine.distro.short_name}; {given})")
    problems = report.problems
    print(f"The doctor: {len(problems)} problem{'s' if len(problems) != 1 else ''} "
          f"({len(report.errors)} error{'s' if len(report.errors) != 1 else ''}) in {len(report.checks)} checks")
    for c in report.checks:
        mark = {"error": "error", "warning": "warning", "ok": "ok", "skipped": "skipped"}.get(c.status, c.status)
        extra = "" if c.by_script else "  [not checked by the tree's script]"
        print(f"{mark:>8}: {c.message}{extra}")
        if c.problem:
            versions = _versions(c.finding())
            if versions:
                print(f"          {versions}")
            for line in c.details[:8]:
                print(f"          | {line}")
            for r in c.remedies:
                how = " [runs without root]" if r.runnable else ""
                print(f"          fix: {r.title}" + (f": {r.command}" if r.command else "") + how)
    s = report.script
    if s is not None:
        if s.timed_out:
            verdict = "timed out"
        else:
            first = next((f.message for f in s.findings if f.severity == "error"), None)
            verdict = "Rust is available" if s.available else f"Rust is not available ({first or 'see its output'})"
        print(f"The tree's script (make rustavailable, the verdict Kconfig reads): {verdict}")
    for d in report.disagreements():
        print(f"disagreement: {d}")
    if s is not None:
        return 0 if s.available else 3
    return 0 if report.ok else 3


def _why_target(loaded: LoadedTree, spec: str) -> tuple[Any, str | None]:
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
    from rustconfig_gui.explain.rustclass import name_is_rust, predates_rust

    older = predates_rust(loaded) if name_is_rust(name.removeprefix("CONFIG_")) else None
    raise RustconfigError(f"'{name}' is neither a symbol nor the prompt of a menu or choice in this tree."
                          + (f" {older}" if older else ""))


def cmd_why(args: argparse.Namespace) -> int:
    from kconfiglib import BOOL, TRISTATE, Symbol

    from rustconfig_gui.explain import why
    from rustconfig_gui.explain.provenance import value_source

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
    source = value_source(loaded, target) if target.__class__ is Symbol else None
    if args.json:
        data = explanation.to_dict()
        if source is not None:
            data["value_source"] = {"kind": source.kind, "text": source.sentence(), "symbols": list(source.symbols)}
        print(_dumps(data))
    else:
        print(explanation.text())
        if source is not None:
            print(f"\nValue {loaded.ev.str_value(target) or chr(34) * 2}: {source.sentence()}")
    return 0


def cmd_rust_status(args: argparse.Namespace) -> int:
    from rustconfig_gui.explain import why

    loaded = _load(args)
    _read_start(args, loaded)
    _report_issues(loaded)
    status = why.rust_status(loaded)
    if args.json:
        print(_dumps(status.to_dict()))
    else:
        print(status.text())
    return 0


def cmd_fix(args: argparse.Namespace) -> int:
    from rustconfig_gui.explain import fix

    loaded = _load(args)
    _read_start(args, loaded)
    _report_issues(loaded)
    try:
        target = fix.find_target(loaded, args.target)
    except ValueError as e:
        raise RustconfigError(f"{e}.") from None
    probe = None
    if args.probe:
        from rustconfig_gui.toolchain.doctor import run_doctor
        from rustconfig_gui.toolchain.rustavailable import ProbeRequest, check_can_probe

        check_can_probe(loaded.tree)
        # every toolchain problem becomes its own outside step
        probe = run_doctor(ProbeRequest(loaded.tree, use_caches=not getattr(args, "no_cache", False)))
    result = fix.plan_fix(loaded, target, probe=probe, max_plans=args.plans)
    if args.json:
        print(_dumps(result.to_dict()))
    else:
        print(result.text())
    if args.output is not None:
        plan = next((pl for pl in result.plans if pl.verified and not pl.outside_steps), None)
        if result.already:
            pass
        elif plan is None:
            raise RustconfigError("no plan works with configuration changes alone; nothing was written.")
        else:
            from rustconfig_gui.workspace.session import Session

            Session(loaded).apply_plan(plan)
        _write(args.output, loaded.config_text())
        print(f"configuration written to {args.output}", file=sys.stderr)
    return 0 if result.already or result.possible_here else 3


def cmd_preset_list(args: argparse.Namespace) -> int:
    from rustconfig_gui.workspace import presets

    frags = presets.builtin_presets() + presets.user_presets()
    if args.tree is not None:
        tree = KernelTree(source=args.tree, arch=args.arch)
        tree.validate()
        frags += presets.tree_fragments(tree.source, tree.srcarch)
    if args.json:
        print(_dumps({"user_folder": str(presets.user_preset_dir()),
                      "presets": [f.to_dict() for f in frags]}))
        return 0
    origin = {"builtin": "built-in", "user": "yours", "tree": "tree"}
    for f in frags:
        where = f.label if f.origin == "tree" else f.name
        print(f"{origin.get(f.origin, f.origin):9} {where:34} {f.title}")
        if f.description:
            print(f"{'':9} {'':34} {f.description}")
    print(f"(your presets are kept in {presets.user_preset_dir()})", file=sys.stderr)
    return 0


def cmd_preset_apply(args: argparse.Namespace) -> int:
    from rustconfig_gui.workspace import presets
    from rustconfig_gui.workspace.session import Session

    loaded = _load(args)
    _read_start(args, loaded)
    _report_issues(loaded)
    frags = [f for spec in args.presets for f in presets.find_presets(spec, loaded)]

    # the same path as the window's Apply presets: one step of a session
    report = Session(loaded).apply_fragments(frags)
    if args.json:
        print(_dumps(report.to_dict()))
    else:
        print(report.text(), end="")
    if not args.dry_run:
        out = _output_path(args, loaded, ".config")
        _write(out, loaded.config_text())
        print(f"configuration written to {out}", file=sys.stderr)
    return 3 if args.check and not report.ok else 0


def cmd_preset_save(args: argparse.Namespace) -> int:
    from rustconfig_gui.explain.rustclass import rust_symbols
    from rustconfig_gui.kconfig.configfile import write_atomic
    from rustconfig_gui.workspace import fragments, presets

    loaded = _load(args)
    _read_start(args, loaded)
    _report_issues(loaded)
    head = presets.header(loaded, args.title or (args.name or ""), args.description or "")
    if args.base == "defconfig":
        path = loaded.defconfig_path()
        if path is None:
            raise RustconfigError(f"This ARCH has no arch/{loaded.srcarch}/configs/{loaded.defconfig_name}.")
        base_label = loaded.defconfig_name
    else:
        path = Path(args.base)
        base_label = path.name
    try:
        base_text = path.read_bytes().decode("utf-8", "replace")
    except OSError as e:
        raise RustconfigError(f"{path} cannot be read: {e.strerror}.") from None
    if args.symbols:
        syms = []
        for name in args.symbols:
            sym = loaded.sym(name.removeprefix("CONFIG_"))
            if sym is None:
                raise RustconfigError(f"{name} is not a symbol of this tree.")
            syms.append(sym)
    else:
        syms = presets.base_differences(loaded, base_text)
        if args.rust:
            rust = set(rust_symbols(loaded))
            syms = [s for s in syms if s in rust]
    chosen = presets.fragment_for(loaded, syms)
    done = fragments.complete_fragment(loaded, chosen, base_text, base_label, add=not args.only_chosen)
    text = done.text(head)
    for ln in done.added:
        print(f"added {ln.text}: needed by {', '.join(ln.needed_by)}", file=sys.stderr)
    if done.sticks:
        print(f"checked: {done.summary()}", file=sys.stderr)
    else:
        print(f"warning: {done.summary()}", file=sys.stderr)
    for c in done.conflicts:
        print(f"warning: {c}", file=sys.stderr)
    if args.output:
        write_atomic(args.output, text, keep_old=False)
        print(f"fragment written to {args.output}", file=sys.stderr)
    elif args.name:
        saved = presets.save_user_preset(args.name, text)
        print(f"preset written to {saved}", file=sys.stderr)
    else:
        print(text, end="")
    return 0


def cmd_preset_check(args: argparse.Namespace) -> int:
    from rustconfig_gui.workspace import fragments, presets

    frags = presets.find_presets(args.fragment)
    if len(frags) != 1:
        raise RustconfigError(f"'{args.fragment}' names {len(frags)} fragments; give one file.")
    frag = frags[0]
    base_text = None
    if args.base is not None:
        try:
            base_text = Path(args.base).read_bytes().decode("utf-8", "replace")
        except OSError as e:
            raise RustconfigError(f"{args.base} cannot be read: {e.strerror}.") from None
    trees = [KernelTree(source=src, arch=arch, llvm=args.llvm, make_vars=tuple(args.make_vars))
             for src in args.trees for arch in (args.arch or [None])]
    checks = fragments.check_on_trees(frag, trees, base_text=base_text,
                                      base_label=Path(args.base).name if args.base else "")
    summary = fragments.check_summary(checks)
    if args.json:
        print(_dumps({"schema": 1, "fragment": frag.label, "sticks": all(c.sticks for c in checks),
                      "summary": summary, "trees": [c.to_dict() for c in checks]}))
    else:
        for c in checks:
            print(f"{c.name} ({c.base_label}): " + ("every line sticks" if c.sticks else c.phrase()))
        print(f"{frag.label}: {summary}")
    return 0 if all(c.sticks for c in checks) else 3


def cmd_diff(args: argparse.Namespace) -> int:
    from rustconfig_gui.explain.rustclass import name_is_rust
    from rustconfig_gui.kconfig.configfile import decode_config_bytes
    from rustconfig_gui.workspace.diffconfig import diff_configs, read_values

    texts = []
    for p in (args.a, args.b):
        try:
            texts.append(decode_config_bytes(Path(p).read_bytes(), str(p))[0])
        except OSError as e:
            raise RustconfigError(f"{p} cannot be read: {e.strerror}.") from None
    names = set(read_values(texts[0])) | set(read_values(texts[1]))
    rust = {n for n in names if name_is_rust(n)}
    if args.tree is not None:
        from rustconfig_gui.explain.rustclass import rust_symbols

        loaded = _load_tree(args, KernelTree(source=args.tree, arch=args.arch, llvm=args.llvm))
        rust |= {s.name for s in rust_symbols(loaded)}
    diff = diff_configs(texts[0], texts[1], rust).filtered(args.filter or "", rust_only=args.rust_only)
    if args.json:
        print(_dumps(diff.to_dict()))
    else:
        print(diff.text(mark_rust=not args.no_mark, merge_style=args.merge), end="")
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

    p = sub.add_parser("cache", help="the probe-result and parse caches")
    csub = p.add_subparsers(dest="cache_command", required=True, metavar="ACTION")
    q = csub.add_parser("clear", help="remove every cached probe result and stored parse")
    q.set_defaults(func=cmd_cache_clear)

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

    for name, help_text, what in (("listnewconfig", False, "list new options (make listnewconfig)"),
                                  ("helpnewconfig", True, "list new options and help text (make helpnewconfig)")):
        p = sub.add_parser(name, help=what)
        _tree_arguments(p)
        p.add_argument("--config", type=Path, help="read this file (default: BUILD/.config, else the defconfig)")
        p.set_defaults(func=cmd_newconfig, help_text=help_text)

    p = sub.add_parser("upgrade-report",
                       help="a config from an older kernel on this tree: new options, values changed, options gone")
    _tree_arguments(p)
    p.add_argument("--config", type=Path, required=True, help="the older kernel's config file")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_upgrade_report)

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

    p = sub.add_parser("fix", help="plans that make a symbol, choice or menu available (smallest first)")
    _tree_arguments(p)
    p.add_argument("target", metavar="SYMBOL[=VALUE]",
                   help="a symbol with the wanted value (y, m, n, visible, a string or number; default y for "
                        "bool/tristate, else visible), or the prompt of a menu or choice")
    p.add_argument("--config", type=Path, help="read this file (default: BUILD/.config, else the defconfig)")
    p.add_argument("--probe", action="store_true",
                   help="check the toolchain first (the doctor and make rustavailable), so each toolchain "
                        "problem is its own outside step")
    p.add_argument("--plans", type=int, default=3, metavar="N", help="at most N plans (3)")
    p.add_argument("-o", "--output", type=Path,
                   help="apply the smallest plan that needs no outside step and write the .config here")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_fix)

    p = sub.add_parser("probe", help="run make rustavailable and explain what it says")
    _tree_arguments(p)
    p.add_argument("--timeout", type=float, default=60.0, metavar="S", help="stop make after S seconds (60)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_probe)

    p = sub.add_parser("doctor", help="every toolchain check of rust_is_available.sh at once, with remedies "
                                      "that fit this machine, and the script's own verdict")
    _tree_arguments(p)
    p.add_argument("--timeout", type=float, default=60.0, metavar="S", help="stop a tool after S seconds (60)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=cmd_doctor)

    p = sub.add_parser("preset", help="list, apply or save config fragments (presets)")
    psub = p.add_subparsers(dest="preset_command", required=True, metavar="ACTION")
    q = psub.add_parser("list", help="the built-in presets, yours and (with --tree) the tree's own fragments")
    q.add_argument("--tree", type=Path, help="also list this kernel tree's kernel/configs and arch fragments")
    q.add_argument("--arch", help="ARCH whose arch/*/configs fragments are listed (default: the host's)")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=cmd_preset_list)
    q = psub.add_parser("apply", help="apply presets in order like merge_config.sh + olddefconfig, with a report")
    _tree_arguments(q)
    q.add_argument("presets", nargs="+", metavar="PRESET",
                   help="a preset name (see 'preset list'), a tree fragment such as rust.config, or a file")
    q.add_argument("--config", type=Path, help="start from this file (default: BUILD/.config, else the defconfig)")
    q.add_argument("-o", "--output", type=Path, help="file to write (default: BUILD/.config)")
    q.add_argument("--dry-run", action="store_true", help="only print the report, write nothing")
    q.add_argument("--check", action="store_true", help="exit with status 3 when a requested value did not take")
    q.add_argument("--json", action="store_true", help="machine-readable report")
    q.set_defaults(func=cmd_preset_apply)
    q = psub.add_parser("save", help="save a fragment: the differences from a base, or chosen symbols, with "
                                     "the values they need on the base")
    _tree_arguments(q)
    q.add_argument("--name", help="save as this preset in your preset folder (default: print the fragment)")
    q.add_argument("--config", type=Path, help="the configuration to save from (default: BUILD/.config)")
    q.add_argument("--base", default="defconfig", metavar="defconfig|FILE",
                   help="record the differences from the arch's defconfig (default) or from FILE")
    q.add_argument("--rust", action="store_true", help="keep only Rust-related symbols")
    q.add_argument("--symbols", nargs="+", metavar="SYMBOL", help="record these symbols' current values")
    q.add_argument("--only-chosen", action="store_true",
                   help="do not add the values the chosen lines need on the base (added by default)")
    q.add_argument("--title", help="title recorded in the header")
    q.add_argument("--description", help="description recorded in the header")
    q.add_argument("-o", "--output", type=Path, help="export the fragment to this file")
    q.set_defaults(func=cmd_preset_save)
    q = psub.add_parser("check", help="does a fragment stick on these trees' defconfigs (merge_config.sh + "
                                      "olddefconfig)?")
    q.add_argument("fragment", metavar="FRAGMENT", help="a preset name or a fragment file")
    q.add_argument("trees", nargs="+", type=Path, metavar="TREE", help="kernel source folders")
    q.add_argument("--arch", action="append", help="ARCH as given to make (repeatable; default: the host's)")
    q.add_argument("--llvm", action="store_true", help="load as with LLVM=1")
    q.add_argument("--make-var", dest="make_vars", action="append", type=_make_var, default=[],
                   metavar="NAME=VALUE", help="extra make variable, e.g. RUSTC=/path/rustc")
    q.add_argument("--base", type=Path, help="merge onto this file instead of each tree's defconfig")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.set_defaults(func=cmd_preset_check)

    p = sub.add_parser("diff", help="compare two config files like scripts/diffconfig, Rust rows marked")
    p.add_argument("a", nargs="?", type=Path, default=Path(".config.old"), help="old file (default: .config.old)")
    p.add_argument("b", nargs="?", type=Path, default=Path(".config"), help="new file (default: .config)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("-m", "--merge", action="store_true", help="print changed and new values as .config lines")
    p.add_argument("--no-mark", action="store_true", help="exactly diffconfig's text, without the [rust] marks")
    p.add_argument("--rust-only", action="store_true", help="only Rust-related rows")
    p.add_argument("--filter", metavar="TEXT", help="only rows whose name or values contain TEXT")
    p.add_argument("--tree", type=Path, help="mark Rust rows with this tree's classification, not by name only")
    p.add_argument("--arch", help="ARCH for --tree")
    p.add_argument("--llvm", action="store_true", help="load --tree as with LLVM=1")
    _cache_argument(p)
    p.set_defaults(func=cmd_diff)
    return parser


# the commands that load a tree (cmd_diff only with --tree): make's environment is started first
_LOADS_TREE = frozenset({cmd_info, cmd_defconfig, cmd_olddefconfig, cmd_savedefconfig, cmd_newconfig,
                         cmd_upgrade_report, cmd_allconfig, cmd_why, cmd_rust_status, cmd_fix, cmd_preset_apply,
                         cmd_preset_save})


class Terminated(BaseException):
    """SIGTERM (or SIGHUP): unwind like Ctrl+C, so temp folders go and nothing is left running."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


#: the signals received while the command runs (the first one is its outcome)
_received: list[int] = []


def _on_signal(signum: int, _frame: object) -> None:
    _received.append(signum)
    # first every child group (make, the probes, rustc): they do not see the terminal's Ctrl+C
    process.stop_all()
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)


def main(argv: list[str] | None = None) -> int:
    # a folder name that is not UTF-8 is printed with \\xNN escapes, never a traceback
    errors = install_escape_errors()
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors=errors)
    code = _main(argv)
    if argv is None:
        # run as the command: the answer is out and the parse writer on its own; tearing
        # down a loaded tree's ~1M objects at exit would only delay the caller (0.1–0.3 s)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)
    return code


def _signalled(signum: int) -> int:
    """Say how the command was ended by ``signum``; the exit status a shell gives."""
    if signum == signal.SIGINT:
        print("rustconfig: interrupted", file=sys.stderr)
    else:
        print(f"rustconfig: terminated by {signal.Signals(signum).name}", file=sys.stderr)
    return 128 + signum


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.as_command = argv is None
    previous = {}
    _received.clear()
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            previous[signum] = signal.signal(signum, _on_signal)
    try:
        try:
            _start_environment(args)
            return int(args.func(args))
        finally:
            _drop_environment(args)
            _keep_parse(args)
    except RustconfigError as e:
        if _received:
            # the signal stopped the children first, and a thread waiting for one of them (make's
            # environment, a probe) reported that before the signal's own exception came through
            return _signalled(_received[0])
        print(f"rustconfig: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return _signalled(signal.SIGINT)
    except Terminated as e:
        return _signalled(e.signum)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


if __name__ == "__main__":
    sys.exit(main())
