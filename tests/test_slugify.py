"""IDs from names: the plain-name shortcut answers as python-slugify does."""

from hypothesis import given
from hypothesis import strategies as st
from slugify import slugify as library

from salescli.core.ids import MAX_LEN
from salescli.core.ids import slugify


def _library(name: str) -> str:
    slug = library(name, max_length=MAX_LEN, word_boundary=False, separator="-").strip("-")
    return slug


@given(st.text(alphabet="aZ09 ._-", max_size=80))
def test_plain_names_slug_as_the_library_does(name: str) -> None:
    assert slugify(name) == _library(name)


def test_other_names_go_to_the_library() -> None:
    assert slugify("Äänekoski Oy") == "aanekoski-oy"
    assert slugify("O'Brien & Sons") == _library("O'Brien & Sons")
    assert slugify("Anna Virtanen") == "anna-virtanen"
    assert slugify("x" * 70 + " y") == "x" * 64
    # nothing to fold: no ID is made up, the caller says what then
    assert slugify(" - ") == "" and slugify("!!!", fallback="account") == "account"
