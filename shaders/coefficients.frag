// One wavelet subband (a float plane) through the diverging colormap: the tile is
// rendered at the band's own resolution and shown enlarged with nearest filtering.
uniform sampler2D u_coeffs;  // R32F, row 0 = top
uniform float u_scale;       // |value| mapped to the ends of the colormap
out vec4 o_color;

void main() {
  float v = texelFetch(u_coeffs, ivec2(gl_FragCoord.xy), 0).r;
  o_color = vec4(u_scale > 0.0 ? diverging(v / u_scale) : vec3(0.0), 1.0);
}
