// oci:DIR and oci-archive:FILE: the same OCI layout reader over a directory or a tar.
#include <fmt/format.h>

#include "coldstart/core/digest.hpp"
#include "coldstart/image/local_sources.hpp"
#include "file_tree.hpp"
#include "oci_layout.hpp"

namespace coldstart::image {

namespace {

class LayoutSource : public Source {
 public:
  LayoutSource(std::unique_ptr<detail::FileTree> tree, const LayoutImage& image, const SourceOptions& options,
               std::string name)
      : tree_(std::move(tree)), layout_(*tree_, name), platform_(options.platform), name_(std::move(name)) {
    if (!image.digest.empty()) selector_.digest = image.digest;
    else if (!image.tag.empty()) selector_ = detail::select_by_tag(image.tag);
  }
  std::string describe() const override { return name_; }
  ResolvedImage resolve() override { return layout_.resolve(selector_, platform_); }
  std::unique_ptr<ByteStream> open_blob(const Descriptor& descriptor) override {
    return layout_.open_blob(descriptor, "blob " + short_digest(descriptor.digest));
  }
  std::vector<std::string> list_tags() override { return layout_.tags(); }

 private:
  std::unique_ptr<detail::FileTree> tree_;
  detail::OciLayout layout_;
  detail::LayoutSelector selector_;
  Platform platform_;
  std::string name_;
};

}  // namespace

std::unique_ptr<Source> open_oci_layout(const std::filesystem::path& dir, const LayoutImage& image,
                                        const SourceOptions& options, std::string name) {
  return std::make_unique<LayoutSource>(detail::open_directory_tree(dir), image, options, std::move(name));
}

std::unique_ptr<Source> open_oci_archive(const std::filesystem::path& file, const LayoutImage& image,
                                         const SourceOptions& options, std::string name) {
  return std::make_unique<LayoutSource>(detail::open_tar_tree(file), image, options, std::move(name));
}

}  // namespace coldstart::image
