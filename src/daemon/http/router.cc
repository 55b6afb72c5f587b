#include "daemon/http/router.h"

#include <exception>

#include "base/log.h"
#include "base/strings.h"

namespace nest::daemon::http {

namespace {

// "/1.0/instances/c1/" → {"1.0", "instances", "c1"}; "/" → {}.
std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  for (auto& s : base::Split(path, '/')) {
    if (!s.empty()) out.push_back(std::move(s));
  }
  return out;
}

bool IsParam(const std::string& seg) {
  return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}';
}

bool IsRestParam(const std::string& seg) { return IsParam(seg) && base::EndsWith(seg, "...}"); }

}  // namespace

void Router::Add(std::string method, std::string pattern, Handler handler, Access access) {
  std::vector<std::string> segments = Segments(pattern);
  for (auto& r : routes_) {
    if (r.method == method && r.segments == segments) {
      r.handler = std::move(handler);
      r.access = access;
      return;
    }
  }
  routes_.push_back(Route{std::move(method), std::move(segments), std::move(handler), access, ""});
}

bool Router::Match(const Route& route, const std::vector<std::string>& path,
                   std::map<std::string, std::string>* params) {
  std::map<std::string, std::string> found;
  size_t i = 0;
  for (; i < route.segments.size(); ++i) {
    const std::string& seg = route.segments[i];
    if (IsRestParam(seg)) {
      if (i >= path.size()) return false;
      std::vector<std::string> rest;
      for (size_t k = i; k < path.size(); ++k) rest.push_back(UrlDecode(path[k]));
      found[seg.substr(1, seg.size() - 5)] = base::Join(rest, "/");
      *params = std::move(found);
      return true;
    }
    if (i >= path.size()) return false;
    if (IsParam(seg)) {
      found[seg.substr(1, seg.size() - 2)] = UrlDecode(path[i]);
    } else if (seg != path[i]) {
      return false;
    }
  }
  if (i != path.size()) return false;
  *params = std::move(found);
  return true;
}

namespace {

// More literal segments win: "/1.0/images/aliases" beats "/1.0/images/{fingerprint}".
int Specificity(const std::vector<std::string>& segments) {
  int score = 0;
  for (const auto& seg : segments) score += IsParam(seg) ? (IsRestParam(seg) ? 0 : 1) : 4;
  return score;
}

}  // namespace

const Router::Route* Router::Find(const Request& request,
                                  std::map<std::string, std::string>* params,
                                  bool* path_known) const {
  std::vector<std::string> path =
      Segments(request.raw_path.empty() ? request.path : request.raw_path);
  const Route* exact = nullptr;
  const Route* get_for_head = nullptr;
  std::map<std::string, std::string> exact_params, head_params;
  *path_known = false;
  for (const auto& r : routes_) {
    std::map<std::string, std::string> p;
    if (!Match(r, path, &p)) continue;
    *path_known = true;
    if (r.method == request.method) {
      if (exact == nullptr || Specificity(r.segments) > Specificity(exact->segments)) {
        exact = &r;
        exact_params = std::move(p);
      }
    } else if (request.method == "HEAD" && r.method == "GET") {
      if (get_for_head == nullptr ||
          Specificity(r.segments) > Specificity(get_for_head->segments)) {
        get_for_head = &r;
        head_params = std::move(p);
      }
    }
  }
  *params = exact != nullptr ? std::move(exact_params) : std::move(head_params);
  return exact != nullptr ? exact : get_for_head;
}

void Router::SpoolBody(const std::string& method, const std::string& pattern, std::string dir) {
  std::vector<std::string> segments = Segments(pattern);
  for (auto& r : routes_) {
    if (r.method == method && r.segments == segments) r.spool_dir = std::move(dir);
  }
}

std::string Router::SpoolDirFor(const Request& head) const {
  std::map<std::string, std::string> params;
  bool path_known = false;
  const Route* route = Find(head, &params, &path_known);
  if (route == nullptr || route->spool_dir.empty()) return "";
  if (!head.trusted && route->access != Access::kPublic) return "";
  if (base::StartsWith(head.Header("Content-Type"), "application/json")) return "";
  return route->spool_dir;
}

Response Router::Dispatch(Request& request) const {
  std::map<std::string, std::string> params;
  bool path_known = false;
  const Route* route = Find(request, &params, &path_known);
  if (route == nullptr) {
    if (path_known) return Response::ErrorStatus(501, "not implemented");
    return Response::ErrorStatus(404, "not found");
  }
  if (!request.trusted && route->access != Access::kPublic) {
    return Response::ErrorStatus(403, "not authorized");
  }
  request.params = std::move(params);
  try {
    return route->handler(request);
  } catch (const std::exception& e) {
    base::LogError("handler " + request.method + " " + request.path + " threw: " + e.what());
    return Response::ErrorStatus(500, e.what());
  } catch (...) {
    base::LogError("handler " + request.method + " " + request.path + " threw");
    return Response::ErrorStatus(500, "internal error");
  }
}

}  // namespace nest::daemon::http
