// The studio's document: the clip it has open, its reconstruction runs (current and
// previous, for A/B), the second video of "B = file", and which pair of images and
// which frame are shown. Pure state and rules: no window, no GL, no worker. The
// studio starts jobs and feeds their results back here; every result carries the
// Ticket of its request and is dropped once a newer request of its kind was made
// (the one staleness rule). Unit-tested without a window (tests/studio/).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "jobs/job_kind.h"
#include "session.h"

namespace wfvae::studio {

// One request (an open, a run, a B alignment, a norm-lab sweep). Its results are
// applied only while it is still the newest request of its kind.
struct Ticket {
  JobKind kind = JobKind::Decode;
  uint64_t id = 0;  // 0: no request
  explicit operator bool() const { return id != 0; }
};

// Hands out tickets and says which is the newest of each kind.
class TicketDesk {
 public:
  Ticket issue(JobKind kind);
  bool is_current(const Ticket& t) const;
  void retire(JobKind kind);  // no request of this kind is current any more

 private:
  uint64_t next_ = 1;
  uint64_t current_[kJobKindCount] = {};
};

// Whether any error was shown, and the exit code a scripted run reports: a usage
// error outranks bad input, which outranks the rest. The one place errors are counted.
class ErrorTally {
 public:
  void record(ErrorKind kind);
  bool any() const { return any_; }
  ErrorKind worst() const { return worst_; }  // meaningful when any()

 private:
  bool any_ = false;
  ErrorKind worst_ = ErrorKind::Runtime;
};

class Document {
 public:
  // ---- opening an input
  // `path` is being opened: its clip arrives with a decode (no model) or a run.
  Ticket begin_open(const std::string& path);
  // The path whose clip has not arrived yet ("" when none).
  const std::string& opening() const { return opening_; }
  // What a run reads: the input being opened, else the clip's own file.
  std::string run_input() const;

  // A decoded clip arrived. Unless it holds the same frames as the open clip, it
  // replaces it: runs of the old clip stop being comparable, and B = file must be
  // aligned again (`realign_b`). `notes`: what the studio should tell the user.
  struct ClipAccepted {
    bool taken = false;     // the clip is (still) the open one; false: a stale result, dropped
    bool replaced = false;  // it holds other frames than the clip open before
    std::vector<pipeline::Note> notes;
    std::string realign_b;
  };
  ClipAccepted accept_decoded(const Ticket& t, std::shared_ptr<Clip> c);  // a decode's clip

  // ---- runs
  // A reconstruction of run_input() with these settings starts; the finished
  // current run becomes the previous one (restored if this run fails before its
  // input is read).
  Ticket begin_run(RunSettings settings);
  ClipAccepted run_input_ready(const Ticket& t, std::shared_ptr<Clip> c);
  bool run_frames(const Ticket& t, int64_t first, std::vector<media::RgbFrame> frames);
  bool run_metrics(const Ticket& t, int64_t first, const std::vector<metrics::FrameMetrics>& m);
  bool run_done(const Ticket& t, std::shared_ptr<const pipeline::ReconResult> result, std::optional<RunDelta> delta);
  bool run_failed(const Ticket& t, Run::State state, const std::string& message);
  void run_went_direct(const Ticket& t);  // too few frames to chunk: the run is direct
  // ---- LPIPS of the current run, after it is done (a job of its own)
  // The current run's LPIPS starts (sized to its frames, state Computing); no ticket
  // when there is no finished current run. A new run (begin_run) makes it stale:
  // what it computed so far stays, marked cancelled, and later results are dropped.
  Ticket begin_lpips();
  // Frames first .. first + n - 1 of the LPIPS `t`; false (dropped) when stale.
  bool run_lpips(const Ticket& t, int64_t first, std::vector<double> scores, std::vector<LpipsMap> maps);
  // It ended: Done, Unavailable / Failed (message: why) or Cancelled; false when stale.
  bool lpips_finished(const Ticket& t, RunLpips::State state, const std::string& message, double elapsed_ms = 0);

  // Another model is in: its runs are not comparable with the old model's, except
  // the last finished one as "previous".
  void model_changed(const std::string& model_path);

  // ---- B = file
  // Without a clip the path waits for one (no ticket); else the alignment starts.
  Ticket begin_compare(const std::string& path);
  bool compare_done(const Ticket& t, std::shared_ptr<CompareFile> f);
  void close_compare();

  // ---- the norm lab: one sweep of settings over the clip, a row per setting
  struct LabSweep {
    std::vector<LabResult> rows;
    std::vector<uint64_t> revisions;  // bumped whenever rows[i] changes (a viewer's cue to redraw it)
    bool running = false;
  };
  // A new sweep replaces the table: one Queued row per setting, running.
  Ticket begin_lab(std::vector<LabSetting> settings);
  // Row i of the sweep `t` started or ended; false (dropped) when a newer sweep began
  // or i is not a row.
  bool lab_row(const Ticket& t, size_t i, LabResult row);
  // The sweep ended however it ended (done, failed, cancelled); false when stale.
  bool lab_finished(const Ticket& t);
  const LabSweep& lab() const { return lab_; }

  // ---- a job failed or was cancelled: what the studio should do next
  struct AfterFailure {
    enum class Next { Nothing, OpenInput, Run } next = Next::Nothing;
    std::string path;  // for OpenInput
  };
  AfterFailure job_failed(JobKind kind, bool model_loaded);

  // ---- what is shown
  Pair pair() const { return pair_; }
  void set_pair(Pair p) { pair_ = p; }
  bool pair_available(Pair p) const;
  Pair effective_pair() const;  // the chosen pair, or the best available one
  int64_t frame() const { return frame_; }
  void set_frame(int64_t f);  // clamped to the clip
  // The two frames the compare views show (nullptr: not there yet) and their labels.
  const media::RgbFrame* frame_a(int64_t i) const;
  const media::RgbFrame* frame_b(int64_t i) const;
  std::string label_a() const;
  std::string label_b() const;
  uint64_t frames_version() const;  // changes whenever frame_a/frame_b's pixels may have

  // ---- read access
  const Clip* clip() const { return clip_.get(); }
  std::shared_ptr<const Clip> clip_shared() const { return clip_; }
  const Run* current_run() const { return run_current_.get(); }
  const Run* previous_run() const { return run_previous_.get(); }
  const CompareFile* file_b() const { return file_b_.get(); }
  const std::string& compare_pending() const { return compare_pending_; }
  int64_t frame_count() const { return clip_ ? clip_->count() : 0; }
  double fps() const { return clip_ && clip_->fps > 0 ? clip_->fps : 25; }

 private:
  ClipAccepted accept_clip(std::shared_ptr<Clip> c);
  Run* live_run(const Ticket& t);    // the current run when t is its ticket
  Run* lpips_run(const Ticket& t);   // the current run when t is its LPIPS's ticket
  void stop_lpips(const char* why);  // the LPIPS in flight is stale: marked cancelled, ticket retired

  TicketDesk tickets_;
  std::string opening_;
  std::string compare_pending_;
  std::shared_ptr<Clip> clip_;
  std::shared_ptr<Run> run_current_, run_previous_;
  std::shared_ptr<CompareFile> file_b_;
  Ticket compare_ticket_;
  int lpips_run_id_ = 0;  // the run the current LPIPS ticket is for
  LabSweep lab_;
  // What begin_run replaced, put back when the run fails before its input is read.
  std::shared_ptr<Run> restore_current_, restore_previous_;
  bool run_got_input_ = false;
  int next_clip_id_ = 1;
  Pair pair_ = Pair::OrigRecon;
  int64_t frame_ = 0;
};

}  // namespace wfvae::studio
