"""JSON rows counted before they are parsed: a body of a million `{}` rows (or a row holding a
million values) would cost gigabytes as Python objects before its count could be refused.

`scan_rows` walks the body's brackets only (strings blanked first, so a bracket inside a value
does not count), counts each array's items and each object's members as it goes, and stops at the
first past its limit: an array of more than `max_rows` items (the rows), an object of more than
`max_members` (a row's columns), a value nested below a row. What it refuses is never parsed; what
it lets through is then parsed and validated as before. Malformed JSON is left to the parser, which
words its error with its position.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_BRACKET = re.compile(rb"[\[\]{}]")
_BLANK = b" \t\r\n"
# outside strings: brackets, commas and quotes kept, blanks dropped, every other byte a "0"
_SHAPE = bytes(c if c in b'[]{},"' else ord("0") for c in range(256))
MAX_DEPTH = 3  # the body's object, its rows array, a row object: nothing below


@dataclass(frozen=True)
class RowsRefusal:
    """Why a body was refused, with the 1-based row when the refusal is inside a row."""

    kind: str  # "rows", "members" or "nested"
    row: int | None = None


@dataclass
class _Open:
    kind: bytes  # b"[" or b"{"
    commas: int = 0
    filled: bool = False  # an item or member seen

    def items(self) -> int:
        return self.commas + 1 if self.filled else 0


def scan_rows(body: bytes, max_rows: int, max_members: int) -> RowsRefusal | None:
    """None when no array holds more than `max_rows` items, no object more than `max_members`
    members, and nothing is nested below depth 3; else the first refusal met."""
    skeleton = _skeleton(body)
    stack: list[_Open] = []
    last = 0
    for match in _BRACKET.finditer(skeleton):
        at = match.start()
        if stack and at > last:
            top = stack[-1]
            top.commas += skeleton.count(b",", last, at)
            if not top.filled and skeleton.find(b"0", last, at) >= 0:
                top.filled = True
            refusal = _over(top, stack, max_rows, max_members)
            if refusal is not None:
                return refusal
        bracket = match.group()
        if bracket in (b"[", b"{"):
            if stack:
                stack[-1].filled = True
                refusal = _over(stack[-1], stack, max_rows, max_members)
                if refusal is not None:
                    return refusal
            if len(stack) >= MAX_DEPTH:
                return RowsRefusal("nested", _row(stack))
            stack.append(_Open(bracket))
        elif stack:
            stack.pop()
        else:
            return None  # a closing bracket with nothing open: the parser says where
        last = match.end()
    return None


def _skeleton(body: bytes) -> bytes:
    """The body's shape, at C speed: escapes dropped (so every quote left delimits a string),
    each string and scalar a run of "0", blanks gone: `{"rows": [{"a": 1}, {}]}` becomes
    `{00[{000},{}]}`."""
    shape = body
    if b"\\" in shape:
        shape = shape.replace(b"\\\\", b"").replace(b'\\"', b"")
    shape = shape.translate(_SHAPE, _BLANK)  # each step frees the one before: about 2x the body
    if b'"' in shape:
        shape = b"0".join(shape.split(b'"')[::2])
    return shape


def _row(stack: list[_Open]) -> int | None:
    """The 1-based item of the rows array (depth 2) the scan is in, when it is in one."""
    if len(stack) >= 2 and stack[1].kind == b"[":
        return stack[1].commas + 1
    return None


def _over(top: _Open, stack: list[_Open], max_rows: int, max_members: int) -> RowsRefusal | None:
    if top.kind == b"[" and top.items() > max_rows:
        return RowsRefusal("rows")
    if top.kind == b"{" and top.items() > max_members:
        return RowsRefusal("members", _row(stack) if len(stack) >= 3 else None)
    return None
