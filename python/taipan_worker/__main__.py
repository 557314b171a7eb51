"""Entry point: ``python -m taipan_worker --socket PATH --worker-id ID [options]``."""

import sys

from taipan_worker.process import (  # noqa: E402  (nothing heavy: see process.py)
    exit_if_parent_is_not,
    guard_descendants,
    own_process_group,
    parent_pid_argument,
    set_parent_death_signal,
)

set_parent_death_signal()
exit_if_parent_is_not(parent_pid_argument(sys.argv[1:]))
own_process_group()
guard_descendants()  # from here on we are the guardian's child: see process.py

from taipan_worker.options import line_buffered_stdio, module_list, parse_args, read_start  # noqa: E402


def main(argv: "list[str] | None" = None) -> None:
    line_buffered_stdio()
    ns = parse_args(sys.argv[1:] if argv is None else argv)
    token, log_level = read_start(ns.worker_id)  # before anything imports user code: it sets the secrets
    from .runtime import Config, main as run

    run(
        Config(
            socket=ns.socket,
            worker_id=ns.worker_id,
            slots=ns.slots,
            modules=module_list(ns),
            max_frame_bytes=ns.max_frame_bytes,
            pool_name=ns.pool_name,
            run_id=ns.run_id,
            log_level=log_level,
        ),
        token,
    )


if __name__ == "__main__":
    main()
