"""The template engine's guarantees: sandbox, strict variables, escaping, lookup, bounds."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from salescli.core.errors import SalescliError
from salescli.core.errors import UsageError
from salescli.store.templates import MAX_OUTPUT
from salescli.store.templates import available
from salescli.store.templates import render


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "templates").mkdir()
    return tmp_path


def write(root: Path, name: str, text: str) -> None:
    (root / "templates" / name).write_text(text, encoding="utf-8")


def render_refused(root: Path, name: str, text: str, message: str, context: dict | None = None):
    """The renderer itself refuses the template (commands: conftest's `refused`)."""
    write(root, name, text)
    with pytest.raises(SalescliError) as err:
        render(name, context or {"deal": {"title": "ERP", "items": []}}, root)
    assert str(err.value) == message


CANARY = "/tmp/salescli-template-canary"


@pytest.mark.parametrize("payload,message", [
    ("{{ cycler.__init__.__globals__.os.popen('touch " + CANARY + "').read() }}",
     "access to attribute '__init__' of 'type' object is unsafe."),
    # str.format runs in the sandbox's formatter: `__class__` gives an unsafe undefined
    ("{{ \"{0.__class__.__init__.__globals__}\"|attr('format')(cycler) }}",
     "access to attribute '__init__' of 'StrictUndefined' object is unsafe."),
    ("{{ (\"{0.__init__.__globals__[os].popen}\"|attr('format'))(cycler) }}",
     "access to attribute '__init__' of 'type' object is unsafe."),
    ("{{ ()|attr('__class__') }}", "access to attribute '__class__' of 'tuple' object is unsafe."),
    ("{{ lipsum.__globals__['os'].system('touch " + CANARY + "') }}",
     "access to attribute '__globals__' of 'function' object is unsafe."),
    ("{{ deal._values }}", "access to attribute '_values' of 'Data' object is unsafe."),
])
def test_sandbox_escapes_are_refused_and_nothing_runs(root: Path, payload: str, message: str):
    if os.path.exists(CANARY):
        os.unlink(CANARY)
    render_refused(root, "evil.md.j2", "Dear customer,\n" + payload + "\n",
                   f"templates/evil.md.j2:2: refused by the template sandbox: {message}")
    assert not os.path.exists(CANARY)


def test_templates_cannot_change_the_data(root: Path):
    render_refused(root, "mut.md.j2", "{% set x = quote.lines.append(1) %}",
                   "templates/mut.md.j2:1: refused by the template sandbox: access to attribute "
                   "'append' of 'list' object is unsafe.", {"quote": _Quote()})


class _Quote:
    lines: list = []


def test_an_undefined_variable_names_the_template_and_line(root: Path):
    render_refused(root, "u.md.j2", "Hello\n\n{{ deal.title }} {{ deal.nope }}\n",
                   "templates/u.md.j2:3: undefined: no field `nope`")
    render_refused(root, "v.md.j2", "{{ customer }}", "templates/v.md.j2:1: undefined: "
                   "'customer' is undefined")
    render_refused(root, "s.md.j2", "a\n{% if %}\n", "templates/s.md.j2:2: template syntax error: "
                   "Expected an expression, got 'end of statement block'")


def test_records_read_by_attribute_even_where_dict_methods_have_the_name(root: Path):
    write(root, "items.md.j2", "{% for i in deal.items %}{{ i.name }};{% endfor %}"
          "{{ deal['items'][1].name }} {{ deal.items|length }} {{ 'title' in deal }}")
    deal = {"title": "ERP", "items": [{"name": "A"}, {"name": "B"}]}
    assert render("items.md.j2", {"deal": deal}, root) == "A;B;B 2 True"


def test_html_is_escaped_and_markdown_shows_it_as_text(root: Path):
    # Markdown: a `<` that would open a tag or a comment is `\<` (shown as written, as
    # any Markdown viewer shows it), a `<` of a comparison and `&` stay as they are
    title = "<script>alert('x')</script> & co <!-- a < b"
    write(root, "t.html.j2", "<h1>{{ deal.title }}</h1>")
    write(root, "t.md.j2", "# {{ deal.title }}\n\n| {{ deal.title|cell }} |")
    assert render("t.html.j2", {"deal": {"title": title}}, root) == (
        "<h1>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; co &lt;!-- a &lt; b</h1>")
    shown = "\\<script>alert('x')\\</script> & co \\<!-- a < b"
    assert render("t.md.j2", {"deal": {"title": title}}, root) == f"# {shown}\n\n| {shown} |"


def test_a_symlinked_template_or_folder_is_refused(root: Path, tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("password\n")
    (root / "templates" / "quote.md.j2").symlink_to(secret)
    with pytest.raises(SalescliError) as err:
        render("quote.md.j2", {}, root)
    assert str(err.value) == ("templates/quote.md.j2 is a symbolic link; salescli renders only "
                              "regular files in templates/ (copy the file instead)")
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "x.md.j2").write_text("hi")
    (root / "templates" / "quote.md.j2").unlink()
    (root / "templates").rmdir()
    (root / "templates").symlink_to(other)
    with pytest.raises(SalescliError) as err:
        render("x.md.j2", {}, root)
    assert str(err.value) == ("templates/ is a symbolic link; salescli reads templates only "
                              "from a real folder in the repository")


@pytest.mark.parametrize("name", ["../secret.md.j2", "sub/quote.md.j2", "/etc/passwd", ".hidden",
                                  "a\\b.j2", "", "quote..md.j2"])
def test_names_leaving_the_template_folders_are_refused(root: Path, name: str):
    with pytest.raises(UsageError, match=r"^invalid template name"):
        render(name, {}, root)


def test_an_include_cannot_leave_the_template_folders(root: Path):
    write(root, "inc.md.j2", "{% include '../../etc/passwd' %}")
    with pytest.raises(SalescliError, match=r"^invalid template name '../../etc/passwd'"):
        render("inc.md.j2", {}, root)


def test_a_fifo_named_like_a_template_is_refused_without_hanging(root: Path):
    os.mkfifo(root / "templates" / "pipe.md.j2")
    with pytest.raises(SalescliError, match="^templates/pipe.md.j2 is not a regular file$"):
        render("pipe.md.j2", {}, root)


def test_a_template_that_is_not_utf8_names_its_file_in_the_repository(root: Path):
    (root / "templates" / "bin.md.j2").write_bytes(b"caf\xe9 {{ deal.id }}\n")
    with pytest.raises(SalescliError, match=r"^templates/bin.md.j2: not UTF-8 text \("):
        render("bin.md.j2", {}, root)


def test_output_is_bounded(root: Path):
    render_refused(root, "big.md.j2", "{% for i in range(100000) %}{{ 'x' * 99 }}{% endfor %}",
                   f"templates/big.md.j2: template output exceeds {MAX_OUTPUT:,} characters; it "
                   "cannot be a real document")


def test_lookup_is_the_repository_then_the_shipped_templates(root: Path):
    assert {"quote.md.j2", "quote.html.j2"} <= set(available(None))
    with pytest.raises(SalescliError, match=r"^no template 'nope.md.j2' in templates/ or the "
                                            r"shipped ones \(.*quote.md.j2"):
        render("nope.md.j2", {}, root)
    write(root, "quote.md.j2", "mine")
    assert render("quote.md.j2", {}, root) == "mine"


def test_a_template_compiles_once_and_an_edit_is_seen_at_once(root: Path,
                                                             monkeypatch: pytest.MonkeyPatch):
    # compiled templates are kept by file and content for the process: a template
    # rendered again (the demo's next quote) is not compiled again, and an edited one is
    # never answered from the old text
    from jinja2 import Environment

    from salescli.store import templates

    compiled = []
    compile_ = Environment.compile

    def counting(self, source, name=None, filename=None, *args, **kwargs):
        compiled.append(name)
        return compile_(self, source, name, filename, *args, **kwargs)

    monkeypatch.setattr(Environment, "compile", counting)
    templates._compiled.cache_clear()  # what earlier tests compiled is not counted
    write(root, "note.md.j2", "{{ _('Total') }}: {{ n }}")
    assert render("note.md.j2", {"n": 1}, root) == "Total: 1"
    assert render("note.md.j2", {"n": 2}, root) == "Total: 2"
    assert compiled == ["note.md.j2"]
    write(root, "note.md.j2", "{{ n }} in all")
    assert render("note.md.j2", {"n": 3}, root) == "3 in all"
    assert compiled == ["note.md.j2", "note.md.j2"]


def test_a_compiled_template_holds_no_other_locales_text(root: Path):
    # Jinja works out a filter of a literal while compiling: code compiled for one
    # language, locale or currency is never used for another
    write(root, "total.md.j2", "{{ 1234.5 | money }} {{ _('Total') }}")
    assert render("total.md.j2", {}, root, locale="fi_FI", lang="fi") == "1\xa0234,50\xa0€ Yhteensä"
    assert render("total.md.j2", {}, root, locale="en_US") == "€1,234.50 Total"
    assert render("total.md.j2", {}, root, locale="en_US", currency="USD") == \
        "$1,234.50 Total"


def test_the_shipped_folder_may_be_a_symlink(root: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch):
    # as in a checkout or an editable install: its templates are listed, and an error
    # in one names its line (the line is looked up among the listed names)
    from salescli.store import templates

    linked = tmp_path / "_templates"
    linked.symlink_to(templates.shipped_dir().resolve())
    monkeypatch.setattr(templates, "shipped_dir", lambda: linked)
    assert "order-confirmation.md.j2" in available(None)
    with pytest.raises(SalescliError) as err:
        render("order-confirmation.md.j2", {}, root)
    assert str(err.value) == ("(shipped) order-confirmation.md.j2:9: undefined: "
                              "'deal' is undefined")
