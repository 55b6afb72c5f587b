#include "cli/streams_dir.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "base/reverter.h"
#include "base/strings.h"

namespace nest::cli {
namespace {

using nlohmann::json;

constexpr const char* kStagingPrefix = ".nest-staging.";

std::vector<std::string> Entries(const std::string& dir) {
  std::vector<std::string> out;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (struct dirent* e = ::readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") out.push_back(n);
    }
    ::closedir(d);
  }
  return out;
}

// Staging directories hold plain files only.
void RemoveFlatDir(const std::string& dir) {
  for (const std::string& n : Entries(dir)) ::unlink((dir + "/" + n).c_str());
  ::rmdir(dir.c_str());
}

base::Result<std::optional<std::string>> ReadIfExists(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    if (errno == ENOENT) return std::optional<std::string>();
    return base::Error::FromErrno("reading " + path, errno);
  }
  std::string text((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  if (f.bad()) return base::Error::FromErrno("reading " + path, errno);
  return std::optional<std::string>(std::move(text));
}

base::Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return base::Error::FromErrno("writing " + path, errno);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return base::Ok();
}

// Writes `text` to a temporary name beside `path`, fsyncs and renames it over `path`.
base::Status ReplaceFile(const std::string& path, const std::string& text) {
  std::string tmp = path + ".tmp-XXXXXX";
  base::UniqueFd fd(::mkstemp(tmp.data()));
  if (!fd) return base::Error::FromErrno("creating a temporary file for " + path, errno);
  base::Status s = WriteAll(fd.get(), text, tmp);
  if (s.ok() && ::fchmod(fd.get(), 0644) < 0) s = base::Error::FromErrno("chmod " + tmp, errno);
  if (s.ok() && ::fsync(fd.get()) < 0) s = base::Error::FromErrno("fsync " + tmp, errno);
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) < 0)
    s = base::Error::FromErrno("renaming " + tmp + " to " + path, errno);
  if (!s.ok()) ::unlink(tmp.c_str());
  return s;
}

// mkdir -p of `rel` under `root`; each directory it creates is registered on `revert`.
base::Status MakeDirs(const std::string& root, const std::string& rel, base::Reverter& revert) {
  std::string path = root;
  for (const std::string& part : base::Split(rel, '/')) {
    path += "/" + part;
    if (::mkdir(path.c_str(), 0755) == 0) {
      revert.Add([path] { ::rmdir(path.c_str()); });
    } else if (errno != EEXIST) {
      return base::Error::FromErrno("creating directory " + path, errno);
    }
  }
  return base::Ok();
}

std::string Parent(const std::string& rel) {
  size_t slash = rel.rfind('/');
  return slash == std::string::npos ? "" : rel.substr(0, slash);
}

}  // namespace

base::Result<std::unique_ptr<StreamsDir>> StreamsDir::Open(const std::string& dir) {
  if (dir.empty()) return base::Error::Invalid("no directory given");
  std::unique_ptr<StreamsDir> d(new StreamsDir(dir));
  struct stat st {};
  if (::stat(dir.c_str(), &st) < 0) {
    if (errno != ENOENT) return base::Error::FromErrno(dir, errno);
    if (::mkdir(dir.c_str(), 0755) < 0) {
      int err = errno;
      base::Error e = base::Error::FromErrno("creating directory " + dir, err);
      if (err == ENOENT) e = base::Error(e.kind(), e.message() + " (its parent must exist)", err);
      return e;
    }
    d->created_ = true;
  } else if (!S_ISDIR(st.st_mode)) {
    return base::Error::Invalid(dir + " exists and is not a directory");
  }
  d->lock_ = base::UniqueFd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!d->lock_) return base::Error::FromErrno("opening " + dir, errno);
  if (::flock(d->lock_.get(), LOCK_EX | LOCK_NB) < 0) {
    if (errno == EWOULDBLOCK)
      return base::Error::Conflict(dir + " is being written by another export-streams");
    return base::Error::FromErrno("locking " + dir, errno);
  }
  // Holding the lock, any staging directory left here is a dead run's.
  for (const std::string& n : Entries(dir)) {
    if (base::StartsWith(n, kStagingPrefix)) RemoveFlatDir(dir + "/" + n);
  }
  d->index_text_ = TRY(ReadIfExists(dir + "/streams/v1/index.json"));
  d->products_text_ = TRY(ReadIfExists(dir + "/streams/v1/images.json"));
  if (!d->index_text_ && !Entries(dir).empty()) {
    return base::Error::Invalid(dir +
                                " is not empty and is not a simplestreams tree (no "
                                "streams/v1/index.json): give a new or empty directory, or one "
                                "written by export-streams");
  }
  d->staging_ = dir + "/" + kStagingPrefix + "XXXXXX";
  if (!::mkdtemp(d->staging_.data())) {
    int err = errno;
    d->staging_.clear();
    return base::Error::FromErrno("creating a staging directory in " + dir, err);
  }
  return d;
}

StreamsDir::~StreamsDir() {
  if (!staging_.empty()) RemoveFlatDir(staging_);
  if (created_ && !committed_) {
    // Only what Open and a failed Commit could leave: nothing but an empty tree.
    ::rmdir(dir_.c_str());
  }
}

base::Status StreamsDir::Commit(const std::vector<std::pair<std::string, std::string>>& moves,
                                const json& products, const json& index) {
  base::Reverter revert;
  TRY(MakeDirs(dir_, "streams/v1", revert));
  for (const auto& [from, rel] : moves) {
    TRY(MakeDirs(dir_, Parent(rel), revert));
    std::string to = dir_ + "/" + rel;
    if (::rename(from.c_str(), to.c_str()) < 0)
      return base::Error::FromErrno("moving " + from + " to " + to, errno);
    revert.Add([from, to] { ::rename(to.c_str(), from.c_str()); });
  }
  std::string products_path = dir_ + "/streams/v1/images.json";
  std::string index_path = dir_ + "/streams/v1/index.json";
  TRY(ReplaceFile(products_path, products.dump(2) + "\n"));
  if (products_text_) {
    std::string old = *products_text_;
    revert.Add([products_path, old] { (void)ReplaceFile(products_path, old); });
  } else {
    revert.Add([products_path] { ::unlink(products_path.c_str()); });
  }
  TRY(ReplaceFile(index_path, index.dump(2) + "\n"));
  revert.Success();
  committed_ = true;
  return base::Ok();
}

void StreamsDir::RemoveFiles(const std::vector<std::string>& paths) {
  for (const std::string& rel : paths) {
    std::string path = dir_ + "/" + rel;
    if (::unlink(path.c_str()) < 0 && errno != ENOENT) {
      std::fprintf(stderr, "Warning: could not remove %s: %s\n", path.c_str(),
                   std::strerror(errno));
      continue;
    }
    // Empty directories up to (not including) images/.
    for (std::string parent = Parent(rel); base::StartsWith(parent, "images/");
         parent = Parent(parent)) {
      if (::rmdir((dir_ + "/" + parent).c_str()) < 0) break;
    }
  }
}

}  // namespace nest::cli
