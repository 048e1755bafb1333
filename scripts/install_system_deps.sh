#!/usr/bin/env bash
# Install the Debian packages that the PDF export (WeasyPrint: Pango and the DejaVu fonts), its preview pages
# (pdftoppm) and the browser test need, when they are missing.
# Without root or apt-get, say in one line what to install and carry on: HTML reports are still written.
set -u
packages=(libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils chromium)
missing=()
have_library() { ldconfig -p 2>/dev/null | grep -q "$1"; }
have_library libpango-1.0.so.0 || missing+=(libpango-1.0-0)
have_library libpangoft2-1.0.so.0 || missing+=(libpangoft2-1.0-0)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf ] || missing+=(fonts-dejavu-core)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian packages: ${missing[*]} (about 1-2 minutes) ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    && exit 0
  echo "WARNING: apt-get could not install ${missing[*]}; HTML reports will be written, PDFs skipped." >&2
  exit 0
fi
echo "NOTE: PDF export needs Debian packages ${packages[*]} (sudo apt-get install ${missing[*]}); HTML reports are still written." >&2
exit 0
