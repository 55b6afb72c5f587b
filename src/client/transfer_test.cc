#include "client/transfer.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/http_header.h"

namespace nest::client {
namespace {

struct Split {
  std::vector<std::string> names, filenames;
  std::map<std::string, std::string> data;
};

// Feeds `body` to a splitter `step` bytes at a time.
Split SplitAll(const std::string& body, size_t step, base::Status* finish) {
  Split out;
  std::string current;
  MultipartSplitter s(
      "XyZ",
      [&](const std::string& name, const std::string& filename) {
        out.names.push_back(name);
        out.filenames.push_back(filename);
        current = name;
        return base::Ok();
      },
      [&](std::string_view d) {
        out.data[current].append(d);
        return base::Ok();
      });
  for (size_t i = 0; i < body.size(); i += step) {
    EXPECT_TRUE(s.Feed(std::string_view(body).substr(i, step)).ok());
  }
  *finish = s.Finish();
  return out;
}

const std::string kBody =
    "--XyZ\r\nContent-Disposition: form-data; name=\"metadata\"; filename=\"meta-a.tar.xz\"\r\n"
    "Content-Type: application/octet-stream\r\n\r\n"
    "META\r\n--XyNOTaBOUNDARY\r\n"
    "\r\n--XyZ\r\nContent-Disposition: form-data; name=\"rootfs\"; filename=\"a.squashfs\"\r\n"
    "\r\nROOT\r\n\r\n--XyZ--\r\n";

TEST(MultipartSplitterTest, SplitsPartsWhateverTheChunking) {
  for (size_t step : {1, 2, 3, 7, 64, 4096}) {
    base::Status finish;
    Split s = SplitAll(kBody, step, &finish);
    EXPECT_TRUE(finish.ok()) << step;
    EXPECT_EQ(s.names, (std::vector<std::string>{"metadata", "rootfs"})) << step;
    EXPECT_EQ(s.filenames, (std::vector<std::string>{"meta-a.tar.xz", "a.squashfs"})) << step;
    EXPECT_EQ(s.data["metadata"], "META\r\n--XyNOTaBOUNDARY\r\n") << step;
    EXPECT_EQ(s.data["rootfs"], "ROOT\r\n") << step;
  }
}

TEST(MultipartSplitterTest, TruncatedStreamFailsFinish) {
  base::Status finish;
  SplitAll(kBody.substr(0, kBody.size() - 12), 5, &finish);
  EXPECT_FALSE(finish.ok());
}

TEST(TransferTest, HeaderParameters) {
  using core::HeaderParameter;
  using core::MultipartBoundary;
  EXPECT_EQ(HeaderParameter("inline;filename=abc.tar.gz", "filename"), "abc.tar.gz");
  EXPECT_EQ(HeaderParameter("form-data; name=\"rootfs\"; filename=\"x y\"", "name"), "rootfs");
  EXPECT_EQ(HeaderParameter("form-data; name=\"rootfs\"; filename=\"x y\"", "filename"), "x y");
  EXPECT_EQ(HeaderParameter("inline", "filename"), "");
  EXPECT_EQ(MultipartBoundary("multipart/form-data; boundary=d392cd"), "d392cd");
  EXPECT_EQ(MultipartBoundary("application/octet-stream"), "");
}

}  // namespace
}  // namespace nest::client
