// probe() and decode_video(): any container/codec FFmpeg 5.1 reads, to RGB24.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <cstring>
#include <map>
#include <tuple>

extern "C" {
#include <libavutil/display.h>
#include <libavutil/imgutils.h>
#include <libavutil/pixdesc.h>
}

#include "core/error.h"
#include "core/text.h"
#include "media/ffmpeg_util.h"
#include "media/media.h"

namespace wfvae::media {

namespace fs = std::filesystem;
using namespace detail;

namespace {

// Starts later than this (seconds) seek instead of decoding everything before them.
constexpr double kSeekThresholdS = 30.0;

std::string fmt_double(double v, int decimals) { return text::fixed(v, decimals); }

// "frames/%04d.png" style paths (FFmpeg's image2 patterns): the first file FFmpeg
// would look for (start numbers 0..4, as image2 tries), or empty.
fs::path first_sequence_file(const fs::path& pattern) {
  const std::string s = pattern.string();
  if (s.find('%') == std::string::npos) return {};
  std::vector<char> buf(s.size() + 64);
  for (int i = 0; i <= 4; ++i) {
    if (av_get_frame_filename2(buf.data(), static_cast<int>(buf.size()), s.c_str(), i, 0) < 0) return {};
    std::error_code ec;
    if (fs::is_regular_file(buf.data(), ec)) return fs::path(buf.data());
  }
  return {};
}

// Checks the things FFmpeg reports badly (missing, folder, empty, unreadable).
// Returns true for an image-sequence pattern.
bool check_input_file(const fs::path& path) {
  const std::string p = path.string();
  std::error_code ec;
  if (p.empty()) fail_usage("empty input path");
  if (!fs::exists(path, ec)) {
    if (ec.value() == ELOOP) fail_input(p + ": a symbolic link loop (too many levels of links)");
    if (ec && ec.value() != ENOENT) fail_input(p + ": cannot open (" + ec.message() + ")");
    if (!first_sequence_file(path).empty()) return true;
    fail_input(p + ": no such file");
  }
  if (fs::is_directory(path, ec)) fail_input(p + ": is a folder, expected a video or image file");
  if (!fs::is_regular_file(path, ec)) fail_input(p + ": not a regular file");
  // A stat size of 0 is also what kernel pseudo-files (/proc/...) report: empty only
  // when there is really nothing to read; otherwise FFmpeg's probe has its say.
  if (fs::file_size(path, ec) == 0) {
    std::ifstream in(path, std::ios::binary);
    if (in.get() == std::char_traits<char>::eof()) fail_input(p + ": file is empty (0 bytes)");
  }
  if (::access(path.c_str(), R_OK) != 0) fail_input(p + ": cannot read (" + std::strerror(errno) + ")");
  return false;
}

bool is_image_demuxer(const char* name) {
  const std::string n = name ? name : "";
  return n == "image2" || (n.size() > 5 && n.compare(n.size() - 5, 5, "_pipe") == 0);
}

double q2d_or_zero(AVRational r) { return (r.num > 0 && r.den > 0) ? av_q2d(r) : 0.0; }

// Clockwise degrees a player rotates the picture by, as the ffmpeg CLI's autorotate
// computes it (-av_display_rotation_get, normalised, rounded to a multiple of 90).
int display_rotation(const AVStream* st) {
  const uint8_t* sd = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, nullptr);
  if (!sd) return 0;
  double theta = -av_display_rotation_get(reinterpret_cast<const int32_t*>(sd));
  if (std::isnan(theta)) return 0;
  theta -= 360 * std::floor(theta / 360 + 0.9 / 360);
  int r = static_cast<int>(std::lround(theta / 90.0)) * 90;
  return ((r % 360) + 360) % 360;
}

struct Opened {
  InputPtr fmt;
  AVStream* stream = nullptr;
  const AVCodec* codec = nullptr;
  VideoInfo info;
};

Opened open_input(const fs::path& path) {
  install_log_capture();
  const bool sequence = check_input_file(path);
  const std::string p = path.string();
  Opened o;
  o.info.path = p;
  o.info.is_sequence = sequence;

  clear_last_log();
  AVFormatContext* raw = nullptr;
  int err = avformat_open_input(&raw, p.c_str(), nullptr, nullptr);
  if (err < 0) fail_input(p + ": not a video or image FFmpeg can read: " + av_error_text(err) + last_log_suffix());
  o.fmt.reset(raw);
  clear_last_log();
  err = avformat_find_stream_info(raw, nullptr);
  if (err < 0) fail_input(p + ": cannot read stream information: " + av_error_text(err) + last_log_suffix());

  // The best video stream that is a real video, not cover art.
  int best = av_find_best_stream(raw, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (best >= 0 && (raw->streams[best]->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
    best = -1;
    for (unsigned i = 0; i < raw->nb_streams; ++i) {
      const AVStream* s = raw->streams[i];
      if (s->codecpar->codec_type == AVMEDIA_TYPE_VIDEO && !(s->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
        best = static_cast<int>(i);
        break;
      }
    }
  }
  if (best < 0)
    fail_input(p + ": contains no video stream (" + std::to_string(raw->nb_streams) + " streams, none of them video)");
  o.stream = raw->streams[best];
  for (unsigned i = 0; i < raw->nb_streams; ++i)
    if (static_cast<int>(i) != best) raw->streams[i]->discard = AVDISCARD_ALL;
  const AVCodecParameters* par = o.stream->codecpar;

  VideoInfo& info = o.info;
  info.container = raw->iformat && raw->iformat->name ? raw->iformat->name : "";
  const AVCodecDescriptor* desc = avcodec_descriptor_get(par->codec_id);
  info.codec = desc ? desc->name : "unknown";
  if (par->codec_id == AV_CODEC_ID_NONE) {
    char tag[AV_FOURCC_MAX_STRING_SIZE] = {0};
    av_fourcc_make_string(tag, par->codec_tag);
    fail_input(p + ": unsupported codec: FFmpeg does not know the video codec (FourCC \"" + tag + "\")");
  }
  o.codec = avcodec_find_decoder(par->codec_id);
  if (!o.codec) fail_input(p + ": unsupported codec \"" + info.codec + "\": this FFmpeg build has no decoder for it");
  const char* pf = av_get_pix_fmt_name(static_cast<AVPixelFormat>(par->format));
  info.pixel_format = pf ? pf : "unknown";

  if (par->width < 0 || par->height < 0 || par->width > kMaxFrameSide || par->height > kMaxFrameSide)
    fail_input(p + ": absurd frame size " + std::to_string(par->width) + "x" + std::to_string(par->height) +
               " (each side must be 1.." + std::to_string(kMaxFrameSide) + ")");
  info.rotation = display_rotation(o.stream);
  const bool swap = info.rotation == 90 || info.rotation == 270;
  info.width = swap ? par->height : par->width;
  info.height = swap ? par->width : par->height;
  if (info.rotation)
    info.notes.push_back("rotation metadata: frames rotated " + std::to_string(info.rotation) +
                         " degrees clockwise for display");

  info.is_image = !sequence && is_image_demuxer(info.container.c_str());
  info.frame_count = info.is_image ? 1 : std::max<int64_t>(0, o.stream->nb_frames);
  if (o.stream->duration != AV_NOPTS_VALUE && o.stream->duration > 0)
    info.duration_s = o.stream->duration * av_q2d(o.stream->time_base);
  else if (raw->duration != AV_NOPTS_VALUE && raw->duration > 0)
    info.duration_s = raw->duration / static_cast<double>(AV_TIME_BASE);

  // avg_frame_rate is what the container measured; r_frame_rate FFmpeg's guess of
  // the base rate. Either can be 0/0 (Ogg/Theora) or nonsense (> 1000 fps).
  const double avg = q2d_or_zero(o.stream->avg_frame_rate), base = q2d_or_zero(o.stream->r_frame_rate);
  if (avg > 0 && avg <= 1000) {
    info.fps = avg;
  } else if (base > 0 && base <= 1000) {
    info.fps = base;
    if (!info.is_image)
      info.notes.push_back("no average frame rate stored; using the stream's base rate " + fmt_double(base, 3) +
                           " fps");
  } else if (info.frame_count > 1 && info.duration_s > 0) {
    info.fps = info.frame_count / info.duration_s;
    info.notes.push_back("no frame rate stored; estimated " + fmt_double(info.fps, 3) +
                         " fps from frame count and duration");
  } else {
    info.fps = 25;
    if (!info.is_image)
      info.notes.push_back(avg > 1000 || base > 1000 ? "the stored frame rate (" + fmt_double(std::max(avg, base), 3) +
                                                           " fps) is implausible; assumed 25 fps"
                                                     : "no frame rate stored; assumed 25 fps");
  }
  return o;
}

AVPixelFormat unjpeg(AVPixelFormat f, bool* full_range) {
  switch (f) {
    case AV_PIX_FMT_YUVJ420P: *full_range = true; return AV_PIX_FMT_YUV420P;
    case AV_PIX_FMT_YUVJ422P: *full_range = true; return AV_PIX_FMT_YUV422P;
    case AV_PIX_FMT_YUVJ444P: *full_range = true; return AV_PIX_FMT_YUV444P;
    case AV_PIX_FMT_YUVJ440P: *full_range = true; return AV_PIX_FMT_YUV440P;
    case AV_PIX_FMT_YUVJ411P: *full_range = true; return AV_PIX_FMT_YUV411P;
    default: return f;
  }
}

int sws_colorspace(AVColorSpace cs, int width, int height) {
  switch (cs) {
    case AVCOL_SPC_BT709: return SWS_CS_ITU709;
    case AVCOL_SPC_FCC: return SWS_CS_FCC;
    case AVCOL_SPC_SMPTE240M: return SWS_CS_SMPTE240M;
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL: return SWS_CS_BT2020;
    case AVCOL_SPC_BT470BG:
    case AVCOL_SPC_SMPTE170M: return SWS_CS_ITU601;
    default:
      // Untagged: HD sources are almost always BT.709, SD ones BT.601 (what players assume).
      return (width >= 1280 || height > 576) ? SWS_CS_ITU709 : SWS_CS_ITU601;
  }
}

// Converts decoded frames of any pixel format to packed RGB24 at a fixed output
// size (the first frame's), re-creating the swscale context when the source changes.
class RgbConverter {
 public:
  explicit RgbConverter(const std::string& path) : path_(path) {}

  // BadInput for frames no conversion can handle (absurd size, unknown format).
  void convert(const AVFrame* f, RgbFrame* out) {
    if (f->width <= 0 || f->height <= 0 || f->width > kMaxFrameSide || f->height > kMaxFrameSide)
      fail_input(path_ + ": absurd frame size " + std::to_string(f->width) + "x" + std::to_string(f->height) +
                 " (each side must be 1.." + std::to_string(kMaxFrameSide) + ")");
    if (out_w_ == 0) {
      out_w_ = f->width;
      out_h_ = f->height;
    } else if (f->width != out_w_ || f->height != out_h_) {
      resized_ = true;
    }
    bool full_range = f->color_range == AVCOL_RANGE_JPEG;
    const AVPixelFormat src = unjpeg(static_cast<AVPixelFormat>(f->format), &full_range);
    const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(src);
    if (!d) fail_input(path_ + ": decoded frame has an unknown pixel format");
    if (d->flags & AV_PIX_FMT_FLAG_ALPHA) has_alpha_ = true;
    const auto key = std::make_tuple(f->width, f->height, static_cast<int>(src), static_cast<int>(f->colorspace),
                                     full_range ? 1 : 0);
    if (!sws_ || key != key_) {
      key_ = key;
      // FFmpeg's default (bicubic), as the ffmpeg CLI and the reference's decord
      // reader convert: the same RGB the official scripts see. Same-size
      // conversions only upsample chroma; bicubic also serves the rare
      // mid-stream size change.
      sws_.reset(sws_getContext(f->width, f->height, src, out_w_, out_h_, AV_PIX_FMT_RGB24, SWS_BICUBIC, nullptr,
                                nullptr, nullptr));
      if (!sws_) fail_input(path_ + ": cannot convert pixel format " + std::string(d->name) + " to RGB");
      const bool yuv = !(d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL)) && d->nb_components >= 3;
      if (yuv) {
        const int* coeffs = sws_getCoefficients(sws_colorspace(f->colorspace, f->width, f->height));
        // dst table/range are ignored for RGB output; RGB is always full range.
        sws_setColorspaceDetails(sws_.get(), coeffs, full_range ? 1 : 0, coeffs, 1, 0, 1 << 16, 1 << 16);
      }
    }
    if (!rgb_) rgb_ = make_padded_frame(out_w_, out_h_, AV_PIX_FMT_RGB24);
    int rows = sws_scale(sws_.get(), f->data, f->linesize, 0, f->height, rgb_->data, rgb_->linesize);
    if (rows != out_h_) fail_runtime(path_ + ": pixel format conversion failed");
    out->width = out_w_;
    out->height = out_h_;
    out->rgb.resize(static_cast<size_t>(out_w_) * out_h_ * 3);
    copy_rgb_out(rgb_.get(), out_w_, out_h_, out->rgb.data());
  }

  bool resized() const { return resized_; }
  bool has_alpha() const { return has_alpha_; }

 private:
  std::string path_;
  SwsPtr sws_;
  FramePtr rgb_;  // padded conversion target (see make_padded_frame)
  std::tuple<int, int, int, int, int> key_{};
  int out_w_ = 0, out_h_ = 0;
  bool resized_ = false, has_alpha_ = false;
};

RgbFrame rotate_clockwise(const RgbFrame& in, int degrees) {
  if (degrees == 0) return in;
  RgbFrame out;
  out.time_s = in.time_s;
  out.source_index = in.source_index;
  const int w = in.width, h = in.height;
  const bool swap = degrees == 90 || degrees == 270;
  out.width = swap ? h : w;
  out.height = swap ? w : h;
  out.rgb.resize(in.rgb.size());
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      int ox, oy;
      if (degrees == 90) {
        ox = h - 1 - y;
        oy = x;
      } else if (degrees == 180) {
        ox = w - 1 - x;
        oy = h - 1 - y;
      } else {
        ox = y;
        oy = w - 1 - x;
      }
      const uint8_t* s = &in.rgb[(static_cast<size_t>(y) * w + x) * 3];
      uint8_t* d = &out.rgb[(static_cast<size_t>(oy) * out.width + ox) * 3];
      d[0] = s[0];
      d[1] = s[1];
      d[2] = s[2];
    }
  }
  return out;
}

void check_decode_options(const DecodeOptions& options) {
  if (options.stride < 1) fail_usage("stride must be at least 1 (got " + std::to_string(options.stride) + ")");
  if (options.max_frames < 0) fail_usage("frame count must not be negative");
  if (options.start_time_s && options.start_frame) fail_usage("give a start time or a start frame, not both");
  if (options.start_time_s && !(*options.start_time_s >= 0)) fail_usage("start time must be >= 0 seconds");
  if (options.start_frame && *options.start_frame < 0) fail_usage("start frame must be >= 0");
}

// A decoder for the opened stream, FFmpeg's threads on.
CodecPtr open_decoder(const Opened& o) {
  const std::string& p = o.info.path;
  CodecPtr dec(avcodec_alloc_context3(o.codec));
  if (!dec) throw std::bad_alloc();
  int err = avcodec_parameters_to_context(dec.get(), o.stream->codecpar);
  if (err < 0) fail_input(p + ": bad codec parameters: " + av_error_text(err));
  dec->pkt_timebase = o.stream->time_base;
  dec->thread_count = 0;  // FFmpeg picks (frame + slice threads)
  clear_last_log();
  err = avcodec_open2(dec.get(), o.codec, nullptr);
  if (err < 0)
    fail_input(p + ": cannot open the " + o.info.codec + " decoder: " + av_error_text(err) + last_log_suffix());
  return dec;
}

// Decodes one opened input's stream and keeps the frames the options select:
// seek (far starts), read packets, decode, time and select each frame, convert
// the kept ones, flush, then the errors and notes about what happened.
class StreamDecoder {
 public:
  StreamDecoder(Opened o, const DecodeOptions& options, const ProgressFn& progress)
      : o_(std::move(o)),
        p_(o_.info.path),
        st_(o_.stream),
        tb_(st_->time_base),
        options_(options),
        progress_(progress),
        dec_(open_decoder(o_)),
        converter_(p_) {
    out_.info = o_.info;
    // Timestamps are relative to the stream's start; a frame without one follows the
    // previous frame by its duration (or one frame interval).
    origin_ = st_->start_time;  // may be AV_NOPTS_VALUE: then the first frame is time 0
    frame_interval_ = info().fps > 0 ? 1.0 / info().fps : 0.04;
  }

  DecodedVideo run(const CancelToken* cancel) {
    seek_to_start();
    read_packets(cancel);
    if (!done_) {
      avcodec_send_packet(dec_.get(), nullptr);  // flush delayed frames
      drain();
    }
    check_found();
    add_notes();
    if (info().is_image) info().frame_count = 1;
    out_.fps = info().fps / options_.stride;
    if (progress_) progress_(1.0, "decode video");
    return std::move(out_);
  }

 private:
  VideoInfo& info() { return out_.info; }

  // Starts later than kSeekThresholdS: seek to the keyframe before them.
  void seek_to_start() {
    const int64_t stream_start = st_->start_time;
    if (!options_.start_time_s || *options_.start_time_s <= kSeekThresholdS || info().is_image || info().is_sequence ||
        stream_start == AV_NOPTS_VALUE)
      return;
    const int64_t target =
        av_rescale_q(static_cast<int64_t>(*options_.start_time_s * AV_TIME_BASE), AV_TIME_BASE_Q, tb_) + stream_start;
    if (av_seek_frame(o_.fmt.get(), st_->index, target, AVSEEK_FLAG_BACKWARD) >= 0) {
      avcodec_flush_buffers(dec_.get());
      index_estimated_ = true;
      index_ = -1;
      info().notes.push_back("seeked to the keyframe before " + fmt_double(*options_.start_time_s, 3) +
                             " s; source frame indices are estimated from the frame rate");
    }
  }

  void read_packets(const CancelToken* cancel) {
    PacketPtr pkt = make_packet();
    while (!done_) {
      if (cancel) cancel->check();
      clear_last_log();
      int r = av_read_frame(o_.fmt.get(), pkt.get());
      if (r == AVERROR_EOF) break;
      if (r == AVERROR(EAGAIN)) continue;
      if (r < 0) {
        // Truncated or damaged container: keep what was decoded so far.
        read_error_ = av_error_text(r) + last_log_suffix();
        break;
      }
      if (pkt->stream_index == st_->index) {
        r = avcodec_send_packet(dec_.get(), pkt.get());
        if (r == AVERROR(EAGAIN)) {
          drain();
          r = avcodec_send_packet(dec_.get(), pkt.get());
        }
        if (r < 0 && r != AVERROR(EAGAIN)) ++bad_packets_;  // corrupt packet: skip it, as players do
        drain();
      }
      av_packet_unref(pkt.get());
    }
  }

  void drain() {
    while (!done_) {
      int r = avcodec_receive_frame(dec_.get(), frame_.get());
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
      if (r < 0) {
        ++bad_packets_;
        return;
      }
      handle_frame(frame_.get());
      av_frame_unref(frame_.get());
    }
  }

  // The frame's time in seconds from the stream's start.
  double frame_time(const AVFrame* f) {
    const int64_t ts = f->best_effort_timestamp;
    double t;
    if (ts != AV_NOPTS_VALUE) {
      if (origin_ == AV_NOPTS_VALUE) origin_ = ts;
      t = (ts - origin_) * av_q2d(tb_);
    } else {
      missing_ts_ = true;
      const double dur = f->pkt_duration > 0 ? f->pkt_duration * av_q2d(tb_) : frame_interval_;
      t = last_ts_valid_ ? last_time_ + dur : 0.0;
    }
    last_time_ = t;
    last_ts_valid_ = true;
    return t;
  }

  // Whether the start and stride keep the frame.
  bool selected(int64_t index, double t) {
    if (options_.start_frame && index < *options_.start_frame) return false;
    if (options_.start_time_s && t < *options_.start_time_s - 1e-4) return false;
    if (first_kept_ < 0) first_kept_ = index;
    return (index - first_kept_) % options_.stride == 0;
  }

  void handle_frame(AVFrame* f) {
    ++decoded_;
    const double t = frame_time(f);
    if (index_ < 0) index_ = std::max<int64_t>(0, std::llround(t * info().fps));
    const int64_t this_index = index_++;
    if (!selected(this_index, t)) return;

    RgbFrame rgb;
    converter_.convert(f, &rgb);
    rgb.time_s = t;
    rgb.source_index = this_index;
    if (info().rotation) rgb = rotate_clockwise(rgb, info().rotation);
    if (options_.transform) rgb = options_.transform(std::move(rgb));
    out_.frames.push_back(std::move(rgb));
    if (options_.max_frames > 0 && static_cast<int64_t>(out_.frames.size()) >= options_.max_frames) done_ = true;
    report(t);
  }

  void report(double t) {
    if (!progress_) return;
    double f = 0;
    if (options_.max_frames > 0)
      f = static_cast<double>(out_.frames.size()) / options_.max_frames;
    else if (info().frame_count > 0)
      f = static_cast<double>(std::max<int64_t>(index_, 0)) / info().frame_count;
    else if (info().duration_s > 0)
      f = t / info().duration_s;
    progress_(std::min(1.0, std::max(0.0, f)), "decode video");
  }

  // BadInput when nothing decoded, or nothing was selected.
  void check_found() const {
    if (decoded_ == 0) {
      std::string why = "no decodable video frame";
      if (!read_error_.empty())
        why += " (reading stopped: " + read_error_ + "; truncated file?)";
      else if (bad_packets_)
        why += " (" + std::to_string(bad_packets_) + " packets could not be decoded)";
      fail_input(p_ + ": " + why);
    }
    if (out_.frames.empty()) {
      std::string what = options_.start_frame
                             ? "at or after frame " + std::to_string(*options_.start_frame)
                             : "at or after " + fmt_double(options_.start_time_s.value_or(0), 3) + " s";
      fail_input(p_ + ": no frame " + what + " (the video has " + std::to_string(index_) + " decodable frames, " +
                 fmt_double(last_time_, 3) + " s)");
    }
  }

  void add_notes() {
    std::vector<std::string>& notes = info().notes;
    if (!read_error_.empty())
      notes.push_back("reading stopped early at a damaged or truncated part: " + read_error_ + "; used the " +
                      std::to_string(decoded_) + " frames before it");
    if (bad_packets_) notes.push_back(std::to_string(bad_packets_) + " packets could not be decoded and were skipped");
    if (missing_ts_) notes.push_back("some frames had no timestamp; their times are estimated");
    if (converter_.resized())
      notes.push_back("the frame size changes mid-stream; later frames were scaled to the first frame's size");
    if (converter_.has_alpha()) notes.push_back("alpha channel ignored (colour values kept as stored)");
    const int64_t count = info().frame_count;
    if (!index_estimated_ && !done_ && count > 0 && count != index_ && !info().is_image)
      notes.push_back("the container says " + std::to_string(count) + " frames; " + std::to_string(index_) +
                      " could be decoded");
  }

  Opened o_;
  const std::string p_;
  AVStream* st_;
  const AVRational tb_;
  const DecodeOptions& options_;
  const ProgressFn& progress_;
  CodecPtr dec_;
  RgbConverter converter_;
  FramePtr frame_ = make_frame();
  DecodedVideo out_;

  int64_t origin_ = AV_NOPTS_VALUE;
  double frame_interval_ = 0.04;
  int64_t index_ = 0;  // decoded order
  bool index_estimated_ = false;
  int64_t first_kept_ = -1, decoded_ = 0, bad_packets_ = 0;
  bool last_ts_valid_ = false, missing_ts_ = false;
  double last_time_ = 0;
  std::string read_error_;
  bool done_ = false;
};

}  // namespace

VideoInfo probe(const fs::path& path) { return open_input(path).info; }

DecodedVideo decode_video(const fs::path& path, const DecodeOptions& options, const ProgressFn& progress,
                          const CancelToken* cancel) {
  check_decode_options(options);
  StreamDecoder decoder(open_input(path), options, progress);
  return decoder.run(cancel);
}

}  // namespace wfvae::media
