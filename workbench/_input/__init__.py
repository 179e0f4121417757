"""The one way in: every file the workbench reads goes through this package.

* :mod:`~workbench._input.read`: reading with limits (size, UTF-8, no NUL
  bytes) and JSON without ``NaN`` or deep nesting;
* :mod:`~workbench._input.yaml`: the one safe YAML event parser, which yields
  plain data with a line map keyed by path tuples (and refuses tags, anchors,
  aliases and bombs), with the fast path of :mod:`~workbench._input._fast`;
* :mod:`~workbench._input.locate`: one locator from a path tuple to an
  :class:`~workbench.errors.Issue` with file and line;
* :mod:`~workbench._input.check`: one checker driven by record-spec tables,
  which turns a checked record into plain values or a frozen, typed object.

It is the bottom layer: it imports nothing from the workbench but
:mod:`workbench.errors`.
"""
