// A torch.save file (zip or legacy pickle stream): the zip index, the safe
// unpickler, storages and tensor bounds, the state-dict choice, then every tensor
// of the chosen dict read. Any input must give a result or a BadInput error.
#include "core/torch_checkpoint.h"
#include "fuzz_common.h"

using namespace wfvae;

void fuzz_one(const std::string& input) {
  TorchCheckpoint c(input_file(input, ".ckpt"));
  for (WeightsChoice w : {WeightsChoice::Auto, WeightsChoice::Model}) {
    StateDictSelection s = select_state_dict(c, w);
    CheckpointWeights weights(c, s);
    for (size_t i = 0; i < weights.entries().size(); ++i) {
      try {
        (void)weights.read_float(i);
      } catch (const std::exception&) {
      }
    }
  }
}
