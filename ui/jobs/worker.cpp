#include "jobs/worker.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <new>

#include "runtime/vae.h"

namespace wfvae::studio {

namespace {
double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
}  // namespace

void JobContext::post(std::function<void()> fn) const { worker->post(std::move(fn)); }

Worker::Worker(int nice, std::function<void()> wake) : wake_(std::move(wake)), nice_(nice) {
  thread_ = std::thread([this] { run(); });
}

Worker::~Worker() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
    queue_.clear();
    cancel_.cancel();
  }
  cv_.notify_all();
  thread_.join();
}

void Worker::submit(JobKind kind, const std::string& title, JobFn fn, bool replace) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (replace) {
      for (auto it = queue_.begin(); it != queue_.end();) it = it->kind == kind ? queue_.erase(it) : it + 1;
      if (running_ && running_kind_ == kind) cancel_.cancel();
    }
    queue_.push_back({kind, title, std::move(fn)});
  }
  cv_.notify_all();
}

void Worker::cancel_running() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (running_) cancel_.cancel();
}

void Worker::cancel_kind(JobKind kind) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (auto it = queue_.begin(); it != queue_.end();) it = it->kind == kind ? queue_.erase(it) : it + 1;
  if (running_ && running_kind_ == kind) cancel_.cancel();
}

void Worker::cancel_all() {
  std::lock_guard<std::mutex> lock(mutex_);
  queue_.clear();
  if (running_) cancel_.cancel();
}

JobStatus Worker::status() const {
  std::lock_guard<std::mutex> lock(mutex_);
  JobStatus s;
  s.busy = running_;
  s.kind = running_kind_;
  s.title = running_title_;
  s.stage = stage_;
  s.fraction = fraction_;
  s.elapsed_s = running_ ? now_s() - started_ : 0;
  s.queued = static_cast<int>(queue_.size());
  s.posted = static_cast<int>(posted_.size());
  s.cancelling = running_ && cancel_.cancelled();
  return s;
}

bool Worker::idle() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return !running_ && queue_.empty() && posted_.empty();
}

std::vector<std::function<void()>> Worker::take_posted() {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<std::function<void()>> out;
  out.swap(posted_);
  return out;
}

void Worker::post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    posted_.push_back(std::move(fn));
  }
  if (wake_) wake_();
}

void Worker::run() {
  // Lower this thread's priority before it first runs LibTorch: the OpenMP team
  // it creates inherits the niceness, so two busy inference threads cannot starve
  // the UI thread on a two-core machine.
  const pid_t tid = static_cast<pid_t>(::syscall(SYS_gettid));
  if (nice_ != 0) ::setpriority(PRIO_PROCESS, static_cast<id_t>(tid), nice_);
  errno = 0;
  const int got = ::getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
  applied_nice_ = errno == 0 ? got : 0;
  init_runtime_threads();

  for (;;) {
    Job job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
      running_ = true;
      running_kind_ = job.kind;
      running_title_ = job.title;
      stage_.clear();
      fraction_ = 0;
      started_ = now_s();
      cancel_.reset();
    }
    if (wake_) wake_();
    JobContext ctx;
    ctx.worker = this;
    ctx.cancel = &cancel_;
    ctx.progress = [this](double f, const std::string& stage) {
      std::lock_guard<std::mutex> lock(mutex_);
      fraction_ = f;
      stage_ = stage;
    };
    JobError error;
    bool failed = false;
    try {
      job.fn(ctx);
    } catch (const Error& e) {
      failed = true;
      error = {job.kind, job.title, e.kind(), e.what()};
    } catch (const std::bad_alloc&) {
      failed = true;
      error = {job.kind, job.title, ErrorKind::Runtime,
               "out of memory: try a smaller size, fewer frames or chunked inference"};
    } catch (const std::exception& e) {
      // The engine turns LibTorch's exceptions into wfvae::Error; this is for the rest.
      failed = true;
      error = {job.kind, job.title, ErrorKind::Runtime, e.what()};
    } catch (...) {
      failed = true;
      error = {job.kind, job.title, ErrorKind::Runtime, "unknown failure"};
    }
    if (failed && cancel_.cancelled() && error.error_kind != ErrorKind::Cancelled) {
      error.error_kind = ErrorKind::Cancelled;  // a cancel that surfaced as another error
      error.message = "cancelled";
    }
    if (failed)
      post([this, error] {
        if (on_error_) on_error_(error);
      });
    {
      std::lock_guard<std::mutex> lock(mutex_);
      running_ = false;
      running_kind_ = JobKind::System;
      running_title_.clear();
    }
    if (wake_) wake_();
  }
}

}  // namespace wfvae::studio
