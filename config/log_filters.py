"""Logging filters of the settings' LOGGING."""

import logging


class RefusalsInOneLine(logging.Filter):
    """A refused request (a 4xx: a page refused, a bad page number, a missing page) is the
    client's doing, not a fault of the app: Django logs it with the exception's traceback,
    which filled `make run`'s console. It keeps its one line; a 5xx keeps its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        status = getattr(record, "status_code", None)
        if status is not None and 400 <= status < 500:
            record.exc_info = None
            record.exc_text = None
        return True
