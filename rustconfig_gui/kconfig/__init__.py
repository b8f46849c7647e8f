"""Loading a kernel tree's Kconfig and evaluating it as the kernel's C ``conf`` does.

A tree and the environment its make gives Kconfig (``tree``), the parser for
current kernels on kconfiglib 14.1.0 (``parser``), values (``semantics``),
``.config`` files (``configfile``), the menu tree as front ends show it
(``menutree``), the loader that puts these together (``loader``) and the
stored parses it reuses (``parsecache``).  The ``$(shell,…)`` macros of a
parse and their cache live in ``shell``.  Nothing here imports Qt.
"""
