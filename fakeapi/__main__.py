"""python -m fakeapi --port 8199 --first-token-ms 300 --tokens-per-second 80"""

import argparse
import signal
import threading

from fakeapi.server import FakeServer


def parse_arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m fakeapi", description="A local fake of the Anthropic Messages API."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8199)
    parser.add_argument("--first-token-ms", type=float, default=300)
    parser.add_argument("--tokens-per-second", type=float, default=80)
    parser.add_argument(
        "--min-cacheable-tokens",
        type=int,
        default=None,
        help="cache breakpoints on shorter prefixes are ignored (default: per model)",
    )
    parser.add_argument("--api-key", default=None, help="accept only this key (default: any)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    arguments = parse_arguments(argv)
    server = FakeServer(
        host=arguments.host,
        port=arguments.port,
        first_token_ms=arguments.first_token_ms,
        tokens_per_second=arguments.tokens_per_second or None,
        min_cacheable_tokens=arguments.min_cacheable_tokens,
        api_key=arguments.api_key,
    )
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    with server:
        print(f"fakeapi: Messages API on {server.base_url} (Ctrl+C stops it)", flush=True)
        # A timed wait, so the signal handlers get to run.
        while not stopping.wait(0.5):
            pass


if __name__ == "__main__":
    main()
