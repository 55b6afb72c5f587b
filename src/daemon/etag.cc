#include "daemon/etag.h"

#include <openssl/evp.h>

#include "base/strings.h"

namespace nest::daemon {

std::string Etag(const nlohmann::json& writable) {
  std::string text = writable.dump();
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr);
  return base::HexEncode(md, len);
}

}  // namespace nest::daemon
