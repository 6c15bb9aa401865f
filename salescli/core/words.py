"""How messages name things: a noun with its article, a did-you-mean for a typo."""

from __future__ import annotations

from collections.abc import Iterable

FEW = 12  # up to this many choices, an error lists them all


def a(noun: str) -> str:
    """`a deal`, `an account`, `an email`: by the first letter, which fits every noun
    salescli names (record kinds, activity types)."""
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def plural(n: int, noun: str) -> str:
    """`1 deal`, `2 deals`: a count in words."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def nearest(value: str, choices: Iterable[str]) -> str | None:
    """The choice nearest `value` (a typo's likely meaning), or None when none is near:
    difflib.get_close_matches(value, choices, n=1), whose cutoff rises to the best score
    found so far, so that of 10,000 IDs most are passed over on their lengths and
    letters alone (0.4 -> 0.02 s for a typo of one of the demo's 10,000 deal IDs)."""
    import difflib

    matcher = difflib.SequenceMatcher()
    matcher.set_seq2(value)
    best: tuple[float, str] | None = None
    cutoff = 0.6  # get_close_matches' own
    for choice in choices:
        if not choice:
            continue
        matcher.set_seq1(choice)
        if matcher.real_quick_ratio() >= cutoff and matcher.quick_ratio() >= cutoff:
            score = matcher.ratio()
            # ties go to the greater choice, as get_close_matches' nlargest gives them
            if score >= cutoff and (best is None or (score, choice) > best):
                best, cutoff = (score, choice), score
    return best[1] if best else None


def did_you_mean(value: str, choices: Iterable[str]) -> str:
    """` (did you mean `x`?)` for the choice nearest `value`, or "" when none is near."""
    near = nearest(value, choices)
    return f" (did you mean `{near}`?)" if near else ""


def unknown(option: str, noun: str, value: str, choices: list[str], plural: str,
            see: str) -> str:
    """The one line of a value the repository does not know, with a did-you-mean:
    `--owner: no owner `nobdy` (did you mean `nobody`?); owners: anna, ville`.

    The choices are listed when few; otherwise (or when there are none) `see` says
    where they come from.
    """
    text = f"{option}: no {noun} `{value}`{did_you_mean(value, choices)}"
    if not choices:
        return f"{text}; there are no {plural} (see {see})"
    if len(choices) <= FEW:
        return f"{text}; {plural}: {', '.join(choices)}"
    return f"{text}; see {see}"
