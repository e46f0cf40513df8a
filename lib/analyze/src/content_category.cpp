// Path rules for content categories. They look only at the path, so they work while streaming;
// model weights need content evidence (model_weight_evidence.hpp).
#include "coldstart/analyze/content_category.hpp"

#include <array>
#include <cctype>
#include <string>

namespace coldstart::analyze {
namespace {

bool starts_with(std::string_view text, std::string_view prefix) { return text.substr(0, prefix.size()) == prefix; }

std::string_view basename(std::string_view path) {
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

// True when `path` has `component` as one of its directory components.
bool has_component(std::string_view path, std::string_view component) {
  std::size_t pos = 0;
  while ((pos = path.find(component, pos)) != std::string_view::npos) {
    bool left = pos == 0 || path[pos - 1] == '/';
    std::size_t end = pos + component.size();
    bool right = end == path.size() || path[end] == '/';
    if (left && right) return true;
    pos = end;
  }
  return false;
}

// Library names shipped by CUDA, cuDNN, NCCL, TensorRT and the NVIDIA driver. "libcu" alone would
// also catch libcurl and libcups, and "libnv" libnvpair (ZFS) and libnvme, so the families are listed.
constexpr std::array kNvidiaLibraryPrefixes = {
    std::string_view("libcuda"),       std::string_view("libcublas"),    std::string_view("libcufft"),
    std::string_view("libcufile"),     std::string_view("libcurand"),    std::string_view("libcusparse"),
    std::string_view("libcusolver"),   std::string_view("libcupti"),     std::string_view("libcudnn"),
    std::string_view("libcutensor"),   std::string_view("libcutlass"),   std::string_view("libcuinj"),
    std::string_view("libnccl"),       std::string_view("libnpp"),       std::string_view("libnvidia-"),
    std::string_view("libnvrtc"),      std::string_view("libnvjpeg"),    std::string_view("libnvToolsExt"),
    std::string_view("libnvtx"),       std::string_view("libnvinfer"),   std::string_view("libnvonnxparser"),
    std::string_view("libnvparsers"),  std::string_view("libnvJitLink"), std::string_view("libnvjitlink"),
    std::string_view("libnvblas"),     std::string_view("libnvcuvid"),   std::string_view("libnvoptix"),
    std::string_view("libnvvm"),       std::string_view("libnvgraph"),   std::string_view("libnvcomp"),
    std::string_view("libnvshmem"),    std::string_view("libnvperf"),    std::string_view("libnvfatbin"),
    std::string_view("libnvdisasm"),   std::string_view("libnvptxcompiler"), std::string_view("libnvrm"),
    std::string_view("libnvcv"),       std::string_view("libnvos"),      std::string_view("libnvdc"),
};

bool is_cuda_nvidia(std::string_view path) {
  if (starts_with(path, "/usr/local/cuda") || starts_with(path, "/usr/local/nvidia") ||
      starts_with(path, "/opt/nvidia") || starts_with(path, "/usr/lib/nvidia") ||
      has_component(path, "nccl"))
    return true;
  // pip wheels nvidia-cublas-cu12 etc. install under site-packages/nvidia/
  if (path.find("-packages/nvidia/") != std::string_view::npos) return true;
  auto name = basename(path);
  if (name.find(".so") == std::string_view::npos && name.find(".a") == std::string_view::npos) return false;
  for (auto prefix : kNvidiaLibraryPrefixes)
    if (starts_with(name, prefix)) return true;
  return false;
}

bool is_package_cache(std::string_view path) {
  if (starts_with(path, "/var/lib/apt/lists/") || starts_with(path, "/var/cache/apt/") ||
      starts_with(path, "/var/cache/apk/") || starts_with(path, "/var/cache/yum/") ||
      starts_with(path, "/var/cache/dnf/") || starts_with(path, "/root/.cache/") ||
      starts_with(path, "/opt/conda/pkgs/"))
    return true;
  // ~/.cache/pip and ~/.npm of any user
  return path.find("/.cache/pip/") != std::string_view::npos || path.find("/.npm/_cacache/") != std::string_view::npos;
}

}  // namespace

std::string_view to_string(ContentCategory category) {
  switch (category) {
    case ContentCategory::cuda_nvidia: return "cuda_nvidia";
    case ContentCategory::python_packages: return "python_packages";
    case ContentCategory::model_weights: return "model_weights";
    case ContentCategory::package_caches: return "package_caches";
    case ContentCategory::other: break;
  }
  return "other";
}

std::string_view model_weight_format(std::string_view path) {
  auto name = basename(path);
  auto dot = name.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  std::string ext(name.substr(dot + 1));
  for (auto& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  static constexpr std::array kFormats = {std::string_view("safetensors"), std::string_view("bin"),
                                          std::string_view("pt"),          std::string_view("pth"),
                                          std::string_view("ckpt"),        std::string_view("gguf"),
                                          std::string_view("onnx")};
  for (auto format : kFormats)
    if (ext == format) return format;
  return {};
}

ContentCategory categorize_path(std::string_view path) {
  if (is_cuda_nvidia(path)) return ContentCategory::cuda_nvidia;
  // A HuggingFace cache holds weights (model_weights by content) and their configs; pip's cache is a
  // package cache.
  if (is_package_cache(path) && path.find("/.cache/huggingface/") == std::string_view::npos)
    return ContentCategory::package_caches;
  if (has_component(path, "site-packages") || has_component(path, "dist-packages"))
    return ContentCategory::python_packages;
  return ContentCategory::other;
}

}  // namespace coldstart::analyze
