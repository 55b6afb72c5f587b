// nest remote add|list|remove|rename|switch|get-default: the remotes config file
// (client/remotes.h), as lxc remote.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <memory>

#include "base/strings.h"
#include "cli/commands.h"
#include "cli/format.h"
#include "client/https.h"
#include "tls/certificate.h"

namespace nest::cli {

using nlohmann::json;

namespace {

// An lxd remote over https (or given as a bare token): pins the server's
// certificate, through a token (which also makes the server trust our client
// certificate) or --accept-certificate. Plain http and unix sockets need none.
base::Status PinHttpsRemote(client::Remote& r, const std::string& token, bool accept) {
  bool bare_token =
      r.address.find("://") == std::string::npos && r.address.find(':') == std::string::npos;
  if (!bare_token && !base::StartsWith(r.address, "https://")) {
    if (!token.empty()) return base::Error::Invalid("--token needs an https:// remote");
    return base::Ok();
  }
  tls::Identity me = TRY_CTX(client::LoadOrCreateClientIdentity(), "the client certificate");
  client::HttpsRemote pinned;
  if (bare_token) {
    pinned = TRY(client::AddRemoteWithToken(r.address, me));
  } else if (accept) {
    pinned = TRY(client::AddRemoteAcceptingCertificate(r.address, me, token));
  } else if (!token.empty()) {
    pinned = TRY(client::AddRemoteWithToken(token, me));
  } else {
    std::string pem = TRY(client::FetchServerCertificate(r.address));
    std::string fp = TRY(tls::Fingerprint(pem));
    return base::Error(base::ErrorKind::kForbidden,
                       "the certificate of " + r.address + " is not trusted yet: its " +
                           "fingerprint is " + fp + "; compare it with `nest info` / " +
                           "`lxc info` on that server and add --accept-certificate, or " +
                           "use a token (--token)");
  }
  r.address = pinned.url;
  r.certificate = pinned.server_certificate;
  return base::Ok();
}

base::Status Save(Context& ctx) {
  TRY_CTX(client::SaveRemotes(ctx.remotes_path, ctx.remotes), "saving the remotes");
  return base::Ok();
}

}  // namespace

base::Result<std::string> RenderRemoteList(const client::Remotes& remotes,
                                           const std::string& format) {
  std::vector<Row> rows;
  json j = json::object();
  for (const client::Remote& r : remotes.all()) {
    bool current = r.name == remotes.default_remote();
    std::string url =
        r.address.empty() ? (r.protocol == "local" ? "unix://" : "(nestd)") : r.address;
    rows.push_back({format == "table" && current ? r.name + " (current)" : r.name, url, r.protocol,
                    r.is_public ? "YES" : "NO", r.is_static() ? "YES" : "NO"});
    j[r.name] = {{"addr", url},
                 {"protocol", r.protocol},
                 {"public", r.is_public},
                 {"static", r.is_static()},
                 {"current", current}};
  }
  if (format == "table") return RenderTable({"NAME", "URL", "PROTOCOL", "PUBLIC", "STATIC"}, rows);
  if (format == "csv") return RenderCsv(rows);
  if (format == "json") return j.dump() + "\n";
  if (format == "yaml") return ToYaml(j);
  return base::Error::Invalid("unknown format \"" + format + "\" (table, csv, json or yaml)");
}

void RegisterRemoteCommand(CLI::App& app, Context& ctx) {
  CLI::App* remote = app.add_subcommand("remote", "Manage the image remotes");
  remote->require_subcommand(1);
  remote->footer(
      "Remotes are image servers: simplestreams trees (http/https) and other nest or LXD\n"
      "servers (protocol lxd, https or unix://). \"builtin\" and \"local\" always exist.\n"
      "They live in $NEST_CONF_DIR/config.yml (default ~/.config/nest/config.yml).\n\n"
      "Examples:\n"
      "  nest remote add lab http://127.0.0.1:8700 --protocol simplestreams\n"
      "  nest launch lab:debian/bookworm x1\n"
      "  nest image copy lab:busybox local: --alias bb --auto-update\n"
      "  nest remote list");

  struct AddArgs {
    std::string name, url, protocol = "lxd", token;
    bool is_public = false;
    bool accept_certificate = false;
  };
  auto a = std::make_shared<AddArgs>();
  CLI::App* add = remote->add_subcommand("add", "Add a remote");
  add->add_option("name", a->name, "Remote name")->required();
  add->add_option("url", a->url, "URL: http(s)://host[:port][/path] or unix:///path/to/socket")
      ->required();
  add->add_option("--protocol", a->protocol, "simplestreams or lxd")
      ->check(CLI::IsMember({"simplestreams", "lxd"}))
      ->capture_default_str();
  add->add_flag("--public", a->is_public, "The remote needs no authentication");
  add->add_flag("--accept-certificate", a->accept_certificate,
                "Pin the certificate the https server presents (nestd, LXD, or a\n"
                "simplestreams server whose certificate no system CA signs)");
  add->add_option("--token", a->token,
                  "A one-time trust token from `nest config trust add` on the remote");
  add->footer(
      "An https nestd or LXD (protocol lxd) is reached with its certificate pinned:\n"
      "either give a token made on that server (`nest config trust add --name me`\n"
      "there), which names the certificate's fingerprint and makes the server trust\n"
      "this client's certificate ($NEST_CONF_DIR/client.crt), or check the\n"
      "fingerprint yourself and add --accept-certificate. A bare token in place of\n"
      "the URL uses the addresses the token lists.\n\n"
      "Examples:\n  nest remote add lab http://127.0.0.1:8700 --protocol simplestreams\n"
      "  nest remote add peer unix:///var/lib/other-nest/unix.socket\n"
      "  nest remote add peer eyJjbGllbnRfbmFtZSI6...        # a token\n"
      "  nest remote add peer https://127.0.0.1:8443 --accept-certificate [--token T]");
  add->callback([&ctx, a] {
    Run(ctx, [&]() -> base::Status {
      client::Remote r{a->name, a->protocol, a->url, a->is_public || a->protocol == "simplestreams",
                       ""};
      if (a->protocol == "lxd") {
        TRY(PinHttpsRemote(r, a->token, a->accept_certificate));
      } else if (a->accept_certificate && base::StartsWith(r.address, "https://")) {
        // A simplestreams server with a certificate no CA vouches for: pinned.
        r.certificate = TRY(client::FetchServerCertificate(r.address));
      }
      TRY(ctx.remotes.AddRemote(r));
      return Save(ctx);
    });
  });

  auto format = std::make_shared<std::string>("table");
  CLI::App* list = remote->add_subcommand("list", "List the remotes");
  list->alias("ls");
  list->add_option("-f,--format", *format, "table, csv, json or yaml")
      ->check(CLI::IsMember({"table", "csv", "json", "yaml"}))
      ->capture_default_str();
  list->callback([&ctx, format] {
    Run(ctx, [&]() -> base::Status {
      std::cout << TRY(RenderRemoteList(ctx.remotes, *format)) << std::flush;
      return base::Ok();
    });
  });

  auto name = std::make_shared<std::string>();
  CLI::App* rm = remote->add_subcommand("remove", "Remove a remote");
  rm->alias("rm");
  rm->add_option("name", *name, "Remote name")->required();
  rm->callback([&ctx, name] {
    Run(ctx, [&]() -> base::Status {
      TRY(ctx.remotes.Remove(*name));
      return Save(ctx);
    });
  });

  auto names = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* mv = remote->add_subcommand("rename", "Rename a remote");
  mv->add_option("old", names->first, "Current name")->required();
  mv->add_option("new", names->second, "New name")->required();
  mv->callback([&ctx, names] {
    Run(ctx, [&]() -> base::Status {
      TRY(ctx.remotes.Rename(names->first, names->second));
      return Save(ctx);
    });
  });

  auto target = std::make_shared<std::string>();
  CLI::App* sw = remote->add_subcommand("switch", "Make a remote the default");
  sw->add_option("name", *target, "Remote name")->required();
  sw->footer("The default remote is where images named without REMOTE: come from.");
  sw->callback([&ctx, target] {
    Run(ctx, [&]() -> base::Status {
      TRY(ctx.remotes.SetDefault(*target));
      return Save(ctx);
    });
  });

  CLI::App* get = remote->add_subcommand("get-default", "Print the default remote");
  get->callback([&ctx] {
    Run(ctx, [&]() -> base::Status {
      std::printf("%s\n", ctx.remotes.default_remote().c_str());
      return base::Ok();
    });
  });
}

}  // namespace nest::cli
