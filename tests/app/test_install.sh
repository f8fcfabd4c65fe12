#!/usr/bin/env bash
# WFVAE Studio installed like a desktop app: `cmake --install` into a temporary prefix
# gives bin/wfvae and bin/wfvae-studio, the bundled models and sample under
# share/wfvae-studio/assets, a valid .desktop file and its icon; the installed binaries
# run from there on their own installed assets (no WFVAE_ASSETS, a working folder
# outside the source tree), find LibTorch through their RPATH, and the studio opens a
# file the way a file manager starts it (the .desktop file's Exec line, %f = the file);
# with cpack, the .deb lists the same tree and its Depends.
# Usage: test_install.sh path/to/build/app/wfvae (the build folder is found above it).
set -euo pipefail
source "$(dirname "$0")/app_test_lib.sh"  # $wfvae, $src, skip/fail/note; the scratch folder $tmp is the current one

build=$(cd "$(dirname "$wfvae")" && pwd)
while [ "$build" != / ] && [ ! -f "$build/CMakeCache.txt" ]; do build=$(dirname "$build"); done
[ -f "$build/cmake_install.cmake" ] || fail "no build folder with cmake_install.cmake above $wfvae"
studio_built=$(sed -n 's/^WFVAE_WITH_STUDIO:BOOL=//p' "$build/CMakeCache.txt")

prefix="$tmp/prefix with space"  # $tmp: outside the source tree
unset WFVAE_ASSETS
export XDG_CONFIG_HOME=$tmp/config  # the studio's settings: none, and the user's left alone

note "cmake --install into $prefix"
cmake --install "$build" --prefix "$prefix" >install.log 2>&1 || {
  cat install.log
  fail "cmake --install failed"
}
assets=$prefix/share/wfvae-studio/assets
for f in bin/wfvae share/wfvae-studio/assets/models/wfvae-tiny-gn/config.json \
  share/wfvae-studio/assets/models/wfvae-tiny-gn/diffusion_pytorch_model.safetensors \
  share/wfvae-studio/assets/models/wfvae-tiny-ln/config.json share/wfvae-studio/assets/samples/city-cc0.mp4; do
  [ -e "$prefix/$f" ] || fail "$f is not installed"
done
[ -x "$prefix/bin/wfvae" ] || fail "bin/wfvae is not executable"
if [ "$studio_built" != OFF ]; then
  for f in bin/wfvae-studio share/applications/wfvae-studio.desktop \
    share/icons/hicolor/scalable/apps/wfvae-studio.svg; do
    [ -e "$prefix/$f" ] || fail "$f is not installed"
  done
fi
# Nothing of the build or the source tree comes along (tests, static libraries, sources).
extra=$(cd "$prefix" && find . -type f ! -path './bin/wfvae' ! -path './bin/wfvae-studio' \
  ! -path './share/wfvae-studio/assets/*' ! -path './share/applications/wfvae-studio.desktop' \
  ! -path './share/icons/hicolor/scalable/apps/wfvae-studio.svg')
[ -z "$extra" ] || fail "unexpected files installed: $extra"

note "the installed binaries find LibTorch through their RUNPATH"
for b in "$prefix"/bin/*; do
  runpath=$(readelf -d "$b" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]/\1/p')
  [ -n "$runpath" ] || fail "$b has no RUNPATH"
  case ":$runpath:" in *"$build"*) fail "$b's RUNPATH names the build folder: $runpath" ;; esac
  ldd "$b" | grep -q "not found" && fail "$b: libraries not found: $(ldd "$b" | grep 'not found')"
done
echo "RUNPATH: $runpath"

note "installed wfvae recon, on the installed sample, with the installed default model"
clip=$assets/samples/city-cc0.mp4
set +e
"$prefix/bin/wfvae" recon "$clip" -o recon.mkv --size 64x64 --frames 5 --metrics m.json >out.txt 2>err.txt
rc=$?
set -e
[ "$rc" -eq 0 ] || {
  cat out.txt err.txt
  fail "installed wfvae recon exited $rc"
}
[ -s recon.mkv ] || fail "no recon.mkv"
model_path=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["model"]["path"])' m.json)
[ "$model_path" = "$assets/models/wfvae-tiny-gn" ] ||
  fail "the installed wfvae used the model at $model_path, not the installed $assets/models/wfvae-tiny-gn"
echo "model: $model_path"
# Its own installed assets even when the source tree it was built from is there: with
# the installed model hidden it says the bundled model is missing, rather than
# quietly taking the source tree's.
mv "$assets/models/wfvae-tiny-gn" "$tmp/hidden-model"
set +e
"$prefix/bin/wfvae" recon "$clip" -o recon2.mkv --size 64x64 --frames 5 >out.txt 2>err.txt
rc=$?
set -e
mv "$tmp/hidden-model" "$assets/models/wfvae-tiny-gn"
[ "$rc" -eq 2 ] && grep -q "no bundled default model" err.txt || {
  cat out.txt err.txt
  fail "with the installed model gone the installed wfvae exited $rc (expected 2, no bundled default model)"
}

if [ "$studio_built" = OFF ]; then
  echo "PASS (the studio is not built: its part skipped)"
  exit 0
fi

note "the .desktop file"
desktop=$prefix/share/applications/wfvae-studio.desktop
if command -v desktop-file-validate >/dev/null; then
  desktop-file-validate "$desktop" || fail "desktop-file-validate rejects $desktop"
else
  echo "desktop-file-validate not installed (desktop-file-utils): not validated"
fi
grep -qx 'Exec=wfvae-studio %f' "$desktop" || fail "Exec is not 'wfvae-studio %f'"
grep -qx 'Icon=wfvae-studio' "$desktop" || fail "Icon is not wfvae-studio"
for t in video/mp4 video/x-matroska video/webm image/png; do
  grep -q "^MimeType=.*$t;" "$desktop" || fail "MimeType lacks $t"
done
grep -q '<svg' "$prefix/share/icons/hicolor/scalable/apps/wfvae-studio.svg" || fail "the icon is not an SVG"

note "the installed studio opens a file as a file manager starts it (Exec, %f = the file)"
command -v xvfb-run >/dev/null || skip "xvfb-run is not installed (scripts/setup installs xvfb and xauth)"
mkdir -p "$tmp/My Videos"
cp "$clip" "$tmp/My Videos/city clip.mp4"
read -r -a exec_line <<<"$(sed -n 's/^Exec=//p' "$desktop")"
argv=()
for a in "${exec_line[@]}"; do
  if [ "$a" = %f ]; then argv+=("$tmp/My Videos/city clip.mp4"); else argv+=("$a"); fi
done
printf '%q ' "${argv[@]}" >cmd.sh
printf -- '--frames 5 --max-short-side 64 --window 1280x800 --timeout 300 --screenshot shot.png --dump-state state.json' >>cmd.sh
printf ' >studio.log 2>&1; echo $? >studio.code\n' >>cmd.sh
# PATH as a desktop session has it, with the prefix's bin/ (where the file manager finds it).
PATH="$prefix/bin:$PATH" xvfb-run -a -s "-screen 0 1600x1000x24" sh cmd.sh >/dev/null 2>&1 || true
code=$(cat studio.code 2>/dev/null || echo none)
[ "$code" = 0 ] || {
  cat studio.log 2>/dev/null
  fail "the installed studio exited $code"
}
/usr/bin/python3 - "$tmp" "$assets" <<'EOF' || fail "the installed studio's screenshot or state is wrong"
import json, struct, sys, zlib
tmp, assets = sys.argv[1], sys.argv[2]
png = open(f"{tmp}/shot.png", "rb").read()
assert png[:8] == b"\x89PNG\r\n\x1a\n", "shot.png is not a PNG"
w, h = struct.unpack(">II", png[16:24])
assert (w, h) == (1280, 800), f"shot.png is {w}x{h}"
# Non-trivial: the inflated image data holds many distinct bytes (a blank or one-colour
# window compresses to almost nothing and has a handful).
data, pos = b"", 8
while pos < len(png):
    n, kind = struct.unpack(">I4s", png[pos:pos + 8])
    if kind == b"IDAT":
        data += png[pos + 8:pos + 8 + n]
    pos += 12 + n
raw = zlib.decompress(data)
assert len(set(raw)) > 64 and len(data) > 20000, f"shot.png looks blank ({len(set(raw))} byte values, {len(data)} bytes)"
s = json.load(open(f"{tmp}/state.json"))
text = json.dumps(s)
assert f"{tmp}/My Videos/city clip.mp4" in text, "the state does not name the opened file"
assert f"{assets}/models/wfvae-tiny-gn" in text, "the studio did not use the installed model"
print(f"shot.png {w}x{h}, {len(set(raw))} byte values; state names the file and the installed model")
EOF

if command -v cpack >/dev/null && command -v dpkg-deb >/dev/null; then
  note "cpack -G DEB"
  cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/pkg" >cpack.log 2>&1 || {
    cat cpack.log
    fail "cpack -G DEB failed"
  }
  deb=$(ls "$tmp"/pkg/*.deb)
  dpkg-deb -c "$deb" >contents.txt
  for f in ./usr/bin/wfvae ./usr/bin/wfvae-studio ./usr/share/applications/wfvae-studio.desktop \
    ./usr/share/icons/hicolor/scalable/apps/wfvae-studio.svg \
    ./usr/share/wfvae-studio/assets/models/wfvae-tiny-gn/config.json; do
    grep -q " $f\$" contents.txt || fail "$(basename "$deb") lacks $f"
  done
  depends=$(dpkg-deb -f "$deb" Depends)
  for p in libavcodec59 libglfw3 libc6; do
    case $depends in *"$p"*) ;; *) fail "Depends lacks $p: $depends" ;; esac
  done
  # Captured first: `producer | grep -q` under pipefail fails when grep's early exit
  # cuts the producer off (SIGPIPE), as it once did here.
  description=$(dpkg-deb -f "$deb" Description)
  case $description in *LibTorch*) ;; *) fail "the description does not say where LibTorch comes from" ;; esac
  echo "$(basename "$deb"): Depends: $depends"
else
  echo "cpack or dpkg-deb not installed: no .deb built"
fi
echo PASS
