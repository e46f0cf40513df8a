// The registry transport (docker://REF or a bare REF), behind image::Source.
#pragma once
#include <memory>

#include "coldstart/image/reference.hpp"
#include "coldstart/image/source.hpp"

namespace coldstart::image {

std::unique_ptr<Source> open_registry_source(const Reference& reference, const SourceOptions& options);

}  // namespace coldstart::image
