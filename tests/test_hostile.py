"""Hostile input: each gets a defined outcome (docs/hostile-input.md) — a clear
one-line diagnostic, bounded time and memory, and nothing written.

Files are written by hand, as a hostile collaborator or a bad merge would leave
them; values come through the real commands. Every run is timed: none may hang.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
import unicodedata

import pytest
from conftest import DEAL
from conftest import Repo
from conftest import refused as refused_by
from conftest import replaced

D = "deals/2026-10/"
A = "accounts/2026-10/"
DEAL_FILE = D + "acme-erp.yaml"
SECONDS = 5  # generous on a shared 2-core machine; a hang or a blow-up takes far longer


def timed(repo: Repo, *args: str):
    start = time.monotonic()
    r = repo.run(*args)
    assert time.monotonic() - start < SECONDS, args
    assert "Traceback" not in r.output
    return r


def refused(repo: Repo, args: list[str], code: int, message: str) -> None:
    """conftest's `refused`, timed: a hostile input is refused quickly too."""
    refused_by(repo, args, code, message, run=lambda *a: timed(repo, *a))


def check_lines(repo: Repo) -> tuple[int, list[str]]:
    r = timed(repo, "check")
    return r.exit_code, [ln for ln in r.stdout.splitlines() if ln]


# ------------------------------------------------------------------ file contents

BOMB = "a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
    for p, c in zip("abcdefgh", "bcdefghi", strict=True))

UNREADABLE = [
    # (name, bytes of deals/2026-10/bad.yaml, the one diagnostic after "bad.yaml:")
    ("alias-bomb", BOMB.encode(),
     "1:4: error: anchors and aliases (&, *) are not allowed in records [unsupported]"),
    ("deep-flow", b"id: bad\nx: " + b"[" * 10_000 + b"]" * 10_000 + b"\n",
     "2:67: error: nesting deeper than 64 levels [too-deep]"),
    ("deep-block", b"id: bad\nx:\n" + b"- " * 10_000 + b"x\n",
     "3:127: error: nesting deeper than 64 levels [too-deep]"),
    ("nul-byte", b"id: bad\ntitle: a\0b\n",
     "2:1: error: file contains a NUL byte; records are UTF-8 text [encoding]"),
    ("not-utf8", b"id: bad\ntitle: \xff\n",
     "2:1: error: file is not valid UTF-8; save it as UTF-8 [encoding]"),
    ("nel", 'id: bad\ntitle: "a\u0085b"\n'.encode(),
     "2:1: error: file contains U+0085, which YAML reads as a line break; write it as \\N "
     "inside double quotes [encoding]"),
    ("line-separator", 'id: bad\ntitle: "a\u2028b"\n'.encode(),
     "2:1: error: file contains U+2028, which YAML reads as a line break; write it as \\L "
     "inside double quotes [encoding]"),
    ("paragraph-separator", "id: bad\nnotes: a\u2029b\n".encode(),
     "2:1: error: file contains U+2029, which YAML reads as a line break; write it as \\P "
     "inside double quotes [encoding]"),
    ("tab-after-key", b"id: bad\ntitle:\tERP\n",
     "2:7: error: a tab where YAML allows only spaces; indent and separate with spaces [yaml]"),
    ("tab-in-plain-value", b"id: bad\ntitle: ERP\tsystem\n",
     "2:11: error: a tab where YAML allows only spaces; indent and separate with spaces "
     "[yaml]"),
    ("tab-before-comment", b"id: bad\ntitle: ERP\t# note\n",
     "2:11: error: a tab where YAML allows only spaces; indent and separate with spaces "
     "[yaml]"),
    ("tab-indent", b"id: bad\nnext_step:\n\taction: x\n",
     "3:1: error: a tab where YAML allows only spaces; indent and separate with spaces [yaml]"),
    ("yaml-1.1-directive", b"%YAML 1.1\n---\nid: bad\n",
     "1:1: error: %YAML and %TAG directives are not supported in records [unsupported]"),
    ("several-documents", b"id: bad\n---\nid: other\n",
     "2:1: error: several YAML documents in one file; a record is one document "
     "(remove '---') [multiple-documents]"),
    ("huge-integer", b"id: bad\nvalue: 1" + b"0" * 5_000 + b"\n",
     "2:8: error: value: number 10000000000000000000... has 5001 characters; a number has at most "
     "100 [too-large]"),
    ("huge-hex", b"id: bad\nvalue: 0x" + b"f" * 100_000 + b"\n",
     "2:8: error: value: number 0xffffffffffffffffff... has 100002 characters; a number has "
     "at most 100 [too-large]"),
]


@pytest.mark.parametrize("name,data,expected", UNREADABLE, ids=[c[0] for c in UNREADABLE])
def test_unreadable_file_is_one_clear_diagnostic(filled: Repo, name: str, data: bytes,
                                                 expected: str):
    (filled.root / D / "bad.yaml").write_bytes(data)
    assert check_lines(filled) == (1, [f"{D}bad.yaml:{expected}"])


def test_a_50_mb_file_is_refused_by_its_size_before_it_is_read(filled: Repo):
    with open(filled.root / D / "big.yaml", "wb") as fh:
        fh.truncate(50 * 2**20)  # sparse: the size is what is refused, not the bytes
    assert check_lines(filled) == (1, [
        f"{D}big.yaml:1:1: error: file is 52428800 bytes, more than the 1000000 a record may "
        "have [too-large]"])


def test_memory_stays_bounded_on_hostile_files(filled: Repo):
    """`check` in a process limited to 512 MiB: a 50 MB list, the alias bomb, deep nesting."""
    (filled.root / D / "big.yaml").write_bytes(b"- x\n" * (50 * 2**20 // 4))
    (filled.root / D / "bomb.yaml").write_text(BOMB)
    (filled.root / D / "deep.yaml").write_text("x: " + "[" * 10_000 + "]" * 10_000)
    limit = 512 * 2**20
    start = time.monotonic()
    r = subprocess.run(
        [sys.executable, "-m", "salescli", "-C", str(filled.root), "check"],
        capture_output=True, text=True, timeout=60,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (limit, limit)))
    assert time.monotonic() - start < 2 * SECONDS
    assert r.returncode == 1, r.stderr
    assert "Traceback" not in r.stderr and "MemoryError" not in r.stderr
    codes = [ln.rsplit("[", 1)[-1] for ln in r.stdout.splitlines() if "error:" in ln]
    assert codes == ["too-large]", "unsupported]", "too-deep]"]


def test_bom_is_accepted_and_an_edit_keeps_it(filled: Repo):
    path = filled.root / DEAL_FILE
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    filled.commit("bom")
    assert check_lines(filled) == (0, [])
    assert timed(filled, "deal", "set", "acme-erp", "value=50000").exit_code == 0
    assert path.read_text() == "\ufeff" + DEAL.lstrip("\n").replace("value: 48000.00",
                                                                    "value: 50000.00")


def test_tabs_in_quoted_values_and_block_text_are_accepted(filled: Repo):
    filled.write(DEAL_FILE, DEAL + 'lost_note: "a\tb"\nnotes: |\n  one\ttwo\n')
    assert check_lines(filled) == (0, [])


def test_crlf_is_accepted_and_an_edit_keeps_it(filled: Repo):
    path = filled.root / DEAL_FILE
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    filled.commit("crlf")
    assert check_lines(filled) == (0, [])
    r = timed(filled, "deal", "set", "acme-erp", "value=50000")
    assert r.exit_code == 0, r.output
    text = path.read_bytes()  # the file's own line endings; only the value changed
    assert text.decode() == DEAL.lstrip("\n").replace("value: 48000.00", "value: 50000.00"
                                                      ).replace("\n", "\r\n")


def test_huge_amount_in_a_file_is_a_schema_error(filled: Repo):
    filled.write(DEAL_FILE, replaced(DEAL, "value: 48000.00", "value: 1e300"))
    assert check_lines(filled) == (1, [
        f"{DEAL_FILE}:7:8: error: value: should be less than 1,000,000,000,000 [schema]"])
    for args in (["deal", "show", "acme-erp"], ["deal", "list"], ["today"]):
        assert timed(filled, *args).exit_code in (0, 1)  # never a traceback


def test_a_count_too_large_for_the_index_is_a_schema_error_not_a_crash(filled: Repo):
    """SQLite holds 64-bit integers: a count past them was a traceback of every listing."""
    filled.write(DEAL_FILE, DEAL.lstrip("\n") + "items:\n  - {name: Work, quantity: 1, "
                 "unit_price: 10, billing: monthly, cycles: 99999999999999999999999}\n")
    filled.commit("cycles")
    assert check_lines(filled) == (1, [f"{DEAL_FILE}:16:73: error: items[0].cycles: should "
                                       "be less than or equal to 999999999999 [schema]"])
    r = filled.run("deal", "list")
    assert r.exit_code == 0 and r.stderr.startswith("warning: skipped 1 invalid file"), r.output


def test_infinite_amount_in_a_file_is_a_schema_error(filled: Repo):
    filled.write(DEAL_FILE, replaced(DEAL, "value: 48000.00", "value: .inf"))
    assert check_lines(filled) == (1, [
        f"{DEAL_FILE}:7:8: error: value: expected a finite number [schema]"])


def test_editing_a_file_with_a_tab_is_refused(filled: Repo):
    filled.write(DEAL_FILE, replaced(DEAL, "title: ", "title:\t"))
    filled.commit("tab")
    refused(filled, ["deal", "set", "acme-erp", "value=1"], 1,
            f"{DEAL_FILE}:2:7: error: a tab where YAML allows only spaces; indent and "
            "separate with spaces [yaml]; fix the file first (see `salescli check`)")


# ------------------------------------------------------------ values via commands

ODD_TEXT = {
    "nel": "Order\u0085processing",
    "line-separator": "Order\u2028processing",
    "paragraph-separator": "Order\u2029processing",
    "tab": "Order\tprocessing",
    "escape": "Order\x1bprocessing",
    "carriage-return": "Order\rprocessing",
    "bom-inside": "Order\ufeffprocessing",
}


@pytest.mark.parametrize("text", ODD_TEXT.values(), ids=ODD_TEXT.keys())
def test_set_value_with_odd_characters_reads_back_identically(filled: Repo, text: str):
    r = timed(filled, "deal", "set", "acme-erp", f"title={text}")
    assert r.exit_code == 0, r.output
    shown = json.loads(timed(filled, "deal", "show", "acme-erp", "--format", "json").stdout)
    assert shown["title"] == text
    line = (filled.root / DEAL_FILE).read_text().splitlines()[1]
    assert line.startswith('title: "Order\\')  # escaped in double quotes, never raw
    assert check_lines(filled) == (0, [])
    assert filled.status() == ""


def test_log_summary_and_account_name_with_nel_read_back(filled: Repo):
    assert timed(filled, "log", "call", "acme-erp", "Intro\u0085call").exit_code == 0
    r = timed(filled, "account", "add", "Beta\u0085Oy", "--id", "beta-oy")
    assert r.exit_code == 0, r.output
    deal = json.loads(timed(filled, "deal", "show", "acme-erp", "--format", "json").stdout)
    assert deal["activities"][-1]["summary"] == "Intro\u0085call"
    account = json.loads(timed(filled, "account", "show", "beta-oy", "--format", "json").stdout)
    assert account["name"] == "Beta\u0085Oy"
    assert check_lines(filled) == (0, [])


@pytest.mark.parametrize("amount,shown", [("1e300", "1e+300"), ("1e400", "1e400"),
                                          ("1" + "0" * 5_000, "10000000000000000..."),
                                          ("1000000000000", "1000000000000")])
def test_huge_amount_via_a_command_is_refused(filled: Repo, amount: str, shown: str):
    refused(filled, ["deal", "set", "acme-erp", f"value={amount}"], 2,
            f"value: {shown} is too large; an amount is below 1,000,000,000,000")


def test_huge_quantity_via_a_command_is_refused(filled: Repo):
    refused(filled, ["deal", "item", "add", "acme-erp", "--name", "Work", "--quantity", "1e20",
                     "--unit-price", "5"], 2,
            "--quantity: 1e20 is too large; a number is below 1,000,000,000,000")


def test_non_utf8_argument_is_refused(filled: Repo):
    # what Python makes of the bytes `title=a\xe4b` from a Latin-1 terminal
    refused(filled, ["deal", "set", "acme-erp", "title=a\udce4b"], 2,
            "argument 'title=a?b' is not valid UTF-8 text; check the terminal's encoding")


# ---------------------------------------------------------------------------- IDs

BAD_ID = ("invalid deal ID {!r}: IDs are 1-64 characters of a-z, 0-9 and '-', starting "
          "with a letter or digit")


@pytest.mark.parametrize("bad", ["--upload-pack=x", "-n", "--exec=sh", "../x", "a/b", "ACME-ERP",
                                 "acme_erp", ".git", "", "a" * 65])
def test_id_shaped_like_an_option_or_a_path_is_refused(filled: Repo, bad: str):
    shown = bad if len(bad) <= 40 else bad[:37] + "..."
    refused(filled, ["deal", "set", "--", bad, "value=1"], 2, BAD_ID.format(shown))


def test_an_option_shaped_id_without_separator_is_an_unknown_option(filled: Repo):
    before, files = filled.head(), filled.snapshot()
    r = timed(filled, "deal", "show", "--upload-pack=x")
    assert r.exit_code == 2
    assert r.stderr == "Error: No such option '--upload-pack' (see `salescli deal show --help`)\n"
    assert (filled.head(), filled.snapshot()) == (before, files)


@pytest.mark.parametrize("name", ["con", "nul", "com1", "lpt9", "aux", "prn"])
def test_windows_device_names_are_refused_as_ids(filled: Repo, name: str):
    refused(filled, ["account", "add", "Some Oy", "--id", name], 2,
            f"invalid account ID {name!r}: it is a device name on Windows ({name.upper()}), "
            "so the file could not be checked out there; choose another")


def test_a_name_folding_to_a_device_name_gets_a_suffix(filled: Repo):
    r = timed(filled, "account", "add", "Con")
    assert r.exit_code == 0, r.output
    assert [p.name for p in (filled.root / "accounts").rglob("con*.yaml")] == ["con-2.yaml"]


@pytest.mark.parametrize("name", ["con", "NUL", "com1"])
def test_check_reports_a_device_name_file(filled: Repo, name: str):
    filled.write(A + f"{name}.yaml", f"id: {name}\nname: X\n")
    assert check_lines(filled) == (1, [
        f"{A}{name}.yaml:1:1: error: file name `{name}` "
        + (f"is a device name on Windows ({name.upper()}), where the file could not be "
           "checked out" if name.islower() else
           "is not a valid ID (a-z, 0-9 and '-', at most 64 characters)")
        + "; rename the file and its `id:` [invalid-id]"])


def test_check_reports_a_case_collision(filled: Repo):
    (filled.root / D / "ACME-ERP.yaml").write_text(replaced(DEAL, "acme-erp", "ACME-ERP"))
    assert check_lines(filled) == (1, [
        f"{D}ACME-ERP.yaml:1:1: error: `{D}ACME-ERP.yaml` and `{DEAL_FILE}` differ only by "
        "case or Unicode normalisation, so they are one file on macOS and Windows; rename one "
        "[path-collision]"])


def test_check_reports_an_nfc_nfd_collision(filled: Repo):
    nfc, nfd = (unicodedata.normalize(f, "café") for f in ("NFC", "NFD"))
    for name in (nfc, nfd):
        (filled.root / D / f"{name}.yaml").write_text(f"id: {name}\n")
    code, lines = check_lines(filled)
    assert code == 1
    assert lines == [  # NFD sorts first (e < é), so it is the one kept
        f"{D}{nfd}.yaml:1:1: error: file name `{nfd}` is not a valid ID (a-z, 0-9 and '-', at "
        "most 64 characters); rename the file and its `id:` [invalid-id]",
        f"{D}{nfc}.yaml:1:1: error: `{D}{nfc}.yaml` and `{D}{nfd}.yaml` differ only by case "
        "or Unicode normalisation, so they are one file on macOS and Windows; rename one "
        "[path-collision]",
    ]


# ----------------------------------------------------------------------- symlinks


def test_symlinked_record_is_reported_and_never_edited(filled: Repo, tmp_path):
    outside = tmp_path / "outside.yaml"
    outside.write_text(DEAL)
    (filled.root / DEAL_FILE).unlink()
    (filled.root / DEAL_FILE).symlink_to(outside)
    filled.commit("symlink")
    assert check_lines(filled) == (1, [
        f"{DEAL_FILE}:1:1: error: is a symbolic link; records must be regular files [symlink]"])
    refused(filled, ["deal", "set", "acme-erp", "value=1"], 1,
            f"{DEAL_FILE}:1:1: error: is a symbolic link; records must be regular files "
            "[symlink]; fix the file first (see `salescli check`)")
    assert outside.read_text() == DEAL


def test_symlinked_month_folder_is_reported_and_not_followed(filled: Repo, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "other.yaml").write_text(replaced(DEAL, "acme-erp", "other"))
    (filled.root / "deals" / "2026-11").symlink_to(outside)
    assert check_lines(filled) == (1, [
        "deals/2026-11:1:1: error: is a symbolic link; records and their folders must be "
        "regular files and folders [symlink]"])
    filled.commit("symlinked folder")
    refused(filled, ["deal", "set", "other", "value=1"], 1,
            "no deal 'other' in deals/; see `salescli deal list` for the IDs")


def test_symlinked_template_is_refused(filled: Repo, tmp_path):
    secret = tmp_path / "secret.md.j2"
    secret.write_text("{{ deal.title }}")
    (filled.root / "templates").mkdir(exist_ok=True)
    (filled.root / "templates" / "agenda-valkea.md.j2").symlink_to(secret)
    filled.commit("symlinked template")
    refused(filled, ["agenda", "acme-erp"], 1,
            "templates/agenda-valkea.md.j2 is a symbolic link; salescli renders only regular "
            "files in templates/ (copy the file instead)")

