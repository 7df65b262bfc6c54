// Content-Length and chunked body limits.
#include "egress/body_limit.h"

#include <algorithm>

namespace nucleus::egress {
namespace {

class LengthLimit final : public BodyLimit {
 public:
  explicit LengthLimit(std::uint64_t length) : remaining_(length) {}
  std::size_t consume(std::string_view data) override {
    const auto taken = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size()));
    remaining_ -= taken;
    return taken;
  }
  bool complete() const override { return remaining_ == 0; }
  bool failed() const override { return false; }

 private:
  std::uint64_t remaining_;
};

// RFC 9112 section 7.1 chunked coding: hex size, optional extensions, CRLF,
// data, CRLF, ..., a zero-size chunk, trailer lines, and an empty line.
class ChunkedLimit final : public BodyLimit {
 public:
  std::size_t consume(std::string_view data) override {
    std::size_t used = 0;
    while (used < data.size() && state_ != State::done && state_ != State::error) {
      if (state_ == State::data) {
        const auto taken = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, data.size() - used));
        remaining_ -= taken;
        used += taken;
        if (remaining_ == 0) state_ = State::data_cr;
        continue;
      }
      step(data[used++]);
    }
    return used;
  }
  bool complete() const override { return state_ == State::done; }
  bool failed() const override { return state_ == State::error; }

 private:
  enum class State { size, extension, size_lf, data, data_cr, data_lf, trailer_start, trailer, trailer_lf, final_lf, done, error };

  static int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  void step_size(char c) {
    const int digit = hex_value(c);
    if (digit >= 0 && digits_ < 15) {
      remaining_ = remaining_ * 16 + static_cast<std::uint64_t>(digit);
      ++digits_;
    } else if (digits_ > 0 && (c == ';' || c == ' ' || c == '\t')) {
      state_ = State::extension;
    } else if (digits_ > 0 && c == '\r') {
      state_ = State::size_lf;
    } else {
      state_ = State::error;
    }
  }

  void expect(char c, char wanted, State next) { state_ = c == wanted ? next : State::error; }

  void step(char c) {
    switch (state_) {
      case State::size:
        return step_size(c);
      case State::extension:
        if (c == '\r') state_ = State::size_lf;
        if (c == '\n') state_ = State::error;
        return;
      case State::size_lf:
        digits_ = 0;
        return expect(c, '\n', remaining_ == 0 ? State::trailer_start : State::data);
      case State::data_cr:
        return expect(c, '\r', State::data_lf);
      case State::data_lf:
        return expect(c, '\n', State::size);
      case State::trailer_start:
        state_ = c == '\r' ? State::final_lf : State::trailer;
        return;
      case State::trailer:
        if (c == '\r') state_ = State::trailer_lf;
        return;
      case State::trailer_lf:
        return expect(c, '\n', State::trailer_start);
      case State::final_lf:
        return expect(c, '\n', State::done);
      case State::data:
      case State::done:
      case State::error:
        return;
    }
  }

  State state_ = State::size;
  std::uint64_t remaining_ = 0;
  int digits_ = 0;
};

}  // namespace

std::unique_ptr<BodyLimit> make_body_limit(const BodyFraming& framing) {
  switch (framing.kind) {
    case BodyFraming::Kind::chunked:
      return std::make_unique<ChunkedLimit>();
    case BodyFraming::Kind::content_length:
      return std::make_unique<LengthLimit>(framing.length);
    case BodyFraming::Kind::none:
      break;
  }
  return std::make_unique<LengthLimit>(0);
}

}  // namespace nucleus::egress
