"""The ``$(shell,…)`` macros of a parse: started ahead of the parser, run in a pool, cached on disk."""
