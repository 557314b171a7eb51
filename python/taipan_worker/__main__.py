"""Entry point: ``python -m taipan_worker --socket PATH --worker-id ID [options]``."""

import os
import sys


def _set_parent_death_signal() -> None:
    """Linux: get SIGKILL when the parent dies. Done first, before heavy imports."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        PR_SET_PDEATHSIG = 1
        SIGKILL = 9
        libc.prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0)
    except Exception:
        pass


def _early_parent_check(argv: "list[str]") -> None:
    """If --parent-pid is given and our parent is already someone else, the parent died
    before prctl took effect: exit at once."""
    value = None
    for i, arg in enumerate(argv):
        if arg == "--parent-pid" and i + 1 < len(argv):
            value = argv[i + 1]
        elif arg.startswith("--parent-pid="):
            value = arg.split("=", 1)[1]
    if value is None:
        return
    try:
        expected = int(value)
    except ValueError:
        return  # argparse reports it
    if os.getppid() != expected:
        os._exit(0)


def _own_process_group() -> None:
    """Lead a process group of our own: whatever the worker starts can be signalled as one
    group, and a terminal's Ctrl-C reaches the JVM (which shuts the pool down), not us."""
    try:
        os.setpgid(0, 0)
    except (AttributeError, OSError):
        pass


_set_parent_death_signal()
_early_parent_check(sys.argv[1:])
_own_process_group()

import argparse  # noqa: E402


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


def parse_args(argv: "list[str]") -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m taipan_worker", description="Taipan Python worker")
    parser.add_argument("--socket", required=True, help="Unix socket path of the pool")
    parser.add_argument("--worker-id", required=True, help="this worker's id")
    parser.add_argument("--slots", type=_positive_int, default=4, help="calls run at once (default 4)")
    parser.add_argument("--modules", default="", help="comma-separated allow-list of modules to import")
    parser.add_argument(
        "--max-frame-bytes", type=_frame_limit, default=67108864, help="maximum frame body size (default 64 MiB)"
    )
    parser.add_argument("--pool-name", default=None)
    parser.add_argument("--run-id", default=None)
    parser.add_argument("--parent-pid", type=int, default=None)
    return parser.parse_args(argv)  # exits with status 2 on bad arguments


def main(argv: "list[str] | None" = None) -> None:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(line_buffering=True)  # type: ignore[attr-defined]
        except Exception:
            pass
    ns = parse_args(sys.argv[1:] if argv is None else argv)
    from .runtime import Config, main as run

    modules = [m.strip() for m in ns.modules.split(",") if m.strip()]
    run(
        Config(
            socket=ns.socket,
            worker_id=ns.worker_id,
            slots=ns.slots,
            modules=modules,
            max_frame_bytes=ns.max_frame_bytes,
            pool_name=ns.pool_name,
            run_id=ns.run_id,
        )
    )


if __name__ == "__main__":
    main()
