"""A minimal, cheap Bot API responder for benchmarks: sendMessage only, HTTP/1.1 keep-alive.

Same wire contract as Telegram for what a push needs (``POST /bot<token>/sendMessage`` with a
form or JSON body, a ``{"ok": true, "result": Message}`` answer, 401 for a wrong token, 404 for
other methods) at a small fraction of tests/fakes/bot_api.py's cost per request, so a fan-out
benchmark measures the sender and the dispatcher rather than the fake. It records
(chat_id, text, monotonic time) per message and dumps them, with its own CPU seconds, as JSON on
SIGTERM. Not a general server: bodies must carry Content-Length (no chunked encoding), and it
injects no faults (tests/fakes/bot_api.py does).

    python bench/fast_bot_api.py TOKEN OUT.json   # prints the port, serves until SIGTERM
"""

from __future__ import annotations

import asyncio
import json
import signal
import sys
import time
from pathlib import Path
from urllib.parse import parse_qsl

_HEAD_END = b"\r\n\r\n"


class _Server:
    def __init__(self, token: str) -> None:
        self.prefix = f"/bot{token}/".encode()
        self.records: list[tuple[int, str, float, None]] = []
        self.message_id = 1000
        self.date = int(time.time())

    def answer(self, method_path: bytes, body: bytes, content_type: bytes) -> tuple[int, bytes]:
        if not method_path.startswith(self.prefix):
            return 401, b'{"ok":false,"error_code":401,"description":"Unauthorized"}'
        method = method_path[len(self.prefix) :].split(b"?", 1)[0]
        if method.lower() != b"sendmessage":
            return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'
        if content_type.startswith(b"application/json"):
            params = json.loads(body)
        else:
            params = dict(parse_qsl(body.decode(), keep_blank_values=True))
        try:
            chat_id = int(params["chat_id"])
            text = str(params["text"])
        except (KeyError, TypeError, ValueError):
            return 400, (
                b'{"ok":false,"error_code":400,'
                b'"description":"Bad Request: chat_id and text are required"}'
            )
        self.records.append((chat_id, text, time.monotonic(), None))
        self.message_id += 1
        result = {
            "message_id": self.message_id,
            "date": self.date,
            "chat": {"id": chat_id, "type": "private"},
            "text": text,
        }
        return 200, json.dumps({"ok": True, "result": result}, ensure_ascii=False).encode()


_REASONS = {200: b"OK", 400: b"Bad Request", 401: b"Unauthorized", 404: b"Not Found"}


class _Connection(asyncio.Protocol):
    def __init__(self, server: _Server) -> None:
        self.server = server
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        out = []
        while True:
            end = self.buffer.find(_HEAD_END)
            if end < 0:
                break
            head = bytes(self.buffer[:end]).split(b"\r\n")
            length = 0
            content_type = b""
            close = False
            for line in head[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == b"content-type":
                    content_type = value.strip().lower()
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            if len(self.buffer) < end + 4 + length:
                break
            body = bytes(self.buffer[end + 4 : end + 4 + length])
            del self.buffer[: end + 4 + length]
            parts = head[0].split(b" ")
            status, payload = self.server.answer(
                parts[1] if len(parts) > 1 else b"", body, content_type
            )
            out.append(
                b"HTTP/1.1 %d %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                b"%s\r\n%s"
                % (
                    status,
                    _REASONS[status],
                    len(payload),
                    b"Connection: close\r\n" if close else b"",
                    payload,
                )
            )
            if close:
                break
        if out and self.transport is not None:
            self.transport.write(b"".join(out))
            if close:
                self.transport.close()


async def serve(token: str, out_path: str) -> None:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    server = _Server(token)
    listener = await loop.create_server(lambda: _Connection(server), "127.0.0.1", 0, backlog=1024)
    print(listener.sockets[0].getsockname()[1], flush=True)
    started = time.process_time()
    await stop.wait()
    cpu = time.process_time() - started
    listener.close()
    Path(out_path).write_text(
        json.dumps({"cpu_s": cpu, "records": server.records}, ensure_ascii=False)
    )


if __name__ == "__main__":
    asyncio.run(serve(sys.argv[1], sys.argv[2]))
