// Shared parts of the `nest image` commands (cmd_image*.cc).
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "cli/commands.h"
#include "core/url.h"

namespace nest::cli {

// The Image that IMG names: "local:" is accepted and dropped; an alias of that
// name wins, else the one image whose fingerprint starts with it. Errors:
// kNotFound `image "x" not found: no alias and no fingerprint starting with it`,
// kInvalid for an ambiguous prefix, kInvalid for other remotes.
base::Result<nlohmann::json> ResolveImage(Context& ctx, std::string_view image);

// Percent-encodes one path segment (core/url.h), used by every image command.
using core::PathEscape;

void RegisterImageAliasCommands(CLI::App& image, Context& ctx);  // alias create|delete|list|rename
void RegisterImageTransferCommands(CLI::App& image, Context& ctx);  // import, export
void RegisterImageStreamsCommand(CLI::App& image, Context& ctx);    // export-streams
void RegisterImageCopyCommand(CLI::App& image, Context& ctx);       // copy

// image copy: the ImagesPost body pulling IMAGE from its remote into local:.
struct ImageCopyOptions {
  std::string image;
  std::string target;
  std::vector<std::string> aliases;
  bool auto_update = false;
  bool is_public = false;
  bool copy_aliases = false;
};
base::Result<nlohmann::json> ImageCopyPost(const ImageCopyOptions& options,
                                           const client::Remotes& remotes);

}  // namespace nest::cli
