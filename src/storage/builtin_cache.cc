#include "storage/builtin_cache.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/reverter.h"
#include "sys/syscalls.h"

namespace nest::storage {
namespace {

std::string FileFor(const std::string& dir, const std::string& key) {
  std::string name = key;
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  return dir + "/" + name + ".tar.gz";
}

}  // namespace

std::optional<std::string> FindInBuiltinCache(const std::string& dir, const std::string& key) {
  std::string path = FileFor(dir, key);
  if (dir.empty() || !sys::Exists(path)) return std::nullopt;
  return path;
}

base::Status SaveToBuiltinCache(const std::string& dir, const std::string& key,
                                const std::string& image_file) {
  TRY(sys::MkdirAll(dir, 0700));
  std::string tmpl = dir + "/.tmp-XXXXXX";
  int raw = ::mkstemp(tmpl.data());
  if (raw < 0) return base::Error::FromErrno("mkstemp " + tmpl, errno);
  base::UniqueFd out(raw);
  base::Reverter revert;
  revert.Add([tmpl] { (void)sys::Unlink(tmpl); });
  base::UniqueFd in = TRY(sys::Open(image_file, O_RDONLY));
  char buf[1 << 16];
  ssize_t n;
  while ((n = ::read(in.get(), buf, sizeof buf)) > 0) {
    TRY_CTX(sys::WriteFd(out.get(), std::string(buf, n)), "writing " + tmpl);
  }
  if (n < 0) return base::Error::FromErrno("read " + image_file, errno);
  if (::fsync(out.get()) < 0) return base::Error::FromErrno("fsync " + tmpl, errno);
  ::fchmod(out.get(), 0600);
  TRY(sys::Rename(tmpl, FileFor(dir, key)));
  revert.Success();
  return base::Ok();
}

}  // namespace nest::storage
