#!/usr/bin/env bash
# wfvae parity over every fixture folder; exit 77 (skipped) when there are none.
wfvae=$1
dir=$2
if [ ! -d "$dir" ] || [ -z "$(find "$dir" -name io.safetensors -print -quit 2>/dev/null)" ]; then
  echo "SKIP: no parity fixtures at $dir (they come from ../shared beside the checkout)"
  exit 77
fi
exec "$wfvae" parity "$dir"
