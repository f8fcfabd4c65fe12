// Writers: FFV1/Matroska, H.264/MP4, PNG sequences and single PNGs, always through
// temporaries that are renamed into place when complete.
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>

extern "C" {
#include <libavutil/opt.h>
#include <libavutil/imgutils.h>
}

#include "core/error.h"
#include "core/fileutil.h"
#include "core/text.h"
#include "media/ffmpeg_util.h"
#include "media/media.h"

namespace wfvae::media {

namespace fs = std::filesystem;
using namespace detail;

namespace {

std::string lower_extension(const fs::path& p) { return text::lower_extension(p); }

bool ends_with_slash(const fs::path& p) {
  const std::string s = p.string();
  return !s.empty() && s.back() == '/';
}

fs::path strip_slashes(const fs::path& p) {
  std::string s = p.string();
  while (s.size() > 1 && s.back() == '/') s.pop_back();
  return s;
}

bool is_pattern(const fs::path& p) { return p.filename().string().find('%') != std::string::npos; }

// The file name of frame `number` in a printf-style pattern (FFmpeg's syntax:
// %d, %0Nd, %%). Usage error when the pattern is not one FFmpeg accepts.
fs::path pattern_file(const fs::path& pattern, int64_t number) {
  const std::string s = pattern.string();
  // One %d or %0Nd (N up to 9) in the file name, %% for a literal %: what FFmpeg
  // reads back. A wider field (%999999999d) makes FFmpeg print every frame under
  // one truncated name, so it is refused here, before any work.
  const std::string name = pattern.filename().string();
  int fields = 0;
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '%') continue;
    if (i + 1 < name.size() && name[i + 1] == '%') {
      ++i;
      continue;
    }
    size_t j = i + 1;
    while (j < name.size() && std::isdigit(static_cast<unsigned char>(name[j]))) ++j;
    const std::string width = name.substr(i + 1, j - i - 1);
    if (j >= name.size() || name[j] != 'd' || width.size() > 2 || (!width.empty() && std::stoi(width) > 9))
      fail_usage(s + ": not a valid frame pattern (use one %d or %0Nd with N at most 9, e.g. frame_%04d.png)");
    ++fields;
    i = j;
  }
  if (fields != 1)
    fail_usage(s + ": a frame pattern needs exactly one %d or %0Nd in its file name (e.g. frame_%04d.png)");
  std::vector<char> buf(s.size() + 64);
  if (av_get_frame_filename2(buf.data(), static_cast<int>(buf.size()), s.c_str(), static_cast<int>(number), 0) < 0)
    fail_usage(s + ": not a valid frame pattern (use one %d or %0Nd, e.g. frame_%04d.png)");
  return fs::path(buf.data());
}

// Frames in a PNG folder: frame_000001.png, ... (what ffmpeg -i folder/frame_%06d.png reads).
std::string folder_frame_name(int64_t number) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "frame_%06lld.png", static_cast<long long>(number));
  return buf;
}

std::string path_with_reason(const fs::path& p, const std::string& what, int err) {
  return p.string() + ": " + what + ": " + av_error_text(err) + last_log_suffix();
}

void check_frames(const fs::path& path, const std::vector<RgbFrame>& frames) {
  if (frames.empty()) fail_usage(path.string() + ": no frames to write");
  const int w = frames[0].width, h = frames[0].height;
  if (w < 1 || h < 1) fail_usage(path.string() + ": frames have no size");
  for (size_t i = 0; i < frames.size(); ++i)
    if (frames[i].width != w || frames[i].height != h || frames[i].rgb.size() != static_cast<size_t>(w) * h * 3)
      fail_usage(path.string() + ": frame " + std::to_string(i) + " differs in size from frame 0");
}

AVRational rate_of(double fps) {
  if (!(fps > 0) || fps > 1000) fail_usage("output frame rate must be in (0, 1000] (got " + std::to_string(fps) + ")");
  AVRational r = av_d2q(fps, 100000);
  if (r.num <= 0 || r.den <= 0) r = {25, 1};
  return r;
}

// RGB24 frames into an encoder's pixel format (exact shuffles for RGB targets;
// BT.709 limited range for YUV, which is how the file is tagged).
class FromRgb {
 public:
  FromRgb(int w, int h, AVPixelFormat dst) : w_(w), h_(h), dst_(dst) {
    const int flags = SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INP | SWS_FULL_CHR_H_INT;
    sws_.reset(sws_getContext(w, h, AV_PIX_FMT_RGB24, w, h, dst, flags, nullptr, nullptr, nullptr));
    if (!sws_) fail_runtime("cannot convert RGB to the encoder's pixel format");
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(dst);
    if (d && !(d->flags & AV_PIX_FMT_FLAG_RGB)) {
      const int* c709 = sws_getCoefficients(SWS_CS_ITU709);
      sws_setColorspaceDetails(sws_.get(), c709, 1, c709, 0, 0, 1 << 16, 1 << 16);
    }
  }
  void convert(const RgbFrame& in, AVFrame* out) {
    copy_rgb_in(in.rgb.data(), w_, h_, src_.get());
    sws_scale(sws_.get(), src_->data, src_->linesize, 0, h_, out->data, out->linesize);
  }

 private:
  int w_, h_;
  AVPixelFormat dst_;
  SwsPtr sws_;
  FramePtr src_ = make_padded_frame(w_, h_, AV_PIX_FMT_RGB24);  // swscale over-reads rows
};

// A video through libavformat: FFV1 in Matroska or H.264 in MP4.
void encode_container(const fs::path& target, const fs::path& file, VideoFormat format,
                      const std::vector<RgbFrame>& frames, const EncodeOptions& options, const ProgressFn& progress,
                      const CancelToken* cancel) {
  const int w = frames[0].width, h = frames[0].height;
  const bool h264 = format == VideoFormat::H264_MP4;
  if (h264 && (w % 2 || h % 2))
    fail_usage(target.string() + ": H.264 (yuv420p) needs an even width and height, the frames are " +
               std::to_string(w) + "x" + std::to_string(h) + " (write .mkv for a lossless file of any size)");
  if (h264 && (options.crf < 0 || options.crf > 51))
    fail_usage("CRF must be 0..51 (got " + std::to_string(options.crf) + ")");
  const AVRational rate = rate_of(options.fps);

  install_log_capture();
  clear_last_log();
  const AVCodec* codec = avcodec_find_encoder_by_name(h264 ? "libx264" : "ffv1");
  if (!codec)
    fail_runtime(std::string("this FFmpeg build has no ") + (h264 ? "libx264" : "FFV1") + " encoder (" +
                 target.string() + ")");

  AVFormatContext* oc_raw = nullptr;
  int err = avformat_alloc_output_context2(&oc_raw, nullptr, h264 ? "mp4" : "matroska", file.c_str());
  if (err < 0 || !oc_raw) fail_runtime(path_with_reason(target, "cannot set up the muxer", err));
  struct OutputCloser {
    void operator()(AVFormatContext* c) const {
      if (c->pb) avio_closep(&c->pb);
      avformat_free_context(c);
    }
  };
  std::unique_ptr<AVFormatContext, OutputCloser> oc(oc_raw);

  CodecPtr enc(avcodec_alloc_context3(codec));
  if (!enc) throw std::bad_alloc();
  const AVPixelFormat pix = h264 ? AV_PIX_FMT_YUV420P : AV_PIX_FMT_BGR0;  // FFV1 stores 8-bit RGB as bgr0
  enc->width = w;
  enc->height = h;
  enc->pix_fmt = pix;
  enc->time_base = av_inv_q(rate);
  enc->framerate = rate;
  enc->sample_aspect_ratio = {1, 1};
  enc->thread_count = 0;
  if (h264) {
    enc->colorspace = AVCOL_SPC_BT709;
    enc->color_primaries = AVCOL_PRI_BT709;
    enc->color_trc = AVCOL_TRC_BT709;
    enc->color_range = AVCOL_RANGE_MPEG;
    av_opt_set(enc->priv_data, "preset", "medium", 0);
    av_opt_set_double(enc->priv_data, "crf", options.crf, 0);
  } else {
    // FFV1 version 3 (slices for threads, per-slice CRCs), except for frames under
    // 4 pixels on a side: FFmpeg 5.1's version 3 decodes those wrongly (version 1 is exact).
    if (w >= 4 && h >= 4) {
      enc->level = 3;
      av_opt_set_int(enc->priv_data, "slicecrc", 1, 0);
    } else {
      enc->level = 1;
    }
  }
  if (oc->oformat->flags & AVFMT_GLOBALHEADER) enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  err = avcodec_open2(enc.get(), codec, nullptr);
  if (err < 0) fail_runtime(path_with_reason(target, "cannot open the encoder", err));

  AVStream* st = avformat_new_stream(oc.get(), nullptr);
  if (!st) throw std::bad_alloc();
  err = avcodec_parameters_from_context(st->codecpar, enc.get());
  if (err < 0) fail_runtime(path_with_reason(target, "cannot set stream parameters", err));
  st->time_base = enc->time_base;
  st->avg_frame_rate = rate;
  st->r_frame_rate = rate;

  err = avio_open(&oc->pb, file.c_str(), AVIO_FLAG_WRITE);
  if (err < 0) fail_input(target.string() + ": cannot create the file: " + av_error_text(err));
  AVDictionary* mux_opts = nullptr;
  if (h264) av_dict_set(&mux_opts, "movflags", "+faststart", 0);
  err = avformat_write_header(oc.get(), &mux_opts);
  av_dict_free(&mux_opts);
  if (err < 0) fail_runtime(path_with_reason(target, "cannot write the header", err));

  FromRgb conv(w, h, pix);
  FramePtr frame = make_frame();
  frame->format = pix;
  frame->width = w;
  frame->height = h;
  err = av_frame_get_buffer(frame.get(), 0);
  if (err < 0) throw std::bad_alloc();
  PacketPtr pkt = make_packet();

  auto write_packets = [&]() {
    for (;;) {
      int r = avcodec_receive_packet(enc.get(), pkt.get());
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
      if (r < 0) fail_runtime(path_with_reason(target, "encoding failed", r));
      // FFmpeg 5.1's encoders leave durations at 0; the MP4 muxer would then give
      // the last frame no duration and players (and ffprobe) would drop it.
      if (pkt->duration <= 0) pkt->duration = 1;
      av_packet_rescale_ts(pkt.get(), enc->time_base, st->time_base);
      pkt->stream_index = st->index;
      r = av_interleaved_write_frame(oc.get(), pkt.get());
      if (r < 0) fail_runtime(path_with_reason(target, "writing failed (disk full?)", r));
    }
  };

  for (size_t i = 0; i < frames.size(); ++i) {
    if (cancel) cancel->check();
    err = av_frame_make_writable(frame.get());
    if (err < 0) throw std::bad_alloc();
    conv.convert(frames[i], frame.get());
    frame->pts = static_cast<int64_t>(i);
    err = avcodec_send_frame(enc.get(), frame.get());
    if (err < 0) fail_runtime(path_with_reason(target, "encoding failed", err));
    write_packets();
    if (progress) progress(static_cast<double>(i + 1) / frames.size(), "write " + target.filename().string());
  }
  avcodec_send_frame(enc.get(), nullptr);
  write_packets();
  err = av_write_trailer(oc.get());
  if (err < 0) fail_runtime(path_with_reason(target, "cannot finish the file", err));
  err = avio_closep(&oc->pb);
  if (err < 0) fail_runtime(path_with_reason(target, "cannot close the file (disk full?)", err));
}

// One frame as PNG bytes (RGB24, lossless).
std::string encode_png(const RgbFrame& f) {
  install_log_capture();
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_PNG);
  if (!codec) fail_runtime("this FFmpeg build has no PNG encoder");
  CodecPtr enc(avcodec_alloc_context3(codec));
  if (!enc) throw std::bad_alloc();
  enc->width = f.width;
  enc->height = f.height;
  enc->pix_fmt = AV_PIX_FMT_RGB24;
  enc->time_base = {1, 25};
  int err = avcodec_open2(enc.get(), codec, nullptr);
  if (err < 0) fail_runtime("cannot open the PNG encoder: " + av_error_text(err));
  // A padded copy: FFmpeg's encoders may read whole SIMD vectors past a row's end.
  FramePtr frame = make_padded_frame(f.width, f.height, AV_PIX_FMT_RGB24);
  copy_rgb_in(f.rgb.data(), f.width, f.height, frame.get());
  frame->pts = 0;
  err = avcodec_send_frame(enc.get(), frame.get());
  if (err < 0) fail_runtime("PNG encoding failed: " + av_error_text(err));
  avcodec_send_frame(enc.get(), nullptr);
  PacketPtr pkt = make_packet();
  std::string bytes;
  for (;;) {
    int r = avcodec_receive_packet(enc.get(), pkt.get());
    if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) break;
    if (r < 0) fail_runtime("PNG encoding failed: " + av_error_text(r));
    bytes.append(reinterpret_cast<const char*>(pkt->data), static_cast<size_t>(pkt->size));
    av_packet_unref(pkt.get());
  }
  if (bytes.empty()) fail_runtime("PNG encoder produced no data");
  return bytes;
}

void write_bytes(const fs::path& file, const std::string& bytes, const fs::path& target) {
  std::ofstream out(file, std::ios::binary);
  if (!out) fail_input(target.string() + ": cannot create (" + std::strerror(errno) + ")");
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.flush();
  if (!out) fail_runtime(target.string() + ": write failed (disk full?)");
}

}  // namespace

VideoFormat format_for_path(const fs::path& path) {
  if (path.empty()) fail_usage("empty output path");
  if (ends_with_slash(path)) return VideoFormat::PNG_SEQUENCE;
  const std::string ext = lower_extension(path);
  if (ext == ".mkv") return VideoFormat::FFV1_MKV;
  if (ext == ".mp4") return VideoFormat::H264_MP4;
  if (ext == ".png") return is_pattern(path) ? VideoFormat::PNG_SEQUENCE : VideoFormat::PNG_IMAGE;
  fail_usage(path.string() + ": unknown output format \"" + ext +
             "\": use .mkv (FFV1, lossless), .mp4 (H.264), a PNG pattern such as frame_%04d.png, or a folder "
             "ending in / (PNG sequence)");
}

const char* format_name(VideoFormat f) {
  switch (f) {
    case VideoFormat::FFV1_MKV: return "FFV1 (lossless) in Matroska";
    case VideoFormat::H264_MP4: return "H.264 (libx264, yuv420p) in MP4";
    case VideoFormat::PNG_SEQUENCE: return "PNG sequence (lossless)";
    case VideoFormat::PNG_IMAGE: return "PNG image (lossless)";
  }
  return "?";
}

bool is_lossless(VideoFormat f) { return f != VideoFormat::H264_MP4; }

void check_video_output(const fs::path& path, bool overwrite) {
  const VideoFormat f = format_for_path(path);
  if (f == VideoFormat::PNG_SEQUENCE && !ends_with_slash(path)) {
    check_output_path(pattern_file(path, 1), overwrite);
  } else {
    check_output_path(strip_slashes(path), overwrite, ends_with_slash(path) ? OutputKind::Folder : OutputKind::File);
  }
}

struct PendingVideo::Impl {
  std::unique_ptr<PendingOutput> output;  // a file or a folder
  // A pattern sequence: each frame's temporary and target, renamed together.
  std::vector<std::pair<fs::path, fs::path>> files;
  fs::path pattern;
  bool overwrite = false;
  bool committed = false;

  ~Impl() {
    if (committed) return;
    std::error_code ec;
    for (const auto& f : files) fs::remove(f.first, ec);
  }
};

PendingVideo::PendingVideo() : impl(std::make_unique<Impl>()) {}
PendingVideo::~PendingVideo() = default;

void PendingVideo::commit() {
  Impl& m = *impl;
  if (m.committed) return;
  if (m.output) {
    m.output->commit();
    m.committed = true;
    return;
  }
  std::error_code ec;
  for (const auto& f : m.files) {
    if (fs::is_directory(f.second, ec))
      fail_input(f.second.string() + ": is a folder; a frame cannot be written there");
    if (!m.overwrite && fs::exists(f.second, ec))
      fail_input(f.second.string() + ": already exists (pass -y to overwrite)");
  }
  // All frames or none: frames replaced are kept aside until every rename worked,
  // and put back (the new ones removed) when one fails.
  struct Moved {
    fs::path target, kept;  // kept: the replaced frame's temporary name, if any
  };
  std::vector<Moved> moved;
  auto roll_back = [&] {
    for (auto it = moved.rbegin(); it != moved.rend(); ++it) {
      fs::remove(it->target, ec);
      if (!it->kept.empty()) std::rename(it->kept.c_str(), it->target.c_str());
    }
  };
  for (const auto& f : m.files) {
    Moved mv{f.second, {}};
    if (fs::exists(f.second, ec)) {
      mv.kept = f.first.string() + ".replaced";
      if (std::rename(f.second.c_str(), mv.kept.c_str()) != 0) {
        const std::string why = std::strerror(errno);
        roll_back();
        fail_runtime(f.second.string() + ": cannot replace the existing frame (" + why + "); nothing was written");
      }
    }
    if (std::rename(f.first.c_str(), f.second.c_str()) != 0) {
      const std::string why = std::strerror(errno);
      if (!mv.kept.empty()) std::rename(mv.kept.c_str(), mv.target.c_str());
      roll_back();
      fail_runtime(f.second.string() + ": cannot move the finished frame into place (" + why +
                   "); nothing was written");
    }
    moved.push_back(mv);
  }
  for (const auto& mv : moved)
    if (!mv.kept.empty()) fs::remove(mv.kept, ec);
  m.committed = true;
  if (m.overwrite) {
    // Frames of an earlier, longer sequence under the same pattern would otherwise
    // remain and read back as part of this one.
    for (int64_t n = static_cast<int64_t>(m.files.size()) + 1;; ++n) {
      fs::path stale = pattern_file(m.pattern, n);
      if (!fs::is_regular_file(stale, ec)) break;
      fs::remove(stale, ec);
    }
  }
}

std::unique_ptr<PendingVideo> prepare_video(const fs::path& path, const std::vector<RgbFrame>& frames,
                                            const EncodeOptions& options, const ProgressFn& progress,
                                            const CancelToken* cancel) {
  const VideoFormat format = format_for_path(path);
  check_frames(path, frames);
  auto pending = std::make_unique<PendingVideo>();
  PendingVideo::Impl& m = *pending->impl;
  m.overwrite = options.overwrite;

  switch (format) {
    case VideoFormat::FFV1_MKV:
    case VideoFormat::H264_MP4: {
      m.output = std::make_unique<PendingOutput>(path, options.overwrite);
      encode_container(path, m.output->temp_path(), format, frames, options, progress, cancel);
      break;
    }
    case VideoFormat::PNG_IMAGE: {
      if (frames.size() != 1)
        fail_usage(path.string() + ": a .png file holds one image but there are " + std::to_string(frames.size()) +
                   " frames (use a pattern such as frame_%04d.png or a folder ending in /)");
      m.output = std::make_unique<PendingOutput>(path, options.overwrite);
      write_bytes(m.output->temp_path(), encode_png(frames[0]), path);
      if (progress) progress(1.0, "write " + path.filename().string());
      break;
    }
    case VideoFormat::PNG_SEQUENCE: {
      if (ends_with_slash(path)) {
        const fs::path folder = strip_slashes(path);
        m.output = std::make_unique<PendingOutput>(folder, options.overwrite, OutputKind::Folder);
        std::error_code ec;
        fs::create_directory(m.output->temp_path(), ec);
        if (ec) fail_input(folder.string() + ": cannot create the folder (" + ec.message() + ")");
        for (size_t i = 0; i < frames.size(); ++i) {
          if (cancel) cancel->check();
          write_bytes(m.output->temp_path() / folder_frame_name(static_cast<int64_t>(i) + 1), encode_png(frames[i]),
                      folder);
          if (progress) progress(static_cast<double>(i + 1) / frames.size(), "write " + folder.filename().string());
        }
      } else {
        m.pattern = path;
        check_output_path(pattern_file(path, 1), options.overwrite);
        for (size_t i = 0; i < frames.size(); ++i) {
          if (cancel) cancel->check();
          const fs::path target = pattern_file(path, static_cast<int64_t>(i) + 1);
          if (!options.overwrite && fs::exists(target))
            fail_input(target.string() + ": already exists (pass -y to overwrite)");
          const fs::path dir = target.parent_path();
          const std::string name =
              "." + target.stem().string() + ".partial-" + std::to_string(::getpid()) + target.extension().string();
          const fs::path temp = dir.empty() ? fs::path(name) : dir / name;
          m.files.emplace_back(temp, target);  // registered first: removed even if writing fails
          write_bytes(temp, encode_png(frames[i]), target);
          if (progress) progress(static_cast<double>(i + 1) / frames.size(), "write " + path.filename().string());
        }
      }
      break;
    }
  }
  return pending;
}

void write_video(const fs::path& path, const std::vector<RgbFrame>& frames, const EncodeOptions& options,
                 const ProgressFn& progress, const CancelToken* cancel) {
  prepare_video(path, frames, options, progress, cancel)->commit();
}

void write_png(const fs::path& path, const RgbFrame& frame, bool overwrite) {
  if (frame.width < 1 || frame.height < 1 || frame.rgb.size() != static_cast<size_t>(frame.width) * frame.height * 3)
    fail_usage(path.string() + ": malformed frame");
  const std::string bytes = encode_png(frame);
  PendingOutput out(path, overwrite);
  write_bytes(out.temp_path(), bytes, path);
  out.commit();
}

}  // namespace wfvae::media
