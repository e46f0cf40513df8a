#include <doctest/doctest.h>

#include "coldstart/analyze/content_category.hpp"


using namespace coldstart::analyze;

TEST_CASE("paths are put in the right content category") {
  CHECK(categorize_path("/usr/local/cuda-12.2/lib64/libcublas.so.12") == ContentCategory::cuda_nvidia);
  CHECK(categorize_path("/usr/lib/x86_64-linux-gnu/libcudnn_ops_infer.so.8") == ContentCategory::cuda_nvidia);
  CHECK(categorize_path("/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1") == ContentCategory::cuda_nvidia);
  CHECK(categorize_path("/usr/local/lib/python3.10/dist-packages/nvidia/cublas/lib/libcublasLt.so.12") ==
        ContentCategory::cuda_nvidia);
  CHECK(categorize_path("/usr/lib/x86_64-linux-gnu/libcurl.so.4") == ContentCategory::other);
  CHECK(categorize_path("/usr/lib/x86_64-linux-gnu/libcups.so.2") == ContentCategory::other);
  CHECK(categorize_path("/usr/local/lib/python3.11/site-packages/torch/__init__.py") ==
        ContentCategory::python_packages);
  CHECK(categorize_path("/opt/site-packages-notes.txt") == ContentCategory::other);
  CHECK(categorize_path("/var/lib/apt/lists/deb.debian.org_Packages") == ContentCategory::package_caches);
  CHECK(categorize_path("/root/.cache/pip/http/a/b") == ContentCategory::package_caches);
  CHECK(categorize_path("/home/app/.cache/pip/wheels/x.whl") == ContentCategory::package_caches);
  CHECK(categorize_path("/root/.cache/huggingface/hub/config.json") == ContentCategory::other);
  // A name is no evidence of weights: deep analysis decides model_weights from the content.
  CHECK(categorize_path("/root/.cache/huggingface/hub/model.safetensors") == ContentCategory::other);
  CHECK(categorize_path("/usr/lib/python3/dist-packages/distutils-precedence.pth") == ContentCategory::python_packages);
  CHECK(categorize_path("/usr/bin/python3") == ContentCategory::other);
  CHECK(model_weight_format("/m/pytorch_model.bin") == "bin");
  CHECK(model_weight_format("/m/model.onnx") == "onnx");
  CHECK(model_weight_format("/m/.pt").empty());
  CHECK(model_weight_format("/usr/bin").empty());
  CHECK(to_string(ContentCategory::package_caches) == "package_caches");
}

TEST_CASE("NVIDIA libraries are recognised by family, not by a bare libnv prefix") {
  for (const char* path : {"/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.535.104.05", "/usr/lib/libnvrtc.so.12",
                           "/usr/lib/x86_64-linux-gnu/libnvjpeg.so.12", "/opt/lib/libnvToolsExt.so.1",
                           "/usr/lib/x86_64-linux-gnu/libnvinfer.so.8", "/usr/lib/x86_64-linux-gnu/libnvinfer_plugin.so.8",
                           "/usr/lib/x86_64-linux-gnu/libnccl.so.2", "/usr/lib/libcudart.so.12",
                           "/usr/lib/libcublasLt.so.12", "/usr/lib/libnvJitLink.so.12", "/usr/lib/libnvonnxparser.so.8",
                           "/usr/local/cuda/bin/nvcc", "/usr/local/cuda-12.2/targets/x86_64-linux/include/cuda.h"}) {
    CAPTURE(path);
    CHECK(categorize_path(path) == ContentCategory::cuda_nvidia);
  }
  for (const char* path : {"/lib/x86_64-linux-gnu/libnvpair.so.3", "/usr/lib/x86_64-linux-gnu/libnvme.so.1",
                           "/usr/lib/x86_64-linux-gnu/libnvme-mi.so.1", "/usr/lib/libcurl.so.4",
                           "/usr/lib/x86_64-linux-gnu/libcups.so.2", "/usr/lib/libcurses.so"}) {
    CAPTURE(path);
    CHECK(categorize_path(path) == ContentCategory::other);
  }
}
