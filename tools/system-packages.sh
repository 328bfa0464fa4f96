#!/usr/bin/env bash
# Install the Debian packages the audit or its tests need when they are missing.
#   tools/system-packages.sh [--optional] browser spark
# browser: chromium and its fonts (the report's PDF, the browser tests).
# spark: a Java runtime for PySpark (the Spark engine, its parity test): Java 17.
# Without root or apt-get it says in one line what to run, and fails (or, with --optional,
# carries on: the audit then makes the HTML report only).
set -euo pipefail

optional=0
if [ "${1:-}" = "--optional" ]; then optional=1; shift; fi

missing=()
for need in "$@"; do
    case "$need" in
        browser)
            command -v chromium >/dev/null 2>&1 || missing+=(chromium)
            [ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
            ;;
        spark)
            command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
            ;;
        *) echo "system-packages: unknown need '$need'" >&2; exit 2 ;;
    esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    exit 0
fi

echo "system-packages: ${missing[*]} missing; run: sudo apt-get install -y ${missing[*]}" >&2
[ "$optional" = 1 ] && exit 0
exit 1
