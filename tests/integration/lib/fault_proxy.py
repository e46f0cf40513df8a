#!/usr/bin/env python3
"""An HTTP/1.1 reverse proxy on 127.0.0.1 in front of a registry, that misbehaves on purpose.

  fault_proxy.py UPSTREAM_HOST:PORT [--strip-range] [--throttle BYTES_PER_S] [--429 N] [--retry-after S]
                 [--stall-blobs] [--5xx N] [--reset-blobs N] [--drip WHAT] [--lying-length WHAT]
                 [--401-loop] [--redirect-blobs HOST] [--upstream-auth USER:PASSWORD]
                 [--require-bearer TOKEN]

Prints its port, then forwards every request to UPSTREAM and streams the answer back.
--strip-range   drops the Range header, so the registry answers 200 with the whole blob (a
                registry or CDN that ignores Range); logs "range stripped" once per request.
--throttle B    sends each blob body at about B bytes/s per connection (a slow link, for kill tests).
--429 N         answers the first N blob requests with 429 Too Many Requests and Retry-After;
                logs "429 sent".
--stall-blobs   sends a blob's headers and first bytes, then goes silent with the connection open
                (a registry or CDN edge that hangs mid-transfer); logs "stalled".
--5xx N         answers the first N requests (any path but /v2/) with 503; -1: every one (a storm);
                logs "503 sent".
--reset-blobs N the first GETs of N different blobs (each blob --reset-each times, 1 by default, so
                a later resume passes) send their headers and about half the body, then reset the
                connection (TCP RST); -1: every blob GET, resumes included; logs "reset PATH".
--drip WHAT     sends each body of WHAT (blobs or manifests) one byte a second; logs "drip".
--lying-length WHAT  answers for WHAT (blobs or manifests) claim a Content-Length 1000 bytes longer than the body,
                which is sent whole, then the connection stays open and silent; logs "lied".
--401-loop      answers every request 401 with a Bearer challenge whose realm is this proxy's
                /token, which grants a token every time that the proxy then refuses again;
                logs "401 sent" and "token granted".
--redirect-blobs HOST  answers blob GETs addressed to 127.0.0.1 with 307 to the same path on
                HOST:<this port> (another origin, as a CDN would be); a request arriving for HOST
                logs "leaked authorization" if it carries an Authorization header.
--upstream-auth U:P    adds Basic U:P to requests forwarded for HOST (the CDN needs no credentials
                from the client: the URL is its own authorization, as presigned URLs are).
--require-bearer T     answers 401 to any request without "Authorization: Bearer T" (a
                bearer-protected Prometheus behind an auth proxy); logs "bearer refused".
"""
import argparse
import base64
import socket
import struct
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
p.add_argument("--5xx", dest="storm", type=int, default=0)
p.add_argument("--reset-blobs", type=int, default=0)
p.add_argument("--reset-each", type=int, default=1)
p.add_argument("--drip", choices=["blobs", "manifests"])
p.add_argument("--lying-length", choices=["blobs", "manifests"])
p.add_argument("--401-loop", dest="loop401", action="store_true")
p.add_argument("--redirect-blobs", default="")
p.add_argument("--upstream-auth", default="")
p.add_argument("--require-bearer", default="")
args = p.parse_args()
host, port = args.upstream.rsplit(":", 1)
lock = threading.Lock()
state = {"too_many": args.too_many, "storm": args.storm, "resets": args.reset_blobs}
reset_counts = {}  # blob path -> resets done


def take_locked(key):
    """Consumes one of state[key] (negative: unlimited); True when one was left. Needs `lock`."""
    if state[key] == 0:
        return False
    if state[key] > 0:
        state[key] -= 1
    return True


def take(key):
    with lock:
        return take_locked(key)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def reset(self):
        """Closes the connection with a TCP RST instead of a FIN."""
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.connection.close()
        self.close_connection = True

    def forward(self):
        is_blob = "/blobs/sha256:" in self.path
        is_manifest = "/manifests/" in self.path
        addressed = (self.headers.get("Host") or "").rsplit(":", 1)[0]
        if args.require_bearer and self.headers.get("Authorization") != "Bearer " + args.require_bearer:
            log("bearer refused")
            self.answer(401, b"Unauthorized\n", [("WWW-Authenticate", 'Bearer realm="prometheus"')])
            return
        if args.loop401:
            if self.path.startswith("/token"):
                log("token granted")
                self.answer(200, b'{"token":"loop-token","access_token":"loop-token","expires_in":300}',
                            [("Content-Type", "application/json")])
                return
            log("401 sent")
            realm = f"http://127.0.0.1:{self.server.server_address[1]}/token"
            self.answer(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}',
                        [("WWW-Authenticate", f'Bearer realm="{realm}",service="loop"'),
                         ("Content-Type", "application/json")])
            return
        if args.storm and self.path.rstrip("/") != "/v2" and take("storm"):
            log("503 sent")
            self.answer(503, b'{"errors":[{"code":"UNAVAILABLE","message":"service unavailable"}]}',
                        [("Content-Type", "application/json")])
            return
        if args.redirect_blobs and is_blob and self.command == "GET" and addressed != args.redirect_blobs:
            log("redirected")
            where = f"http://{args.redirect_blobs}:{self.server.server_address[1]}{self.path}"
            self.answer(307, headers=[("Location", where)])
            return
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
        if args.redirect_blobs and addressed == args.redirect_blobs:
            if "Authorization" in headers:
                log("leaked authorization: " + headers["Authorization"].split(" ")[0])
            headers.pop("Authorization", None)
            if args.upstream_auth:
                headers["Authorization"] = "Basic " + base64.b64encode(args.upstream_auth.encode()).decode()
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
        kind = "blobs" if is_blob else "manifests" if is_manifest else ""
        body_fault = self.command == "GET" and resp.status < 300 and kind in (args.drip, args.lying_length)
        if body_fault:
            data = resp.read()
            conn.close()
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in ("connection", "transfer-encoding", "keep-alive", "content-length"):
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data) + (1000 if args.lying_length else 0)))
            self.end_headers()
            if args.lying_length == kind:
                log("lied")
                self.wfile.write(data)
                self.wfile.flush()
                time.sleep(3600)
            log("drip")
            for i in range(len(data)):
                self.wfile.write(data[i:i + 1])
                self.wfile.flush()
                time.sleep(1)
            return
        want = False
        if is_blob and self.command == "GET" and resp.status < 300 and args.reset_blobs:
            with lock:
                done = reset_counts.get(self.path, 0)
                if args.reset_blobs < 0:
                    want = True
                elif done > 0:
                    want = done < args.reset_each  # this blob is already one of the N
                else:
                    want = take_locked("resets")
                if want:
                    reset_counts[self.path] = done + 1
        if want:
            data = resp.read()
            conn.close()
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in ("connection", "transfer-encoding", "keep-alive"):
                    self.send_header(k, v)
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            log(f"reset {self.path}")
            self.reset()
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
