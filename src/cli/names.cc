#include "cli/names.h"

#include <cctype>
#include <iterator>
#include <random>

namespace nest::cli {

std::string RandomInstanceName() {
  static const char* kAdjectives[] = {
      "able",  "brave",  "bright", "calm",   "clever", "cosmic", "crisp",  "eager",
      "fair",  "fancy",  "fleet",  "gentle", "golden", "happy",  "humble", "jolly",
      "keen",  "lively", "lucky",  "mellow", "merry",  "modest", "noble",  "proud",
      "quick", "quiet",  "rapid",  "sacred", "sharp",  "shiny",  "smooth", "steady",
      "sunny", "swift",  "tidy",   "upward", "vivid",  "warm",   "wise",   "witty"};
  static const char* kNouns[] = {"badger", "beetle", "bison", "crane", "dingo",  "eagle",  "falcon",
                                 "ferret", "gecko",  "heron", "ibis",  "impala", "koala",  "lemur",
                                 "lynx",   "marten", "moose", "newt",  "ocelot", "osprey", "otter",
                                 "panda",  "puffin", "quail", "raven", "robin",  "salmon", "seal",
                                 "shrew",  "sloth",  "stork", "tapir", "toucan", "trout",  "viper",
                                 "walrus", "weasel", "whale", "wren",  "yak"};
  std::random_device rd;
  std::uniform_int_distribution<size_t> adj(0, std::size(kAdjectives) - 1);
  std::uniform_int_distribution<size_t> noun(0, std::size(kNouns) - 1);
  return std::string(kAdjectives[adj(rd)]) + "-" + kNouns[noun(rd)];
}

bool IsValidInstanceName(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  if (name.front() == '-' || name.back() == '-') return false;
  if (std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
  }
  return true;
}

}  // namespace nest::cli
