#!/usr/bin/env bash
# Audit every locked dependency (uv.lock, all extras and groups) for known vulnerabilities with
# pip-audit. Fails on any known vulnerability, and on any package it could not check (--strict),
# except the disputed advisories without a fix listed, with their reasons, in
# scripts/audit-ignored-advisories.txt.
#
# The advisory data comes from PyPI (https://pypi.org/pypi/<name>/<version>/json), or, where
# that is unreachable, from OSV (https://api.osv.dev). Some sandboxes only proxy the package
# index and reach neither: the audit cannot run at all there, and is reported as SKIPPED without
# failing the build, unless INVENTORY_AUDIT_REQUIRED=1.
set -euo pipefail
BIN="${BIN:-.venv/bin}"
UV="${UV:-uv}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
IGNORED="${AUDIT_IGNORED_FILE:-$HERE/audit-ignored-advisories.txt}"
# One release's JSON, as pip-audit asks for each package; one advisory, as OSV serves it.
PYPI_PROBE="${AUDIT_PYPI_PROBE_URL:-https://pypi.org/pypi/pip/24.0/json}"
OSV_PROBE="${AUDIT_OSV_PROBE_URL:-https://api.osv.dev/v1/vulns/GHSA-xpf8-484v-j9w6}"

reachable() {
    "$BIN/python" - "$1" <<'PY'
import sys
import urllib.request

try:
    urllib.request.urlopen(sys.argv[1], timeout=15)  # noqa: S310 - a fixed https URL
except Exception as error:  # any failure means: no advisory data there
    print(f"advisory data unreachable ({sys.argv[1]}): {error}", file=sys.stderr)
    sys.exit(1)
PY
}

if reachable "$PYPI_PROBE"; then
    service=pypi
elif reachable "$OSV_PROBE"; then
    service=osv
else
    if [[ "${INVENTORY_AUDIT_REQUIRED:-0}" == "1" ]]; then
        echo "dependency audit FAILED: no advisory data is reachable (PyPI, OSV)" >&2
        exit 1
    fi
    echo "dependency audit SKIPPED: no advisory data is reachable from here (PyPI, OSV)" >&2
    exit 0
fi

ignore=()
while read -r id; do
    ignore+=(--ignore-vuln "$id")
done < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$IGNORED" | grep -v '^$')

requirements="$(mktemp)"
trap 'rm -f "$requirements"' EXIT
"$UV" export --frozen --all-extras --all-groups --no-emit-project --quiet -o "$requirements"
echo "dependency audit: advisories from $service, $((${#ignore[@]} / 2)) ignored (see $IGNORED)" >&2
"$BIN/pip-audit" --requirement "$requirements" --require-hashes --disable-pip --strict \
    --progress-spinner off --vulnerability-service "$service" "${ignore[@]}"
