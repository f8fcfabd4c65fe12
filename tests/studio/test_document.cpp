// The studio's document without a window: which results a run, an open or a B
// alignment may still apply (tickets), what a failed run puts back, what a new
// clip invalidates, what a failed job leads to, and how errors are counted.
#include <gtest/gtest.h>

#include <cmath>

#include "document.h"

namespace wfvae::studio {
namespace {

std::shared_ptr<Clip> make_clip(const std::string& path, int frames = 5, int first_index = 0) {
  auto c = std::make_shared<Clip>();
  c->path = path;
  c->height = 16;
  c->width = 24;
  for (int i = 0; i < frames; ++i) {
    media::RgbFrame f;
    f.width = 24;
    f.height = 16;
    f.rgb.assign(24 * 16 * 3, static_cast<uint8_t>(i));
    c->frames.push_back(f);
    c->source_indices.push_back(first_index + i);
  }
  return c;
}

RunSettings settings_named(const std::string& norm) {
  RunSettings s;
  s.model_path = "/m";
  s.norm_type = norm;
  s.num_groups = 8;
  return s;
}

std::shared_ptr<const pipeline::ReconResult> result_of(int frames) {
  auto r = std::make_shared<pipeline::ReconResult>();
  r->metrics.frames.resize(static_cast<size_t>(frames));
  for (int i = 0; i < frames; ++i) {
    media::RgbFrame f;
    f.width = 24;
    f.height = 16;
    f.rgb.assign(24 * 16 * 3, 7);
    r->recon_frames.push_back(f);
  }
  return r;
}

// A document with a clip and one finished run on it.
struct WithFinishedRun {
  Document doc;
  Ticket run;
  WithFinishedRun() {
    doc.begin_open("/a.mp4");
    run = doc.begin_run(settings_named("groupnorm"));
    EXPECT_TRUE(doc.run_input_ready(run, make_clip("/a.mp4")).taken);
    EXPECT_TRUE(doc.run_done(run, result_of(5), std::nullopt));
  }
};

TEST(Tickets, OnlyTheNewestOfAKindIsCurrentAndKindsAreIndependent) {
  TicketDesk desk;
  const Ticket a = desk.issue(JobKind::Recon), b = desk.issue(JobKind::Recon), c = desk.issue(JobKind::Decode);
  EXPECT_FALSE(desk.is_current(a));
  EXPECT_TRUE(desk.is_current(b));
  EXPECT_TRUE(desk.is_current(c));
  desk.retire(JobKind::Recon);
  EXPECT_FALSE(desk.is_current(b));
  EXPECT_TRUE(desk.is_current(c));
  EXPECT_FALSE(desk.is_current(Ticket{}));  // "no request" is never current
}

TEST(Errors, AUsageErrorOutranksBadInputWhichOutranksTheRest) {
  ErrorTally t;
  t.record(ErrorKind::Cancelled);
  EXPECT_FALSE(t.any()) << "a cancel is not an error";
  t.record(ErrorKind::Runtime);
  EXPECT_TRUE(t.any());
  EXPECT_EQ(t.worst(), ErrorKind::Runtime);
  t.record(ErrorKind::BadInput);
  EXPECT_EQ(t.worst(), ErrorKind::BadInput);
  t.record(ErrorKind::Runtime);
  EXPECT_EQ(t.worst(), ErrorKind::BadInput);
  t.record(ErrorKind::Usage);
  EXPECT_EQ(t.worst(), ErrorKind::Usage);
  t.record(ErrorKind::BadInput);
  EXPECT_EQ(t.worst(), ErrorKind::Usage);
}

TEST(Document, AnOlderOpenIsDroppedWhenANewerOneWasMade) {
  Document doc;
  const Ticket first = doc.begin_open("/a.mp4");
  const Ticket second = doc.begin_open("/b.mp4");
  EXPECT_EQ(doc.opening(), "/b.mp4");
  EXPECT_FALSE(doc.accept_decoded(first, make_clip("/a.mp4")).taken);
  EXPECT_EQ(doc.clip(), nullptr);
  const auto accepted = doc.accept_decoded(second, make_clip("/b.mp4"));
  EXPECT_TRUE(accepted.taken);
  EXPECT_TRUE(accepted.replaced);
  ASSERT_NE(doc.clip(), nullptr);
  EXPECT_EQ(doc.clip()->path, "/b.mp4");
  EXPECT_EQ(doc.opening(), "");
  EXPECT_EQ(doc.run_input(), "/b.mp4");
}

TEST(Document, ADecodeFinishingAfterARunDeliveredTheClipIsDropped) {
  Document doc;
  const Ticket decode = doc.begin_open("/a.mp4");                 // no model yet: a decode starts
  const Ticket run = doc.begin_run(settings_named("groupnorm"));  // then a model: a run of the same input
  EXPECT_TRUE(doc.run_input_ready(run, make_clip("/a.mp4")).taken);
  EXPECT_FALSE(doc.accept_decoded(decode, make_clip("/a.mp4", 5, 3)).taken);
  EXPECT_EQ(doc.clip()->source_indices.front(), 0) << "the run's clip stays";
}

TEST(Document, ARunStreamsInAndItsFinishedResultBecomesThePreviousOfTheNext) {
  WithFinishedRun w;
  Document& doc = w.doc;
  ASSERT_NE(doc.current_run(), nullptr);
  EXPECT_TRUE(doc.current_run()->done());
  EXPECT_NE(doc.frame_b(2), nullptr);

  const Ticket second = doc.begin_run(settings_named("layernorm"));
  EXPECT_EQ(doc.previous_run()->id, static_cast<int>(w.run.id));
  EXPECT_EQ(doc.current_run()->id, static_cast<int>(second.id));
  EXPECT_TRUE(doc.run_input_ready(second, make_clip("/a.mp4")).taken);
  EXPECT_EQ(doc.frame_b(1), nullptr) << "not decoded yet";
  std::vector<media::RgbFrame> two(2);
  for (auto& f : two) f.rgb.assign(24 * 16 * 3, 1), f.width = 24, f.height = 16;
  EXPECT_TRUE(doc.run_frames(second, 0, two));
  EXPECT_NE(doc.frame_b(1), nullptr);
  EXPECT_EQ(doc.current_run()->decoded, 2);
  EXPECT_TRUE(doc.run_metrics(second, 0, std::vector<metrics::FrameMetrics>(2)));
  EXPECT_TRUE(doc.current_run()->has_metrics(1));
  EXPECT_FALSE(doc.current_run()->has_metrics(2));
  // The previous run is still what A/B compares against.
  EXPECT_TRUE(doc.pair_available(Pair::PrevRecon));
  doc.set_pair(Pair::PrevRecon);
  EXPECT_EQ(doc.frame_a(0), doc.previous_run()->frame(0));
}

TEST(Document, ResultsOfAReplacedRunAreDropped) {
  WithFinishedRun w;
  Document& doc = w.doc;
  const Ticket old_run = doc.begin_run(settings_named("groupnorm"));
  const uint64_t version_before = doc.frames_version();
  const Ticket new_run = doc.begin_run(settings_named("layernorm"));
  EXPECT_FALSE(doc.run_input_ready(old_run, make_clip("/a.mp4")).taken);
  EXPECT_FALSE(doc.run_frames(old_run, 0, std::vector<media::RgbFrame>(1)));
  EXPECT_FALSE(doc.run_metrics(old_run, 0, std::vector<metrics::FrameMetrics>(1)));
  EXPECT_FALSE(doc.run_done(old_run, result_of(5), std::nullopt));
  EXPECT_FALSE(doc.run_failed(old_run, Run::State::Failed, "late"));
  EXPECT_EQ(doc.current_run()->id, static_cast<int>(new_run.id));
  EXPECT_EQ(doc.current_run()->state, Run::State::Running);
  EXPECT_NE(doc.frames_version(), version_before);
}

TEST(Document, ARunThatFailsBeforeItsInputIsReadPutsBackWhatWasShown) {
  WithFinishedRun w;
  Document& doc = w.doc;
  const int shown = doc.current_run()->id;
  doc.begin_open("/broken.mp4");
  const Ticket t = doc.begin_run(settings_named("groupnorm"));
  EXPECT_TRUE(doc.run_failed(t, Run::State::Failed, "broken.mp4: no video stream"));
  ASSERT_NE(doc.current_run(), nullptr);
  EXPECT_EQ(doc.current_run()->id, shown);
  EXPECT_TRUE(doc.current_run()->done());
  EXPECT_EQ(doc.opening(), "");
  EXPECT_EQ(doc.clip()->path, "/a.mp4");
}

TEST(Document, ARunThatFailsAfterItsInputIsReadStaysWithItsError) {
  WithFinishedRun w;
  Document& doc = w.doc;
  const Ticket t = doc.begin_run(settings_named("groupnorm"));
  doc.run_input_ready(t, make_clip("/a.mp4"));
  EXPECT_TRUE(doc.run_failed(t, Run::State::Failed, "non-finite output"));
  EXPECT_EQ(doc.current_run()->id, static_cast<int>(t.id));
  EXPECT_EQ(doc.current_run()->state, Run::State::Failed);
  EXPECT_EQ(doc.current_run()->error, "non-finite output");
  EXPECT_NE(doc.previous_run(), nullptr);
}

TEST(Document, TheSameFramesKeepRunsComparableAndOtherFramesDoNot) {
  WithFinishedRun w;
  Document& doc = w.doc;
  const int clip_id = doc.clip()->id;
  const Ticket same = doc.begin_run(settings_named("layernorm"));
  const auto a = doc.run_input_ready(same, make_clip("/a.mp4"));
  EXPECT_TRUE(a.taken);
  EXPECT_FALSE(a.replaced);
  EXPECT_EQ(doc.clip()->id, clip_id);
  EXPECT_NE(doc.previous_run(), nullptr);
  doc.run_done(same, result_of(5), RunDelta{});
  EXPECT_TRUE(doc.current_run()->delta.has_value()) << "same clip: the A/B delta is kept";

  // Other frames (a later start): a new clip; the previous run no longer applies.
  const Ticket other = doc.begin_run(settings_named("groupnorm"));
  const auto b = doc.run_input_ready(other, make_clip("/a.mp4", 5, 10));
  EXPECT_TRUE(b.replaced);
  EXPECT_NE(doc.clip()->id, clip_id);
  EXPECT_EQ(doc.previous_run(), nullptr);
  doc.run_done(other, result_of(5), RunDelta{});
  EXPECT_FALSE(doc.current_run()->delta.has_value()) << "another clip: no A/B delta";
}

TEST(Document, AnotherModelKeepsOnlyTheLastFinishedRunAsPrevious) {
  WithFinishedRun w;
  Document& doc = w.doc;
  doc.model_changed("/other-model");
  ASSERT_NE(doc.previous_run(), nullptr);
  EXPECT_EQ(doc.previous_run()->id, static_cast<int>(w.run.id));
  // A run of the old model still running is not kept.
  Document d2;
  d2.begin_open("/a.mp4");
  const Ticket t = d2.begin_run(settings_named("groupnorm"));
  d2.run_input_ready(t, make_clip("/a.mp4"));
  d2.model_changed("/other-model");
  EXPECT_EQ(d2.previous_run(), nullptr);
}

TEST(Document, BFileWaitsForTheClipFollowsItAndDropsStaleAlignments) {
  Document doc;
  EXPECT_FALSE(doc.begin_compare("/b.mp4")) << "no clip yet: the path waits";
  EXPECT_EQ(doc.compare_pending(), "/b.mp4");
  const Ticket open = doc.begin_open("/a.mp4");
  const auto accepted = doc.accept_decoded(open, make_clip("/a.mp4"));
  EXPECT_EQ(accepted.realign_b, "/b.mp4");

  const Ticket first = doc.begin_compare("/b.mp4");
  ASSERT_TRUE(first);
  EXPECT_EQ(doc.compare_pending(), "");
  const Ticket second = doc.begin_compare("/c.mp4");
  auto file_of = [&](const std::string& path) {
    auto f = std::make_shared<CompareFile>();
    f->path = path;
    f->clip_id = doc.clip()->id;
    f->frames = doc.clip()->frames;
    return f;
  };
  EXPECT_FALSE(doc.compare_done(first, file_of("/b.mp4")));
  EXPECT_TRUE(doc.compare_done(second, file_of("/c.mp4")));
  EXPECT_EQ(doc.pair(), Pair::OrigFile);
  EXPECT_EQ(doc.label_b(), "File B \xC2\xB7 c.mp4");

  // A new clip: B is aligned again, and an alignment to the old clip is dropped.
  const Ticket realign_old = doc.begin_compare("/c.mp4");
  const auto replaced = doc.accept_decoded(doc.begin_open("/d.mp4"), make_clip("/d.mp4"));
  EXPECT_EQ(replaced.realign_b, "/c.mp4");
  EXPECT_EQ(doc.file_b(), nullptr);
  EXPECT_FALSE(doc.compare_done(realign_old, file_of("/c.mp4")));
  EXPECT_EQ(doc.pair(), Pair::OrigFile) << "the choice is kept while B is aligned again...";
  EXPECT_EQ(doc.effective_pair(), Pair::OrigRecon) << "...but what is shown falls back";

  doc.close_compare();
  EXPECT_EQ(doc.pair(), Pair::OrigRecon);
}

TEST(Document, AFailedModelLoadStillOpensTheWaitingInput) {
  Document doc;
  doc.begin_open("/a.mp4");
  auto next = doc.job_failed(JobKind::Model, /*model_loaded=*/false);
  EXPECT_EQ(next.next, Document::AfterFailure::Next::OpenInput);
  EXPECT_EQ(next.path, "/a.mp4");
  EXPECT_EQ(doc.opening(), "");

  doc.begin_open("/a.mp4");
  next = doc.job_failed(JobKind::Model, /*model_loaded=*/true);
  EXPECT_EQ(next.next, Document::AfterFailure::Next::Run) << "the model still loaded runs it";

  Document d2;
  d2.begin_open("/a.mp4");
  EXPECT_EQ(d2.job_failed(JobKind::Decode, false).next, Document::AfterFailure::Next::Nothing);
  EXPECT_EQ(d2.opening(), "") << "a failed open is not waited for";
}

// The norm lab's sweep lives in the document under the one ticket rule: a newer
// sweep replaces the table, and rows or the end of an older one are dropped.
TEST(Document, ANewerNormLabSweepReplacesTheTableAndDropsTheOlderOnesRows) {
  Document d;
  LabSetting gn{"/m", "m", "groupnorm", 8, false, true};
  LabSetting ln{"/m", "m", "layernorm", 8, false, false};
  const Ticket first = d.begin_lab({gn, ln});
  ASSERT_EQ(d.lab().rows.size(), 2u);
  EXPECT_TRUE(d.lab().running);
  EXPECT_EQ(d.lab().rows[1].state, LabResult::State::Queued);
  EXPECT_EQ(d.lab().rows[1].setting.norm_type, "layernorm");

  LabResult done{gn};
  done.state = LabResult::State::Done;
  done.psnr = 21.5;
  const uint64_t before = d.lab().revisions[0];
  EXPECT_TRUE(d.lab_row(first, 0, done));
  EXPECT_EQ(d.lab().rows[0].psnr, 21.5);
  EXPECT_GT(d.lab().revisions[0], before) << "a changed row must say so to its viewer";
  EXPECT_FALSE(d.lab_row(first, 2, done)) << "row 2 does not exist";

  const Ticket second = d.begin_lab({ln});
  ASSERT_EQ(d.lab().rows.size(), 1u);
  EXPECT_EQ(d.lab().rows[0].state, LabResult::State::Queued);
  EXPECT_FALSE(d.lab_row(first, 0, done)) << "a row of the replaced sweep was applied";
  EXPECT_FALSE(d.lab_finished(first));
  EXPECT_TRUE(d.lab().running) << "the replaced sweep's end stopped the new one";
  EXPECT_EQ(d.lab().rows[0].setting.norm_type, "layernorm");
  EXPECT_TRUE(d.lab_finished(second));
  EXPECT_FALSE(d.lab().running);
}

TEST(Document, TheFrameStaysInsideTheClip) {
  Document doc;
  doc.set_frame(7);
  EXPECT_EQ(doc.frame(), 0);
  doc.accept_decoded(doc.begin_open("/a.mp4"), make_clip("/a.mp4", 5));
  doc.set_frame(7);
  EXPECT_EQ(doc.frame(), 4);
  doc.set_frame(-3);
  EXPECT_EQ(doc.frame(), 0);
  doc.set_frame(4);
  doc.accept_decoded(doc.begin_open("/b.mp4"), make_clip("/b.mp4", 3));
  EXPECT_EQ(doc.frame(), 2) << "a shorter clip clamps the frame";
}

// LPIPS maps of `n` frames, each filled with its score, of a 24x16 clip.
std::vector<LpipsMap> lpips_maps(const std::vector<double>& scores) {
  std::vector<LpipsMap> maps;
  for (double v : scores) {
    LpipsMap m;
    m.height = 16;
    m.width = 24;
    m.values.assign(24 * 16, static_cast<float>(v));
    m.p99 = static_cast<float>(v);
    maps.push_back(m);
  }
  return maps;
}

TEST(Document, LpipsStartsOnlyOnAFinishedRunAndStreamsInChunkByChunk) {
  Document doc;
  doc.begin_open("/a.mp4");
  const Ticket run = doc.begin_run(settings_named("groupnorm"));
  ASSERT_TRUE(doc.run_input_ready(run, make_clip("/a.mp4")).taken);
  EXPECT_FALSE(doc.begin_lpips()) << "a run still going has no reconstruction to measure";
  ASSERT_TRUE(doc.run_done(run, result_of(5), std::nullopt));
  const Ticket t = doc.begin_lpips();
  ASSERT_TRUE(t);
  const RunLpips& l = doc.current_run()->lpips;
  EXPECT_EQ(l.state, RunLpips::State::Computing);
  ASSERT_EQ(l.scores.size(), 5u);
  EXPECT_EQ(l.computed(), 0);
  EXPECT_TRUE(std::isnan(l.mean()));
  EXPECT_TRUE(doc.run_lpips(t, 0, {0.1, 0.3}, lpips_maps({0.1, 0.3})));
  EXPECT_TRUE(l.has(0) && l.has(1) && !l.has(2));
  EXPECT_EQ(l.computed(), 2);
  EXPECT_NEAR(l.mean(), 0.2, 1e-12);
  EXPECT_NEAR(l.map_range, 0.3, 1e-6) << "the heatmap's scale: the largest 99th percentile so far";
  EXPECT_TRUE(doc.run_lpips(t, 2, {0.2, 0.2, 0.2}, lpips_maps({0.2, 0.2, 0.2})));
  EXPECT_TRUE(doc.lpips_finished(t, RunLpips::State::Done, "", 12.5));
  EXPECT_EQ(l.state, RunLpips::State::Done);
  EXPECT_EQ(l.computed(), 5);
  EXPECT_NEAR(l.mean(), 0.2, 1e-12);
  EXPECT_EQ(l.elapsed_ms, 12.5);
  EXPECT_FALSE(doc.run_lpips(t, 0, {9}, lpips_maps({9}))) << "a finished LPIPS takes no more results";
  EXPECT_NEAR(l.scores[0], 0.1, 1e-12);
}

TEST(Document, ANewRunMakesTheLpipsInFlightStaleAndKeepsWhatItHad) {
  WithFinishedRun w;
  const Ticket t = w.doc.begin_lpips();
  ASSERT_TRUE(w.doc.run_lpips(t, 0, {0.25}, lpips_maps({0.25})));
  const uint64_t version = w.doc.current_run()->lpips.version;
  w.doc.begin_run(settings_named("layernorm"));
  const studio::Run* before = w.doc.previous_run();
  ASSERT_NE(before, nullptr);
  EXPECT_EQ(before->lpips.state, RunLpips::State::Cancelled) << "no longer computing: its job was made stale";
  EXPECT_GT(before->lpips.version, version) << "the change shows (the heatmap's texture cache compares it)";
  EXPECT_FALSE(w.doc.run_lpips(t, 1, {0.5}, lpips_maps({0.5}))) << "a stale run's LPIPS is dropped";
  EXPECT_FALSE(w.doc.lpips_finished(t, RunLpips::State::Done, ""));
  EXPECT_TRUE(before->lpips.has(0));
  EXPECT_FALSE(before->lpips.has(1));
  EXPECT_EQ(w.doc.current_run()->lpips.state, RunLpips::State::None);
}

TEST(Document, LpipsAgainReplacesTheOneBeforeAndSaysWhyWhenThereIsNone) {
  WithFinishedRun w;
  const Ticket first = w.doc.begin_lpips();
  ASSERT_TRUE(w.doc.run_lpips(first, 0, {0.4}, lpips_maps({0.4})));
  const Ticket second = w.doc.begin_lpips();
  const RunLpips& l = w.doc.current_run()->lpips;
  EXPECT_EQ(l.computed(), 0) << "computed again from scratch";
  EXPECT_FALSE(w.doc.run_lpips(first, 1, {0.4}, lpips_maps({0.4})));
  EXPECT_FALSE(w.doc.lpips_finished(first, RunLpips::State::Failed, "old"));
  EXPECT_TRUE(w.doc.lpips_finished(second, RunLpips::State::Unavailable, "alexnet-owt-7be5be79.pth not found"));
  EXPECT_EQ(l.state, RunLpips::State::Unavailable);
  EXPECT_EQ(l.message, "alexnet-owt-7be5be79.pth not found");
  EXPECT_TRUE(std::isnan(l.mean()));
  EXPECT_STREQ(lpips_state_name(l.state), "unavailable");
}

}  // namespace
}  // namespace wfvae::studio
