#!/usr/bin/env bash
# The table of bundled models in docs/models.md (moved there from the README) says what
# their cards say: every number of a model's row (unseen clips, held-out direct and
# chunked, blockiness, the sample) is the card's, rounded as the table rounds it. The
# cards are written by scripts/lab/install-model from measurements, and
# BundledModels.ReproduceTheSampleLineOfTheirCards checks the engine against them; this
# closes the loop to the page a newcomer reads about them.
# No LibTorch, no footage: it reads text.
set -euo pipefail
root=${WFVAE_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
/usr/bin/python3 - "$root" <<'EOF'
import os, re, sys
root = sys.argv[1]
table_doc = "docs/models.md"
readme = open(os.path.join(root, table_doc)).read()
rows = re.findall(r"^\| `(wfvae-[a-z0-9-]+)`[^|]*\|(.*)\|\s*$", readme, re.M)
if not rows:
    sys.exit(f"{table_doc}: no bundled-model rows found in the model table")
failures = []
for name, rest in rows:
    card_path = os.path.join(root, "assets", "models", name, "README.md")
    if not os.path.exists(card_path):
        failures.append(f"{name}: in {table_doc}'s table but {card_path} does not exist")
        continue
    card = open(card_path).read()
    cells = [c.strip() for c in rest.split("|")]
    # norm | parameters | size | unseen PSNR / SSIM | held-out PSNR / SSIM | chunked | blockiness held-out / sample | sample
    nums = lambda cell: re.findall(r"\d+\.\d+", cell)  # kept as text: its digits are its precision
    unseen, held, chunked, blockiness, sample = (nums(c) for c in cells[3:8])
    means = re.findall(r"^\| \*\*mean\*\* \|(.*)$", card, re.M)
    if len(means) != 2:
        failures.append(f"{name}: the card should have two mean rows (held out, unseen), has {len(means)}")
        continue
    def bold(row):  # the numbers of a mean row, bold or not
        return [float(x) for x in re.findall(r"\d+\.\d+", row)]
    h, u = bold(means[0]), bold(means[1])  # held out: psnr ssim blk psnr_c ssim_c; unseen: psnr ssim blk
    m = re.search(r"as the studio first shows it \(\d+x\d+, \d+ frames, chunked\): PSNR (\d+\.\d+) dB, SSIM "
                  r"(\d+\.\d+), blockiness (\d+\.\d+)", card)
    if not m:
        failures.append(f"{name}: the card has no sample line")
        continue
    s = [float(x) for x in m.groups()]
    before = len(failures)
    want = {"unseen PSNR / SSIM": (unseen, [u[0], u[1]]), "held-out PSNR / SSIM": (held, [h[0], h[1]]),
            "chunked PSNR / SSIM": (chunked, [h[3], h[4]]), "blockiness held-out / sample": (blockiness, [h[2], s[2]]),
            "sample PSNR": (sample, [s[0]])}
    for what, (readme_vals, card_vals) in want.items():
        if len(readme_vals) != len(card_vals):
            failures.append(f"{name}: {table_doc} cell '{what}' has {readme_vals}, expected {len(card_vals)} numbers")
            continue
        for text, c in zip(readme_vals, card_vals):
            # the table rounds the card's number to its own precision (SSIM 3 digits of the card's 4)
            r, digits = float(text), len(text.split(".")[1])
            if abs(r - c) > 0.5 * 10 ** -digits + 1e-9:
                failures.append(f"{name}: {table_doc} says {what} {r}, the card {c}")
    if len(failures) == before:
        print(f"{name}: {table_doc} row matches its card (unseen {u[0]}, held out {h[0]}, sample {s[0]})")
if failures:
    print("\n".join("FAIL " + f for f in failures))
    sys.exit(1)
print("PASS")
EOF
