# The bundled models and the one thing that differs between them: their norm.
# Sourced by scripts/lab/train-default and scripts/lab/gpu-train, so both train the same three.
bundled_models=(wfvae-tiny-gn wfvae-tiny-ln wfvae-tiny-gn2)
norm_flags() {
  case "$1" in
    wfvae-tiny-gn) echo "--norm-type groupnorm --num-groups 8" ;;
    wfvae-tiny-gn2) echo "--norm-type groupnorm --num-groups 2" ;;
    wfvae-tiny-ln) echo "--norm-type layernorm" ;;
    *) echo "unknown bundled model $1 (${bundled_models[*]})" >&2; exit 1 ;;
  esac
}
