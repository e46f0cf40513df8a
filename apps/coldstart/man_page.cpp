// coldstart.1, written from the same CLI11 tree --help prints: descriptions, flags with their
// defaults and allowed values, and each command's examples footer.
#include <fmt/format.h>

#include "cli.hpp"

namespace coldstart::cli {

namespace {

// roff-escapes text: backslashes, leading dots/quotes, hyphens, and non-ASCII as \[uXXXX].
std::string roff(const std::string& text) {
  std::string out;
  bool line_start = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x80) {
      int extra = byte >= 0xF0 ? 3 : byte >= 0xE0 ? 2 : 1;
      unsigned code = byte & (0x3F >> extra);
      for (int k = 0; k < extra && i + 1 < text.size(); ++k) code = (code << 6) | (static_cast<unsigned char>(text[++i]) & 0x3F);
      out += fmt::format("\\[u{:04X}]", code);
      line_start = false;
      continue;
    }
    if (line_start && (c == '.' || c == '\'')) out += "\\&";
    if (c == '\\') out += "\\e";
    else if (c == '-') out += "\\-";
    else out += c;
    line_start = c == '\n';
  }
  return out;
}

std::string option_entry(const CLI::Option* opt) {
  std::string names;
  for (const auto& s : opt->get_snames()) names += (names.empty() ? "" : ", ") + std::string("\\fB\\-") + roff(s) + "\\fR";
  for (const auto& l : opt->get_lnames()) names += (names.empty() ? "" : ", ") + std::string("\\fB\\-\\-") + roff(l) + "\\fR";
  if (opt->get_positional()) names = "\\fI" + roff(opt->get_name()) + "\\fR";
  else if (opt->get_type_size_max() > 0 && !opt->get_type_name().empty()) names += " \\fI" + roff(opt->get_type_name()) + "\\fR";
  std::string desc = roff(opt->get_description());
  if (!opt->get_default_str().empty()) desc += " (default: " + roff(opt->get_default_str()) + ")";
  return ".TP\n" + names + "\n" + desc + "\n";
}

std::string command_section(const CLI::App* app, const std::string& path) {
  std::string out;
  if (!path.empty()) {
    std::string usage = "coldstart " + path;
    for (const CLI::Option* opt : app->get_options())
      if (opt->get_positional()) usage += " " + opt->get_name();
    out += ".SS \"" + roff(usage) + "\"\n" + roff(app->get_description()) + "\n";
    for (const CLI::Option* opt : app->get_options())
      if (opt->get_group().empty() || opt == app->get_help_ptr()) continue;
      else out += option_entry(opt);
    if (!app->get_footer().empty()) out += ".PP\n.nf\n" + roff(app->get_footer()) + "\n.fi\n";
  }
  for (const CLI::App* sub : app->get_subcommands({}))
    if (!sub->get_group().empty()) out += command_section(sub, path.empty() ? sub->get_name() : path + " " + sub->get_name());
  return out;
}

}  // namespace

std::string man_page(const CLI::App& root, const std::string& version) {
  std::string description = root.get_description();
  std::string summary = description.substr(0, description.find('\n'));
  if (auto colon = summary.find(": "); colon != std::string::npos) summary = summary.substr(colon + 2);
  std::string out = fmt::format(".TH COLDSTART 1 \"\" \"coldstart {}\" \"User Commands\"\n", version);
  out += ".SH NAME\ncoldstart \\- " + roff(summary) + "\n";
  out += ".SH SYNOPSIS\n.B coldstart\n[\\fIGLOBAL FLAGS\\fR] \\fICOMMAND\\fR [\\fIFLAGS\\fR] [\\fIARGS\\fR]\n";
  out += ".SH DESCRIPTION\n" + roff(description) + "\n";
  out += ".SH GLOBAL FLAGS\nThese apply to every command and may come before or after the command name.\n";
  for (const CLI::Option* opt : root.get_options())
    if (!opt->get_group().empty()) out += option_entry(opt);
  out += ".SH COMMANDS\n" + command_section(&root, "");
  out += ".SH EXAMPLES\n.nf\n" + roff(root.get_footer()) + "\n.fi\n";
  out += ".SH SEE ALSO\n\\fBskopeo\\fR(1), \\fBctr\\fR(8), \\fBkubectl\\fR(1)\n";
  return out;
}

}  // namespace coldstart::cli
