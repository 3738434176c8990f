"""What a person (or a program) types where a number is expected, checked the one way."""


def is_whole_number(text: str) -> bool:
    """ASCII digits only ("²" is a digit to str.isdigit and no number to int), and short
    enough to be an id, a position or a count (an int of 10,000 digits is refused by Python
    itself, and by PostgreSQL's bigint long before)."""
    return text.isascii() and text.isdigit() and len(text) <= 18
