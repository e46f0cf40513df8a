// Internal: reading an OCI image layout (index.json + blobs/<alg>/<hex>) from a FileTree,
// shared by oci:DIR, oci-archive:FILE and the Docker 25+ docker-archive form.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "coldstart/image/source.hpp"
#include "file_tree.hpp"

namespace coldstart::image::detail {

// Which image of the layout: by digest, by an index.json entry matching a name, or (neither)
// the only image / the platform's image.
struct LayoutSelector {
  std::string digest;
  std::string name;  // for messages: the tag or reference that was asked for
  std::function<bool(const Descriptor&)> matches;  // set together with `name`
};

// Tag matching of the oci: transport: the org.opencontainers.image.ref.name annotation.
LayoutSelector select_by_tag(const std::string& tag);

class OciLayout {
 public:
  OciLayout(const FileTree& tree, std::string name) : tree_(tree), name_(std::move(name)) {}
  bool has_index() const { return tree_.exists("index.json"); }
  Index read_index_json() const;
  ResolvedImage resolve(const LayoutSelector& selector, const Platform& platform) const;
  // blobs/<alg>/<hex>, size- and digest-verified while read.
  std::unique_ptr<ByteStream> open_blob(const Descriptor& descriptor, const std::string& what) const;
  std::string read_document(const Descriptor& descriptor, const std::string& what) const;
  // ref.name annotations of index.json, in order.
  std::vector<std::string> tags() const;

 private:
  const FileTree& tree_;
  std::string name_;
};

std::string blob_path(const std::string& digest);

}  // namespace coldstart::image::detail
