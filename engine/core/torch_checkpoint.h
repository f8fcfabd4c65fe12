// `torch.save` files (.ckpt / .pt / .bin / .pth) read without Python or LibTorch:
// the zip format (torch >= 1.6) and the legacy one (a pickle stream followed by
// raw storages; lpips' alex.pth is one, with Python 2 strings and storages tagged
// cuda:0, which only name where they once lived). The file is memory-mapped; the
// pickle is read by the safe reader of core/pickle.h, so nothing in it runs.
//
// On top of it: the reference's rule for which state dict of a training
// checkpoint holds the model (WFVAEModel.init_from_ckpt in
// causalvideovae/model/vae/modeling_wfvae.py), and a report of what was left aside.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/config.h"
#include "core/fileutil.h"
#include "core/pickle.h"
#include "core/safetensors.h"
#include "core/weight_source.h"
#include "core/zip_reader.h"

namespace wfvae {

struct TorchStorage {
  std::string key;
  std::string location;  // "cpu", "cuda:0": informational only
  StDType dtype = StDType::F32;
  int64_t numel = 0;
  const uint8_t* data = nullptr;  // set once the storage's record is found
  int view_of = -1;               // legacy storage views: the storage viewed, and where
  int64_t view_offset = 0;
};

struct TorchTensor {
  int storage = -1;
  StDType dtype = StDType::F32;
  int64_t offset = 0;  // in elements of the storage
  std::vector<int64_t> shape, stride;
  int64_t numel() const;
};

class TorchCheckpoint {
 public:
  explicit TorchCheckpoint(const std::filesystem::path& path);
  ~TorchCheckpoint();
  TorchCheckpoint(const TorchCheckpoint&) = delete;
  TorchCheckpoint& operator=(const TorchCheckpoint&) = delete;

  // Whether the file starts like a torch.save file (zip or legacy pickle).
  static bool sniff(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return path_; }
  // "zip" or "legacy".
  const std::string& format() const { return format_; }
  const pickle::Arena& arena() const { return arena_; }
  pickle::Ref root() const { return root_; }
  const std::vector<TorchTensor>& tensors() const { return tensors_; }
  const std::vector<TorchStorage>& storages() const { return storages_; }
  uint64_t file_bytes() const { return file_.size(); }

  // The tensor's elements in row-major order (strides honoured), as float32.
  std::vector<float> read_float(const TorchTensor& t, const std::string& name) const;

 private:
  pickle::Ref persistent_load(pickle::Arena& a, pickle::Ref pid);
  pickle::Ref reduce(pickle::Arena& a, const std::string& callable, pickle::Ref args);
  void read_zip();
  void read_legacy();
  void check_tensors() const;

  std::filesystem::path path_;
  std::string format_;
  MappedFile file_;
  pickle::Arena arena_;
  pickle::Ref root_ = -1;
  std::vector<TorchStorage> storages_;
  std::vector<TorchTensor> tensors_;
  std::unique_ptr<ZipIndex> zip_;
  std::string zip_prefix_;
};

struct StateDictSelection {
  std::string branch;           // "ema_state_dict", "state_dict[\"gen_model\"]", "state_dict", "the top-level dict"
  std::string reason;           // why that branch, in the reference's order
  std::string prefix_stripped;  // "module." (EMA branch) or ""
  int64_t prefix_count = 0;     // keys it was removed from
  std::vector<std::pair<std::string, int>> tensors;  // key -> index in TorchCheckpoint::tensors()
  std::vector<std::string> not_tensors;              // "key (int 3)": values of the dict that are not tensors
  std::vector<std::string> left_aside;               // one line per other part of the file
};

// Follows the reference's order (EMA, state_dict["gen_model"], state_dict, the
// dict itself). BadInput errors name the file and what it holds instead.
StateDictSelection select_state_dict(const TorchCheckpoint& ckpt, WeightsChoice choice);

// The chosen state dict as a WeightSource for the model loader.
class CheckpointWeights : public WeightSource {
 public:
  CheckpointWeights(const TorchCheckpoint& ckpt, StateDictSelection selection);
  std::string path() const override { return ckpt_.path().string(); }
  const std::vector<WeightEntry>& entries() const override { return entries_; }
  std::vector<float> read_float(size_t index) const override;
  std::vector<std::string> not_weights() const override { return selection_.not_tensors; }
  const StateDictSelection& selection() const { return selection_; }

 private:
  const TorchCheckpoint& ckpt_;
  StateDictSelection selection_;
  std::vector<WeightEntry> entries_;
};

}  // namespace wfvae
