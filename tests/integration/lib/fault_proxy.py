#!/usr/bin/env python3
"""An HTTP/1.1 reverse proxy on 127.0.0.1 in front of a registry, that misbehaves on purpose.

  fault_proxy.py UPSTREAM_HOST:PORT [--strip-range] [--throttle BYTES_PER_S] [--429 N] [--retry-after S]
                 [--stall-blobs]

Prints its port, then forwards every request to UPSTREAM and streams the answer back.
--strip-range   drops the Range header, so the registry answers 200 with the whole blob (a
                registry or CDN that ignores Range); logs "range stripped" once per request.
--throttle B    sends each blob body at about B bytes/s per connection (a slow link, for kill tests).
--429 N         answers the first N blob requests with 429 Too Many Requests and Retry-After;
                logs "429 sent".
--stall-blobs   sends a blob's headers and first bytes, then goes silent with the connection open
                (a registry or CDN edge that hangs mid-transfer); logs "stalled".
"""
import argparse
import http.client
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler

p = argparse.ArgumentParser()
p.add_argument("upstream")
p.add_argument("--strip-range", action="store_true")
p.add_argument("--throttle", type=int, default=0)
p.add_argument("--429", dest="too_many", type=int, default=0)
p.add_argument("--retry-after", type=int, default=2)
p.add_argument("--stall-blobs", action="store_true")
args = p.parse_args()
host, port = args.upstream.rsplit(":", 1)
lock = threading.Lock()
state = {"too_many": args.too_many}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def forward(self):
        is_blob = "/blobs/sha256:" in self.path
        if is_blob and self.command == "GET":
            with lock:
                refuse = state["too_many"] > 0
                if refuse:
                    state["too_many"] -= 1
            if refuse:
                log("429 sent")
                body = b'{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}'
                self.send_response(429)
                self.send_header("Retry-After", str(args.retry_after))
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        if args.strip_range and "Range" in headers:
            del headers["Range"]
            log("range stripped")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        try:
            conn = http.client.HTTPConnection(host, int(port), timeout=30)
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
        except OSError as e:
            msg = str(e).encode()
            self.send_response(502)
            self.send_header("Content-Length", str(len(msg)))
            self.end_headers()
            self.wfile.write(msg)
            return
        self.send_response(resp.status)
        for k, v in resp.getheaders():
            if k.lower() not in ("connection", "transfer-encoding", "keep-alive"):
                self.send_header(k, v)
        chunked = resp.getheader("Content-Length") is None and self.command != "HEAD" and resp.status not in (204, 304)
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if self.command == "HEAD":
            conn.close()
            return
        step = 65536 if not args.throttle else max(1024, args.throttle // 20)
        while True:
            data = resp.read(step)
            if not data:
                break
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data) if chunked else data)
            if args.stall_blobs and is_blob and self.command == "GET":
                self.wfile.flush()
                log("stalled")
                while True:
                    time.sleep(3600)
            if args.throttle and is_blob:
                time.sleep(len(data) / args.throttle)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
        conn.close()

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = forward


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True


server = Server(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
