#include "coldstart/analyze/model_weight_evidence.hpp"

#include <array>

#include "coldstart/analyze/content_category.hpp"

namespace coldstart::analyze {
namespace {

std::string_view parent_name(std::string_view path) {
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos || slash == 0) return {};
  auto dir = path.substr(0, slash);
  auto up = dir.rfind('/');
  return up == std::string_view::npos ? dir : dir.substr(up + 1);
}

bool under(std::string_view path, std::string_view dir) { return path.substr(0, dir.size()) == dir; }

unsigned byte(std::string_view head, std::size_t i) { return static_cast<unsigned char>(head[i]); }

// torch.save writes a zip whose first entry is "<name>/data.pkl" (older: "<name>/version").
bool is_pytorch_zip(std::string_view head) {
  if (head.size() < 30 || head.substr(0, 4) != std::string_view("PK\x03\x04", 4)) return false;
  std::size_t name_length = byte(head, 26) | (byte(head, 27) << 8);
  if (30 + name_length > head.size()) return false;
  auto name = head.substr(30, name_length);
  for (std::string_view tail : {"/data.pkl", "/version", "/.format_version", "/byteorder"})
    if (name.size() >= tail.size() && name.substr(name.size() - tail.size()) == tail) return true;
  return false;
}

// A pickle stream starts with PROTO (0x80) and a protocol number; torch's legacy format uses 2.
bool is_pickle(std::string_view head) { return head.size() >= 2 && byte(head, 0) == 0x80 && byte(head, 1) >= 2 && byte(head, 1) <= 5; }

// ONNX ModelProto: field 1 ir_version (tag 0x08) with a small varint, then another ModelProto field.
bool is_onnx(std::string_view head) {
  if (head.size() < 3 || byte(head, 0) != 0x08 || byte(head, 1) < 1 || byte(head, 1) > 15) return false;
  static constexpr std::array<unsigned, 7> kNextTags = {0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42};
  for (unsigned tag : kNextTags)
    if (byte(head, 2) == tag) return true;
  return false;
}

}  // namespace

std::string_view model_weight_evidence(std::string_view path, std::string_view head, std::uint64_t size) {
  auto format = model_weight_format(path);
  if (format.empty() || format == "safetensors") return {};
  // site.py reads every *.pth directly in a site directory as a list of paths (distutils-precedence.pth).
  auto parent = parent_name(path);
  if (format == "pth" && (parent.ends_with("site-packages") || parent.ends_with("dist-packages"))) return {};
  if (head.substr(0, 4) == "GGUF") return "gguf magic";
  // Legacy ggml/llama.cpp files: the magic is a little-endian uint32 ("ggml", "ggjt", "ggmf", "ggla").
  for (std::string_view magic : {"lmgg", "tjgg", "fmgg", "algg"})
    if (head.substr(0, 4) == magic) return "ggml magic";
  if (is_pytorch_zip(head)) return "pytorch zip";
  if (is_pickle(head)) return "pickle";
  if (format == "onnx" && is_onnx(head)) return "onnx protobuf";
  // No magic: only a large file outside firmware and Python packages (e.g. raw fp16 dumps).
  if (format != "onnx" && format != "gguf" && size >= kUnrecognisedWeightMinBytes && !under(path, "/lib/firmware/") &&
      !under(path, "/usr/lib/firmware/") && path.find("-packages/") == std::string_view::npos)
    return "size";
  return {};
}

}  // namespace coldstart::analyze
