// The LPIPS view: the current frame's spatial LPIPS map (lpips' spatial=True output,
// one value per pixel) through inferno over the reconstruction in grey, zoomed and
// panned like the compare views (same uniforms as compare.frag). The map's values
// are divided by u_full_scale (the top of the legend); u_opacity mixes the heatmap
// over the image (1: heatmap alone).
uniform sampler2D u_b;         // the reconstruction
uniform sampler2D u_map;       // R32F, the LPIPS map of this frame, same size
uniform ivec2 u_image_size;
uniform float u_flip_height;
uniform vec2 u_pane_center;
uniform vec2 u_center;
uniform float u_zoom;
uniform float u_full_scale;
uniform float u_opacity;
out vec4 o_color;

void main() {
  vec2 frag = vec2(gl_FragCoord.x, u_flip_height - gl_FragCoord.y);
  vec2 size = vec2(u_image_size);
  vec2 uv = clamp(u_center + (frag - u_pane_center) / u_zoom, vec2(0.0), size - vec2(0.001)) / size;
  float grey = dot(texture(u_b, uv).rgb, kLumaWeights);
  float v = texture(u_map, uv).r;
  vec3 heat = inferno(u_full_scale > 0.0 ? v / u_full_scale : 0.0);
  o_color = vec4(mix(vec3(grey), heat, u_opacity), 1.0);
}
