// File helpers that keep the "never a half-written output, never a silent
// overwrite" promise: every output goes to a hidden temporary beside the target
// and is renamed into place only when complete. And MappedFile, how the weight
// readers (safetensors, torch checkpoints) see their input.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
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

// A whole file mapped read-only; unmapped when destroyed (or replaced by a move).
class MappedFile {
 public:
  // Runs after the file is opened and before it is mapped, with its size and whether
  // it is a regular file; throws to refuse it (too short, not a regular file).
  using CheckFn = std::function<void(uint64_t size, bool regular)>;

  MappedFile() = default;
  // BadInput errors "<path>: cannot open (<reason>)", "<path>: cannot stat",
  // "<path>: cannot memory-map (<reason>)", or whatever `check` throws.
  MappedFile(const fs::path& path, const CheckFn& check);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return static_cast<const uint8_t*>(map_); }
  size_t size() const { return size_; }
  // Hands the whole pages inside [begin, end) back to the OS: bytes read once and
  // not needed again (read again, they fault back in from the file).
  void drop_pages(const uint8_t* begin, const uint8_t* end) const;

 private:
  void* map_ = nullptr;
  size_t size_ = 0;
};

}  // namespace wfvae
