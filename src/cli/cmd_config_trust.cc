// nest config trust add|list|remove|list-tokens|revoke-token: the trust store
// of HTTPS clients (LXD's `lxc config trust`).
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli/commands.h"
#include "cli/format.h"
#include "core/api/certificate.h"

namespace nest::cli {
namespace {

using nlohmann::json;

base::Result<std::string> ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return base::Error::Invalid("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// "dir/peer.crt" → "peer", as lxc names a certificate added from a file.
std::string NameFromPath(const std::string& path) {
  std::string base = path.substr(path.rfind('/') + 1);
  size_t dot = base.rfind('.');
  return dot == std::string::npos || dot == 0 ? base : base.substr(0, dot);
}

base::Status Add(Context& ctx, const std::string& file, std::string name) {
  if (file.empty()) {
    if (name.empty()) return base::Error::Invalid("trust add: a token needs --name CLIENT");
    json op = TRY(
        ctx.conn.Post("/1.0/certificates", {{"type", "client"}, {"name", name}, {"token", true}}));
    json md = op.value("metadata", json::object());
    core::api::CertificateAddToken token;
    token.client_name = name;
    token.fingerprint = md.value("fingerprint", "");
    token.addresses = md.value("addresses", std::vector<std::string>{});
    token.secret = md.value("secret", "");
    if (md.contains("expiresAt")) token.expires_at = md["expiresAt"].get<std::string>();
    if (token.secret.empty()) return base::Error::Internal("the server returned no token secret");
    if (token.addresses.empty()) {
      std::cerr << "Warning: core.https_address is not set; the token names no address\n";
    }
    std::cout << "Client " << name << " certificate add token:\n"
              << core::api::EncodeToken(token) << "\n";
    return base::Ok();
  }
  std::string pem = TRY(ReadText(file));
  if (name.empty()) name = NameFromPath(file);
  TRY_CTX(ctx.conn.Post("/1.0/certificates",
                        {{"type", "client"}, {"name", name}, {"certificate", pem}}),
          "adding " + file);
  return base::Ok();
}

base::Status ListTrusted(Context& ctx, const std::string& format) {
  json certs = TRY(ctx.conn.Get("/1.0/certificates?recursion=1"));
  if (format == "json") {
    std::cout << certs.dump() << "\n";
    return base::Ok();
  }
  if (format == "yaml") {
    std::cout << ToYaml(certs) << std::flush;
    return base::Ok();
  }
  std::vector<Row> rows;
  for (const auto& c : certs) {
    rows.push_back(
        {c.value("type", ""), c.value("name", ""), c.value("fingerprint", "").substr(0, 12)});
  }
  if (format == "csv") {
    std::cout << RenderCsv(rows);
  } else if (format == "table") {
    std::cout << RenderTable({"TYPE", "NAME", "FINGERPRINT"}, rows);
  } else {
    return base::Error::Invalid("unknown format \"" + format + "\" (table, csv, json, yaml)");
  }
  return base::Ok();
}

// Pending tokens: Running operations of class "token".
base::Result<std::vector<json>> Tokens(Context& ctx) {
  json groups = TRY(ctx.conn.Get("/1.0/operations?recursion=1"));
  std::vector<json> out;
  if (!groups.is_object() || !groups.contains("running")) return out;
  for (const auto& op : groups["running"]) {
    if (op.value("class", "") == "token") out.push_back(op);
  }
  return out;
}

base::Status ListTokens(Context& ctx, const std::string& format) {
  std::vector<Row> rows;
  for (const auto& op : TRY(Tokens(ctx))) {
    json md = op.value("metadata", json::object());
    core::api::CertificateAddToken token;
    token.client_name = md.value("request", json::object()).value("name", "");
    token.fingerprint = md.value("fingerprint", "");
    token.addresses = md.value("addresses", std::vector<std::string>{});
    token.secret = md.value("secret", "");
    std::string expires = md.value("expiresAt", "");
    if (!expires.empty()) token.expires_at = expires;
    rows.push_back({token.client_name, core::api::EncodeToken(token),
                    expires.empty() ? "" : FormatTimestamp(expires)});
  }
  if (format == "csv") {
    std::cout << RenderCsv(rows);
  } else {
    std::cout << RenderTable({"NAME", "TOKEN", "EXPIRES AT"}, rows);
  }
  return base::Ok();
}

base::Status RevokeToken(Context& ctx, const std::string& name) {
  for (const auto& op : TRY(Tokens(ctx))) {
    json md = op.value("metadata", json::object());
    if (md.value("request", json::object()).value("name", "") != name) continue;
    TRY(ctx.conn.Delete("/1.0/operations/" + op.value("id", "")));
    return base::Ok();
  }
  return base::Error::NotFound("no pending token for client \"" + name + "\"");
}

}  // namespace

void RegisterTrustCommand(CLI::App& config, Context& ctx) {
  CLI::App* trust = config.add_subcommand("trust", "Manage the clients trusted over HTTPS");
  trust->require_subcommand(1);
  trust->footer(
      "Examples:\n"
      "  nest config trust add --name laptop     # prints a one-time token\n"
      "  nest config trust add laptop.crt        # trust a client certificate file\n"
      "  nest config trust list\n"
      "  nest config trust remove 3c1a…          # fingerprint or unique prefix\n"
      "  nest config trust list-tokens\n"
      "  nest config trust revoke-token laptop");

  auto add_file = std::make_shared<std::string>();
  auto add_name = std::make_shared<std::string>();
  CLI::App* add = trust->add_subcommand("add", "Trust a certificate, or print a join token");
  add->add_option("cert", *add_file, "Client certificate file (PEM); none → a token");
  add->add_option("--name", *add_name, "Client name");
  add->callback(
      [&ctx, add_file, add_name] { Run(ctx, [&] { return Add(ctx, *add_file, *add_name); }); });

  auto format = std::make_shared<std::string>("table");
  CLI::App* list = trust->add_subcommand("list", "List trusted certificates");
  list->alias("ls");
  list->add_option("--format,-f", *format, "table, csv, json or yaml");
  list->callback([&ctx, format] { Run(ctx, [&] { return ListTrusted(ctx, *format); }); });

  auto fp = std::make_shared<std::string>();
  CLI::App* remove = trust->add_subcommand("remove", "Stop trusting a certificate");
  remove->alias("rm");
  remove->add_option("fingerprint", *fp, "Fingerprint (or a unique prefix)")->required();
  remove->callback([&ctx, fp] {
    Run(ctx, [&]() -> base::Status {
      TRY(ctx.conn.Delete("/1.0/certificates/" + *fp));
      return base::Ok();
    });
  });

  auto token_format = std::make_shared<std::string>("table");
  CLI::App* list_tokens = trust->add_subcommand("list-tokens", "List pending join tokens");
  list_tokens->add_option("--format,-f", *token_format, "table or csv");
  list_tokens->callback(
      [&ctx, token_format] { Run(ctx, [&] { return ListTokens(ctx, *token_format); }); });

  auto token_name = std::make_shared<std::string>();
  CLI::App* revoke = trust->add_subcommand("revoke-token", "Revoke a pending join token");
  revoke->add_option("name", *token_name, "Client name the token was made for")->required();
  revoke->callback([&ctx, token_name] { Run(ctx, [&] { return RevokeToken(ctx, *token_name); }); });
}

}  // namespace nest::cli
