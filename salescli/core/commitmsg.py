"""The one shape of a salescli commit message, and its one reader (SPEC §5).

    deal(acme-erp): negotiation -> proposal     the subject: always one line

    Reason: Scope changed                       --reason, when given: one line

    Customer asked for a smaller first phase.   -m, when given: quoted

    Salescli-Event: move                        the trailer: always the last paragraph

Record data reaches the subject and the body (a title, a note, an owner, `-m`,
`--reason`, an imported file's name), so it is folded or quoted on the way in: line
breaks in the subject and the reason become spaces, and a line of the message that
could be read as a trailer or a `Reason:` (`Token: value`, `---`) is indented by one
space, which makes it plain text to git and to `parse_message` alike. Ordinary text
keeps its bytes. Every command, the importer and the demo build their messages
here, and `check --history` reads them back with `parse_message`.

Pure: no git, no files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from msgspec import Struct

from salescli.core.later import later

# what Python, editors and most readers take as the end of a line (git itself: only \n)
_BREAK = later(r"\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
# the other control characters: a NUL fails `git commit`, ESC or backspace rewrite a
# terminal's view of `git log`; none of them is text
_CONTROL = later(r"[\x00-\x08\x0e-\x1b\x1f\x7f-\x84\x86-\x9f]")
# git's trailer line: a token of ASCII letters, digits and '-', then ':' (trailer.c)
_FIELD = later(r"([A-Za-z0-9-]+)[ \t]*:[ \t]*(.*)")
# lines git's trailer reader treats specially: its own trailer, the patch divider
_SPECIAL = later(r"---(?:[ \t]|$)|\(cherry picked from commit ")
_EVENT = later(r"[a-z][a-z-]*")
EVENT_KEY = "Salescli-Event"
REASON_KEY = "Reason"


def one_line(text: str) -> str:
    """`text` as one line: each line break (and the blanks around it) becomes a space."""
    text = _CONTROL.sub(" ", text)
    return re.sub(rf"[ \t]*(?:{_BREAK.pattern})[\s]*", " ", text).rstrip(" \t")


def reason_text(text: str | None) -> str | None:
    """A `--reason` as the commit records it (one line), or None when that is empty."""
    return (one_line(text).strip() or None) if text is not None else None


def stripspace(text: str) -> str:
    """What `git commit --cleanup=whitespace` keeps: trailing blanks and blank-line
    runs go, lines are split on \\n alone (git's whitespace is space, tab, CR, LF)."""
    out: list[str] = []
    for line in text.split("\n"):
        line = line.rstrip(" \t\r")
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n" if out else ""


def _reads_as_field(line: str) -> bool:
    return bool(_FIELD.match(line) or _SPECIAL.match(line))


def quote_text(text: str) -> str:
    """Free text for a message body: no line of it reads as a trailer or a `Reason:`.

    Such a line is indented by one space (to git a continuation line, to a reader a
    quote); every other line keeps its text. Blank-line runs fold to one.
    """
    lines = _BREAK.split(_CONTROL.sub(" ", text).strip())
    return stripspace("\n".join(" " + ln if _reads_as_field(ln) else ln for ln in lines)
                 ).rstrip("\n")


def subject(kind: str, record_id: str, summary: str) -> str:
    """The subject of a change to one record: `deal(acme-erp): negotiation -> proposal`."""
    return f"{kind}({record_id}): {summary}"


def commit_message(subject: str, event: str, *, reason: str | None = None,
                   message: str | None = None,
                   trailers: Sequence[tuple[str, str]] = ()) -> str:
    """The message of a commit salescli makes: clean as git would leave it, so that
    `git commit` and salescli's own commit writer record the same bytes. `trailers`
    (one-line values) come before the `Salescli-Event:` trailer."""
    if not _EVENT.fullmatch(event):
        raise ValueError(f"not an event name: {event!r}")  # events are salescli's words
    parts = [one_line(subject)]
    reason = reason_text(reason)
    if reason:
        parts.append(f"{REASON_KEY}: {reason}")
    body = quote_text(message) if message else ""
    if body:
        parts.append(body)
    lines = [f"{key}: {one_line(value)}" for key, value in trailers]
    parts.append("\n".join([*lines, f"{EVENT_KEY}: {event}"]))
    return "\n\n".join(parts) + "\n"


class CommitMessage(Struct, frozen=True):
    """What a commit message says, as salescli reads it (any commit, hand-made too)."""

    subject: str
    reason: str | None
    trailers: tuple[tuple[str, str], ...]

    @property
    def event(self) -> str | None:
        """The `Salescli-Event:` trailer: which command made the commit."""
        return next((v for k, v in self.trailers if k.lower() == EVENT_KEY.lower()), None)


def _paragraphs(text: str) -> list[list[str]]:
    paragraphs: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        line = line.rstrip(" \t\r")
        if line:
            current.append(line)
        elif current:
            paragraphs.append(current)
            current = []
    if current:
        paragraphs.append(current)
    return paragraphs


def _trailers(paragraph: list[str]) -> tuple[tuple[str, str], ...]:
    """The last paragraph's `Token: value` lines, if it holds nothing else (a line
    starting with a blank continues the one before, as in git)."""
    found: list[tuple[str, str]] = []
    for line in paragraph:
        if line[:1] in (" ", "\t") and found:
            found[-1] = (found[-1][0], f"{found[-1][1]} {line.strip()}")
            continue
        match = _FIELD.fullmatch(line)
        if match is None:
            return ()
        found.append((match.group(1), match.group(2)))
    return tuple(found)


def parse_message(text: str) -> CommitMessage:
    """Read a commit message: its subject (the first paragraph, as one line, like
    git's `%s`), its `Reason:` and its trailers.

    A `Reason:` is a line of the body (never the subject) that starts with it and has
    some text after it; hand-written commits put it anywhere in the body, salescli
    right after the subject. Trailers are the last paragraph when every line of it
    is one (`Token: value`), as git reads them.
    """
    paragraphs = _paragraphs(text)
    if not paragraphs:
        return CommitMessage("", None, ())
    subject = " ".join(line.strip() for line in paragraphs[0])
    reason = None
    for line in (ln for para in paragraphs[1:] for ln in para):
        match = _FIELD.fullmatch(line)
        if match and match.group(1).lower() == REASON_KEY.lower() and match.group(2).strip():
            reason = match.group(2).strip()
            break
    trailers = _trailers(paragraphs[-1]) if len(paragraphs) > 1 else ()
    return CommitMessage(subject, reason, trailers)
