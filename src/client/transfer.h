// Streamed transfers with nestd: request bodies read from files as they are
// sent (image import) and response bodies handed over in chunks (image export),
// so neither side of the client holds an image in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "client/connection.h"

namespace nest::client {

// One piece of a request body: `data` as is, or the whole file `file`.
struct BodyPiece {
  std::string data;
  std::string file;  // non-empty: stream this file instead of `data`
};

// Sends `method path` with the pieces, in order, as a body of known
// Content-Length. `headers` should carry Content-Type. Returns the decoded
// envelope (errors as Connection::Do; kNotFound/kForbidden… for unreadable
// files, naming them). `on_progress(sent, total)` is called after each chunk.
base::Result<Response> SendStreamed(
    Connection& conn, std::string_view method, std::string_view path,
    const std::vector<BodyPiece>& body, const Headers& headers,
    const std::function<void(uint64_t sent, uint64_t total)>& on_progress = nullptr);

// Receives GET `path`. A 2xx answer calls `on_headers` with the response
// headers, then `on_data` with each chunk of the body; a failing callback
// aborts. Any other status is decoded as an LXD error (Connection::Do's errors).
base::Status Download(Connection& conn, std::string_view path,
                      const std::function<base::Status(const Headers&)>& on_headers,
                      const std::function<base::Status(std::string_view)>& on_data);

// Splits a multipart/form-data stream fed in arbitrary chunks: `on_part(name,
// filename)` at the start of each part, then `on_data` with its bytes.
class MultipartSplitter {
 public:
  using PartFn = std::function<base::Status(const std::string& name, const std::string& filename)>;
  using DataFn = std::function<base::Status(std::string_view data)>;

  MultipartSplitter(std::string boundary, PartFn on_part, DataFn on_data);

  base::Status Feed(std::string_view chunk);
  // kInvalid unless the closing boundary has been seen.
  base::Status Finish() const;

 private:
  enum class State { kPreamble, kHeaders, kData, kEnd };

  std::string delimiter_;  // "\r\n--" + boundary
  PartFn on_part_;
  DataFn on_data_;
  State state_ = State::kPreamble;
  std::string pending_ = "\r\n";  // lets the first boundary match the delimiter
};

}  // namespace nest::client
