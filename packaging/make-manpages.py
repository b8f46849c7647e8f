"""Write the man pages rustconfig.1 and rustconfig-gui.1 from the commands' own argparse parsers.

    python packaging/make-manpages.py --out DIR [--check]

Every option, subcommand and help text comes from
``rustconfig_gui.cli.build_parser()`` and ``rustconfig_gui.gui.app.build_parser()``,
so the pages cannot drift from ``--help``; packagers generate them at build
time (PKGBUILD, Flatpak manifest, PyInstaller script).  ``--check`` compares
with the files in DIR instead of writing them (exit status 1 when they are stale).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from xml.etree import ElementTree

HERE = Path(__file__).resolve().parent
# the pages describe this checkout's commands, installed or not
sys.path.insert(0, str(HERE.parent))
METAINFO = HERE / "io.github.rustconfig_gui.RustconfigGui.metainfo.xml"


def esc(text: str) -> str:
    """Text for a roff line: backslashes, hyphens and leading dots/quotes made literal."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    # groff reads bytes; any non-ASCII character becomes a named Unicode escape
    text = "".join(c if ord(c) < 128 else f"\\[u{ord(c):04X}]" for c in text)
    return "\\&" + text if text[:1] in (".", "'") else text


def release_date(version: str) -> str:
    """The date of this version's release in the AppStream metainfo (the one place it is kept)."""
    root = ElementTree.parse(METAINFO).getroot()
    for rel in root.iter("release"):
        if rel.get("version") == version:
            return rel.get("date", "")
    return ""


def _metavar(action: argparse.Action) -> str:
    # argparse's own defaults: choices, else DEST for options and dest for positionals
    if action.metavar is not None:
        return action.metavar if isinstance(action.metavar, str) else " ".join(action.metavar)
    if action.choices:
        return "{" + ",".join(map(str, action.choices)) + "}"
    return action.dest.upper() if action.option_strings else action.dest


def _option_lines(action: argparse.Action, prog: str) -> list[str]:
    if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
        return []
    if action.help == argparse.SUPPRESS:
        return []
    if action.option_strings:
        takes_value = action.nargs != 0
        forms = []
        for opt in action.option_strings:
            form = f"\\fB{esc(opt)}\\fR"
            if takes_value:
                form += f" \\fI{esc(_metavar(action))}\\fR"
            forms.append(form)
        head = ", ".join(forms)
    else:
        head = f"\\fI{esc(_metavar(action))}\\fR"
    help_text = action.help or ""
    if "%(" in help_text:
        # as argparse's HelpFormatter expands it
        help_text = help_text % {**vars(action), "prog": prog}
    if action.option_strings and isinstance(action, argparse._AppendAction):
        help_text += " (may be given more than once)"
    lines = [".TP", head]
    if help_text:
        lines.append(esc(help_text.strip()))
    return lines


def _synopsis(parser: argparse.ArgumentParser) -> str:
    usage = parser.format_usage().strip()
    usage = re.sub(r"^usage:\s*", "", usage)
    return " ".join(usage.split())


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...]) -> list[str]:
    """Each subcommand (and each of theirs) with its help, synopsis and options."""
    out: list[str] = []
    for sub in (a for a in parser._actions if isinstance(a, argparse._SubParsersAction)):
        helps = {ca.dest: ca.help for ca in sub._choices_actions}
        for cmd, subparser in sub.choices.items():
            out += [".SS " + esc(" ".join((*path, cmd))), esc(helps.get(cmd) or ""), ".PP",
                    esc(_synopsis(subparser))]
            opts = []
            for action in subparser._actions:
                opts += _option_lines(action, subparser.prog)
            if opts:
                out += [".RS", *opts, ".RE"]
            out += _commands(subparser, (*path, cmd))
    return out


def _section(title: str) -> str:
    return f".SH {title}"


def page(parser: argparse.ArgumentParser, *, name: str, summary: str, version: str, extra: list[str]) -> str:
    date = release_date(version)
    out = [
        f'.TH {esc(name.upper())} 1 "{date}" "{esc(name)} {version}" "User Commands"',
        _section("NAME"),
        f"{esc(name)} \\- {esc(summary)}",
        _section("SYNOPSIS"),
        esc(_synopsis(parser)),
        _section("DESCRIPTION"),
        esc(parser.description or ""),
        _section("OPTIONS"),
        ".TP",
        "\\fB\\-h\\fR, \\fB\\-\\-help\\fR",
        "show the help and exit",
    ]
    for action in parser._actions:
        out += _option_lines(action, parser.prog)
    if any(isinstance(a, argparse._SubParsersAction) for a in parser._actions):
        out.append(_section("COMMANDS"))
        out += _commands(parser, ())
    out += extra
    return "\n".join(out) + "\n"


def _para(*lines: str) -> list[str]:
    return [".PP", *[esc(line) for line in lines]]


def pages() -> dict[str, str]:
    from rustconfig_gui import __version__
    from rustconfig_gui.cli import build_parser as cli_parser
    from rustconfig_gui.gui.app import build_parser as gui_parser

    see_also = [_section("SEE ALSO"), "\\fBrustconfig\\fR(1), \\fBrustconfig\\-gui\\fR(1), \\fBmake\\fR(1)",
                ".PP", "The kernel's Documentation/kbuild/kconfig.rst and Documentation/rust/quick-start.rst."]
    exit_status = [_section("EXIT STATUS"),
                   *_para("0 on success, 1 when the tree cannot be loaded or a command fails "
                          "(one sentence on standard error), 2 for wrong arguments; "
                          "probe exits with 3 when Rust is not available.")]
    environment = [_section("ENVIRONMENT"),
                   *_para("The tree's make runs with the caller's environment without make's own state "
                          "(MAKEFLAGS, MAKELEVEL, O, KBUILD_OUTPUT, KCONFIG_CONFIG, ...) and with LC_ALL=C. "
                          "Inside a Flatpak sandbox make and the tools it calls run on the host through "
                          "flatpak-spawn --host.")]
    examples = [_section("EXAMPLES"),
                ".nf",
                esc("rustconfig info ~/src/linux --arch x86_64"),
                esc("rustconfig rust-status ~/src/linux -O ~/build/linux"),
                esc("rustconfig why ~/src/linux RUST"),
                esc("rustconfig probe ~/src/linux --make-var RUSTC=$HOME/.cargo/bin/rustc"),
                esc("rustconfig olddefconfig ~/src/linux -O ~/build/linux"),
                ".fi"]
    gui_extra = [_section("FILES"),
                 *_para("Without TREE the bundled demo tree opens; its configuration is kept in the "
                        "user's data folder (XDG_DATA_HOME), never inside the installed package."),
                 *see_also]
    return {
        "rustconfig.1": page(cli_parser(), name="rustconfig", version=__version__,
                             summary="load, explain and write a Linux kernel configuration, Rust first",
                             extra=[*exit_status, *environment, *examples, *see_also]),
        "rustconfig-gui.1": page(gui_parser(), name="rustconfig-gui", version=__version__,
                                 summary="desktop companion to menuconfig for the kernel's Rust options",
                                 extra=gui_extra),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True, help="folder for the pages")
    ap.add_argument("--check", action="store_true", help="compare with the files in --out, write nothing")
    args = ap.parse_args(argv)
    stale = []
    for filename, text in pages().items():
        target = args.out / filename
        if args.check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                stale.append(str(target))
            continue
        args.out.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        print(target)
    for path in stale:
        print(f"{path} is out of date", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
