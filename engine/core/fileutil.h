// File helpers that keep the "never a half-written output, never a silent
// overwrite" promise: every output goes to a hidden temporary beside the target
// and is renamed into place only when complete.
#pragma once

#include <filesystem>
#include <string>

namespace wfvae {

namespace fs = std::filesystem;

// Reads a whole file; fails with a BadInput error naming the path.
std::string read_text_file(const fs::path& path);

// Throws a BadInput error when `target` exists and overwrite is false, or when its
// folder does not exist or is not writable. Call before expensive work.
// What an output is: -y replaces a file with a file and a folder with a folder,
// never one with the other.
enum class OutputKind { File, Folder };
void check_output_path(const fs::path& target, bool overwrite, OutputKind kind = OutputKind::File);

// A temporary path beside `target` that keeps its extension (so FFmpeg can pick
// the muxer from it) — e.g. "out.mp4" -> ".out.partial-1234-1.mp4". Committing
// renames it onto the target; destruction without commit removes it.
class PendingOutput {
 public:
  PendingOutput(fs::path target, bool overwrite, OutputKind kind = OutputKind::File);
  ~PendingOutput();
  PendingOutput(const PendingOutput&) = delete;
  PendingOutput& operator=(const PendingOutput&) = delete;

  const fs::path& temp_path() const { return temp_; }
  const fs::path& target() const { return target_; }
  // Atomically moves the finished temporary (file or folder) onto the target.
  // Without overwrite an existing target is never replaced (error instead).
  void commit();

 private:
  fs::path target_;
  fs::path temp_;
  bool overwrite_;
  bool committed_ = false;
};

// Writes `data` atomically (temp + rename).
void write_file_atomic(const fs::path& target, const std::string& data, bool overwrite);

}  // namespace wfvae
