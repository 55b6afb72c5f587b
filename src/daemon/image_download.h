// Pulling an image from a remote server into the store, with LXD's cached vs
// explicit semantics (lxd-spec §1.2, §1.3; issue #4 points 1, 2, 7, 8, 11).
#pragma once

#include <string>

#include "base/result.h"
#include "daemon/context.h"

namespace nest::daemon {

namespace ops {
class Operation;
}

struct RemoteImageRequest {
  std::string server;       // URL
  std::string protocol;     // "simplestreams" or "lxd"
  std::string alias;        // one of alias / fingerprint
  std::string fingerprint;  // full or a unique prefix
  std::string certificate;  // PEM to pin, or empty
  // lxd protocol: a secret of a private image on the remote (LXD's
  // POST /1.0/images/<fp>/secret), sent as ?secret= when reading and
  // exporting it; with a fingerprint, the fingerprint decides, not the alias.
  std::string secret;
};

struct PullOptions {
  // true: implicit, for an instance (cached, private, last use = now, auto_update
  // from images.auto_update_cached); false: `image copy` (explicit: never cached;
  // an existing cached copy stops being cached).
  bool cached = false;
  bool auto_update = false;  // explicit only
  bool is_public = false;    // explicit only
};

struct PulledImage {
  std::string fingerprint;
  bool downloaded = false;
  // Set when the remote could not be reached and a local copy of the same
  // (server, protocol, alias) was used instead; says so, with its age.
  std::string warning;
  std::vector<std::string> remote_aliases;  // the remote's aliases of the image
};

// Resolves the request on the remote and makes sure the image is in the store
// and the database; downloads (progress as operation metadata
// "download_progress", LXD's text) when the fingerprint is not there yet.
// The source is recorded as update_source only when asked by alias.
// Transactional: on error neither files nor a row are left. Errors: the
// remote's (kNotFound unknown alias, kUnavailable unreachable, kInvalid hash
// mismatch or hostile index), each prefixed with the remote and the image.
// Downloads are serialized.
base::Result<PulledImage> PullRemoteImage(Context& ctx, const RemoteImageRequest& request,
                                          const PullOptions& options, ops::Operation* op);

// "45.0 minutes", "3.2 hours", "2.0 days" — how long ago `then_ns` was.
std::string DescribeAge(int64_t then_ns, int64_t now_ns);

}  // namespace nest::daemon
