#!/usr/bin/env bash
# Builds vrrpd_<version>_<arch>.deb with dpkg-deb (npm run deb): the compiled JS,
# production node_modules with the native addons built for this arch, /usr/sbin/vrrpd,
# the unit, /etc/default/vrrpd, the man page and the docs.
# Usage: scripts/build-deb.sh [OUTPUT_DIR]   (default: build/)
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD
out=$(realpath -m "${1:-build}")

version=$(node -p "require('./package.json').version")
arch=$(dpkg --print-architecture)
# koffi ships prebuilt binaries for every platform; keep this one's only.
case "$arch" in
  amd64) koffi_arch=linux_x64 ;;
  arm64) koffi_arch=linux_arm64 ;;
  armhf) koffi_arch=linux_armhf ;;
  i386) koffi_arch=linux_ia32 ;;
  riscv64) koffi_arch=linux_riscv64d ;;
  loong64) koffi_arch=linux_loong64 ;;
  *) echo "build-deb: no koffi build for architecture $arch" >&2; exit 1 ;;
esac
node_major=$(node -p 'process.versions.node.split(".")[0]')

[ -f dist/main.js ] || npm run --silent build
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
lib=$root/usr/lib/vrrpd

# The program: dist, the launcher, package metadata, production dependencies.
mkdir -p "$lib/bin"
cp -r dist "$lib/"
cp bin/vrrpd "$lib/bin/vrrpd"
cp package.json package-lock.json "$lib/"
(cd "$lib" && npm ci --omit=dev --no-audit --no-fund --loglevel=error >/dev/null)
rm -f "$lib/package-lock.json"
find "$lib/node_modules/koffi/build/koffi" -mindepth 1 -maxdepth 1 ! -name "$koffi_arch" -exec rm -rf {} +
# node-gyp's intermediate objects are not needed at run time.
rm -rf "$lib/node_modules/raw-socket/build/Release/obj.target" "$lib/node_modules/raw-socket/build/Release/.deps"
mkdir -p "$root/usr/sbin"
ln -s ../lib/vrrpd/bin/vrrpd "$root/usr/sbin/vrrpd"

# systemd, defaults, man page, docs.
install -D -m 0644 systemd/vrrpd.service "$root/lib/systemd/system/vrrpd.service"
install -D -m 0644 systemd/vrrpd.default "$root/etc/default/vrrpd"
install -D -m 0644 systemd/vrrpd-hardened.conf "$root/usr/share/doc/vrrpd/examples/vrrpd-hardened.conf"
mkdir -p "$root/usr/share/man/man8"
gzip -9n <man/vrrpd.8 >"$root/usr/share/man/man8/vrrpd.8.gz"
for f in docs/*.md; do install -D -m 0644 "$f" "$root/usr/share/doc/vrrpd/$(basename "$f")"; done
install -m 0644 README.md "$root/usr/share/doc/vrrpd/README.md"
printf 'vrrpd %s\nLicense: MIT\n' "$version" >"$root/usr/share/doc/vrrpd/copyright"

# Control files.
mkdir -p "$root/DEBIAN"
installed_kb=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@SIZE@/$installed_kb/" -e "s/@NODE_MAJOR@/$node_major/g" \
  packaging/deb/control >"$root/DEBIAN/control"
cp packaging/deb/conffiles "$root/DEBIAN/conffiles"
for s in postinst prerm postrm; do install -m 0755 "packaging/deb/$s" "$root/DEBIAN/$s"; done

mkdir -p "$out"
deb="$out/vrrpd_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
cd "$top"
