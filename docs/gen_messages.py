"""Extract the shipped templates' messages into the catalogues, keeping translations.

    python docs/gen_messages.py          # update salescli/locale/{fi,sv}/LC_MESSAGES/salescli.po
    python docs/gen_messages.py --check  # exit 1 if a catalogue is out of date (tests do this)

The messages are the `_("...")` texts (and any `{% trans %}` blocks) of templates/*.j2,
read with Babel's Jinja extractor (jinja2.ext.babel_extract). A new message arrives in
each .po with an empty msgstr: translate it there (no fuzzy entries; tests check both
languages are complete). A message no template uses any more is dropped.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from babel.messages.pofile import write_po

ROOT = Path(__file__).resolve().parents[1]
TEMPLATES = ROOT / "templates"
LOCALE = ROOT / "salescli" / "locale"
LANGUAGES = ("fi", "sv")
DOMAIN = "salescli"
METHODS = [("*.j2", "jinja2.ext:babel_extract")]
# as salescli.store.templates renders them: "newstyle" gettext, trimmed blocks
OPTIONS = {"*.j2": {"newstyle_gettext": "true", "trim_blocks": "true",
                    "lstrip_blocks": "true", "extensions": "jinja2.ext.i18n"}}


def extract() -> Catalog:
    """Every message of the shipped templates, with where it is used."""
    catalog = Catalog(project="salescli", domain=DOMAIN, fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
            TEMPLATES, METHODS, OPTIONS, strip_comment_tags=True):
        catalog.add(message, None, [(f"templates/{filename}", lineno)],
                    auto_comments=comments, context=context)
    return catalog


def po_path(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def updated(lang: str, template: Catalog) -> str:
    """The language's .po text with the template's messages, its translations kept."""
    path = po_path(lang)
    if path.exists():
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=lang, domain=DOMAIN)
    else:
        catalog = Catalog(locale=lang, domain=DOMAIN, project="salescli", fuzzy=False)
    # no fuzzy guesses from similar messages: a new message is untranslated, visibly
    catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
    catalog.obsolete.clear()
    catalog.revision_date = catalog.creation_date = template.creation_date.replace(
        year=2026, month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    out = io.BytesIO()
    write_po(out, catalog, width=100, omit_header=False, sort_output=False,
             include_previous=False, include_lineno=False)  # stable when lines move
    return out.getvalue().decode("utf-8")


def main() -> int:
    template = extract()
    stale = []
    for lang in LANGUAGES:
        text, path = updated(lang, template), po_path(lang)
        if "--check" in sys.argv:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(str(path.relative_to(ROOT)))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    if stale:
        print(f"{', '.join(stale)} out of date: run python docs/gen_messages.py",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
