#include "storage/shift_walk.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <set>
#include <sstream>
#include <utility>

#include "base/strings.h"
#include "storage/tree_walk.h"
#include "sys/files_at.h"
#include "sys/syscalls.h"

namespace nest::storage {
namespace {

constexpr const char* kMagic = "nest-shift-journal-v1";
constexpr off_t kHeaderSize = 256;
constexpr const char* kAclAccess = "system.posix_acl_access";
constexpr const char* kAclDefault = "system.posix_acl_default";
constexpr const char* kCaps = "security.capability";
constexpr long long kDone = -1;  // record index once every entry is shifted

// An entry's state before its shift.
struct EntryState {
  long long index = 0;
  std::string rel;
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t mode = 0;
  std::optional<std::string> caps;
  std::optional<std::string> acl_access;
  std::optional<std::string> acl_default;
};

std::string Hex(const std::optional<std::string>& v) {
  if (!v) return "-";
  return "x" + base::HexEncode(v->data(), v->size());
}

base::Result<std::optional<std::string>> Unhex(const std::string& s) {
  if (s == "-") return std::optional<std::string>();
  if (s.empty() || s[0] != 'x' || s.size() % 2 != 1)
    return base::Error::Invalid("bad hex field in the shift journal");
  std::string out;
  for (size_t i = 1; i < s.size(); i += 2) {
    unsigned v = 0;
    if (std::sscanf(s.c_str() + i, "%2x", &v) != 1)
      return base::Error::Invalid("bad hex field in the shift journal");
    out.push_back(static_cast<char>(v));
  }
  return std::optional<std::string>(out);
}

std::string MapText(const core::Idmap& m) {
  return std::to_string(m.uid.host_base) + " " + std::to_string(m.uid.size) + " " +
         std::to_string(m.gid.host_base) + " " + std::to_string(m.gid.size);
}

std::string Header(const core::IdShift& s) {
  std::string h = std::string(kMagic) + " " + MapText(s.from) + " " + MapText(s.to);
  h.resize(kHeaderSize - 1, ' ');
  return h + "\n";
}

base::Result<core::IdShift> ParseHeader(const std::string& text, const std::string& path) {
  std::istringstream in(text.substr(0, kHeaderSize));
  std::string magic;
  core::IdShift s;
  in >> magic >> s.from.uid.host_base >> s.from.uid.size >> s.from.gid.host_base >>
      s.from.gid.size >> s.to.uid.host_base >> s.to.uid.size >> s.to.gid.host_base >> s.to.gid.size;
  if (magic != kMagic || !in) return base::Error::Invalid(path + " is not a nest shift journal");
  return s;
}

std::string Record(const EntryState& e) {
  std::string payload = std::to_string(e.index) + " " + std::to_string(e.uid) + " " +
                        std::to_string(e.gid) + " " + std::to_string(e.mode) + " " + Hex(e.caps) +
                        " " + Hex(e.acl_access) + " " + Hex(e.acl_default) + " " + Hex(e.rel);
  char len[16];
  std::snprintf(len, sizeof len, "%010zu ", payload.size());
  return len + payload;
}

// The record after the header; nullopt when none was written yet.
base::Result<std::optional<EntryState>> ParseRecord(const std::string& text,
                                                    const std::string& path) {
  if (text.size() <= static_cast<size_t>(kHeaderSize)) return std::optional<EntryState>();
  std::string rest = text.substr(kHeaderSize);
  size_t len = 0;
  if (std::sscanf(rest.c_str(), "%10zu ", &len) != 1 || rest.size() < 11 + len)
    return base::Error::Invalid(path + ": truncated record");
  std::istringstream in(rest.substr(11, len));
  EntryState e;
  std::string caps, acl_a, acl_d, rel;
  in >> e.index >> e.uid >> e.gid >> e.mode >> caps >> acl_a >> acl_d >> rel;
  if (!in) return base::Error::Invalid(path + ": malformed record");
  e.caps = TRY(Unhex(caps));
  e.acl_access = TRY(Unhex(acl_a));
  e.acl_default = TRY(Unhex(acl_d));
  e.rel = TRY(Unhex(rel)).value_or("");
  return std::optional<EntryState>(e);
}

bool HasXattrs(mode_t mode) { return S_ISREG(mode) || S_ISDIR(mode); }

base::Result<base::UniqueFd> OpenEntry(const TreeEntry& e) {
  int flags = O_RDONLY | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK;
  if (S_ISDIR(e.st.st_mode)) flags |= O_DIRECTORY;
  return sys::OpenAt(e.dirfd, e.name, flags);
}

base::Result<EntryState> ReadState(const TreeEntry& e, int fd, long long index) {
  EntryState s;
  s.index = index;
  s.rel = e.rel;
  s.uid = e.st.st_uid;
  s.gid = e.st.st_gid;
  s.mode = e.st.st_mode;
  if (fd >= 0) {
    s.caps = TRY(sys::Fgetxattr(fd, kCaps, e.rel));
    s.acl_access = TRY(sys::Fgetxattr(fd, kAclAccess, e.rel));
    s.acl_default = TRY(sys::Fgetxattr(fd, kAclDefault, e.rel));
  }
  return s;
}

class Walker {
 public:
  Walker(std::string journal, core::IdShift shift, base::UniqueFd jfd)
      : journal_(std::move(journal)), shift_(shift), jfd_(std::move(jfd)) {
    if (const char* k = ::getenv("NEST_DEBUG_SHIFT_KILL_AFTER")) kill_after_ = std::atoll(k);
  }

  // Shifts entries from index `first`; `pending` is the recorded entry to redo.
  base::Status Run(const std::string& root, long long first, std::optional<EntryState> pending) {
    long long index = -1;
    // A hard-linked inode is shifted once, at its first name in the walk.
    std::set<std::pair<dev_t, ino_t>> linked;
    TRY(WalkTree(root, [&](const TreeEntry& e) -> base::Status {
      ++index;
      if (!S_ISDIR(e.st.st_mode) && e.st.st_nlink > 1 &&
          !linked.insert({e.st.st_dev, e.st.st_ino}).second) {
        return base::Ok();
      }
      if (index < first) return base::Ok();
      base::UniqueFd fd;
      if (HasXattrs(e.st.st_mode)) fd = TRY(OpenEntry(e));
      EntryState state;
      if (pending && index == pending->index) {
        if (pending->rel != e.rel) {
          return base::Error::Invalid("the shift journal " + journal_ + " records \"" +
                                      pending->rel + "\" at entry " + std::to_string(index) +
                                      " but the walk finds \"" + e.rel + "\"");
        }
        state = *pending;
      } else {
        state = TRY(ReadState(e, fd.get(), index));
        TRY(sys::Pwrite(jfd_.get(), Record(state), kHeaderSize, journal_));
      }
      return Apply(e, fd.get(), state);
    }));
    EntryState done;
    done.index = kDone;
    TRY(sys::Pwrite(jfd_.get(), Record(done), kHeaderSize, journal_));
    return base::Ok();
  }

 private:
  // Idempotent: everything is computed from the state before the shift.
  base::Status Apply(const TreeEntry& e, int fd, const EntryState& s) {
    TRY(sys::Lchownat(e.dirfd, e.name, shift_.Uid(s.uid), shift_.Gid(s.gid), e.rel));
    if (kill_after_ >= 0 && s.index == kill_after_) ::raise(SIGKILL);
    if (fd < 0) return base::Ok();
    // chown cleared setuid/setgid on files and dropped the capability.
    TRY(sys::Fchmod(fd, s.mode & 07777, e.rel));
    if (s.acl_access) {
      TRY(sys::Fsetxattr(fd, kAclAccess, TRY(core::ShiftPosixAcl(*s.acl_access, shift_)), e.rel));
    }
    if (s.acl_default) {
      TRY(sys::Fsetxattr(fd, kAclDefault, TRY(core::ShiftPosixAcl(*s.acl_default, shift_)), e.rel));
    }
    if (s.caps) TRY(sys::Fsetxattr(fd, kCaps, TRY(core::ShiftFileCaps(*s.caps, shift_)), e.rel));
    return base::Ok();
  }

  std::string journal_;
  core::IdShift shift_;
  base::UniqueFd jfd_;
  long long kill_after_ = -1;
};

}  // namespace

base::Status ShiftTree(const std::string& root, const std::string& journal,
                       const core::IdShift& shift, const ShiftCommit& commit) {
  base::UniqueFd jfd = TRY(sys::Open(journal, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0600));
  TRY(sys::Pwrite(jfd.get(), Header(shift), 0, journal));
  Walker walker(journal, shift, std::move(jfd));
  TRY_CTX(walker.Run(root, 0, std::nullopt), "shifting the ids of " + root);
  TRY(commit(shift.to));
  return sys::Unlink(journal);
}

base::Result<std::optional<core::Idmap>> ResumeShift(const std::string& root,
                                                     const std::string& journal,
                                                     const ShiftCommit& commit) {
  if (!sys::Exists(journal)) return std::optional<core::Idmap>();
  std::string text = TRY(sys::ReadFile(journal));
  core::IdShift shift = TRY(ParseHeader(text, journal));
  std::optional<EntryState> pending = TRY(ParseRecord(text, journal));
  if (!pending || pending->index != kDone) {
    base::UniqueFd jfd = TRY(sys::Open(journal, O_RDWR | O_NOFOLLOW));
    Walker walker(journal, shift, std::move(jfd));
    long long first = pending ? pending->index : 0;
    TRY_CTX(walker.Run(root, first, pending), "resuming the id shift of " + root);
  }
  TRY(commit(shift.to));
  TRY(sys::Unlink(journal));
  return std::optional<core::Idmap>(shift.to);
}

}  // namespace nest::storage
