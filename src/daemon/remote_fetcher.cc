#include "daemon/remote_fetcher.h"

#include "daemon/image_download.h"
#include "daemon/remote_source.h"

namespace nest::daemon {

base::Result<std::string> RemoteFetcher::Resolve(const db::ImageSource& source) {
  auto remote = TRY(
      OpenRemoteSource({source.server, source.protocol, source.certificate, ctx_.architecture}));
  RemoteImage image = TRY(remote->ResolveAlias(source.alias));
  return image.fingerprint;
}

base::Result<db::ImageRecord> RemoteFetcher::Fetch(const db::ImageSource& source,
                                                   const std::string& fingerprint,
                                                   ops::Operation* op) {
  // By fingerprint: the updater, not the pull, decides what the new image
  // inherits (source, aliases, cached, last use).
  RemoteImageRequest request{source.server, source.protocol, "", fingerprint, source.certificate};
  PulledImage pulled = TRY(PullRemoteImage(ctx_, request, PullOptions{}, op));
  return ctx_.db->GetImage(pulled.fingerprint);
}

}  // namespace nest::daemon
