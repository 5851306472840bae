"""`form_style: brackets`: nested objects and arrays as Stripe/Rails/PHP form fields, and their decoding.

The executor writes them (`bracket_pairs`, query and form body); the Stripe
emulator (`sandbox.apps.stripe.forms.parse_form`) and the fidelity checker
(`bracket_tree`, `form_object`) read them back into the same objects.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from tests.fidelity.checker import bracket_tree, form_object
from valetkey.catalog.format import HttpSpec
from valetkey.catalog.model import HttpOperation, ParamBinding
from valetkey.execution.request import bracket_pairs, build_request
from valetkey.net.upstream import encode_body
from valetkey.sandbox.apps.stripe.forms import FormError, parse_form

NESTED = {
    "currency": "usd",
    "unit_amount": 900,
    "recurring": {"interval": "month", "interval_count": None},
    "tiers": [{"up_to": 5, "flat": True}, {"up_to": "inf"}],
}


def test_bracket_pairs_nest_objects_index_arrays_and_drop_nones():
    assert bracket_pairs("p", NESTED) == [
        ("p[currency]", "usd"),
        ("p[unit_amount]", "900"),
        ("p[recurring][interval]", "month"),
        ("p[tiers][0][up_to]", "5"),
        ("p[tiers][0][flat]", "true"),
        ("p[tiers][1][up_to]", "inf"),
    ]
    assert bracket_pairs("expand", ["a", "b"]) == [("expand[0]", "a"), ("expand[1]", "b")]
    assert bracket_pairs("name", "x") == [("name", "x")] and bracket_pairs("gone", None) == []


def operation(method: str, form_style: str = "brackets") -> HttpOperation:
    return HttpOperation(
        method,
        "/v1/things",
        params=(ParamBinding("default_payment_method", "body", "invoice_settings[default_payment_method]"),),
        body="form" if method == "POST" else None,
        form_style=form_style,
    )


def test_form_bodies_and_queries_use_brackets_only_when_asked():
    request = build_request(
        operation("POST"),
        "https://api.example.com",
        {"price": {"currency": "usd", "unit_amount": 5}, "types": ["card"], "default_payment_method": "pm_1"},
    )
    assert sorted(request.body) == [
        ("invoice_settings[default_payment_method]", "pm_1"),
        ("price[currency]", "usd"),
        ("price[unit_amount]", "5"),
        ("types[0]", "card"),
    ]
    data, content_type = encode_body(request)
    assert content_type == "application/x-www-form-urlencoded"
    assert parse_qsl(data.decode()) == list(request.body)
    query = build_request(
        operation("GET"), "https://api.example.com", {"created": {"gte": 1, "lt": 9}, "limit": 3}
    )
    assert query.query == (("created[gte]", "1"), ("created[lt]", "9"), ("limit", "3"))
    plain = build_request(operation("GET", "repeat"), "https://api.example.com", {"label": ["a", "b"]})
    assert plain.query == (("label", "a"), ("label", "b"))


def test_the_format_accepts_only_known_styles():
    assert HttpSpec(method="POST", path="/x", body="form", form_style="brackets").form_style == "brackets"
    assert HttpSpec(method="GET", path="/x").form_style == "repeat"
    with pytest.raises(ValueError):
        HttpSpec(method="GET", path="/x", form_style="php")


def test_emulator_and_checker_read_back_what_the_executor_wrote():
    pairs = bracket_pairs("p", NESTED) + [("expand[]", "x"), ("expand[]", "y"), ("name", "n")]
    expected = {
        "p": {
            "currency": "usd",
            "unit_amount": "900",
            "recurring": {"interval": "month"},
            "tiers": [{"up_to": "5", "flat": "true"}, {"up_to": "inf"}],
        },
        "expand": ["x", "y"],
        "name": "n",
    }
    assert parse_form(pairs) == expected
    assert bracket_tree(pairs) == expected
    schema = {
        "type": "object",
        "properties": {
            "p": {
                "type": "object",
                "properties": {
                    "unit_amount": {"type": "integer"},
                    "tiers": {
                        "type": "array",
                        "items": {"type": "object", "properties": {"flat": {"type": "boolean"}}},
                    },
                },
            }
        },
    }
    typed = form_object(schema, pairs)
    assert typed["p"]["unit_amount"] == 900 and typed["p"]["tiers"][0]["flat"] is True


def test_the_emulator_refuses_a_field_that_is_both_value_and_object():
    with pytest.raises(FormError):
        parse_form([("a", "1"), ("a[b]", "2")])
    with pytest.raises(FormError):
        parse_form([("a[b]", "2"), ("a", "1")])
