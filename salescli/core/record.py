"""What a record kind is made of, on msgspec: the `Record` base with its small API,
the exact amounts, and `validate`, which gives every problem of a record's data in
salescli's words (`core/model.py` defines the kinds themselves).

msgspec validates in microseconds and imports in milliseconds (pydantic, before it,
cost about 140 ms of every command that validated a record). What it does not do is
written here once:

- amounts (`Money`, `SignedMoney`, `Number`, `Percent`) are Decimal types checked by a
  dec_hook: a YAML number only (a quoted `"12"` is refused), its shortest text form,
  its bounds and decimals;
- a record keeps the keys its kind does not define (`model_extra`; check warns of
  them) and knows the keys its data gave (`model_fields_set`);
- msgspec stops at the first problem, so `validate` looks at the part at fault on its
  own for all of its problems, cuts it and validates the rest again: every problem
  of a file in one run, and the record without its broken parts.
"""

import datetime as dt
import re
import sys
from decimal import Decimal
from typing import Annotated
from typing import Any
from typing import Literal
from typing import NamedTuple

from salescli.core.later import later


def _import_msgspec() -> Any:
    """`import msgspec`, without the typing_extensions it loads when installed (3 ms of
    every command that validates; icalendar brings it): msgspec reads its types only
    in annotations, and no record's has one. `typing` gives msgspec the same on 3.11."""
    if "typing_extensions" not in sys.modules:
        sys.modules["typing_extensions"] = None  # type: ignore[assignment]
        try:
            import msgspec
            return msgspec
        except ImportError:  # a msgspec that needs it after all: loaded the usual way
            pass
        finally:
            del sys.modules["typing_extensions"]
    import msgspec
    return msgspec


msgspec = _import_msgspec()


def quoted(value: Any, limit: int = 40) -> str:
    """A bad value as a message shows it: `'EURO'`, cut short if long."""
    text = value if isinstance(value, str) else repr(value)
    return repr(text if len(text) <= limit else text[:limit - 3] + "...")


# a numeral YAML would read as a number were it not quoted
_NUMERAL = later(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
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


def schema_hook(kind: type) -> dict:
    """The JSON Schema of an amount type (msgspec.json.schema's hook)."""
    if isinstance(kind, type) and issubclass(kind, Amount):
        return dict(kind.schema)
    raise NotImplementedError(kind)


def Field(default: Any = msgspec.NODEFAULT, *, alias: str | None = None,  # noqa: N802
          default_factory: Any = msgspec.NODEFAULT) -> Any:
    """A field with a default factory or a YAML key of its own (`with`, `from`)."""
    return msgspec.field(default=default, default_factory=default_factory, name=alias)


# counts, below the amounts' bound: SQLite (the record index) holds 64-bit integers only
Positive = Annotated[int, msgspec.Meta(ge=1, lt=10**12)]
NonNegative = Annotated[int, msgspec.Meta(ge=0, lt=10**12)]


class FieldInfo(NamedTuple):
    name: str  # the attribute
    alias: str | None  # the YAML key, when it is not the attribute's name
    annotation: Any
    default: Any  # msgspec.NODEFAULT: none
    factory: Any  # msgspec.NODEFAULT: none


# keys in a Struct's __dict__ no YAML key can be: the keys the data gave, and whether a
# part of the record keeps unknown keys of its own (model_dump then walks the parts)
_GIVEN = "\0given"
_DEEP = "\0deep"


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

    @classmethod
    def of(cls, **values: Any) -> Any:
        """The record of values already typed and checked (from the record index or the
        history: no validation), knowing that these, and only these, were given."""
        record = cls(**values)
        fields = fields_of(cls)
        record.__dict__[_GIVEN] = frozenset(fields[k].alias or k for k in values)
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
        return {k: v for k, v in self.__dict__.items() if k not in (_GIVEN, _DEEP)}

    @property
    def model_flat(self) -> bool:
        """No part below the top keeps keys of its own: its fields and `model_extra`
        are all of it (msgspec's own encoders see the fields)."""
        return not self.__dict__.get(_DEEP)

    def model_dump(self, mode: str = "python", by_alias: bool = True,
                   exclude_defaults: bool = False) -> dict[str, Any]:
        """Plain data again (dates, Decimals and extras as they are)."""
        if by_alias and not exclude_defaults and not self.__dict__.get(_DEEP):
            # msgspec's own walk, ten times faster (the index dumps every record it reads)
            out = msgspec.to_builtins(self, builtin_types=(dt.date, Decimal),
                                      enc_hook=_plain_amount)
            out.update(self.model_extra)
            return out
        out = {}
        for f in fields_of(type(self)).values():
            value = getattr(self, f.name)
            if exclude_defaults and value == _default(f):
                continue
            out[(f.alias or f.name) if by_alias else f.name] = _dump(value, exclude_defaults)
        out.update(self.model_extra)
        return out

    def model_copy(self, update: dict[str, Any] | None = None, deep: bool = False) -> Any:
        """A copy (`deep`: of every part too), with `update`'s fields set, unvalidated."""
        if deep:  # its data read again: every part a new one, unknown keys kept
            new = type(self).model_validate(self.model_dump())
        else:
            new = msgspec.structs.replace(self)
            new.__dict__.update(self.__dict__)
        given = new.__dict__.get(_GIVEN)
        if given is not None and update:
            fields = fields_of(type(self))
            new.__dict__[_GIVEN] = given | {fields[k].alias or k for k in update if k in fields}
        for key, value in (update or {}).items():
            setattr(new, key, value)
            if isinstance(value, Record | list | dict):  # its parts may keep unknown keys
                new.__dict__[_DEEP] = True
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
    if found is None:  # built whole, then published: history reads from a thread too
        found = {f.name: FieldInfo(f.name, f.encode_name if f.encode_name != f.name else None,
                                   f.type, f.default, f.default_factory)
                 for f in msgspec.structs.fields(cls)}
        _FIELDS[cls] = found
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


def _remember(record: Record, data: Any) -> bool:
    """Keep on each record read from `data` the keys it gave, and its unknown keys (one
    walk of the nested records, set operations in C: this runs for every record read).
    Whether the record or a part of it keeps unknown keys."""
    if not isinstance(data, dict):
        return False
    known, nested = _shape(type(record))
    kept = record.__dict__
    kept[_GIVEN] = given = frozenset(data)
    own = not given <= known
    if own:
        kept.update((k, v) for k, v in data.items() if k not in known and isinstance(k, str))
    deep = False
    for key, attr, container in nested:
        part = data.get(key)
        if part is None:
            continue
        value = getattr(record, attr)
        if container is None:
            if isinstance(value, Record):
                deep |= _remember(value, part)
        elif container == "list":
            if isinstance(part, list):
                for v, g in zip(value, part, strict=False):
                    if isinstance(v, Record):
                        deep |= _remember(v, g)
        elif isinstance(part, dict):
            for name, v in value.items():
                if isinstance(v, Record):
                    deep |= _remember(v, part.get(name))
    if deep:
        kept[_DEEP] = True
    return own or deep


def _plain_amount(value: Any) -> Any:
    if isinstance(value, Decimal):  # an Amount: a plain Decimal for output
        return Decimal(value)
    raise NotImplementedError(type(value))


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
    cut: set[tuple] = set()  # the parts cut
    while True:  # each round cuts at least one part, or returns
        try:
            record = msgspec.convert(current, cls, strict=True, dec_hook=_dec_hook)
        except msgspec.ValidationError as err:
            problem = _problem(cls, current, str(err))
            loc = problem.loc
            if not loc and problems:
                # a check of the whole record after a part of it went (an item without
                # its bad price "needs a unit_price"): pydantic skipped those too
                return None, problems
            if problem.missing and len(loc) == 1:  # every required key absent, at once
                return None, problems + _absent(cls, current, prefix, cut)
            if any(c[:len(loc)] == loc for c in cut if len(c) > len(loc)):
                return None, problems  # a list too short once its bad elements went
            part = _part(cls, loc)
            if part > 1:  # an element of a list or mapping: all the bad ones, at once
                container = loc[:part - 1]
                bad = _bad_elements(cls, current, container, prefix)
                if not bad:  # the container itself
                    problems.append(_problem(cls, current, str(err), prefix))
                    current = _cut(current, loc[:1], cut)
                else:
                    for _, found in bad:
                        problems += found
                    current = _cut(current, container, cut, [key for key, _ in bad])
            else:
                inner = _strip(_annotation_at(cls, loc[:1]))
                value = _at(current, loc[:1])
                if len(loc) > 1 and isinstance(inner, type) and issubclass(inner, Record) \
                        and isinstance(value, dict):
                    problems += _collect(inner, value, prefix + loc[:1])[1]  # all of them
                else:
                    problems.append(_problem(cls, current, str(err), prefix))
                current = _cut(current, loc[:1], cut)
            if current is None:
                return None, problems
            continue
        _remember(record, current)
        return record, problems


def _bad_elements(cls: type, data: Any, container: tuple, prefix: tuple
                  ) -> list[tuple[Any, list[Problem]]]:
    """(key, its problems) of each element of the list or mapping at `container` that its
    declared type refuses, in order: one look at each, however many are bad."""
    import typing

    declared = _strip(_annotation_at(cls, container))
    args = typing.get_args(declared)
    if not args:
        return []
    kind = args[-1]  # list[X] -> X; dict[K, X] -> X
    inner = _strip(kind)
    value = _at(data, container)
    pairs = enumerate(value) if isinstance(value, list) else \
        value.items() if isinstance(value, dict) else ()
    out = []
    for key, element in pairs:
        try:
            msgspec.convert(element, kind, strict=True, dec_hook=_dec_hook)
        except msgspec.ValidationError as err:
            where = (*prefix, *container, key)
            if isinstance(inner, type) and issubclass(inner, Record) and isinstance(element, dict):
                out.append((key, _collect(inner, element, where)[1]))
            else:
                out.append((key, [_problem(kind, element, str(err), where)]))
    return out


def _absent(cls: type, data: Any, prefix: tuple, cut: set[tuple]) -> list[Problem]:
    """`missing required key` for each required key of the record not given (nor cut for
    a problem of its own)."""
    out = []
    for f in fields_of(cls).values():
        key = f.alias or f.name
        if f.default is msgspec.NODEFAULT and f.factory is msgspec.NODEFAULT \
                and key not in data and (key,) not in cut:
            where = (*prefix, key)
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


_AT = later(r"^(?P<message>.*?)(?: - at `(?P<key>key)` in `(?P<keyed>[^`]*)`"
            r"| - at `(?P<path>\$[^`]*)`)?$", re.S)
_STEP = later(r"\.([^.\[]+)|\[(\d+|\.\.\.)\]")
_EXPECTED = {
    "str": "expected text", "int": "expected a whole number",
    "bool": "expected true or false", "array": "expected a list",
    "object": "expected a mapping (key: value)", "date": "expected a date YYYY-MM-DD",
    "str | object": "expected text or a mapping (key: value)",
}
# repr(pattern) -> how a value that does not match it is told ("{value}": the value)
_PATTERN_WORDS: dict[str, str] = {}


def Matching(pattern: str, words: str) -> Any:  # noqa: N802
    """Text matching `pattern`; a value that does not is told in `words`, where
    `{value}` is the value as quoted: `Matching(r"^[A-Z]{3}$", "{value} is not a
    3-letter currency code such as EUR")`."""
    # msgspec searches with Python's re, where `$` also matches before a final newline
    # ("EUR\n" would pass): `\Z` does not (model.json_schema writes `$` for editors)
    strict = pattern[:-1] + r"\Z" if pattern.endswith("$") else pattern
    _PATTERN_WORDS[repr(strict)] = words
    return Annotated[str, msgspec.Meta(pattern=strict)]


def _problem(cls: type, data: Any, text: str, base: tuple = ()) -> Problem:
    """A msgspec error message about `data` (of type `cls`) as a Problem in salescli's
    words, its location under `base`."""
    found = _AT.match(text)
    assert found is not None
    keyed = found["keyed"]
    at = _loc(cls, data, found["path"] or keyed or "$")
    problem = _worded(cls, data, found["message"], at, keyed is not None)
    if not base:
        return problem
    where = (*base, *problem.loc)
    if problem.missing:
        return Problem(where, True, f"missing required key `{dotted(where)}`")
    return problem._replace(loc=where)


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
        words = _PATTERN_WORDS.get(pattern[1], f"{{value}} does not match {pattern[1]}")
        return Problem(loc, False, words.format(value=quoted(value)))
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
            words = _PATTERN_WORDS.get(repr(pattern), f"{{value}} does not match {pattern}")
            return Problem((*loc, key), False, words.format(value=quoted(key)))
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


def _cut(data: Any, where: tuple, cuts: set[tuple], keys: list | None = None) -> Any:
    """`data` without the part at `where` (or, with `keys`, without those elements of the
    list or mapping at `where`), each added to `cuts`; None when nothing there can go (a
    required key is absent, or the problem is the whole). Only the containers on the
    way are copied."""
    if not where and keys is None or not isinstance(data, dict):
        return None
    if keys is None:
        where, keys = where[:-1], [where[-1]]
    parent = _at(data, where)
    if isinstance(parent, dict):
        keys = [k for k in keys if k in parent]
        kept: Any = {k: v for k, v in parent.items() if k not in set(keys)}
    elif isinstance(parent, list):
        gone = {k for k in keys if isinstance(k, int) and 0 <= k < len(parent)}
        keys = sorted(gone)
        kept = [v for i, v in enumerate(parent) if i not in gone]
    else:
        return None
    if not keys:
        return None
    cuts.update((*where, k) for k in keys)
    if not where:
        return kept
    top = dict(data)  # copy the containers on the way down, not the whole record
    node = top
    for step in where[:-1]:
        node[step] = copy_ = (dict if isinstance(node[step], dict) else list)(node[step])
        node = copy_
    node[where[-1]] = kept
    return top


def validate_value(annotation: Any, value: Any) -> Any:
    """One field's value as the record's schema reads it (raises ValueError)."""
    return msgspec.convert(value, annotation, strict=True, dec_hook=_dec_hook)
