from collections.abc import Iterator

import pytest

from fakeapi import FakeClock, FakeServer


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def server(clock: FakeClock) -> Iterator[FakeServer]:
    with FakeServer(clock=clock, min_cacheable_tokens=1000) as running:
        yield running
