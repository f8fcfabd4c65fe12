// The norm lab: the same clip through several settings — the bundled models, the
// valid num_groups values, layernorm, chunked and direct — as a table of PSNR, SSIM,
// encode/decode time and peak memory with a thumbnail of each reconstruction;
// exported as CSV and as a PNG of the table.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "document.h"
#include "gl/gl_util.h"
#include "jobs/engine_jobs.h"
#include "layout.h"
#include "media/media.h"

namespace wfvae::studio {

class Studio;

// A row of the table: what the sweep measured (jobs/engine_jobs.h) and its thumbnail's texture.
struct LabRow : LabResult {
  std::shared_ptr<Texture> texture;
};

class NormLabPanel {
 public:
  void draw(Studio& s, const Rect& area);
  // Candidate settings for the loaded model and the bundled ones; `spec` is
  // "default" or a comma list (gn:G, ln, trained, each optionally "/chunked";
  // model:DIR). Returns false with *error set for a bad spec.
  bool select(Studio& s, const std::string& spec, std::string* error);
  void start(Studio& s);
  bool running() const { return running_; }
  const std::vector<LabRow>& rows() const { return rows_; }
  std::string csv() const;
  const Rect& table_rect() const { return table_rect_; }
  // Writes the table (atomically; refuses to overwrite unless asked).
  void write_csv(const std::string& path, bool overwrite) const;

 private:
  void build_candidates(Studio& s);
  void draw_controls(Studio& s);
  void draw_table(Studio& s, const Rect& r);
  std::vector<size_t> sorted_rows();
  void draw_row(Studio& s, size_t k, double best, double ref, float thumb_h);

  struct Candidate {
    LabSetting setting;
    bool selected = false;
  };
  std::vector<Candidate> candidates_;
  std::string candidates_model_;
  std::vector<LabRow> rows_;
  bool running_ = false;
  int frames_ = 17;  // 17, or the clip's count when shorter, until chosen
  bool frames_chosen_ = false;
  TicketDesk tickets_;  // results of a sweep started before the newest one are dropped
  Rect table_rect_;
  std::unique_ptr<Texture> original_thumb_;
  media::RgbFrame original_thumb_frame_;
  bool original_thumb_dirty_ = false;
  int sort_column_ = -1;
  bool sort_ascending_ = true;
};

}  // namespace wfvae::studio
