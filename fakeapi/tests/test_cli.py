import json
import subprocess
import sys
import urllib.request
from pathlib import Path

from fakeapi.__main__ import parse_arguments

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_the_command_line_defaults_to_a_realistic_pace():
    arguments = parse_arguments([])

    assert (arguments.port, arguments.first_token_ms, arguments.tokens_per_second) == (
        8199,
        300,
        80,
    )
    assert arguments.min_cacheable_tokens is None


def test_python_dash_m_fakeapi_serves_until_stopped():
    process = subprocess.Popen(
        [sys.executable, "-m", "fakeapi", "--port", "0", "--first-token-ms", "0"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        banner = process.stdout.readline()
        base_url = banner.split(" on ")[1].split(" ")[0]
        request = urllib.request.Request(
            f"{base_url}/v1/messages",
            data=json.dumps(
                {
                    "model": "claude-haiku-5-5",
                    "max_tokens": 50,
                    "messages": [{"role": "user", "content": "Hello."}],
                }
            ).encode(),
            headers={"x-api-key": "k", "anthropic-version": "2023-06-01"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            message = json.loads(response.read())
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()

    assert message["type"] == "message"
    assert process.returncode == 0
