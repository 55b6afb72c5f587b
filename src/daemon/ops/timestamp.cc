#include "daemon/ops/timestamp.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <ctime>

#include "base/strings.h"

namespace nest::daemon::ops {

std::string FormatRfc3339Nano(std::chrono::system_clock::time_point t) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
  time_t secs = static_cast<time_t>(ns / 1000000000);
  long frac = static_cast<long>(ns % 1000000000);
  if (frac < 0) {
    frac += 1000000000;
    --secs;
  }
  struct tm tm;
  ::gmtime_r(&secs, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out(buf, n);
  if (frac != 0) {
    char digits[16];
    std::snprintf(digits, sizeof(digits), ".%09ld", frac);
    std::string f(digits);
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += 'Z';
  return out;
}

namespace {

void FillRandom(unsigned char* buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::getrandom(buf + got, n - got, 0);
    if (r < 0) {
      if (errno == EINTR) continue;
      // getrandom cannot fail on a kernel ≥ 3.17 once seeded; fail loudly if it does.
      std::abort();
    }
    got += static_cast<size_t>(r);
  }
}

}  // namespace

std::string NewUuid() {
  unsigned char b[16];
  FillRandom(b, sizeof(b));
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  std::string h = base::HexEncode(b, sizeof(b));
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) +
         "-" + h.substr(20);
}

std::string RandomHex(size_t n) {
  std::string bytes(n, '\0');
  FillRandom(reinterpret_cast<unsigned char*>(bytes.data()), n);
  return base::HexEncode(reinterpret_cast<const unsigned char*>(bytes.data()), n);
}

}  // namespace nest::daemon::ops
