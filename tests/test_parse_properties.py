"""Unknown, missing or ill-typed fields in engine JSON never crash the parser."""

from __future__ import annotations

import copy
from typing import Any

from fakes import captured_containers, load
from hypothesis import given, settings
from hypothesis import strategies as st

from tui.core.parse import (
    parse_container,
    parse_container_summary,
    parse_event,
    parse_network,
)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
PARSERS = (parse_container, parse_container_summary, parse_network, parse_event)
DOCS = (
    captured_containers()
    + load("list_containers.json")
    + load("networks/list.json")
    + load("events.json")
)


def _paths(doc: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(doc, dict):
        for key, value in doc.items():
            found.extend(_paths(value, (*prefix, key)))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            found.extend(_paths(value, (*prefix, index)))
    return found


@given(json_values)
def test_any_json_value_parses_or_yields_none(value):
    for parse in PARSERS:
        parse(value)


@settings(max_examples=300)
@given(st.data())
def test_real_documents_with_a_field_replaced_or_removed(data):
    doc = copy.deepcopy(data.draw(st.sampled_from(DOCS)))
    path = data.draw(st.sampled_from(_paths(doc)))
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    if data.draw(st.booleans()) and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = data.draw(json_values)
    for parse in PARSERS:
        parse(doc)
