// Built without FFmpeg: no media commands.
#include "cli/commands.h"

namespace wfvae::cli {
std::vector<Command> media_commands() { return {}; }
}  // namespace wfvae::cli
