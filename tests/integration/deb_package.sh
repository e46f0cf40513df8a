#!/usr/bin/env bash
# The .deb (issue 9, part 1): `cpack -G DEB` on this build makes coldstart_<version>_<arch>.deb
# whose Depends are the Debian runtime packages of the libraries the binary links (dpkg-shlibdeps),
# holding the binary, the man page and the bash/zsh/fish completions in the usual places. It is
# unpacked (dpkg-deb -x, the machine is not modified here) and the binary, the man page and the
# bash completion are used from there. The real `apt-get install ./coldstart_*.deb` is a manual
# check (docs/install.md), since it replaces /usr/bin/coldstart on the machine.
source "$(dirname "$0")/lib/harness.sh"
command -v dpkg-shlibdeps >/dev/null || fail "dpkg-shlibdeps is missing (dpkg-dev, scripts/install-deps.sh)"
cpack --config "$BUILD_DIR/CPackConfig.cmake" -G DEB -B "$tmp/pkg" >"$tmp/cpack.log" 2>&1 || fail "cpack: $(tail -5 "$tmp/cpack.log")"
version="$("$COLDSTART" --version | sed -n 's/^coldstart version //p')"
deb="$tmp/pkg/coldstart_${version}_$(dpkg --print-architecture).deb"
[[ -f "$deb" ]] || fail "no $deb: $(ls "$tmp/pkg")"

dpkg-deb -f "$deb" Depends >"$tmp/depends"
sed 's/ *([^)]*)//g; s/, */\n/g' "$tmp/depends" >"$tmp/depends.names"  # package names, one a line
for package in libc6 libcurl4 libarchive13 libzstd1 libisal2 libstdc++6 libyaml-cpp0.7 libfmt9; do
  grep -qxF "$package" "$tmp/depends.names" || fail "Depends lacks $package: $(cat "$tmp/depends")"
done
grep -q -- "-dev" "$tmp/depends" && fail "Depends names a -dev package: $(cat "$tmp/depends")"
[[ "$(dpkg-deb -f "$deb" Package)" == coldstart && "$(dpkg-deb -f "$deb" Version)" == "$version" ]] || fail "control fields"
dpkg-deb -c "$deb" | awk '{print $NF}' >"$tmp/files"
for f in ./usr/bin/coldstart ./usr/share/man/man1/coldstart.1.gz ./usr/share/bash-completion/completions/coldstart \
         ./usr/share/zsh/vendor-completions/_coldstart ./usr/share/fish/vendor_completions.d/coldstart.fish; do
  grep -qxF "$f" "$tmp/files" || fail "the .deb lacks $f: $(cat "$tmp/files")"
done
grep -q '/tests/\|unit_\|import_layout' "$tmp/files" && fail "test binaries in the .deb"

root="$tmp/root"
dpkg-deb -x "$deb" "$root"
grep -qx "coldstart version $version" <<<"$("$root/usr/bin/coldstart" --version)" || fail "the packaged binary"
grep -q '\.debug_info' <<<"$(readelf -S "$root/usr/bin/coldstart")" && fail "the packaged binary is not stripped"
man_text="$(zcat "$root/usr/share/man/man1/coldstart.1.gz" | groff -man -Tutf8 2>/dev/null)"
grep -q "coldstart prewarm manifests" <<<"$man_text" || fail "man page"
reply="$(bash -c 'source "$1"; COMP_WORDS=(coldstart ana); COMP_CWORD=1; _coldstart; echo "${COMPREPLY[*]}"' _ \
  "$root/usr/share/bash-completion/completions/coldstart")"
[[ "$reply" == analyze ]] || fail "installed bash completion: '$reply'"
echo "deb_package: ok"
