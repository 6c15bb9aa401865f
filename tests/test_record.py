"""core.record: every problem of a record's data in one run, in salescli's words."""

import datetime as dt
from decimal import Decimal

import pytest

from salescli.core.model import Deal
from salescli.core.model import Pipeline
from salescli.core.model import Settings
from salescli.core.model import json_schema
from salescli.core.record import ValidationError
from salescli.core.record import validate

DEAL = {"id": "acme-erp", "title": "ERP", "account": "acme", "created": dt.date(2026, 1, 5)}


def problems(cls, data) -> list[tuple[str, str]]:
    from salescli.core.record import dotted

    return [(dotted(p.loc), p.message) for p in validate(cls, data)[1]]


def test_every_problem_is_told_with_the_index_as_written():
    # msgspec stops at the first problem; each part at fault is cut and the rest read
    # again, so a later element keeps its own index, not the one it has after a cut
    record, found = validate(Deal, {**DEAL, "items": [
        {"product": "a"},
        {"product": "b", "quantity": "6", "discount": 120},
        {"quantity": 2},
        {"name": "z", "unit_price": 5},
    ], "probability": 120, "forecast": "maybe"})
    assert [(tuple(p.loc), p.message) for p in found] == [
        (("items", 1, "quantity"), "expected a number, not the text '6' (remove the quotes)"),
        (("items", 1, "discount"), "should be less than or equal to 100"),
        (("items", 2), "an item needs a `product` (a price list SKU) or a `name`"),
        (("probability",), "should be less than or equal to 100"),
        (("forecast",), "should be 'commit', 'best-case', 'pipeline' or 'omit'"),
    ]
    # the record without its broken parts, for the checks across files
    assert [i.product or i.name for i in record.items] == ["a", "z"]
    assert record.probability is None


def test_a_missing_key_is_told_once_and_every_missing_key_at_once():
    assert problems(Deal, {"title": 3}) == [
        ("title", "expected text"),
        ("id", "missing required key `id`"),
        ("account", "missing required key `account`"),
        ("created", "missing required key `created`"),
    ]
    found = problems(Deal, {**DEAL, "invoices": [{"number": "1", "total": "12"}]})
    assert found[0] == ("invoices[0].total",
                        "expected a number, not the text '12' (remove the quotes)")
    assert [f[0] for f in found[1:]] == [f"invoices[0].{k}" for k in
                                        ("date", "due", "vat", "currency", "file", "sha256")]


def test_a_list_emptied_by_its_own_problems_is_not_told_again():
    stage = {"id": "a", "probability": 5, "checklist": ["x"], "checklists": {"fi": []}}
    record, found = validate(Pipeline, {"name": "p", "stages": [stage]})
    assert record is None
    assert [(tuple(p.loc), p.message) for p in found] == [
        (("stages", 0), "checklists.fi has 0 items; it translates checklist item for item (1)")]


@pytest.mark.parametrize("data,expected", [
    ({"custom_fields": {"deal": {"Seats": {"type": "number"}}}},
     ("custom_fields.deal.Seats", "'Seats' is not a field name (a-z, 0-9 and '_', starting "
                                  "with a letter)")),
    ({"fx": {"usd": 1.1}}, ("fx.usd", "'usd' is not a 3-letter currency code such as EUR")),
    ({"approvers": {"ville": "30"}},
     ("approvers.ville", "expected a number, not the text '30' (remove the quotes)")),
    ({"payment_terms_days": 400}, ("payment_terms_days", "should be less than or equal to 365")),
    ({"default_pipeline": "Main"},
     ("default_pipeline", "'Main' is not a valid ID (a-z, 0-9 and '-', at most 64 "
                          "characters)")),
])
def test_keys_and_values_of_mappings_are_named(data, expected):
    assert problems(Settings, data) == [expected]


@pytest.mark.parametrize("value,message", [
    ("2026-02-30", "'2026-02-30' is not a real date YYYY-MM-DD"),
    ("soon", "expected a date YYYY-MM-DD"),
    (dt.datetime(2026, 1, 1, 9), "expected a date YYYY-MM-DD, not a date and time"),
    (20260101, "expected a date YYYY-MM-DD"),
])
def test_dates(value, message):
    assert problems(Deal, {**DEAL, "close_date": value}) == [("close_date", message)]


def test_amounts_are_exact_and_numbers_only():
    record, found = validate(Deal, {**DEAL, "value": 0.1, "items": [
        {"name": "x", "unit_price": 19.99, "quantity": 3}]})
    assert not found
    assert record.value == Decimal("0.1") and str(record.items[0].unit_price) == "19.99"
    assert record.model_dump()["value"].__class__ is Decimal  # plain Decimals for output
    for bad, message in ((True, "expected a number"), (1.234, "at most 2 decimals"),
                         (-1, "-1 is negative; expected 0 or more"),
                         (10 ** 12, "should be less than 1,000,000,000,000"),
                         (float("nan"), "expected a finite number")):
        assert problems(Deal, {**DEAL, "value": bad}) == [("value", message)]


def test_unknown_keys_are_kept_and_given_keys_known():
    record, found = validate(Deal, {**DEAL, "competitor": "Rival", "items": [
        {"product": "a", "billing": "monthly"}, {"product": "b"}]})
    assert not found
    assert record.model_extra == {"competitor": "Rival"}
    assert record.model_dump()["competitor"] == "Rival"
    assert "billing" in record.items[0].model_fields_set
    assert "billing" not in record.items[1].model_fields_set
    copy = record.model_copy(update={"stage": "proposal"})
    assert copy.stage == "proposal" and copy.model_extra == {"competitor": "Rival"}


def test_model_validate_raises_the_first_problem_as_a_value_error():
    with pytest.raises(ValidationError) as err:
        Deal.model_validate({**DEAL, "status": "maybe"})
    assert isinstance(err.value, ValueError)
    assert str(err.value) == "status: should be 'open', 'won' or 'lost'"


def test_the_json_schema_carries_the_amounts_and_the_custom_fields():
    schema = json_schema("deal")
    assert schema["properties"]["value"]["anyOf"][0] == {
        "type": "number", "minimum": 0, "exclusiveMaximum": 1e12, "multipleOf": 0.01}
    assert set(schema["required"]) == {"id", "title", "account", "created"}
    assert schema["properties"]["activities"]["items"] == {"$ref": "#/$defs/Activity"}
    assert "with" in schema["$defs"]["Activity"]["properties"]


def test_a_pattern_refuses_a_trailing_newline():
    # Python's `$` matches before a final newline; an ID or currency never ends in one
    assert problems(Deal, {**DEAL, "currency": "EUR\n", "stage": "qualify\n"}) == [
        ("currency", "'EUR\\n' is not a 3-letter currency code such as EUR"),
        ("stage", "'qualify\\n' is not a valid ID (a-z, 0-9 and '-', at most 64 characters)"),
    ]
    assert "\\Z" not in str(json_schema("deal"))  # editors read JSON Schema's `$`


def test_missing_keys_are_told_after_a_bad_one_and_no_check_of_a_cut_record():
    assert problems(Deal, {"id": "d1", "title": 5}) == [
        ("title", "expected text"),
        ("account", "missing required key `account`"),
        ("created", "missing required key `created`")]
    # the item's own check ("needs a unit_price") would only repeat the price's problem
    assert problems(Deal, {**DEAL, "items": [{"name": "y", "unit_price": -1}]}) == [
        ("items[0].unit_price", "-1 is negative; expected 0 or more")]


def test_many_bad_elements_are_each_told_in_one_look():
    record, found = validate(Deal, {**DEAL, "items": [5] * 600 + [{"name": "x",
                                                                    "unit_price": 1}]})
    assert len(found) == 600 and found[-1].loc == ("items", 599)
    assert [i.name for i in record.items] == ["x"]


def test_a_deep_copy_keeps_unknown_keys_and_amounts_write_as_yaml():
    from salescli.store.yamlio import dump_new

    record, _ = validate(Deal, {**DEAL, "value": 1.5, "next_step": {"action": "a", "nn": 2}})
    copy = record.model_copy(deep=True)
    assert copy.next_step.model_extra == {"nn": 2} and copy.next_step is not record.next_step
    assert dump_new({"value": record.value}) == "value: 1.5\n"
