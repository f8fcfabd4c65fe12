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

// matplotlib's inferno (Matt Zucker's polynomial fit), t in [0, 1]: black through
// purple and orange to pale yellow, for the LPIPS heatmap (ui/theme.cpp has its twin
// for legends).
vec3 inferno(float t) {
  const vec3 c0 = vec3(0.0002189403691192265, 0.001651004631001012, -0.01948089843709184);
  const vec3 c1 = vec3(0.1065134194856116, 0.5639564367884091, 3.932712388889277);
  const vec3 c2 = vec3(11.60249308247187, -3.972853965665698, -15.9423941062914);
  const vec3 c3 = vec3(-41.70399613139459, 17.43639888205313, 44.35414519872813);
  const vec3 c4 = vec3(77.162935699427, -33.40235894210092, -81.80730925738993);
  const vec3 c5 = vec3(-71.31942824499214, 32.62606426397723, 73.20951985803202);
  const vec3 c6 = vec3(25.13112622477341, -12.24266895238567, -23.07032500287172);
  t = clamp(t, 0.0, 1.0);
  return clamp(c0 + t * (c1 + t * (c2 + t * (c3 + t * (c4 + t * (c5 + t * c6))))), 0.0, 1.0);
}
