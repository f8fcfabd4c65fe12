// Error kinds shared by the engine, the CLI and the studio. The CLI maps them to
// exit codes (usage 1, bad input 2, anything else 3); the studio shows the message.
#pragma once

#include <stdexcept>
#include <string>

namespace wfvae {

enum class ErrorKind {
  Usage,        // the caller asked for something malformed (bad flag, bad value)
  BadInput,     // a file or tensor given to us is unusable; the message names it
  Runtime,      // something failed while working (device error, non-finite output)
  OutOfMemory,  // an allocation failed (host or GPU); the message says what was being done
  Cancelled,    // the user cancelled a long job
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

[[noreturn]] inline void fail_usage(const std::string& m) { throw Error(ErrorKind::Usage, m); }
[[noreturn]] inline void fail_input(const std::string& m) { throw Error(ErrorKind::BadInput, m); }
[[noreturn]] inline void fail_runtime(const std::string& m) { throw Error(ErrorKind::Runtime, m); }

// Exit codes documented in `wfvae --help`.
inline int exit_code_for(ErrorKind k) {
  switch (k) {
    case ErrorKind::Usage: return 1;
    case ErrorKind::BadInput: return 2;
    case ErrorKind::Cancelled: return 130;
    case ErrorKind::Runtime: return 3;
    case ErrorKind::OutOfMemory: return 3;
  }
  return 3;
}

}  // namespace wfvae
