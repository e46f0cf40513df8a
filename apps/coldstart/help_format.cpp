// Help that guides: every command's --help also lists the global flags that apply to it (they
// are accepted before or after the command name), so they are never hidden.
#include <map>
#include <set>

#include "cli.hpp"

namespace coldstart::cli {

namespace {

// Per command: global flags (long names) that do nothing for it, left out of its help.
std::map<const CLI::App*, std::set<std::string>>& hidden_globals() {
  static std::map<const CLI::App*, std::set<std::string>> hidden;
  return hidden;
}

bool applies(const CLI::App* app, const CLI::Option* opt) {
  if (opt->get_lnames().empty()) return true;
  for (; app != nullptr; app = app->get_parent())
    if (auto it = hidden_globals().find(app); it != hidden_globals().end() && it->second.count(opt->get_lnames().front()))
      return false;
  return true;
}

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
            !opt->get_group().empty() && applies(app, opt))
          globals.push_back(opt);
      out = make_group("Global flags (before or after the command)", false, globals) + "\n";
    }
    return out + CLI::Formatter::make_footer(app);
  }
};

}  // namespace

void use_guiding_help(CLI::App& app) { app.formatter(std::make_shared<GuidingFormatter>()); }

void hide_global_flags_in_help(const CLI::App* command, const std::vector<std::string>& long_names) {
  hidden_globals()[command].insert(long_names.begin(), long_names.end());
}

}  // namespace coldstart::cli
