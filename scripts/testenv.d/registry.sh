# docker-registry (distribution 2.8) on 127.0.0.1 with a free port, in one of four modes:
#   plain     HTTP, no auth
#   htpasswd  HTTP, Basic auth (htpasswd -Bbn)
#   tls       HTTPS with a CA and a server certificate for 127.0.0.1 made here by openssl, no auth
#   token     HTTP, `auth: token` with scripts/testenv.d/token_server.py signing RS256 JWTs; the
#             token server logs what it receives to REGISTRY_TOKEN_LOG. For credential tests:
#             TESTENV_TOKEN_REALM_HOST=localhost names the realm on another host than the registry,
#             TESTENV_TOKEN_TLS=1 serves the realm over HTTPS (self-signed: REGISTRY_TOKEN_CA)
# Prints (eval them):
#   REGISTRY=127.0.0.1:PORT  REGISTRY_MODE  REGISTRY_STORAGE (blob storage root, for corruption tests)
#   REGISTRY_PLAIN_HTTP=1 (plain, htpasswd, token)  REGISTRY_CA=ca.crt + REGISTRY_CERT_DIR (tls)
#   REGISTRY_USER / REGISTRY_PASSWORD (htpasswd, token)  REGISTRY_TOKEN_REALM (token)
#   REGISTRY_SKOPEO_DEST="--dest-tls-verify=... [--dest-cert-dir D] [--dest-creds U:P]" for skopeo copy
# Several registries may share DIR: each lives in DIR/registry-PORT and records DIR/registry-PORT.pid.

_registry_openssl() { openssl "$@" >/dev/null 2>&1; }

start_registry() {
  local dir="$1" mode="${2:-plain}"
  case "$mode" in plain | htpasswd | tls | token) ;; *)
    echo "testenv: registry mode must be plain, htpasswd, tls or token (got '$mode')" >&2
    return 2
    ;;
  esac
  command -v docker-registry >/dev/null || { echo "testenv: docker-registry is not installed (scripts/install-deps.sh)" >&2; return 1; }
  local port
  port="$(free_port)"
  local home="$dir/registry-$port"
  mkdir -p "$home/storage"
  local user="coldstart" password
  password="pw-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
  local auth_yaml="" tls_yaml="" scheme="http" skopeo_dest="--dest-tls-verify=false"

  case "$mode" in
    htpasswd)
      command -v htpasswd >/dev/null || { echo "testenv: htpasswd is not installed (apache2-utils)" >&2; return 1; }
      htpasswd -Bbn "$user" "$password" >"$home/htpasswd"
      auth_yaml="auth:
  htpasswd:
    realm: coldstart-test
    path: $home/htpasswd"
      skopeo_dest="$skopeo_dest --dest-creds $user:$password"
      ;;
    tls)
      # A CA, and a server certificate for 127.0.0.1 signed by it.
      _registry_openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=coldstart test CA" \
        -keyout "$home/ca.key" -out "$home/ca.crt" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" ||
        { echo "testenv: openssl could not make the test CA" >&2; return 1; }
      _registry_openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
        -keyout "$home/server.key" -out "$home/server.csr" || { echo "testenv: openssl csr failed" >&2; return 1; }
      printf 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' >"$home/server.ext"
      _registry_openssl x509 -req -in "$home/server.csr" -CA "$home/ca.crt" -CAkey "$home/ca.key" -CAcreateserial \
        -days 2 -extfile "$home/server.ext" -out "$home/server.crt" ||
        { echo "testenv: openssl could not sign the server certificate" >&2; return 1; }
      mkdir -p "$home/certs.d"
      cp "$home/ca.crt" "$home/certs.d/ca.crt"
      tls_yaml="  tls:
    certificate: $home/server.crt
    key: $home/server.key"
      scheme="https"
      skopeo_dest="--dest-cert-dir $home/certs.d"
      ;;
    token)
      [[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import jwt, cryptography' 2>/dev/null ||
        { echo "testenv: token mode needs /usr/bin/python3 with python3-jwt and python3-cryptography" >&2; return 1; }
      # The token signing certificate; the registry trusts exactly this one (rootcertbundle).
      _registry_openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=coldstart test token issuer" \
        -keyout "$home/token.key" -out "$home/token.crt" || { echo "testenv: openssl could not make the token certificate" >&2; return 1; }
      printf '%s:%s\n' "$user" "$password" >"$home/users"
      local token_port token_scheme="http" token_tls=()
      token_port="$(free_port)"
      if [[ "${TESTENV_TOKEN_TLS:-0}" == 1 ]]; then
        _registry_openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
          -keyout "$home/realm.key" -out "$home/realm.crt" -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" ||
          { echo "testenv: openssl could not make the realm certificate" >&2; return 1; }
        token_scheme="https"
        token_tls=(--tls-cert "$home/realm.crt" --tls-key "$home/realm.key")
        echo "export REGISTRY_TOKEN_CA=$home/realm.crt"
      fi
      spawn "$dir" "registry-$port-token" /usr/bin/python3 "$here/testenv.d/token_server.py" --port "$token_port" \
        --key "$home/token.key" --cert "$home/token.crt" --issuer coldstart-test-issuer \
        --service coldstart-test-registry --users "$home/users" --expires-in "${REGISTRY_TOKEN_EXPIRES_IN:-300}" \
        --log "$home/token-requests.jsonl" "${token_tls[@]}"
      wait_http "$token_scheme://127.0.0.1:$token_port/token" 20 -k ||
        { echo "testenv: token server did not start; log:" >&2; tail -5 "$dir/registry-$port-token.log" >&2; return 1; }
      echo "export REGISTRY_TOKEN_LOG=$home/token-requests.jsonl"
      echo "export REGISTRY_TOKEN_PORT=$token_port"
      auth_yaml="auth:
  token:
    realm: $token_scheme://${TESTENV_TOKEN_REALM_HOST:-127.0.0.1}:$token_port/token
    service: coldstart-test-registry
    issuer: coldstart-test-issuer
    rootcertbundle: $home/token.crt"
      skopeo_dest="$skopeo_dest --dest-creds $user:$password"
      echo "export REGISTRY_TOKEN_REALM=$token_scheme://${TESTENV_TOKEN_REALM_HOST:-127.0.0.1}:$token_port/token"
      ;;
  esac

  cat >"$home/config.yml" <<YAML
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $home/storage
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$port
  secret: coldstart-test-secret
$tls_yaml
$auth_yaml
YAML
  # docker-registry reads every REGISTRY_* variable as a configuration override (REGISTRY_STORAGE,
  # REGISTRY_AUTH_FILE...): start it without them, so the exports of another registry cannot leak in.
  local unset_registry_vars=() var
  for var in $(compgen -e); do [[ "$var" == REGISTRY_* ]] && unset_registry_vars+=(-u "$var"); done
  spawn "$dir" "registry-$port" env "${unset_registry_vars[@]}" docker-registry serve "$home/config.yml"
  if ! wait_http "$scheme://127.0.0.1:$port/v2/" 20 -k; then
    echo "testenv: docker-registry ($mode) did not start on 127.0.0.1:$port; log:" >&2
    tail -5 "$dir/registry-$port.log" >&2
    return 1
  fi
  echo "export REGISTRY=127.0.0.1:$port"
  echo "export REGISTRY_MODE=$mode"
  echo "export REGISTRY_STORAGE=$home/storage"
  echo "export REGISTRY_SKOPEO_DEST='$skopeo_dest'"
  case "$mode" in
    tls)
      echo "export REGISTRY_CA=$home/ca.crt"
      echo "export REGISTRY_CERT_DIR=$home/certs.d"
      echo "export REGISTRY_PLAIN_HTTP=0"
      ;;
    *) echo "export REGISTRY_PLAIN_HTTP=1" ;;
  esac
  case "$mode" in htpasswd | token)
    echo "export REGISTRY_USER=$user"
    echo "export REGISTRY_PASSWORD=$password"
    ;;
  esac
}
