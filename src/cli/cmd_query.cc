// nest query: one raw API request (LXD's `lxc query`), locally or — until
// `nest remote` lands — to an HTTPS server named by --url, with the client
// certificate from client::ConfigDir() and the server certificate pinned.
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "client/https.h"

namespace nest::cli {
namespace {

struct QueryArgs {
  std::string path;
  std::string method = "GET";
  std::string data;
  std::string url;          // https://host:port
  std::string server_cert;  // PEM file to pin
  bool accept_certificate = false;
  std::string token;  // join with this token first
};

base::Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::Error::Invalid("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

base::Result<client::Connection> Target(Context& ctx, const QueryArgs& a) {
  if (a.url.empty() && a.token.empty()) return ctx.conn;
  tls::Identity id = TRY(client::LoadOrCreateClientIdentity());
  client::HttpsRemote remote;
  if (a.url.empty()) {
    remote = TRY(client::AddRemoteWithToken(a.token, id));
  } else if (!a.server_cert.empty()) {
    remote = {a.url, TRY(ReadFile(a.server_cert)), id};
  } else if (a.accept_certificate) {
    remote = TRY(client::AddRemoteAcceptingCertificate(a.url, id, a.token));
  } else {
    std::string cert = TRY(client::FetchServerCertificate(a.url));
    return base::Error(base::ErrorKind::kForbidden,
                       "the certificate of " + a.url + " is not known (fingerprint " +
                           TRY(tls::Fingerprint(cert)) +
                           "): pass --accept-certificate or --server-cert FILE");
  }
  return client::Connection::Remote(std::move(remote));
}

base::Status Query(Context& ctx, const QueryArgs& a) {
  client::Connection conn = TRY(Target(ctx, a));
  nlohmann::json body;
  if (!a.data.empty()) {
    body = nlohmann::json::parse(a.data, nullptr, false);
    if (body.is_discarded()) return base::Error::Invalid("--data is not JSON");
  }
  client::Response r = TRY(conn.Do(a.method, a.path, body));
  std::cout << r.metadata.dump(4) << "\n";
  return base::Ok();
}

}  // namespace

void RegisterQueryCommand(CLI::App& app, Context& ctx) {
  auto a = std::make_shared<QueryArgs>();
  CLI::App* sub = app.add_subcommand("query", "Send a raw query to the API");
  sub->add_option("path", a->path, "API path, e.g. /1.0/images?recursion=1")->required();
  sub->add_option("-X,--request", a->method, "HTTP method");
  sub->add_option("-d,--data", a->data, "JSON body");
  sub->add_option("--url", a->url, "An HTTPS server instead of the local nestd");
  sub->add_option("--server-cert", a->server_cert, "PEM file: the server certificate to pin");
  sub->add_flag("--accept-certificate", a->accept_certificate,
                "Pin whatever certificate the server presents");
  sub->add_option("--token", a->token,
                  "Join the server with this trust token first (alone: use its addresses)");
  sub->footer(
      "The client certificate lives in $NEST_CONF_DIR, else ~/.config/nest.\n\n"
      "Examples:\n"
      "  nest query /1.0/images\n"
      "  nest query --token TOKEN /1.0\n"
      "  nest query --url https://127.0.0.1:8443 --server-cert peer.crt /1.0/images");
  sub->callback([&ctx, a] { Run(ctx, [&] { return Query(ctx, *a); }); });
}

}  // namespace nest::cli
