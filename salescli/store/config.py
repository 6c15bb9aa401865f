"""The settings and pipelines as plain data, cached under .git/ by the files' stat.

Reports, `today` and `stale` read a few values of the configuration; validating the
settings and pipelines costs more than those commands need, so an unchanged
configuration is read from `.git/salescli/config.cache`; `check` validates it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from salescli.store.runtime import FRESH_NS
from salescli.store.runtime import load_cache
from salescli.store.runtime import save_cache

# 5: discount_approval_threshold, approvers, checklists; 6: after_sales_days;
# 7: quote.validity_days; 8: what is wrong with it (warned of each time)
CACHE_VERSION = 9


def config_of(repo: Any, warn: Callable[[str], None]) -> Any:
    """The Config of `repo`. A pipeline that cannot be read is an error where an answer
    needs its stages (Config.broken), and no noise where none does."""
    from salescli.core.plain import Config
    from salescli.store.repo import PRODUCTS_FILE

    (currency, default, fx, sla, follow_up, stages, owners, sources, threshold, approvers,
     checklists, after_sales, validity, _, _, wrong) = _cached(repo, warn)

    def products() -> Any:
        return repo.products if (repo.root / PRODUCTS_FILE).exists() else None

    return Config(currency=currency, default_pipeline=default,
                  fx={k: Decimal(v) for k, v in fx.items()}, sla_days=sla,
                  follow_up_days=follow_up,
                  stages={name: [(s, Decimal(p)) for s, p, _ in st] for name, st in stages.items()},
                  max_days={name: {s: m for s, _, m in st if m} for name, st in stages.items()},
                  owners=owners, sources=sources, products_loader=products,
                  approval_threshold=Decimal(threshold),
                  approvers={k: Decimal(v) for k, v in approvers.items()},
                  checklists=checklists, after_sales_days=after_sales,
                  quote_validity_days=validity,
                  broken={name: message for message, name in wrong if name})


def config_key(repo: Any, warn: Callable[[str], None]) -> tuple:
    """The configuration as plain data, from the same cache: what an answer worked out
    with it is kept by (`Index.memo`)."""
    return _cached(repo, warn)


def style_of(repo: Any, warn: Callable[[str], None]) -> Any:
    """Only the settings' locale as tables show numbers (`l10n.Style`), from the same
    cache: what a listing needs, without building the whole Config."""
    from salescli.core.l10n import Style

    return Style(_cached(repo, warn)[-2])


def _cached(repo: Any, warn: Callable[[str], None]) -> tuple:
    """The plain configuration tuple, from the cache while the files are unchanged.
    What is wrong with the settings is warned of every time: a cache must not silence
    it (a broken pipeline is Config.broken's)."""
    from salescli.store.repo import SETTINGS_FILE

    files = [repo.root / SETTINGS_FILE, *repo.pipeline_paths()]
    stamp: list[Any] = [CACHE_VERSION]
    for path in files:
        try:  # a dangling link among the pipelines is that pipeline's problem alone
            st = os.lstat(path)
        except OSError:
            stamp.append((path.name,))
            continue
        stamp.append((path.name, st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns))
    cache = repo.state_dir / "config.cache"
    try:
        saved, plain = load_cache(cache)
        if saved != stamp:
            plain = None
    except (ValueError, TypeError):
        plain = None
    if plain is None:
        plain = _plain_config(repo)
        # git's racily clean rule: a file changed this instant could change again
        # within the same clock tick, same size; such a stamp is not trusted to a cache
        fresh = time.time_ns() - FRESH_NS
        if all(len(s) == 1 or max(s[1], s[4]) < fresh for s in stamp[1:]):
            save_cache(cache, (stamp, plain))
    for message, pipeline in plain[-1]:
        if pipeline is None:
            warn(f"warning: {message}")
    return plain


def _plain_config(repo: Any) -> tuple:
    from salescli.core import l10n
    from salescli.core.errors import SalescliError

    settings = repo.settings
    stages, checklists = {}, {}
    wrong: list[tuple[str, str | None]] = []  # (message, the pipeline it is of)
    for path in repo.pipeline_paths():
        try:
            pipe = repo.pipeline(path.stem)
        except SalescliError as err:  # left out: warned of, or the error
            wrong.append((str(err), path.stem))
            continue
        stages[path.stem] = [(s.id, str(s.probability), s.max_days) for s in pipe.stages]
        checklists[path.stem] = {s.id: list(s.checklist) for s in pipe.stages if s.checklist}
    # the locale's symbols and patterns, taken from Babel once: tables then need no Babel
    currencies = [settings.currency, *settings.fx]
    try:
        style = l10n.style_data(settings.locale, currencies)
    except SalescliError as err:  # documents refuse the locale; a table still prints
        wrong.append((f"{err}; tables show numbers as en_US does", None))
        style = l10n.style_data("en_US", currencies)
    # the custom fields, only as a key: what a listing of them is kept by
    custom = {kind: {name: [f.type, list(f.choices), f.label]
                     for name, f in getattr(settings.custom_fields, kind).items()}
              for kind in ("account", "lead", "deal")}
    return (settings.currency, settings.default_pipeline,
            {k: str(v) for k, v in settings.fx.items()}, settings.lead_first_contact_sla_days,
            settings.follow_up_days, stages, list(settings.owners), list(settings.sources),
            str(settings.discount_approval_threshold),
            {k: str(v) for k, v in settings.approvers.items()}, checklists,
            settings.after_sales_days, settings.quote.validity_days, custom, style, wrong)
