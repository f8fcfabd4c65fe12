// config.json: any JSON object through ModelConfig's reader, validation and the
// derived quantities the engine sizes its modules from.
#include "core/config.h"
#include "core/json.h"
#include "fuzz_common.h"

using namespace wfvae;

void fuzz_one(const std::string& input) {
  ModelConfig c = ModelConfig::from_json(json::parse(input), "config.json");
  c.validate("config.json");
  (void)c.valid_num_groups();
  (void)c.temporal_compression();
  (void)c.summary();
  (void)ModelConfig::from_json(c.to_json(), "round trip");
}
