#!/usr/bin/python3
"""A small token server for docker-registry's `auth: token` mode, for tests only (127.0.0.1).

  token_server.py --port P --key KEY.pem --cert CERT.pem --issuer I --service S --users FILE [--expires-in N]
                  [--log FILE] [--tls-cert PEM --tls-key PEM]

GET /token?service=S&scope=repository:NAME:pull,push   (Basic auth, as docker/skopeo send it)
POST /token  grant_type=password|refresh_token          (OAuth2, as docker sends with identity tokens)
Answers {"token", "access_token", "expires_in", "issued_at"} holding an RS256 JWT whose x5c header
carries CERT, so the registry (rootcertbundle = CERT) can verify it. Unknown users and anonymous
requests get 401. FILE holds `user:password` lines. Each request is logged to stderr (no secrets).

For credential tests:
  --log FILE      appends one JSON line per request with the Host it was sent to, the method, path,
                  Authorization header and body, so a test can prove a secret did NOT arrive somewhere
  --tls-*         serve HTTPS with this certificate (tests of TLS checks on the realm)
  GET /_mode/redirect-cross-origin   from then on, requests addressed to 127.0.0.1 are answered
                  307 to the same path on localhost (another origin, same server); /_mode/normal undoes it
"""
import argparse
import base64
import datetime
import json
import secrets
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import serialization


def load_args():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--key", required=True)
    p.add_argument("--cert", required=True)
    p.add_argument("--issuer", required=True)
    p.add_argument("--service", required=True)
    p.add_argument("--users", required=True)
    p.add_argument("--expires-in", type=int, default=300)
    p.add_argument("--log")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    return p.parse_args()


ARGS = load_args()
with open(ARGS.key, "rb") as f:
    KEY = serialization.load_pem_private_key(f.read(), password=None)
with open(ARGS.cert, "rb") as f:
    CERT_DER = x509.load_pem_x509_certificate(f.read()).public_bytes(serialization.Encoding.DER)
USERS = {}
with open(ARGS.users) as f:
    for line in f:
        line = line.rstrip("\n")
        if ":" in line:
            u, pw = line.split(":", 1)
            USERS[u] = pw
REFRESH_TOKENS = {}  # refresh token -> user
MODE = {"redirect": False}


def make_token(user, scopes):
    access = []
    for scope in scopes:
        parts = scope.split(":")
        if len(parts) < 3:
            continue
        kind, name, actions = parts[0], ":".join(parts[1:-1]), parts[-1]
        access.append({"type": kind, "name": name, "actions": [a for a in actions.split(",") if a]})
    now = int(time.time())
    claims = {"iss": ARGS.issuer, "sub": user, "aud": ARGS.service, "iat": now, "nbf": now - 10,
              "exp": now + ARGS.expires_in, "jti": secrets.token_hex(8), "access": access}
    headers = {"x5c": [base64.b64encode(CERT_DER).decode()]}
    return jwt.encode(claims, KEY, algorithm="RS256", headers=headers)


class Handler(BaseHTTPRequestHandler):
    def log_message(self, fmt, *args):
        sys.stderr.write("token-server: " + (fmt % args) + "\n")

    def reply(self, status, doc, extra_headers=()):
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra_headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def grant(self, user, scopes, with_refresh=False):
        token = make_token(user, scopes)
        doc = {"token": token, "access_token": token, "expires_in": ARGS.expires_in,
               "issued_at": datetime.datetime.now(datetime.timezone.utc).isoformat()}
        if with_refresh:
            refresh = secrets.token_hex(16)
            REFRESH_TOKENS[refresh] = user
            doc["refresh_token"] = refresh
        self.reply(200, doc)

    def basic_user(self):
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        try:
            user, pw = base64.b64decode(header[6:]).decode().split(":", 1)
        except Exception:
            return None
        return user if USERS.get(user) == pw else None

    def record(self, body=""):
        if not ARGS.log:
            return
        entry = {"host": self.headers.get("Host", ""), "method": self.command, "path": self.path,
                 "authorization": self.headers.get("Authorization", ""), "body": body}
        with open(ARGS.log, "a") as f:
            f.write(json.dumps(entry) + "\n")

    def redirected(self):
        """In redirect mode, sends requests addressed to 127.0.0.1 to localhost (another origin)."""
        host = self.headers.get("Host", "")
        if not MODE["redirect"] or not host.startswith("127.0.0.1"):
            return False
        scheme = "https" if ARGS.tls_cert else "http"
        self.send_response(307)
        self.send_header("Location", f"{scheme}://localhost:{ARGS.port}{self.path}")
        self.send_header("Content-Length", "0")
        self.end_headers()
        return True

    def do_GET(self):
        url = urllib.parse.urlparse(self.path)
        if url.path.startswith("/_mode/"):
            MODE["redirect"] = url.path == "/_mode/redirect-cross-origin"
            return self.reply(200, {"redirect": MODE["redirect"]})
        self.record()
        if self.redirected():
            return
        if url.path != "/token":
            return self.reply(404, {"details": "not found"})
        q = urllib.parse.parse_qs(url.query)
        user = self.basic_user()
        if user is None:
            return self.reply(401, {"details": "authentication required"},
                              [("WWW-Authenticate", 'Basic realm="coldstart-test-token"')])
        scopes = [s for v in q.get("scope", []) for s in v.split(" ")]
        self.grant(user, scopes, with_refresh=q.get("offline_token", ["false"])[0] == "true")

    def do_POST(self):
        url = urllib.parse.urlparse(self.path)
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length).decode()
        self.record(raw)
        if self.redirected():
            return
        if url.path != "/token":
            return self.reply(404, {"details": "not found"})
        form = urllib.parse.parse_qs(raw)
        grant_type = form.get("grant_type", [""])[0]
        scopes = [s for v in form.get("scope", []) for s in v.split(" ")]
        if grant_type == "password":
            user = form.get("username", [""])[0]
            if USERS.get(user) != form.get("password", [None])[0]:
                return self.reply(401, {"error": "invalid_grant"})
            return self.grant(user, scopes, with_refresh=True)
        if grant_type == "refresh_token":
            user = REFRESH_TOKENS.get(form.get("refresh_token", [""])[0])
            if user is None:
                return self.reply(401, {"error": "invalid_grant"})
            return self.grant(user, scopes)
        self.reply(400, {"error": "unsupported_grant_type"})


SERVER = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
if ARGS.tls_cert:
    import ssl
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(ARGS.tls_cert, ARGS.tls_key)
    SERVER.socket = context.wrap_socket(SERVER.socket, server_side=True)
SERVER.serve_forever()
