# Sourced by the tests/app scripts (directly, or through media_test_lib.sh): the wfvae
# binary ($1, made absolute), the source tree, small assertion helpers, and a scratch
# folder to work in (the current folder from here on, removed on exit). Exit 77 means
# "skipped" to ctest.

wfvae=${1:?usage: $0 path/to/wfvae}
[ -x "$wfvae" ] || { echo "FAIL: $wfvae is not an executable" >&2; exit 1; }
wfvae=$(cd "$(dirname "$wfvae")" && pwd)/$(basename "$wfvae")
src=${WFVAE_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

skip() {
  echo "SKIP: $*"
  exit 77
}
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
note() { echo "-- $*"; }

# Runs wfvae, keeping stdout/stderr in out.txt/err.txt and the exit code in $rc.
run() {
  set +e
  "$wfvae" "$@" >out.txt 2>err.txt
  rc=$?
  set -e
}
expect_rc() {
  local want=$1
  shift
  run "$@"
  if [ "$rc" -ne "$want" ]; then
    echo "--- stdout"; cat out.txt; echo "--- stderr"; cat err.txt
    fail "wfvae $* exited $rc, expected $want"
  fi
}
expect_in() {  # expect_in FILE TEXT
  grep -qF -- "$2" "$1" || { echo "--- $1"; cat "$1"; fail "expected \"$2\" in $1"; }
}
expect_all() {  # expect_all FILE TEXT...: every TEXT in FILE
  local file=$1 t
  shift
  for t in "$@"; do expect_in "$file" "$t"; done
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
