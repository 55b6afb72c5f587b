// The client's part of pulling a private image from a remote that trusts the
// client but not nestd (`nest image copy peer:IMG local:`, `nest launch
// peer:IMG`): get a secret from the remote before the pull, withdraw it after
// if the pull did not use it up. See client/image_secret.h.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "base/result.h"
#include "client/image_secret.h"
#include "client/remotes.h"

namespace nest::cli {

struct SourceSecret {
  std::optional<client::Connection> remote;
  std::optional<client::ImageSecret> secret;
};

// When IMAGE ("[REMOTE:]NAME") is a private image on an https lxd remote
// that shows it to this client, asks the remote for a secret and rewrites
// *source (an ImagesPost/InstancesPost source) to pull it by fingerprint with
// the secret. Leaves *source alone otherwise (public image, other remotes,
// image not visible or remote unreachable: nestd's pull then says why).
// Errors: the remote refuses the secret.
base::Result<SourceSecret> AddSourceSecret(const client::Remotes& remotes, std::string_view image,
                                           nlohmann::json* source);

// Cancels the secret on its remote when the pull left it unused (the image
// was already here, or the pull failed); a used-up secret is left alone.
void WithdrawSourceSecret(SourceSecret& s);

}  // namespace nest::cli
