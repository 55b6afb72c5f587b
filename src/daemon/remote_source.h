// Remote image servers an image can be pulled from: a simplestreams tree
// (lxd-spec §3) or an LXD-protocol server (another nestd or LXD, §3.5), over
// http, https or a unix socket. A source resolves an alias or fingerprint to
// one image and downloads that image's files, verified, into a directory.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"

namespace nest::daemon {

struct RemoteImage {
  std::string fingerprint;
  std::string architecture;  // kernel name
  std::string filename;      // the name LXD would record (basename of the file)
  int64_t size = 0;          // bytes of the image file(s)
  int64_t created_at = 0;    // unix seconds, 0 when unknown
  int64_t expires_at = 0;    // unix seconds, 0 = never
  bool split = false;
  std::map<std::string, std::string> properties;
  std::vector<std::string> aliases;  // the remote's aliases of this image
};

struct DownloadedFiles {
  std::string image;   // unified tarball or metadata tarball
  std::string rootfs;  // split only
};

// Progress of one file: "metadata" or "rootfs", bytes so far, total (-1 unknown).
using ProgressFn = std::function<void(const std::string& what, int64_t done, int64_t total)>;

class RemoteSource {
 public:
  virtual ~RemoteSource() = default;
  // kNotFound for an unknown alias or fingerprint (the message lists what the
  // remote has where it can); kUnavailable when the server cannot be reached
  // or answers with a server error; kInvalid for malformed or hostile answers.
  virtual base::Result<RemoteImage> ResolveAlias(const std::string& alias) = 0;
  virtual base::Result<RemoteImage> ResolveFingerprint(const std::string& fingerprint) = 0;
  // Downloads the image's file(s) into the existing directory `dir` and checks
  // each file's sha256 (where the remote states one) and the fingerprint
  // (sha256 of the file, or of metadata then rootfs). kInvalid "sha256
  // mismatch" / "fingerprint mismatch", transport errors as http_fetch.h.
  // Files left in `dir` on error are the caller's to remove.
  virtual base::Result<DownloadedFiles> Download(const RemoteImage& image, const std::string& dir,
                                                 const ProgressFn& progress) = 0;
};

struct RemoteServer {
  std::string server;       // URL: http(s)://… or unix:///path
  std::string protocol;     // "simplestreams" or "lxd"
  std::string certificate;  // PEM to pin (https), or empty
  std::string native_arch;  // the host's, for alias resolution
  // lxd only: sent as ?secret= on GET /1.0/images/<fp> and its export, so a
  // private image can be read by a server that is not trusted (LXD's image
  // secrets); "" = none.
  std::string secret;
};

// kInvalid for an unknown protocol or a bad URL.
base::Result<std::unique_ptr<RemoteSource>> OpenRemoteSource(const RemoteServer& server);

}  // namespace nest::daemon
