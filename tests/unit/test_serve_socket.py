"""``serve --workers N`` listens on a socket whose accepted connections get TCP_NODELAY:
without it every response body waited ~40 ms for the client's delayed ACK. uvicorn's
supervisor binds that socket; from 0.55 on it binds it as TCP (uvicorn issue 3149), which
is why ``pyproject.toml`` asks for that version and ``serve`` needs no listener of its own.
"""

from __future__ import annotations

import asyncio
import socket
from concurrent.futures import ThreadPoolExecutor

import uvicorn


def nodelay_of_accepted(listener: socket.socket) -> int:
    """Accept one connection through asyncio (as uvicorn does) and read TCP_NODELAY on
    the server's side of it."""

    async def run() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                accepted.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=listener)
        port = listener.getsockname()[1]
        _, writer = await asyncio.open_connection("127.0.0.1", port)
        value = await asyncio.wait_for(accepted, timeout=5)
        writer.close()
        server.close()
        await server.wait_closed()
        return value

    # Its own thread and loop: other tests (Playwright's sync API) may leave a loop
    # running in this one.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(run())).result()


def test_the_workers_listener_gives_accepted_connections_tcp_nodelay() -> None:
    """The socket uvicorn binds for its worker processes is the one ``serve`` uses."""
    listener = uvicorn.Config("backorder.api.app:create_app", port=0, workers=2).bind_socket()
    assert listener.proto == socket.IPPROTO_TCP
    assert nodelay_of_accepted(listener) != 0
