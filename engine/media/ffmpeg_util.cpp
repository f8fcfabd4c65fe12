#include "media/ffmpeg_util.h"

#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace wfvae::media::detail {

FramePtr make_frame() {
  AVFrame* f = av_frame_alloc();
  if (!f) throw std::bad_alloc();
  return FramePtr(f);
}

PacketPtr make_packet() {
  AVPacket* p = av_packet_alloc();
  if (!p) throw std::bad_alloc();
  return PacketPtr(p);
}

FramePtr make_padded_frame(int width, int height, AVPixelFormat format) {
  FramePtr f = make_frame();
  f->format = format;
  f->width = width;
  f->height = height;
  if (av_frame_get_buffer(f.get(), 64) < 0) throw std::bad_alloc();
  return f;
}

void copy_rgb_in(const uint8_t* rgb, int width, int height, AVFrame* frame) {
  const size_t row = static_cast<size_t>(width) * 3;
  for (int y = 0; y < height; ++y)
    std::memcpy(frame->data[0] + static_cast<ptrdiff_t>(y) * frame->linesize[0], rgb + y * row, row);
}

void copy_rgb_out(const AVFrame* frame, int width, int height, uint8_t* rgb) {
  const size_t row = static_cast<size_t>(width) * 3;
  for (int y = 0; y < height; ++y)
    std::memcpy(rgb + y * row, frame->data[0] + static_cast<ptrdiff_t>(y) * frame->linesize[0], row);
}

std::string av_error_text(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {0};
  av_strerror(err, buf, sizeof buf);
  return buf;
}

namespace {

thread_local std::string t_last_error;
int g_print_level = AV_LOG_QUIET - 1;  // below QUIET: print nothing

int level_from_name(const char* s) {
  struct Named {
    const char* name;
    int level;
  };
  static const Named names[] = {{"quiet", AV_LOG_QUIET},     {"panic", AV_LOG_PANIC},     {"fatal", AV_LOG_FATAL},
                                {"error", AV_LOG_ERROR},     {"warning", AV_LOG_WARNING}, {"info", AV_LOG_INFO},
                                {"verbose", AV_LOG_VERBOSE}, {"debug", AV_LOG_DEBUG},     {"trace", AV_LOG_TRACE}};
  for (const auto& n : names)
    if (!std::strcmp(s, n.name)) return n.level;
  return AV_LOG_ERROR;
}

void log_callback(void* avcl, int level, const char* fmt, va_list vl) {
  if (level > AV_LOG_ERROR && level > g_print_level) return;
  char line[1024];
  int print_prefix = 1;
  va_list copy;
  va_copy(copy, vl);
  av_log_format_line2(avcl, level, fmt, copy, line, sizeof line, &print_prefix);
  va_end(copy);
  if (level <= AV_LOG_ERROR) {
    // Keep the message without the "[h264 @ 0x...] " prefix and trailing newline.
    std::string s = line;
    if (s.size() && s[0] == '[') {
      size_t close = s.find("] ");
      if (close != std::string::npos) s = s.substr(close + 2);
    }
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    if (!s.empty()) t_last_error = s;
  }
  if (level <= g_print_level) std::fputs(line, stderr);
}

}  // namespace

void install_log_capture() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (const char* env = std::getenv("WFVAE_FFMPEG_LOG"); env && *env) g_print_level = level_from_name(env);
    av_log_set_level(g_print_level > AV_LOG_ERROR ? g_print_level : AV_LOG_ERROR);
    av_log_set_callback(log_callback);
  });
}

void clear_last_log() { t_last_error.clear(); }

std::string last_log_suffix() { return t_last_error.empty() ? "" : " (ffmpeg: " + t_last_error + ")"; }

}  // namespace wfvae::media::detail
