#!/usr/bin/env bash
# The docs stay true to the tree: (1) the README stays a short first page (at most 180
# lines); (2) every function or class named in the last column of docs/architecture.md's
# paper-to-code table exists under engine/, ui/ or app/; (3) every relative link in the
# README, CONTRIBUTING.md and docs/*.md points at a file that exists (and, with a
# #fragment into a Markdown file, at a heading that exists there).
# No LibTorch, no build: it reads text (grep, sed, awk).
set -euo pipefail
root=${WFVAE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
cd "$root"
failures=()

# (1) The README's length.
readme_lines=$(wc -l <README.md)
if [ "$readme_lines" -gt 180 ]; then
  failures+=("README.md has $readme_lines lines; at most 180 (move details into docs/)")
else
  echo "README.md: $readme_lines lines (at most 180)"
fi

# (2) The paper-to-code table: the rows after the heading "## The paper in the code", up
# to the next heading; the header and separator rows are skipped.
doc=docs/architecture.md
sources=(engine ui app)
src_grep() {  # src_grep EXTENDED-REGEX: found in a C++ source or header?
  grep -rEq --include='*.h' --include='*.hpp' --include='*.cpp' --include='*.cc' "$1" "${sources[@]}"
}
if [ ! -f "$doc" ]; then
  failures+=("$doc does not exist")
else
  rows=$(awk '/^## The paper in the code/ { on = 1; next } on && /^#/ { exit } on && /^\|/ { print }' "$doc" |
    awk 'NR > 2')
  nrows=0
  nnames=0
  while IFS= read -r row; do
    [ -n "$row" ] || continue
    nrows=$((nrows + 1))
    # The last column: the text between the last two pipes.
    last=$(printf '%s\n' "$row" | sed -E 's/[[:space:]]*\|[[:space:]]*$//; s/.*\|//')
    names=$(printf '%s\n' "$last" | grep -oE '`[^`]+`' | tr -d '`' || true)
    if [ -z "$names" ]; then
      failures+=("$doc: a paper-table row names no function or class in its last column: $row")
      continue
    fi
    while IFS= read -r name; do
      nnames=$((nnames + 1))
      if ! printf '%s\n' "$name" | grep -qE '^[A-Za-z_][A-Za-z0-9_]*(::~?[A-Za-z_][A-Za-z0-9_]*)?$'; then
        failures+=("$doc: '$name' in the paper table is not a C++ name (Class::method or function)")
        continue
      fi
      case "$name" in
        *::*)
          type=${name%%::*}
          member=${name#*::}
          src_grep "\b(class|struct|namespace)[[:space:]]+$type\b" ||
            failures+=("$doc: $name: no class, struct or namespace $type under engine/ ui/ app/")
          src_grep "(^|[^A-Za-z0-9_])$member[[:space:]]*\(" ||
            failures+=("$doc: $name: no $member( under engine/ ui/ app/")
          ;;
        *)
          src_grep "(^|[^A-Za-z0-9_])$name[[:space:]]*\(|\b(class|struct)[[:space:]]+$name\b" ||
            failures+=("$doc: $name: no function $name( and no class or struct $name under engine/ ui/ app/")
          ;;
      esac
    done <<<"$names"
  done <<<"$rows"
  if [ "$nrows" -eq 0 ]; then
    failures+=("$doc: no rows found under '## The paper in the code'")
  else
    echo "$doc: $nrows paper-table rows, $nnames names looked up"
  fi
fi

# (3) Relative links. A heading's anchor as GitHub makes it: lower case, punctuation
# other than '-' and '_' removed, spaces to '-'.
anchors_of() {
  awk '/^```/ { code = !code; next } !code && /^#+ / { sub(/^#+ +/, ""); print }' "$1" |
    tr '[:upper:]' '[:lower:]' | LC_ALL=C sed -E 's/[^a-z0-9 _-]//g; s/ /-/g'
}
docs=(README.md CONTRIBUTING.md docs/*.md)
nlinks=0
for file in "${docs[@]}"; do
  [ -f "$file" ] || continue
  dir=$(dirname "$file")
  # Links outside code blocks and inline code: ](target) with no spaces in the target.
  links=$(awk '/^```/ { code = !code; next } !code { gsub(/`[^`]*`/, ""); print }' "$file" |
    grep -oE '\]\([^) ]+\)' | sed -E 's/^\]\(//; s/\)$//' || true)
  while IFS= read -r link; do
    [ -n "$link" ] || continue
    case "$link" in
      http://* | https://* | mailto:*) continue ;;
    esac
    nlinks=$((nlinks + 1))
    path=${link%%#*}
    fragment=
    [ "$path" = "$link" ] || fragment=${link#*#}
    if [ -z "$path" ]; then
      target=$file
    else
      target=$dir/$path
    fi
    if [ ! -e "$target" ]; then
      failures+=("$file: link ($link) points at $target, which does not exist")
      continue
    fi
    if [ -n "$fragment" ] && [ -f "$target" ] && [[ "$target" == *.md ]]; then
      # Captured first: grep -q's early exit must not fail the pipeline (pipefail, SIGPIPE).
      grep -qxF -- "$fragment" <<<"$(anchors_of "$target")" ||
        failures+=("$file: link ($link): $target has no heading with the anchor #$fragment")
    fi
  done <<<"$links"
done
echo "links: $nlinks relative links checked in ${docs[*]}"

if [ ${#failures[@]} -gt 0 ]; then
  printf 'FAIL %s\n' "${failures[@]}"
  exit 1
fi
echo PASS
