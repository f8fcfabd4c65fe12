// Private to engine/media: RAII owners for FFmpeg objects and error text helpers.
// Nothing outside engine/media includes this (media.h stays FFmpeg-free).
#pragma once

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/avutil.h>
#include <libswscale/swscale.h>
}

#include <memory>
#include <string>

namespace wfvae::media::detail {

struct FormatInputCloser {
  void operator()(AVFormatContext* c) const { avformat_close_input(&c); }
};
struct CodecContextFree {
  void operator()(AVCodecContext* c) const { avcodec_free_context(&c); }
};
struct FrameFree {
  void operator()(AVFrame* f) const { av_frame_free(&f); }
};
struct PacketFree {
  void operator()(AVPacket* p) const { av_packet_free(&p); }
};
struct SwsFree {
  void operator()(SwsContext* s) const { sws_freeContext(s); }
};

using InputPtr = std::unique_ptr<AVFormatContext, FormatInputCloser>;
using CodecPtr = std::unique_ptr<AVCodecContext, CodecContextFree>;
using FramePtr = std::unique_ptr<AVFrame, FrameFree>;
using PacketPtr = std::unique_ptr<AVPacket, PacketFree>;
using SwsPtr = std::unique_ptr<SwsContext, SwsFree>;

FramePtr make_frame();
PacketPtr make_packet();
// An AVFrame with FFmpeg's own padded, aligned buffers. swscale's SIMD code reads and
// writes whole vectors past the end of a row (e.g. 24 bytes past a 40-pixel RGB24
// frame), so it must never see our tightly packed std::vector buffers directly.
FramePtr make_padded_frame(int width, int height, AVPixelFormat format);
// Copies packed RGB24 rows (width * 3 bytes each) into / out of a padded RGB24 frame.
void copy_rgb_in(const uint8_t* rgb, int width, int height, AVFrame* frame);
void copy_rgb_out(const AVFrame* frame, int width, int height, uint8_t* rgb);

// av_strerror as a string ("Invalid data found when processing input").
std::string av_error_text(int err);

// FFmpeg logs through a callback installed on first use: nothing reaches stderr
// (our own errors say what went wrong) unless WFVAE_FFMPEG_LOG is set to an FFmpeg
// level name ("error", "warning", "debug"). The last error-level line FFmpeg logged
// on this thread is kept so an error message can quote it.
void install_log_capture();
void clear_last_log();
// " (ffmpeg: moov atom not found)" or "" when FFmpeg said nothing.
std::string last_log_suffix();

}  // namespace wfvae::media::detail
