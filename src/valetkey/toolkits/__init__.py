"""Built-in toolkit definitions: one folder per toolkit (see docs/toolkit-format.md).

This is a package only so that Python handlers shipped with the catalog, like
the examples in `_examples`, are importable by their dotted path.
"""
