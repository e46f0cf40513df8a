#!/usr/bin/env python3
"""A real HTTP server on 127.0.0.1 for the HTTP client tests (redirects, retries, caps, stalls).

Prints its port on the first line of stdout, then serves until killed.
  /echo                      200 {"authorization": <header or null>, "method": ..., "host": ...}
  /redirect?to=URL&code=307  redirect to URL
  /flaky?key=K&fail=N&status=503&retry_after=V   first N requests per key fail, then 200 "ok"
  /count?key=K               how many requests /flaky saw for K
  /big?bytes=N               N bytes of 'x'
  /stall                     sends half a body, then nothing for 30 s
"""
import json
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

COUNTS = {}
LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body, headers=()):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(length)
        url = urllib.parse.urlparse(self.path)
        if url.path == "/redirect":
            q = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
            return self.send(int(q.get("code", "307")), b"", [("Location", q["to"])])
        self.send(200, json.dumps({"method": "POST", "body": data.decode(),
                                   "content_type": self.headers.get("Content-Type")}).encode())

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        q = {k: v[0] for k, v in urllib.parse.parse_qs(url.query).items()}
        if url.path == "/echo":
            doc = {"authorization": self.headers.get("Authorization"), "method": self.command,
                   "host": self.headers.get("Host")}
            return self.send(200, json.dumps(doc).encode(), [("Content-Type", "application/json")])
        if url.path == "/redirect":
            return self.send(int(q.get("code", "307")), b"", [("Location", q["to"])])
        if url.path == "/flaky":
            key = q.get("key", "")
            with LOCK:
                COUNTS[key] = COUNTS.get(key, 0) + 1
                n = COUNTS[key]
            if n <= int(q.get("fail", "0")):
                headers = [("Retry-After", q["retry_after"])] if "retry_after" in q else []
                return self.send(int(q.get("status", "503")), b"try later\n", headers)
            return self.send(200, b"ok")
        if url.path == "/count":
            with LOCK:
                return self.send(200, str(COUNTS.get(q.get("key", ""), 0)).encode())
        if url.path == "/big":
            return self.send(200, b"x" * int(q["bytes"]))
        if url.path == "/stall":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"y" * 500)
            self.wfile.flush()
            time.sleep(30)
            return
        self.send(404, b"404 page not found\n")


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
