"""What every subcommand shares: the error type with its exit code, number formatting, tables."""

from __future__ import annotations

import math

# Exit codes of the command (also listed in `imagelosses --help`).
EXIT_OK = 0
EXIT_DATA = 1  # unreadable, mismatched or unpaired files
EXIT_USAGE = 2  # bad arguments (argparse uses 2 as well)


class CLIError(Exception):
    """A user-facing failure: printed as `imagelosses: error: <message>` with its exit code."""

    def __init__(self, message: str, code: int = EXIT_DATA):
        super().__init__(message)
        self.code = code


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
