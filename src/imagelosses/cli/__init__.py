"""The `imagelosses` command: `bakeoff`, `compare` and `list`, one module per subcommand.

`main.py` parses the arguments and dispatches; `bakeoff.py`, `compare.py` and `list_cmd.py` are the
subcommands; `data.py` reads files and builds the datasets, `specs.py` turns loss names and
expressions into loss objects, `train.py` builds and trains the small nets (with their diagnostics),
`results.py` holds the bake-off's results schema (runs, mean and std over seeds, best or tie),
`report.py` prints the tables and writes the figures, `report.html` and `metrics.json`. The
command uses the public `imagelosses` API only.
"""
