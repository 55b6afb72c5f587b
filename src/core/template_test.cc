#include "core/template.h"

#include <gtest/gtest.h>

namespace nest::core {
namespace {

TemplateContext Ctx() {
  TemplateContext c;
  c.name = "c1";
  c.architecture = "x86_64";
  c.trigger = "create";
  c.config = {{"user.greeting", "hello"}};
  c.properties = {{"mode", "0644"}};
  return c;
}

TEST(Template, RendersWhatImagesUse) {
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"{{ container.name }}\n", "c1\n"},
      {"127.0.1.1 {{instance.name}}\n", "127.0.1.1 c1\n"},
      {"{{ config_get(\"user.greeting\", \"hi\") }}", "hello"},
      {"{{ config_get(\"user.none\", \"hi\") }}", "hi"},
      {"{{ properties.mode }}-{{ trigger }}", "0644-create"},
      {"{{ properties.none|default:\"x\" }}", "x"},
      {"a { b } c", "a { b } c"},
      {"{{ container.privileged }}", "false"},
  };
  for (const auto& c : cases) {
    auto r = RenderTemplate(c.in, Ctx());
    ASSERT_TRUE(r.ok()) << c.in << ": " << r.error().message();
    EXPECT_EQ(*r, c.out) << c.in;
  }
}

TEST(Template, RefusesWhatItCannotRender) {
  for (const char* bad : {"{{ container.name", "{% if x %}y{% endif %}", "{{ nope }}",
                          "{{ container.uid }}", "{{ config_get(user.x) }}"}) {
    auto r = RenderTemplate(bad, Ctx());
    EXPECT_FALSE(r.ok()) << bad;
  }
}

}  // namespace
}  // namespace nest::core
