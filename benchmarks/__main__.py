"""`make bench`: every benchmark, printing numbers. `python -m benchmarks NAME` runs one."""

import sys

from benchmarks import conversation

BENCHMARKS = {"conversation": conversation.main}


def main(names: list[str]) -> None:
    for name in names or list(BENCHMARKS):
        if name not in BENCHMARKS:
            sys.exit(f"No benchmark called {name!r}; choose from {', '.join(BENCHMARKS)}.")
        print(f"\n=== {name} ===")
        BENCHMARKS[name]()


if __name__ == "__main__":
    main(sys.argv[1:])
