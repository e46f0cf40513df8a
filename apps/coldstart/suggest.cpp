// "did you mean ...": after a parse error, argv is walked again the way CLI11 reads it (commands
// descend, flags that take a value skip it) to find the first mistyped command or flag, and the
// closest known name is proposed.
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "cli.hpp"

namespace coldstart::cli {

namespace {

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// The closest candidate within a third of the word's length (at least 2 edits), or a unique prefix.
std::string closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (const auto& c : candidates) {
    std::size_t d = edit_distance(word, c);
    if (d < best_distance) best_distance = d, best = c;
  }
  std::size_t allowed = std::max<std::size_t>(2, word.size() / 3);
  if (best_distance <= allowed) return best;
  std::vector<std::string> prefixed;
  for (const auto& c : candidates)
    if (word.size() >= 2 && c.rfind(word, 0) == 0) prefixed.push_back(c);
  return prefixed.size() == 1 ? prefixed[0] : "";
}

const CLI::Option* find_flag(const std::vector<const CLI::App*>& chain, const std::string& name) {
  for (const CLI::App* app : chain) {
    try {
      if (const CLI::Option* opt = app->get_option_no_throw(name)) return opt;
    } catch (const std::exception&) {
    }
  }
  return nullptr;
}

std::vector<std::string> flag_names(const std::vector<const CLI::App*>& chain) {
  std::vector<std::string> names;
  for (const CLI::App* app : chain)
    for (const CLI::Option* opt : app->get_options()) {
      if (opt->get_positional() || (app->get_parent() && opt->get_lnames() == std::vector<std::string>{"version"})) continue;
      for (const auto& l : opt->get_lnames()) names.push_back("--" + l);
    }
  return names;
}

std::vector<std::string> command_names(const CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app->get_subcommands({}))
    if (!sub->get_group().empty()) names.push_back(sub->get_name());
  return names;
}

std::string command_path(const std::vector<const CLI::App*>& chain) {
  std::string path;
  for (const CLI::App* app : chain) path += (path.empty() ? "" : " ") + app->get_name();
  return path;
}

}  // namespace

std::string suggest_for_parse_error(const CLI::App& root, int argc, const char* const* argv) {
  std::vector<const CLI::App*> chain{&root};
  for (int i = 1; i < argc; ++i) {
    std::string token = argv[i];
    if (token == "--") break;
    if (token.size() > 1 && token[0] == '-') {
      std::string name = token.substr(0, token.find('='));
      if (name.size() > 2 && name[1] != '-') name = name.substr(0, 2);  // -ojson, -qv
      const CLI::Option* opt = find_flag(chain, name);
      if (opt == nullptr) {
        if (name.rfind("--", 0) != 0) return "";
        std::string guess = closest(name, flag_names(chain));
        std::string help = command_path(chain) + " --help";
        if (guess.empty()) return fmt::format("unknown flag {} for {} (see {})", name, command_path(chain), help);
        return fmt::format("unknown flag {}; did you mean {}? (see {})", name, guess, help);
      }
      if (opt->get_expected_min() > 0 && token.find('=') == std::string::npos && name == token) ++i;
      continue;
    }
    const CLI::App* current = chain.back();
    const CLI::App* sub = nullptr;
    for (const CLI::App* candidate : current->get_subcommands({}))
      if (candidate->check_name(token)) sub = candidate;
    if (sub != nullptr) {
      chain.push_back(sub);
      continue;
    }
    std::vector<std::string> commands = command_names(current);
    if (commands.empty()) continue;  // a positional argument of a leaf command
    std::string guess = closest(token, commands);
    std::string where = command_path(chain);
    if (guess.empty()) {
      std::string list;
      for (const auto& c : commands) list += (list.empty() ? "" : ", ") + c;
      return fmt::format("unknown command '{}' for {} (commands: {})", token, where, list);
    }
    return fmt::format("unknown command '{}'; did you mean '{} {}'? (see {} --help)", token, where, guess, where);
  }
  return "";
}

}  // namespace coldstart::cli
