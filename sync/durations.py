"""Durations written for a person: "every 5 minutes", not "every 300 seconds"."""


def every(seconds: int) -> str:
    """The largest whole unit that states `seconds` exactly: 300 → "5 minutes", 3600 → "1 hour",
    90 → "90 seconds". Exact, unlike rounding: "2 minutes" for 90 seconds would be untrue."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{seconds} second{'' if seconds == 1 else 's'}"
