#include "daemon/etag.h"

#include <openssl/evp.h>

namespace nest::daemon {

std::string Etag(const nlohmann::json& writable) {
  std::string text = writable.dump();
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) out += {kHex[md[i] >> 4], kHex[md[i] & 15]};
  return out;
}

}  // namespace nest::daemon
