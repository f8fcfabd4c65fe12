// Shared by every studio shader (prepended after the #version line).

// Diverging colormap with a black centre: -1 -> light blue, 0 -> black, +1 -> light
// orange. Black at zero keeps "no difference" / "no coefficient" dark on the studio's
// dark background; the two hues stay distinguishable for red-green colour blindness.
vec3 diverging(float t) {
  float a = clamp(abs(t), 0.0, 1.0);
  vec3 mid = t < 0.0 ? vec3(0.16, 0.47, 0.96) : vec3(0.96, 0.42, 0.10);
  vec3 end = t < 0.0 ? vec3(0.78, 0.90, 1.00) : vec3(1.00, 0.90, 0.66);
  // Square-root ramp: small values are visible without hiding the large ones.
  float s = sqrt(a);
  return s < 0.7 ? mid * (s / 0.7) : mix(mid, end, (s - 0.7) / 0.3);
}

const vec3 kLumaWeights = vec3(0.299, 0.587, 0.114);  // BT.601, as most codecs' luma
