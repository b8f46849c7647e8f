"""The configuration being edited: one owner, one history, one notification.

A :class:`Session` holds the loaded tree (:class:`LoadedTree`), the file its
values came from, the file Save writes, whether there are unsaved changes, and
an undo/redo :class:`~rustconfig_gui.workspace.undo.History` of every change:
a value set, a choice member chosen, a value unset, a fix plan or presets
applied, a configuration loaded (*Open* or *Start from*), Revert, a reload
keeping the values, Clear.  Nothing else writes ``lt.ev``.

After each change it calls its observers with one :class:`Change` that says
what changed: the symbols and choices whose user input changed (``inputs``;
:meth:`Change.affected` follows them to every value that can depend on them),
and ``everything`` when a new tree replaced the old one.  Observers are plain
callables: the window's parts listen, and so can the CLI or a test.

There is no Qt here (import-linter keeps it so).
"""

from __future__ import annotations

import enum
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kconfiglib import Choice, MenuNode, Symbol

from rustconfig_gui.errors import ConfigFileError
from rustconfig_gui.explain import why
from rustconfig_gui.host.lazy import LazyModule
from rustconfig_gui.host.paths import os_error_sentence
from rustconfig_gui.kconfig import configfile, menutree
from rustconfig_gui.kconfig.configfile import ConfigReadReport, WriteResult
from rustconfig_gui.kconfig.loader import LoadedTree
from rustconfig_gui.kconfig.semantics import PARTIAL_LIMIT, UserState
from rustconfig_gui.workspace.undo import Command, Delta, Files, History, translators

if TYPE_CHECKING:
    from rustconfig_gui.explain import fix
    from rustconfig_gui.workspace import presets
else:  # imported when a plan or a preset is first applied
    fix = LazyModule("rustconfig_gui.explain.fix")
    presets = LazyModule("rustconfig_gui.workspace.presets")


class ChangeKind(enum.Enum):
    EDIT = "edit"            # a value set, a choice member chosen, a value unset
    PLAN = "plan"            # a fix plan's configuration steps
    PRESETS = "presets"      # fragments applied
    LOAD = "load"            # a configuration file read (Open or Start from)
    REVERT = "revert"        # back to the file the values came from
    CLEAR = "clear"          # every user value dropped (Kconfig defaults)
    RESTORE = "restore"      # recovered values read back
    RELOAD = "reload"        # a new parse of the same tree, the values kept
    UNDO = "undo"
    REDO = "redo"
    TREE = "tree"            # a new tree (nothing of the old one is valid)
    FILES = "files"          # saved, or the target changed: no value changed


class LoadMode(enum.Enum):
    OPEN = "open"    # edit that file: Save writes it
    START = "start"  # take its values: Save keeps writing the build folder's .config


@dataclass(frozen=True)
class Change:
    """What one change did, as observers are told."""

    kind: ChangeKind
    label: str = ""
    #: symbols and choices whose user input changed (empty for FILES and TREE)
    inputs: frozenset[Symbol | Choice] = frozenset()
    #: a new tree: every row, value and reason is new
    everything: bool = False
    #: the command undone or redone, or made (None for TREE and FILES)
    command: Command | None = None
    #: values may have changed (rows may have appeared or gone)
    values: bool = True
    _affected: list[frozenset[Any]] = field(default_factory=list, compare=False, repr=False)

    def affected(self) -> frozenset[Any] | None:
        """Every symbol and choice whose value or visibility may have changed
        (the inputs and all that depends on them); None means "any of them" (a
        new tree, or an edit reaching more than the evaluator follows)."""
        if self.everything:
            return None
        if not self._affected:
            seen: set[Any] = set(self.inputs)
            frontier = set(seen)
            while frontier:
                reached: set[Any] = set()
                for item in frontier:
                    reached.update(item._dependents)
                frontier = reached - seen
                seen |= frontier
                if len(seen) > PARTIAL_LIMIT:
                    return None
            self._affected.append(frozenset(seen))
        return self._affected[0]


Observer = Callable[[Change], None]


class Session:
    """The loaded tree and the history of its edits (see the module's docstring)."""

    def __init__(self, lt: LoadedTree | None = None, *, source: Path | None = None,
                 target: Path | None = None) -> None:
        self.lt: LoadedTree | None = None
        self.files = Files(None, None)
        self.history = History()
        self._observers: list[Observer] = []
        self._batch: list[Any] | None = None
        if lt is not None:
            self.set_tree(lt, source=source, target=target)

    # -- observers --------------------------------------------------------------

    def subscribe(self, fn: Observer) -> Callable[[], None]:
        """Call ``fn(change)`` after every change; returns a function that stops it."""
        self._observers.append(fn)

        def unsubscribe() -> None:
            if fn in self._observers:
                self._observers.remove(fn)
        return unsubscribe

    def _notify(self, change: Change) -> None:
        for fn in list(self._observers):
            fn(change)

    # -- state --------------------------------------------------------------------

    @property
    def source(self) -> Path | None:
        """The file the values came from (None: Kconfig defaults or values carried over)."""
        return self.files.source

    @property
    def target(self) -> Path | None:
        """The file Save writes (the build folder's .config unless a file was opened)."""
        if self.files.target is not None:
            return self.files.target
        return self.lt.tree.config_path if self.lt is not None else None

    @property
    def modified(self) -> bool:
        return self.lt is not None and self.history.state_id != self.history.clean

    def set_modified(self, value: bool) -> None:
        """Mark the values as saved (False) or as not saved anywhere (True)."""
        self.history.clean = None if value else self.history.state_id
        self._notify(Change(ChangeKind.FILES, values=False))

    @property
    def state_id(self) -> int:
        """The identity of the current values: capture it before writing them in a
        worker, and pass it to :meth:`mark_saved`."""
        return self.history.state_id

    @property
    def can_undo(self) -> bool:
        return self.history.can_undo

    @property
    def can_redo(self) -> bool:
        return self.history.can_redo

    @property
    def undo_label(self) -> str:
        c = self.history.to_undo()
        return c.label if c is not None else ""

    @property
    def redo_label(self) -> str:
        c = self.history.to_redo()
        return c.label if c is not None else ""

    @property
    def ev(self) -> Any:
        assert self.lt is not None, "no tree loaded"
        return self.lt.ev

    def hidden_reason(self, node: MenuNode) -> str:
        """The one-line reason a hidden row shows (the why engine's for a symbol,
        the first false condition for a menu, comment or choice)."""
        assert self.lt is not None
        if node.item.__class__ is Symbol:
            return why.one_line_reason(self.lt, node.item)
        return menutree.first_blocker(self.lt.ev, node)

    # -- trees ---------------------------------------------------------------------

    def set_tree(self, lt: LoadedTree, *, source: Path | None = None, target: Path | None = None,
                 modified: bool = False) -> None:
        """A newly loaded tree with its values read: the history starts over."""
        self.lt = lt
        self.files = Files(source, target)
        self.history.reset()
        if modified:
            self.history.clean = None
        self._notify(Change(ChangeKind.TREE, "Open tree", everything=True))

    def reload(self, lt: LoadedTree) -> None:
        """A new parse of the same tree whose values were read from the old one's
        (``configfile.config_text`` of them): the history goes on, its entries
        moved to the new parse's symbols (their reports are dropped: they speak of
        the old parse); undo of the reload itself puts back the old user input as
        far as the new parse has its symbols."""
        old = self.lt
        if old is None:
            self.set_tree(lt)
            return
        before = old.ev.snapshot()
        sym_of, choice_of = translators(lt.kconf.syms, lt.kconf.unique_choices)
        self.history.translate(sym_of, choice_of)
        moved = UserState(
            {n: v for s, v in before.user.items() if (n := sym_of(s)) is not None},
            {n: [m for m in (sym_of(x) for x in o) if m is not None]
             for c, o in before.choice_order.items() if (n := choice_of(c)) is not None},
            {n: m for c, s in before.choice_user_sel.items()
             if (n := choice_of(c)) is not None and (m := sym_of(s)) is not None},
            {n: v for c, v in before.choice_user_tri.items() if (n := choice_of(c)) is not None})
        # choices the old parse had no entry for keep the new parse's own order
        for c, o in lt.ev.choice_order.items():
            moved.choice_order.setdefault(c, list(o))
        self.lt = lt
        delta = Delta.between(moved, lt.ev.snapshot())
        self.history.push(Command(ChangeKind.RELOAD.value, "Reload keeping values", delta, self.files, self.files))
        self._notify(Change(ChangeKind.TREE, "Reload keeping values", everything=True))

    # -- making changes -----------------------------------------------------------------

    @contextmanager
    def _change(self, kind: ChangeKind, label: str, files: Files | None = None,
                saved: bool = False, only: tuple[Sequence[Symbol], Sequence[Choice]] | None = None
                ) -> Iterator[list[Any]]:
        """Record what the body does to the user input as one command (nested: one
        command for the outermost).  The body may put a report into the list.
        ``saved``: the values are then those of the save target (it was just read).
        ``only``: the body changes the input of these symbols and choices alone (an
        edit: comparing two copies of ~10,000 values would cost it milliseconds)."""
        lt = self.lt
        assert lt is not None, "no tree loaded"
        if self._batch is not None:
            yield self._batch
            return
        if only is not None and self._batch is None:
            before = _partial(lt.ev, *only)
            syms, choices = only

            def take() -> UserState:
                return _partial(lt.ev, syms, choices)
        else:
            before = lt.ev.snapshot()
            take = lt.ev.snapshot
        box: list[Any] = []
        self._batch = box
        try:
            yield box
        finally:
            self._batch = None
        delta = Delta.between(before, take())
        new_files = files if files is not None else self.files
        if not delta and new_files == self.files and kind is ChangeKind.EDIT:
            return
        cmd = Command(kind.value, label, delta, self.files, new_files, report=box[0] if box else None)
        self.files = new_files
        self.history.push(cmd)
        if saved:
            self.history.clean = cmd.serial
        self._notify(Change(kind, label, delta.inputs(), command=cmd))

    @contextmanager
    def batch(self, label: str) -> Iterator[None]:
        """Several edits as one step of the history (``with session.batch("…"):``)."""
        with self._change(ChangeKind.EDIT, label):
            yield

    def set_value(self, sym: Symbol, value: int | str) -> bool:
        """As ``sym_set_tristate_value``/``sym_set_string_value``: False (nothing
        changed, nothing recorded) when the value is not allowed."""
        ok = [False]
        # a choice member's y chooses it: every member and the choice's order may change
        only = ((sym,), ()) if sym.choice is None else (tuple(sym.choice.syms), (sym.choice,))
        with self._change(ChangeKind.EDIT, f"change {sym.name}", only=only):
            ok[0] = self.ev.set_value(sym, value)
        return ok[0]

    def choose(self, sym: Symbol) -> bool:
        """Make ``sym`` the selected member of its choice; False when it cannot be."""
        if sym.choice is None or not self.ev.visibility(sym):
            return False
        with self._change(ChangeKind.EDIT, f"choose {sym.name}", only=(tuple(sym.choice.syms), (sym.choice,))):
            self.ev.choose(sym)
        return True

    def unset(self, sym: Symbol) -> None:
        """Forget the user value: the symbol goes back to its default."""
        with self._change(ChangeKind.EDIT, f"unset {sym.name}", only=((sym,), ())):
            self.ev.unset(sym)

    def apply_plan(self, plan: fix.Plan, target: fix.Target | None = None) -> fix.ApplyReport:
        """A fix plan's configuration steps as one step."""
        label = f"Make {target.label} available" if target is not None else "Apply plan"
        with self._change(ChangeKind.PLAN, label) as box:
            box.append(fix.apply_plan(self.lt, plan, target))  # type: ignore[arg-type]
        return box[0]  # type: ignore[no-any-return]

    def apply_fragments(self, fragments: Sequence[presets.Fragment]) -> presets.ApplyReport:
        """Presets applied as ``merge_config.sh`` + olddefconfig would, as one step."""
        titles = ", ".join(f.title for f in fragments) or "no presets"
        with self._change(ChangeKind.PRESETS, f"Apply {titles}") as box:
            box.append(presets.apply_fragments(self.lt, fragments))  # type: ignore[arg-type]
        return box[0]  # type: ignore[no-any-return]

    def load_config(self, path: str | os.PathLike[str], mode: LoadMode | str = LoadMode.OPEN) -> ConfigReadReport:
        """Read a configuration file (``conf_read``), as one step.  *Open*: Save
        writes that file from now on; *Start from*: Save keeps writing the
        build folder's ``.config``.  Raises ConfigFileError (nothing changed)."""
        assert self.lt is not None
        mode = LoadMode(mode)
        p = Path(path)
        data = configfile.read_config_bytes(p)  # raises before anything changes
        text, issues = configfile.decode_config_bytes(data, str(p))
        files = Files(p, p if mode is LoadMode.OPEN else self.files.target)
        verb = "Open" if mode is LoadMode.OPEN else "Start from"
        with self._change(ChangeKind.LOAD, f"{verb} {p.name}", files,
                          saved=(files.target or self.lt.tree.config_path) == p) as box:
            report = configfile.read_config_text(self.lt.ev, text, str(p))
            for i in reversed(issues):
                report.issues.insert(0, i)
            self.lt.config_report = report
            box.append(report)
        return report

    def revert(self) -> ConfigReadReport | None:
        """Back to the file the values came from (or the save target, or Kconfig's
        defaults when neither exists), as one step; the read report or None."""
        assert self.lt is not None
        path = self.files.source or self.target
        try:
            exists = path is not None and path.is_file()
        except OSError as e:  # a folder on the way that may not be entered
            raise ConfigFileError(os_error_sentence(e, "Cannot read")) from None
        if path is not None and exists:
            data = configfile.read_config_bytes(path)
            text, _issues = configfile.decode_config_bytes(data, str(path))
            with self._change(ChangeKind.REVERT, f"Revert to {path.name}", Files(path, self.files.target),
                              saved=path == self.target) as box:
                box.append(configfile.read_config_text(self.lt.ev, text, str(path)))
            return box[0]  # type: ignore[no-any-return]
        self.clear("Revert to Kconfig defaults")
        return None

    def clear(self, label: str = "Clear all values") -> None:
        """Drop every user value: Kconfig's defaults, as one step."""
        with self._change(ChangeKind.CLEAR, label, Files(None, self.files.target)):
            self.ev.clear_user()

    def restore_text(self, text: str, label: str = "(recovered changes)") -> ConfigReadReport:
        """Values from a text (a recovery file), as one step."""
        with self._change(ChangeKind.RESTORE, "Restore recovered changes") as box:
            box.append(configfile.read_config_text(self.ev, text, label))
        return box[0]  # type: ignore[no-any-return]

    # -- history --------------------------------------------------------------------------

    def undo(self) -> Command | None:
        cmd = self.history.to_undo()
        if cmd is None:
            return None
        inputs = cmd.delta.apply(self.ev, forward=False)
        self.files = cmd.files_before
        self.history.pos -= 1
        self._notify(Change(ChangeKind.UNDO, cmd.label, inputs, command=cmd))
        return cmd

    def redo(self) -> Command | None:
        cmd = self.history.to_redo()
        if cmd is None:
            return None
        inputs = cmd.delta.apply(self.ev, forward=True)
        self.files = cmd.files_after
        self.history.pos += 1
        self._notify(Change(ChangeKind.REDO, cmd.label, inputs, command=cmd))
        return cmd

    # -- saving ----------------------------------------------------------------------------

    def config_text(self) -> str:
        assert self.lt is not None
        return self.lt.config_text()

    def mark_saved(self, path: Path, state_id: int, *, adopt: bool = False) -> None:
        """``path`` now holds the values of ``state_id`` (captured before writing).
        Saved to the target (or ``adopt``: Save as), that state is the clean one and
        the file becomes the target; a change made meanwhile stays unsaved."""
        if adopt or path == self.target:
            self.files = Files(path if adopt else self.files.source, path if adopt else self.files.target)
            self.history.clean = state_id
        self._notify(Change(ChangeKind.FILES, f"Saved {path}", values=False))

    def save(self, path: str | os.PathLike[str] | None = None, *, adopt: bool = False,
             check: Callable[[Path], None] | None = None) -> WriteResult:
        """Write the configuration (``configfile.write_atomic``: atomically, conf's file mode,
        the previous file kept as ``.old``) to ``path`` or the target; ``check`` runs under the
        folder's lock before the rename and may refuse (``ondisk.Seen.check``).  Raises
        ConfigFileError (ChangedOnDisk when ``check`` refused)."""
        assert self.lt is not None
        p = Path(path) if path is not None else self.target
        assert p is not None
        state = self.state_id
        result = configfile.write_atomic(p, self.config_text(), check=check)
        self.mark_saved(p, state, adopt=adopt)
        return result


def _partial(ev: Any, syms: Sequence[Symbol], choices: Sequence[Choice]) -> UserState:
    """The user input of these symbols and choices only (see ``Session._change``)."""
    return UserState({s: ev.user[s] for s in syms if s in ev.user},
                     {c: list(ev.choice_order[c]) for c in choices if c in ev.choice_order},
                     {c: ev.choice_user_sel[c] for c in choices if c in ev.choice_user_sel},
                     {c: ev.choice_user_tri[c] for c in choices if c in ev.choice_user_tri})


__all__ = ["Change", "ChangeKind", "LoadMode", "Observer", "Session"]
