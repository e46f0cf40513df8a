// Diagnostics on stderr; results go to stdout. -q silences info, -v enables debug.
#pragma once
#include <fmt/format.h>

#include <string_view>

namespace coldstart::log {

enum class Level { quiet = 0, info = 1, debug = 2 };
void set_level(Level level);
Level level();
void write(std::string_view prefix, std::string_view message);

template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (level() >= Level::info) write("", fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (level() >= Level::debug) write("debug: ", fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  write("warning: ", fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace coldstart::log
