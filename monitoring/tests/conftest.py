import pytest

from accounts.models import User
from conftest import make_user


@pytest.fixture
def make_teachers(db):
    def make(count: int) -> list[User]:
        return [make_user(f"pilot-teacher-{n}", User.Role.TEACHER) for n in range(count)]

    return make
