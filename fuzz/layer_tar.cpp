// A layer blob walked as deep analysis walks it: decompression (gzip, zstd or plain, by media type
// and magic), libarchive's tar entries, whiteouts and opaque markers applied over a lower layer,
// safetensors headers and weight sniffing.
//
// Input: one control byte, then the layer. Control bits 0-1: 0 the bytes as they are (the magic
// decides), 1 gzip them here, 2 zstd them here (so the fuzzer mutates the tar inside a valid
// stream), 3 as they are but under a gzip media type. Bit 2: pipelined (threads) or not.
#include <zlib.h>
#include <zstd.h>

#include <string>

#include "coldstart/analyze/deep_analysis.hpp"
#include "coldstart/core/output.hpp"
#include "fuzz_common.hpp"
#include "memory_stream.hpp"

using namespace coldstart;

namespace {

std::string gzip(std::string_view bytes) {
  z_stream z{};
  deflateInit2(&z, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&z, bytes.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  z.avail_in = static_cast<uInt>(bytes.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string zstd(std::string_view bytes) {
  std::string out(ZSTD_compressBound(bytes.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), bytes.data(), bytes.size(), 1));
  return out;
}

// Serves the same blob for every layer; nothing is digest-verified (the fuzzer could not match a digest).
class MemorySource : public image::Source {
 public:
  explicit MemorySource(std::string_view blob) : blob_(blob) {}
  std::string describe() const override { return "fuzz"; }
  image::ResolvedImage resolve() override { throw Error("not used"); }
  std::unique_ptr<image::ByteStream> open_blob(const image::Descriptor&) override {
    return std::make_unique<fuzz::MemoryStream>(blob_);
  }

 private:
  std::string_view blob_;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fuzz::quiet_logs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::uint8_t control = data[0];
  auto layer = fuzz::as_text(data + 1, size - 1);
  std::string blob;
  std::string media_type;
  switch (control & 3) {
    case 0: blob = layer; break;
    case 1: blob = gzip(layer); break;
    case 2: blob = zstd(layer); break;
    case 3: blob = layer, media_type = "application/vnd.oci.image.layer.v1.tar+gzip"; break;
  }
  MemorySource source(blob);
  image::ResolvedImage image;
  image.reference = "fuzz";
  // Twice the same layer: the upper copy's whiteouts and opaque markers hide the lower's entries.
  for (int i = 0; i < 2; ++i)
    image.manifest.layers.push_back({media_type, "sha256:fuzz", static_cast<std::int64_t>(blob.size()), {}, {}, {}});
  analyze::DeepOptions options;
  options.parallel_layers = 1;
  options.pipelined_layers = (control & 4) != 0;
  options.max_safetensors_header = 1 << 20;
  fuzz::expect_error_only([&] {
    auto report = analyze::analyze_deep(source, image, options);
    (void)analyze::render_table(report);
    // As `analyze --deep -o json|yaml` writes it.
    (void)json_to_text(analyze::to_json(report));
    (void)json_to_yaml(analyze::to_json(report));
  });
  return 0;
}
