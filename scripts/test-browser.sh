#!/usr/bin/env bash
# Browser tests of the clinic: build bontsim, start `bontsim serve --demo` on a free loopback
# port with a temporary database, and run web-tests/clinic.test.mjs in the system's Chromium
# (Debian `chromium`, driven by npm playwright-core; no browser is downloaded). Screenshots
# of the main pages are written to web-tests/screenshots/.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -p bontsim-cli
binary="${CARGO_TARGET_DIR:-target}/release/bontsim"
(cd web-tests && npm ci --no-audit --no-fund --silent)

work="$(mktemp -d)"
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

"$binary" serve --demo --database "$work/clinic.db" --listen 127.0.0.1:0 > "$work/serve.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
    grep -q "bontsim clinic on" "$work/serve.log" && break
    sleep 0.1
done
address="$(sed -n 's|^bontsim clinic on \(http://[^/]*\)/.*|\1|p' "$work/serve.log")"
password="$(sed -n 's|^demo clinic: log in as .* with password \(.*\)$|\1|p' "$work/serve.log")"
if [ -z "$address" ] || [ -z "$password" ]; then
    echo "the clinic did not start:" >&2
    cat "$work/serve.log" >&2
    exit 1
fi
echo "clinic at $address"
BONTSIM_URL="$address" BONTSIM_EMAIL="demo@bontsim.invalid" BONTSIM_PASSWORD="$password" \
BONTSIM_BIN="$(realpath "$binary")" BONTSIM_DATABASE="$work/clinic.db" \
    node --test web-tests/clinic.test.mjs
