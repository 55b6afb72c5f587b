// The directory of a simplestreams tree while `nest image export-streams`
// updates it: locked against concurrent runs, files staged inside it, then
// moved into place and the documents replaced by rename, products first and
// index last, so a reader sees either the old tree or the new one.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "base/unique_fd.h"

namespace nest::cli {

class StreamsDir {
 public:
  // Opens `dir`, creating it when missing (its parent must exist), and takes an
  // exclusive flock on it (kConflict when another export holds it). Refuses
  // (kInvalid) a path that is not a directory and a non-empty directory without
  // streams/v1/index.json ("not a simplestreams tree"). Creates the staging
  // directory DIR/.nest-staging.XXXXXX, removing stale ones of dead runs.
  // OS failures name the path (EACCES, EROFS…).
  static base::Result<std::unique_ptr<StreamsDir>> Open(const std::string& dir);

  // Removes the staging directory; and `dir` itself when Open created it and
  // Commit did not succeed.
  ~StreamsDir();
  StreamsDir(const StreamsDir&) = delete;
  StreamsDir& operator=(const StreamsDir&) = delete;

  const std::string& path() const { return dir_; }
  const std::string& staging() const { return staging_; }
  // The current documents' text; nullopt when the file does not exist.
  const std::optional<std::string>& index_text() const { return index_text_; }
  const std::optional<std::string>& products_text() const { return products_text_; }

  // Moves each staged file (first: a path in staging()) to its tree path
  // (second: relative to the tree), creating directories, then writes the two
  // documents. On any failure everything it did is undone and the old tree is
  // left as it was.
  base::Status Commit(const std::vector<std::pair<std::string, std::string>>& moves,
                      const nlohmann::json& products, const nlohmann::json& index);

  // Deletes files of the tree (relative paths) and the directories they leave
  // empty; failures are reported on stderr as warnings (the tree is already
  // consistent without them).
  void RemoveFiles(const std::vector<std::string>& paths);

 private:
  explicit StreamsDir(std::string dir) : dir_(std::move(dir)) {}

  std::string dir_;
  bool created_ = false;
  bool committed_ = false;
  base::UniqueFd lock_;
  std::string staging_;
  std::optional<std::string> index_text_;
  std::optional<std::string> products_text_;
};

}  // namespace nest::cli
