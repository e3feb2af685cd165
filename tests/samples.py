"""One item of each of the 29 upstream item types, in the form a client writes it.

Every field the type has is given, so reading the item back shows whether any was lost.
``SDK_CLASSES`` names the class of the official SDK each must parse into.
"""

from __future__ import annotations

from typing import Any

__all__ = ["ITEM_SAMPLES", "SDK_CLASSES"]

_TEXT_PARTS: list[dict[str, Any]] = [
    {
        "type": "input_text",
        "text": "Here is the file.",
        "prompt_cache_breakpoint": {"mode": "explicit", "ttl": "30m"},
    },
    {"type": "input_image", "detail": "high", "image_url": "https://example.com/cat.png"},
    {"type": "input_file", "file_id": "file_abc", "filename": "report.pdf", "detail": "auto"},
]

ITEM_SAMPLES: dict[str, dict[str, Any]] = {
    "message": {
        "type": "message",
        "role": "assistant",
        "status": "completed",
        "phase": "final_answer",
        "content": [
            {
                "type": "output_text",
                "text": "Paris is the capital of France.",
                "annotations": [
                    {
                        "type": "url_citation",
                        "url": "https://example.com/paris",
                        "title": "Paris",
                        "start_index": 0,
                        "end_index": 5,
                    },
                    {"type": "file_citation", "file_id": "file_1", "filename": "atlas.pdf", "index": 3},
                    {
                        "type": "container_file_citation",
                        "container_id": "cntr_1",
                        "file_id": "file_2",
                        "filename": "data.csv",
                        "start_index": 1,
                        "end_index": 4,
                    },
                    {"type": "file_path", "file_id": "file_3", "index": 7},
                ],
                "logprobs": [
                    {
                        "token": "Paris",
                        "bytes": [80, 97, 114, 105, 115],
                        "logprob": -0.01,
                        "top_logprobs": [{"token": "Paris", "bytes": [80, 97, 114, 105, 115], "logprob": -0.01}],
                    }
                ],
            },
            {"type": "refusal", "refusal": "I won't share that."},
        ],
    },
    "function_call": {
        "type": "function_call",
        "call_id": "call_weather",
        "name": "get_weather",
        "arguments": '{"city": "Paris"}',
        "status": "completed",
        "namespace": "weather",
        "caller": {"type": "program", "caller_id": "prg_1"},
    },
    "function_call_output": {
        "type": "function_call_output",
        "call_id": "call_weather",
        "output": '{"temperature": 21}',
        "status": "completed",
    },
    "file_search_call": {
        "type": "file_search_call",
        "queries": ["capital of France"],
        "status": "completed",
        "results": [
            {
                "file_id": "file_1",
                "filename": "atlas.pdf",
                "score": 0.93,
                "text": "Paris ...",
                "attributes": {"page": 3.0, "public": True, "lang": "en"},
            }
        ],
    },
    "web_search_call": {
        "type": "web_search_call",
        "status": "completed",
        "action": {
            "type": "search",
            "query": "capital of France",
            "queries": ["capital of France", "Paris"],
            "sources": [{"type": "url", "url": "https://example.com/paris"}],
        },
    },
    "image_generation_call": {
        "type": "image_generation_call",
        "status": "completed",
        "result": "aGVsbG8=",
        "action": "generate",
        "background": "opaque",
        "output_format": "png",
        "quality": "high",
        "size": "1024x1024",
        "revised_prompt": "A cat on a mat",
    },
    "computer_call": {
        "type": "computer_call",
        "call_id": "call_cu",
        "status": "completed",
        "pending_safety_checks": [{"id": "sc_1", "code": "malicious_instructions", "message": "Check this."}],
        "action": {"type": "click", "button": "left", "x": 10, "y": 20, "keys": ["shift"]},
        "actions": [
            {"type": "double_click", "x": 1, "y": 2, "keys": None},
            {"type": "drag", "path": [{"x": 1, "y": 1}, {"x": 5, "y": 5}]},
            {"type": "keypress", "keys": ["ctrl", "c"]},
            {"type": "move", "x": 3, "y": 4},
            {"type": "screenshot"},
            {"type": "scroll", "x": 0, "y": 0, "scroll_x": 0, "scroll_y": 300},
            {"type": "type", "text": "hello"},
            {"type": "wait"},
        ],
    },
    "computer_call_output": {
        "type": "computer_call_output",
        "call_id": "call_cu",
        "status": "completed",
        "output": {
            "type": "computer_screenshot",
            "image_url": "https://example.com/screen.png",
            "file_id": "file_s",
        },
        "acknowledged_safety_checks": [{"id": "sc_1", "code": "malicious_instructions", "message": "Check this."}],
    },
    "tool_search_call": {
        "type": "tool_search_call",
        "call_id": "call_ts",
        "execution": "client",
        "status": "completed",
        "arguments": {"query": "weather tools"},
    },
    "tool_search_output": {
        "type": "tool_search_output",
        "call_id": "call_ts",
        "execution": "client",
        "status": "completed",
        "tools": [
            {
                "type": "function",
                "name": "get_weather",
                "description": "Weather by city",
                "parameters": {"type": "object"},
                "strict": True,
            }
        ],
    },
    "additional_tools": {
        "type": "additional_tools",
        "role": "developer",
        "tools": [
            {
                "type": "function",
                "name": "lookup",
                "parameters": {"type": "object", "properties": {}},
                "strict": False,
            },
            {"type": "mcp", "server_label": "docs", "server_url": "https://mcp.example.com"},
        ],
    },
    "configuration_update": {
        "type": "configuration_update",
        "reasoning": {"effort": "high"},
        "text": {"format": {"type": "json_schema", "name": "answer", "schema": {"type": "object"}, "strict": True}},
    },
    "reasoning": {
        "type": "reasoning",
        "summary": [{"type": "summary_text", "text": "Looked up the capital."}],
        "content": [{"type": "reasoning_text", "text": "France -> Paris."}],
        "encrypted_content": "gAAAAB-encrypted",
        "status": "completed",
    },
    "program": {"type": "program", "call_id": "call_prg", "code": "return 1 + 1;", "fingerprint": "fp_123"},
    "program_output": {"type": "program_output", "call_id": "call_prg", "result": "2", "status": "completed"},
    "compaction": {"type": "compaction", "encrypted_content": "gAAAAB-compacted"},
    "code_interpreter_call": {
        "type": "code_interpreter_call",
        "container_id": "cntr_1",
        "code": "print(1 + 1)",
        "status": "completed",
        "outputs": [
            {"type": "logs", "logs": "2\n"},
            {"type": "image", "url": "https://example.com/plot.png"},
        ],
    },
    "local_shell_call": {
        "type": "local_shell_call",
        "call_id": "call_ls",
        "status": "completed",
        "action": {
            "type": "exec",
            "command": ["ls", "-la"],
            "env": {"LANG": "C"},
            "timeout_ms": 1000,
            "user": "me",
            "working_directory": "/tmp",
        },
    },
    "local_shell_call_output": {
        "type": "local_shell_call_output",
        "id": "call_ls",
        "output": '{"stdout": "a b"}',
        "status": "completed",
    },
    "shell_call": {
        "type": "shell_call",
        "call_id": "call_sh",
        "status": "completed",
        "action": {"commands": ["echo hi"], "timeout_ms": 500, "max_output_length": 1000},
        "environment": {"type": "container_reference", "container_id": "cntr_1"},
        "caller": {"type": "direct"},
    },
    "shell_call_output": {
        "type": "shell_call_output",
        "call_id": "call_sh",
        "status": "completed",
        "max_output_length": 1000,
        "output": [
            {"stdout": "hi\n", "stderr": "", "outcome": {"type": "exit", "exit_code": 0}},
            {"stdout": "", "stderr": "slow", "outcome": {"type": "timeout"}},
        ],
    },
    "apply_patch_call": {
        "type": "apply_patch_call",
        "call_id": "call_ap",
        "status": "completed",
        "operation": {"type": "update_file", "path": "app.py", "diff": "@@ -1 +1 @@\n-a\n+b\n"},
    },
    "apply_patch_call_output": {
        "type": "apply_patch_call_output",
        "call_id": "call_ap",
        "status": "completed",
        "output": "patched",
    },
    "mcp_list_tools": {
        "type": "mcp_list_tools",
        "server_label": "docs",
        "tools": [
            {
                "name": "search",
                "input_schema": {"type": "object"},
                "description": "Search the docs",
                "annotations": {"readOnly": True},
            }
        ],
        "error": None,
    },
    "mcp_approval_request": {
        "type": "mcp_approval_request",
        "server_label": "docs",
        "name": "delete_page",
        "arguments": '{"page": 1}',
    },
    "mcp_approval_response": {
        "type": "mcp_approval_response",
        "approval_request_id": "mcpr_1",
        "approve": False,
        "reason": "Not today.",
    },
    "mcp_call": {
        "type": "mcp_call",
        "server_label": "docs",
        "name": "search",
        "arguments": '{"q": "paris"}',
        "output": "3 results",
        "status": "completed",
        "approval_request_id": "mcpr_1",
        "error": {"type": "http_error", "code": 502, "message": "Bad gateway"},
    },
    "custom_tool_call": {
        "type": "custom_tool_call",
        "call_id": "call_ct",
        "name": "sql",
        "input": "SELECT 1",
        "namespace": "db",
    },
    "custom_tool_call_output": {
        "type": "custom_tool_call_output",
        "call_id": "call_ct",
        "output": [{"type": "input_text", "text": "1"}, *_TEXT_PARTS[1:]],
    },
}

SDK_CLASSES: dict[str, str] = {
    "message": "Message",
    "function_call": "ResponseFunctionToolCallItem",
    "function_call_output": "ResponseFunctionToolCallOutputItem",
    "file_search_call": "ResponseFileSearchToolCall",
    "web_search_call": "ResponseFunctionWebSearch",
    "image_generation_call": "ImageGenerationCall",
    "computer_call": "ResponseComputerToolCall",
    "computer_call_output": "ResponseComputerToolCallOutputItem",
    "tool_search_call": "ResponseToolSearchCall",
    "tool_search_output": "ResponseToolSearchOutputItem",
    "additional_tools": "AdditionalTools",
    "configuration_update": "ResponseConfigurationUpdateItem",
    "reasoning": "ResponseReasoningItem",
    "program": "Program",
    "program_output": "ProgramOutput",
    "compaction": "ResponseCompactionItem",
    "code_interpreter_call": "ResponseCodeInterpreterToolCall",
    "local_shell_call": "LocalShellCall",
    "local_shell_call_output": "LocalShellCallOutput",
    "shell_call": "ResponseFunctionShellToolCall",
    "shell_call_output": "ResponseFunctionShellToolCallOutput",
    "apply_patch_call": "ResponseApplyPatchToolCall",
    "apply_patch_call_output": "ResponseApplyPatchToolCallOutput",
    "mcp_list_tools": "McpListTools",
    "mcp_approval_request": "McpApprovalRequest",
    "mcp_approval_response": "McpApprovalResponse",
    "mcp_call": "McpCall",
    "custom_tool_call": "ResponseCustomToolCall",
    "custom_tool_call_output": "ResponseCustomToolCallOutput",
}
