#include "coldstart/core/log.hpp"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <string>

#include "coldstart/core/one_line.hpp"

namespace coldstart::log {

static std::atomic<Level> g_level{Level::info};
static std::mutex g_mutex;

void set_level(Level l) { g_level = l; }
Level level() { return g_level; }

void write(std::string_view prefix, std::string_view message) {
  std::lock_guard lock(g_mutex);
  std::string line = "coldstart: " + std::string(prefix) + one_line(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace coldstart::log
