"""Loading a kernel tree: environment, parse, evaluation — one object for the rest."""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kconfiglib import Symbol

from rustconfig_gui.errors import ConfigFileError, RustconfigError
from rustconfig_gui.kconfig import configfile
from rustconfig_gui.kconfig.lastload import Recheck, load_ahead, recheck, remember_load, show_stored
from rustconfig_gui.kconfig.memory import collector_paused
from rustconfig_gui.kconfig.menutree import ReverseDeps, static_children
from rustconfig_gui.kconfig.parsecache import ParseCache
from rustconfig_gui.kconfig.parser import KernelKconfig, LateBindingFailed, Progress
from rustconfig_gui.kconfig.semantics import Evaluator, Semantics
from rustconfig_gui.kconfig.shell.cache import ProbeCache
from rustconfig_gui.kconfig.shell.runner import MacroTrace, ShellProbes
from rustconfig_gui.kconfig.tree import (
    EnvironmentCapture,
    KconfigEnvironment,
    KernelTree,
    capture_environment,
    host_arch,
)


@dataclass
class LoadTimings:
    environment: float = 0.0
    parse: float = 0.0
    probes: float = 0.0
    # the parse came from the parse cache (``parse`` then covers checking and reading it)
    parse_cached: bool = False
    # why a stored parse was not used ("" when none was looked for, or it was used)
    parse_miss: str = ""
    # shown as the last load left it, not checked yet (open_stored; recheck_stored says)
    unchecked: bool = False

    @property
    def total(self) -> float:
        return self.environment + self.parse


@dataclass
class LoadedTree:
    """A parsed and evaluated kernel tree with its current configuration."""

    tree: KernelTree
    env: KconfigEnvironment
    kconf: KernelKconfig
    ev: Evaluator
    timings: LoadTimings = field(default_factory=LoadTimings)
    config_report: configfile.ConfigReadReport | None = None
    # the user values as the last configuration file read left them, and that file:
    # a value still equal to it came from the file, any other is an edit since
    file_values: dict[Symbol, int | str] = field(default_factory=dict)
    file_path: Path | None = None

    @property
    def version(self) -> tuple[int, ...]:
        return self.env.version

    @property
    def version_text(self) -> str:
        return self.env.version_text

    @property
    def arch(self) -> str:
        return self.env.variables.get("ARCH", self.tree.effective_arch)

    @property
    def srcarch(self) -> str:
        return self.env.variables.get("SRCARCH", self.tree.srcarch)

    @property
    def trace(self) -> MacroTrace:
        return self.kconf.trace

    @property
    def title(self) -> str:
        return str(self.kconf.top_node.prompt[0])

    @property
    def symbols(self) -> list[Symbol]:
        return self.kconf.unique_defined_syms

    @functools.cached_property
    def reverse(self) -> ReverseDeps:
        return ReverseDeps(self.kconf)

    def sym(self, name: str) -> Symbol | None:
        s = self.kconf.syms.get(name)
        return s if s is not None and s.nodes else None

    @property
    def defconfig_name(self) -> str:
        # scripts/kconfig/Makefile: KBUILD_DEFCONFIG defaults to "defconfig"
        return self.env.defconfig or "defconfig"

    def defconfig_path(self) -> Path | None:
        """The file ``make defconfig`` starts from (arch/$SRCARCH/configs/$KBUILD_DEFCONFIG)."""
        p = self.tree.source / "arch" / self.srcarch / "configs" / self.defconfig_name
        return p if p.is_file() else None

    def defconfig_list(self) -> list[Path]:
        """Where conf looks for a starting config when .config is missing
        (KCONFIG_DEFCONFIG_LIST of scripts/kconfig/Makefile), in order."""
        paths: list[Path] = []
        if self.srcarch == host_arch():
            release = os.uname().release
            paths += [Path(f"/lib/modules/{release}/.config"), Path("/etc/kernel-config"),
                      Path(f"/boot/config-{release}")]
        paths.append(self.tree.source / "arch" / self.srcarch / "configs" / self.defconfig_name)
        return paths

    def read_initial_config(self) -> configfile.ConfigReadReport | None:
        """``conf_read(NULL)``: the build folder's .config, else the first of
        :meth:`defconfig_list` that exists; None when there is none."""
        for p in [self.tree.config_path, *self.defconfig_list()]:
            if p.is_file():
                return self.read_config(p)
        return None

    # -- the kernel's config targets ------------------------------------------

    def read_config(self, path: str | os.PathLike[str] | None = None) -> configfile.ConfigReadReport:
        """``conf_read``: load a .config (default: the build folder's)."""
        p = Path(path) if path is not None else self.tree.config_path
        report = configfile.read_config_file(self.ev, p)
        self.config_report = report
        self.file_values = dict(self.ev.user)
        self.file_path = p
        return report

    def defconfig(self) -> configfile.ConfigReadReport:
        """What ``make defconfig`` computes (not written)."""
        p = self.defconfig_path()
        if p is None:
            raise ConfigFileError(
                f"arch/{self.srcarch}/configs/{self.defconfig_name} does not exist; this ARCH's "
                f"default configuration is a make target ('make {self.defconfig_name}').")
        return self.read_config(p)

    def all_new(self, mode: str) -> None:
        """``conf_set_all_new_symbols`` for allnoconfig/allyesconfig/allmodconfig."""
        configfile.set_all_new(self.ev, mode)

    def config_text(self) -> str:
        return configfile.config_text(self.ev)

    def evaluate_shown(self) -> None:
        """Compute which entries menuconfig would show, and the values that takes."""
        for _ in self.shown_steps():
            pass

    def shown_steps(self) -> Iterator[None]:
        """:meth:`evaluate_shown` one entry at a time (the window runs it in short
        slices after its first paint: the values it computes are cached, the same
        as computed when first asked for)."""
        ev = self.ev
        for node in ev.walk():
            ev.menu_is_visible(node)
            yield

    def evaluate_first_screen(self, depth: int = 2) -> None:
        """Compute which entries a window's first screen shows (the top level
        with each of its menus open, ``depth`` levels) and whether each of those
        has entries below it: a worker does this so the first paint finds them
        cached.  A small part of :meth:`evaluate_shown` (on 7.2: ~15 % of its
        time)."""
        ev = self.ev
        level = [self.kconf.top_node]
        for _ in range(depth):
            below = []
            for node in level:
                for child in static_children(node):
                    ev.menu_is_visible(child)
                    below.append(child)
            level = below
        for node in level:
            for child in static_children(node):
                if ev.menu_is_visible(child):
                    break

    def values_copy(self) -> Evaluator:
        """The current values in an evaluator of their own: reading it in a
        worker thread is safe while ``ev`` goes on being edited (the parse is
        never written to after loading).  It starts with the values ``ev`` has
        computed (a copy of them, a few ms): a worker computing everything again
        would hold the GIL ~0.1 s, while the GUI thread paints, for values
        that are already there."""
        ev = Evaluator(self.kconf, self.ev.sem, self.ev.transitional)
        # (the values held are those of the input with no assumptions only)
        ev.restore(self.ev.snapshot(), self.ev.held() if not self.ev.assumed else None)
        return ev

    def min_config_text(self) -> str:
        return configfile.min_config_text(self.ev)

    def write_config(self, path: str | os.PathLike[str] | None = None) -> Path:
        p = Path(path) if path is not None else self.tree.config_path
        configfile.write_atomic(p, self.config_text())
        return p

    def write_min_config(self, path: str | os.PathLike[str]) -> Path:
        p = Path(path)
        configfile.write_atomic(p, self.min_config_text())
        return p


def load_tree(tree: KernelTree, *, progress: Progress | None = None,
              cancelled: Callable[[], bool] | None = None,
              probe_timeout: float = 120.0, base_env: dict[str, str] | None = None,
              probe_cache: ProbeCache | None = None, parse_cache: ParseCache | None = None,
              lookahead: bool = True, environment: EnvironmentCapture | None = None) -> LoadedTree:
    """Open ``tree`` exactly as its own ``conf`` would see it.

    ``base_env`` is the environment make starts from (default: ours).
    Raises :class:`RustconfigError` subclasses with one clear sentence.
    With ``probe_cache``, ``$(shell,…)`` results whose inputs are unchanged
    are taken from it (each MacroCall says whether it was).  With
    ``parse_cache``, a stored parse whose inputs are unchanged is used instead
    of parsing; a fresh parse is not stored here (see :func:`store_parse`).
    Without ``lookahead``, probes run one after another as the parser meets
    them, as conf runs them (see :mod:`.lookahead`).
    ``environment``: make's environment for ``tree``, captured from before the
    call (the command line starts it before its imports); one for another
    tree or timeout, or with ``base_env``, is cancelled and not used.
    """
    if environment is not None and (base_env is not None or not environment.matches(tree, probe_timeout)):
        environment.cancel()
        environment = None
    # ~1M objects that all live as long as the tree: collections during the load only cost time
    try:
        with collector_paused():
            return _load_tree(tree, progress=progress, cancelled=cancelled, probe_timeout=probe_timeout,
                              base_env=base_env, probe_cache=probe_cache, parse_cache=parse_cache,
                              lookahead=lookahead, environment=environment)
    except BaseException:
        # a failed or interrupted load (a signal's exception) leaves no make running and
        # no temporary folder of the capture behind: its thread is waited for
        if environment is not None:
            environment.cancel()
        raise


def _load_tree(tree: KernelTree, *, progress: Progress | None, cancelled: Callable[[], bool] | None,
               probe_timeout: float, base_env: dict[str, str] | None, probe_cache: ProbeCache | None,
               parse_cache: ParseCache | None, lookahead: bool,
               environment: EnvironmentCapture | None) -> LoadedTree:
    timings = LoadTimings()
    t0 = time.monotonic()

    def shell_for(variables: dict[str, str], also_stop: Callable[[], bool] | None = None) -> ShellProbes:
        # one command runs once per load, whether the stored parse's check or the parse asks for it
        stop = cancelled
        if also_stop is not None:
            stop = (lambda: also_stop() or cancelled()) if cancelled is not None else also_stop
        return ShellProbes(variables, str(tree.objtree), str(tree.source), cache=probe_cache,
                           timeout=probe_timeout, cancelled=stop)

    ahead = None
    if parse_cache is not None and base_env is None and tree.objtree.is_dir():
        # make's environment, the recorded probes and reading the stored parse side by side
        ahead = load_ahead(tree, parse_cache, shell_for, timeout=probe_timeout, progress=progress,
                           environment=environment)
    kconf = None
    if ahead is not None:
        env, shell, kconf = ahead.env, ahead.shell, ahead.kconf
        timings.parse_cached = kconf is not None
        timings.environment = ahead.environment_seconds
        t1 = t0 + ahead.environment_seconds
    else:
        if environment is not None:
            env = environment.result()
            timings.environment = environment.seconds
        else:
            env = capture_environment(tree, timeout=probe_timeout, base_env=base_env)
            timings.environment = time.monotonic() - t0
        t1 = time.monotonic()
        if tree.build is not None:
            tree.build.mkdir(parents=True, exist_ok=True)
        shell = shell_for(env.variables)
    try:
        if parse_cache is not None and kconf is None and (ahead is None or not ahead.checked):
            kconf = parse_cache.load(shell, progress=progress)
            timings.parse_cached = kconf is not None
            timings.parse_miss = "" if kconf is not None else parse_cache.last_miss
        if kconf is None:
            def parse(late: bool) -> KernelKconfig:
                return KernelKconfig(str(tree.source), env.variables, cwd=str(tree.objtree), progress=progress,
                                     late_defaults=late, probes=shell, lookahead=lookahead)
            try:
                kconf = parse(late=True)
            except LateBindingFailed:
                # a default macro printed nothing: the ordinary parse reports it at its line
                kconf = parse(late=False)
    except BaseException:
        shell.close(abandon=True)
        raise
    shell.close()
    timings.parse = time.monotonic() - t1
    timings.probes = kconf.trace.seconds
    semantics = Semantics.for_version(env.version)
    ev = Evaluator(kconf, semantics, kconf.transitional_syms)
    return LoadedTree(tree=tree, env=env, kconf=kconf, ev=ev, timings=timings)


def open_stored(tree: KernelTree, parse_cache: ParseCache, *, progress: Progress | None = None,
                cancelled: Callable[[], bool] | None = None) -> LoadedTree | None:
    """The tree as its last load left it (make's environment and every probe's
    result as recorded, the stored parse), running nothing: for showing at
    once.  None when there is nothing to show that way.  Not checked
    (``timings.unchecked``): :func:`recheck_stored` says whether a load now
    gives the same."""
    t0 = time.monotonic()
    with collector_paused():
        shown = show_stored(tree, parse_cache, progress=progress, cancelled=cancelled)
    if shown is None:
        return None
    env, kconf = shown
    timings = LoadTimings(parse=time.monotonic() - t0, probes=0.0, parse_cached=True, unchecked=True)
    ev = Evaluator(kconf, Semantics.for_version(env.version), kconf.transitional_syms)
    return LoadedTree(tree=tree, env=env, kconf=kconf, ev=ev, timings=timings)


def recheck_stored(lt: LoadedTree, probe_cache: ProbeCache | None, *,
                   probe_timeout: float = 120.0) -> Callable[[Callable[[], bool]], Recheck]:
    """For a tree from :func:`open_stored`: a function (run it in any thread;
    it reads nothing of ``lt``) that says what a load now would see against it.
    ``changed`` empty: the tree is what a load gives (``trace`` then holds the
    probes as they ran now); else the first difference: the tree must be loaded again."""
    tree, env = lt.tree, lt.env
    calls, stamps = list(lt.trace.calls), dict(lt.kconf.file_stamps)

    def check(cancelled: Callable[[], bool]) -> Recheck:
        return recheck(tree, env, calls, stamps, probe_cache=probe_cache, timeout=probe_timeout,
                       cancelled=cancelled)

    return check


def checked(lt: LoadedTree, result: Recheck) -> None:
    """``lt`` (from :func:`open_stored`) is what a load gives: keep the probes as they ran now."""
    if result.trace is not None:
        lt.kconf.trace = result.trace
    if result.env is not None:
        lt.env = result.env
    lt.timings.unchecked = False


def store_parse(lt: LoadedTree, parse_cache: ParseCache, stopped: Callable[[], bool] | None = None) -> bool:
    """Keep a fresh parse for the next load, and what this load saw (make's
    environment, every probe) for :mod:`.lastload`; reads the parse only: may
    run in a worker while the tree is in use.  True when a parse was written."""
    stored = False
    if not lt.timings.parse_cached:
        stored = parse_cache.store(lt.kconf, stopped)
        if not stored:
            return False
    # what this load saw, for the next one (lastload.py)
    remember_load(lt.tree, lt.env, lt.trace, parse_cache)
    return stored


def store_parse_detached(lt: LoadedTree, parse_cache: ParseCache) -> int | None:
    """:func:`store_parse` in a child process that outlives this one, so a
    command's answer never waits for the write (call it after the output).

    The entry's writer lock is taken here and handed to the child: a second
    writer of the same entry stops at once, and
    :meth:`ParseCache.wait_for_writers` waits for the child.  The child runs
    in a session of its own with stdin, stdout and stderr on /dev/null (a
    caller reading our output sees its end when we exit).  Returns the
    child's pid; None when nothing needed writing, another writer holds the
    entry, or it was written here because no child could be made."""
    if lt.timings.parse_cached:
        remember_load(lt.tree, lt.env, lt.trace, parse_cache)  # a small file, usually unchanged
        return None
    lock = parse_cache.claim(lt.kconf)
    if lock is None:
        return None
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    try:
        pid = os.fork()
    except OSError:
        with collector_paused():
            if parse_cache.store(lt.kconf, claimed=lock):
                remember_load(lt.tree, lt.env, lt.trace, parse_cache)
        return None
    if pid == 0:  # the writer
        try:
            os.setsid()
            null = os.open(os.devnull, os.O_RDWR)
            for fd in (0, 1, 2):
                os.dup2(null, fd)
            # store() releases the lock it is given; a second descriptor keeps the entry locked
            # until this process ends, so wait_for_writers() also covers the record written after
            os.dup(lock.fd)
            with collector_paused():
                if parse_cache.store(lt.kconf, claimed=lock):
                    remember_load(lt.tree, lt.env, lt.trace, parse_cache)
        finally:
            os._exit(0)
    lock.release()  # the child's copy keeps the entry locked until it is done
    return pid


def load_kconfig_dir(srctree: str | os.PathLike[str], version: tuple[int, ...],
                     env: dict[str, str] | None = None) -> tuple[KernelKconfig, Evaluator]:
    """Parse a stand-alone Kconfig (no kernel Makefile), e.g. the kernel's own
    scripts/kconfig/tests cases, with the semantics of ``version``."""
    src = os.fspath(srctree)
    try:
        kconf = KernelKconfig(src, dict(env or {}, srctree=src))
    except LateBindingFailed:
        kconf = KernelKconfig(src, dict(env or {}, srctree=src), late_defaults=False)
    ev = Evaluator(kconf, Semantics.for_version(version), kconf.transitional_syms)
    return kconf, ev


__all__ = ["LoadTimings", "LoadedTree", "Recheck", "RustconfigError", "checked", "load_tree", "open_stored",
           "recheck_stored", "store_parse", "store_parse_detached"]
