"""`salescli init`: a new (or adopted) git repository laid out as SPEC §1."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

from salescli.core.errors import SalescliError
from salescli.core.errors import UsageError
from salescli.core.ids import slugify
from salescli.core.model import MODELS
from salescli.core.model import json_schema
from salescli.store.gitio import LOCK_NAME
from salescli.store.gitio import Change
from salescli.store.gitio import git
from salescli.store.hooks import ATTRIBUTES_FILE
from salescli.store.hooks import gitattributes_text
from salescli.store.hooks import register_merge_driver
from salescli.store.repo import KIND_DIRS
from salescli.store.repo import PIPELINES_DIR
from salescli.store.repo import PRODUCTS_FILE
from salescli.store.repo import SETTINGS_FILE
from salescli.store.repo import Repository
from salescli.store.repo import find_git_dir

SCHEMA_DIR = "schemas"
# which files each schema describes, for the YAML language server in VS Code / Neovim
SCHEMA_GLOBS = {
    **{kind: [f"{folder}/*/*.yaml"] for kind, folder in KIND_DIRS.items()},
    "products": [PRODUCTS_FILE],
    "settings": [SETTINGS_FILE],
    "pipeline": [f"{PIPELINES_DIR}/*.yaml"],
}


def presets() -> list[str]:
    folder = resources.files("salescli._presets")
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def preset_text(name: str) -> str:
    if name not in presets():
        raise UsageError(f"unknown preset {name!r}; choose one of: {', '.join(presets())}")
    return resources.files("salescli._presets").joinpath(f"{name}.yaml").read_text("utf-8")


def settings_text(owner: str | Sequence[str] | None, pipeline: str) -> str:
    names = [owner] if isinstance(owner, str) else list(owner or [])
    owners = f"[{', '.join(names)}]"
    return f"""\
# salescli repository settings (see `salescli --help` and the README).
# the seller, as quotes, orders and invoices print it
company:
  name: null
  business_id: null        # e.g. 2345678-9
  vat_number: null         # e.g. FI23456789
  address: null            # {{street: ..., postcode: ..., city: ..., country: ...}} or a line
  email: null
  phone: null
  website: null
  iban: null               # the account invoices are paid to
  bic: null
  offering: null           # what you sell, in a phrase (a first meeting's agenda)
currency: EUR
locale: en_US              # numbers in documents and tables (en_US, fi_FI, sv_SE, de_DE)
default_pipeline: {pipeline}
owners: {owners}
sources: [website, referral, linkedin, event, outbound, partner, inbound]
lost_reasons: [price, budget, timing, no-need, competitor, no-response, requirements, other]
lead_disqualify_reasons: [not-icp, no-need, unreachable, budget-or-tech]
discount_approval_threshold: 15   # percent; a bigger discount awaits an approver
approvers: {{}}              # owner ID: the largest discount they approve, e.g. {{ville: 30}}
lead_first_contact_sla_days: 2
follow_up_days: 14         # an open deal untouched this long shows in `today`
after_sales_days: 90       # a won customer with no activity this long shows in `today` (0: off)
payment_terms_days: 14     # days to pay: an invoice's due date, printed on quotes and orders
# quote.terms: more terms, printed as written (in one language), e.g. "Delivery within 4 weeks"
quote: {{validity_days: 30, numbering: "Q-{{year}}-{{seq:04d}}", terms: null}}
order: {{numbering: "O-{{year}}-{{seq:04d}}"}}   # order confirmations (`salescli order`)
invoice: {{numbering: "{{year}}{{seq:04d}}"}}   # gap-free per year, e.g. 20260001
fx: {{}}                     # rates into `currency`, e.g. {{USD: 0.92}}
"""


PRODUCTS_TEXT = """\
# Price list: quotes and deal values take prices from here.
currency: EUR
products: []
#  - sku: silma-pro
#    name: Silma.io Pro
#    unit: month
#    unit_price: 300.00
#    tax_rate: 25.5
#    tiers:                # volume pricing: the highest tier whose min <= quantity
#      - {min: 10, unit_price: 270.00}
"""


def vscode_settings(existing: str | None) -> str | None:
    """settings.json with the schema mapping added; None if the file is not plain JSON."""
    try:
        data = json.loads(existing) if existing else {}
    except json.JSONDecodeError:  # VS Code allows comments; we never rewrite those files
        return None
    schemas = data.setdefault("yaml.schemas", {})
    for kind, globs in SCHEMA_GLOBS.items():
        schemas[f"./{SCHEMA_DIR}/{kind}.schema.json"] = globs
    return json.dumps(data, indent=2) + "\n"


def init_files(directory: Path, preset: str = "default",
               owners: str | Sequence[str] | None = None,
               warn: Callable[[str], None] = lambda _: None) -> dict[str, str]:
    """What `init` writes into `directory` (relative path -> text), without writing it.

    An adopted repository keeps its own pipeline, price list and folders; the demo
    generator commits exactly these files as its first commit.
    """
    pipeline = preset_text(preset)
    files: dict[str, str] = {SETTINGS_FILE: settings_text(owners, preset)}
    # an adopted repository keeps its own pipeline and price list
    for rel, text in ((f"{PIPELINES_DIR}/{preset}.yaml", pipeline), (PRODUCTS_FILE, PRODUCTS_TEXT)):
        if not (directory / rel).exists():
            files[rel] = text
    for kind in MODELS:
        files[f"{SCHEMA_DIR}/{kind}.schema.json"] = json.dumps(json_schema(kind), indent=2) + "\n"
    vscode = directory / ".vscode" / "settings.json"
    merged = vscode_settings(vscode.read_text("utf-8") if vscode.exists() else None)
    if merged is None:
        warn("warning: .vscode/settings.json is not plain JSON (comments?); left as it was. "
             "Add the \"yaml.schemas\" mapping from `salescli schema` by hand.")
    else:
        files[".vscode/settings.json"] = merged
    attributes = directory / ATTRIBUTES_FILE
    merged_attributes = gitattributes_text(
        attributes.read_text("utf-8") if attributes.exists() else None)
    if merged_attributes is not None:  # an adopted repository keeps its own lines too
        files[ATTRIBUTES_FILE] = merged_attributes
    for folder in (*KIND_DIRS.values(), "templates", "quotes"):
        if not (directory / folder).exists():
            files[f"{folder}/.gitkeep"] = ""
    return files


def init_repository(directory: Path, preset: str = "default",
                    warn: Callable[[str], None] = lambda _: None) -> Path:
    """Create or adopt `directory` as a pipeline repository, in one commit.

    Also registers the record merge driver in the repository's git config.
    """
    preset_text(preset)  # an unknown preset is refused before anything is created
    directory = directory.resolve()
    if (directory / SETTINGS_FILE).exists():
        raise SalescliError(
            f"{directory / SETTINGS_FILE} already exists; this is already a salescli repository"
        )
    # what a failed init takes away again: the folders it makes, the repository it
    # creates; an adopted repository keeps everything it had
    made = [p for p in (directory, *directory.parents) if not p.exists()]
    directory.mkdir(parents=True, exist_ok=True)
    created_git = False
    lock: Path | None = None  # the lock file, if this command makes it
    folders: list[Path] = []
    try:
        try:
            find_git_dir(directory)
        except SalescliError:
            git(directory, "init", "-q")
            created_git = True
        lock = find_git_dir(directory) / LOCK_NAME
        lock = None if lock.exists() else lock
        from salescli.services.edit import author_name

        user = author_name(directory)  # GIT_AUTHOR_NAME, else user.name, as commits take
        owner = (slugify(user.split()[0]) or None) if user else None
        files = init_files(directory, preset, owner, warn)
        folders = sorted({p for rel in files for p in (directory / rel).parents
                          if directory in p.parents and not p.exists()},
                         key=lambda p: len(p.parts), reverse=True)  # deepest first

        repo = Repository(directory)
        with Change(repo, "repo", slugify(directory.name, fallback="repo"),
                    f"init with preset {preset}",
                    "init") as change:
            for rel, text in files.items():
                change.write(directory / rel, text)
        register_merge_driver(directory)  # the .gitattributes lines name it; this clone runs it
    except BaseException:
        # Change has put the files back; what else init made goes too
        if made:
            shutil.rmtree(made[-1], ignore_errors=True)  # the topmost folder init made
        else:
            for folder in folders:
                _remove_empty(folder)
            if created_git:
                shutil.rmtree(directory / ".git", ignore_errors=True)
            elif lock:
                lock.unlink(missing_ok=True)
        raise
    return directory


def _remove_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:  # not empty (the user's own files) or already gone: left alone
        pass
