"""What a person (or a program) types where a number or a day is expected, checked the one
way."""

import datetime

# The days any order or cart can carry, with a period as long before them to compare with
# (the day before year 1 does not exist; 9999-12-31 has no next day).
FIRST_DAY, LAST_DAY = datetime.date(1970, 1, 1), datetime.date(2199, 12, 31)


def is_whole_number(text: str) -> bool:
    """ASCII digits only ("²" is a digit to str.isdigit and no number to int), and short
    enough to be an id, a position or a count (an int of 10,000 digits is refused by Python
    itself, and by PostgreSQL's bigint long before)."""
    return text.isascii() and text.isdigit() and len(text) <= 18
