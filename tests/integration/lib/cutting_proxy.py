#!/usr/bin/env python3
"""A TCP proxy on 127.0.0.1 that cuts connections midway, to test resumed blob downloads.

  cutting_proxy.py UPSTREAM_HOST:PORT LIMIT_BYTES CUTS

Prints its port, then relays every connection to UPSTREAM. The first CUTS times a connection's
upstream->client bytes pass LIMIT_BYTES, it forwards exactly up to LIMIT_BYTES and closes both
sides (a download cut off mid-body). Each cut is logged to stderr as "cut after N bytes".
"""
import socket
import sys
import threading

host, port = sys.argv[1].rsplit(":", 1)
LIMIT, STATE, LOCK = int(sys.argv[2]), {"cuts": int(sys.argv[3])}, threading.Lock()


def pump_up(client, upstream):
    try:
        while True:
            data = client.recv(65536)
            if not data:
                break
            upstream.sendall(data)
    except OSError:
        pass
    try:
        upstream.shutdown(socket.SHUT_WR)
    except OSError:
        pass


def handle(client):
    upstream = socket.create_connection((host, int(port)))
    threading.Thread(target=pump_up, args=(client, upstream), daemon=True).start()
    sent = 0
    try:
        while True:
            data = upstream.recv(65536)
            if not data:
                break
            if sent + len(data) > LIMIT:
                with LOCK:
                    cut = STATE["cuts"] > 0
                    if cut:
                        STATE["cuts"] -= 1
                if cut:
                    client.sendall(data[:LIMIT - sent])
                    print(f"cut after {LIMIT} bytes", file=sys.stderr, flush=True)
                    break
            client.sendall(data)
            sent += len(data)
    except OSError:
        pass
    for s in (client, upstream):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        s.close()


server = socket.socket()
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 0))
server.listen(16)
print(server.getsockname()[1], flush=True)
while True:
    conn, _ = server.accept()
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
