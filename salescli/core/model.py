"""The structure of every record kind, defined once (SPEC §3).

msgspec validates the plain values the fast reader returns (a few µs a deal, and a
few ms to import: pydantic cost about 140 ms of every command that validated a
record) and publishes the same definitions as JSON Schema for editors. Field order
here is the documented key order that salescli writes and keeps.

A record is a msgspec Struct with a small API of its own (`Record`): `model_validate`
from plain data, `model_dump` back to it, `model_copy`, `model_fields_set`,
`model_extra` (the keys the kind does not define, kept as pydantic's `extra="allow"`
kept them) and `fields_of` for the definitions themselves.
"""

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any, Literal, NamedTuple

import msgspec

from salescli.core.ids import ID_PATTERN
from salescli.core.roles import ROLES

ACTIVITY_TYPES = ("call", "email", "meeting", "demo", "note", "task")
LEAD_STATUSES = ("new", "contacted", "qualified", "disqualified")
DEAL_STATUSES = ("open", "won", "lost")
BILLING = ("one-time", "monthly", "quarterly", "annually")
FORECAST = ("commit", "best-case", "pipeline", "omit")
PREDICATES = ("decision_maker", "quote", "next_step", "stakeholders", "accepted_quote")
# a recorded quote's decision; `expired` is derived (a sent quote past its validity)
QUOTE_STATUSES = ("sent", "accepted", "rejected")


def quoted(value: Any, limit: int = 40) -> str:
    """A bad value as a message shows it: `'EURO'`, cut short if long."""
    text = value if isinstance(value, str) else repr(value)
    return repr(text if len(text) <= limit else text[:limit - 3] + "...")


# a numeral YAML would read as a number were it not quoted
_NUMERAL = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
# Below a trillion, so price x quantity stays within Decimal's 28 digits: 1e300 would
# pass as a number and then fail every quantize in listings, quotes and exports.
MAX_AMOUNT = Decimal(10) ** 12


class Amount(Decimal):
    """A number a record holds exactly: money, a quantity or a percent.

    msgspec takes no bounds on a Decimal (and reads a quoted "12" as one), so each
    kind of amount is its own type, checked by `_amount` when a record is validated:
    a YAML number only, its shortest text form (money is never a float in arithmetic),
    within the kind's bounds. Arithmetic on it gives plain Decimals.
    """

    minimum: Decimal | None = Decimal(0)  # inclusive
    above: Decimal | None = None  # exclusive lower bound (a signed amount)
    below: Decimal | None = MAX_AMOUNT  # exclusive
    at_most: Decimal | None = None  # inclusive upper bound (a percent)
    places: int | None = None
    schema: dict = {"type": "number", "minimum": 0, "exclusiveMaximum": 1e12}

    def __repr__(self) -> str:
        return f"Decimal('{self}')"


class Money(Amount):
    places = 2
    schema = {"type": "number", "minimum": 0, "exclusiveMaximum": 1e12, "multipleOf": 0.01}


class SignedMoney(Amount):
    """An amount that may be negative: a credit note's total and VAT reverse an invoice's."""

    minimum, above, places = None, -MAX_AMOUNT, 2
    schema = {"type": "number", "exclusiveMinimum": -1e12, "exclusiveMaximum": 1e12,
              "multipleOf": 0.01}


class Number(Amount):
    pass


class Percent(Amount):
    below, at_most = None, Decimal(100)
    schema = {"type": "number", "minimum": 0, "maximum": 100}


def _amount(kind: type[Amount], value: Any) -> Amount:
    if isinstance(value, bool):
        raise ValueError("expected a number")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("expected a finite number")
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    elif isinstance(value, str):
        if _NUMERAL.fullmatch(value.strip()):
            raise ValueError(f"expected a number, not the text {quoted(value)} "
                             "(remove the quotes)")
        raise ValueError(f"expected a number, not {quoted(value)}")
    else:
        raise ValueError("expected a number")
    if not number.is_finite():
        raise ValueError("expected a finite number")
    if kind.minimum is not None and number < kind.minimum:
        shown = str(value)
        shown = shown if len(shown) <= 20 else shown[:17] + "..."
        raise ValueError(f"{shown} is negative; expected 0 or more" if kind.minimum == 0
                         else f"should be greater than or equal to {kind.minimum}")
    if kind.above is not None and number <= kind.above:
        raise ValueError(f"should be greater than {kind.above:,}")
    if kind.below is not None and number >= kind.below:
        raise ValueError(f"should be less than {kind.below:,}")
    if kind.at_most is not None and number > kind.at_most:
        raise ValueError(f"should be less than or equal to {kind.at_most}")
    if kind.places is not None and number.as_tuple().exponent < -kind.places \
            and number != number.quantize(Decimal(1).scaleb(-kind.places)):
        raise ValueError(f"at most {kind.places} decimals")
    return kind(number)


def _dec_hook(kind: type, value: Any) -> Any:
    if isinstance(kind, type) and issubclass(kind, Amount):
        return _amount(kind, value)
    raise NotImplementedError(kind)


def _schema_hook(kind: type) -> dict:
    if isinstance(kind, type) and issubclass(kind, Amount):
        return dict(kind.schema)
    raise NotImplementedError(kind)


Id = Annotated[str, msgspec.Meta(pattern=ID_PATTERN)]
# YAML gives dates as date objects; a quoted ISO string is accepted too
Date = Annotated[dt.date, msgspec.Meta(extra_json_schema={"pattern": r"^\d{4}-\d\d-\d\d$"})]
Currency = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")]
# a record's name, company or title: not empty or blank, or it lists as nothing
NAME_PATTERN = r"\S"
Name = Annotated[str, msgspec.Meta(pattern=NAME_PATTERN)]
Role = Literal[ROLES]  # type: ignore[valid-type]
Text = str | None
# the record's IDs in the tools it came from: `{pipedrive: 123}` makes a re-import an update
ExternalIds = dict[str, int | str]


def Field(default: Any = msgspec.NODEFAULT, *, alias: str | None = None,  # noqa: N802
          default_factory: Any = msgspec.NODEFAULT) -> Any:
    """A field with a default factory or a YAML key of its own (`with`, `from`)."""
    return msgspec.field(default=default, default_factory=default_factory, name=alias)


Positive = Annotated[int, msgspec.Meta(ge=1)]
NonNegative = Annotated[int, msgspec.Meta(ge=0)]


class FieldInfo(NamedTuple):
    name: str  # the attribute
    alias: str | None  # the YAML key, when it is not the attribute's name
    annotation: Any
    default: Any  # msgspec.NODEFAULT: none
    factory: Any  # msgspec.NODEFAULT: none


# a key in a Struct's __dict__ no YAML key can be: the keys the data gave
_GIVEN = "\0given"


class Record(msgspec.Struct, kw_only=True, dict=True):
    """A record kind, or a part of one.

    Keys the kind does not define are kept as attributes (`model_extra`; check reports
    them as warnings with a did-you-mean), and every instance read from data knows which
    keys the data gave (`model_fields_set`).
    """

    @classmethod
    def model_validate(cls, data: Any) -> Any:
        """The record of plain data (raises ValidationError, a ValueError)."""
        if isinstance(data, cls):
            return data
        try:
            record = msgspec.convert(data, cls, strict=True, dec_hook=_dec_hook)
        except msgspec.ValidationError as err:
            raise ValidationError([_problem(cls, data, str(err))]) from None
        _remember(record, data)
        return record

    @property
    def model_fields_set(self) -> frozenset[str]:
        """The fields the data gave (made directly: those not at their default)."""
        given = self.__dict__.get(_GIVEN)
        fields = fields_of(type(self)).values()
        if given is not None:
            return frozenset(f.name for f in fields if (f.alias or f.name) in given)
        return frozenset(f.name for f in fields if getattr(self, f.name) != _default(f))

    @property
    def model_extra(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != _GIVEN}

    def model_dump(self, mode: str = "python", by_alias: bool = True,
                   exclude_defaults: bool = False) -> dict[str, Any]:
        """Plain data again (dates, Decimals and extras as they are)."""
        out: dict[str, Any] = {}
        for f in fields_of(type(self)).values():
            value = getattr(self, f.name)
            if exclude_defaults and value == _default(f):
                continue
            out[(f.alias or f.name) if by_alias else f.name] = _dump(value, exclude_defaults)
        out.update(self.model_extra)
        return out

    def model_copy(self, update: dict[str, Any] | None = None, deep: bool = False) -> Any:
        import copy

        new = copy.deepcopy(self) if deep else msgspec.structs.replace(self)
        new.__dict__.update(self.__dict__ if not deep else {})
        for key, value in (update or {}).items():
            setattr(new, key, value)
        return new


def _default(f: FieldInfo) -> Any:
    return f.default if f.factory is msgspec.NODEFAULT else f.factory()


def _dump(value: Any, exclude_defaults: bool) -> Any:
    if isinstance(value, Record):
        return value.model_dump(exclude_defaults=exclude_defaults)
    if isinstance(value, list):
        return [_dump(v, exclude_defaults) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v, exclude_defaults) for k, v in value.items()}
    if isinstance(value, Amount):
        return Decimal(value)
    return value


_FIELDS: dict[type, dict[str, FieldInfo]] = {}


def fields_of(cls: type) -> dict[str, FieldInfo]:
    """attribute -> FieldInfo of a record kind, in the documented order."""
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = {}
        for f in msgspec.structs.fields(cls):
            found[f.name] = FieldInfo(f.name, f.encode_name if f.encode_name != f.name
                                      else None, f.type, f.default, f.default_factory)
    return found


_SHAPES: dict[type, tuple[frozenset[str], tuple[tuple[str, str, str | None], ...]]] = {}


def _shape(cls: type) -> tuple[frozenset[str], tuple[tuple[str, str, str | None], ...]]:
    """(YAML keys, (key, attribute, 'list'|'dict'|None) of each nested record) of a kind."""
    found = _SHAPES.get(cls)
    if found is None:
        fields = fields_of(cls).values()
        nested = []
        for f in fields:
            inner, container = nested_record(f.annotation)
            if inner is not None:
                nested.append((f.alias or f.name, f.name, container))
        found = _SHAPES[cls] = (frozenset(f.alias or f.name for f in fields), tuple(nested))
    return found


def nested_record(annotation: Any) -> tuple[Any, str | None]:
    """(record class, 'list'|'dict'|None) nested in a field's annotation, if any."""
    import types
    import typing

    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType, typing.Annotated):
        for arg in typing.get_args(annotation):
            found = nested_record(arg)
            if found[0] is not None:
                return found
        return None, None
    if origin is list:
        inner, _ = nested_record(typing.get_args(annotation)[0])
        return inner, "list" if inner else None
    if origin is dict:
        inner, _ = nested_record(typing.get_args(annotation)[1])
        return inner, "dict" if inner else None
    if isinstance(annotation, type) and issubclass(annotation, Record):
        return annotation, None
    return None, None


def _remember(record: Record, data: Any) -> None:
    """Keep on each record read from `data` the keys it gave, and its unknown keys (one
    walk of the nested records, set operations in C: this runs for every record read)."""
    if not isinstance(data, dict):
        return
    known, nested = _shape(type(record))
    kept = record.__dict__
    kept[_GIVEN] = given = frozenset(data)
    if not given <= known:
        kept.update((k, v) for k, v in data.items() if k not in known and isinstance(k, str))
    for key, attr, container in nested:
        part = data.get(key)
        if part is None:
            continue
        value = getattr(record, attr)
        if container is None:
            if isinstance(value, Record):
                _remember(value, part)
        elif container == "list":
            if isinstance(part, list):
                for v, g in zip(value, part, strict=False):
                    if isinstance(v, Record):
                        _remember(v, g)
        elif isinstance(part, dict):
            for name, v in value.items():
                if isinstance(v, Record):
                    _remember(v, part.get(name))


class Problem(NamedTuple):
    """One thing wrong with a record's data: where, and what, for people."""

    loc: tuple  # keys and list indices from the record's top
    missing: bool  # a required key is absent (loc ends with it)
    message: str


class ValidationError(ValueError):
    """Data that is not a valid record: its first problem, and the rest (`problems`)."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        first = problems[0]
        super().__init__(f"{dotted(first.loc)}: {first.message}" if first.loc
                         else first.message)

    def errors(self) -> list[dict]:
        return [{"loc": p.loc, "msg": p.message} for p in self.problems]


def dotted(loc: Any) -> str:
    """`items[0].unit_price` of a location."""
    out = ""
    for step in loc:
        out += f"[{step}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def validate(cls: type[Record], data: Any) -> tuple[Any, list[Problem]]:
    """(record or None, every problem) of `data` as a `cls`.

    msgspec stops at the first problem. So the part at fault (a list element, a dict
    entry, else the top-level key) is looked at on its own for all of its problems, then
    cut from the data, and the rest validated again: the user gets every problem in one
    run, and the record without its broken parts, which the cross-file checks still read.
    """
    return _collect(cls, data, ())


def _collect(cls: type, data: Any, prefix: tuple) -> tuple[Any, list[Problem]]:
    problems: list[Problem] = []
    current = data
    removed: dict[tuple, list[int]] = {}  # list -> the elements cut (indices as written)
    cut: set[tuple] = set()  # the parts cut (as they are in `current`)
    for _ in range(500):
        try:
            record = msgspec.convert(current, cls, strict=True, dec_hook=_dec_hook)
        except msgspec.ValidationError as err:
            problem = _problem(cls, current, str(err))
            loc = problem.loc
            if any(c[:len(loc)] == loc for c in cut):  # it went with a problem of its own
                return None, problems
            part = _part(cls, loc)
            if problem.missing and part == len(loc):  # every required key absent, at once
                return None, problems + _absent(cls, current, loc[:-1], prefix, cut)
            shown = loc[:part]
            if shown and isinstance(shown[-1], int):  # as written, before any cut
                cuts = removed.setdefault(shown[:-1], [])
                index = shown[-1]
                for gone in sorted(cuts):
                    index += gone <= index
                cuts.append(index)
                shown = (*shown[:-1], index)
            inner = _strip(_annotation_at(cls, loc[:part]))
            value = _at(current, loc[:part])
            if part < len(loc) and isinstance(inner, type) and issubclass(inner, Record) \
                    and isinstance(value, dict):
                problems += _collect(inner, value, prefix + shown)[1]  # all of its problems
            else:
                problems.append(_problem(cls, current, str(err), prefix + shown + loc[part:]))
            current = _cut(current, loc[:part], cut)
            if current is None:
                return None, problems
            continue
        _remember(record, current)
        return record, problems
    return None, problems


def _absent(cls: type, data: Any, loc: tuple, prefix: tuple, cut: set[tuple]
            ) -> list[Problem]:
    """`missing required key` for each required key of the record at `loc` not given."""
    inner = _strip(_annotation_at(cls, loc))
    given = _at(data, loc)
    if not (isinstance(inner, type) and issubclass(inner, Record) and isinstance(given, dict)):
        return []
    out = []
    for f in fields_of(inner).values():
        key = f.alias or f.name
        if f.default is msgspec.NODEFAULT and f.factory is msgspec.NODEFAULT \
                and key not in given and (*loc, key) not in cut:
            where = (*prefix, *loc, key)
            out.append(Problem(where, True, f"missing required key `{dotted(where)}`"))
    return out


def _part(cls: type, loc: tuple) -> int:
    """How much of `loc` names the part cut for its problem: up to the first element of a
    list or dict, else the top-level key."""
    import typing

    for k in range(1, len(loc)):
        origin = typing.get_origin(_strip(_annotation_at(cls, loc[:k])))
        if origin in (list, dict):
            return k + 1
    return min(len(loc), 1)


_AT = re.compile(r"^(?P<message>.*?)(?: - at `(?P<key>key)` in `(?P<keyed>[^`]*)`"
                 r"| - at `(?P<path>\$[^`]*)`)?$", re.S)
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+|\.\.\.)\]")
_EXPECTED = {
    "str": "expected text", "int": "expected a whole number",
    "bool": "expected true or false", "array": "expected a list",
    "object": "expected a mapping (key: value)", "date": "expected a date YYYY-MM-DD",
    "str | object": "expected text or a mapping (key: value)",
}
_PATTERNS = {
    r"^\d{4}-(0[1-9]|1[0-2])$": "is not a month YYYY-MM",
    r"^[0-9a-f]{64}$": "is not a SHA-256 digest (64 hex digits)",
    r"^[A-Z]{3}$": "is not a 3-letter currency code such as EUR",
    r"^[a-z][a-z0-9_]{0,63}$": "is not a field name (a-z, 0-9 and '_', starting with a "
                               "letter)",
}


def _problem(cls: type, data: Any, text: str, shown: tuple | None = None) -> Problem:
    """A msgspec error message as a Problem, in salescli's words (`shown`: the location
    to name, when it is not the one in `data`)."""
    found = _AT.match(text)
    assert found is not None
    message = found["message"]
    keyed = found["keyed"]
    at = _loc(cls, data, found["path"] or keyed or "$")
    problem = _worded(cls, data, message, at, keyed is not None)
    if shown is None:
        return problem
    if problem.missing:
        return Problem(shown, True, f"missing required key `{dotted(shown)}`")
    return problem._replace(loc=shown)


def _worded(cls: type, data: Any, message: str, loc: tuple, keyed: bool) -> Problem:
    if keyed:
        return _bad_key(cls, data, loc)
    missing = re.fullmatch(r"Object missing required field `(.+)`", message)
    if missing:
        return Problem((*loc, missing[1]), True, f"missing required key "
                                                 f"`{dotted((*loc, missing[1]))}`")
    value = _at(data, loc)
    annotation = _annotation_at(cls, loc)
    choices = _choices(annotation)
    if choices and (message.startswith("Invalid enum value")
                    or message.startswith("Expected `str`")):
        words = [repr(c) for c in choices]
        listed = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
        return Problem(loc, False, f"should be {listed}")
    pattern = re.fullmatch(r"Expected `str` matching regex (.*)", message, re.S)
    if pattern:  # msgspec shows the pattern as its repr
        if pattern[1] == repr(ID_PATTERN):
            return Problem(loc, False, f"{quoted(value)} is not a valid ID (a-z, 0-9 and "
                                       "'-', at most 64 characters)")
        if pattern[1] == repr(NAME_PATTERN):
            return Problem(loc, False, "should not be empty")
        said = next((words for p, words in _PATTERNS.items() if repr(p) == pattern[1]),
                    f"does not match {pattern[1]}")
        return Problem(loc, False, f"{quoted(value)} {said}")
    bound = re.fullmatch(r"Expected `(int|array)`(?: of length)? ([<>]=) (\d+)", message)
    if bound:
        what = "have at least" if bound[1] == "array" else "be greater than or equal to"
        if bound[2] == "<=":
            what = "have at most" if bound[1] == "array" else "be less than or equal to"
        unit = (" item" if bound[3] == "1" else " items") if bound[1] == "array" else ""
        return Problem(loc, False, f"should {what} {bound[3]}{unit}")
    if message.startswith("Invalid RFC3339 encoded date"):  # 2026-02-30, or not a date
        return Problem(loc, False, f"{quoted(value)} is not a real date YYYY-MM-DD"
                       if isinstance(value, str) and len(value) == 10
                       else "expected a date YYYY-MM-DD")
    typed = re.fullmatch(r"Expected `(.+?)(?: \| null)?`, got `(\w+)`", message)
    if typed:
        if typed[1] == "date" and typed[2] == "datetime":
            return Problem(loc, False, "expected a date YYYY-MM-DD, not a date and time")
        return Problem(loc, False, _EXPECTED.get(typed[1], f"expected {typed[1]}"))
    return Problem(loc, False, message)


def _bad_key(cls: type, data: Any, loc: tuple) -> Problem:
    """The first key of the mapping at `loc` its declared key type refuses."""
    import typing

    container = _at(data, loc)
    declared = _strip(_annotation_at(cls, loc))
    kind = typing.get_args(declared)[0] if typing.get_origin(declared) is dict else str
    for key in container if isinstance(container, dict) else ():
        if _valid(kind, key):
            continue
        choices = _choices(kind)
        if choices:
            listed = ", ".join(repr(c) for c in choices[:-1]) + f" or {choices[-1]!r}"
            return Problem((*loc, key), False, f"{quoted(key)} should be {listed}")
        pattern = next((m.pattern for m in typing.get_args(kind)[1:]
                        if isinstance(m, msgspec.Meta)), None) \
            if typing.get_origin(kind) is typing.Annotated else None
        if isinstance(key, str) and pattern:
            return Problem((*loc, key), False, f"{quoted(key)} "
                           + _PATTERNS.get(pattern, f"does not match {pattern}"))
        return Problem((*loc, key), False, "keys must be text")
    return Problem(loc, False, "keys must be text")


def _loc(cls: type, data: Any, path: str) -> tuple:
    """`$.items[0].name` as ("items", 0, "name"); a dict's `[...]` as the key at fault."""
    loc: list[Any] = []
    for name, index in _STEP.findall(path.removeprefix("$")):
        if name:
            loc.append(name)
        elif index != "...":
            loc.append(int(index))
        else:
            container = _at(data, tuple(loc))
            inner = _dict_value(_annotation_at(cls, tuple(loc)))
            key = next((k for k, v in (container or {}).items()
                        if not _valid(inner, v)), None) if isinstance(container, dict) \
                else None
            if key is None:
                break
            loc.append(key)
    return tuple(loc)


def _valid(annotation: Any, value: Any) -> bool:
    try:
        validate_value(annotation, value)
    except ValueError:
        return False
    return True


def _at(data: Any, loc: tuple) -> Any:
    for step in loc:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return None
    return data


def _strip(annotation: Any) -> Any:
    """The type inside Annotated[...] and `X | None`."""
    import types
    import typing

    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return annotation
            annotation = args[0]
        else:
            return annotation


def _annotation_at(cls: type, loc: tuple) -> Any:
    """The declared type at `loc` of a record kind (None: not known)."""
    import typing

    annotation: Any = cls
    for step in loc:
        annotation = _strip(annotation)
        if isinstance(annotation, type) and issubclass(annotation, Record):
            field = next((f for f in fields_of(annotation).values()
                          if (f.alias or f.name) == step), None)
            if field is None:
                return None
            annotation = field.annotation
        elif typing.get_origin(annotation) is list:
            annotation = typing.get_args(annotation)[0]
        elif typing.get_origin(annotation) is dict:
            annotation = typing.get_args(annotation)[1]
        else:
            return None
    return annotation


def _dict_value(annotation: Any) -> Any:
    import typing

    annotation = _strip(annotation)
    return typing.get_args(annotation)[1] if typing.get_origin(annotation) is dict else Any


def _choices(annotation: Any) -> tuple:
    import typing

    annotation = _strip(annotation)
    return typing.get_args(annotation) if typing.get_origin(annotation) is Literal else ()


def _cut(data: Any, part: tuple, cuts: set[tuple]) -> Any:
    """A copy of `data` without `part` (added to `cuts`); None when nothing there can
    go (a required key is absent, or the problem is the whole)."""
    import copy

    if not part or not isinstance(data, dict):
        return None
    parent = _at(data, part[:-1])
    if isinstance(parent, dict):
        if part[-1] not in parent:
            return None
    elif not (isinstance(parent, list) and isinstance(part[-1], int)
              and 0 <= part[-1] < len(parent)):
        return None
    cuts.add(part)
    data = copy.deepcopy(data)
    del _at(data, part[:-1])[part[-1]]
    return data


def validate_value(annotation: Any, value: Any) -> Any:
    """One field's value as the record's schema reads it (raises ValueError)."""
    return msgspec.convert(value, annotation, strict=True, dec_hook=_dec_hook)


class Evaluation(Record, kw_only=True):
    went_well: Text = None
    improve: Text = None


class Activity(Record, kw_only=True):
    date: Date
    type: Literal[ACTIVITY_TYPES]  # type: ignore[valid-type]
    summary: str
    outcome: Text = None
    status: Literal["booked", "held", "cancelled"] | None = None
    # a task: when it is due, and the day it was done (`salescli task`)
    due: Date | None = None
    done: Date | None = None
    with_: list[Id] = Field(default_factory=list, alias="with")
    evaluation: Evaluation | None = None
    owner: Text = None
    external_ids: ExternalIds = Field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.done is not None and self.due is None:
            raise ValueError("`done` is for a task: give it the `due` day too")


class Contact(Record, kw_only=True):
    id: Id
    name: Name
    title: Text = None
    email: Text = None
    phone: Text = None
    emails: list[str] = Field(default_factory=list)  # more than the main one, as imported
    phones: list[str] = Field(default_factory=list)
    linkedin: Text = None
    role: Role | None = None
    influence: Literal["high", "medium", "low"] | None = None
    reports_to: Id | None = None
    notes: Text = None
    external_ids: ExternalIds = Field(default_factory=dict)


class Address(Record, kw_only=True):
    """A postal address in parts, as a document prints it."""

    street: Text = None
    postcode: Text = None
    city: Text = None
    country: Text = None


# an address in parts, or one free line as written or imported ("Kauppakatu 1, Turku")
AddressValue = Address | str | None
# the languages documents are written in (salescli/locale has their catalogues)
LANGUAGES = ("en", "fi", "sv")


class Account(Record, kw_only=True):
    id: Id
    name: Name
    business_id: Text = None
    vat_number: Text = None
    address: AddressValue = None
    billing_address: AddressValue = None  # where invoices go; `address` when unset
    visiting_address: AddressValue = None
    language: Literal[LANGUAGES] | None = None  # type: ignore[valid-type]  # its documents'
    domain: Text = None
    industry: Text = None
    region: Text = None
    size: Text = None
    parent: Id | None = None
    owner: Text = None
    created: Date | None = None
    tags: list[str] = Field(default_factory=list)
    contacts: list[Contact] = Field(default_factory=list)
    activities: list[Activity] = Field(default_factory=list)
    notes: Text = None
    external_ids: ExternalIds = Field(default_factory=dict)


class LeadContact(Record, kw_only=True):
    name: Text = None
    email: Text = None
    phone: Text = None
    title: Text = None


class Conversion(Record, kw_only=True):
    account: Id
    deal: Id | None = None


class Lead(Record, kw_only=True):
    id: Id
    company: Name
    contact: LeadContact | None = None
    source: Text = None
    status: Literal[LEAD_STATUSES] = "new"  # type: ignore[valid-type]
    owner: Text = None
    created: Date
    disqualify_reason: Text = None
    converted: Conversion | None = None
    activities: list[Activity] = Field(default_factory=list)
    notes: Text = None


class Stakeholder(Record, kw_only=True):
    contact: Id
    role: Role | None = None


class NextStep(Record, kw_only=True):
    action: Text = None
    due: Date | None = None


class Item(Record, kw_only=True):
    product: Id | None = None
    name: Text = None
    quantity: Number = Decimal(1)
    unit: Text = None
    unit_price: Money | None = None
    discount: Percent = Decimal(0)
    billing: Literal[BILLING] = "one-time"  # type: ignore[valid-type]
    cycles: Positive | None = None
    tax_rate: Percent | None = None

    def __post_init__(self) -> None:
        if not self.product and not self.name:
            raise ValueError("an item needs a `product` (a price list SKU) or a `name`")
        if not self.product and self.unit_price is None:
            raise ValueError("an item without `product` needs a `unit_price`")


class QuoteRef(Record, kw_only=True):
    number: str
    version: Positive
    date: Date
    total: Money
    currency: Currency
    file: str
    # missing reads as sent (quotes recorded before there was a status)
    status: Literal[QUOTE_STATUSES] = "sent"  # type: ignore[valid-type]
    decided: Date | None = None  # the day it was accepted or rejected
    reason: Text = None  # why it was rejected


class OrderRef(Record, kw_only=True):
    """An order confirmation recorded on a deal (`salescli order`), from an accepted quote."""

    number: str
    date: Date
    quote: str
    version: Positive
    total: Money
    currency: Currency
    file: str


class InvoiceRef(Record, kw_only=True):
    """An issued invoice or credit note: its document is immutable (`sha256`)."""

    number: str
    date: Date
    due: Date
    period: Annotated[str, msgspec.Meta(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None = None
    total: SignedMoney  # excluding VAT; negative on a credit note
    vat: SignedMoney
    currency: Currency
    reference: str | None = None
    file: str
    sha256: Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")]
    credit_of: str | None = None  # a credit note: the number of the invoice it reverses


class Deal(Record, kw_only=True):
    id: Id
    title: Name
    account: Id
    pipeline: Id | None = None
    stage: Id | None = None
    status: Literal[DEAL_STATUSES] = "open"  # type: ignore[valid-type]
    value: Money | None = None
    currency: Currency | None = None
    close_date: Date | None = None
    owner: Text = None
    source: Text = None
    tags: list[str] = Field(default_factory=list)
    created: Date
    stakeholders: list[Stakeholder] = Field(default_factory=list)
    next_step: NextStep | None = None
    probability: Percent | None = None
    forecast: Literal[FORECAST] | None = None  # type: ignore[valid-type]
    items: list[Item] = Field(default_factory=list)
    approved_by: Text = None
    won_date: Date | None = None
    lost_date: Date | None = None
    lost_reason: Text = None
    lost_note: Text = None
    revisit: Date | None = None
    quotes: list[QuoteRef] = Field(default_factory=list)
    orders: list[OrderRef] = Field(default_factory=list)
    invoices: list[InvoiceRef] = Field(default_factory=list)
    checklist: dict[str, list[str]] = Field(default_factory=dict)
    activities: list[Activity] = Field(default_factory=list)
    notes: Text = None
    external_ids: ExternalIds = Field(default_factory=dict)


class Tier(Record, kw_only=True):
    min: Number
    unit_price: Money


class Product(Record, kw_only=True):
    sku: Id
    name: str
    unit: Text = None
    unit_price: Money
    tax_rate: Percent | None = None
    billing: Literal[BILLING] = "one-time"  # type: ignore[valid-type]
    tiers: list[Tier] = Field(default_factory=list)
    description: Text = None


class Products(Record, kw_only=True):
    currency: Currency | None = None
    products: list[Product] = Field(default_factory=list)


class Company(Record, kw_only=True):
    """The seller, as quotes, orders and invoices print it."""

    name: Text = None
    business_id: Text = None
    vat_number: Text = None
    address: AddressValue = None
    email: Text = None
    phone: Text = None
    website: Text = None
    iban: Text = None
    bic: Text = None
    offering: Text = None  # what you sell, in a phrase: the agenda's first-meeting line


class QuoteSettings(Record, kw_only=True):
    validity_days: NonNegative = 30
    numbering: str = "Q-{year}-{seq:04d}"
    terms: Text = None


class OrderSettings(Record, kw_only=True):
    numbering: str = "O-{year}-{seq:04d}"


class InvoiceSettings(Record, kw_only=True):
    # gap-free per year across all deals: `{year}` the invoice date's, `{seq}` the next
    numbering: str = "{year}{seq:04d}"


GOAL_METRICS = ("deals_won", "won_value", "meetings_booked", "meetings_held", "new_leads",
                "activities")
GOAL_PERIODS = ("week", "month", "quarter", "year")


class Goal(Record, kw_only=True):
    """A target for a period: `{metric: won_value, period: month, target: 50000}`,
    the team's, or one owner's (`owner: anna`)."""

    metric: Literal[GOAL_METRICS]  # type: ignore[valid-type]
    period: Literal[GOAL_PERIODS]  # type: ignore[valid-type]
    target: Number
    owner: Text = None


class Requirements(Record, kw_only=True):
    requires: list[str] = Field(default_factory=list)


class Outcome(Requirements, kw_only=True):
    """`won:` or `lost:` of a pipeline: what closing needs, and the stages it may close
    from (`from: [contracting]`; unset: the last stage for `won` without rules.skip,
    any stage otherwise)."""

    from_: list[Id] | None = Field(default=None, alias="from")


# the lead statuses a lead passes on its way, in order (SPEC 3.2)
LEAD_FLOW = ("new", "contacted", "qualified")


def _default_lead_flow() -> dict[str, Requirements]:
    # seed 001 §4.1: leaving the first stage needs the contact's name and a way to reach them
    return {"contacted": Requirements(requires=["contact.name", "contact.email|contact.phone"])}


# a custom field's name: a YAML key as the documented ones are (`lost_reason`)
FieldName = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{0,63}$")]
CUSTOM_TYPES = ("text", "number", "money", "date", "choice", "multi-choice", "bool")


class CustomField(Record, kw_only=True):
    """A field a team adds to a kind of record (`custom_fields` in salescli.yaml)."""

    type: Literal[CUSTOM_TYPES]  # type: ignore[valid-type]
    choices: list[str] = Field(default_factory=list)
    label: Text = None

    def __post_init__(self) -> None:
        if self.type in ("choice", "multi-choice") and not self.choices:
            raise ValueError(f"a `{self.type}` field needs `choices: [...]`")


class CustomFields(Record, kw_only=True):
    """`custom_fields` of salescli.yaml: per kind, field name -> its type."""

    account: dict[FieldName, CustomField] = Field(default_factory=dict)
    lead: dict[FieldName, CustomField] = Field(default_factory=dict)
    deal: dict[FieldName, CustomField] = Field(default_factory=dict)


class Settings(Record, kw_only=True):
    company: Company = Field(default_factory=Company)
    currency: Currency = "EUR"
    locale: str = "en_US"
    default_pipeline: Id = "default"
    owners: list[str] = Field(default_factory=list)
    sources: list[str] = Field(default_factory=list)
    lost_reasons: list[str] = Field(default_factory=list)
    lead_disqualify_reasons: list[str] = Field(default_factory=list)
    discount_approval_threshold: Percent = Decimal(15)
    # owner ID -> the largest discount (percent) they may approve: `{ville: 30}`
    approvers: dict[str, Percent] = Field(default_factory=dict)
    lead_first_contact_sla_days: NonNegative = 2
    follow_up_days: NonNegative = 14
    # `today` lists won customers with no activity for this many days; 0 turns it off
    after_sales_days: NonNegative = 90
    prices_include_tax: bool = False
    # days from an invoice's date to its due date; quotes and orders print it too
    payment_terms_days: Annotated[int, msgspec.Meta(ge=0, le=365)] = 14
    quote: QuoteSettings = Field(default_factory=QuoteSettings)
    order: OrderSettings = Field(default_factory=OrderSettings)
    invoice: InvoiceSettings = Field(default_factory=InvoiceSettings)
    fx: dict[Currency, Number] = Field(default_factory=dict)
    goals: list[Goal] = Field(default_factory=list)
    custom_fields: CustomFields = Field(default_factory=CustomFields)
    # what a lead needs to enter each status: `lead_flow: {qualified: {requires: [source]}}`
    lead_flow: dict[Literal[LEAD_FLOW[1:]], Requirements] = Field(  # type: ignore[valid-type]
        default_factory=_default_lead_flow)


class Stage(Record, kw_only=True):
    id: Id
    name: Text = None
    # the name in the documents' other languages: `names: {fi: Tarjous, sv: Offert}`
    names: dict[Literal[LANGUAGES], str] = Field(  # type: ignore[valid-type]
        default_factory=dict)
    probability: Percent
    max_days: Positive | None = None
    requires: list[str] = Field(default_factory=list)
    checklist: list[str] = Field(default_factory=list)
    # the checklist in other languages, item for item: `checklists: {fi: [...], sv: [...]}`.
    # Deals tick `checklist`'s own wording, so translations never change what is ticked.
    checklists: dict[Literal[LANGUAGES], list[str]] = Field(  # type: ignore[valid-type]
        default_factory=dict)

    def __post_init__(self) -> None:
        for lang, items in self.checklists.items():
            if len(items) != len(self.checklist):
                raise ValueError(f"checklists.{lang} has {len(items)} items; it translates "
                                 f"checklist item for item ({len(self.checklist)})")

    def localized_name(self, lang: str) -> str | None:
        return self.names.get(lang) or self.name  # type: ignore[call-overload]

    def localized_checklist(self, lang: str) -> list[str]:
        return list(self.checklists.get(lang) or self.checklist)  # type: ignore[call-overload]


class Rules(Record, kw_only=True):
    skip: bool = False
    backward: Literal["never", "with-reason", "free"] = "with-reason"


class Pipeline(Record, kw_only=True):
    name: Id
    stages: Annotated[list[Stage], msgspec.Meta(min_length=1)]
    won: Outcome = Field(default_factory=Outcome)
    lost: Outcome = Field(default_factory=lambda: Outcome(requires=["lost_reason"]))
    rules: Rules = Field(default_factory=Rules)


# kind -> model; the JSON Schema files and `check` both read this one table.
MODELS: dict[str, type[Record]] = {
    "account": Account,
    "lead": Lead,
    "deal": Deal,
    "products": Products,
    "settings": Settings,
    "pipeline": Pipeline,
}


def key_order(kind: str) -> list[str]:
    """The documented key order of a kind, as its YAML keys."""
    return [f.alias or name for name, f in fields_of(MODELS[kind]).items()]


def json_schema(kind: str, settings: Settings | None = None) -> dict[str, Any]:
    """The kind's JSON Schema; with `settings`, carrying its custom fields too."""
    found = msgspec.json.schema(MODELS[kind], schema_hook=_schema_hook)
    defs = found.pop("$defs")
    schema = defs.pop(MODELS[kind].__name__)
    if defs:
        schema["$defs"] = defs
    if settings is not None and kind in ("account", "lead", "deal"):
        from salescli.core.custom import json_schema as field_schema

        for name, field in getattr(settings.custom_fields, kind).items():
            schema["properties"][name] = field_schema(field)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"salescli {kind}"
    return schema
