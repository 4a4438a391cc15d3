"""Fast local-time formatting of epoch seconds for the demo generator.

``datetime.fromtimestamp(ts, zone).isoformat()`` costs a zone lookup per call;
the generator formats a million timestamps for a benchmark run, so offsets are
cached per quarter hour (every real zone transition falls on one) and the text
of each quarter hour is cached too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_QUARTER = 900
_DAY = 86_400
_TWO_DIGITS = tuple(f"{number:02d}" for number in range(60))


class LocalClock:
    """Epoch seconds → ISO-8601 text, local dates and times of day in one zone."""

    __slots__ = ("_days", "_offsets", "iso", "zone")

    def __init__(self, zone: ZoneInfo) -> None:
        self.zone = zone
        self._offsets: dict[int, tuple[int, str]] = {}
        self._days: dict[int, str] = {}
        self.iso: Callable[[int], str] = self._make_iso()
        """``ts`` (whole epoch seconds) as local ISO-8601 with its UTC offset."""

    def _offset(self, ts: int) -> tuple[int, str]:
        key = ts // _QUARTER
        hit = self._offsets.get(key)
        if hit is None:
            delta = datetime.fromtimestamp(key * _QUARTER, self.zone).utcoffset()
            seconds = int(delta.total_seconds()) if delta is not None else 0
            sign = "+" if seconds >= 0 else "-"
            hours, rest = divmod(abs(seconds), 3600)
            minutes, secs = divmod(rest, 60)
            suffix = f"{sign}{hours:02d}:{minutes:02d}"
            if secs:
                suffix += f":{secs:02d}"
            hit = (seconds, suffix)
            self._offsets[key] = hit
        return hit

    def _make_iso(self) -> Callable[[int], str]:
        # a closure reads its cache from local cells, which is measurably faster than
        # attribute lookups for the million calls of a benchmark run
        quarters: dict[int, tuple[str, int, str]] = {}
        two_digits = _TWO_DIGITS
        offset_of = self._offset
        slow = self._iso

        def iso(ts: int) -> str:
            """``ts`` (whole epoch seconds) as local ISO-8601 with its UTC offset."""
            quarter, rest = divmod(ts, _QUARTER)
            parts = quarters.get(quarter)
            if parts is None:
                offset, suffix = offset_of(ts)
                if offset % _QUARTER:
                    # a historic offset like +02:30:17 does not keep quarter hours aligned
                    return slow(ts)
                text = slow(quarter * _QUARTER)
                parts = (text[:14], int(text[14:16]), suffix)
                quarters[quarter] = parts
            minute, second = divmod(rest, 60)
            return f"{parts[0]}{two_digits[parts[1] + minute]}:{two_digits[second]}{parts[2]}"

        return iso

    def _iso(self, ts: int) -> str:
        offset, suffix = self._offset(ts)
        day, rest = divmod(ts + offset, _DAY)
        prefix = self._days.get(day)
        if prefix is None:
            prefix = date.fromordinal(day + _EPOCH_ORDINAL).isoformat()
            self._days[day] = prefix
        hours, rest = divmod(rest, 3600)
        minutes, seconds = divmod(rest, 60)
        return f"{prefix}T{hours:02d}:{minutes:02d}:{seconds:02d}{suffix}"

    def local_date(self, ts: int) -> date:
        """The local calendar date of ``ts``."""
        return date.fromordinal((ts + self._offset(ts)[0]) // _DAY + _EPOCH_ORDINAL)

    def seconds_of_day(self, ts: int) -> int:
        """Seconds since local midnight at ``ts``."""
        return (ts + self._offset(ts)[0]) % _DAY

    def midnight(self, day: date) -> int:
        """Epoch seconds of local midnight at the start of ``day``."""
        return int(datetime(day.year, day.month, day.day, tzinfo=self.zone).timestamp())

    def at_local(self, day: date, seconds: int) -> int:
        """Epoch seconds of ``day`` plus ``seconds`` of local wall-clock time."""
        moment = datetime(day.year, day.month, day.day, tzinfo=self.zone)
        return int((moment + timedelta(seconds=seconds)).timestamp())
