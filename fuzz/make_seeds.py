#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (fuzz/corpus/<target>/) from the repository's golden files,
examples and a few realistic inputs written here. Bedrock event-stream frames are encoded with their
real CRC32s (zlib.crc32 is the CRC-32 the format uses). Re-run after changing it:
    python3 fuzz/make_seeds.py
"""
import json
import os
import shutil
import struct
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")
GOLDEN = os.path.join(ROOT, "tests", "unit", "golden")


def put(target, name, data):
    os.makedirs(os.path.join(CORPUS, target), exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(CORPUS, target, name), "wb") as out:
        out.write(data)


def golden(folder, name):
    with open(os.path.join(GOLDEN, folder, name), "rb") as f:
        return f.read()


def copy(target, path, name=None):
    with open(os.path.join(ROOT, path), "rb") as f:
        put(target, name or os.path.basename(path), f.read())


def sse(events):
    return "".join(f"data: {json.dumps(e, separators=(',', ':'))}\n\n" for e in events)


def named_sse(events):
    return "".join(f"event: {e['type']}\ndata: {json.dumps(e, separators=(',', ':'))}\n\n" for e in events)


# ---------------------------------------------------------------- client requests (HTTP)
CHAT = json.dumps({"model": "chat", "messages": [{"role": "user", "content": "Hello"}], "stream": True})
MESSAGES = json.dumps({"model": "claude", "max_tokens": 256, "messages": [{"role": "user", "content": "Hi"}]})


def request(method, target, headers, body=b""):
    if isinstance(body, str):
        body = body.encode()
    head = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return head.encode() + body


put("http_request", "chat_completions",
    request("POST", "/v1/chat/completions",
            [("Host", "localhost:8080"), ("Authorization", "Bearer sk-x"), ("Content-Type", "application/json"),
             ("Content-Length", str(len(CHAT)))], CHAT))
put("http_request", "messages_chunked",
    request("POST", "/v1/messages",
            [("Host", "localhost"), ("x-api-key", "k"), ("anthropic-version", "2023-06-01"),
             ("Content-Type", "application/json"), ("Transfer-Encoding", "chunked")],
            f"{len(MESSAGES):x}\r\n{MESSAGES}\r\n0\r\n\r\n"))
put("http_request", "pipelined_gets",
    request("GET", "/healthz", [("Host", "localhost")]) + request("GET", "/v1/models", [("Host", "localhost")]) +
    request("GET", "/admin/targets", [("Host", "localhost"), ("Connection", "close")]))
put("http_request", "expect_continue",
    request("POST", "/v1/chat/completions",
            [("Host", "localhost"), ("Expect", "100-continue"), ("Content-Length", str(len(CHAT)))], CHAT))
put("http_request", "absolute_form",
    request("POST", "http://localhost:8080/v1/chat/completions?x=1",
            [("Host", "localhost:8080"), ("Content-Length", "2")], "{}"))
put("http_request", "smuggling_cl_te",
    request("POST", "/v1/chat/completions",
            [("Host", "localhost"), ("Content-Length", "4"), ("Transfer-Encoding", "chunked")],
            "0\r\n\r\nGET /admin/targets HTTP/1.1\r\nHost: localhost\r\n\r\n"))
put("http_request", "http10_keepalive",
    b"GET /readyz HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /healthz HTTP/1.0\r\n\r\n")

# ---------------------------------------------------------------- body probe and client surfaces
OPENAI_TOOLS = {
    "model": "chat", "stream": True, "stream_options": {"include_usage": True}, "temperature": 0.2,
    "top_p": 0.9, "max_tokens": 512, "stop": ["\n\n"], "user": "u-1", "parallel_tool_calls": False,
    "messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"},
                                     {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]},
        {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "18C, sunny"},
    ],
    "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather now",
                                                 "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}}],
    "tool_choice": {"type": "function", "function": {"name": "get_weather"}},
}
OPENAI_SCHEMA = {
    "model": "chat", "messages": [{"role": "developer", "content": "JSON only"}, {"role": "user", "content": "Name a city"}],
    "response_format": {"type": "json_schema", "json_schema": {"name": "city", "schema": {"type": "object"}}},
}
for target in ("json_probe", "openai_surface"):
    put(target, "simple.json", CHAT)
    put(target, "tools.json", json.dumps(OPENAI_TOOLS))
    put(target, "json_schema.json", json.dumps(OPENAI_SCHEMA))
for name in ("text_basic", "tools", "images", "json_schema", "system_multiturn", "dropped_params"):
    put("openai_surface", f"{name}.openai.json", golden("openai_translation", f"{name}.openai.json"))
put("json_probe", "escaped_model.json", '{"model":"ch\\u0061t","stream":false,"messages":[]}')
put("json_probe", "deep.json", '{"model":"m","x":' + "[" * 40 + "]" * 40 + "}")
put("json_probe", "numbers.json", '{"model":"m","temperature":1e308,"n":-0,"top_p":0.5e-3}')

ANTHROPIC_TOOLS = {
    "model": "claude", "max_tokens": 1024, "stream": True, "system": [{"type": "text", "text": "Be brief."}],
    "temperature": 0.5, "top_k": 40, "stop_sequences": ["END"], "metadata": {"user_id": "u-1"},
    "messages": [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": [{"type": "text", "text": "Checking."},
                                          {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"city": "Paris"}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": [{"type": "text", "text": "18C"}]},
                                     {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}}]},
    ],
    "tools": [{"name": "get_weather", "description": "Weather now", "input_schema": {"type": "object"}}],
    "tool_choice": {"type": "tool", "name": "get_weather"},
}
put("anthropic_surface", "simple.json", MESSAGES)
put("anthropic_surface", "tools.json", json.dumps(ANTHROPIC_TOOLS))
put("anthropic_surface", "prefill.json", json.dumps(
    {"model": "claude", "max_tokens": 64, "messages": [{"role": "user", "content": "Count"}, {"role": "assistant", "content": "1, 2,"}]}))
for name in ("text_request", "tools_request"):
    put("anthropic_surface", f"{name}.client.json", golden("anthropic", f"{name}.client.json"))

# ---------------------------------------------------------------- providers: answers, errors, streams
for name in ("text", "tool_calls", "refusal", "length_vllm"):
    put("openai_provider", f"{name}.response.json", golden("openai_translation", f"{name}.response.json"))
for name in ("text", "tool_calls", "vllm"):
    put("openai_provider", f"{name}.upstream.sse", golden("openai_translation", f"{name}.upstream.sse"))
put("openai_provider", "error.json", json.dumps(
    {"error": {"message": "This model's maximum context length is 8192 tokens.", "type": "invalid_request_error",
               "param": "messages", "code": "context_length_exceeded"}}))
put("openai_provider", "error_in_stream.sse", sse([
    {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m",
     "choices": [{"index": 0, "delta": {"role": "assistant", "content": "Hi"}, "finish_reason": None}]},
    {"error": {"message": "overloaded", "type": "server_error", "code": 503}}]))
put("openai_provider", "html_502.txt", "<html><body><h1>502 Bad Gateway</h1></body></html>\n")

put("anthropic_provider", "message_response.upstream.json", golden("anthropic", "message_response.upstream.json"))
put("anthropic_provider", "tools_stream.upstream.sse", golden("anthropic", "tools_stream.upstream.sse"))
put("anthropic_provider", "text_stream.sse", named_sse([
    {"type": "message_start", "message": {"id": "msg_1", "type": "message", "role": "assistant", "model": "claude-3-5-haiku",
                                          "content": [], "stop_reason": None, "usage": {"input_tokens": 10, "output_tokens": 1}}},
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}},
    {"type": "content_block_stop", "index": 0},
    {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 2}},
    {"type": "message_stop"}]))
put("anthropic_provider", "overloaded_error.json",
    json.dumps({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}))
put("anthropic_provider", "error_in_stream.sse", named_sse([
    {"type": "message_start", "message": {"id": "msg_2", "model": "claude", "usage": {"input_tokens": 3}}},
    {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}]))

for name in ("decode_text", "decode_function_call", "decode_blocked", "decode_usage"):
    put("gemini_provider", f"{name}.gemini.json", golden("gemini", f"{name}.gemini.json"))
GEMINI_CHUNK = {"candidates": [{"content": {"parts": [{"text": "Hello"}], "role": "model"}, "index": 0}],
                "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 1, "totalTokenCount": 6},
                "modelVersion": "gemini-2.5-flash", "responseId": "abc"}
GEMINI_END = {"candidates": [{"content": {"parts": [{"text": " world"}], "role": "model"}, "finishReason": "STOP", "index": 0}],
              "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 2, "totalTokenCount": 7},
              "modelVersion": "gemini-2.5-flash", "responseId": "abc"}
put("gemini_provider", "text_stream.sse", sse([GEMINI_CHUNK, GEMINI_END]).replace("\n\n", "\r\n\r\n"))
put("gemini_provider", "function_call_stream.sse", sse([
    {"candidates": [{"content": {"parts": [{"functionCall": {"name": "get_weather", "args": {"city": "Paris"}}}], "role": "model"},
                     "finishReason": "STOP", "index": 0}], "responseId": "r2"}]))
put("gemini_provider", "error.json", json.dumps(
    {"error": {"code": 429, "message": "Resource has been exhausted (e.g. check quota).", "status": "RESOURCE_EXHAUSTED"}}))
put("gemini_provider", "error_array.json", json.dumps(
    [{"error": {"code": 400, "message": "The input token count exceeds the maximum", "status": "INVALID_ARGUMENT"}}]))


def frame(headers, payload):
    """One AWS event-stream message with string headers and both CRC32s."""
    if isinstance(payload, str):
        payload = payload.encode()
    hdr = b"".join(bytes([len(k)]) + k.encode() + b"\x07" + struct.pack(">H", len(v)) + v.encode() for k, v in headers)
    total = 16 + len(hdr) + len(payload)
    prelude = struct.pack(">II", total, len(hdr))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    message = prelude + hdr + payload
    return message + struct.pack(">I", zlib.crc32(message))


def event(event_type, payload):
    return frame([(":event-type", event_type), (":content-type", "application/json"), (":message-type", "event")],
                 json.dumps(payload, separators=(",", ":")))


def exception(exception_type, payload):
    return frame([(":exception-type", exception_type), (":content-type", "application/json"),
                  (":message-type", "exception")], json.dumps(payload))


for name in ("answer_text", "answer_tool_use", "answer_cache_usage"):
    put("bedrock_provider", f"{name}.response.json", golden("bedrock", f"{name}.response.json"))
put("bedrock_provider", "text_stream.eventstream",
    event("messageStart", {"p": "abc", "role": "assistant"}) +
    event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Hello"}, "p": "ab"}) +
    event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": " world"}}) +
    event("contentBlockStop", {"contentBlockIndex": 0}) +
    event("messageStop", {"p": "abcdef", "stopReason": "end_turn"}) +
    event("metadata", {"usage": {"inputTokens": 12, "outputTokens": 2, "totalTokens": 14}, "metrics": {"latencyMs": 310}}))
put("bedrock_provider", "tool_stream.eventstream",
    event("messageStart", {"role": "assistant"}) +
    event("contentBlockStart", {"contentBlockIndex": 0, "start": {"toolUse": {"toolUseId": "tooluse_1", "name": "get_weather"}}}) +
    event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"toolUse": {"input": "{\"city\":"}}}) +
    event("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"toolUse": {"input": "\"Paris\"}"}}}) +
    event("contentBlockStop", {"contentBlockIndex": 0}) +
    event("messageStop", {"stopReason": "tool_use"}) +
    event("metadata", {"usage": {"inputTokens": 30, "outputTokens": 9, "totalTokens": 39}}))
put("bedrock_provider", "throttling_in_stream.eventstream",
    event("messageStart", {"role": "assistant"}) +
    exception("throttlingException", {"message": "Too many requests, please wait before trying again."}))
put("bedrock_provider", "error_frame.eventstream",
    frame([(":message-type", "error"), (":error-code", "InternalFailure"), (":error-message", "boom")], b""))
put("bedrock_provider", "validation_error.json", json.dumps(
    {"message": "Input is too long for requested model."}))

# ---------------------------------------------------------------- SSE framer
put("sse", "openai.sse", golden("openai_translation", "tool_calls.upstream.sse"))
put("sse", "anthropic.sse", golden("anthropic", "tools_stream.upstream.sse"))
put("sse", "crlf.sse", "event: ping\r\ndata: {}\r\n\r\n: keepalive\r\n\r\ndata: [DONE]\r\n\r\n")
put("sse", "multiline.sse", "id: 1\nevent: message\ndata: {\"a\":\ndata: 1}\nretry: 100\n\ndata:no-space\n\n")

# ---------------------------------------------------------------- config
for path in ("examples/quickstart.yaml", "examples/every-provider.yaml", "examples/openai-and-vllm.yaml",
             "tests/fixtures/config/contract.yaml"):
    copy("config", path)
put("config", "env_and_flow.yaml", """listen: localhost:0
workers: 1
providers:
  groq: {kind: groq, api_key: "${GROQ_API_KEY:-sk-default}"}
  claude: {kind: anthropic, api_key: "${NEWLINE}", api_version: 2023-06-01}
  aws:
    kind: bedrock
    region: us-east-1
    aws_access_key_id: ${AWS_KEY:?set AWS_KEY}
    aws_secret_access_key: $${literal}
    prefill: auto
routes:
  chat:
    strategy: fallback
    targets: [groq/llama-3.1-8b-instant, claude/claude-3-5-haiku, aws/anthropic.claude-3-haiku-20240307-v1:0]
    retry: {max_attempts: 3}
    timeouts: {attempt: 10s, first_token: 2s, inter_token: 5s, total: 30s}
""")
