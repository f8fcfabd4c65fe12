#include "core/fileutil.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.h"

namespace wfvae {

std::string read_text_file(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) fail_input(path.string() + ": no such file");
  if (fs::is_directory(path, ec)) fail_input(path.string() + ": is a folder, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_input(path.string() + ": cannot open for reading (" + std::strerror(errno) + ")");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void check_output_path(const fs::path& target, bool overwrite, OutputKind kind) {
  std::error_code ec;
  if (target.empty()) fail_usage("empty output path");
  if (fs::exists(target, ec) && !overwrite) fail_input(target.string() + ": already exists (pass -y to overwrite)");
  // Said before any work rather than when the finished output is moved into place.
  if (overwrite && kind == OutputKind::File && fs::is_directory(target, ec))
    fail_input(target.string() + ": is a folder; -y replaces files only (remove it or choose another name)");
  if (overwrite && kind == OutputKind::Folder && fs::exists(target, ec) && !fs::is_directory(target, ec))
    fail_input(target.string() +
               ": is a file; -y replaces a folder only with a folder (remove it or choose another name)");
  fs::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  if (!fs::is_directory(dir, ec)) fail_input(target.string() + ": folder " + dir.string() + " does not exist");
  if (::access(dir.c_str(), W_OK) != 0) fail_input(target.string() + ": folder " + dir.string() + " is not writable");
}

static std::atomic<int> g_temp_counter{0};

PendingOutput::PendingOutput(fs::path target, bool overwrite, OutputKind kind)
    : target_(std::move(target)), overwrite_(overwrite) {
  check_output_path(target_, overwrite_, kind);
  fs::path dir = target_.parent_path();
  std::string name = "." + target_.stem().string() + ".partial-" + std::to_string(::getpid()) + "-" +
                     std::to_string(g_temp_counter.fetch_add(1)) + target_.extension().string();
  temp_ = dir.empty() ? fs::path(name) : dir / name;
}

PendingOutput::~PendingOutput() {
  if (!committed_) {
    std::error_code ec;
    fs::remove_all(temp_, ec);
  }
}

void PendingOutput::commit() {
  std::error_code ec;
  if (!fs::exists(temp_, ec)) fail_runtime(target_.string() + ": nothing was written");
  if (overwrite_) {
    if (fs::is_directory(target_, ec) && fs::is_directory(temp_, ec)) fs::remove_all(target_, ec);
    if (std::rename(temp_.c_str(), target_.c_str()) != 0)
      fail_runtime(target_.string() + ": cannot move the finished output into place (" + std::strerror(errno) + ")");
  } else if (fs::is_directory(temp_, ec)) {
    // Folders: rename fails with EEXIST/ENOTEMPTY only for non-empty targets, so check first.
    if (fs::exists(target_, ec)) fail_input(target_.string() + ": appeared while writing; not overwritten");
    if (std::rename(temp_.c_str(), target_.c_str()) != 0)
      fail_runtime(target_.string() + ": cannot move the finished output into place (" + std::strerror(errno) + ")");
  } else {
    // link() refuses to replace an existing file: no race with another writer.
    if (::link(temp_.c_str(), target_.c_str()) != 0) {
      if (errno == EEXIST) fail_input(target_.string() + ": appeared while writing; not overwritten (pass -y)");
      fail_runtime(target_.string() + ": cannot move the finished output into place (" + std::strerror(errno) + ")");
    }
    fs::remove(temp_, ec);
  }
  committed_ = true;
}

void write_file_atomic(const fs::path& target, const std::string& data, bool overwrite) {
  PendingOutput out(target, overwrite);
  {
    std::ofstream f(out.temp_path(), std::ios::binary);
    if (!f) fail_input(target.string() + ": cannot create (" + std::strerror(errno) + ")");
    f.write(data.data(), static_cast<std::streamsize>(data.size()));
    f.flush();
    if (!f) fail_runtime(target.string() + ": write failed (disk full?)");
  }
  out.commit();
}

MappedFile::MappedFile(const fs::path& path, const CheckFn& check) {
  const std::string file = path.string();
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_input(file + ": cannot open (" + std::strerror(errno) + ")");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) fail_input(file + ": cannot stat");
  check(static_cast<uint64_t>(st.st_size), S_ISREG(st.st_mode));
  const size_t size = static_cast<size_t>(st.st_size);
  void* map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  if (map == MAP_FAILED) fail_input(file + ": cannot memory-map (" + std::strerror(errno) + ")");
  map_ = map;
  size_ = size;
}

MappedFile::~MappedFile() {
  if (map_) ::munmap(map_, size_);
}

void MappedFile::drop_pages(const uint8_t* begin, const uint8_t* end) const {
  const long page = ::sysconf(_SC_PAGESIZE);
  const uintptr_t lo = reinterpret_cast<uintptr_t>(begin), hi = reinterpret_cast<uintptr_t>(end);
  const uintptr_t a = (lo + static_cast<uintptr_t>(page) - 1) / page * page, b = hi / page * page;
  if (page > 0 && b > a) ::madvise(reinterpret_cast<void*>(a), b - a, MADV_DONTNEED);
}

MappedFile::MappedFile(MappedFile&& other) noexcept : map_(other.map_), size_(other.size_) {
  other.map_ = nullptr;
  other.size_ = 0;
}

MappedFile& MappedFile::operator=(MappedFile&& other) noexcept {
  if (this != &other) {
    if (map_) ::munmap(map_, size_);
    map_ = other.map_;
    size_ = other.size_;
    other.map_ = nullptr;
    other.size_ = 0;
  }
  return *this;
}

}  // namespace wfvae
