#!/usr/bin/env bash
# wfvae parity fails a fixture whose reference holds NaN or Inf (it used to pass one
# whose reference tensor was all NaN: only our side was checked). Exit 77 (skipped)
# without the shared fixtures.
set -euo pipefail
wfvae=$1
[ -d "$2" ] && io=$(find "$2" -name io.safetensors 2>/dev/null | sort | head -n 1) || io=""
[ -n "$io" ] || { echo "SKIP: no parity fixture under $2"; exit 77; }
fixture=$(cd "$(dirname "$io")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
# Makes a copy of the fixture with tensor $2 of io.safetensors filled with $3 (nan, inf).
poisoned() {
  rm -rf "$tmp/$1"
  cp -r "$fixture" "$tmp/$1"
  chmod -R u+w "$tmp/$1"
  python3 - "$tmp/$1/io.safetensors" "$2" "$3" <<'PY'
import json, struct, sys
path, name, value = sys.argv[1:]
data = bytearray(open(path, "rb").read())
n = struct.unpack("<Q", data[:8])[0]
e = json.loads(data[8:8 + n])[name]
assert e["dtype"] == "F32"
begin, end = (8 + n + o for o in e["data_offsets"])
data[begin:end] = struct.pack("<f", float(value)) * ((end - begin) // 4)
open(path, "wb").write(data)
PY
}
for case in "recon nan" "latent_mean inf" "recon_tiled -inf"; do
  read -r tensor value <<<"$case"
  poisoned "$tensor-$value" "$tensor" "$value"
  set +e
  "$wfvae" parity "$tmp/$tensor-$value" >out.txt 2>&1
  rc=$?
  set -e
  cat out.txt
  [ "$rc" -eq 4 ] || { echo "FAIL: parity with $tensor all $value in the reference exited $rc, expected 4"; exit 1; }
  grep -q "^  io   $tensor .*FAIL: .* non-finite values (NaN/Inf) in the reference" out.txt ||
    { echo "FAIL: the $tensor line does not say why"; exit 1; }
done
echo "PASS"
