#include "core/debootstrap_progress.h"

#include "base/strings.h"

namespace nest::core {

std::string FormatDebootstrapMessage(std::string_view fmt, const std::vector<std::string>& args) {
  std::string out;
  size_t next = 0;
  for (size_t i = 0; i < fmt.size(); ++i) {
    if (fmt[i] != '%' || i + 1 == fmt.size()) {
      out += fmt[i];
      continue;
    }
    char c = fmt[++i];
    if (c == 's') {
      if (next < args.size()) out += args[next];
      ++next;
    } else if (c == '%') {
      out += '%';
    } else {
      out += '%';
      out += c;
    }
  }
  return std::string(base::Trim(out));
}

bool DebootstrapProgress::Feed(std::string_view line) {
  std::string before = Summary();
  size_t colon = line.find(": ");
  std::string_view tag = colon == std::string_view::npos ? line : line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 2);
  if (tag == "P") {
    auto w = base::Split(value, ' ');
    long long now = 0;
    long long end = 0;
    if (w.size() >= 2 && base::ParseInt64(w[0], &now) && base::ParseInt64(w[1], &end)) {
      now_ = now;
      end_ = end;
    }
    // "P: now end NAME" opens a new stage whose PF follows; without a name it is
    // a step within the current stage.
    if (w.size() >= 3) {
      pending_ = 'P';
      args_.clear();
    }
  } else if (tag == "I" || tag == "W" || tag == "E") {
    pending_ = tag[0];
    args_.clear();
  } else if (tag == "PA" || tag == "IA" || tag == "WA" || tag == "EA") {
    args_.emplace_back(value);
  } else if (tag == "PF" || tag == "IF" || tag == "WF" || tag == "EF") {
    std::string text = FormatDebootstrapMessage(value, args_);
    if (tag == "PF") stage_ = text;
    if (tag == "IF" || tag == "WF") last_info_ = text;
    if (tag == "EF") last_error_ = text;
    pending_ = 0;
    args_.clear();
  }
  return Summary() != before;
}

std::string DebootstrapProgress::Summary() const {
  std::string s = stage_;
  if (!s.empty() && end_ > 0) {
    long long pct = now_ * 100 / end_;
    if (pct > 100) pct = 100;
    s += " " + std::to_string(pct) + "%";
  }
  if (!last_info_.empty()) s += s.empty() ? last_info_ : " (" + last_info_ + ")";
  return s;
}

}  // namespace nest::core
