// The JSON parser (config.json, safetensors headers, settings): parse, then the
// printed form must parse again to the same text.
#include <cstdlib>

#include "core/json.h"
#include "fuzz_common.h"

using namespace wfvae;

void fuzz_one(const std::string& input) {
  const json::Value v = json::parse(input);
  const std::string once = json::dump(v);
  if (json::dump(json::parse(once)) != once) std::abort();  // printing is a fixed point
}
