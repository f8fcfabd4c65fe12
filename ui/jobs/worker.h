// The studio's background worker: one thread that runs inference, decoding and
// exports one job at a time, so the UI thread never blocks. Jobs talk back only by
// posting closures that the UI thread runs between frames (all studio state belongs
// to the UI thread), and through a progress snapshot the UI reads each frame.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "core/progress.h"
#include "jobs/job_kind.h"

namespace wfvae::studio {

class Worker;

// What a running job sees.
struct JobContext {
  Worker* worker = nullptr;
  const CancelToken* cancel = nullptr;
  ProgressFn progress;
  // Runs fn on the UI thread, between frames, in posting order.
  void post(std::function<void()> fn) const;
};

struct JobStatus {
  bool busy = false;
  JobKind kind = JobKind::System;  // of the running job, when busy
  std::string title, stage;
  double fraction = 0;
  double elapsed_s = 0;
  int queued = 0;
  int posted = 0;  // results waiting for the UI thread to take them
  bool cancelling = false;
};

// A failed job, as the UI shows it.
struct JobError {
  JobKind kind = JobKind::System;
  std::string title;
  ErrorKind error_kind = ErrorKind::Runtime;
  std::string message;
};

class Worker {
 public:
  using JobFn = std::function<void(JobContext&)>;
  // nice: the worker thread's niceness (LibTorch's OpenMP threads, created by it
  // later, inherit it), so inference yields the cores to the UI thread.
  // wake: called after each post (e.g. glfwPostEmptyEvent) to wake an idle UI loop.
  Worker(int nice, std::function<void()> wake);
  ~Worker();  // cancels the running job, drops the queue, joins
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Queues a job. With replace, queued jobs of the same kind are dropped and a
  // running one of that kind is cancelled (the newest request wins).
  void submit(JobKind kind, const std::string& title, JobFn fn, bool replace = false);
  void cancel_running();
  // Drops queued jobs of this kind and cancels a running one.
  void cancel_kind(JobKind kind);
  void cancel_all();  // running and queued
  JobStatus status() const;
  bool idle() const;  // nothing running, nothing queued, nothing posted and not yet drained

  // UI thread: takes everything posted so far.
  std::vector<std::function<void()>> take_posted();
  void post(std::function<void()> fn);
  // Called on the UI thread (through post) when a job fails or is cancelled.
  void set_error_handler(std::function<void(const JobError&)> handler) { on_error_ = std::move(handler); }

  int nice() const { return nice_; }
  // The niceness the worker thread actually has (setpriority can be refused).
  int applied_nice() const { return applied_nice_; }

 private:
  struct Job {
    JobKind kind;
    std::string title;
    JobFn fn;
  };
  void run();

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Job> queue_;
  std::vector<std::function<void()>> posted_;
  std::function<void()> wake_;
  std::function<void(const JobError&)> on_error_;
  bool stop_ = false;
  bool running_ = false;
  JobKind running_kind_ = JobKind::System;
  std::string running_title_, stage_;
  double fraction_ = 0;
  double started_ = 0;
  CancelToken cancel_;
  int nice_ = 0;
  int applied_nice_ = 0;
  std::thread thread_;
};

}  // namespace wfvae::studio
