#include "daemon/http/beast_glue.h"

#include "base/strings.h"

namespace nest::daemon::http {

Request ToRequest(const bhttp::request<bhttp::string_body>& req) {
  Request r;
  r.method = std::string(req.method_string());
  std::string_view target(req.target().data(), req.target().size());
  size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  r.raw_path = std::string(raw_path);
  r.path = UrlDecode(raw_path);
  if (q != std::string_view::npos) {
    for (const auto& kv : base::Split(target.substr(q + 1), '&')) {
      if (kv.empty()) continue;
      size_t eq = kv.find('=');
      std::string key = UrlDecode(kv.substr(0, eq), true);
      std::string value = eq == std::string::npos ? "" : UrlDecode(kv.substr(eq + 1), true);
      r.query[key] = value;
    }
  }
  for (const auto& field : req) {
    r.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  r.body = req.body();
  return r;
}

bhttp::response<bhttp::string_body> ToBeastResponse(const Response& response, unsigned version,
                                                    bool keep_alive) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(response.status()), version};
  for (const auto& [k, v] : response.headers()) res.set(k, v);
  res.body() = response.body();
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

}  // namespace nest::daemon::http
