"""`make bench`: every benchmark, printing numbers. `python -m benchmarks NAME [--opts]` runs one.

Each benchmark sets Django up on a database of its own, so `make bench` runs each in a fresh
process.
"""

import subprocess
import sys

from benchmarks import burst, coding, conversation, load, pages

BENCHMARKS = {
    "conversation": lambda options: conversation.main(),
    "load": load.main,
    "burst": burst.main,
    "pages": pages.main,
    "coding": coding.main,
}


def main(arguments: list[str]) -> None:
    names = [a for a in arguments if a in BENCHMARKS]
    unknown = [a for a in arguments if not a.startswith("-") and a not in BENCHMARKS]
    options = [a for a in arguments if a not in names]
    if unknown and not names:
        sys.exit(f"No benchmark called {unknown[0]!r}; choose from {', '.join(BENCHMARKS)}.")
    if len(names) == 1:
        print(f"\n=== {names[0]} ===", flush=True)
        BENCHMARKS[names[0]](options)
        return
    failed = []
    for name in names or list(BENCHMARKS):
        if subprocess.run([sys.executable, "-m", "benchmarks", name, *options]).returncode:
            failed.append(name)
    if failed:
        sys.exit(f"Failed: {', '.join(failed)}")


if __name__ == "__main__":
    main(sys.argv[1:])
