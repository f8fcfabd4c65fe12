// The compare view: one pane of A (original) and B (reconstruction), zoomed and
// panned the same way in every pane. Built once per mode (MODE_A, MODE_B,
// MODE_SPLIT, MODE_ABS_DIFF, MODE_SIGNED_DIFF): a software rasterizer would run
// every branch. Drawn straight into the window during the UI's render pass, over
// the image's visible rectangle only; the window's rows run bottom-up, so
// u_flip_height turns them top-down. Nearest or linear sampling comes from the
// textures' filter (nearest from 1:1 up: pixel-exact).
uniform sampler2D u_a;
uniform sampler2D u_b;
uniform ivec2 u_image_size;    // A and B have the same size
uniform float u_flip_height;   // the framebuffer's height (rows counted from the top)
uniform vec2 u_pane_center;    // the pane's centre in framebuffer pixels (from the top-left)
uniform vec2 u_center;         // image coordinate shown at the pane centre
uniform float u_zoom;          // framebuffer pixels per image pixel
uniform float u_split;         // split: fraction of the image width where B starts
uniform float u_gain;          // differences: amplification
uniform int u_luma;            // differences: of luma instead of RGB
out vec4 o_color;

void main() {
  vec2 frag = vec2(gl_FragCoord.x, u_flip_height - gl_FragCoord.y);
  vec2 size = vec2(u_image_size);
  // Edge fragments of the image's rectangle may fall just outside it.
  vec2 uv = clamp(u_center + (frag - u_pane_center) / u_zoom, vec2(0.0), size - vec2(0.001)) / size;
#if defined(MODE_A)
  vec3 color = texture(u_a, uv).rgb;
#elif defined(MODE_B)
  vec3 color = texture(u_b, uv).rgb;
#elif defined(MODE_SPLIT)
  vec3 color = uv.x < u_split ? texture(u_a, uv).rgb : texture(u_b, uv).rgb;
#else
  vec3 d = texture(u_b, uv).rgb - texture(u_a, uv).rgb;
#if defined(MODE_ABS_DIFF)
  vec3 color = u_luma != 0 ? vec3(abs(dot(d, kLumaWeights))) * u_gain : abs(d) * u_gain;
#else
  float s = u_luma != 0 ? dot(d, kLumaWeights) : (d.r + d.g + d.b) / 3.0;
  vec3 color = diverging(s * u_gain);
#endif
#endif
  o_color = vec4(clamp(color, 0.0, 1.0), 1.0);
}
