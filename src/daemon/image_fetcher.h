// What the image updater needs from the remote side: resolve a source alias to
// the fingerprint it names now, and bring that image into the store. The
// downloader implements it for simplestreams and lxd remotes.
#pragma once

#include <string>

#include "base/result.h"
#include "db/records.h"

namespace nest::daemon {
namespace ops {
class Operation;
}

class ImageFetcher {
 public:
  virtual ~ImageFetcher() = default;

  // The fingerprint source.alias names on source.server now. Errors say why
  // the remote could not answer (unreachable, unknown alias...).
  virtual base::Result<std::string> Resolve(const db::ImageSource& source) = 0;

  // Makes image `fingerprint` of source present in the store with a row
  // (downloading and verifying it when missing; transactional: on failure
  // nothing is left). Progress goes to op's metadata when op is not null.
  // Returns the row.
  virtual base::Result<db::ImageRecord> Fetch(const db::ImageSource& source,
                                              const std::string& fingerprint,
                                              ops::Operation* op) = 0;
};

}  // namespace nest::daemon
