#!/usr/bin/env bash
# wfvae parity over every fixture folder of every fixture kind given (model
# fixtures, training-checkpoint fixtures, LPIPS and FVD); exit 77 (skipped) when
# there are none. Every fixture folder found must have been checked and passed.
wfvae=$1
shift
dirs=()
for dir in "$@"; do
  if [ -d "$dir" ] && [ -n "$(find "$dir" -name io.safetensors -print -quit 2>/dev/null)" ]; then
    dirs+=("$dir")
  else
    echo "note: no parity fixtures at $dir (they come from ../shared beside the checkout)"
  fi
done
[ ${#dirs[@]} -gt 0 ] || { echo "SKIP: no parity fixtures in $*"; exit 77; }
rc=0
for dir in "${dirs[@]}"; do
  out=$("$wfvae" parity "$dir") || rc=$?
  printf '%s\n' "$out"
  found=$(find "$dir" -name io.safetensors | wc -l)
  passed=$(printf '%s\n' "$out" | grep -c '^PASS [^:]*$' || true)
  if [ "$passed" != "$found" ]; then
    echo "FAIL: $dir holds $found fixture folders, $passed passed"
    rc=1
  fi
done
exit $rc
