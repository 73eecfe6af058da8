"""Token estimates where no tokenizer is at hand: ceil(characters / 4).

One rule for every estimate: the context window's budget, the demo provider's usage, the text of
a reply cut off before the API reported its count, and the fake server's counts. It rounds up as
the providers always did, so the window is measured in the same tokens the fake server bills.
"""

import math

CHARS_PER_TOKEN = 4


def tokens_in_chars(count: int) -> int:
    return math.ceil(count / CHARS_PER_TOKEN)


def estimate_tokens(text: str) -> int:
    return tokens_in_chars(len(text))
