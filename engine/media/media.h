// Media pipeline (FFmpeg): decode any video or still image FFmpeg 5.1 reads into
// RGB frames, preprocess them the way the reference does, and write lossless or
// H.264 outputs atomically. No LibTorch and no FFmpeg types in this header.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/progress.h"
#include "core/host_tensor.h"

namespace wfvae::media {

// One frame, packed RGB24 (row-major, 3 bytes per pixel, no padding).
struct RgbFrame {
  int width = 0;
  int height = 0;
  std::vector<uint8_t> rgb;
  double time_s = 0;         // presentation time (best_effort_timestamp), seconds from stream start
  int64_t source_index = 0;  // index of this frame in the source's decoded order
};

struct VideoInfo {
  std::string path;
  std::string container;      // "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "image2", ...
  std::string codec;          // "h264", "vp9", "png", ...
  std::string pixel_format;   // source pixel format ("yuv420p10le")
  int width = 0, height = 0;  // display size (after rotation)
  int rotation = 0;           // degrees clockwise applied to display (0, 90, 180, 270)
  double fps = 0;             // best estimate: avg_frame_rate, else r_frame_rate, else from timestamps
  double duration_s = 0;      // 0 when unknown
  int64_t frame_count = 0;    // container's count; 0 when it does not say
  bool is_image = false;      // a still image (one frame)
  bool is_sequence = false;   // an image sequence given as a printf pattern ("frames/%04d.png")
  // Things the user should know about the source ("no frame rate stored; assumed 25").
  std::vector<std::string> notes;
};

struct DecodeOptions {
  // Where to start: a time in seconds or a frame index (at most one of them).
  std::optional<double> start_time_s;
  std::optional<int64_t> start_frame;
  int stride = 1;          // keep every k-th frame (the reference's --sample_rate)
  int64_t max_frames = 0;  // 0: all (after start and stride)
  // Applied to every kept frame right after conversion (e.g. resize_center_crop), so
  // long high-resolution sources cost only the transformed frames' memory.
  std::function<RgbFrame(RgbFrame)> transform;
};

// Sides longer than this are refused as absurd (FFmpeg itself allows far more).
constexpr int kMaxFrameSide = 16384;

struct DecodedVideo {
  VideoInfo info;
  std::vector<RgbFrame> frames;  // display-oriented (rotation applied), RGB
  double fps = 0;                // frame rate of the kept frames (source fps / stride)
};

// Reads metadata only. BadInput error naming the file and the problem (missing,
// empty, not a video, unsupported codec, ...).
VideoInfo probe(const std::filesystem::path& path);

// Decodes selected frames. Errors: as probe, plus truncated files with no
// decodable frame, zero frames after selection, absurd dimensions.
DecodedVideo decode_video(const std::filesystem::path& path, const DecodeOptions& options = {},
                          const ProgressFn& progress = {}, const CancelToken* cancel = nullptr);

// Largest frame count <= n of the form 1 + k * temporal_compression (0 if n < 1).
int64_t largest_valid_frame_count(int64_t n, int temporal_compression);

// The reference's preprocessing: resize so the frame covers height x width keeping
// its aspect (short side to the target), center crop, keep uint8 RGB.
RgbFrame resize_center_crop(const RgbFrame& frame, int height, int width);
// Default model input size for a source: its size rounded down to multiples of 8,
// scaled so the short side is at most `max_short_side` (keeping aspect), >= 8.
void default_size(int src_height, int src_width, int max_short_side, int* height, int* width);

// Frames (all the same size) -> [1, 3, T, H, W] float in [-1, 1] (x = u8 / 127.5 - 1).
HostTensor frames_to_tensor(const std::vector<RgbFrame>& frames);
// [1, 3, T, H, W] (or [3, T, H, W]) in [-1, 1] -> frames: clamp to [-1, 1], map to
// [0, 255] as (x + 1) / 2 * 255 rounded to nearest.
std::vector<RgbFrame> tensor_to_frames(const HostTensor& video);

// Output formats, chosen from the file name: ".mkv" -> FFV1 (lossless, bgr0),
// ".mp4" -> H.264 (libx264, yuv420p, CRF), ".png" with a printf pattern
// ("frame_%04d.png") or a folder name ending in "/" -> a PNG sequence (numbered
// from 1, as ffmpeg's image2 muxer does; a folder gets frame_000001.png, ...),
// a plain ".png" -> one PNG image (only for a one-frame video).
enum class VideoFormat { FFV1_MKV, H264_MP4, PNG_SEQUENCE, PNG_IMAGE };
VideoFormat format_for_path(const std::filesystem::path& path);  // Usage error for unknown extensions
const char* format_name(VideoFormat f);                          // "FFV1 (lossless) in Matroska", ...
bool is_lossless(VideoFormat f);

struct EncodeOptions {
  double fps = 25;
  int crf = 18;            // H.264 only
  bool overwrite = false;  // without it an existing output is an error
};

// Cheap checks before any heavy work: the format is known and the target(s) can be
// written (folder exists and is writable; nothing is overwritten without overwrite).
void check_video_output(const std::filesystem::path& path, bool overwrite);

// A finished video waiting in temporaries beside its target. commit() moves it into
// place; destruction without commit removes every temporary. Lets a caller write
// several outputs and commit them together (a cancelled run leaves none of them).
class PendingVideo {
 public:
  PendingVideo();
  ~PendingVideo();
  PendingVideo(const PendingVideo&) = delete;
  PendingVideo& operator=(const PendingVideo&) = delete;
  void commit();
  struct Impl;
  std::unique_ptr<Impl> impl;
};
std::unique_ptr<PendingVideo> prepare_video(const std::filesystem::path& path, const std::vector<RgbFrame>& frames,
                                            const EncodeOptions& options, const ProgressFn& progress = {},
                                            const CancelToken* cancel = nullptr);

// Writes frames to `path` through a temporary that is renamed into place only when
// complete; nothing is left behind on error or cancel. (prepare_video + commit.)
void write_video(const std::filesystem::path& path, const std::vector<RgbFrame>& frames, const EncodeOptions& options,
                 const ProgressFn& progress = {}, const CancelToken* cancel = nullptr);

// One PNG image (screenshots, thumbnails), atomically.
void write_png(const std::filesystem::path& path, const RgbFrame& frame, bool overwrite);

// Visual comparisons built from two equally sized frame lists.
std::vector<RgbFrame> side_by_side(const std::vector<RgbFrame>& a, const std::vector<RgbFrame>& b);
// |a - b| * gain per channel, clamped to 255.
std::vector<RgbFrame> difference(const std::vector<RgbFrame>& a, const std::vector<RgbFrame>& b, int gain);

}  // namespace wfvae::media
