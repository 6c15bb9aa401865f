"""`output.aligned` prints tables exactly as tabulate's `simple` and `github` formats did.

salescli stopped calling tabulate on listings (its import and cell typing cost about
70 ms for 600 rows); this proves the replacement prints the same bytes. Likewise
`output.json_array`, which prints a listing's records as JSON without decoding them.
"""

import json

from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from tabulate import tabulate

from salescli.core.output import aligned
from salescli.core.output import dumps_json
from salescli.core.output import json_array

# cells as they reach the table: no line breaks or other control characters
# (terminal_safe escapes them; tabulate would take \x01 and \x02 for readline's
# invisible markers), but Unicode spaces at the ends, words tabulate might read as
# booleans, numbers, empties
_CELL = st.one_of(
    st.text(st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\n\r\x0b\x0c\x1c"
                          "\x1d\x1e\x85\u2028\u2029\x1b"), max_size=12),
    st.sampled_from(["", " ", "True", "False", "12", "1.50", "-3", "\xa0x\xa0", "2026-01-02",
                     "a  b", "\u3000wide"]),
)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 4).flatmap(lambda n: st.tuples(
    st.lists(st.text("abcdefghij_", min_size=1, max_size=9), min_size=n, max_size=n),
    st.lists(st.lists(_CELL, min_size=n, max_size=n), max_size=6))))
def test_aligned_is_tabulate(case):
    headers, rows = case
    for fmt, markdown in (("simple", False), ("github", True)):
        want = tabulate(rows, headers=headers, tablefmt=fmt, disable_numparse=True)
        assert aligned(headers, rows, markdown=markdown) == want


# JSON as the index stores records: any text (no lone surrogates, which SQLite would
# refuse), floats including NaN and infinities, nesting
_TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=8)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(st.lists(_JSON, max_size=4))
def test_json_array_prints_what_dumps_json_prints(values):
    documents = [json.dumps(v, ensure_ascii=False) for v in values]
    assert json_array(documents) == dumps_json([json.loads(d) for d in documents])


def test_a_totals_line_fits_a_terminal_between_its_pairs():
    from salescli.core.output import fit_pairs

    line = "count: 1,646  by_reason timing: 281  by_reason no-response: 275  lost: 9"
    assert fit_pairs(line, 40).split("\n") == [
        "count: 1,646  by_reason timing: 281", "by_reason no-response: 275  lost: 9"]
    assert fit_pairs(line, 200) == line
    assert fit_pairs("a: 1  a-pair-longer-than-the-width: 2", 10) == \
        "a: 1\na-pair-longer-than-the-width: 2"
