// The image updater's view of remotes (daemon/image_fetcher.h), implemented
// with the remote sources and PullRemoteImage.
#pragma once

#include "daemon/context.h"
#include "daemon/image_fetcher.h"

namespace nest::daemon {

class RemoteFetcher : public ImageFetcher {
 public:
  explicit RemoteFetcher(Context& ctx) : ctx_(ctx) {}

  base::Result<std::string> Resolve(const db::ImageSource& source) override;
  base::Result<db::ImageRecord> Fetch(const db::ImageSource& source, const std::string& fingerprint,
                                      ops::Operation* op) override;

 private:
  Context& ctx_;
};

}  // namespace nest::daemon
