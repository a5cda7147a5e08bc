"""What every subcommand shares: the error type with its exit code, public-API look-ups, tables."""

from __future__ import annotations

import importlib
import math

import imagelosses

# Exit codes of the command (also listed in `imagelosses --help`).
EXIT_OK = 0
EXIT_DATA = 1  # unreadable, mismatched or unpaired files; a feature this installation lacks
EXIT_USAGE = 2  # bad arguments (argparse uses 2 as well)


class CLIError(Exception):
    """A user-facing failure: printed as `imagelosses: error: <message>` with its exit code."""

    def __init__(self, message: str, code: int = EXIT_DATA):
        super().__init__(message)
        self.code = code


def _owner(module):
    if module is None:
        return imagelosses
    try:
        return importlib.import_module(f"imagelosses.{module}")
    except ImportError:
        return None


def public(name: str, module=None, feature: str = ""):
    """`imagelosses.<name>` (or `imagelosses.<module>.<name>`), or a CLIError saying it is missing."""
    owner = _owner(module)
    value = getattr(owner, name, None) if owner is not None else None
    if value is None:
        where = f"imagelosses.{module}.{name}" if module else f"imagelosses.{name}"
        need = f" {feature}" if feature else ""
        raise CLIError(
            f"{where} is not available in this installation of imagelosses "
            f"(imagelosses {imagelosses.__version__}), so{need or ' this feature'} cannot run."
        )
    return value


def has_public(name: str, module=None) -> bool:
    owner = _owner(module)
    return owner is not None and getattr(owner, name, None) is not None


def fmt(value, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def text_table(header: list[str], rows: list[list[str]]) -> str:
    """A plain aligned table: first column left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]

    def line(cells):
        out = [str(cells[0]).ljust(widths[0])]
        out += [str(c).rjust(w) for c, w in zip(cells[1:], widths[1:])]
        return "  ".join(out).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *[line(r) for r in rows]])
