"""English time phrases: durations (within 24 hours, in half an hour, within 3 business
days), calendar anchors (by tomorrow 10am, by Friday, by EOD, tomorrow morning) and vague
promises (as soon as possible)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta

from kefu.sla.commitments_base import (
    Mention,
    after,
    at,
    business,
    business_too_long,
    clock_hour,
    end_of_day,
    month_day,
    vague_mentions,
    weekday,
)

_ONES = "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen"
_ONES += " fifteen sixteen seventeen eighteen nineteen"
_WORDS = {word: n for n, word in enumerate(_ONES.split())}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70}
_WORD = rf"(?:{'|'.join(_TENS)})(?:[\s-](?:{'|'.join(_ONES.split()[1:10])}))?|{'|'.join(_WORDS)}"
_NUM = rf"[0-9]+(?:\.[0-9]+)?|a\s+couple\s+of|couple\s+of|a\s+few|few|several|an?|{_WORD}"


def number(token: str) -> float | None:
    """'24', 'a', 'twenty-four', 'a couple of' → value; 'a few'/'several' → None (vague)."""
    token = re.sub(r"\s+", " ", token.lower())
    if token[0].isdigit():
        return float(token)
    if token in ("a", "an"):
        return 1.0
    if "couple" in token:
        return 2.0
    if token in _WORDS:
        return float(_WORDS[token])
    tens, _, ones = token.replace("-", " ").partition(" ")
    if tens in _TENS:
        return float(_TENS[tens] + _WORDS.get(ones, 0))
    return None


_UNITS = (("mi", "minutes"), ("h", "hours"), ("d", "days"), ("w", "weeks"), ("mo", "months"))
_DURATION = re.compile(
    r"(?<![\w.])(?:(?P<lead>within|in|inside(?:\s+of)?|under|no\s+more\s+than|up\s+to)\s+"
    r"(?:the\s+next\s+|the\s+|a\s+maximum\s+of\s+)?)?"
    rf"(?:(?P<half>half\s+an?)|(?P<n>{_NUM})(?:\s*(?:-|–|~|to|or)\s*(?P<n2>{_NUM}))?)\s*"
    r"(?P<business>(?:business|working|work)\s*)?"
    r"(?P<unit>minutes?|mins?|hours?|hrs?|h|days?|weeks?|months?)\b"
    r"(?:\s+(?P<tail>ago|later|earlier|before|from\s+now))?",
    re.IGNORECASE,
)


def _durations(text: str, now: datetime) -> Iterator[Mention]:
    for m in _DURATION.finditer(text):
        tail = (m.group("tail") or "").lower()
        if tail in ("ago", "later", "earlier", "before"):
            continue  # "3 days ago": narrative
        unit_word = m.group("unit").lower()
        unit = next(name for prefix, name in _UNITS if unit_word.startswith(prefix))
        marked = bool(m.group("lead")) or tail == "from now"
        numeral = m.group("n2") or m.group("n")
        amount = 0.5 if m.group("half") else number(numeral)
        if amount is None:  # "within a few days"
            if marked:
                yield Mention(m.start(), m.end(), confidence=0.3, vague="strong")
            continue
        if amount <= 0:
            continue
        ranged = m.group("n2") is not None
        if m.group("business") and unit in ("days", "hours"):
            if not marked and (numeral or "a").lower() in ("a", "an"):
                continue  # "on a business day"
            if business_too_long(amount, f"business_{unit}"):
                continue
            yield Mention(
                m.start(),
                m.end(),
                business=business(amount, f"business_{unit}"),
                confidence=0.9 if marked else 0.75,
                marked=True,
            )
            continue
        if not (marked or ranged) or m.group("business"):
            continue  # "24 hour support", "a day"
        try:
            due = after(now, amount, unit)
        except (OverflowError, ValueError):
            continue
        confidence = (0.85 if ranged else 0.9) if marked else 0.7
        yield Mention(m.start(), m.end(), due=due, confidence=confidence, marked=marked)


# -- calendar anchors ---------------------------------------------------------------------

_WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tues?|wed|thu(?:rs?)?|fri|sat|sun)\b"  # noqa: E501
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b"  # noqa: E501
_ORD = r"[0-9]{1,2}(?:st|nd|rd|th)?\b"
_PARTS = {
    "eow": r"(?:the\s+)?end\s+of\s+(?:the\s+|this\s+)?week|eow",
    "eod": r"(?:the\s+)?(?:end|close)\s+of\s+(?:the\s+)?(?:business\s+|work(?:ing)?\s+)?day"
    r"|(?:the\s+)?(?:close|end)\s+of\s+business|eod|cob",
    "day": r"the\s+day\s+after\s+tomorrow|tomorrow|(?:later\s+)?today|tonight",
    "wd": rf"(?:(?:this\s+coming|this|next|coming)\s+)?{_WEEKDAY}",
    "date": rf"{_MONTH}\.?\s*{_ORD}|{_ORD}\s+(?:of\s+)?{_MONTH}",
    "clock": r"[0-9]{1,2}(?::[0-9]{2})?\s*(?:a\.?m\b\.?|p\.?m\b\.?)|[0-9]{1,2}:[0-9]{2}\b"
    r"|noon|midday|midnight|[0-9]{1,2}\s*o'?clock",
    "pod": r"(?:(?:this|in\s+the)\s+)?(?<!good\s)(?:morning|afternoon|evening|night)",
}
_PART = re.compile("|".join(f"(?P<{k}>{v})" for k, v in _PARTS.items()), re.IGNORECASE)
_TOKEN = "|".join(f"(?:{v})" for v in _PARTS.values())
_ANCHOR = re.compile(
    r"(?<![\w'])(?:(?P<lead>by|before|no\s+later\s+than|not\s+later\s+than|until|till)\s+)?"
    rf"(?P<body>(?:{_TOKEN})(?:\s*,?\s*(?:at\s+|on\s+|by\s+|before\s+)?(?:{_TOKEN})){{0,2}})"
    r"(?![\w'])",
    re.IGNORECASE,
)
_POD_HOURS = {"morning": 12, "afternoon": 18, "evening": 21, "night": 21}


def _anchors(text: str, now: datetime) -> Iterator[Mention]:
    for m in _ANCHOR.finditer(text):
        try:
            mention = _anchor(m, now)
        except (OverflowError, ValueError):
            continue
        if mention is not None:
            yield mention


def _anchor(m: re.Match[str], now: datetime) -> Mention | None:
    body = m.group("body")
    marked = bool(m.group("lead")) or bool(re.search(r"\b(?:by|before)\b", body, re.I))
    today = now.date()
    day: date | None = None
    hour: int | None = None
    minute, confidence = 0, 0.85
    for part in _PART.finditer(body):
        kind, word = part.lastgroup, part.group().lower()
        if kind == "eow":
            day, hour, marked = weekday(today, 5, "upcoming"), 18, True
        elif kind == "eod":
            hour, marked, confidence = 18, True, 0.9
        elif kind == "day":
            offset = 2 if "after" in word else 1 if word == "tomorrow" else 0
            day = today + timedelta(days=offset)
            if word == "tonight":
                hour = 21 if hour is None else hour
        elif kind == "wd":
            name = word.split()[-1].rstrip(".")
            prefix = word.split()[0] if len(word.split()) > 1 else ""
            if name not in _WEEKDAY_NAMES and not (prefix or m.group("lead")):
                return None  # "sat", "sun" alone are words
            iso = 1 + next(i for i, full in enumerate(_WEEKDAY_NAMES) if full.startswith(name))
            mode = "upcoming" if "coming" in word else {"next": "next", "this": "this"}.get(prefix)
            day = weekday(today, iso, mode or "upcoming")
        elif kind == "date":
            month = 1 + next(i for i, mon in enumerate(_MONTHS) if mon in word)
            mday = int(re.search(r"[0-9]+", word).group())  # type: ignore[union-attr]
            day = month_day(today, month, mday)
        elif kind == "clock":
            hour, minute = _clock(word)
            confidence = 0.9
        elif kind == "pod" and hour is None:
            hour = _POD_HOURS[word.split()[-1]]
            confidence = 0.8
    when = day or today
    due = at(when, hour, minute, now) if hour is not None else end_of_day(when, now)
    return Mention(m.start(), m.end(), due=due, confidence=confidence, marked=marked)


def _clock(word: str) -> tuple[int, int]:
    if word in ("noon", "midday"):
        return 12, 0
    if word == "midnight":
        return 24, 0
    digits = re.findall(r"[0-9]+", word)
    hour, minute = int(digits[0]), int(digits[1]) if len(digits) > 1 else 0
    if "p" in word:
        return (hour + 12 if hour < 12 else hour), minute
    if "a" in word:
        return (0 if hour == 12 else hour), minute
    if ":" in word:
        return hour, minute
    return clock_hour(hour, None), minute  # "5 o'clock"


# -- vague promises -----------------------------------------------------------------------

_VAGUE = re.compile(
    r"(?<![\w])(?:(?P<strong>as\s+soon\s+as\s+(?:possible|we\s+can)|asap"
    r"|as\s+quickly\s+as\s+possible|at\s+the\s+earliest(?:\s+opportunity)?)"
    r"|(?P<weak>shortly|soon|later|in\s+due\s+course|right\s+away|promptly|immediately))(?![\w])",
    re.IGNORECASE,
)


def _vague(text: str) -> Iterator[Mention]:
    return vague_mentions(_VAGUE, text)


def scan(text: str, now: datetime) -> Iterator[Mention]:
    """Every English time phrase in `text` (overlaps allowed); `now` is local."""
    yield from _durations(text, now)
    yield from _anchors(text, now)
    yield from _vague(text)
