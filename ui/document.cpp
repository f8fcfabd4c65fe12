#include "document.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

namespace wfvae::studio {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- tickets, errors

Ticket TicketDesk::issue(JobKind kind) {
  Ticket t{kind, next_++};
  current_[static_cast<int>(kind)] = t.id;
  return t;
}

bool TicketDesk::is_current(const Ticket& t) const { return t.id != 0 && current_[static_cast<int>(t.kind)] == t.id; }

void TicketDesk::retire(JobKind kind) { current_[static_cast<int>(kind)] = 0; }

void ErrorTally::record(ErrorKind kind) {
  if (kind == ErrorKind::Cancelled) return;  // the user asked, or a newer request replaced it
  if (!any_ || kind == ErrorKind::Usage || (worst_ != ErrorKind::Usage && kind == ErrorKind::BadInput)) worst_ = kind;
  any_ = true;
}

// ---------------------------------------------------------------- opening

Ticket Document::begin_open(const std::string& path) {
  opening_ = path;
  return tickets_.issue(JobKind::Decode);
}

std::string Document::run_input() const {
  if (!opening_.empty()) return opening_;
  return clip_ ? clip_->path : "";
}

Document::ClipAccepted Document::accept_decoded(const Ticket& t, std::shared_ptr<Clip> c) {
  if (!tickets_.is_current(t)) return {};  // superseded
  return accept_clip(std::move(c));
}

Document::ClipAccepted Document::accept_clip(std::shared_ptr<Clip> c) {
  ClipAccepted out;
  out.taken = true;
  opening_.clear();
  tickets_.retire(JobKind::Decode);                   // the input is here: a decode still running is moot
  if (clip_ && clip_->key() == c->key()) return out;  // same frames: keep runs and B comparable
  out.replaced = true;
  c->id = next_clip_id_++;
  clip_ = std::move(c);
  frame_ = std::clamp<int64_t>(frame_, 0, std::max<int64_t>(0, clip_->count() - 1));
  if (run_previous_ && run_previous_->clip_id != clip_->id) run_previous_.reset();
  out.notes = clip_->notes;
  // B = file follows the clip (aligned again to the new frames).
  out.realign_b = !compare_pending_.empty() ? compare_pending_ : file_b_ ? file_b_->path : "";
  file_b_.reset();
  tickets_.retire(JobKind::Compare);
  return out;
}

// ---------------------------------------------------------------- runs

Ticket Document::begin_run(RunSettings settings) {
  stop_lpips("stopped: a new run started");
  const Ticket t = tickets_.issue(JobKind::Recon);
  auto run = std::make_shared<Run>();
  run->id = static_cast<int>(t.id);
  run->settings = std::move(settings);
  run->clip_id = clip_ ? clip_->id : 0;
  restore_current_ = run_current_;
  restore_previous_ = run_previous_;
  if (run_current_ && run_current_->done()) run_previous_ = run_current_;
  run_current_ = std::move(run);
  run_got_input_ = false;
  return t;
}

Run* Document::live_run(const Ticket& t) {
  if (t.kind != JobKind::Recon || !tickets_.is_current(t) || !run_current_ ||
      run_current_->id != static_cast<int>(t.id))
    return nullptr;
  return run_current_.get();
}

Document::ClipAccepted Document::run_input_ready(const Ticket& t, std::shared_ptr<Clip> c) {
  if (!live_run(t)) return {};
  run_got_input_ = true;
  ClipAccepted out = accept_clip(std::move(c));
  Run& r = *run_current_;
  r.clip_id = clip_->id;
  const size_t n = static_cast<size_t>(clip_->count());
  r.live_frames.assign(n, media::RgbFrame{});
  r.frame_metrics.assign(n, metrics::FrameMetrics{});
  r.have_metrics.assign(n, 0);
  ++r.version;
  return out;
}

bool Document::run_frames(const Ticket& t, int64_t first, std::vector<media::RgbFrame> frames) {
  Run* r = live_run(t);
  if (!r) return false;
  for (size_t k = 0; k < frames.size(); ++k) {
    const size_t i = static_cast<size_t>(first) + k;
    if (i < r->live_frames.size()) r->live_frames[i] = std::move(frames[k]);
  }
  r->decoded = std::min<int64_t>(r->count(), first + static_cast<int64_t>(frames.size()));
  ++r->version;
  return true;
}

bool Document::run_metrics(const Ticket& t, int64_t first, const std::vector<metrics::FrameMetrics>& m) {
  Run* r = live_run(t);
  if (!r) return false;
  for (size_t k = 0; k < m.size(); ++k) {
    const size_t i = static_cast<size_t>(first) + k;
    if (i < r->frame_metrics.size()) {
      r->frame_metrics[i] = m[k];
      r->have_metrics[i] = 1;
    }
  }
  ++r->version;
  return true;
}

bool Document::run_done(const Ticket& t, std::shared_ptr<const pipeline::ReconResult> result,
                        std::optional<RunDelta> delta) {
  Run* r = live_run(t);
  if (!r) return false;
  r->result = std::move(result);
  r->state = Run::State::Done;
  r->frame_metrics = r->result->metrics.frames;
  r->have_metrics.assign(r->frame_metrics.size(), 1);
  r->decoded = static_cast<int64_t>(r->frame_metrics.size());
  r->live_frames.clear();
  r->live_frames.shrink_to_fit();
  if (delta && run_previous_ && run_previous_->clip_id == r->clip_id) r->delta = delta;
  ++r->version;
  restore_current_.reset();
  restore_previous_.reset();
  return true;
}

bool Document::run_failed(const Ticket& t, Run::State state, const std::string& message) {
  Run* r = live_run(t);
  if (!r) return false;
  r->state = state;
  r->error = message;
  ++r->version;
  if (!run_got_input_) {
    // Nothing of this run reached the screen: put back what was there.
    run_current_ = restore_current_;
    run_previous_ = restore_previous_;
    opening_.clear();
  }
  restore_current_.reset();
  restore_previous_.reset();
  return true;
}

void Document::run_went_direct(const Ticket& t) {
  if (Run* r = live_run(t)) r->settings.chunked = false;
}

// ---------------------------------------------------------------- LPIPS

Ticket Document::begin_lpips() {
  if (!run_current_ || !run_current_->done() || !run_current_->result) return {};
  stop_lpips("stopped: computed again");
  RunLpips& l = run_current_->lpips;
  const size_t n = run_current_->frame_metrics.size();
  const uint64_t version = l.version;
  l = RunLpips();
  l.state = RunLpips::State::Computing;
  l.scores.assign(n, NAN);
  l.maps.assign(n, LpipsMap{});
  l.version = version + 1;
  lpips_run_id_ = run_current_->id;
  return tickets_.issue(JobKind::Lpips);
}

Run* Document::lpips_run(const Ticket& t) {
  if (t.kind != JobKind::Lpips || !tickets_.is_current(t) || !run_current_ || run_current_->id != lpips_run_id_)
    return nullptr;
  return run_current_.get();
}

void Document::stop_lpips(const char* why) {
  for (Run* r : {run_current_.get(), run_previous_.get()})
    if (r && r->id == lpips_run_id_ && r->lpips.state == RunLpips::State::Computing) {
      r->lpips.state = RunLpips::State::Cancelled;
      r->lpips.message = why;
      ++r->lpips.version;
    }
  tickets_.retire(JobKind::Lpips);
  lpips_run_id_ = 0;
}

bool Document::run_lpips(const Ticket& t, int64_t first, std::vector<double> scores, std::vector<LpipsMap> maps) {
  Run* r = lpips_run(t);
  if (!r || first < 0) return false;
  RunLpips& l = r->lpips;
  for (size_t k = 0; k < scores.size(); ++k) {
    const size_t i = static_cast<size_t>(first) + k;
    if (i >= l.scores.size()) break;
    l.scores[i] = scores[k];
    if (k < maps.size()) {
      l.map_range = std::max(l.map_range, static_cast<double>(maps[k].p99));
      l.maps[i] = std::move(maps[k]);
    }
  }
  ++l.version;
  return true;
}

bool Document::lpips_finished(const Ticket& t, RunLpips::State state, const std::string& message, double elapsed_ms) {
  Run* r = lpips_run(t);
  if (!r) return false;
  r->lpips.state = state;
  r->lpips.message = message;
  r->lpips.elapsed_ms = elapsed_ms;
  ++r->lpips.version;
  tickets_.retire(JobKind::Lpips);
  lpips_run_id_ = 0;
  return true;
}

void Document::model_changed(const std::string& model_path) {
  if (run_current_ && run_current_->settings.model_path != model_path)
    run_previous_ = run_current_->done() ? run_current_ : nullptr;
}

// ---------------------------------------------------------------- B = file

Ticket Document::begin_compare(const std::string& path) {
  if (!clip_) {
    compare_pending_ = path;  // starts when the clip is there
    return {};
  }
  compare_pending_.clear();
  compare_ticket_ = tickets_.issue(JobKind::Compare);
  return compare_ticket_;
}

bool Document::compare_done(const Ticket& t, std::shared_ptr<CompareFile> f) {
  if (!tickets_.is_current(t)) return false;  // a newer alignment, or another clip since (accept_clip retired it)
  file_b_ = std::move(f);
  pair_ = Pair::OrigFile;
  return true;
}

Ticket Document::begin_lab(std::vector<LabSetting> settings) {
  lab_ = LabSweep();
  for (auto& setting : settings) lab_.rows.push_back(LabResult{std::move(setting)});
  lab_.revisions.assign(lab_.rows.size(), 1);
  lab_.running = true;
  return tickets_.issue(JobKind::NormLab);
}

bool Document::lab_row(const Ticket& t, size_t i, LabResult row) {
  if (!tickets_.is_current(t) || i >= lab_.rows.size()) return false;
  lab_.rows[i] = std::move(row);
  ++lab_.revisions[i];
  return true;
}

bool Document::lab_finished(const Ticket& t) {
  if (!tickets_.is_current(t)) return false;
  lab_.running = false;
  return true;
}

void Document::close_compare() {
  file_b_.reset();
  tickets_.retire(JobKind::Compare);
  if (pair_ == Pair::OrigFile) pair_ = Pair::OrigRecon;
}

// ---------------------------------------------------------------- failures

Document::AfterFailure Document::job_failed(JobKind kind, bool model_loaded) {
  AfterFailure out;
  // The input being opened will not arrive through this job.
  if (kind == JobKind::Decode || (kind == JobKind::Recon && !opening_.empty() && (!clip_ || clip_->path != opening_)))
    opening_.clear();
  if (kind == JobKind::Model && !opening_.empty()) {
    if (!model_loaded) {
      // An input that was waiting for this model is still opened, to be viewed.
      out.next = AfterFailure::Next::OpenInput;
      out.path = opening_;
      opening_.clear();
    } else {
      out.next = AfterFailure::Next::Run;  // with the model that is still loaded
    }
  }
  return out;
}

// ---------------------------------------------------------------- what is shown

void Document::set_frame(int64_t f) {
  const int64_t n = frame_count();
  frame_ = n > 0 ? std::clamp<int64_t>(f, 0, n - 1) : 0;
}

bool Document::pair_available(Pair p) const {
  switch (p) {
    case Pair::OrigRecon: return run_current_ != nullptr;
    case Pair::PrevRecon: return run_current_ && run_previous_;
    case Pair::OrigPrev: return run_previous_ != nullptr;
    case Pair::OrigFile: return file_b_ != nullptr;
  }
  return false;
}

Pair Document::effective_pair() const {
  if (pair_available(pair_)) return pair_;
  if (run_current_) return Pair::OrigRecon;
  if (file_b_) return Pair::OrigFile;
  return Pair::OrigRecon;
}

const media::RgbFrame* Document::frame_a(int64_t i) const {
  if (!clip_ || i < 0 || i >= clip_->count()) return nullptr;
  if (effective_pair() == Pair::PrevRecon) return run_previous_->frame(i);
  return &clip_->frames[static_cast<size_t>(i)];
}

const media::RgbFrame* Document::frame_b(int64_t i) const {
  if (!clip_ || i < 0 || i >= clip_->count()) return nullptr;
  switch (effective_pair()) {
    case Pair::OrigRecon:
    case Pair::PrevRecon: return run_current_ && run_current_->clip_id == clip_->id ? run_current_->frame(i) : nullptr;
    case Pair::OrigPrev: return run_previous_->frame(i);
    case Pair::OrigFile:
      return file_b_ && i < static_cast<int64_t>(file_b_->frames.size()) ? &file_b_->frames[static_cast<size_t>(i)]
                                                                         : nullptr;
  }
  return nullptr;
}

std::string Document::label_a() const {
  if (effective_pair() == Pair::PrevRecon && run_previous_)
    return "Previous \xC2\xB7 " + run_previous_->settings.label();
  if (clip_ && !clip_->decoded_by.empty()) return "Decoded latents";
  return "Original";
}

std::string Document::label_b() const {
  switch (effective_pair()) {
    case Pair::OrigRecon:
    case Pair::PrevRecon:
      return run_current_ ? "Reconstruction \xC2\xB7 " + run_current_->settings.label() : "Reconstruction";
    case Pair::OrigPrev: return "Previous \xC2\xB7 " + run_previous_->settings.label();
    case Pair::OrigFile: return file_b_ ? "File B \xC2\xB7 " + fs::path(file_b_->path).filename().string() : "File B";
  }
  return "";
}

uint64_t Document::frames_version() const {
  uint64_t v = static_cast<uint64_t>(clip_ ? clip_->id : 0) * 1000003ull;
  v ^= static_cast<uint64_t>(effective_pair()) * 7919ull;
  if (run_current_) v ^= (static_cast<uint64_t>(run_current_->id) << 20) + run_current_->version;
  if (run_previous_) v ^= (static_cast<uint64_t>(run_previous_->id) << 40) + run_previous_->version * 31;
  if (file_b_) v ^= reinterpret_cast<uintptr_t>(file_b_.get());
  return v;
}

}  // namespace wfvae::studio
