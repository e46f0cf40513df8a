// Rendering results: a human table by default, or json / yaml / markdown with stable schemas.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace coldstart {

enum class OutputFormat { table, json, yaml, markdown };

// "table" | "json" | "yaml" | "markdown" (also "md"); throws UsageError otherwise.
OutputFormat parse_output_format(std::string_view name);
std::string to_string(OutputFormat format);

enum class Align { left, right };

// A plain-text table (aligned columns, like kubectl/crane) that can also render as Markdown.
class Table {
 public:
  struct Column {
    std::string header;
    Align align = Align::left;
  };
  explicit Table(std::vector<Column> columns);
  void add_row(std::vector<std::string> cells);
  // A separator line before the next row (e.g. before a totals row).
  void add_separator();
  std::string render_text() const;
  std::string render_markdown() const;
  std::size_t rows() const { return rows_.size(); }

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;  // an empty row is a separator
};

// Tables fit this many terminal columns (0 = no limit, the default): the widest columns are cut in
// the middle ("sha256:4f2e…9ac1"). main sets it from the terminal unless --no-trunc.
void set_table_width(std::size_t columns);
std::size_t table_width();
// `text` cut to `width` code points by replacing its middle with "…".
std::string truncate_middle(const std::string& text, std::size_t width);

// JSON document -> YAML text (block style, keys in the JSON's order).
std::string json_to_yaml(const nlohmann::ordered_json& doc);
// Pretty JSON with 2-space indent and trailing newline; bytes that are not UTF-8 become U+FFFD.
std::string json_to_text(const nlohmann::ordered_json& doc);

// Renders a structured result: json/yaml from `doc`; table/markdown via the caller's renderer.
// Writes to stdout.
void print_document(OutputFormat format, const nlohmann::ordered_json& doc, const std::string& table_text,
                    const std::string& markdown_text);

}  // namespace coldstart
