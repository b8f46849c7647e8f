"""What ``make rustavailable`` said, as findings with concrete remedies.

``scripts/rust_is_available.sh`` prints its verdicts as ``***`` blocks on
stderr; the wording and the set of checks differ between 6.1, 6.12 and 7.2
(see the tables in the project's facts on its messages).  Make, the shell,
``cc-version.sh`` and bindgen add lines of their own.  Everything is matched
line by line; text we do not know is kept verbatim, never dropped.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from rustconfig_gui.host import process
from rustconfig_gui.toolchain import remedies as rt
from rustconfig_gui.toolchain.remedies import Remedy

__all__ = ["AVAILABLE_TEXT", "Finding", "Remedy", "finding_to_dict", "findings_to_json", "min_tool_versions",
           "parse_probe_output"]

SEVERITIES = ("error", "warning", "info")
TOOLS = ("rustc", "bindgen", "libclang", "rust-src", "make", "cc")

AVAILABLE_TEXT = "Rust is available!"


@dataclass
class Finding:
    kind: str
    severity: str
    tool: str | None
    message: str
    path: str | None = None
    found_version: str | None = None
    required_version: str | None = None
    details: list[str] = field(default_factory=list)
    remedies: list[Remedy] = field(default_factory=list)
    # the message's id in the facts table (F8, W1, N4, ...), for cross-reference
    ref: str | None = None
    # how found_version / required_version are labelled: a pin that passes is only the
    # version the kernel was "tested with"; the libclang/Clang comparison names both sides
    version_labels: tuple[str, str] = ("found", "required")


def min_tool_versions(src: str | os.PathLike[str], *, srcarch: str | None = None,
                      arch: str | None = None, timeout: float = 10.0) -> dict[str, str]:
    """``scripts/min-tool-version.sh rustc|bindgen|llvm`` of the tree (missing tools left out)."""
    script = Path(src) / "scripts" / "min-tool-version.sh"
    if not script.is_file():
        return {}
    env = dict(os.environ)
    env["LC_ALL"] = "C"
    # llvm's minimum depends on SRCARCH (s390, loongarch) and rustc's too on 7.2
    if srcarch:
        env["SRCARCH"] = srcarch
    if arch:
        env["ARCH"] = arch
    found: dict[str, str] = {}
    for tool in ("rustc", "bindgen", "llvm"):
        try:
            done = process.run(["sh", str(script), tool], env=env, timeout=timeout)
        except (OSError, process.Timeout):
            continue
        text = done.stdout.decode("utf-8", "replace").strip()
        if done.returncode == 0 and re.fullmatch(r"\d+(\.\d+)*", text):
            found[tool] = text
    return found


# ---------------------------------------------------------------------------
# remedies


@dataclass(frozen=True)
class _Ctx:
    version: tuple[int, ...]
    mins: Mapping[str, str]
    # the run's environment and the make variables it was given: remedies name them when they are the cause
    env: Mapping[str, str] | None = None
    explicit: Mapping[str, str] = field(default_factory=dict)
    os_release: str = "/etc/os-release"
    # False: the package manager's answer is neither read from nor stored on disk
    use_caches: bool = True

    @functools.cached_property
    def machine(self) -> rt.Machine:
        """One per parse: the package manager is asked once, whichever remedies need it."""
        env = dict(os.environ if self.env is None else self.env)
        return rt.Machine(rt.read_os_release(self.os_release), env, use_caches=self.use_caches)

    def remedy_context(self) -> rt.Context:
        return rt.Context(self.machine, self.mins, self.pinned,
                          dict(self.explicit))

    @property
    def known(self) -> bool:
        return self.version[:2] != (0, 0)

    @property
    def pinned(self) -> bool:
        # Up to 6.10 the script wants exactly the listed rustc/bindgen ("too new" warnings);
        # 6.11 turned them into minimums.
        return self.known and self.version[:2] < (6, 11)

    def rustc_min(self) -> str | None:
        return self.mins.get("rustc")

    def bindgen_min(self) -> str | None:
        return self.mins.get("bindgen")


def _vt(text: str | None) -> tuple[int, ...]:
    nums = re.findall(r"\d+", text or "")
    return tuple(int(x) for x in nums[:3])


def _rustup_rustc(ctx: _Ctx) -> list[Remedy]:
    # without rustup, first how to get it
    first = [] if ctx.remedy_context().machine.rustup else [rt.remedy("rustup-install")]
    if ctx.pinned and ctx.rustc_min():
        return first + [rt.remedy("rustup-override-pinned", version=ctx.rustc_min()), rt.remedy("rust-src-pinned")]
    return first + [rt.remedy("rustup-override"), rt.remedy("rust-src-pinned")]


def _explicit(ctx: _Ctx, var: str, path: str) -> list[Remedy]:
    """When make was told ``VAR=path`` (not the default name), that value is the first thing to fix."""
    given = ctx.explicit.get(var)
    if not given or given != path:
        return []
    return [rt.remedy("explicit-rustc" if var == "RUSTC" else "explicit-bindgen", path=_q(path))]


def _fitting(ctx: _Ctx, lines: list[Remedy], tool: str, minimum: str | None) -> list[Remedy]:
    """The distributions' lines, with this machine's own replaced (in place) by what its package really
    gives: a package whose version the tree rejects is not proposed, the line says why."""
    m = ctx.remedy_context().machine
    fam = m.distro.family
    if fam is None or m.package_ok(tool, minimum):
        return lines
    name = rt.family_name(fam)
    out: list[Remedy] = []
    for r in lines:
        if r.title.startswith(name):
            out += m.package(tool, minimum)
        else:
            out.append(r)
    return out


def _distro_rust(ctx: _Ctx) -> list[Remedy]:
    note = " (may not match the exact version this tree pins)" if ctx.pinned else ""
    lines = [rt.remedy(f"distro-rust-{fam}", note=note) for fam in rt.DISTRO_LINES]
    return _fitting(ctx, lines, "rustc", ctx.rustc_min())


def _cargo_bindgen(ctx: _Ctx, at_least_newer: bool = False) -> Remedy:
    v = ctx.bindgen_min()
    if v and _vt(v) < (0, 61) and not at_least_newer:
        # the command-line tool was still in the "bindgen" crate before 0.61
        return rt.remedy("cargo-bindgen-crate", version=v)
    if ctx.pinned and v and not at_least_newer:
        return rt.remedy("cargo-bindgen-version", version=v)
    return rt.remedy("cargo-bindgen")


def _distro_bindgen(ctx: _Ctx | None = None) -> list[Remedy]:
    lines = [rt.remedy(f"distro-bindgen-{fam}") for fam in rt.DISTRO_LINES]
    return _fitting(ctx, lines, "bindgen", ctx.bindgen_min()) if ctx is not None else lines


def _llvm_lib_dirs() -> list[str]:
    return rt.llvm_lib_dirs()


def _libclang_path_remedy(major: str | None = None) -> Remedy:
    if major:
        path = f"/usr/lib/llvm-{major}/lib"
    else:
        dirs = _llvm_lib_dirs()
        path = dirs[0] if dirs else "/path/to/llvm/lib"
    return rt.remedy("libclang-path", path=path)


def _q(text: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9_./=:@%+,-]+", text):
        return text
    return "'" + text.replace("'", "'\\''") + "'"


# ---------------------------------------------------------------------------
# line patterns

_MAKE_LINE = re.compile(r"^\S*make(?:\[\d+\])?: (?P<rest>.*)$")
_MAKE_STAR = re.compile(r"^\S*make(?:\[\d+\])?: \*\*\* (?P<rest>.*)$")
_MAKE_RECIPE = re.compile(r"^\[(?P<where>.*)\] (?P<word>\S+) (?P<code>\d+)(?: \(.*\))?$")
_SHELL_ERROR = re.compile(r"^(?P<script>\S*rust_is_available\.sh): (?:line )?(?P<line>\d+): (?P<msg>.*)$")
_ARITH = re.compile(r"arithmetic expression|operand expected|syntax error|expecting primary")
_UNKNOWN_CC = re.compile(r"^(?P<cc>.*): unknown C compiler$")
_RUSTFMT = re.compile(r"^Failed to run rustfmt: .*\(non-fatal, continuing\)$")
_VERSION_LINE = re.compile(r"^\*\*\*\s+(?P<label>[A-Za-z][A-Za-z ]*?):\s+(?P<value>.*?)\s*$")

_TRAILER_1 = "*** Please see Documentation/rust/quick-start.rst for details"
_TRAILER_2 = "*** on how to set up the Rust support."
_KBUILD_LINES = ("*** This script is intended to be called from Kbuild.",
                 "*** Please use the 'rustavailable' target to call it instead.",
                 "*** Otherwise, the results may not be meaningful.")


def _is_star(line: str) -> bool:
    return line.startswith("***")


def _is_bare(line: str) -> bool:
    return line.strip() == "***"


class _Parser:
    def __init__(self, err: list[str], ctx: _Ctx):
        self.err = err
        self.ctx = ctx
        self.i = 0
        self.findings: list[Finding] = []

    # -- helpers
    def peek(self, k: int = 0) -> str | None:
        j = self.i + k
        return self.err[j] if 0 <= j < len(self.err) else None

    def take_versions(self) -> dict[str, str]:
        """Consume ``***   Label: value`` lines following a header."""
        vals: dict[str, str] = {}
        while (line := self.peek()) is not None:
            m = _VERSION_LINE.match(line)
            if not m or not line.startswith("***  "):
                break
            vals[m.group("label").strip().lower()] = m.group("value")
            self.i += 1
        return vals

    def take_exact(self, *expected: str) -> None:
        for text in expected:
            if self.peek() == text:
                self.i += 1
            else:
                return

    def capture_end(self, start: int) -> tuple[int, int]:
        """(end of captured output, index to resume at) for output echoed from ``start``.

        The script echoes a tool's output between two bare ``***`` lines and
        exits; the closing one is the last bare ``***`` before the trailer,
        make's error lines or the end, whatever the output itself contains.
        """
        stop = len(self.err)
        for j in range(start, len(self.err)):
            line = self.err[j]
            if _is_bare(line) and j + 1 < len(self.err) and self.err[j + 1] == _TRAILER_1:
                stop = j
                break
            if _MAKE_STAR.match(line):
                stop = j
                break
        for j in range(stop - 1, start - 1, -1):
            if _is_bare(self.err[j]):
                return j, j + 1
        return stop, stop

    def capture(self) -> list[str]:
        if _is_bare(self.peek() or ""):
            self.i += 1
        start = self.i
        end, resume = self.capture_end(start)
        out = self.err[start:end]
        self.i = resume
        if all(not x.strip() for x in out):
            return []
        return out

    def add(self, f: Finding) -> None:
        self.findings.append(f)

    def has_tool(self, tool: str) -> bool:
        return any(f.tool == tool for f in self.findings)

    # -- main loop
    def run(self) -> list[Finding]:
        pending_other: list[str] = []
        pending_star: list[str] = []

        def flush() -> None:
            if pending_star:
                self.add(_unrecognised(list(pending_star), star=True))
                pending_star.clear()
            if pending_other:
                self.add(_unrecognised(list(pending_other), star=False))
                pending_other.clear()

        while self.i < len(self.err):
            line = self.err[self.i]
            if _is_bare(line):
                self.i += 1
                continue
            if line == _TRAILER_1:
                flush()
                self.i += 1
                self.take_exact(_TRAILER_2)
                continue
            before, known = self.i, len(self.findings)
            handled = self.try_script_message(line) if _is_star(line) else self.try_other(line)
            if handled:
                # unknown text printed before this message comes first, as its own finding
                if pending_star or pending_other:
                    added = self.findings[known:]
                    del self.findings[known:]
                    flush()
                    self.findings.extend(added)
                continue
            self.i = before + 1
            if _is_star(line):
                if pending_other:
                    flush()
                pending_star.append(line)
            else:
                if pending_star:
                    flush()
                pending_other.append(line)
        flush()
        return self.findings

    # -- the script's messages
    def try_script_message(self, line: str) -> bool:
        c = self.ctx
        m = re.match(r"^\*\*\* Environment variable '(?P<var>[^']*)' is not set\.$", line)
        if m:
            self.i += 1
            self.take_exact("***", *_KBUILD_LINES)
            self.add(_env_var_not_set(m.group("var")))
            return True
        m = re.match(r"^\*\*\* Rust compiler '(?P<p>.*)' could not be found\.$", line)
        if m:
            self.i += 1
            self.add(_rustc_not_found(c, m.group("p")))
            return True
        m = re.match(r"^\*\*\* Rust bindings generator '(?P<p>.*)' could not be found\.$", line)
        if m:
            self.i += 1
            self.add(_bindgen_not_found(c, m.group("p")))
            return True
        m = re.match(r"^\*\*\* Running '(?P<p>.*)' to check the Rust compiler version failed with$", line)
        if m:
            self.i += 1
            code = self._code_line(r"^\*\*\* code (?P<code>-?\d+)\. See output and docs below for details:$")
            self.add(_tool_failed(c, "rustc", m.group("p"), code, self.capture()))
            return True
        m = re.match(r"^\*\*\* Running '(?P<p>.*)' to check the Rust compiler version did not return$", line)
        if m:
            self.i += 1
            self.take_exact("*** an expected output. See output and docs below for details:")
            self.add(_unexpected_output(c, "rustc", m.group("p"), self.capture()))
            return True
        m = re.match(r"^\*\*\* Running '(?P<p>.*)' to check the Rust bindings generator version failed with$", line)
        if m:
            self.i += 1
            code = self._code_line(r"^\*\*\* code (?P<code>-?\d+)\. See output and docs below for details:$")
            self.add(_tool_failed(c, "bindgen", m.group("p"), code, self.capture()))
            return True
        m = re.match(r"^\*\*\* Running '(?P<p>.*)' to check the (?:Rust )?bindings generator version did not return$",
                     line)
        if m:
            self.i += 1
            self.take_exact("*** an expected output. See output and docs below for details:")
            self.add(_unexpected_output(c, "bindgen", m.group("p"), self.capture()))
            return True
        m = re.match(r"^\*\*\* Running '(?P<p>.*)' to check the libclang version \(used by the Rust$", line)
        if m:
            nxt = self.peek(1) or ""
            fm = re.match(r"^\*\*\* bindings generator\) failed with code (?P<code>-?\d+)\.", nxt)
            if fm:
                self.i += 2
                self.take_exact("*** a failure to locate libclang. See output and docs below for details:")
                self.add(_libclang_failed(c, m.group("p"), int(fm.group("code")), self.capture()))
                return True
            if nxt.startswith("*** bindings generator) did not return an expected output."):
                self.i += 2
                self.take_exact("*** and docs below for details:")
                self.add(_unexpected_output(c, "libclang", m.group("p"), self.capture()))
                return True
            return False
        m = re.match(r"^\*\*\* Rust compiler '(?P<p>.*)' is too (?P<w>old|new)\.", line)
        if m:
            self.i += 1
            v = self.take_versions()
            if m.group("w") == "old":
                self.add(_too_old(c, "rustc", m.group("p"), v.get("your version"), v.get("minimum version")))
            else:
                self.add(_too_new(c, "rustc", m.group("p"), v.get("your version"), v.get("expected version")))
            return True
        m = re.match(r"^\*\*\* Rust bindings generator '(?P<p>.*)' is too (?P<w>old|new)\.", line)
        if m:
            self.i += 1
            v = self.take_versions()
            if m.group("w") == "old":
                self.add(_too_old(c, "bindgen", m.group("p"), v.get("your version"), v.get("minimum version")))
            else:
                self.add(_too_new(c, "bindgen", m.group("p"), v.get("your version"), v.get("expected version")))
            return True
        m = re.match(r"^\*\*\* Rust bindings generator '(?P<p>.*)' versions 0\.66\.0 and 0\.66\.1 may not$", line)
        if m:
            self.i += 1
            self.take_exact("*** work due to a bug (https://github.com/rust-lang/rust-bindgen/pull/2567),",
                            "*** unless patched (like Debian's).")
            v = self.take_versions()
            self.add(_bindgen_066(c, m.group("p"), v.get("your version")))
            return True
        m = re.match(r"^\*\*\* Rust bindings generator '(?P<p>.*)' < (?P<bv>[\d.]+) together with "
                     r"libclang >= (?P<lv>[\d.]+)$", line)
        if m:
            self.i += 1
            while (follow := self.peek()) is not None and (follow.startswith("*** may not work due to a bug")
                                                           or follow == "*** unless patched (like Debian's)."):
                self.i += 1
            v = self.take_versions()
            self.add(_bindgen_libclang_bug(c, m.group("p"), m.group("bv"), m.group("lv"),
                                           v.get("your bindgen version"), v.get("your libclang version")))
            return True
        m = re.match(r"^\*\*\* libclang \(used by the Rust bindings generator '(?P<p>.*)'\) is too old\.$", line)
        if m:
            self.i += 1
            v = self.take_versions()
            self.add(_too_old(c, "libclang", m.group("p"), v.get("your version"), v.get("minimum version")))
            return True
        m = re.match(r"^\*\*\* libclang \(used by the Rust bindings generator '(?P<p>.*)'\)$", line)
        if m and (self.peek(1) or "").startswith("*** version does not match Clang's."):
            self.i += 2
            v = self.take_versions()
            self.add(_libclang_mismatch(m.group("p"), v.get("libclang version"), v.get("clang version")))
            return True
        m = re.match(r"^\*\*\* Source code for the 'core' standard library could not be found$", line)
        if m:
            self.i += 1
            path = None
            am = re.match(r"^\*\*\* at '(?P<p>.*)'\.$", self.peek() or "")
            if am:
                path = am.group("p")
                self.i += 1
            self.add(_rust_src_missing(c, path))
            return True
        if line == "*** C compiler is too old.":
            self.i += 1
            v = self.take_versions()
            your = next((val for k, val in v.items() if k.startswith("your")), None)
            minimum = next((val for k, val in v.items() if k.startswith("minimum")), None)
            name = next((k.split()[1] for k in v if k.startswith("your") and len(k.split()) > 2), None)
            self.add(_cc_too_old(your, minimum, name))
            return True
        return False

    def _code_line(self, pattern: str) -> int | None:
        m = re.match(pattern, self.peek() or "")
        if m:
            self.i += 1
            return int(m.group("code"))
        return None

    # -- everything that is not a *** line
    def try_other(self, line: str) -> bool:
        m = _MAKE_STAR.match(line)
        if m:
            self.i += 1
            f = _make_line(line, m.group("rest"))
            last = self.findings[-1] if self.findings else None
            if f.kind == "make-error" and last is not None and last.kind == "make-error":
                # one failure, reported again by every make level above it
                last.details.append(line)
            else:
                self.add(f)
            return True
        if _MAKE_LINE.match(line):
            # Entering/Leaving directory and other chatter, in any language
            self.i += 1
            return True
        m = _SHELL_ERROR.match(line)
        if m:
            self.i += 1
            self.add(_shell_error(self.ctx, line, m.group("msg"), self))
            return True
        m = _UNKNOWN_CC.match(line)
        if m:
            self.i += 1
            self.add(Finding(
                kind="unknown-c-compiler", severity="info", tool="cc", path=m.group("cc"), ref="N1",
                message=f"The C compiler '{m.group('cc')}' was not recognised, so the libclang/Clang "
                        "version comparison was skipped.",
                details=[line],
                remedies=[rt.remedy("cc-known"), rt.remedy("cc-clang")]))
            return True
        if _RUSTFMT.match(line):
            self.i += 1
            prev = next((f for f in self.findings if f.kind == "rustfmt-notice"), None)
            if prev is not None:
                prev.details.append(line)
            else:
                self.add(Finding(
                    kind="rustfmt-notice", severity="info", tool="bindgen", ref="N2",
                    message="bindgen could not run rustfmt to format its test output (harmless).",
                    details=[line],
                    remedies=[rt.remedy("rustfmt"), rt.remedy("rustfmt-debian")]))
            return True
        return False


def _unrecognised(lines: list[str], star: bool) -> Finding:
    text = " ".join(x.lstrip("*").strip() for x in lines if x.lstrip("*").strip())
    return Finding(kind="unrecognised", severity="warning" if star else "info", tool=None,
                   message=text or lines[0], details=list(lines))


def _env_var_not_set(var: str) -> Finding:
    return Finding(
        kind="env-var-not-set", severity="error", tool={"RUSTC": "rustc", "BINDGEN": "bindgen", "CC": "cc"}.get(var),
        ref={"RUSTC": "F1", "BINDGEN": "F2", "CC": "F3"}.get(var),
        message=f"The environment variable {var} was not set; the script was not run through Kbuild.",
        remedies=[rt.remedy("kbuild")])


def _rustc_not_found(c: _Ctx, path: str) -> Finding:
    shown = path or "(empty)"
    explicit = _explicit(c, "RUSTC", path)
    rem = explicit + _rustup_rustc(c) + _distro_rust(c)
    if not explicit:
        rem.append(rt.remedy("rustc-exists"))
    return Finding(kind="rustc-not-found", severity="error", tool="rustc", path=path or None, ref="F4",
                   required_version=c.rustc_min(),
                   message=f"The Rust compiler '{shown}' could not be found.", remedies=rem)


def _bindgen_not_found(c: _Ctx, path: str) -> Finding:
    shown = path or "(empty)"
    rem = [_cargo_bindgen(c), *_distro_bindgen(c),
           rt.remedy("bindgen-exists")]
    return Finding(kind="bindgen-not-found", severity="error", tool="bindgen", path=path or None, ref="F5",
                   required_version=c.bindgen_min(),
                   message=f"The Rust bindings generator '{shown}' could not be found.", remedies=rem)


def _tool_failed(c: _Ctx, tool: str, path: str, code: int | None, out: list[str]) -> Finding:
    what = "Rust compiler" if tool == "rustc" else "Rust bindings generator"
    code_text = f" with exit status {code}" if code is not None else ""
    rem: list[Remedy] = [rt.remedy("see-version", path=_q(path))]
    if tool == "rustc":
        # the explicit RUSTC=, chmod/ldd, RUSTUP_TOOLCHAIN or no default toolchain: what the output says
        rem = rt.rustc_fails(c.remedy_context(), path, code, out)
        rem += [r for r in _rustup_rustc(c)[:1] if r not in rem]
        ref = "F6"
    else:
        rem += [_cargo_bindgen(c), *_distro_bindgen(c)]
        ref = "F9"
    return Finding(kind=f"{tool}-failed", severity="error", tool=tool, path=path, ref=ref,
                   message=f"Running the {what} '{path}' with --version failed{code_text}.",
                   details=out, remedies=rem)


def _unexpected_output(c: _Ctx, tool: str, path: str, out: list[str]) -> Finding:
    if tool == "rustc":
        msg = f"'{path} --version' did not print a 'rustc X.Y.Z' version, so it does not look like rustc."
        rem = [rt.remedy("see-prints", path=_q(path)), rt.remedy("rustc-real"), *_rustup_rustc(c)[:1]]
        ref = "F7"
    elif tool == "bindgen":
        msg = f"'{path} --version' did not print a 'bindgen X.Y.Z' version, so it does not look like bindgen."
        rem = [rt.remedy("see-prints", path=_q(path)), rt.remedy("bindgen-real"), _cargo_bindgen(c)]
        ref = "F10"
    else:
        msg = (f"Running '{path}' on a test header did not report a 'clang version X.Y.Z', "
               "so the libclang it uses could not be identified.")
        rem = [rt.remedy("see-header", path=_q(path), header="scripts/rust_is_available_bindgen_libclang.h"),
               _cargo_bindgen(c), _libclang_path_remedy()]
        ref = "F13"
    return Finding(kind=f"{tool}-unexpected-output", severity="error", tool=tool, path=path, ref=ref,
                   message=msg, details=out, remedies=rem)


def _libclang_failed(c: _Ctx, path: str, code: int, out: list[str]) -> Finding:
    joined = "\n".join(out)
    if "Unable to find libclang" in joined or "libclang" in joined.lower():
        why = "it could not load libclang"
    else:
        why = "libclang may be missing or unloadable"
    lp = c.remedy_context().env.get("LIBCLANG_PATH") or c.explicit.get("LIBCLANG_PATH")
    wrong = [rt.remedy("libclang-path-wrong", value=_q(lp))] if lp and not rt.libclang_path_valid(lp) else []
    rem = [*wrong, *_fitting(c, [rt.remedy(f"distro-libclang-{fam}") for fam in rt.DISTRO_LINES], "libclang",
                             c.mins.get("llvm")),
           _libclang_path_remedy()]
    return Finding(kind="libclang-failed", severity="error", tool="libclang", path=path, ref="F12",
                   message=f"Running '{path}' on a test header failed with exit status {code}; {why}.",
                   details=out, remedies=rem)


def _too_old(c: _Ctx, tool: str, path: str, found: str | None, minimum: str | None) -> Finding:
    if tool == "rustc":
        what = f"The Rust compiler '{path}'"
        rctx = c.remedy_context()
        rem = _explicit(c, "RUSTC", path)
        if rctx.env.get("RUSTUP_TOOLCHAIN"):
            rem.append(rt.remedy("rustup-toolchain-env-newer", toolchain=rctx.env["RUSTUP_TOOLCHAIN"]))
        rem += _rustup_rustc(c) + ([] if c.pinned else [rt.remedy("rustup-update")])
        if path not in ("rustc", ""):
            # a rustup override only reaches the rustup proxy, not an explicit RUSTC=
            rem.append(rt.remedy("rustc-use-rustup", path=path))
        rem += _distro_rust(c)
        ref = "F8"
    elif tool == "bindgen":
        what = f"The Rust bindings generator '{path}'"
        rem = [_cargo_bindgen(c), *_distro_bindgen(c)]
        ref = "F11"
    else:
        what = f"The libclang used by '{path}'"
        major = minimum.split(".")[0] if minimum else None
        rem = [rt.remedy("libclang-major-debian", major=major) if major else rt.remedy("distro-libclang-debian"),
               _libclang_path_remedy(None)]
        ref = "F14"
    return Finding(kind=f"{tool}-too-old", severity="error", tool=tool, path=path, ref=ref,
                   found_version=found, required_version=minimum,
                   message=f"{what} is too old: {found or '?'} is below the minimum {minimum or '?'}.",
                   remedies=rem)


def _too_new(c: _Ctx, tool: str, path: str, found: str | None, expected: str | None) -> Finding:
    if tool == "rustc":
        what = f"The Rust compiler '{path}'"
        rem = ([rt.remedy("rustup-override-exact", version=expected), rt.remedy("rust-src-pinned")]
               if expected else [])
        ref = "W1"
    else:
        what = f"The Rust bindings generator '{path}'"
        crate = "bindgen" if expected and _vt(expected) < (0, 61) else "bindgen-cli"
        rem = [rt.remedy("cargo-bindgen-exact", version=expected, crate=crate)] if expected else []
        ref = "W2"
    # passing: the pinned version is only the one this kernel was tested with
    return Finding(kind=f"{tool}-too-new", severity="warning", tool=tool, path=path, ref=ref,
                   found_version=found, required_version=expected, version_labels=("found", "tested with"),
                   message=f"{what} is {found or '?'}, newer than the {expected or '?'} this kernel was tested "
                           "with; it may or may not work.",
                   remedies=rem)


def _bindgen_066(c: _Ctx, path: str, found: str | None) -> Finding:
    return Finding(kind="bindgen-0.66-bug", severity="warning", tool="bindgen", path=path, ref="W3",
                   found_version=found,
                   message=f"The Rust bindings generator '{path}' {found or '0.66.x'} has a known bug "
                           "(rust-bindgen PR 2567) that its test header triggered.",
                   remedies=[rt.remedy("cargo-bindgen-other"), *_distro_bindgen(c)[:1]])


def _bindgen_libclang_bug(c: _Ctx, path: str, bv: str, lv: str, found: str | None, libclang: str | None) -> Finding:
    if _vt(lv) >= (22,):
        kind, ref, pr = "bindgen-libclang22-bug", "W5", "3278"
    else:
        kind, ref, pr = "bindgen-libclang19-bug", "W4", "2824"
    return Finding(kind=kind, severity="warning", tool="bindgen", path=path, ref=ref,
                   found_version=found, required_version=bv,
                   message=f"The Rust bindings generator '{path}' {found or ''} (< {bv}) with libclang "
                           f"{libclang or lv} has a known bug (rust-bindgen PR {pr}) that its test header triggered."
                           .replace("  ", " "),
                   details=[f"libclang version: {libclang}"] if libclang else [],
                   remedies=[rt.remedy("cargo-bindgen-atleast", version=bv),
                             rt.remedy("libclang-older", command=_libclang_path_remedy().command)])


def _libclang_mismatch(path: str, libclang: str | None, clang: str | None) -> Finding:
    lmaj = libclang.split(".")[0] if libclang else None
    cmaj = clang.split(".")[0] if clang else None
    rem = []
    if cmaj and os.path.isdir(f"/usr/lib/llvm-{cmaj}/lib"):
        rem.append(rt.remedy("libclang-path-major", major=cmaj))
    elif cmaj:
        rem.append(rt.remedy("libclang-major-debian", major=cmaj))
    if lmaj:
        rem.append(rt.remedy("llvm-suffix", major=lmaj))
    return Finding(kind="libclang-version-mismatch", severity="warning", tool="libclang", path=path, ref="W6",
                   found_version=libclang, required_version=clang, version_labels=("libclang", "Clang"),
                   message=f"bindgen's libclang {libclang or '?'} does not match the C compiler's Clang "
                           f"{clang or '?'}; this may be a problem.",
                   remedies=rem)


def _rust_src_missing(c: _Ctx, path: str | None) -> Finding:
    first = [rt.remedy("rust-src"), rt.remedy("rust-src-debian")]
    if path and path.endswith("/lib/rustlib/src/rust/library/core/src/lib.rs"):
        sysroot = path[: -len("/lib/rustlib/src/rust/library/core/src/lib.rs")]
        m = re.search(r"/toolchains/([^/]+)$", sysroot)
        if m:
            # rust-src is per toolchain; this is the one RUSTC resolved to (a package would not reach it)
            first = [rt.remedy("rust-src-toolchain", toolchain=m.group(1))]
        elif sysroot == "/usr":
            # the system's rustc: its library source comes from the same distribution
            first = [rt.remedy("rust-src-debian")]
    env = c.remedy_context().env
    lib_src = env.get("RUST_LIB_SRC") or c.explicit.get("RUST_LIB_SRC")
    sysroot_flag = rt.krustflags_sysroot(env.get("KRUSTFLAGS", "") or c.explicit.get("KRUSTFLAGS", ""))
    if lib_src:
        # the kernel looked only there
        first = [rt.remedy("rust-lib-src-wrong", value=_q(lib_src))]
    elif sysroot_flag:
        first = [rt.remedy("krustflags-sysroot", value=_q(sysroot_flag))] + first
    rem = [*first] + ([] if lib_src else [rt.remedy("rust-lib-src")])
    return Finding(kind="rust-src-missing", severity="error", tool="rust-src", path=path, ref="F15",
                   message=f"The source of Rust's 'core' library was not found at '{path or '?'}'.",
                   remedies=rem)


def _cc_too_old(found: str | None, minimum: str | None, name: str | None) -> Finding:
    return Finding(kind="cc-too-old", severity="warning", tool="cc", found_version=found, required_version=minimum,
                   message=f"The C compiler ({name or 'CC'} {found or '?'}) is older than this kernel's minimum "
                           f"{minimum or '?'}, so the kernel will not build with it.",
                   remedies=rt.for_cc_too_old())


def _make_line(line: str, rest: str) -> Finding:
    m = _MAKE_RECIPE.match(rest)
    if m:
        return Finding(kind="make-error", severity="info", tool="make", ref="N3",
                       message=f"make reported the failed recipe ({m.group('where')}: {m.group('word')} "
                               f"{m.group('code')}).",
                       details=[line])
    if "rustavailable" in rest:
        return Finding(kind="no-rule-to-make-target", severity="error", tool="make", ref="N5",
                       message="This folder's Makefile has no 'rustavailable' target; it is not a Linux "
                               "kernel tree with Rust support (6.1 or later).",
                       details=[line],
                       remedies=[rt.remedy("open-kernel-tree")])
    return Finding(kind="make-failed", severity="error", tool="make", message=f"make stopped: {rest.strip()}",
                   details=[line])


def _shell_error(c: _Ctx, line: str, msg: str, parser: _Parser) -> Finding:
    if not _ARITH.search(msg):
        return Finding(kind="script-error", severity="error", tool=None, ref=None, details=[line],
                       message=f"scripts/rust_is_available.sh failed: {msg}")
    # 6.1 reads versions with shell arithmetic and dies on an empty one; which tool
    # it was follows from what was printed before (rustc, then bindgen, then libclang).
    pin_rustc = c.mins.get("rustc")
    pin_bindgen = c.mins.get("bindgen")
    if parser.has_tool("bindgen"):
        tool, what = "libclang", "bindgen's libclang check"
    elif parser.has_tool("rustc"):
        tool = "bindgen"
        what = f"'$BINDGEN --version' (or bindgen's libclang check, if bindgen is exactly {pin_bindgen or 'pinned'})"
    else:
        tool = "rustc"
        what = f"'$RUSTC --version' (or a later check, if rustc is exactly {pin_rustc or 'the pinned version'})"
    return Finding(
        kind="shell-arithmetic-error", severity="error", tool=tool, ref="N4", details=[line],
        message=f"The script could not read a version number from {what}; this tree's script stops with a shell "
                "error instead of explaining.",
        remedies=[rt.remedy("see-tools"), rt.remedy("real-tools"), *_rustup_rustc(c)[:1]])


def _normalise(lines: Iterable[object]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for item in lines:
        if isinstance(item, str):
            stream, text = "stderr", item
        elif isinstance(item, (tuple, list)) and len(item) == 2:
            stream, text = str(item[0]), item[1]
            if isinstance(text, bytes):
                text = text.decode("utf-8", "replace")
            text = str(text)
        else:
            stream, text = "stderr", str(item)
        for piece in text.replace("\r\n", "\n").split("\n") if text else [text]:
            out.append((stream, piece.rstrip("\r")))
    return out


def parse_probe_output(lines: Iterable[object], tree_version: Sequence[int] = (0, 0, 0),
                       min_versions: Mapping[str, str] | None = None, *, env: Mapping[str, str] | None = None,
                       make_vars: Mapping[str, str] | None = None,
                       os_release: str = "/etc/os-release", use_caches: bool = True) -> list[Finding]:
    """Findings for the ``(stream, text)`` lines of ``make rustavailable``, in the order printed.

    Plain strings are taken as stderr lines.  ``tree_version`` and
    ``min_versions`` (from :func:`min_tool_versions`) word the remedies for the
    tree: pinned versions on 6.1, minimums from 6.11 on.  ``env`` (the run's environment,
    default ours) and ``make_vars`` (RUSTC=, BINDGEN=, … as given to make) let the remedies
    name an explicit value when it is the cause.  ``use_caches=False``: ask the package manager now.
    """
    try:
        version = tuple(int(x) for x in tuple(tree_version)[:3])
    except (TypeError, ValueError):
        version = (0, 0, 0)
    mins = {str(k): str(v) for k, v in (min_versions or {}).items()}
    ctx = _Ctx(version, mins, env, dict(make_vars or {}), str(os_release), use_caches)
    norm = _normalise(lines)
    err = [t for s, t in norm if s != "stdout"]
    out = [t for s, t in norm if s == "stdout"]
    findings = _Parser(err, ctx).run()
    other: list[str] = []
    available = False
    for text in out:
        if text.strip() == AVAILABLE_TEXT:
            available = True
        elif _MAKE_LINE.match(text) or not text.strip():
            continue
        else:
            other.append(text)
    if other:
        findings.append(_unrecognised(other, star=any(_is_star(x) for x in other)))
    if available:
        warned = any(f.severity == "warning" for f in findings)
        findings.append(Finding(kind="available", severity="info", tool=None, ref="OK",
                                message="Rust is available" + (", with the warnings above." if warned else ".")))
    return findings


def finding_to_dict(f: Finding) -> dict[str, object]:
    d = asdict(f)
    d["remedies"] = [{"title": r.title, "command": r.command, "run": list(r.run) if r.run else None}
                     for r in f.remedies]
    d["version_labels"] = list(f.version_labels)
    return d


def findings_to_json(findings: Iterable[Finding], *, indent: int | None = 2, **extra: object) -> str:
    """A stable JSON form: ``{"findings": [...], **extra}`` with sorted keys."""
    doc: dict[str, object] = dict(extra)
    doc["findings"] = [finding_to_dict(f) for f in findings]
    return json.dumps(doc, indent=indent, sort_keys=True, ensure_ascii=False)
