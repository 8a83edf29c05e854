#!/usr/bin/env bash
# Puts lwIP's source in DIR/lwip-2.1.3: Debian's source package `lwip` (the one
# liblwip-dev is built from), fetched with apt-get through a source list of its own,
# so the machine's apt configuration is left alone. Does nothing when DIR has it.
#
#   fetch-lwip.sh DIR
set -euo pipefail
dir="$1"
[ -f "$dir/lwip-2.1.3/src/core/tcp.c" ] && exit 0
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/parts" "$work/lists/partial" "$dir"
cat >"$work/parts/debian-src.sources" <<SOURCES
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES
apt=(apt-get -q -o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$work/parts"
  -o "Dir::State::Lists=$work/lists")
"${apt[@]}" update >/dev/null
(cd "$work" && "${apt[@]}" source --download-only lwip=2.1.3+dfsg1-2 >/dev/null 2>&1)
tar -C "$dir" -xf "$work"/lwip_2.1.3+dfsg1.orig.tar.xz
[ -f "$dir/lwip-2.1.3/src/core/tcp.c" ]
