"""`python -m bench` (`make bench`): the engine vs. plain PyTorch loops, side by side, in one run.

    python -m bench [--repeat 3] [--only a,c] [--profile]

Prints one table row per scenario (bench/engine_bench.py, then bench/http_bench.py through a real
server) with the ratio and its target. When
scenario (a) misses its target, or with --profile, it also prints where the lockstep loop spends its
time. Exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import sys

import torch

from bench import http_bench
from bench.engine_bench import HEADER, SCENARIOS, profile_lockstep, row, warm_up
from bench.train_bench import TRAIN_SCENARIOS, warm_up_training


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="tries per timing; the best counts")
    parser.add_argument("--only", default="", help="comma-separated scenario letters, e.g. a,c")
    parser.add_argument("--profile", action="store_true", help="profile the lockstep loop of scenario (a)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # as the server does
    warm_up()
    warm_up_training()
    wanted = {f"({letter.strip()})" for letter in args.only.split(",") if letter.strip()}
    print(HEADER + "\n" + "-" * len(HEADER), flush=True)
    rows = []
    for scenario in SCENARIOS + TRAIN_SCENARIOS + http_bench.SCENARIOS:  # the engine in-process, then through HTTP
        if wanted and scenario.name.split()[0] not in wanted:
            continue
        rows.append((scenario.name, scenario.measure(args.repeat)))
        print(row(*rows[-1]), flush=True)
    missed_a = any(name.startswith("(a)") and not m.met for name, m in rows)
    if args.profile or missed_a:
        print("\n(a) lockstep loop, by own time:\n")
        print(profile_lockstep())
    return 0 if all(m.met for _, m in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
