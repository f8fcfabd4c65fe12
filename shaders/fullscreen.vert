// A quad covering the viewport; the fragment shaders work in gl_FragCoord.
const vec2 kCorners[4] = vec2[4](vec2(-1.0, -1.0), vec2(1.0, -1.0), vec2(-1.0, 1.0), vec2(1.0, 1.0));
void main() { gl_Position = vec4(kCorners[gl_VertexID], 0.0, 1.0); }
