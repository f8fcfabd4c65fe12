// The norm lab: the same clip through several settings — the bundled models, the
// valid num_groups values, layernorm, chunked and direct — as a table of PSNR, SSIM, LPIPS,
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

class PanelContext;

// The table as CSV: one row per setting, the measurements of finished rows.
std::string normlab_csv(const std::vector<LabResult>& rows);

// The sweep itself (its rows, whether it runs) is the Document's (Document::lab());
// the panel holds the candidates, the choice of frames, the thumbnails' textures
// and the sort order.
class NormLabPanel {
 public:
  void draw(PanelContext& s, const Rect& area);
  // Candidate settings for the loaded model and the bundled ones; `spec` is
  // "default" or a comma list (gn:G, ln, trained, each optionally "/chunked";
  // model:DIR). Returns false with *error set for a bad spec.
  bool select(PanelContext& s, const std::string& spec, std::string* error);
  // Asks the studio to run the ticked candidates.
  void start(PanelContext& s);
  const Rect& table_rect() const { return table_rect_; }

 private:
  void build_candidates(PanelContext& s);
  void update_textures(const Document::LabSweep& lab);
  void draw_controls(PanelContext& s);
  void draw_table(PanelContext& s, const Rect& r);
  std::vector<size_t> sorted_rows(const std::vector<LabResult>& rows);
  void draw_row(PanelContext& s, size_t k, double best, double ref, float thumb_h);

  struct Candidate {
    LabSetting setting;
    bool selected = false;
  };
  std::vector<Candidate> candidates_;
  std::string candidates_model_;
  // Each row's thumbnail, uploaded again when its revision in the Document changes.
  std::vector<std::shared_ptr<Texture>> textures_;
  std::vector<uint64_t> texture_revisions_;
  int frames_ = 17;  // 17, or the clip's count when shorter, until chosen
  bool frames_chosen_ = false;
  Rect table_rect_;
  std::unique_ptr<Texture> original_thumb_;
  media::RgbFrame original_thumb_frame_;
  bool original_thumb_dirty_ = false;
  int sort_column_ = -1;
  bool sort_ascending_ = true;
};

}  // namespace wfvae::studio
