// OpenGL 3.3 core declarations for the studio (libGL exports the entry points; the
// build defines GL_GLEXT_PROTOTYPES and GLFW_INCLUDE_NONE).
#pragma once

#include <GL/glcorearb.h>
