# TEST-ONLY: a subprocess that imports these tests (test_races) gets the coder stand-in too;
# delete with coder_standin.py once issue 13's deterministic coder is merged.
from conversations.tests import coder_standin  # noqa: F401
