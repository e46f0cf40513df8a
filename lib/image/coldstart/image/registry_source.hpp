// The registry transport (docker://REF or a bare REF), behind image::Source.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "coldstart/image/reference.hpp"
#include "coldstart/image/source.hpp"

namespace coldstart::image {

std::unique_ptr<Source> open_registry_source(const Reference& reference, const SourceOptions& options);

// Tags of the reference's repository, asking for pages of `page_size` (> 0) and following the
// registry's Link headers; the same as open_registry_source(...)->list_tags() with page control.
std::vector<std::string> list_registry_tags(const Reference& reference, const SourceOptions& options,
                                            int page_size);

}  // namespace coldstart::image
