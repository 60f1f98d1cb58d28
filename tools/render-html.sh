#!/bin/sh
# render-html.sh: look at an HTML email (dmarcdb digest --format html)
# the way a reader would: headless Chromium screenshots at desktop and
# phone widths, in light and dark mode.
#
#   tools/render-html.sh FILE.html [OUTDIR]
#
# Writes OUTDIR/NAME-{desktop,phone}-{light,dark}.png (OUTDIR defaults
# to the file's directory). Needs chromium (Debian: apt-get install
# chromium fonts-dejavu-core). The D-Bus errors Chromium prints without
# a session bus are harmless.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 FILE.html [OUTDIR]" >&2; exit 2; }
html=$(realpath "$1")
out=${2:-$(dirname "$html")}
name=$(basename "$html" .html)
mkdir -p "$out"
profile=$(mktemp -d "${TMPDIR:-/tmp}/render-html.XXXXXX")
trap 'rm -rf "$profile"' EXIT

shot() { # WIDTH HEIGHT SCHEME FILE
	# shellcheck disable=SC2046
	chromium --headless --no-sandbox --disable-gpu \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --no-first-run --hide-scrollbars \
	    --user-data-dir="$profile" \
	    $( [ "$3" = dark ] && echo --force-dark-mode \
	    --blink-settings=preferredColorScheme=0 ) \
	    --screenshot="$4" --window-size="$1,$2" "file://$html" \
	    > /dev/null 2>&1
	[ -s "$4" ] || { echo "$0: chromium wrote no $4" >&2; exit 1; }
	echo "$4"
}
for scheme in light dark; do
	shot 1024 2400 "$scheme" "$out/$name-desktop-$scheme.png"
	shot 390 3200 "$scheme" "$out/$name-phone-$scheme.png"
done
