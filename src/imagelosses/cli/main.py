"""`imagelosses`: argument parsing and dispatch to the subcommands.

Exit codes: 0 success; 1 a data problem (unreadable, mismatched or unpaired files) or a package
of the `cli` extra missing; 2 bad arguments.

`--backend`: Keras fixes its backend when it is first imported, and `import imagelosses` imports
Keras, so the backend is chosen by `KERAS_BACKEND` in the environment. When `--backend` differs
from the backend already loaded, the command runs itself again in a child process with
`KERAS_BACKEND` set (before Keras is imported there) and returns the child's exit code.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from imagelosses.cli._common import EXIT_DATA, EXIT_USAGE, CLIError

BACKENDS = ("tensorflow", "jax", "torch")
CLI_EXTRA = ("matplotlib", "PIL", "skimage")  # top-level modules of the `cli` extra


def build_parser() -> argparse.ArgumentParser:
    from imagelosses.cli import bakeoff, compare, list_cmd

    parser = argparse.ArgumentParser(
        prog="imagelosses",
        description="Image losses for Keras 3: a loss bake-off on real images, an image comparison "
        "tool, and the list of every loss and metric.",
        epilog="Exit codes: 0 success, 1 a problem with the data (unreadable, mismatched or "
        "unpaired files) or a missing package of the cli extra, 2 bad arguments.",
    )
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        help="Keras backend; sets KERAS_BACKEND before Keras is imported (by "
        "re-running the command in a child process when another backend is "
        "already loaded). Default: $KERAS_BACKEND, else tensorflow",
    )
    parser.add_argument(
        "--version", action="store_true", help="print the versions of imagelosses and Keras, and the backend"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    p = sub.add_parser(
        "bakeoff",
        help="train a small net per loss and compare them on held-out data",
        description=bakeoff.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    bakeoff.add_arguments(p)
    p.add_argument(
        "--backend", choices=BACKENDS, default=argparse.SUPPRESS, help="as `imagelosses --backend`"
    )
    p = sub.add_parser(
        "compare",
        help="SSIM, MS-SSIM, PSNR, edge error (or IoU/Dice) of image pairs",
        description=compare.__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    compare.add_arguments(p)
    p.add_argument(
        "--backend", choices=BACKENDS, default=argparse.SUPPRESS, help="as `imagelosses --backend`"
    )
    p = sub.add_parser(
        "list", help="every loss and metric, what it is for, its reference", description=list_cmd.__doc__
    )
    list_cmd.add_arguments(p)
    return parser


def _rerun_with_backend(backend: str, argv: list[str]) -> int | None:
    """Run the command in a child with KERAS_BACKEND=backend, unless that backend is loaded."""
    import keras

    if keras.backend.backend() == backend:
        return None
    env = dict(os.environ, KERAS_BACKEND=backend)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return subprocess.call([sys.executable, "-m", "imagelosses", *argv], env=env)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse: 0 for --help, 2 for bad arguments
        return int(exit_.code or 0)
    args.argv = argv
    if args.command is None and not args.version:
        parser.print_usage(sys.stderr)
        print("imagelosses: error: a command is required (bakeoff, compare or list)", file=sys.stderr)
        return EXIT_USAGE
    if getattr(args, "backend", None):
        code = _rerun_with_backend(args.backend, argv)
        if code is not None:
            return code
    if args.version:
        import keras

        import imagelosses

        print(
            f"imagelosses {imagelosses.__version__}, keras {keras.__version__}, "
            f"backend {keras.backend.backend()}"
        )
        return 0
    from imagelosses.cli import bakeoff, compare, list_cmd

    commands = {"bakeoff": bakeoff.run, "compare": compare.run, "list": list_cmd.run}
    try:
        return commands[args.command](args)
    except CLIError as error:
        print(f"imagelosses {args.command}: error: {error}", file=sys.stderr)
        return error.code
    except ModuleNotFoundError as error:
        if error.name not in CLI_EXTRA:
            raise
        print(
            f"imagelosses {args.command}: error: this command needs {error.name!r}, from the "
            "`cli` extra: pip install 'imagelosses[cli]'",
            file=sys.stderr,
        )
        return EXIT_DATA
    except KeyboardInterrupt:
        print("imagelosses: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
