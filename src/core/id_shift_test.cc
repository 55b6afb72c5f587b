#include "core/id_shift.h"

#include <gtest/gtest.h>

namespace nest::core {
namespace {

const Idmap kUnshifted{{0, 65536}, {0, 65536}};
const Idmap kHost{{1000000, 65536}, {2000000, 65536}};

std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

TEST(IdShift, MapsIdsInsideTheRangeAndKeepsOthers) {
  IdShift s = ShiftBetween(kUnshifted, kHost);
  EXPECT_EQ(s.Uid(0), 1000000u);
  EXPECT_EQ(s.Uid(65534), 1065534u);
  EXPECT_EQ(s.Gid(5), 2000005u);
  EXPECT_EQ(s.Uid(70000), 70000u);  // outside the range: unmapped, kept
  EXPECT_EQ(s.Inverse().Uid(1000000), 0u);
  EXPECT_EQ(s.Inverse().Gid(2000005), 5u);
  EXPECT_FALSE(s.IsIdentity());
  EXPECT_TRUE(ShiftBetween(kHost, kHost).IsIdentity());
}

TEST(IdShift, UnshiftedSideTakesTheOtherSize) {
  IdShift s = ShiftBetween({{0, 0}, {0, 0}}, kHost);
  EXPECT_EQ(s.Uid(1), 1000001u);
  IdShift back = ShiftBetween(kHost, {{0, 0}, {0, 0}});
  EXPECT_EQ(back.Uid(1000001), 1u);
  EXPECT_EQ(Unshifted(kHost), kUnshifted);
}

TEST(IdShift, PosixAclShiftsUserAndGroupEntriesOnly) {
  // version 2; USER_OBJ rwx; USER 1000 r; GROUP_OBJ r; GROUP 7 r; MASK r; OTHER none
  std::string acl = Bytes({2,    0, 0, 0,                          //
                           1,    0, 7, 0, 0xff, 0xff, 0xff, 0xff,  //
                           2,    0, 4, 0, 0xe8, 0x03, 0,    0,     //
                           4,    0, 4, 0, 0xff, 0xff, 0xff, 0xff,  //
                           8,    0, 4, 0, 7,    0,    0,    0,     //
                           0x10, 0, 4, 0, 0xff, 0xff, 0xff, 0xff,  //
                           0x20, 0, 0, 0, 0xff, 0xff, 0xff, 0xff});
  IdShift s = ShiftBetween(kUnshifted, kHost);
  auto out = ShiftPosixAcl(acl, s);
  ASSERT_TRUE(out.ok());
  std::string want = acl;
  // 1000 + 1000000 = 1001000 = 0x000F4628; 7 + 2000000 = 2000007 = 0x001E8487
  want.replace(4 + 8 + 4, 4, Bytes({0x28, 0x46, 0x0f, 0x00}));
  want.replace(4 + 24 + 4, 4, Bytes({0x87, 0x84, 0x1e, 0x00}));
  EXPECT_EQ(*out, want);
  EXPECT_EQ(ShiftPosixAcl(*out, s.Inverse()).value(), acl);
  EXPECT_FALSE(ShiftPosixAcl(Bytes({2, 0, 0, 0, 1}), s).ok());
  EXPECT_FALSE(ShiftPosixAcl(Bytes({1, 0, 0, 0}), s).ok());
}

TEST(IdShift, FileCapsBecomeRevision3AndBack) {
  // revision 2, effective flag, permitted cap_net_raw (bit 13)
  std::string v2 = Bytes({1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  IdShift s = ShiftBetween(kUnshifted, kHost);
  auto v3 = ShiftFileCaps(v2, s);
  ASSERT_TRUE(v3.ok());
  ASSERT_EQ(v3->size(), 24u);
  EXPECT_EQ(static_cast<unsigned char>((*v3)[3]), 3);
  EXPECT_EQ(static_cast<unsigned char>((*v3)[0]), 1);  // effective flag kept
  EXPECT_EQ(v3->substr(4, 16), v2.substr(4, 16));
  EXPECT_EQ(v3->substr(20), Bytes({0x40, 0x42, 0x0f, 0x00}));  // 1000000
  EXPECT_EQ(ShiftFileCaps(*v3, s.Inverse()).value(), v2);
  EXPECT_FALSE(ShiftFileCaps(Bytes({0, 0, 0, 1, 0, 0, 0, 0}), s).ok());
  EXPECT_FALSE(ShiftFileCaps(v2.substr(0, 12), s).ok());
}

}  // namespace
}  // namespace nest::core
