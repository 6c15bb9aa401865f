"""Record IDs: the slug rules of SPEC §1, checked before any file or git operation."""

from __future__ import annotations

from collections.abc import Container

from salescli.core.errors import UsageError
from salescli.core.later import later

# the kinds of record, each a folder of YAML files (deals/, ...), in the order checked
KINDS = ("account", "lead", "deal")
ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,63}$"
_ID_RE = later(ID_PATTERN)
MAX_LEN = 64
# Device names Windows reserves in any folder and with any extension (`con.yaml` too):
# a repository holding such a file cannot be checked out on Windows.
WINDOWS_RESERVED = frozenset(
    ("con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)),
     *(f"lpt{i}" for i in range(1, 10)))
)


def is_valid_id(value: object) -> bool:
    return (isinstance(value, str) and _ID_RE.fullmatch(value) is not None
            and value not in WINDOWS_RESERVED)


def check_id(value: str, kind: str = "record") -> str:
    """Return `value` if it is a valid ID, else refuse it with a clear message."""
    if is_valid_id(value):
        return value
    if value in WINDOWS_RESERVED:
        raise UsageError(
            f"invalid {kind} ID {value!r}: it is a device name on Windows "
            f"({value.upper()}), so the file could not be checked out there; choose another"
        )
    shown = value if len(value) <= 40 else value[:37] + "..."
    raise UsageError(
        f"invalid {kind} ID {shown!r}: IDs are 1-64 characters of a-z, 0-9 and '-', "
        "starting with a letter or digit"
    )


# a name python-slugify would only lower-case and join with dashes (`Anna Virtanen`)
_PLAIN_NAME = later(r"[A-Za-z0-9 ._-]*")
_NOT_SLUG = later(r"[^a-z0-9]+")


def slugify(name: str, fallback: str = "") -> str:
    """Fold a display name to an ID: 'Äänekoski Oy' -> 'aanekoski-oy'; `fallback` for a
    name with nothing that folds to a-z or 0-9 ('!!!'): the caller says what then (a
    usage error, the kind's name), as no ID is made up."""
    if _PLAIN_NAME.fullmatch(name):  # python-slugify's answer, without its 4 ms import
        slug = _NOT_SLUG.sub("-", name.lower()).strip("-")[:MAX_LEN]
    else:
        from slugify import slugify as _slugify  # lazy: unidecode tables are large

        slug = _slugify(name, max_length=MAX_LEN, word_boundary=False, separator="-")
    slug = slug.strip("-")
    return slug or fallback


def fold(text: str) -> str:
    """`text` folded as slugify folds a name, however long: `Äänekoski Oy, Turku` ->
    `aanekoski-oy-turku` (what an ID or a name key looks like inside it)."""
    from slugify import slugify as _slugify

    return _slugify(text, word_boundary=False, separator="-")


def kind_or_name_id(kind: str, name: str, taken: Container[str]) -> str:
    """A free ID from `name` where no one can be asked for one (an import's row, a
    lead's contact): a name with nothing that folds to a-z or 0-9 (`!!!`) is named
    after its kind (`contact`, then `contact-2`)."""
    return unique_id(slugify(name, fallback=kind), taken)


def unique_id(base: str, taken: Container[str]) -> str:
    """`base`, or `base-2`, `base-3`... whichever is free; always a valid ID."""
    if base not in taken and base not in WINDOWS_RESERVED:
        return base
    n = 2
    while True:
        suffix = f"-{n}"
        candidate = base[: MAX_LEN - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        n += 1


def derived_from(ident: str, base: str) -> bool:
    """Could `unique_id` have made `ident` from `base` (`base`, `base-2`, `base-3`...)?"""
    if ident == base:
        return True
    stem, _, n = ident.rpartition("-")
    return n.isdigit() and stem == base[: MAX_LEN - len(n) - 1].rstrip("-")
