#include "runtime/start_plan.h"

#include <nlohmann/json.hpp>

namespace nest::runtime {

std::string SerializePlan(const StartPlan& p) {
  nlohmann::json j = {
      {"name", p.name},
      {"container_dir", p.container_dir},
      {"image_rootfs", p.image_rootfs},
      {"rootfs_mount", p.rootfs_mount},
      {"privileged", p.privileged},
      {"nesting", p.nesting},
      {"uid", {{"host_base", p.uid.host_base}, {"size", p.uid.size}}},
      {"gid", {{"host_base", p.gid.host_base}, {"size", p.gid.size}}},
      {"cgroup", p.cgroup},
      {"init_argv", p.init_argv},
      {"env", p.env},
      {"files", nlohmann::json::array()},
  };
  for (const auto& f : p.files) {
    j["files"].push_back(
        {{"path", f.path}, {"content", f.content}, {"create_only", f.create_only}});
  }
  j["seccomp"] = nlohmann::json::array();
  for (const auto& insn : p.seccomp) j["seccomp"].push_back({insn.code, insn.jt, insn.jf, insn.k});
  return j.dump(2);
}

base::Result<StartPlan> ParsePlan(const std::string& text) {
  try {
    auto j = nlohmann::json::parse(text);
    StartPlan p;
    p.name = j.at("name");
    p.container_dir = j.at("container_dir");
    p.image_rootfs = j.at("image_rootfs");
    p.rootfs_mount = j.value("rootfs_mount", std::string(kOverlayRootfs));
    if (p.rootfs_mount != kOverlayRootfs && p.rootfs_mount != kBindRootfs) {
      return base::Error::Invalid("start plan: unknown rootfs_mount \"" + p.rootfs_mount + "\"");
    }
    p.privileged = j.value("privileged", false);
    p.nesting = j.value("nesting", false);
    p.uid = {j.at("uid").at("host_base"), j.at("uid").at("size")};
    p.gid = {j.at("gid").at("host_base"), j.at("gid").at("size")};
    p.cgroup = j.at("cgroup");
    p.init_argv = j.at("init_argv").get<std::vector<std::string>>();
    p.env = j.at("env").get<std::vector<std::string>>();
    for (const auto& f : j.value("files", nlohmann::json::array())) {
      p.files.push_back({f.at("path"), f.at("content"), f.value("create_only", false)});
    }
    for (const auto& insn : j.value("seccomp", nlohmann::json::array())) {
      p.seccomp.push_back({insn.at(0).get<uint16_t>(), insn.at(1).get<uint8_t>(),
                           insn.at(2).get<uint8_t>(), insn.at(3).get<uint32_t>()});
    }
    if (!p.privileged && p.seccomp.empty()) {
      return base::Error::Invalid("start plan: an unprivileged container needs its seccomp policy");
    }
    return p;
  } catch (const std::exception& e) {
    return base::Error::Invalid(std::string("start plan: ") + e.what());
  }
}

}  // namespace nest::runtime
