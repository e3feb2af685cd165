"""Whatever a client sends, the built-in API answers 2xx or 4xx in OpenAI's error shape, never 5xx."""

from __future__ import annotations

from typing import Any

import httpx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.samples import ITEM_SAMPLES

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


def _nested(value: Any, levels: int, in_lists: bool) -> Any:
    for _ in range(levels):
        value = [value] if in_lists else {"a": value}
    return value


# Values nested past what the API accepts (128 levels), and past what parts of it could encode.
deep_values = st.builds(_nested, json_values, st.integers(100, 400), st.booleans())
# Mutations of well-formed items reach deeper into validation than random JSON does.
mutated_items = st.builds(
    lambda sample, key, value: {**sample, key: value},
    st.sampled_from(list(ITEM_SAMPLES.values())),
    st.sampled_from(["type", "id", "status", "content", "role", "output", "action", "call_id", "tools"]),
    json_values | deep_values,
)
# Deep values where the API takes any JSON, so that validation lets them through.
_TOOLS = ITEM_SAMPLES["mcp_list_tools"]
deep_items = st.builds(
    lambda schema: {**_TOOLS, "tools": [{**_TOOLS["tools"][0], "input_schema": schema}]},
    st.builds(_nested, json_values, st.integers(100, 400), st.just(False)),
) | st.builds(lambda arguments: {**ITEM_SAMPLES["tool_search_call"], "arguments": arguments}, deep_values)
bodies = (
    json_values
    | st.fixed_dictionaries({"items": st.lists(mutated_items | deep_items | json_values, max_size=3)})
    | st.fixed_dictionaries({"metadata": json_values})
)
queries = st.dictionaries(
    st.sampled_from(["limit", "order", "after", "include", "include[]", "other"]), st.text(max_size=12), max_size=3
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=bodies, query=queries, method_path=st.sampled_from(["create", "update", "append", "list", "get"]))
async def test_no_input_produces_a_server_error(
    api: httpx.AsyncClient, body: Any, query: dict[str, str], method_path: str
) -> None:
    conversation = (await api.post("/conversations", json={"items": [{"role": "user", "content": "x"}]})).json()
    base = f"/conversations/{conversation['id']}"
    requests = {
        "create": ("POST", "/conversations"),
        "update": ("POST", base),
        "append": ("POST", f"{base}/items"),
        "list": ("GET", f"{base}/items"),
        "get": ("GET", f"{base}/items/msg_x"),
    }
    method, path = requests[method_path]
    response = await api.request(method, path, params=query, json=body if method == "POST" else None)
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"message", "type", "param", "code"}
