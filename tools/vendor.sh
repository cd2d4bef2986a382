#!/usr/bin/env bash
# Refresh the vendored front-end files from the npm registry at the pinned versions (`make vendor`).
#
# The pages load nothing from a CDN, so a provider's Content-Security-Policy can be `script-src 'self'`: each
# package is fetched with `npm pack` at the version pinned here, and only the files the pages use (minified CSS
# and JS, the icon font) are copied, each package's licence beside them. axe-core is for the browser tests only
# and goes under tests/web/static.
set -euo pipefail
cd "$(dirname "$0")/.."

BOOTSTRAP=5.3.8
BOOTSTRAP_ICONS=1.13.1
HTMX=2.0.7
CHARTJS=4.5.0
SORTABLEJS=1.15.6
AXE=4.10.3

static=proxvps/web/static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

unpack() {  # unpack NAME VERSION: the package's files under $work/NAME/package
  mkdir -p "$work/$1"
  (cd "$work/$1" && npm pack --silent "$1@$2" >/dev/null && tar -xzf ./*.tgz)
}

licence() {  # licence NAME DEST: the package's licence file next to its files
  local file
  file=$(ls "$work/$1/package" | grep -iE '^licen[cs]e' | head -1)
  cp "$work/$1/package/$file" "$2/LICENSE"
}

rm -rf "$static" tests/web/static
mkdir -p "$static"/{bootstrap,bootstrap-icons/fonts,htmx,chartjs,sortablejs} tests/web/static

unpack bootstrap "$BOOTSTRAP"
cp "$work/bootstrap/package/dist/css/bootstrap.min.css" "$work/bootstrap/package/dist/css/bootstrap.rtl.min.css" \
   "$work/bootstrap/package/dist/js/bootstrap.bundle.min.js" "$static/bootstrap/"
licence bootstrap "$static/bootstrap"

unpack bootstrap-icons "$BOOTSTRAP_ICONS"
# The stylesheet without its source-map comment; the fonts it names sit in fonts/ beside it.
grep -v sourceMappingURL "$work/bootstrap-icons/package/font/bootstrap-icons.min.css" \
  >"$static/bootstrap-icons/bootstrap-icons.min.css"
cp "$work/bootstrap-icons/package/font/fonts/bootstrap-icons.woff2" \
   "$work/bootstrap-icons/package/font/fonts/bootstrap-icons.woff" "$static/bootstrap-icons/fonts/"
licence bootstrap-icons "$static/bootstrap-icons"

unpack htmx.org "$HTMX"
cp "$work/htmx.org/package/dist/htmx.min.js" "$static/htmx/"
licence htmx.org "$static/htmx"

unpack chart.js "$CHARTJS"
cp "$work/chart.js/package/dist/chart.umd.min.js" "$static/chartjs/" 2>/dev/null \
  || cp "$work/chart.js/package/dist/chart.umd.js" "$static/chartjs/chart.umd.min.js"
licence chart.js "$static/chartjs"

unpack sortablejs "$SORTABLEJS"
cp "$work/sortablejs/package/Sortable.min.js" "$static/sortablejs/"
licence sortablejs "$static/sortablejs"

unpack axe-core "$AXE"
cp "$work/axe-core/package/axe.min.js" tests/web/static/
licence axe-core tests/web/static

# Source-map comments name files that are not vendored; whitenoise's manifest would fail on them.
sed -i '/sourceMappingURL/d' "$static"/*/*.js "$static"/bootstrap/*.css tests/web/static/axe.min.js

cat >"$static/VERSIONS" <<VERSIONS
bootstrap $BOOTSTRAP
bootstrap-icons $BOOTSTRAP_ICONS
htmx.org $HTMX
chart.js $CHARTJS
sortablejs $SORTABLEJS
axe-core $AXE (tests/web/static)
VERSIONS
echo "vendored: $(tr '\n' ' ' <"$static/VERSIONS")"
