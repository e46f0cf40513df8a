// What a file in an image is, judged by its path: CUDA/NVIDIA libraries, Python packages,
// model weights, package-manager caches, or other.
#pragma once
#include <cstddef>
#include <string_view>

namespace coldstart::analyze {

enum class ContentCategory { cuda_nvidia, python_packages, model_weights, package_caches, other };
constexpr std::size_t kContentCategoryCount = 5;

// "cuda_nvidia", "python_packages", "model_weights", "package_caches", "other".
std::string_view to_string(ContentCategory category);

// `path` is absolute ("/usr/local/cuda/lib64/libcublas.so.12"). First match wins in this order:
// CUDA/NVIDIA, package caches, Python packages, other. Never model_weights: a name is no evidence
// of weights (distutils-precedence.pth is a text file); deep analysis gives that category to files
// whose content says so (model_weight_evidence.hpp).
ContentCategory categorize_path(std::string_view path);

// The model-weight extension of `path` ("safetensors", "gguf", ...) or empty when it is none: the
// files whose first bytes deep analysis inspects.
std::string_view model_weight_format(std::string_view path);

}  // namespace coldstart::analyze
