#include "core/image_xattrs.h"

#include <gtest/gtest.h>

namespace nest::core {
namespace {

TEST(ImageXattrs, KeepsWhatAnImageCarries) {
  EXPECT_TRUE(ImageKeepsXattr("user.note"));
  EXPECT_TRUE(ImageKeepsXattr("user.overlayish"));
  EXPECT_TRUE(ImageKeepsXattr("security.capability"));
  EXPECT_TRUE(ImageKeepsXattr("system.posix_acl_access"));
  EXPECT_TRUE(ImageKeepsXattr("system.posix_acl_default"));
}

TEST(ImageXattrs, DropsOverlayMarksAndHostLabels) {
  EXPECT_FALSE(ImageKeepsXattr("user.overlay.opaque"));
  EXPECT_FALSE(ImageKeepsXattr("user.overlay.whiteout"));
  EXPECT_FALSE(ImageKeepsXattr("user.overlay.redirect"));
  EXPECT_FALSE(ImageKeepsXattr("trusted.overlay.opaque"));
  EXPECT_FALSE(ImageKeepsXattr("trusted.overlay.origin"));
  EXPECT_FALSE(ImageKeepsXattr("trusted.anything"));
  EXPECT_FALSE(ImageKeepsXattr("security.selinux"));
  EXPECT_FALSE(ImageKeepsXattr("security.ima"));
  EXPECT_FALSE(ImageKeepsXattr("system.nfs4_acl"));
  EXPECT_FALSE(ImageKeepsXattr("user"));
  EXPECT_FALSE(ImageKeepsXattr(""));
}

}  // namespace
}  // namespace nest::core
