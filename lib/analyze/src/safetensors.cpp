// safetensors headers parsed with a SAX handler: a 100 MB header must not become a 1 GB DOM.
#include "coldstart/analyze/safetensors.hpp"

#include <nlohmann/json.hpp>

#include <fmt/format.h>

#include <string>

#include "coldstart/core/error.hpp"

namespace coldstart::analyze {
namespace {

// Walks {"name": {"dtype": "F16", "shape": [4096, 4096], "data_offsets": [a, b]}, "__metadata__": {...}}.
class HeaderHandler : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit HeaderHandler(std::string_view what) : what_(what) {}

  SafetensorsSummary summary;
  std::string problem;  // set when the structure is wrong (parsing then stops)

  bool null() override { return value("null"); }
  bool boolean(bool) override { return value("a boolean"); }
  bool number_integer(number_integer_t v) override {
    if (v < 0 && in_shape()) return fail(fmt::format("tensor '{}' has a negative dimension", tensor_));
    return number(static_cast<std::uint64_t>(v));
  }
  bool number_unsigned(number_unsigned_t v) override { return number(v); }
  bool number_float(number_float_t, const string_t&) override {
    if (in_shape()) return fail(fmt::format("tensor '{}' has a non-integer dimension", tensor_));
    return value("a number");
  }
  bool string(string_t& s) override {
    if (depth_ == 2 && !skipping_ && field_ == "dtype") {
      dtype_ = s;
      return true;
    }
    return value("a string");
  }
  bool binary(binary_t&) override { return value("binary"); }

  bool start_object(std::size_t) override {
    ++depth_;
    if (depth_ == 1) return true;
    if (depth_ == 2 && !skipping_) {
      dtype_.clear();
      shape_seen_ = false;
      product_ = 1;
      return true;
    }
    if (!skipping_) return fail(fmt::format("tensor '{}' has an unexpected object in '{}'", tensor_, field_));
    return true;
  }
  bool end_object() override {
    if (depth_ == 2 && !skipping_) {
      if (dtype_.empty()) return fail(fmt::format("tensor '{}' has no dtype", tensor_));
      if (!shape_seen_) return fail(fmt::format("tensor '{}' has no shape", tensor_));
      ++summary.tensor_count;
      ++summary.dtypes[dtype_];
      if (__builtin_add_overflow(summary.parameter_count, product_, &summary.parameter_count))
        return fail("the parameter count overflows 64 bits");
    }
    if (depth_ == 2) skipping_ = false;
    --depth_;
    return true;
  }
  bool start_array(std::size_t) override {
    ++depth_;
    if (depth_ == 1) return fail("the header is an array, not an object");
    if (depth_ == 2 && !skipping_) return fail(fmt::format("tensor '{}' is not an object", tensor_));
    if (depth_ == 3 && !skipping_ && field_ == "shape") {
      shape_seen_ = true;
      product_ = 1;
    }
    return true;
  }
  bool end_array() override {
    --depth_;
    return true;
  }
  bool key(string_t& k) override {
    if (depth_ == 1) {
      tensor_ = k;
      skipping_ = k == "__metadata__";
    } else if (depth_ == 2) {
      field_ = k;
    }
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& ex) override {
    if (problem.empty()) problem = fmt::format("invalid JSON at byte {}: {}", position, ex.what());
    return false;
  }

 private:
  bool in_shape() const { return depth_ == 3 && !skipping_ && field_ == "shape"; }
  bool number(std::uint64_t v) {
    if (in_shape()) {
      if (__builtin_mul_overflow(product_, v, &product_))
        return fail(fmt::format("tensor '{}' has a shape whose element count overflows 64 bits", tensor_));
      return true;
    }
    return value("a number");
  }
  // A scalar where the structure allows it (inside metadata, data_offsets) is fine; elsewhere not.
  bool value(const char* kind) {
    if (in_shape()) return fail(fmt::format("tensor '{}' has {} as a dimension", tensor_, kind));
    if (depth_ == 0) return fail(fmt::format("the header is {}, not an object", kind));
    if (depth_ == 1 && !skipping_) return fail(fmt::format("tensor '{}' is {}, not an object", tensor_, kind));
    return true;
  }
  bool fail(std::string message) {
    if (problem.empty()) problem = std::move(message);
    return false;
  }

  std::string_view what_;
  int depth_ = 0;
  bool skipping_ = false;
  bool shape_seen_ = false;
  std::string tensor_, field_, dtype_;
  std::uint64_t product_ = 1;
};

void read_exactly(image::ByteStream& stream, char* buffer, std::size_t size, std::string_view what, const char* part) {
  std::size_t got = 0;
  while (got < size) {
    std::size_t n = stream.read(buffer + got, size - got);
    if (n == 0)
      throw Error(fmt::format("{}: safetensors file ends inside its {} ({} of {} bytes)", what, part, got, size),
                  "the file is truncated");
    got += n;
  }
}

}  // namespace

SafetensorsSummary parse_safetensors_header(std::string_view json, std::string_view what) {
  HeaderHandler handler(what);
  bool ok = nlohmann::json::sax_parse(json.begin(), json.end(), &handler);
  if (!ok || !handler.problem.empty())
    throw Error(fmt::format("{}: malformed safetensors header: {}", what,
                            handler.problem.empty() ? std::string("invalid JSON") : handler.problem));
  handler.summary.header_bytes = json.size();
  return handler.summary;
}

SafetensorsSummary read_safetensors_header(image::ByteStream& stream, std::uint64_t file_size, std::string_view what,
                                           std::uint64_t max_header) {
  if (file_size < 8)
    throw Error(fmt::format("{}: a safetensors file needs an 8-byte header length but has {} bytes", what, file_size));
  unsigned char prefix[8];
  read_exactly(stream, reinterpret_cast<char*>(prefix), 8, what, "header length");
  std::uint64_t length = 0;
  for (int i = 7; i >= 0; --i) length = (length << 8) | prefix[i];
  if (length > max_header)
    throw Error(fmt::format("{}: safetensors header claims {} bytes, over the {}-byte limit", what, length, max_header),
                "the file is corrupt or not safetensors");
  if (length > file_size - 8)
    throw Error(fmt::format("{}: safetensors header claims {} bytes but the file has {}", what, length, file_size),
                "the file is corrupt or not safetensors");
  std::string json(static_cast<std::size_t>(length), '\0');
  read_exactly(stream, json.data(), json.size(), what, "header");
  // The format pads the header with trailing spaces to align the data.
  while (!json.empty() && json.back() == ' ') json.pop_back();
  auto summary = parse_safetensors_header(json, what);
  summary.header_bytes = length;
  return summary;
}

}  // namespace coldstart::analyze
