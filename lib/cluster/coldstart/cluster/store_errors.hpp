// One clear line for a failed file operation in the cache: disk full and permission problems
// say what to do about them.
#pragma once
#include <filesystem>
#include <string_view>

namespace coldstart::cluster {

// Throws Error "<what> <path>: <strerror> (<hint for ENOSPC/EACCES/EROFS/...>)".
[[noreturn]] void throw_store_error(std::string_view what, const std::filesystem::path& path, int error_number);

}  // namespace coldstart::cluster
