"""Templates are bounded: a template from a teammate's commit that would take the
machine's memory or run for ever is one line and exit 1, and nothing is written.

Every hostile render runs in a subprocess with a timeout and an address-space guard,
so this file stays bounded even if a limit breaks.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import Repo
from conftest import refused

from salescli.store.templates import MAX_DEPTH
from salescli.store.templates import MAX_DIGITS
from salescli.store.templates import MAX_ITEMS
from salescli.store.templates import MAX_MEMORY
from salescli.store.templates import MAX_OUTPUT
from salescli.store.templates import MAX_STEPS
from salescli.store.templates import MAX_TEXT
from salescli.store.templates import MAX_TOKENS

TIMEOUT = 120        # seconds; a refused render takes a few at most
GUARD = 3 << 30      # bytes of address space a subprocess gets: room for MAX_MEMORY
LINUX = sys.platform.startswith("linux")

# argv: address-space limit in bytes (negative: that much more than the process has
# once salescli is imported), `NAME=INT,...` to set in salescli.store.templates, then the
# command. The limit is set in the process itself, like a user's `ulimit -v`.
RUNNER = """
import sys
import salescli.cli, salescli.store.templates as templates
limit, patches, *args = sys.argv[1:]
try:
    import resource
    if int(limit) < 0:
        with open("/proc/self/statm") as fh:
            limit = int(fh.read().split()[0]) * resource.getpagesize() - int(limit)
    resource.setrlimit(resource.RLIMIT_AS, (int(limit), int(limit)))
except (ImportError, OSError, ValueError):
    pass  # no such limit here: the timeout still bounds the test
for patch in filter(None, patches.split(",")):
    name, value = patch.split("=")
    setattr(templates, name, int(value))
sys.argv = ["salescli", *args]
salescli.cli.main()
"""


@pytest.fixture
def quoting(filled: Repo) -> Repo:
    deal = filled.root / "deals/2026-10/acme-erp.yaml"
    deal.write_text(deal.read_text() + "items:\n  - {name: Integration work, quantity: 40, "
                    "unit: h, unit_price: 120.00, tax_rate: 25.5}\n")
    filled.edit("salescli.yaml",  # a quote names its seller
                "company:\n  name: null", "company:\n  name: Hubble Oy")
    filled.commit()
    return filled


def salescli(repo: Repo, *args: str, memory: int = GUARD, patch: str = ""
             ) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", RUNNER, str(memory), patch,
                           "-C", str(repo.root), *args],
                          cwd=repo.root, capture_output=True, text=True, timeout=TIMEOUT)


def quote_refused(repo: Repo, payload: str, message: str, memory: int = GUARD,
                  patch: str = "") -> None:
    """A teammate commits a hostile quote template: `quote` refuses, writes nothing."""
    repo.write("templates/quote.md.j2", "# Quote {{ quote.number }}\n" + payload + "\n")
    repo.commit("a teammate's template")
    refused(repo, ["quote", "acme-erp"], 1, message,
            run=lambda *args: salescli(repo, *args, memory=memory, patch=patch))
    assert not (repo.root / "quotes" / "acme-erp").exists()


def text(op: str) -> str:
    return f"template makes a text longer than {MAX_TEXT:,} characters ({op})"


def items(op: str) -> str:
    return f"template makes a list longer than {MAX_ITEMS:,} items ({op})"


DIGITS = f"template makes a number longer than {MAX_DIGITS:,} digits ('**')"
STEPS = f"template takes more than {MAX_STEPS:,} steps (loop rounds, calls, filters)"
TEXT = "{% set s = 'x' * 100000 %}"


@pytest.mark.parametrize("payload,limit", [
    # the cases: each of these took seconds and gigabytes, or ran until killed
    ("{{ ('x'|center(10**9))|length }}", text("center")),
    ("{{ ('x'|indent(10**9, true))|length }}", text("indent")),
    ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
     STEPS),
    ("{{ 'x' * 10**9 }}", text("'*'")),
    ("{{ 10 ** (10 ** 10) }}", DIGITS),
    ("{{ (9 ** 99999) ** 99999 }}", DIGITS),
    ("{% macro m(n) %}{{ m(n + 1) }}{% endmacro %}{{ m(1) }}",
     f"template calls nest deeper than {MAX_DEPTH} (a macro calling itself?)"),
    ("{% macro m(n) %}{% for i in range(100) %}{% if n %}{{ m(n - 1) }}{% endif %}"
     "{% endfor %}{% endmacro %}{{ m(5) }}", STEPS),
    # the same, other ways
    (TEXT + "{% for a in s %}{% for b in s %}{% endfor %}{% endfor %}", STEPS),
    ("{{ '%0999999999d'|format(1) }}", text("format")),
    ("{{ '%0999999999d' % 1 }}", text("'%'")),
    ("{{ '%*d' % (999999999, 1) }}", text("'%'")),
    ("{{ '{:>999999999}'.format(1) }}", text("format")),
    ("{{ '{:>{}}'.format(1, 999999999) }}", text("format")),
    ("{{ 'x'.ljust(10**9) }}", text("ljust")),
    ("{{ 'x'.zfill(10**9) }}", text("zfill")),
    ("{{ lipsum(10**7) }}", text("lipsum")),
    ("{{ 'x'|batch(10**9, 'y')|list }}", items("batch")),
    ("{{ range(10**9)|list }}", items("range")),
    ("{{ [1] * 10**9 }}", items("'*'")),
    (TEXT + "{{ s|replace('', s) }}", text("replace")),
    (TEXT + "{{ ([s] * 100000)|join }}", text("join")),
    (TEXT + "{{ [s] * 100000 }}", text("output")),
    (TEXT + "{{ ([s] * 100000)|string }}", text("string")),
    (TEXT + "{% set s = s ~ s %}" * 40 + "{{ s|length }}", text("'~' or a set block")),
    ("{% set ns = namespace(s='x' * 100000) %}{% for i in range(40) %}{% set b %}"
     "{{ ns.s }}{{ ns.s }}{% endset %}{% set ns.s = b %}{% endfor %}",
     text("'~' or a set block")),
])
def test_a_hostile_template_is_one_line_and_writes_nothing(quoting: Repo, payload: str,
                                                             limit: str):
    quote_refused(quoting, payload,
                  f"templates/quote.md.j2:2: {limit}; it cannot be a real document")


def test_a_render_has_a_deadline(quoting: Repo):
    # each round is a few milliseconds of real work, so the clock stops it, not the steps
    quote_refused(quoting, "{% set s = 'ab' * 2000000 %}{% for i in range(100000) %}"
                  "{{ s.replace('a', 'c')|length }}{% endfor %}",
                  "templates/quote.md.j2:2: template takes longer than 2 seconds; it cannot be a "
                  "real document", patch="MAX_SECONDS=2")


def test_compiling_is_bounded_by_tokens(quoting: Repo):
    quoting.write("templates/quote.md.j2", "{{ quote.number }}\n" * (MAX_TOKENS // 5))
    quoting.commit("a teammate's template")
    before, files = quoting.head(), quoting.snapshot()
    r = salescli(quoting, "quote", "acme-erp")
    assert r.returncode == 1
    assert r.stderr.startswith("Error: templates/quote.md.j2:")
    assert r.stderr.endswith(f": template has more than {MAX_TOKENS:,} tokens; it cannot be "
                             "a real document\n")
    assert (quoting.head(), quoting.snapshot(), quoting.status()) == (before, files, "")


def test_output_past_the_limit_leaves_no_partial_file(quoting: Repo, tmp_path):
    quoting.write("templates/big.md.j2",
                  "{% for i in range(60000) %}{{ 'x' * 99 }}\n{% endfor %}")
    quoting.commit()
    out = tmp_path / "big.md"
    r = salescli(quoting, "render", "big", "acme-erp", "--out", str(out))
    assert (r.returncode, r.stderr) == (1, f"Error: templates/big.md.j2: template output "
                                           f"exceeds {MAX_OUTPUT:,} characters; it cannot "
                                           "be a real document\n")
    assert not out.exists()


@pytest.mark.skipif(not LINUX, reason="RLIMIT_AS is enforced on Linux only")
def test_many_values_within_the_limits_still_cannot_take_the_memory(quoting: Repo):
    # 300 texts of 4 MB: each within MAX_TEXT, 1.2 GB together
    many = ", ".join(f"s ~ {i}" for i in range(300))
    quote_refused(quoting, "{% set s = 'x' * 4000000 %}{% set l = [" + many + "] %}{{ l|length }}",
                  f"templates/quote.md.j2:2: template needs more than {MAX_MEMORY >> 20} MB of "
                  "memory; it cannot be a real document")


@pytest.mark.skipif(not LINUX, reason="RLIMIT_AS is enforced on Linux only")
def test_memory_error_under_the_process_limit_is_one_line(quoting: Repo):
    # a `ulimit -v` tighter than salescli's own cap: MemoryError, reported in one line
    many = ", ".join(f"s ~ {i}" for i in range(300))
    quote_refused(quoting, "{% set s = 'x' * 4000000 %}{% set l = [" + many + "] %}{{ l|length }}",
                  f"templates/quote.md.j2:2: template ran out of memory: this process may use "
                  f"less than the {MAX_MEMORY >> 20} MB a render may take", memory=-(250 << 20))


def test_what_templates_really_do_renders_as_before(quoting: Repo):
    """The limits' hooks (loops, `~`, set blocks, calls, filters) change no output."""
    quoting.write("templates/letter.md.j2", """\
        {% macro row(cells) %}|{% for c in cells %} {{ c }} |{% endfor %}{% endmacro %}
        {% macro box() %}[{{ caller() }}]{% endmacro %}
        {% set title %}{{ deal.title|upper }} ({{ account.name }}){% endset %}
        {{ title }} {{ '-' * 3 }} {{ 'n=%d' % 7 }} {{ '{:>5}'.format('ab') }}
        {{ row(['a', 'b' ~ 1]) }}
        {% for x in [3, 0, 1] if x %}{{ loop.index }}/{{ loop.length }}:{{ x }}{% if not loop.last %}, {% endif %}{% endfor %}
        {% for n in [[1, [2]], [3]] recursive %}({{ n if n is number else loop(n) }}){% endfor %}
        {% call box() %}{{ range(4)|select('odd')|join(',') }}{% endcall %} {{ 10**10**10 }}
        {% set ns = namespace(total=0) %}{% for i in range(5) %}{% set ns.total = ns.total + i %}{% endfor %}{{ ns.total }} {{ 'ab'|center(6) }}|
        """)  # noqa: E501
    quoting.commit()
    r = quoting.run("render", "letter", "acme-erp")
    assert (r.exit_code, r.stdout) == (0, (
        "ORDER-PROCESSING AUTOMATION (Acme Oy) --- n=7    ab\n"
        "| a | b1 |\n"
        "1/2:3, 2/2:1((1)((2)))((3))"  # a line ending in a block tag keeps no newline
        "[1,3] 1" + "0" * 100 + "\n"  # Jinja reads 10**10**10 as (10**10)**10
        "10   ab  |\n"))
