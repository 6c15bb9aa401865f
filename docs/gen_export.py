"""Generate docs/export.md from the export's own table definitions, so it cannot drift.

    python docs/gen_export.py          # rewrite docs/export.md
    python docs/gen_export.py --check  # exit 1 if it is out of date (the tests do this)
"""

from __future__ import annotations

import sys
from pathlib import Path

from generated import write_or_check

from salescli.store.export import schema_markdown

TARGET = Path(__file__).with_name("export.md")

INTRO = """\
# Export schema

Generated from `salescli/store/export.py` by `python docs/gen_export.py`; do not edit by hand.

`salescli export --format csv|jsonl|sqlite --out PATH` writes the tables below: the
records as the files in the working tree are now (with the quotes, orders and invoices
each deal records, and `custom_fields`, the values of the custom fields salescli.yaml
declares), and `deal_events`, the deal history that reports read from git (SPEC §6),
up to `HEAD`.

| format | `--out` | what is written |
|---|---|---|
| `csv` | a folder | `TABLE.csv` per table, RFC 4180: UTF-8, a header row, `\\r\\n` line ends |
| `jsonl` | a folder | `TABLE.jsonl` per table: one JSON object a line, every column present |
| `sqlite` | a file | one database, a typed table per export table with its primary key |

- An existing database, or a folder that already holds one of the table files, is
  refused unless `--force`; files are written to a temporary name and renamed, so a
  failed export never leaves a half-written table.
- **Types.** `text`, `date` (`YYYY-MM-DD`) and `time` (UTC, `YYYY-MM-DDTHH:MM:SSZ`)
  are strings everywhere. `money` and `number` are decimals: plain decimal text in
  CSV (`48000.00` is written `48000.00`, never `4.8E4`), JSON numbers in JSON Lines,
  `REAL` in SQLite (money has at most 2 decimals, which a double holds to the cent;
  the YAML files stay the exact source). `integer` is an integer. An empty cell,
  `null` or SQL `NULL` means the record does not say.
- **Lists** (`tags`, an activity's `with`) are joined with `, `.
- **CSV injection.** By default the CSV is spreadsheet-safe (OWASP's CSV injection
  guidance): a cell whose first character is `=`, `+`, `-`, `@` or an invisible one
  (a control character such as NUL, tab, CR or ESC, a format character such as
  U+FEFF, a no-break space), or whose first character after spaces is one of those,
  gets a leading `'`, so a spreadsheet shows it as text instead of running it as a
  formula. A phone number `+358 40 123 4567` reads `'+358 40 123 4567`.
- **Quoting.** Cells are quoted as RFC 4180 says (a comma, a double quote or a line
  break), and also when they hold a `;` or a tab: Finnish and German Excel split a
  CSV on `;`, and LibreOffice and Google Sheets may detect `;` or tab, so unquoted
  `a;=1` would become a cell `=1`. Quoting never changes a value.
- **`--raw`** (CSV only) writes every value exactly as stored, with no `'`, for
  DuckDB, a warehouse or any program that loads the values; quoting is the same. Do
  not open a raw export in a spreadsheet. JSON Lines and SQLite always keep values
  as they are.
- `REFERENCES` are declared in SQLite for the reader's benefit; they are not enforced
  (a deal may name an account whose file is invalid or missing: `salescli check` says so).
- Invalid record files are skipped with a warning, as in listings.

Examples:

```sh
salescli export --format sqlite --out pipeline.sqlite
sqlite3 pipeline.sqlite "select stage, count(*), sum(value) from deals group by stage"
salescli export --format csv --out export/              # to open in a spreadsheet
salescli export --format csv --raw --out load/          # to load into DuckDB
duckdb -c "select field, count(*) from 'load/deal_events.csv' group by field"
```

## Tables
"""


def render() -> str:
    return INTRO + "\n" + schema_markdown()


def main() -> int:
    return write_or_check(TARGET, render(), "gen_export.py")


if __name__ == "__main__":
    sys.exit(main())
