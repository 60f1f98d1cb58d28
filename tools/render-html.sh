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
#
# A headless window is 500 pixels wide at least: the page is framed at
# the width asked (1024 or 390), the rest of the picture left grey. The
# frame is the phone's screen: its media queries see 390.
set -eu
[ $# -ge 1 ] || { echo "usage: $0 FILE.html [OUTDIR]" >&2; exit 2; }
html=$(realpath "$1")
out=${2:-$(dirname "$html")}
name=$(basename "$html" .html)
mkdir -p "$out"
profile=$(mktemp -d "${TMPDIR:-/tmp}/render-html.XXXXXX")
trap 'rm -rf "$profile"' EXIT

shot() { # WIDTH HEIGHT SCHEME FILE
	printf '%s\n' '<!DOCTYPE html>' \
	    '<html><body style="margin:0;background:#888">' \
	    "<iframe src=\"file://$html\" width=\"$1\" height=\"$2\"" \
	    ' style="border:0;display:block"></iframe></body></html>' \
	    > "$profile/frame.html"
	# shellcheck disable=SC2046
	chromium --headless --no-sandbox --disable-gpu \
	    --disable-background-networking --disable-component-update \
	    --disable-sync --no-first-run --hide-scrollbars \
	    --user-data-dir="$profile/p" \
	    $( [ "$3" = dark ] && echo --force-dark-mode \
	    --blink-settings=preferredColorScheme=0 ) \
	    --screenshot="$4" --window-size="$(( $1 < 500 ? 500 : $1 )),$2" \
	    "file://$profile/frame.html" > /dev/null 2>&1
	[ -s "$4" ] || { echo "$0: chromium wrote no $4" >&2; exit 1; }
	echo "$4"
}
for scheme in light dark; do
	shot 1024 2400 "$scheme" "$out/$name-desktop-$scheme.png"
	shot 390 3200 "$scheme" "$out/$name-phone-$scheme.png"
done
