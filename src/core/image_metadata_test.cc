#include "core/image_metadata.h"

#include <gtest/gtest.h>

namespace nest::core {
namespace {

TEST(ImageMetadata, ParsesEveryField) {
  auto m = ParseImageMetadata(R"(
architecture: amd64
creation_date: 1700000000
expiry_date: 1800000000
properties:
  os: Debian
  release: 12
  description: "Debian bookworm"
templates:
  /etc/hostname:
    when: [create, copy]
    create_only: false
    template: hostname.tpl
    properties: {}
  /etc/hosts:
    when:
      - start
    create_only: true
    template: hosts.tpl
    properties: {a: b}
)");
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->architecture, "x86_64");
  EXPECT_EQ(m->creation_date, 1700000000);
  EXPECT_EQ(m->expiry_date, 1800000000);
  EXPECT_EQ(m->properties.at("release"), "12");
  EXPECT_EQ(m->properties.at("description"), "Debian bookworm");
  ASSERT_EQ(m->templates.size(), 2u);
  const ImageTemplate& host = m->templates.at("/etc/hostname");
  EXPECT_EQ(host.when, (std::vector<std::string>{"create", "copy"}));
  EXPECT_FALSE(host.create_only);
  EXPECT_EQ(host.template_file, "hostname.tpl");
  const ImageTemplate& hosts = m->templates.at("/etc/hosts");
  EXPECT_EQ(hosts.when, (std::vector<std::string>{"start"}));
  EXPECT_TRUE(hosts.create_only);
  EXPECT_EQ(hosts.properties.at("a"), "b");
}

TEST(ImageMetadata, MinimalIsEnough) {
  auto m = ParseImageMetadata("architecture: x86_64\ncreation_date: 1\n");
  ASSERT_TRUE(m.ok()) << m.error().message();
  EXPECT_EQ(m->expiry_date, 0);
  EXPECT_TRUE(m->properties.empty());
  EXPECT_TRUE(m->templates.empty());
}

TEST(ImageMetadata, Errors) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"architecture: [x86_64\n", "metadata.yaml is not valid YAML: "},
      {"just a string", "metadata.yaml is not valid YAML: expected a mapping at the top"},
      {"", "metadata.yaml is not valid YAML: expected a mapping at the top"},
      {"creation_date: 1\n", "metadata.yaml lacks \"architecture\""},
      {"architecture: \"\"\ncreation_date: 1\n", "metadata.yaml lacks \"architecture\""},
      {"architecture: x86_64\n", "metadata.yaml lacks \"creation_date\""},
      {"architecture: x86_64\ncreation_date: 0\n", "metadata.yaml lacks \"creation_date\""},
      {"architecture: vax\ncreation_date: 1\n", "metadata.yaml: unknown architecture \"vax\""},
      {"architecture: x86_64\ncreation_date: soon\n",
       "metadata.yaml: \"creation_date\" must be a whole number of unix seconds"},
      {"architecture: x86_64\ncreation_date: 1\nproperties: [a]\n",
       "metadata.yaml: \"properties\" must map names to strings"},
      {"architecture: x86_64\ncreation_date: 1\nproperties: {a: {b: c}}\n",
       "metadata.yaml: \"properties\" must map names to strings"},
      {"architecture: x86_64\ncreation_date: 1\ntemplates: {/etc/x: {when: start}}\n",
       "metadata.yaml: \"templates: /etc/x: when\" must be a list of triggers"},
  };
  for (const Case& c : cases) {
    auto m = ParseImageMetadata(c.text);
    ASSERT_FALSE(m.ok()) << c.text;
    EXPECT_EQ(m.error().kind(), base::ErrorKind::kInvalid) << c.text;
    EXPECT_EQ(m.error().message().rfind(c.message, 0), 0u)
        << c.text << " gave: " << m.error().message();
  }
}

TEST(KernelArchitecture, MapsLxdNames) {
  struct Case {
    const char* name;
    const char* kernel;
  } cases[] = {
      {"x86_64", "x86_64"},   {"amd64", "x86_64"}, {"aarch64", "aarch64"}, {"arm64", "aarch64"},
      {"armhf", "armv7l"},    {"i386", "i686"},    {"ppc64el", "ppc64le"}, {"s390x", "s390x"},
      {"riscv64", "riscv64"}, {"armel", "armv6l"},
  };
  for (const Case& c : cases) {
    auto k = KernelArchitecture(c.name);
    ASSERT_TRUE(k.ok()) << c.name;
    EXPECT_EQ(k.value(), c.kernel) << c.name;
  }
  EXPECT_FALSE(KernelArchitecture("").ok());
  EXPECT_FALSE(KernelArchitecture("AMD64").ok());
}

TEST(ImageMetadata, FormatRoundTrips) {
  ImageMetadata m;
  m.architecture = "x86_64";
  m.creation_date = 1700000000;
  m.properties = {{"os", "busybox"}, {"description", "a: b"}};
  ImageTemplate t;
  t.when = {"create", "copy"};
  t.template_file = "hostname.tpl";
  m.templates["/etc/hostname"] = t;
  auto back = ParseImageMetadata(FormatImageMetadata(m));
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_EQ(back->architecture, "x86_64");
  EXPECT_EQ(back->creation_date, 1700000000);
  EXPECT_EQ(back->properties, m.properties);
  ASSERT_EQ(back->templates.count("/etc/hostname"), 1u);
  EXPECT_EQ(back->templates["/etc/hostname"].when, t.when);
  EXPECT_EQ(back->templates["/etc/hostname"].template_file, "hostname.tpl");
}

TEST(ImageMetadata, DebianArchitectureNames) {
  EXPECT_EQ(DebianArchitecture("x86_64").value(), "amd64");
  EXPECT_EQ(DebianArchitecture("amd64").value(), "amd64");
  EXPECT_EQ(DebianArchitecture("aarch64").value(), "arm64");
  EXPECT_EQ(DebianArchitecture("armv7l").value(), "armhf");
  EXPECT_EQ(DebianArchitecture("i686").value(), "i386");
  EXPECT_EQ(DebianArchitecture("ppc64le").value(), "ppc64el");
  EXPECT_EQ(DebianArchitecture("s390x").value(), "s390x");
  EXPECT_FALSE(DebianArchitecture("z80").ok());
}

}  // namespace
}  // namespace nest::core
