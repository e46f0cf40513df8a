// Help that guides: every command's --help also lists the global flags that apply to it (they
// are accepted before or after the command name), so they are never hidden.
#include "cli.hpp"

namespace coldstart::cli {

namespace {

class GuidingFormatter : public CLI::Formatter {
 public:
  std::string make_footer(const CLI::App* app) const override {
    const CLI::App* root = app;
    while (root->get_parent() != nullptr) root = root->get_parent();
    std::string out;
    if (root != app) {
      std::vector<const CLI::Option*> globals;
      for (const CLI::Option* opt : root->get_options())
        if (opt != root->get_help_ptr() && opt != root->get_help_all_ptr() && opt->get_lnames() != std::vector<std::string>{"version"} &&
            !opt->get_group().empty())
          globals.push_back(opt);
      out = make_group("Global flags (before or after the command)", false, globals) + "\n";
    }
    return out + CLI::Formatter::make_footer(app);
  }
};

}  // namespace

void use_guiding_help(CLI::App& app) { app.formatter(std::make_shared<GuidingFormatter>()); }

}  // namespace coldstart::cli
