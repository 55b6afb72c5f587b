// Router: the route table. Patterns are "/1.0/instances/{name}/state"; "{name}"
// matches one path segment (url-decoded into Request::params), a last segment
// "{name...}" matches the rest of the path (one or more segments).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "daemon/http/request.h"
#include "daemon/http/response.h"

namespace nest::daemon::http {

using Handler = std::function<Response(Request&)>;

// Who may call a route. Requests over the unix socket and from trusted client
// certificates are trusted; an untrusted request reaches only kPublic routes
// (whose handlers then show only public things) and gets 403 "not authorized"
// elsewhere, as LXD answers.
enum class Access { kTrusted, kPublic };

// Add() is not thread-safe and must happen before Server::Run(); Dispatch() is
// const and may run on many connection threads at once.
class Router {
 public:
  // Registers `handler` for `method` ("GET", "PUT", ...) on `pattern`. A later Add
  // of the same method and pattern replaces the earlier one (access included).
  void Add(std::string method, std::string pattern, Handler handler,
           Access access = Access::kTrusted);

  // Finds the route and calls it. Unknown path → 404 "not found"; known path but
  // no handler for the method → 501 "not implemented" (LXD, transcript 64);
  // a HEAD with no HEAD route uses the GET route; an untrusted request to a
  // kTrusted route → 403 "not authorized"; a handler that throws → 500
  // with the exception's message. Never throws.
  Response Dispatch(Request& request) const;

  // Marks the route `method` `pattern` (already added) as one whose non-JSON
  // bodies are streamed into a temporary file in `dir` (Request::body_file)
  // instead of memory. `dir` must exist when requests arrive and be on the
  // filesystem the handler renames the file into.
  void SpoolBody(const std::string& method, const std::string& pattern, std::string dir);
  // For a request whose headers only are read: the directory to spool its body
  // into, or "" to read the body into memory (no such route, no spooling, a
  // Content-Type of application/json, or a caller the route would refuse).
  std::string SpoolDirFor(const Request& head) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;
    Handler handler;
    Access access = Access::kTrusted;
    std::string spool_dir;  // "" → bodies in memory
  };
  // The most specific route for the request's path and method (a HEAD falls
  // back to GET); null if none. `path_known` tells whether any route matched the path.
  const Route* Find(const Request& request, std::map<std::string, std::string>* params,
                    bool* path_known) const;
  // True if `path_segments` match `route`; fills `params`.
  static bool Match(const Route& route, const std::vector<std::string>& path_segments,
                    std::map<std::string, std::string>* params);

  std::vector<Route> routes_;
};

}  // namespace nest::daemon::http
