// wfvae-studio: the desktop studio (see ui/studio.h and `wfvae-studio --help`).
#include <cstdio>

#include "core/error.h"
#include "gl/gl_probe.h"
#include "options.h"
#include "studio.h"

int main(int argc, char** argv) {
  using namespace wfvae;
  try {
    std::optional<studio::Options> options = studio::parse_options(argc, argv);
    if (!options) return 0;
    if (options->gl_info) return studio::print_gl_info();
    studio::Studio app(std::move(*options));
    return app.run();
  } catch (const Error& e) {
    std::fprintf(stderr, "wfvae-studio: %s\n", e.what());
    return exit_code_for(e.kind());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "wfvae-studio: %s\n", e.what());
    return 3;
  }
}
