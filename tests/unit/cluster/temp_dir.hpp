// A scratch directory for one test case, removed on scope exit.
#pragma once
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace coldstart::test {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "coldstart-cluster-XXXXXX").string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, std::size_t bytes, char fill = 'x') const {
    auto p = path_ / name;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    std::string block(4096, fill);
    for (std::size_t done = 0; done < bytes; done += block.size())
      out.write(block.data(), static_cast<std::streamsize>(std::min(block.size(), bytes - done)));
    return p;
  }

 private:
  std::filesystem::path path_;
};

}  // namespace coldstart::test
