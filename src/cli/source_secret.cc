#include "cli/source_secret.h"

#include <string>

namespace nest::cli {

base::Result<SourceSecret> AddSourceSecret(const client::Remotes& remotes, std::string_view image,
                                           nlohmann::json* source) {
  SourceSecret out;
  size_t colon = image.find(':');
  std::string_view name = colon == std::string_view::npos
                              ? std::string_view(remotes.default_remote())
                              : image.substr(0, colon);
  const client::Remote* remote = remotes.Find(name);
  if (remote == nullptr || !client::MayNeedImageSecret(*remote)) return out;
  auto conn = client::ConnectRemote(*remote);
  if (!conn) return out;
  out.remote = std::move(*conn);
  out.secret = TRY_CTX(client::RequestImageSecret(*out.remote, *source),
                       "remote " + remote->name + ", image " + std::string(image));
  if (out.secret) *source = client::WithImageSecret(std::move(*source), *out.secret);
  return out;
}

void WithdrawSourceSecret(SourceSecret& s) {
  if (!s.remote || !s.secret || s.secret->operation.empty()) return;
  auto op = s.remote->Get(s.secret->operation);
  if (op && op->is_object() && op->value("status", "") == "Running") {
    (void)s.remote->Delete(s.secret->operation);
  }
}

}  // namespace nest::cli
