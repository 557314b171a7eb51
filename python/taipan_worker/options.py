"""Command-line options of a worker (``python -m taipan_worker``) and of the zygote
(``python -m taipan_worker.zygote``): the same pool settings, parsed in one place."""

from __future__ import annotations

import argparse
from typing import List


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer: {text}")
    return value


def _frame_limit(text: str) -> int:
    value = int(text)
    if not 1024 <= value <= 0xFFFFFFFF:
        raise argparse.ArgumentTypeError(f"must be between 1024 and 4294967295: {text}")
    return value


def parse_args(argv: List[str], prog: str = "python -m taipan_worker", worker: bool = True) -> argparse.Namespace:
    """Parse ``argv``; exits with status 2 on bad arguments. ``worker=False`` (the zygote)
    takes no ``--worker-id``: each forked worker gets its id with the fork request."""
    description = "Taipan Python worker" if worker else "Taipan zygote: forks pre-warmed workers on request"
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--socket", required=True, help="Unix socket path of the pool")
    if worker:
        parser.add_argument("--worker-id", required=True, help="this worker's id")
    parser.add_argument("--slots", type=_positive_int, default=4, help="calls run at once (default 4)")
    parser.add_argument("--modules", default="", help="comma-separated allow-list of modules to import")
    parser.add_argument(
        "--max-frame-bytes", type=_frame_limit, default=67108864, help="maximum frame body size (default 64 MiB)"
    )
    parser.add_argument("--pool-name", default=None)
    parser.add_argument("--run-id", default=None)
    parser.add_argument("--parent-pid", type=int, default=None)
    return parser.parse_args(argv)


def module_list(ns: argparse.Namespace) -> List[str]:
    return [m.strip() for m in ns.modules.split(",") if m.strip()]


def line_buffered_stdio() -> None:
    import sys

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
        except Exception:
            pass
