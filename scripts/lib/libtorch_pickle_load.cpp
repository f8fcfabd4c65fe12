// The other way to read a torch.save file from C++: LibTorch's own unpickler
// (torch::pickle_load), for scripts/bench/bench-ckpt-load to compare with the engine's
// torch-free reader. It needs the whole file in memory first. Prints the tensors
// found in the chosen state dict and how long the read took.
#include <torch/serialize.h>
#include <torch/torch.h>

#include <chrono>
#include <fstream>
#include <iostream>
#include <iterator>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: libtorch_pickle_load FILE\n";
    return 1;
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::ifstream f(argv[1], std::ios::binary);
  std::vector<char> data((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  c10::IValue v = torch::pickle_load(data);
  int64_t tensors = 0, bytes = 0;
  // The reference's order: ema_state_dict, state_dict["gen_model"], state_dict, flat.
  c10::Dict<c10::IValue, c10::IValue> d = v.toGenericDict();
  c10::IValue chosen = v;
  if (d.contains("ema_state_dict") && d.at("ema_state_dict").toGenericDict().size() > 0) {
    chosen = d.at("ema_state_dict");
  } else if (d.contains("state_dict")) {
    auto s = d.at("state_dict").toGenericDict();
    chosen = s.contains("gen_model") ? s.at("gen_model") : d.at("state_dict");
  }
  for (const auto& kv : chosen.toGenericDict()) {
    if (!kv.value().isTensor()) continue;
    at::Tensor t = kv.value().toTensor().to(at::kFloat).contiguous();  // as a loader would use it
    ++tensors;
    bytes += t.numel() * 4;
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "libtorch pickle_load: " << tensors << " tensors, " << bytes / 1048576.0 << " MB float32 in " << s
            << " s\n";
  return 0;
}
