#include "coldstart/core/output.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "coldstart/core/error.hpp"
#include "coldstart/core/one_line.hpp"

namespace coldstart {

OutputFormat parse_output_format(std::string_view name) {
  if (name == "table" || name == "text") return OutputFormat::table;
  if (name == "json") return OutputFormat::json;
  if (name == "yaml" || name == "yml") return OutputFormat::yaml;
  if (name == "markdown" || name == "md") return OutputFormat::markdown;
  throw UsageError("unknown output format '" + std::string(name) + "'", "use -o table, json, yaml or markdown");
}

std::string to_string(OutputFormat format) {
  switch (format) {
    case OutputFormat::table: return "table";
    case OutputFormat::json: return "json";
    case OutputFormat::yaml: return "yaml";
    case OutputFormat::markdown: return "markdown";
  }
  return "table";
}

Table::Table(std::vector<Column> columns) : columns_(std::move(columns)) {}

void Table::add_row(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  for (auto& cell : cells) cell = one_line(cell);  // a cell is one line of plain text
  rows_.push_back(std::move(cells));
}

void Table::add_separator() { rows_.emplace_back(); }

// Display width in code points, so UTF-8 cells (e.g. "≥") still align.
static std::size_t display_width(const std::string& s) {
  std::size_t n = 0;
  for (unsigned char c : s)
    if ((c & 0xC0) != 0x80) ++n;
  return n;
}

static std::size_t g_table_width = 0;
void set_table_width(std::size_t columns) { g_table_width = columns; }
std::size_t table_width() { return g_table_width; }

std::string truncate_middle(const std::string& text, std::size_t width) {
  std::size_t length = display_width(text);
  if (length <= width) return text;
  // Byte offset of the n-th code point.
  auto offset = [&](std::size_t n) {
    std::size_t i = 0;
    for (; i < text.size(); ++i)
      if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && n-- == 0) break;
    return i;
  };
  if (width < 3) return text.substr(0, offset(width));
  std::size_t keep = width - 1, head = (keep + 1) / 2, tail = keep / 2;
  return text.substr(0, offset(head)) + "\u2026" + text.substr(offset(length - tail));
}

std::string Table::render_text() const {
  std::vector<std::size_t> width(columns_.size());
  for (std::size_t i = 0; i < columns_.size(); ++i) width[i] = display_width(columns_[i].header);
  for (const auto& row : rows_)
    for (std::size_t i = 0; i < row.size(); ++i) width[i] = std::max(width[i], display_width(row[i]));
  if (g_table_width > 0) {
    // Narrow the widest column first, never below a readable minimum, until the table fits.
    constexpr std::size_t kMinColumn = 12;
    std::size_t total = 0;
    for (auto w : width) total += w + 2;
    total -= 2;
    while (total > g_table_width) {
      auto widest = std::max_element(width.begin(), width.end());
      if (*widest <= kMinColumn) break;
      std::size_t cut = std::min(total - g_table_width, *widest - kMinColumn);
      cut = std::max<std::size_t>(1, std::min(cut, *widest - std::max(kMinColumn, *widest / 2)));
      *widest -= cut;
      total -= cut;
    }
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      const std::string cell = truncate_middle(cells[i], width[i]);
      std::size_t pad = width[i] - display_width(cell);
      bool last = i + 1 == columns_.size();
      if (columns_[i].align == Align::right) out += std::string(pad, ' ') + cell;
      else out += cell + (last ? "" : std::string(pad, ' '));
      if (!last) out += "  ";
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::vector<std::string> headers;
  for (const auto& c : columns_) headers.push_back(c.header);
  std::string out = line(headers);
  std::size_t total = 0;
  for (auto w : width) total += w + 2;
  for (const auto& row : rows_) {
    if (row.empty()) out += std::string(total >= 2 ? total - 2 : 0, '-') + "\n";
    else out += line(row);
  }
  return out;
}

static std::string md_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '|') out += "\\|";
    else if (c == '\n') out += ' ';
    else out += c;
  }
  return out;
}

std::string Table::render_markdown() const {
  std::string out = "|";
  for (const auto& c : columns_) out += " " + md_escape(c.header) + " |";
  out += "\n|";
  for (const auto& c : columns_) out += c.align == Align::right ? " ---: |" : " --- |";
  out += "\n";
  for (const auto& row : rows_) {
    if (row.empty()) continue;
    out += "|";
    for (const auto& cell : row) out += " " + md_escape(cell) + " |";
    out += "\n";
  }
  return out;
}

// YAML 1.1 readers (PyYAML, the Kubernetes validators) also type timestamps, sexagesimals and
// yes/no/on/off; yaml-cpp does not, so quote anything that starts like a number or is such a word.
static bool looks_like_yaml11_scalar(const std::string& s) {
  static const char* words[] = {"y", "n", "yes", "no", "on", "off", "true", "false", "null"};
  std::string lower;
  for (char c : s) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  for (const char* w : words)
    if (lower == w) return true;
  std::size_t i = (s[0] == '+' || s[0] == '-' || s[0] == '.') ? 1 : 0;
  return i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]));
}

// Names from hostile images need not be UTF-8 (a tar path is bytes): JSON and YAML output must
// stay valid, so invalid bytes become U+FFFD instead of an exception half-way through printing.
static std::string valid_utf8(const std::string& s) {
  for (unsigned char c : s)
    if (c >= 0x80) {
      auto quoted = nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
      return nlohmann::json::parse(quoted).get<std::string>();
    }
  return s;
}

static void emit_yaml(YAML::Emitter& out, const nlohmann::ordered_json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::object:
      out << YAML::BeginMap;
      for (auto it = j.begin(); it != j.end(); ++it) {
        out << YAML::Key << valid_utf8(it.key()) << YAML::Value;
        emit_yaml(out, it.value());
      }
      out << YAML::EndMap;
      break;
    case nlohmann::json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& v : j) emit_yaml(out, v);
      out << YAML::EndSeq;
      break;
    case nlohmann::json::value_t::string: {
      const std::string s = valid_utf8(j.get_ref<const std::string&>());
      // Quote strings YAML would otherwise read as another type ("true", "1.0", "" ...).
      YAML::Node probe;
      bool ambiguous = s.empty();
      if (!ambiguous) {
        try {
          probe = YAML::Load(s);
          ambiguous = !probe.IsScalar() || probe.Tag() != "?" || s != probe.Scalar();
          if (!ambiguous) {
            bool b;
            double d;
            ambiguous = YAML::convert<bool>::decode(probe, b) || YAML::convert<double>::decode(probe, d) ||
                        s == "null" || s == "~" || looks_like_yaml11_scalar(s);
          }
        } catch (...) {
          ambiguous = true;
        }
      }
      if (ambiguous) out << YAML::DoubleQuoted << s;
      else out << s;
      break;
    }
    case nlohmann::json::value_t::boolean: out << (j.get<bool>() ? "true" : "false"); break;
    case nlohmann::json::value_t::number_integer: out << j.get<long long>(); break;
    case nlohmann::json::value_t::number_unsigned: out << j.get<unsigned long long>(); break;
    case nlohmann::json::value_t::number_float: out << j.dump(); break;
    default: out << YAML::Null; break;
  }
}

std::string json_to_yaml(const nlohmann::ordered_json& doc) {
  YAML::Emitter out;
  out.SetIndent(2);
  out.SetSeqFormat(YAML::Block);
  emit_yaml(out, doc);
  std::string s = out.c_str();
  if (s.empty() || s.back() != '\n') s += '\n';
  return s;
}

std::string json_to_text(const nlohmann::ordered_json& doc) {
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

void print_document(OutputFormat format, const nlohmann::ordered_json& doc, const std::string& table_text,
                    const std::string& markdown_text) {
  std::string s;
  switch (format) {
    case OutputFormat::json: s = json_to_text(doc); break;
    case OutputFormat::yaml: s = json_to_yaml(doc); break;
    case OutputFormat::markdown: s = markdown_text; break;
    case OutputFormat::table: s = table_text; break;
  }
  std::fwrite(s.data(), 1, s.size(), stdout);
  std::fflush(stdout);
}

}  // namespace coldstart
